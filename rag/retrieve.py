"""Hybrid retrieval: dense (FAISS) + BM25 (bm25s) + best-sentence re-scoring, each dense signal
by two models (rag.embed: MiniLM, and all-mpnet-base-v2 when the index has its vectors), fused
as a weighted sum of standardised scores, then balanced by source.

Scores, not ranks, are fused: reciprocal rank fusion let a passage that is merely fair on
every signal beat one that a single signal ranks first by far (the quoted sentence a
paraphrase matches, with none of the question's words); on the dev set the z-score sum
raised MRR@10 from 0.63 to 0.67 and viewpoint coverage from 0.53 to 0.62, and adding the
deep model's two signals raised MRR@10 to 0.77 (docs/evaluation.md).

Balance matters because one source (the 1939 book) has ten times the passages of the
others: a plain top k lets it crowd out the short texts on questions they also answer.
A question that names a source ("according to the APL") is searched in that source; one
that names a chapter favours it. No cross-encoder reranking: none ships offline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer

from .embed import Embedder, QueryEmbedder
from .index import Index, mean_vectors
from .query import in_chapter, named_chapter, named_page, named_sources, ordinal_twins, without_source_names
from .schema import Hit, Passage
from .settings import Settings
from .vectorindex import search_vectors

logger = logging.getLogger(__name__)
MIN_FUSED = 1e-3  # the fused score of the weakest allowed passage


_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}(?:[A-Z]\b)?")


def _undotted(text: str) -> str:
    """'P.O.U.M.' and 'U.S.S.R.' as 'POUM' and 'USSR': the tokenizer drops one-letter tokens, so the
    dotted forms (the 1939 book's, 85 and 48 times) would never match a question that types them plainly."""
    return _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)


class LexicalIndex:
    """BM25 over the passages, with English stemming and stop words."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        texts = [_undotted(p.text) for p in passages]
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, show_progress=False)
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self._n = len(passages)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no term is known)."""
        tokens = bm25s.tokenize(_undotted(query), stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False)[0]
        ids = self._bm25.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(self._n, dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)


@dataclass(frozen=True, slots=True)
class QuestionVectors:
    """A question embedded by the fast model and, when the index has one, the deep model."""

    fast: np.ndarray
    deep: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class SentenceSimilarity:
    """A question's cosine with every stored sentence, computed once a question."""

    fast: SentenceScores  # the fast model's: the scale the scope and 'addresses' thresholds were calibrated on
    deep: SentenceScores | None  # the deep model's, when it is loaded
    # for choosing what to quote: the mean of both models' cosines (dev: evidence quoted 0.61 with the
    # fast model alone, 0.69 with the mean; docs/evaluation.md)
    quotes: SentenceScores
    # for choosing the sentences to quote within a passage: `quotes`, or the same without the references
    # that close quotations (Retriever.sentence_similarity)
    windows: SentenceScores


@dataclass(frozen=True, slots=True)
class _DeepModel:
    """The second model's question embedder and the index's vectors for it."""

    embedder: Embedder | QueryEmbedder
    sentences: np.ndarray  # one vector per sentence, as Index.deep_sentence_vectors
    passages: np.ndarray  # each passage's normalised mean of its sentences


