"""Metrics over a gold file (format and meaning of every number: docs/evaluation.md).

Retrieval: Hit@k, MRR@10, viewpoint coverage. A passage "holds" an evidence quote when
both come from the same source and share a run of at least 8 consecutive normalised
words (the whole quote, if it is shorter).

Answers are scored from their JSON form (docs/answer.schema.json), so answers of the
pipeline and answers produced elsewhere go through the same checks, against the corpus
files read afresh: the evaluator does not trust the pipeline's own verbatim gate.
It does not run the pipeline's stages itself: `Evaluator.run` calls `Assistant.ask` and
`Assistant.search`, nothing else. "Lead support" is a heuristic (no NLI model ships
offline): it recognises the claim patterns of the lead and checks them against the
excerpts and the corpus metadata; any sentence it cannot recognise counts as unsupported.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import platform
import re
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .answertype import expected_type, gives
from .errors import RagError
from .followup import asks_about_a_source
from .query import named_sources, without_source_names
from .render import side_name
from .schema import Hit, Passage, Source
from .text import join_line_hyphens, normalise, normalise_source, remove_lines, words

if TYPE_CHECKING:
    from .assistant import Assistant

__all__ = [
    "KINDS",
    "LOADED_TERMS",
    "TARGETS",
    "ClaimCheck",
    "EvalReport",
    "Evaluator",
    "Evidence",
    "GoldQuestion",
    "QuestionResult",
    "QuoteCheck",
    "build_report",
    "first_hold_rank",
    "holds",
    "leaked_terms",
    "load_answers",
    "load_gold",
    "match_answers",
    "report_markdown",
    "retrieval_metrics",
    "run_info",
    "same_speaker",
    "write_report",
]

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

    @property
    def multi_source(self) -> bool:
        """Answered by several sources (perspective coverage and balance apply)."""
        return len(set(self.sources)) > 1


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold JSONL file; errors name the line and the field."""
    questions = []
    for number, row in _jsonl_rows(path, "gold file", "one gold question per line"):
        try:
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
        except (KeyError, TypeError) as exc:
            raise RagError(f"{path}:{number}: not a gold question ({exc!r}); see docs/evaluation.md for the format") from exc
    return questions


