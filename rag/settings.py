"""Every tunable of the pipeline, with its default, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settings:
    """Retrieval and answer settings. Defaults were measured on the dev set (docs/evaluation.md)."""

    # retrieval
    pool: int = 100  # candidates taken from each retriever before fusion
    rrf_k: int = 60  # reciprocal rank fusion constant
    dense_weight: float = 1.0  # weight of the dense ranking in the fusion
    lexical_weight: float = 1.0  # weight of the BM25 ranking in the fusion
    balance_floor: float = 0.85  # a source is "relevant" when its best fused score is this share of the top
    balance_slots: int = 2  # passages guaranteed to each relevant source in the top k
    # answers
    max_question_chars: int = 2000
    max_excerpts_per_source: int = 3
    max_sentences_per_quote: int = 3
