"""How the vector index scales: FAISS flat beside the approximate index, same data, same run.

For each size: build time, resident-memory growth during the build (psutil), warm
single-query top-10 latency (p50/p95, ms) and recall@10 against exact search.
The data are synthetic but clustered (see clustered_vectors): ANN recall on isotropic
noise says little about real embeddings. Exact ground truth comes from the flat index
searched in one batch (BLAS; still exact).

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--queries 200] [--with-hnsw]

--with-hnsw adds a faiss.IndexHNSWFlat row (M=16, efConstruction=40, efSearch=256), the
alternative that lost to IVF on build time and recall; it adds ~5 minutes at 10^6.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np
import psutil
from tqdm import tqdm

from rag.vectorindex import build_vector_index, choose_index_kind, search_vectors

DIM = 384
K = 10
TARGET_RECALL = 0.95
TARGET_P95_MS = 50.0
CHECK_SIZE = 1_000_000
logger = logging.getLogger("benchmarks.scale")


@dataclass(frozen=True, slots=True)
class Row:
    """One index kind measured at one size."""

    n: int
    kind: str
    build_s: float
    rss_mb: float
    p50_ms: float
    p95_ms: float
    recall: float


def clustered_vectors(n: int, rng: np.random.Generator, latent: int = 64, centres: int = 4096) -> np.ndarray:
    """Unit vectors from a mixture of Gaussians in a low-dimensional space, projected to DIM.

    Sentence embeddings have a low intrinsic dimension and topics of very unequal size, with
    no hard borders: so a 64-d mixture of 4,096 overlapping centres with Zipf-like weights,
    mapped linearly to 384-d plus a little isotropic noise. Random pairs score ~0, a point's
    10th neighbour ~0.7 at 10^6, as with real embeddings of related passages.
    """
    means = rng.standard_normal((centres, latent), dtype=np.float32)
    projection = rng.standard_normal((latent, DIM), dtype=np.float32) / np.sqrt(latent)
    weights = 1.0 / np.sqrt(np.arange(1, centres + 1))
    labels = rng.choice(centres, size=n, p=weights / weights.sum())
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):  # in chunks: the latent draws would double peak memory
        stop = min(n, start + 100_000)
        z = means[labels[start:stop]] + 0.7 * rng.standard_normal((stop - start, latent), dtype=np.float32)
        out[start:stop] = z @ projection + (0.3 / np.sqrt(DIM)) * rng.standard_normal((stop - start, DIM), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def near_queries(vectors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Queries near random data points (a question close to, not equal to, a passage)."""
    rows = vectors[rng.choice(len(vectors), size=count, replace=False)]
    queries = rows + 0.02 * rng.standard_normal(rows.shape, dtype=np.float32)
    return queries / np.linalg.norm(queries, axis=1, keepdims=True)


def build_hnsw(vectors: np.ndarray) -> faiss.Index:
    """The HNSW alternative, for comparison only."""
    index = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 40
    index.add(vectors)
    index.hnsw.efSearch = 256
    return index


def measure(n: int, kind: str, build: Callable[[], faiss.Index], queries: np.ndarray, truth: np.ndarray | None) -> tuple[Row, faiss.Index]:
    """Build one index and time warm single-query searches; truth None means this is the exact one."""
    gc.collect()
    process = psutil.Process()
    rss = process.memory_info().rss
    start = time.perf_counter()
    index = build()
    build_s = time.perf_counter() - start
    rss_mb = (process.memory_info().rss - rss) / 2**20
    for query in queries[:5]:  # warm caches and lazily allocated buffers
        search_vectors(index, query[None, :], K)
    times, found = [], []
    for query in tqdm(queries, desc=f"{kind} {n:,}", leave=False, disable=None):
        start = time.perf_counter()
        _, ids = search_vectors(index, query[None, :], K)
        times.append((time.perf_counter() - start) * 1000)
        found.append(ids[0])
    if truth is None:
        truth = search_vectors(index, queries, K)[1]
    recall = float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))
    p50, p95 = np.percentile(times, [50, 95])
    logger.info("%s at %s: build %.1f s, p95 %.2f ms, recall@10 %.4f", kind, f"{n:,}", build_s, p95, recall)
    return Row(n, kind, build_s, rss_mb, float(p50), float(p95), recall), index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--with-hnsw", action="store_true", help="also measure HNSW (slow to build)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")

    started = time.perf_counter()
    logger.info("generating %s clustered vectors of dim %d…", f"{max(args.sizes):,}", DIM)
    data = clustered_vectors(max(args.sizes), np.random.default_rng(0))
    rows: list[Row] = []
    for n in sorted(args.sizes):
        vectors = data[:n]  # the rows are i.i.d., so every prefix is a sample of the same mixture
        queries = near_queries(vectors, min(args.queries, n), np.random.default_rng(n))
        flat_row, flat = measure(n, "flat", lambda: build_vector_index(vectors, "flat"), queries, None)
        truth = search_vectors(flat, queries, K)[1]
        del flat
        rows.append(flat_row)
        rows.append(measure(n, "ivf", lambda: build_vector_index(vectors, "ivf"), queries, truth)[0])
        if args.with_hnsw:
            rows.append(measure(n, "hnsw", lambda: build_hnsw(vectors), queries, truth)[0])
    print_table(rows)
    # Latencies here are memory-bandwidth bound: other work on the machine shows up in them.
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    logger.info("total %.0f s", time.perf_counter() - started)
    return check(rows)


def print_table(rows: list[Row]) -> None:
    flat_p95 = {row.n: row.p95_ms for row in rows if row.kind == "flat"}
    print(f"\nVector index scaling: dim {DIM}, clustered synthetic data, top-{K}, "
          f"{faiss.omp_get_max_threads()} threads, warm single-query latency\n")
    print("| vectors | kind | chosen | build s | RSS MB | p50 ms | p95 ms | p95 / flat | recall@10 |")
    print("|---:|---|:-:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        chosen = "✓" if choose_index_kind(r.n) == r.kind else ""
        print(f"| {r.n:,} | {r.kind} | {chosen} | {r.build_s:.2f} | {r.rss_mb:.0f} | {r.p50_ms:.2f} | "
              f"{r.p95_ms:.2f} | {r.p95_ms / flat_p95[r.n]:.3f} | {r.recall:.4f} |")
    print()
    for n in sorted(flat_p95):
        print(f"choose_index_kind({n:,}) = {choose_index_kind(n)!r}")


def check(rows: list[Row]) -> int:
    """Exit status: 1 unless the kind chosen at 10^6 meets the recall and latency targets."""
    chosen = [r for r in rows if r.n == CHECK_SIZE and r.kind == choose_index_kind(CHECK_SIZE)]
    if not chosen:
        logger.warning("%s not among --sizes: targets not checked", f"{CHECK_SIZE:,}")
        return 0
    row = chosen[0]
    if row.recall < TARGET_RECALL or row.p95_ms > TARGET_P95_MS:
        logger.error(
            "FAIL: at %s vectors the chosen kind %r has recall@10 %.4f (target >= %.2f) and p95 %.2f ms "
            "(target <= %.0f); retune NPROBE or ivf_lists in rag/vectorindex.py",
            f"{CHECK_SIZE:,}", row.kind, row.recall, TARGET_RECALL, row.p95_ms, TARGET_P95_MS,
        )
        return 1
    logger.info("OK: at %s vectors %r meets recall@10 >= %.2f and p95 <= %.0f ms",
                f"{CHECK_SIZE:,}", row.kind, TARGET_RECALL, TARGET_P95_MS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