def _jsonl_rows(path: Path, what: str, layout: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for each non-blank line; errors name the file and line."""
    if not path.is_file():
        raise RagError(f"{path}: {what} not found")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagError(f"{path}:{number}: not JSON ({exc.msg}); write {layout}") from exc


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


# --- answers ---------------------------------------------------------------------------

KINDS = ("factual", "quote", "attribution", "viewpoint", "contested", "out_of_scope")

# Words that take a side: the answer's own voice (the lead) must not use them. Patterns
# match the normalised lead (rag.text.normalise drops hyphens inside words, hence
# "counter-?revolution").
LOADED_TERMS: tuple[tuple[str, str], ...] = (
    ("wrecker(s)", r"\bwreckers?\b"),
    ("saboteur(s)", r"\bsaboteurs?\b"),
    ("Stalinist bureaucracy", r"\bstalinist bureaucra\w*"),
    ("counter-revolutionary", r"\bcounter-?\s?revolutionar(?:y|ies)\b"),
    ("renegade(s)", r"\brenegades?\b"),
    ("Trotskyite(s)", r"\btrotskyites?\b"),
    ("fascist agent(s)", r"\bfascist agents?\b"),
    ("traitor(s), treason", r"\b(?:traitors?|treason)\b"),
    ("enemy of the people", r"\benem(?:y|ies) of the people\b"),
    ("degenerated workers' state", r"\bdegenerated workers'? state\b"),
    ("betrayal", r"\bbetray(?:al|als|ed|er|ers)?\b"),
)
_LOADED = tuple((label, re.compile(pattern)) for label, pattern in LOADED_TERMS)
# quoted text inside the lead (a question's words, a title) is not the narrator's voice;
# subtle: a single quote only opens after a non-word character, so "workers' state" stays
_QUOTED = re.compile(r"\"[^\"]*\"|(?<!\w)'[^']*'(?!\w)")

# (comparison, threshold) per summary metric; `failures` lists the questions behind a miss
TARGETS: dict[str, tuple[str, float]] = {
    "hit@5": (">=", 0.95),
    "mrr@10": (">=", 0.85),
    "viewpoint_coverage": (">=", 0.95),
    "verbatim_rate": (">=", 1.0),
    "misattribution": ("<=", 0.0),
    "location_accuracy": (">=", 1.0),
    "perspective_coverage": (">=", 0.95),
    "speaker_attribution": (">=", 0.9),
    "out_of_scope_declined": (">=", 0.95),
    "false_refusals": ("<=", 0.05),
    "leakage": ("<=", 0.0),
    "lead_support": (">=", 1.0),
}
_RETRIEVAL_KEYS = ("hit@1", "hit@5", "hit@10", "mrr@10", "viewpoint_coverage")
_NAN = float("nan")


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """One displayed quote (an excerpt, or a 'closest' passage) checked against the corpus."""

    n: int
    shown_as: Literal["excerpt", "closest"]
    source_id: str
    passage_id: str
    speaker: str | None
    words: int
    verbatim: bool  # its normalised form is in the normalised source it is attributed to
    found_in: tuple[str, ...]  # every source that holds it
    located: bool  # its passage holds it and its span in the file reads as it

    @property
    def misattributed(self) -> bool:
        """Verbatim, but only in another source than the one cited."""
        return not self.verbatim and bool(self.found_in)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "found_in": list(self.found_in), "misattributed": self.misattributed}


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """One claim of the lead and whether the excerpts and metadata back it (heuristic)."""

    claim: str
    supported: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """Everything measured on one gold question; `to_dict` is one line of questions.jsonl."""

    gold: GoldQuestion
    answer: dict[str, Any]  # docs/answer.schema.json
    quotes: tuple[QuoteCheck, ...]
    perspective: float | None  # None unless several gold sources
    speakers: tuple[str | None, ...]  # speakers named on the excerpts that hold the evidence
    speaker_ok: bool | None  # None unless the gold names a speaker
    evidence_quoted: bool | None  # an excerpt carries some evidence; None for out-of-scope questions
    balance: tuple[tuple[str, float], ...]  # share of quoted words per source (several gold sources)
    balance_ratio: float | None
    leakage: tuple[str, ...]
    claims: tuple[ClaimCheck, ...]
    hits: tuple[Hit, ...] = ()
    retrieved: bool = False  # False when the answer came from elsewhere
    latency_ms: float | None = None

    @property
    def covered(self) -> bool:
        return bool(self.answer.get("covered"))

    @property
    def hold_rank(self) -> int | None:
        return first_hold_rank(self.hits, self.gold.evidence) if self.retrieved else None

    @property
    def speaker_check(self) -> str | None:
        """Why speaker attribution failed: the evidence is not quoted, or quoted without its speaker."""
        if self.speaker_ok is None:
            return None
        if self.speaker_ok:
            return "ok"
        return "evidence not quoted" if not self.speakers else "evidence quoted without this speaker"

    @property
    def sources_retrieved(self) -> tuple[str, ...]:
        """Gold sources with a passage holding their evidence in the top 10."""
        found = {e.source for e in self.gold.evidence for h in self.hits[:10] if holds(h.passage, e)}
        return tuple(s for s in dict.fromkeys(e.source for e in self.gold.evidence) if s in found)

    def to_dict(self) -> dict[str, Any]:
        g = self.gold
        return {
            "id": g.id,
            "kind": g.kind,
            "question": g.question,
            "gold": {"sources": list(g.sources), "speaker": g.speaker, "answer": g.answer,
                     "evidence": [dataclasses.asdict(e) for e in g.evidence]},
            "covered": self.covered,
            "expected_covered": g.answerable,
            "retrieval": None if not self.retrieved else {
                "first_hold_rank": self.hold_rank,
                "sources_retrieved": list(self.sources_retrieved),
                "top10": [{"rank": h.rank, "passage_id": h.passage.id, "holds": any(holds(h.passage, e) for e in g.evidence)}
                          for h in self.hits[:10]],
            },
            "quotes": [q.to_dict() for q in self.quotes],
            "perspective_coverage": self.perspective,
            "speakers_on_evidence": list(self.speakers),
            "speaker_ok": self.speaker_ok,
            "evidence_quoted": self.evidence_quoted,
            "speaker_check": self.speaker_check,
            "balance": dict(self.balance),
            "balance_ratio": self.balance_ratio,
            "leakage": list(self.leakage),
            "lead_claims": [c.to_dict() for c in self.claims],
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "answer": {k: v for k, v in self.answer.items() if k != "markdown"},
        }


def same_speaker(gold: str, ours: str | None) -> bool:
    """Lenient match: the gold speaker's surname in ours, or ours in the gold (any case)."""
    if not gold or not ours:
        return False
    gold_key, ours_key = normalise(gold), normalise(ours)
    surname = normalise(re.sub(r"\([^)]*\)", "", gold)).split()[-1:] or [gold_key]
    return bool(re.search(rf"\b{re.escape(surname[0])}\b", ours_key) or re.search(rf"\b{re.escape(ours_key)}\b", gold_key))


def leaked_terms(lead: str) -> tuple[str, ...]:
    """Loaded terms (LOADED_TERMS) that the lead uses in its own voice, outside quotation marks."""
    own_words = _QUOTED.sub(" ", normalise(lead))
    return tuple(label for label, pattern in _LOADED if pattern.search(own_words))


def quote_holds(quote: str, evidence: Evidence) -> bool:
    """Whether a displayed quote carries the evidence: an 8-word run of it, or lies wholly inside it.
    'Inside' compares words, not marks: a short quotation shown with its closing mark ('“a white elephant
    eating its head off”') lies inside gold evidence that was cut just before that mark."""
    shown = normalise(quote)
    inner = " ".join(words(quote))
    return _shares_run(normalise(evidence.quote).split(), shown) or (
        len(inner.split()) >= 4 and f" {inner} " in f" {' '.join(words(evidence.quote))} "
    )


# --- the lead-support heuristic --------------------------------------------------------
# It knows the sentence shapes of rag.render's leads; anything else is one unsupported claim.
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNT = re.compile(r"\b(\w+) sources? address(?:es)? this\b", re.IGNORECASE)
_STANCE = re.compile(r"\b(\w+) (hostile|sympathetic|neutral|mixed) to Trotsky \(([^)]*)\)", re.IGNORECASE)
_STANCE_ONE = re.compile(r"(?<=addresses this: )([^.]*?), (hostile|sympathetic|neutral|mixed) to Trotsky(?=\.)", re.IGNORECASE)
_SILENT = re.compile(r"(?:Not addressed in what was found|Nothing further found in): ([^.]*)\.")
_UNSEARCHED = re.compile(r"Not searched \((?:[^()]|\([^()]*\))*\): ([^.]*)\.")
_OUTDONE = re.compile(r"(.+?) (?:does|do) not address this question; (.+) (?:does|do): ask without naming a source to see (?:its|their) words\.")
_SPEAKS = re.compile(r"\b(It|Each) speaks in its own words below\.")
_DECLINE = re.compile(r"The sources do not answer this question(?: \(((?:[^()]|\([^()]*\))*)\))?\.")
_CLOSEST = re.compile(r"The closest passages are shown below for reference; they are not an answer\.")
_REASON_SIMILARITY = re.compile(r"no sentence of the sources comes close; best similarity (-?\d+(?:\.\d+)?)")
_REASON_YEARS = "it names a year the sources never mention"
_REASON_WORDS = "the question turns on words the sources never use"
_REASON_NAMES = re.compile(r"the sources( searched)? never mention (.+)")
_REASON_PAGE = re.compile(r"the sources searched have no page (\d+)")
_REASON_UNTYPED = re.compile(r"it asks (when|how many), and none of the sentences closest to it names an? (time|number)")
_REASON_SOURCE = "it asks about a source itself; the notes on the sources give each one's author, date and viewpoint"
_REASON_APART = re.compile(r"the sources name (\S+) throughout, but none of their sentences comes close to what else the question asks")
_REASON_UNSELECTED = re.compile(r"it asks about (.+), which (?:is|are) not among the sources selected to search")
_FILLER = re.compile(r"\b(?:and|but)\b|[\s.,;:()]+", re.IGNORECASE)


class Evaluator:
    """Scores answers, given as JSON (docs/answer.schema.json), against the corpus files."""

    def __init__(self, sources: Mapping[str, Source], passages: Iterable[Passage], raw_texts: Mapping[str, str]) -> None:
        self._sources = dict(sources)
        self._passages = {p.id: p for p in passages}
        self._raw = dict(raw_texts)
        self._normalised = {sid: normalise_source(raw, self._sources[sid].running_headers) for sid, raw in self._raw.items()}
        self._names = {sid: _names_of(s) for sid, s in self._sources.items()}

    @classmethod
    def for_assistant(cls, assistant: Assistant, corpus_dir: Path) -> Evaluator:
        """An evaluator over the assistant's index passages and the corpus files read afresh."""
        from .corpus import read_text

        raw = {sid: read_text(Path(corpus_dir), s) for sid, s in assistant.sources.items()}
        return cls(assistant.sources, assistant.index.passages, raw)

    def run(self, assistant: Assistant, gold: Sequence[GoldQuestion]) -> Iterator[QuestionResult]:
        """Ask and search every gold question with the real pipeline; one result per question."""
        for q in gold:
            started = time.perf_counter()
            answer = assistant.ask(q.question)
            latency = (time.perf_counter() - started) * 1000
            hits = assistant.search(q.question, k=10)
            yield self.score(q, answer.to_dict(), tuple(hits), latency)

    def score_pairs(self, pairs: Iterable[tuple[GoldQuestion, dict[str, Any]]]) -> Iterator[QuestionResult]:
        """Score answers produced elsewhere (see match_answers); no retrieval is measured."""
        for q, answer in pairs:
            yield self.score(q, answer)

    def score(self, q: GoldQuestion, answer: Mapping[str, Any], hits: tuple[Hit, ...] | None = None,
              latency_ms: float | None = None) -> QuestionResult:
        """Every answer metric of one answer; retrieval ones too when `hits` are given."""
        excerpts = list(answer.get("excerpts", ()))
        quotes = tuple(self.check_quote(e, "excerpt") for e in excerpts)
        quotes += tuple(self.check_quote(e, "closest") for e in answer.get("closest", ()))
        quoted = list(dict.fromkeys(e["source_id"] for e in excerpts))
        gold_sources = list(dict.fromkeys(q.sources))
        perspective = None
        if q.multi_source:
            perspective = len(set(gold_sources) & set(quoted)) / len(gold_sources)
        holding = [
            e for e in excerpts if any(ev.source == e["source_id"] and quote_holds(e["quote"], ev) for ev in q.evidence)
        ]
        speakers: tuple[str | None, ...] = tuple(e.get("speaker") for e in holding)
        speaker_ok = any(same_speaker(q.speaker, s) for s in speakers) if q.speaker else None
        balance, ratio = _balance(excerpts, gold_sources) if q.multi_source else ((), None)
        return QuestionResult(
            gold=q,
            answer=dict(answer),
            quotes=quotes,
            perspective=perspective,
            speakers=speakers,
            speaker_ok=speaker_ok,
            evidence_quoted=bool(holding) if q.answerable else None,
            balance=balance,
            balance_ratio=ratio,
            leakage=leaked_terms(str(answer.get("lead", ""))),
            claims=self.check_lead(answer),
            hits=hits or (),
            retrieved=hits is not None,
            latency_ms=latency_ms,
        )

    def check_quote(self, excerpt: Mapping[str, Any], shown_as: Literal["excerpt", "closest"]) -> QuoteCheck:
        """Verbatim in the cited source? Elsewhere? At the cited passage and span?"""
        sid, quote = excerpt["source_id"], excerpt["quote"]
        needle = normalise(quote)
        found_in = tuple(s for s, text in self._normalised.items() if needle and needle in text)
        return QuoteCheck(
            n=int(excerpt.get("n", 0)),
            shown_as=shown_as,
            source_id=sid,
            passage_id=str(excerpt.get("passage_id", "")),
            speaker=excerpt.get("speaker"),
            words=len(words(quote)),
            verbatim=sid in found_in,
            found_in=found_in,
            located=self._located(sid, str(excerpt.get("passage_id", "")), needle, excerpt.get("span") or (0, 0)),
        )

    def _located(self, source_id: str, passage_id: str, needle: str, span: Sequence[int]) -> bool:
        passage = self._passages.get(passage_id)
        if passage is None or passage.source_id != source_id or not needle or needle not in normalise(passage.text):
            return False
        start, end = int(span[0]), int(span[1])
        if not passage.span[0] <= start < end <= passage.span[1]:
            return False
        at_span = self._raw[source_id][start:end]
        return normalise(join_line_hyphens(remove_lines(at_span, self._sources[source_id].running_headers))) == needle

    def check_lead(self, answer: Mapping[str, Any]) -> tuple[ClaimCheck, ...]:
        """The lead's claims, each checked against the answer's excerpts and the corpus metadata."""
        lead = str(answer.get("lead", ""))
        excerpts = list(answer.get("excerpts", ()))
        quoted = set(e["source_id"] for e in excerpts)
        searched = {c["source_id"]: bool(c.get("searched", True)) for c in answer.get("sources", ())}
        covered = bool(answer.get("covered"))
        found: list[tuple[int, int, ClaimCheck]] = []

        def add(match: re.Match[str], ok: bool, why: str) -> None:
            found.append((match.start(), match.end(), ClaimCheck(match.group(0), ok, why)))

        for m in _COUNT.finditer(lead):
            claimed = _number(m.group(1))
            add(m, claimed == len(quoted), f"the excerpts quote {len(quoted)} source(s)")
        for m in _STANCE.finditer(lead):  # "two hostile to Trotsky (A; B)"
            names = _split_names(m.group(3))
            problems = [] if _number(m.group(1)) == len(names) else [f"{m.group(1)} claimed, {len(names)} named"]
            problems += self._stance_problems(names, m.group(2).lower(), quoted)
            add(m, not problems, "; ".join(problems) or "stance from the metadata, and quoted")
        for m in _STANCE_ONE.finditer(lead):  # "One source addresses this: A, hostile to Trotsky."
            problems = self._stance_problems([m.group(1).strip()], m.group(2).lower(), quoted)
            add(m, not problems, "; ".join(problems) or "stance from the metadata, and quoted")
        for m in _SILENT.finditer(lead):
            ids = [self._source_named(n) for n in _split_names(m.group(1))]
            add(m, all(sid is not None and sid not in quoted for sid in ids), "named sources exist and are not quoted")
        for m in _UNSEARCHED.finditer(lead):
            ids = [self._source_named(n) for n in _split_names(m.group(1))]
            ok = all(sid is not None and sid not in quoted and not searched.get(sid, False) for sid in ids)
            add(m, ok, "named sources exist, were not searched and are not quoted")
        for m in _SPEAKS.finditer(lead):
            ok = len(quoted) == 1 if m.group(1) == "It" else len(quoted) > 1
            add(m, ok, f"the excerpts quote {len(quoted)} source(s)")
        for m in _OUTDONE.finditer(lead):
            named = [self._source_named(n) for n in _split_names(m.group(1))]
            others = [self._source_named(n) for n in _split_names(m.group(2))]
            asked = named_sources(str(answer.get("standalone_question", "")), list(self._sources.values()))
            ok = not covered and not excerpts and all(sid in asked for sid in named) and all(
                sid is not None and sid not in asked and not searched.get(sid, False) for sid in others
            )
            add(m, ok, "not covered; the sources said not to address it are the ones the question names, the others exist and were not searched")
        for m in _DECLINE.finditer(lead):
            add(m, not covered and not excerpts, "covered is false and no excerpt is shown")
            if m.group(1):
                ok, why = self._check_reason(m.group(1), answer)
                found.append((m.start(1), m.end(1), ClaimCheck(m.group(1), ok, why)))
        for m in _CLOSEST.finditer(lead):
            add(m, not covered and bool(answer.get("closest")), "closest passages are shown and covered is false")
        claims = [c for _, _, c in sorted(found, key=lambda f: f[0])]
        rest = lead
        for start, end, _ in sorted(found, key=lambda f: -f[0]):
            rest = rest[:start] + " " + rest[end:]
        rest = _FILLER.sub(" ", rest).strip()
        if rest:
            claims.append(ClaimCheck(rest, False, "not a claim this heuristic can check"))
        return tuple(claims)

    def _stance_problems(self, names: Sequence[str], stance: str, quoted: set[str]) -> list[str]:
        """What is wrong with "NAMES, STANCE to Trotsky": unknown names, another stance, not quoted."""
        problems = []
        for name in names:
            sid = self._source_named(name)
            if sid is None:
                problems.append(f"{name!r} names no source of the corpus")
            elif self._sources[sid].stance != stance:
                problems.append(f"{name} is {self._sources[sid].stance} in the metadata")
            elif sid not in quoted:
                problems.append(f"{name} is not quoted")
        return problems

    def _check_reason(self, reason: str, answer: Mapping[str, Any]) -> tuple[bool, str]:
        """Why the sources do not answer: checked against the corpus texts and the answer's scores."""
        if m := _REASON_SIMILARITY.fullmatch(reason):
            best = max((float(c.get("best_score", -1.0)) for c in answer.get("sources", ())), default=None)
            ok = best is None or abs(best - float(m.group(1))) < 0.006
            return ok, f"best source score in the answer: {best}"
        # the lead does not repeat the question's words, so they are looked for in the question
        question = str(answer.get("standalone_question", ""))
        if reason == _REASON_YEARS:
            years = re.findall(r"\b\d{3,4}\b", question)
            absent = [y for y in years if not any(re.search(rf"\b{y}\b", t) for t in self._normalised.values())]
            return bool(absent), f"absent from every source: {', '.join(absent)}" if absent else "every year is in the corpus"
        if reason == _REASON_WORDS:
            words = [w for w in re.findall(r"[^\W\d_]{3,}", normalise(question))]
            absent = [w for w in words if not any(re.search(rf"\b{re.escape(w)}", t) for t in self._normalised.values())]
            return bool(absent), f"absent from every source: {', '.join(absent)}" if absent else "every word is in the corpus"
        if m := _REASON_APART.fullmatch(reason):  # how close the rest comes needs the model: only the name is checked
            name = normalise(m.group(1))
            everywhere = all(re.search(rf"\b{re.escape(name)}\b", t) for t in self._normalised.values())
            ok = bool(re.search(rf"\b{re.escape(name)}\b", normalise(question))) and everywhere
            return ok, "the question names it, and so does every source" if ok else "the question or a source does not name it"
        if m := _REASON_UNSELECTED.fullmatch(reason):
            ids = [self._source_named(n) for n in m.group(1).split(" or ")]
            searched = {c["source_id"] for c in answer.get("sources", ()) if c.get("searched", True)}
            ok = all(sid is not None and sid not in searched for sid in ids)
            return ok, "the sources named exist and were not searched" if ok else "a source named was searched or is unknown"
        if m := _REASON_NAMES.fullmatch(reason):
            names = m.group(2).split(" or ")
            searched = {c["source_id"] for c in answer.get("sources", ()) if c.get("searched", True)} if m.group(1) else set(self._normalised)
            texts = [t for sid, t in self._normalised.items() if sid in searched]
            named = [n for n in names if any(re.search(rf"\b{re.escape(normalise(n).split()[-1])}\b", t) for t in texts)]
            return bool(texts) and not named, f"in the sources searched: {', '.join(named)}" if named else "absent from every source searched"
        if m := _REASON_PAGE.fullmatch(reason):
            page = int(m.group(1))
            searched = {c["source_id"] for c in answer.get("sources", ()) if c.get("searched", True)}
            on_page = [p.id for p in self._passages.values() if p.source_id in searched and page in p.pages]
            return not on_page, f"on that page: {', '.join(on_page)}" if on_page else "no passage of the sources searched is on it"
        if reason == _REASON_SOURCE:
            ok = asks_about_a_source(question, without_source_names(question, list(self._sources.values())))
            return ok, "the question names a source and asks nothing else" if ok else "the question asks about more than a source"
        if (m := _REASON_UNTYPED.fullmatch(reason)) and (m.group(1) == "when") == (m.group(2) == "time"):
            kind = "time" if m.group(1) == "when" else "number"
            given = [c for c in answer.get("closest", ()) if gives(kind, c.get("quote", ""))]
            ok = expected_type(question) == kind and not given
            return ok, f"the question asks for a {kind}; no passage shown names one" if ok else (
                f"the question does not ask for a {kind}, or a passage shown names one")
        return False, "a reason this heuristic cannot check"

    def _source_named(self, name: str) -> str | None:
        key = normalise(name)
        return next((sid for sid, names in self._names.items() if key in names), None)


def _names_of(source: Source) -> set[str]:
    """Every name a lead may give the source: its side name, viewpoint label, author, title, aliases."""
    label = source.viewpoint.split(" — ")[0]
    names = {source.id, side_name(source), label, source.author, source.title, *source.aliases}
    return {normalise(n) for n in names if n}


def _split_names(text: str, sep: str = ";") -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def _number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word)


