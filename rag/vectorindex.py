"""FAISS vector index (placeholder flat version; being replaced by the size-aware one)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import faiss
import numpy as np

from .errors import IndexCorruptError


def build_vector_index(vectors: np.ndarray, kind: str | None = None) -> faiss.Index:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def search_vectors(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), max(1, min(k, index.ntotal)))


def save_vector_index(index: faiss.Index, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    faiss.write_index(index, tmp)
    os.replace(tmp, path)


def load_vector_index(path: Path) -> faiss.Index:
    try:
        return faiss.read_index(str(path))
    except RuntimeError as exc:
        raise IndexCorruptError(f"{path} cannot be read; rebuild with: rag build") from exc
