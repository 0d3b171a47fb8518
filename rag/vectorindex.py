"""The FAISS part of the index: exact search for small corpora, IVF for large ones.

Vectors are float32 rows, L2-normalised, so inner product is cosine. The kind, the
threshold and the IVF parameters were chosen with benchmarks/scale.py on a 2-core CPU
(clustered synthetic data, dim 384); see the module constants for the numbers.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from .errors import IndexCorruptError, IndexMissingError

logger = logging.getLogger(__name__)

IndexKind = Literal["flat", "ivf"]

# Flat search is memory-bound and linear in n: single-query p95 ~2 ms at 10^4, ~30 ms at 10^5
# (80 ms when the machine is busy). Up to here it stays within half the 50 ms budget even when
# busy (26 ms measured at load 5); beyond, IVF is 5-50x faster. The corpus (~3,000) is far below.
FLAT_MAX_VECTORS = 20_000
# Lists probed per query. With nlist ~ sqrt(n) this kept recall@10 at 0.97-0.99 from 10^4 to
# 10^6 vectors, p95 13-26 ms at 10^6 (flat: 0.7-1.7 s; ranges = quiet vs busy machine). HNSW
# (M=16, efConstruction=40) took 275 s to build 10^6 against 15-55 s here, and its recall@10
# stayed below 0.95 even at efSearch=256.
NPROBE = 64
# k-means wants >= 39 points per centroid; more only lengthens training.
TRAIN_POINTS_PER_LIST = 64


def choose_index_kind(n_vectors: int) -> IndexKind:
    """Exact search while it is fast enough, IVF beyond."""
    return "flat" if n_vectors <= FLAT_MAX_VECTORS else "ivf"


def ivf_lists(n_vectors: int) -> int:
    """IVF list count: the power of two nearest sqrt(n), capped so each list can be trained."""
    nlist = 2 ** round(math.log2(max(n_vectors, 1)) / 2)
    return max(1, min(nlist, n_vectors // 39))


def build_vector_index(vectors: np.ndarray, kind: IndexKind | None = None) -> faiss.Index:
    """An inner-product index over L2-normalised rows; kind None chooses by size."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    n, dim = vectors.shape
    kind = kind or choose_index_kind(n)
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
    elif kind == "ivf":
        nlist = ivf_lists(n)
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        # A fixed-seed sample keeps builds reproducible and training time independent of n.
        sample = np.random.default_rng(0).choice(n, size=min(n, nlist * TRAIN_POINTS_PER_LIST), replace=False)
        index.train(vectors[np.sort(sample)])
        index.add(vectors)
        index.make_direct_map()  # reconstruct() by id, which exact re-scoring uses
        index.nprobe = _nprobe(index)  # recorded on the index (write_index keeps it) for direct index.search
    else:
        raise ValueError(f"unknown index kind {kind!r}; expected 'flat' or 'ivf'")
    logger.info("built a %s index of %d vectors (dim %d)", kind, n, dim)
    return index


def _nprobe(index: faiss.IndexIVF) -> int:
    """Lists to probe: NPROBE, or all of them for a small index."""
    return min(NPROBE, index.nlist)


def search_vectors(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, ids) for each query row, k clamped to the number of vectors."""
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    k = min(k, index.ntotal)
    if k <= 0:
        return np.empty((len(queries), 0), np.float32), np.empty((len(queries), 0), np.int64)
    # Passed per call, not read from the file: a loaded index searches as this module is tuned.
    params = faiss.SearchParametersIVF(nprobe=_nprobe(index)) if isinstance(index, faiss.IndexIVF) else None
    return index.search(queries, k, params=params)


def save_vector_index(index: faiss.Index, path: Path) -> None:
    """Write atomically: a temporary file beside `path`, flushed to disk, then renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        faiss.write_index(index, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an index is meant to be shared
        with open(tmp, "rb") as handle:  # write_index does not fsync; a crash could leave an empty file
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_vector_index(path: Path) -> faiss.Index:
    """Read an index written by save_vector_index."""
    if not path.is_file():
        raise IndexMissingError(f"{path} does not exist; build the index with: rag build")
    try:
        return faiss.read_index(str(path))
    except (RuntimeError, MemoryError) as exc:  # a corrupt size field can ask for a huge allocation
        raise IndexCorruptError(f"{path} is unreadable or truncated; rebuild it with: rag build") from exc


def brute_force_search(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (scores, ids) by inner product in plain numpy: the reference for tests."""
    scores = np.atleast_2d(queries).astype(np.float32) @ np.asarray(vectors, dtype=np.float32).T
    k = min(k, scores.shape[1])
    if k <= 0:
        return np.empty((len(scores), 0), np.float32), np.empty((len(scores), 0), np.int64)
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    ids = np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1), axis=1)
    return np.take_along_axis(scores, ids, axis=1), ids.astype(np.int64)