def _balance(excerpts: Sequence[Mapping[str, Any]], gold_sources: Sequence[str]) -> tuple[tuple[tuple[str, float], ...], float]:
    """Share of quoted words per source (gold sources and any other quoted), and min/max of the shares."""
    counts: dict[str, int] = {sid: 0 for sid in gold_sources}
    for e in excerpts:
        counts[e["source_id"]] = counts.get(e["source_id"], 0) + len(words(e["quote"]))
    total = sum(counts.values())
    shares = tuple((sid, n / total if total else 0.0) for sid, n in counts.items())
    top = max(s for _, s in shares)
    return shares, (min(s for _, s in shares) / top if top else 0.0)


# --- answers produced elsewhere --------------------------------------------------------
_REQUIRED = ("covered", "lead", "excerpts")
_REQUIRED_EXCERPT = ("source_id", "quote", "passage_id", "span")


def load_answers(path: Path) -> list[dict[str, Any]]:
    """Read answers, one JSON object a line (docs/answer.schema.json plus an optional "id")."""
    answers = []
    for number, row in _jsonl_rows(path, "answers file", "one answer object per line"):
        if not isinstance(row, dict):
            raise RagError(f"{path}:{number}: expected a JSON object (docs/answer.schema.json)")
        missing = [k for k in _REQUIRED if k not in row] + ([] if "id" in row or "question" in row else ["id or question"])
        for i, e in enumerate(row.get("excerpts", []) + row.get("closest", [])):
            missing += [f"excerpts[{i}].{k}" for k in _REQUIRED_EXCERPT if not isinstance(e, dict) or k not in e]
        if missing:
            raise RagError(f"{path}:{number}: missing {', '.join(missing)}; see docs/answer.schema.json")
        answers.append(row)
    return answers