class Retriever:
    """Finds the passages that answer a question, keeping every relevant source in view."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder | QueryEmbedder,
        settings: Settings,
        deep_embedder: Embedder | QueryEmbedder | None = None,
    ) -> None:
        self._index = index
        self._embedder = embedder
        self._settings = settings
        self._lexical = LexicalIndex(index.passages)
        self._source_ids = np.array([p.source_id for p in index.passages])
        # the deep model counts only when the index has its vectors and its embedder was given
        self._deep: _DeepModel | None = None
        if deep_embedder is not None and index.deep_sentence_vectors is not None:
            sentences = index.deep_sentence_vectors
            self._deep = _DeepModel(deep_embedder, sentences, mean_vectors(sentences, index.sentence_owner, len(index.passages)))

    def search(self, question: str, k: int = 10, sources: Sequence[str] | None = None) -> list[Hit]:
        """The top k passages for the question, from the given sources (all when None)."""
        return self.search_vector(question, self.embed_question(question), k, sources)

    def search_vector(
        self, question: str, query: QuestionVectors, k: int, sources: Sequence[str] | None,
        similarity: SentenceSimilarity | None = None,
    ) -> list[Hit]:
        """As `search`, with the question's vectors (and, if at hand, its `similarity`) already computed."""
        chapter = self._in_named_chapter(question)
        allowed = self._allowed(question, sources, chapter)
        dense = self._dense_scores(query.fast)
        similarity = similarity or self.sentence_similarity(query)
        best_sentence = similarity.fast.max_by_passage
        # a source the question names is searched alone; its name would match the source's mentions of
        # itself ('The American Party of Labor … regards Trotskyism as …') rather than the subject
        words = without_source_names(question, self._index.sources)
        lexical = self._lexical.scores(" ".join([words, *ordinal_twins(words)]))
        s = self._settings
        signals = [(dense, s.dense_weight), (lexical, s.lexical_weight), (best_sentence, s.sentence_weight)]
        if similarity.deep is not None and self._deep is not None and query.deep is not None:
            deep_best = similarity.deep.max_by_passage
            signals += [(self._deep.passages @ query.deep, s.deep_dense_weight), (deep_best, s.deep_sentence_weight)]
        fused = self._fuse(signals, allowed)
        if chapter is not None:
            fused *= np.where(chapter, self._settings.chapter_boost, 1.0)
        order = self._balanced_order(fused, k)
        return [
            Hit(self._index.passages[i], float(fused[i]), float(dense[i]), float(lexical[i]), float(best_sentence[i]), rank)
            for rank, i in enumerate(order, start=1)
        ]

    def embed_question(self, question: str) -> QuestionVectors:
        deep = self._deep.embedder.embed([question])[0] if self._deep is not None else None
        return QuestionVectors(self._embedder.embed([question])[0], deep)

    def closest_sentence(self, text: str) -> float:
        """The fast model's cosine of `text` with the corpus's closest sentence (the deep model's would double
        a question's time for no better separation: docs/evaluation.md)."""
        return float((self._index.sentence_vectors @ self._embedder.embed([text])[0]).max())

    def sentence_similarity(self, query: QuestionVectors, without_references: bool = False) -> SentenceSimilarity:
        """The question's cosine with every stored sentence vector, by each model (dot products).

        With `without_references`, the sentences to quote within a passage are chosen as if those
        that end on their quotation's reference did not have it. Asked for someone's words ('What
        did Trotsky urge in 1931 …?'), '… world revolution” (Article by Trotsky, November 26th,
        1931).' matched the name and year of its reference, which the answer shows as attribution,
        better than the sentence of the same article that says what he urged. Which passage to quote
        still weighs the reference: it may be how a question names the words it wants ('What did
        Trotsky write in November 1931 …?'). Dev speaker attribution 0.864 -> 0.909, both held-out
        sets unchanged; for every kind of question it was a trade (docs/evaluation.md).

        To choose what to quote, a sentence opening on 'He'/'His' scores as the better of itself and
        itself with the person's name in place of the pronoun (rag.decontext): 'When was Trotsky
        killed?' is answered by the APL's 'He escaped to the West, … until his execution at the hands
        of Ramón Mercader in 1940.' (0.40 as written, 0.65 resolved). Retrieval and the thresholds keep
        the sentences as written: resolved there too, held-out MRR@10 fell (0.615 -> 0.612, blind 0.688 ->
        0.673); for quotes alone no figure of the four gold sets moves but balance (docs/evaluation.md)."""
        index = self._index
        fast = index.sentence_vectors @ query.fast
        deep = self._deep.sentences @ query.deep if query.deep is not None and self._deep is not None else None
        resolved, unreferenced = index.resolved, index.unreferenced
        quote_fast = _rescored(fast, resolved.rows, resolved.vectors, query.fast, np.maximum)
        quote_deep = None if deep is None else _rescored(deep, resolved.rows, resolved.deep_vectors, query.deep, np.maximum)
        quotes = self._sentence_scores(quote_fast if quote_deep is None else (quote_fast + quote_deep) / 2)
        windows = quotes
        if without_references and unreferenced.vectors is not None:
            fast_windows = _rescored(quote_fast, unreferenced.rows, unreferenced.vectors, query.fast)
            if quote_deep is None or unreferenced.deep_vectors is None:
                windows = self._sentence_scores(fast_windows)
            else:
                deep_windows = _rescored(quote_deep, unreferenced.rows, unreferenced.deep_vectors, query.deep)
                windows = self._sentence_scores((fast_windows + deep_windows) / 2)
        deep_scores = None if deep is None else self._sentence_scores(deep)
        return SentenceSimilarity(self._sentence_scores(fast), deep_scores, quotes, windows)

    def _sentence_scores(self, scores: np.ndarray) -> SentenceScores:
        return SentenceScores(scores, self._index.sentence_owner, len(self._index.passages))

    def _allowed(self, question: str, sources: Sequence[str] | None, chapter: np.ndarray | None) -> np.ndarray:
        """The sources asked for; within them, the ones the question names, if any, or else
        the ones that have the chapter it names ('the foreword' is Campbell's); and of those,
        the passages on the page it names, when they have it ('What does Campbell say on page 70?')."""
        pool = list(sources) if sources is not None else [s.id for s in self._index.sources]
        named = [s for s in named_sources(question, self._index.sources) if s in pool]
        if not named and chapter is not None:
            named = [s for s in pool if s in set(self._source_ids[chapter])]
        allowed = np.isin(self._source_ids, named or pool)
        page = named_page(question)
        if page is None:
            return allowed
        on_page = allowed & np.array([page in p.pages for p in self._index.passages])
        return on_page if on_page.any() else allowed

    def _dense_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the question with the passages FAISS returns (all of a flat index); 0 for the rest."""
        n = len(self._source_ids)
        scores, ids = search_vectors(self._index.vectors, query[None, :], min(self._settings.dense_candidates, n))
        dense = np.zeros(n, dtype=np.float32)
        valid = ids[0] >= 0
        dense[ids[0][valid]] = scores[0][valid]
        return dense

    def _fuse(self, signals: Sequence[tuple[np.ndarray, float]], allowed: np.ndarray) -> np.ndarray:
        """Weighted sum of each signal's z-score over the allowed passages, shifted above 0 (others get -inf)."""
        fused = np.zeros(len(allowed), dtype=np.float64)
        for scores, weight in signals:
            fused += weight * _standardised(scores, allowed)
        fused -= fused[allowed].min(initial=0.0) - MIN_FUSED  # positive, so that chapter factors keep the order
        fused[~allowed] = -np.inf
        return fused

    def _in_named_chapter(self, question: str) -> np.ndarray | None:
        """Which passages sit in the chapter the question names; None when it names none."""
        chapter = named_chapter(question)
        if chapter is None:
            return None
        return np.array([in_chapter(p, chapter) for p in self._index.passages])

    def _balanced_order(self, fused: np.ndarray, k: int) -> list[int]:
        """Top k by fused score, after reserving the best few of every source searched."""
        ranked = [int(i) for i in np.argsort(-fused, kind="stable") if fused[i] > 0]
        reserved: list[int] = []
        for source in dict.fromkeys(self._source_ids[ranked]):
            reserved.extend([i for i in ranked if self._source_ids[i] == source][: self._settings.balance_slots])
        chosen = set(reserved[:k])
        for i in ranked:
            if len(chosen) >= k:
                break
            chosen.add(i)
        return sorted(chosen, key=lambda i: -fused[i])


