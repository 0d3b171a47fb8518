"""rag.vectorindex on small real data: exactness, approximate recall, persistence, edge cases."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from rag.errors import IndexCorruptError, IndexMissingError
from rag.vectorindex import (
    brute_force_search,
    build_vector_index,
    choose_index_kind,
    load_vector_index,
    save_vector_index,
    search_vectors,
)

DIM = 384


def unit_rows(array: np.ndarray) -> np.ndarray:
    return (array / np.linalg.norm(array, axis=1, keepdims=True)).astype(np.float32)


def random_vectors(n: int, seed: int = 0) -> np.ndarray:
    return unit_rows(np.random.default_rng(seed).standard_normal((n, DIM), dtype=np.float32))


def clustered_vectors(n: int, seed: int = 0) -> np.ndarray:
    """Overlapping Gaussian clusters in a 64-d space mapped to DIM, as in benchmarks/scale.py.

    4,096 centres make it hard enough that IVF with half the probes falls below 0.95.
    """
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((4_096, 64), dtype=np.float32)
    latent = means[rng.integers(len(means), size=n)] + 0.7 * rng.standard_normal((n, 64), dtype=np.float32)
    projection = rng.standard_normal((64, DIM), dtype=np.float32) / 8
    return unit_rows(latent @ projection + 0.3 / np.sqrt(DIM) * rng.standard_normal((n, DIM), dtype=np.float32))


def near(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = vectors[rng.choice(len(vectors), size=count, replace=False)]
    return unit_rows(rows + 0.02 * rng.standard_normal(rows.shape, dtype=np.float32))


def test_flat_search_equals_brute_force():
    vectors = random_vectors(2_000)
    queries = random_vectors(50, seed=1)
    scores, ids = search_vectors(build_vector_index(vectors, "flat"), queries, 10)
    exact_scores, exact_ids = brute_force_search(vectors, queries, 10)
    np.testing.assert_array_equal(ids, exact_ids)
    np.testing.assert_allclose(scores, exact_scores, atol=1e-5)


def test_ivf_recall_at_10_on_clustered_vectors():
    vectors = clustered_vectors(20_000)
    queries = near(vectors, 200)
    index = build_vector_index(vectors, "ivf")
    _, ids = search_vectors(index, queries, 10)
    _, exact = brute_force_search(vectors, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact)])
    assert recall >= 0.95, f"IVF recall@10 {recall:.3f} on 20,000 clustered vectors"


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_save_load_round_trip_gives_identical_results(tmp_path, kind):
    vectors = clustered_vectors(5_000)
    queries = near(vectors, 20)
    index = build_vector_index(vectors, kind)
    path = tmp_path / "dense.faiss"
    save_vector_index(index, path)
    loaded = load_vector_index(path)
    for got, expected in zip(search_vectors(loaded, queries, 10), search_vectors(index, queries, 10)):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(loaded.reconstruct_n(0, 5), vectors[:5])  # exact re-scoring needs it
    assert getattr(loaded, "nprobe", None) == getattr(index, "nprobe", None)
    assert [p.name for p in tmp_path.iterdir()] == ["dense.faiss"]  # no temporary file left behind


def test_truncated_index_file_raises_index_corrupt_error(tmp_path):
    path = tmp_path / "dense.faiss"
    save_vector_index(build_vector_index(random_vectors(500)), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match="rag build"):
        load_vector_index(path)


def test_missing_index_file_raises_index_missing_error(tmp_path):
    with pytest.raises(IndexMissingError, match="rag build"):
        load_vector_index(tmp_path / "dense.faiss")


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_k_larger_than_the_index_returns_every_vector(kind):
    vectors = random_vectors(100)
    scores, ids = search_vectors(build_vector_index(vectors, kind), vectors[:3], 1_000)
    assert scores.shape == ids.shape == (3, 100)
    assert all(sorted(row) == list(range(100)) for row in ids.tolist())
    np.testing.assert_array_equal(ids[:, 0], [0, 1, 2])


def test_choose_index_kind_keeps_the_corpus_exact():
    assert choose_index_kind(3_000) == "flat"
    assert choose_index_kind(1_000_000) == "ivf"
    index = build_vector_index(random_vectors(3_000))
    assert isinstance(index, faiss.IndexFlatIP) and index.ntotal == 3_000
