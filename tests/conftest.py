"""Shared fixtures: the real corpus, the real packaged model, one index built per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rag.assistant import DEFAULT_CORPUS, DEFAULT_INDEX, Assistant  # noqa: E402
from rag.corpus import load_sources, read_text  # noqa: E402
from rag.embed import DEEP, Embedder  # noqa: E402
from rag.index import build_index, build_passages  # noqa: E402
from support import close_gradio_loops, free_port  # noqa: E402

GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


def _import_anyio_now() -> None:
    """anyio (under Gradio's server) imports its parts lazily, on first use, in the server's thread.
    Under pytest that import is parsed by assertion rewriting (anyio is a pytest plugin), and on
    Python 3.11 an ast.parse racing the test thread's fails ("AST constructor recursion depth
    mismatch": a served file became a 500 in one CI run). Everything imported here, before any server."""
    import anyio

    for name in dir(anyio):
        if not name.startswith("_"):
            getattr(anyio, name)
    # the same for pydantic.v1, which FastAPI imports on Gradio's first route: on 3.11 that import
    # failed in the test thread with a KeyError from importlib's module lock (three runs in a row)
    import pydantic.v1  # noqa: F401


_import_anyio_now()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return DEFAULT_CORPUS


@pytest.fixture(scope="session")
def sources(corpus_dir):
    return load_sources(corpus_dir)


@pytest.fixture(scope="session")
def raw_texts(corpus_dir, sources) -> dict[str, str]:
    return {s.id: read_text(corpus_dir, s) for s in sources}


@pytest.fixture(scope="session")
def passages(corpus_dir):
    return build_passages(corpus_dir)[1]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.load()


@pytest.fixture(scope="session")
def deep_embedder() -> Embedder:
    """all-mpnet-base-v2 on torch, as builds use it."""
    return Embedder.load(DEEP)


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, corpus_dir, embedder) -> Path:
    """An index built from the real corpus into a temp folder (never into the repo)."""
    index_dir = tmp_path_factory.mktemp("index")
    build_index(corpus_dir, index_dir, embedder)
    return index_dir


@pytest.fixture(scope="session")
def assistant() -> Assistant:
    """The assistant over the committed index (test_index checks it is not stale)."""
    return Assistant.load(DEFAULT_INDEX, DEFAULT_CORPUS)  # as served: questions through the ONNX forms of both models


@pytest.fixture(scope="session")
def gold_path() -> Path:
    if not GOLD.is_file():
        pytest.skip(f"gold file {GOLD} not present")
    return GOLD


@pytest.fixture(scope="module")
def gradio_loops() -> Iterator[None]:
    """For modules that run Gradio: close the event loops it leaves behind (see support.py)."""
    yield
    close_gradio_loops()


@pytest.fixture(scope="module")
def served(assistant, gradio_loops) -> Iterator[str]:
    """The app on a free local port, for the API and browser tests."""
    from rag.webapp import build_app, launch

    demo = build_app(assistant)
    url = launch(demo, host="127.0.0.1", port=free_port())
    yield url
    demo.close(verbose=False)


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served, verbose=False)