def match_answers(gold: Sequence[GoldQuestion], answers: Sequence[Mapping[str, Any]]) -> tuple[list[tuple[GoldQuestion, dict[str, Any]]], list[str]]:
    """Pair each gold question with its answer, by "id" or else by the question's text; and the ids left without one."""
    by_id = {str(a["id"]): dict(a) for a in answers if "id" in a}
    by_text = {_question_key(a["question"]): dict(a) for a in answers if "question" in a}
    pairs, missing = [], []
    for q in gold:
        answer = by_id.get(q.id) or by_text.get(_question_key(q.question))
        if answer is None:
            missing.append(q.id)
        else:
            pairs.append((q, answer))
    return pairs, missing


def _question_key(question: str) -> str:
    return " ".join(str(question).split()).casefold()


# --- summary -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvalReport:
    """The summary (overall and per kind), the questions behind each miss, and how it was run."""

    run: dict[str, Any]
    summary: dict[str, dict[str, float]]
    failures: dict[str, tuple[str, ...]]
    results: tuple[QuestionResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "targets": {k: f"{op} {v}" for k, (op, v) in TARGETS.items()},
            "summary": {group: {k: _json_number(v) for k, v in row.items()} for group, row in self.summary.items()},
            "failures": {k: list(v) for k, v in self.failures.items()},
        }


