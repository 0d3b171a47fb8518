"""Metrics over a gold file (format: docs/evaluation.md, after ../shared/eval/README.md).

Retrieval: Hit@k, MRR@10, viewpoint coverage. A passage "holds" an evidence quote when
both come from the same source and share a run of at least 8 consecutive normalised
words (the whole quote, if it is shorter).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RagError
from .schema import Hit, Passage
from .text import normalise

HOLD_WORDS = 8


@dataclass(frozen=True, slots=True)
class Evidence:
    source: str
    quote: str


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    id: str
    question: str
    kind: str
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    answer: str = ""
    chapter: str = ""
    speaker: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return self.kind != "out_of_scope" and bool(self.evidence)


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold JSONL file; errors name the line and the field."""
    if not path.is_file():
        raise RagError(f"{path}: gold file not found")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                GoldQuestion(
                    id=str(row["id"]),
                    question=row["question"],
                    kind=row["kind"],
                    sources=tuple(row.get("sources", ())),
                    evidence=tuple(Evidence(e["source"], e["quote"]) for e in row.get("evidence", ())),
                    answer=row.get("answer", ""),
                    chapter=row.get("chapter", ""),
                    speaker=row.get("speaker", ""),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise RagError(f"{path}:{number}: not a gold question ({exc!r}); see docs/evaluation.md for the format") from exc
    return questions


def _shares_run(quote_words: Sequence[str], text_norm: str) -> bool:
    n = min(HOLD_WORDS, len(quote_words))
    padded = f" {text_norm} "
    return any(f" {' '.join(quote_words[i:i + n])} " in padded for i in range(len(quote_words) - n + 1))


def holds(passage: Passage, evidence: Evidence) -> bool:
    """Whether the passage carries a real piece (8+ words) of the evidence quote."""
    if passage.source_id != evidence.source:
        return False
    return _shares_run(normalise(evidence.quote).split(), normalise(passage.text))


def first_hold_rank(hits: Sequence[Hit], evidence: Iterable[Evidence]) -> int | None:
    """1-based rank of the first hit that holds any evidence quote."""
    evidence = list(evidence)
    for hit in hits:
        if any(holds(hit.passage, e) for e in evidence):
            return hit.rank
    return None


def retrieval_metrics(gold: Sequence[GoldQuestion], search: Callable[[str], Sequence[Hit]]) -> dict[str, float]:
    """Hit@1/5/10, MRR@10 and viewpoint coverage of `search` (top 10) over the gold questions."""
    answerable = [q for q in gold if q.answerable]
    ranks, coverage = [], []
    for q in answerable:
        hits = list(search(q.question))[:10]
        ranks.append(first_hold_rank(hits, q.evidence))
        sources = {e.source for e in q.evidence}
        if len(sources) > 1:
            covered = {s for s in sources if any(holds(h.passage, e) for h in hits for e in q.evidence if e.source == s)}
            coverage.append(len(covered) / len(sources))
    n = max(len(answerable), 1)
    return {
        "questions": float(len(answerable)),
        "hit@1": sum(r is not None and r <= 1 for r in ranks) / n,
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "hit@10": sum(r is not None for r in ranks) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
        "viewpoint_coverage": sum(coverage) / len(coverage) if coverage else float("nan"),
    }
