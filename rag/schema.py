"""Frozen dataclasses that flow through the pipeline. No I/O, no rendering."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Stance = Literal["hostile", "sympathetic", "neutral", "mixed"]
PassageKind = Literal["text", "footnote"]


def page_label(pages: tuple[int, ...]) -> str:
    """'p. 34', 'pp. 34-35', or '' for sources without pages."""
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    return f"pp. {pages[0]}-{pages[-1]}"


@dataclass(frozen=True, slots=True)
class Source:
    """One text of the corpus and what is known about it (from corpus/sources.toml)."""

    id: str
    title: str
    author: str
    year: str
    publisher: str
    url: str
    form: str
    viewpoint: str
    stance: Stance
    description: str
    file: str
    format: str
    provenance: str = ""
    unconfirmed: tuple[str, ...] = ()
    running_headers: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def short_citation(self) -> str:
        """'J. R. Campbell (1939)', with the year only where it is known."""
        year = "" if self.year == "unknown" else f" ({self.year})"
        return f"{self.author}{year}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph-sized piece of a source, with where it came from.

    `span` is the character range in the original file; `offsets` maps positions in
    `text` back to the file: pairs (text_pos, file_pos) where each run of text from
    text_pos on is a verbatim copy of the file from file_pos on, until the next pair.
    `sentences` are (start, end) ranges in `text`.
    """

    id: str
    source_id: str
    text: str
    chapter: str
    section: str
    pages: tuple[int, ...]
    span: tuple[int, int]
    offsets: tuple[tuple[int, int], ...]
    sentences: tuple[tuple[int, int], ...]
    kind: PassageKind = "text"
    continues: bool = False  # the passage carries on a paragraph cut at the end of the previous one
    page_starts: tuple[int, ...] = ()  # file positions where pages[1:] begin

    @property
    def page_label(self) -> str:
        return page_label(self.pages)

    def pages_of(self, span: tuple[int, int]) -> tuple[int, ...]:
        """The pages the file range `span` of this passage lies on: a quote cites its own page,
        not every page its paragraph runs over."""
        if len(self.page_starts) != len(self.pages) - 1:
            return self.pages
        starts = (self.span[0], *self.page_starts)
        ends = (*self.page_starts, self.span[1])
        return tuple(page for page, start, end in zip(self.pages, starts, ends) if span[0] < end and span[1] > start)

    def file_position(self, text_pos: int) -> int:
        """The position in the source file of the character at `text_pos` of `text`."""
        best = self.offsets[0]
        for pair in self.offsets:
            if pair[0] > text_pos:
                break
            best = pair
        return best[1] + (text_pos - best[0])

    def file_span(self, start: int, end: int) -> tuple[int, int]:
        """The file range holding text[start:end] (end exclusive)."""
        return self.file_position(start), self.file_position(end - 1) + 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pages"] = list(self.pages)
        data["span"] = list(self.span)
        data["offsets"] = [list(p) for p in self.offsets]
        data["sentences"] = [list(s) for s in self.sentences]
        data["page_starts"] = list(self.page_starts)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            id=data["id"],
            source_id=data["source_id"],
            text=data["text"],
            chapter=data["chapter"],
            section=data["section"],
            pages=tuple(data["pages"]),
            span=(data["span"][0], data["span"][1]),
            offsets=tuple((a, b) for a, b in data["offsets"]),
            sentences=tuple((a, b) for a, b in data["sentences"]),
            kind=data.get("kind", "text"),
            continues=data.get("continues", False),
            page_starts=tuple(data.get("page_starts", ())),
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage and why it ranked where it did."""

    passage: Passage
    score: float  # fused score: weighted z-scores of the signals, comparable within one search only
    dense: float  # cosine of question and passage vector
    lexical: float  # BM25
    sentence: float  # cosine of question and the passage's best sentence
    rank: int

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "dense": round(self.dense, 6),
            "lexical": round(self.lexical, 6),
            "sentence": round(self.sentence, 6),
            "passage": {
                "id": p.id,
                "source_id": p.source_id,
                "kind": p.kind,
                "chapter": p.chapter,
                "section": p.section,
                "pages": list(p.pages),
                "span": list(p.span),
                "text": p.text,
            },
        }


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A verbatim quote from one passage, attributed to its source and, if nested, its speaker."""

    n: int
    source: Source
    passage: Passage
    quote: str
    quote_start: int  # position of the quote in passage.text
    span: tuple[int, int]  # character range in the original source file
    score: float
    speaker: str | None = None
    speaker_citation: str | None = None
    quoted: bool = False  # the quote is words the source quotes, even when who speaks is not known
    reported: bool = False  # quoted without marks: the source reports the speaker's words ('…, he said, …')
    # characters at the start of `quote` that are the source's own words leading into the speaker's: 'Lenin said: '
    lead_in: int = 0

    @property
    def source_id(self) -> str:
        return self.source.id

    @property
    def pages(self) -> tuple[int, ...]:
        """The pages the quote itself lies on (its passage may run over more)."""
        return self.passage.pages_of(self.span)

    def to_dict(self) -> dict[str, Any]:
        p, s = self.passage, self.source
        return {
            "n": self.n,
            "source_id": s.id,
            "title": s.title,
            "author": s.author,
            "year": s.year,
            "viewpoint": s.viewpoint,
            "stance": s.stance,
            "chapter": p.chapter,
            "section": p.section,
            "pages": list(self.pages),
            "passage_id": p.id,
            "quote": self.quote,
            "span": list(self.span),
            "speaker": self.speaker,
            "speaker_citation": self.speaker_citation,
            "quoted": self.quoted,
            "reported": self.reported,
            "lead_in": self.lead_in,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True, slots=True)
class SourceCoverage:
    """Whether one source addresses the question, and with which excerpts."""

    source: Source
    searched: bool
    addresses: bool
    best_score: float
    excerpts: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source.id,
            "viewpoint": self.source.viewpoint,
            "searched": self.searched,
            "addresses": self.addresses,
            "best_score": round(self.best_score, 6),
            "excerpts": list(self.excerpts),
        }


ANSWER_SCHEMA = "viewpoints.answer/1"


@dataclass(frozen=True, slots=True)
class Answer:
    """What `Assistant.ask` returns; `to_dict` gives the versioned JSON form (docs/answer.schema.json)."""

    question: str
    standalone_question: str
    covered: bool
    lead: str
    excerpts: tuple[Excerpt, ...]
    coverage: tuple[SourceCoverage, ...]
    closest: tuple[Excerpt, ...] = ()
    markdown: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": ANSWER_SCHEMA,
            "question": self.question,
            "standalone_question": self.standalone_question,
            "covered": self.covered,
            "lead": self.lead,
            "markdown": self.markdown,
            "excerpts": [e.to_dict() for e in self.excerpts],
            "closest": [e.to_dict() for e in self.closest],
            "sources": [c.to_dict() for c in self.coverage],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