def _json_number(value: float) -> float | None:
    return None if isinstance(value, float) and math.isnan(value) else value


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else _NAN


def summarise(results: Sequence[QuestionResult]) -> dict[str, float]:
    """Every metric over one group of questions; NaN where no question of the group applies."""
    row: dict[str, float] = {"questions": float(len(results))}
    if results and all(r.retrieved for r in results):
        hits_of = {r.gold.question: r.hits for r in results}
        measured = retrieval_metrics([r.gold for r in results], lambda question: hits_of[question])
        for key in _RETRIEVAL_KEYS:
            row[key] = measured[key] if measured["questions"] else _NAN
    else:
        row.update({key: _NAN for key in _RETRIEVAL_KEYS})
    quotes = [q for r in results for q in r.quotes]
    row["quotes"] = float(len(quotes))
    row["verbatim_rate"] = _mean(q.verbatim for q in quotes)
    row["misattribution"] = _mean(q.misattributed for q in quotes)
    row["location_accuracy"] = _mean(q.located for q in quotes)
    row["evidence_quoted"] = _mean(r.evidence_quoted for r in results if r.evidence_quoted is not None)
    row["perspective_coverage"] = _mean(r.perspective for r in results if r.perspective is not None)
    row["speaker_attribution"] = _mean(r.speaker_ok for r in results if r.speaker_ok is not None)
    row["out_of_scope_declined"] = _mean(not r.covered for r in results if r.gold.kind == "out_of_scope")
    row["false_refusals"] = _mean(not r.covered for r in results if r.gold.answerable)
    balanced = [r for r in results if r.balance_ratio is not None]
    row["balance_min_max"] = _mean(r.balance_ratio for r in balanced)  # type: ignore[misc]
    for sid in dict.fromkeys(sid for r in balanced for sid, _ in r.balance):
        row[f"balance_share:{sid}"] = _mean(dict(r.balance).get(sid, 0.0) for r in balanced)
    row["leakage"] = _mean(bool(r.leakage) for r in results)
    claims = [c for r in results for c in r.claims]
    row["lead_support"] = _mean(c.supported for c in claims)
    return row


