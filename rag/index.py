"""Build, save and load the index: passages, their vectors in FAISS, and a manifest.

Files in the index folder (plain files, like bm25s does it):
  manifest.json    format version, model name and weights hash, dimension, corpus hash,
                   settings, and a SHA-256 of every other file
  passages.jsonl   one Passage per line, in vector order
  dense.faiss      the FAISS index of passage vectors
The BM25 index is rebuilt at load from passages.jsonl (well under a second here).
Writes are atomic: each file is written aside and renamed, the manifest last, so an
interrupted build leaves either the old index or one whose checksums fail.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import corpus_hash, load_sources, read_text
from .embed import Embedder, file_sha256
from .errors import IndexCorruptError, IndexMissingError, IndexStaleError
from .ingest import ingest_source
from .ingest.assemble import SentenceSplitter
from .schema import Passage, Source
from .vectorindex import build_vector_index, load_vector_index, save_vector_index  # noqa

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DENSE = "dense.faiss"
DATA_FILES = (PASSAGES, DENSE)


@dataclass(frozen=True, slots=True)
class Index:
    """A loaded index: the corpus metadata, passages and their FAISS vectors."""

    sources: tuple[Source, ...]
    passages: tuple[Passage, ...]
    vectors: Any  # faiss.Index
    manifest: dict[str, Any]


def build_passages(corpus_dir: Path) -> tuple[list[Source], list[Passage]]:
    """Read and ingest every source of the corpus."""
    sources = load_sources(corpus_dir)
    splitter = SentenceSplitter()
    passages: list[Passage] = []
    for source in sources:
        passages.extend(ingest_source(source, read_text(corpus_dir, source), splitter))
    return sources, passages


def build_index(corpus_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False) -> dict[str, Any]:
    """Ingest the corpus, embed every passage and write the index; returns the manifest."""
    started = time.perf_counter()
    sources, passages = build_passages(corpus_dir)
    logger.info("ingested %d passages from %d sources", len(passages), len(sources))
    vectors = embedder.embed([p.text for p in passages], progress=progress)
    faiss_index = build_vector_index(vectors)
    index_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(index_dir / PASSAGES, "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages).encode())
    save_vector_index(faiss_index, index_dir / DENSE)
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": embedder.name,
        "model_sha256": embedder.sha256,
        "dimension": embedder.dim,
        "corpus_hash": corpus_hash(corpus_dir, sources),
        "passages": len(passages),
        "index_type": type(faiss_index).__name__,
        "files": {name: file_sha256(index_dir / name) for name in DATA_FILES},
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    _write_atomic(index_dir / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index in {index_dir}; build it with: rag build")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} is not valid JSON; rebuild with: rag build") from exc


def check_index(index_dir: Path, corpus_dir: Path, embedder_name: str, embedder_sha256: str) -> dict[str, Any]:
    """The manifest, after checking that it matches this code, model, corpus and files."""
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStaleError(
            f"index in {index_dir} has format {manifest.get('format_version')}, this code reads {FORMAT_VERSION}; rebuild with: rag build"
        )
    if manifest.get("model") != embedder_name or manifest.get("model_sha256") != embedder_sha256:
        raise IndexStaleError(f"index in {index_dir} was built with another embedding model; rebuild with: rag build")
    current = corpus_hash(corpus_dir, load_sources(corpus_dir))
    if manifest.get("corpus_hash") != current:
        raise IndexStaleError(f"the corpus in {corpus_dir} changed since the index was built; rebuild with: rag build")
    for name in DATA_FILES:
        path = index_dir / name
        expected = manifest.get("files", {}).get(name)
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; rebuild with: rag build")
        if expected != file_sha256(path):
            raise IndexCorruptError(f"{path} does not match its checksum in the manifest; rebuild with: rag build")
    return manifest


def load_index(index_dir: Path, corpus_dir: Path, embedder_name: str, embedder_sha256: str) -> Index:
    """Load a checked index (see check_index for what is checked)."""
    manifest = check_index(index_dir, corpus_dir, embedder_name, embedder_sha256)
    passages = tuple(_read_passages(index_dir / PASSAGES))
    vectors = load_vector_index(index_dir / DENSE)
    if vectors.ntotal != len(passages) or vectors.d != manifest["dimension"]:
        raise IndexCorruptError(
            f"{index_dir}: {vectors.ntotal} vectors of dimension {vectors.d} for {len(passages)} passages; rebuild with: rag build"
        )
    return Index(tuple(load_sources(corpus_dir)), passages, vectors, manifest)


def _read_passages(path: Path) -> list[Passage]:
    try:
        with path.open(encoding="utf-8") as handle:
            return [Passage.from_dict(json.loads(line)) for line in handle]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} cannot be read ({exc}); rebuild with: rag build") from exc


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def passage_vectors(index: Index) -> np.ndarray:
    """All passage vectors, reconstructed from FAISS (for exact re-scoring and tests)."""
    return index.vectors.reconstruct_n(0, index.vectors.ntotal)
