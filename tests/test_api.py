"""The public API is deliberate: what `rag` exports is listed and importable."""

from __future__ import annotations

import rag


def test_public_names_are_exactly_these():
    assert sorted(rag.__all__) == sorted(
        [
            "Answer", "Assistant", "CorpusError", "Excerpt", "Hit", "IndexCorruptError", "IndexMissingError",
            "IndexStaleError", "IndexWriteError", "ModelError", "Passage", "QuestionError", "RagError", "Settings",
            "Source", "build_index",
        ]
    )
    for name in rag.__all__:
        assert getattr(rag, name) is not None


def test_every_library_error_is_a_rag_error():
    errors = [getattr(rag, n) for n in rag.__all__ if n.endswith("Error")]
    assert all(issubclass(e, rag.RagError) for e in errors)


def test_importing_rag_loads_no_model():
    """Nothing heavy happens at import: the model loads in Embedder.load, the UI in rag.webapp."""
    import subprocess
    import sys

    code = "import rag, sys; print(sorted(m for m in ('torch', 'sentence_transformers', 'gradio') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