def failures(results: Sequence[QuestionResult]) -> dict[str, tuple[str, ...]]:
    """Per target metric, the ids of the questions that fall short on it (MRR has no per-question miss)."""
    checks: dict[str, Callable[[QuestionResult], bool]] = {
        "hit@5": lambda r: r.retrieved and r.gold.answerable and (r.hold_rank is None or r.hold_rank > 5),
        "viewpoint_coverage": lambda r: r.retrieved and len({e.source for e in r.gold.evidence}) > 1
        and len(r.sources_retrieved) < len({e.source for e in r.gold.evidence}),
        "verbatim_rate": lambda r: any(not q.verbatim for q in r.quotes),
        "misattribution": lambda r: any(q.misattributed for q in r.quotes),
        "location_accuracy": lambda r: any(not q.located for q in r.quotes),
        "perspective_coverage": lambda r: r.perspective is not None and r.perspective < 1,
        "speaker_attribution": lambda r: r.speaker_ok is False,
        "out_of_scope_declined": lambda r: r.gold.kind == "out_of_scope" and r.covered,
        "false_refusals": lambda r: r.gold.answerable and not r.covered,
        "leakage": lambda r: bool(r.leakage),
        "lead_support": lambda r: any(not c.supported for c in r.claims),
    }
    return {metric: tuple(r.gold.id for r in results if check(r)) for metric, check in checks.items()}


