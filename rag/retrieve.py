"""Hybrid retrieval: dense (FAISS) + BM25 (bm25s), fused by reciprocal rank, balanced by source.

Balance matters because one source (the 1939 book) has ten times the passages of the
others: a plain top-k lets it crowd out the short texts on questions they also answer.
It does not rerank with a cross-encoder (none ships offline).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer

from .embed import Embedder
from .index import Index
from .schema import Hit, Passage
from .settings import Settings
from .vectorindex import search_vectors

logger = logging.getLogger(__name__)


class LexicalIndex:
    """BM25 over the passages, with English stemming and stop words."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize([p.text for p in passages], stopwords="en", stemmer=self._stemmer, show_progress=False)
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no term is known)."""
        tokens = bm25s.tokenize(query, stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False)[0]
        ids = self._bm25.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(self._bm25.scores["num_docs"], dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)


class Retriever:
    """Finds the passages that answer a question, keeping every relevant source in view."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self._index = index
        self._embedder = embedder
        self._settings = settings
        self._lexical = LexicalIndex(index.passages)
        self._source_ids = np.array([p.source_id for p in index.passages])

    def search(self, question: str, k: int = 10, sources: Sequence[str] | None = None) -> list[Hit]:
        """The top k passages for the question, from the given sources (all when None)."""
        allowed = self._allowed(sources)
        dense = self._dense_scores(question)
        lexical = self._lexical.scores(question)
        fused = self._fuse(dense, lexical, allowed)
        order = self._balanced_order(fused, allowed, k)
        return [
            Hit(self._index.passages[i], float(fused[i]), float(dense[i]), float(lexical[i]), rank)
            for rank, i in enumerate(order, start=1)
        ]

    def _allowed(self, sources: Sequence[str] | None) -> np.ndarray:
        if sources is None:
            return np.ones(len(self._source_ids), dtype=bool)
        return np.isin(self._source_ids, list(sources))

    def _dense_scores(self, question: str) -> np.ndarray:
        """Cosine similarity for the pool of nearest passages; -1 for the rest."""
        query = self._embedder.embed([question])
        n = len(self._source_ids)
        scores, ids = search_vectors(self._index.vectors, query, min(self._settings.pool, n))
        dense = np.full(n, -1.0, dtype=np.float32)
        valid = ids[0] >= 0
        dense[ids[0][valid]] = scores[0][valid]
        return dense

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Weighted reciprocal rank fusion over the allowed passages (others get -inf)."""
        s = self._settings
        fused = np.zeros(len(dense), dtype=np.float64)
        for scores, weight, floor in ((dense, s.dense_weight, -1.0), (lexical, s.lexical_weight, 0.0)):
            candidates = np.flatnonzero(allowed & (scores > floor))
            ranked = candidates[np.argsort(-scores[candidates], kind="stable")][: s.pool]
            fused[ranked] += weight / (s.rrf_k + np.arange(1, len(ranked) + 1))
        fused[~allowed] = -np.inf
        return fused

    def _balanced_order(self, fused: np.ndarray, allowed: np.ndarray, k: int) -> list[int]:
        """Top k by fused score, after reserving slots for each source that is relevant."""
        s = self._settings
        ranked = [int(i) for i in np.argsort(-fused, kind="stable") if allowed[i] and fused[i] > 0]
        if not ranked:
            return []
        top = fused[ranked[0]]
        reserved: list[int] = []
        for source in dict.fromkeys(self._source_ids[ranked]):
            own = [i for i in ranked if self._source_ids[i] == source]
            if fused[own[0]] >= s.balance_floor * top:
                reserved.extend(own[: s.balance_slots])
        chosen = set(reserved[:k])
        for i in ranked:
            if len(chosen) >= k:
                break
            chosen.add(i)
        return sorted(chosen, key=lambda i: -fused[i])