def _rescored(
    scores: np.ndarray, rows: np.ndarray, vectors: np.ndarray | None, query: np.ndarray, combine: Callable | None = None
) -> np.ndarray:
    """`scores` with those of the sentences `rows` taken from other vectors of them (rewritten sentences):
    in their place, or `combine`d with them (np.maximum: the better of the two)."""
    if vectors is None or not len(rows):
        return scores
    out = scores.copy()
    rescored = vectors @ query
    out[rows] = rescored if combine is None else combine(scores[rows], rescored)
    return out


def _standardised(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """(scores - mean) / std over the allowed passages: signals on different scales become comparable."""
    values = scores[allowed].astype(np.float64)
    if values.size == 0:
        return np.zeros(len(scores))
    spread = values.std()
    return (scores - values.mean()) / spread if spread > 0 else np.zeros(len(scores))


class SentenceScores:
    """Question-to-sentence similarities, with the best one per passage."""

    def __init__(self, scores: np.ndarray, owners: np.ndarray, n_passages: int) -> None:
        self.scores = scores
        self._owners = owners
        self.max_by_passage = np.full(n_passages, -1.0, dtype=np.float32)
        np.maximum.at(self.max_by_passage, owners, scores)
        self._starts = np.concatenate(([0], np.cumsum(np.bincount(owners, minlength=n_passages))))

    def of_passage(self, row: int) -> np.ndarray:
        """Similarities of one passage's sentences, in order."""
        return self.scores[self._starts[row] : self._starts[row + 1]]

    def keeping(self, kept: Mapping[int, np.ndarray]) -> SentenceScores:
        """These similarities with the sentences of the passages in `kept` (row -> one flag per sentence)
        that are not kept lowered to -1."""
        dropped = np.zeros(len(self.scores), dtype=bool)
        for row, flags in kept.items():
            dropped[self._starts[row] : self._starts[row + 1]] = ~flags
        return self.without(dropped)

    def without(self, dropped: np.ndarray) -> SentenceScores:
        """These similarities with the sentences flagged in `dropped` (one flag per sentence) lowered to -1."""
        return SentenceScores(np.where(dropped, -1.0, self.scores), self._owners, len(self.max_by_passage))