def build_report(results: Sequence[QuestionResult], run: dict[str, Any]) -> EvalReport:
    """Summaries overall and per question kind (in KINDS order), and the misses."""
    kinds = [k for k in KINDS if any(r.gold.kind == k for r in results)]
    kinds += sorted({r.gold.kind for r in results} - set(kinds))
    summary = {"all": summarise(results)}
    summary.update({kind: summarise([r for r in results if r.gold.kind == kind]) for kind in kinds})
    latencies = sorted(r.latency_ms for r in results if r.latency_ms is not None)
    if latencies:
        run = {**run, "ask_ms": {"p50": round(statistics.median(latencies), 1),
                                 "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
                                 "note": "one pass, first call included; benchmarks/speed.py measures properly"}}
    return EvalReport(run, summary, failures(results), tuple(results))


def run_info(assistant: Assistant, gold_path: Path, answers_path: Path | None = None, missing: Sequence[str] = ()) -> dict[str, Any]:
    """What a run depends on: date, gold file hash, models, settings, index manifest, mode."""
    from .embed import file_sha256

    manifest = assistant.index.manifest
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": "pipeline" if answers_path is None else "answers",
        "gold": str(gold_path),
        "gold_sha256": file_sha256(gold_path),
        "models": [{
            "role": "embedding",
            "name": assistant.embedder.name,
            "weights_sha256": assistant.embedder.sha256,
            "index_built_with": manifest.get("model"),
            "index_weights_sha256": manifest.get("model_sha256"),
        }],
        "settings": dataclasses.asdict(assistant.settings),
        "index_manifest": manifest,
        "python": platform.python_version(),
    }
    if assistant.deep_embedder is not None:
        info["models"].append({
            "role": "deep embedding",
            "name": assistant.deep_embedder.name,
            "weights_sha256": assistant.deep_embedder.sha256,
            "index_built_with": manifest.get("deep_model"),
            "index_weights_sha256": manifest.get("deep_model_sha256"),
        })
    if answers_path is not None:
        info.update(answers=str(answers_path), answers_sha256=file_sha256(answers_path), unanswered=list(missing),
                    note="answers scored from the file: retrieval metrics skipped (no retrieval was run)")
    return info


def report_markdown(report: EvalReport) -> str:
    """The summary as a Markdown table (metrics by question kind), then the misses."""
    groups = list(report.summary)
    run = report.run
    lines = [f"## rag eval: {Path(run['gold']).name} ({run['date']})", ""]
    if run["mode"] == "answers":
        lines += [f"Answers scored from {run['answers']}; retrieval metrics skipped (no retrieval was run)."
                  + (f" No answer for: {', '.join(run['unanswered'])}." if run["unanswered"] else ""), ""]
    lines += ["| metric | " + " | ".join(groups) + " | target |", "|---" * (len(groups) + 2) + "|"]
    metrics = list(dict.fromkeys(k for row in report.summary.values() for k in row))
    for metric in metrics:
        cells = [_cell(metric, report.summary[g].get(metric, _NAN)) for g in groups]
        target = " ".join(map(str, TARGETS[metric])).replace(">=", "≥").replace("<=", "≤") if metric in TARGETS else ""
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {target} |")
    lines += ["", "lead_support is a heuristic, not entailment: it checks the lead's claims (how many sources "
              "address it, each one's stance, which are silent or unsearched, why nothing answers) against the "
              "excerpts and the corpus metadata; a sentence it cannot parse counts as unsupported.", ""]
    misses = {m: ids for m, ids in report.failures.items() if ids and _misses_target(m, report.summary["all"].get(m, _NAN))}
    if misses:
        lines.append("Questions behind the metrics that miss their target:")
        lines += [f"- {m}: {', '.join(ids)}" for m, ids in misses.items()]
    else:
        lines.append("Every metric meets its target.")
    return "\n".join(lines) + "\n"


def _cell(metric: str, value: float) -> str:
    if math.isnan(value):
        return "–"
    return str(int(value)) if metric in ("questions", "quotes") else f"{value:.3f}"


def _misses_target(metric: str, value: float) -> bool:
    if metric not in TARGETS or math.isnan(value):
        return False
    op, threshold = TARGETS[metric]
    return value < threshold if op == ">=" else value > threshold


def write_report(report: EvalReport, out_dir: Path) -> list[Path]:
    """Write summary.md, summary.json, questions.jsonl and answers.jsonl (re-scorable with --answers)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "summary.md": report_markdown(report),
        "summary.json": json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n",
        "questions.jsonl": "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in report.results),
        "answers.jsonl": "".join(json.dumps({"id": r.gold.id, **r.answer}, ensure_ascii=False) + "\n" for r in report.results),
    }
    paths = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
