"""From blocks to passages: join lines, mend hyphenation, find sentences, size paragraphs.

Passages are paragraphs of roughly MIN_WORDS..MAX_WORDS words: a long paragraph is cut
at sentence boundaries, a short one (an orphan heading-like line, a lead-in such as
"Lenin wrote:") joins its neighbour in the same section. Footnotes stay apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import syntok.segmenter as syntok_segmenter

from ..schema import Passage
from .layout import Block, Line

MIN_WORDS = 40
MAX_WORDS = 250
PARAGRAPH_JOIN = "\n\n"
_WORD = re.compile(r"[^\W\d_]+")
_TRAILING_FRAGMENT = re.compile(r"([^\W\d_]+)-$")
_LEADING_FRAGMENT = re.compile(r"^([^\W\d_]+)")


@dataclass(frozen=True, slots=True)
class Piece:
    """Clean text with its map back to the raw file (see Passage.offsets)."""

    text: str
    offsets: tuple[tuple[int, int], ...]
    span: tuple[int, int]
    page_starts: tuple[tuple[int, int], ...] = ()  # (file position, page) where each of its pages begins

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({page for _, page in self.page_starts}))

    def __add__(self, other: Piece) -> Piece:
        shift = len(self.text) + len(PARAGRAPH_JOIN)
        return Piece(
            self.text + PARAGRAPH_JOIN + other.text,
            self.offsets + tuple((t + shift, r) for t, r in other.offsets),
            (min(self.span[0], other.span[0]), max(self.span[1], other.span[1])),
            _page_starts(self.page_starts + other.page_starts),
        )

    def cut(self, start: int, end: int) -> Piece:
        """The sub-piece text[start:end], its offsets re-based, with the pages it lies on."""
        before = [(t, r) for t, r in self.offsets if t <= start]
        t0, r0 = before[-1]
        offsets = [(0, r0 + start - t0)] + [(t - start, r) for t, r in self.offsets if start < t < end]
        span = (offsets[0][1], _file_pos(self.offsets, end - 1) + 1)
        opening = [page for pos, page in self.page_starts if pos <= span[0]][-1:]
        inside = [(pos, page) for pos, page in self.page_starts if span[0] < pos < span[1]]
        return Piece(self.text[start:end], tuple(offsets), span, _page_starts([(span[0], p) for p in opening] + inside))


def _page_starts(starts: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """(file position, page) pairs in file order, one where each page begins."""
    kept: list[tuple[int, int]] = []
    for pos, page in sorted(starts):
        if not kept or kept[-1][1] != page:
            kept.append((pos, page))
    return tuple(kept)


def _file_pos(offsets: tuple[tuple[int, int], ...], pos: int) -> int:
    t0, r0 = [(t, r) for t, r in offsets if t <= pos][-1]
    return r0 + pos - t0


_HYPHENED_PREFIXES = frozenset("self non ex semi anti pre quasi ultra counter".split())


class Hyphenation:
    """Decides whether a hyphen at a line end is a break or part of a compound.

    Prefers the spelling attested inside lines of the same text ("Right-Wing",
    "anti-Soviet" stay; "Bol-shevik" joins); unattested breaks before a capital stay.
    """

    def __init__(self, raw: str) -> None:
        self._counts: Counter[str] = Counter()
        self._whole: Counter[str] = Counter()  # words no line break cuts: neither a line's last nor its first
        for line in raw.split("\n"):
            words = [w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", line)]
            self._counts.update(words)
            self._whole.update(words[1:-1])

    def keeps_hyphen(self, left: str, right: str) -> bool:
        joined = self._counts[(left + right).lower()]
        hyphened = self._counts[f"{left}-{right}".lower()]
        if joined or hyphened:
            return hyphened > joined
        # a prefix English writes with a hyphen, before a word of the text: 'self-' / 'confidence', 'non-' / 'interference'
        # ('ex-' / 'ceptional' joins: no such word)
        return right[:1].isupper() or (left.lower() in _HYPHENED_PREFIXES and self._whole[right.lower()] > 0)


def join_lines(lines: tuple[Line, ...], hyphenation: Hyphenation) -> Piece:
    """One paragraph's lines as running text: line breaks become spaces or mend a hyphen."""
    text = ""
    offsets: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        content = line.text
        if i + 1 < len(lines) and (frag := _TRAILING_FRAGMENT.search(content)):
            nxt = _LEADING_FRAGMENT.match(lines[i + 1].text)
            if nxt and not hyphenation.keeps_hyphen(frag.group(1), nxt.group(1)):
                content = content[:-1]
                offsets.append((len(text), line.start))
                text += content
                continue
        offsets.append((len(text), line.start))
        text += content
        if i + 1 < len(lines) and not content.endswith("-"):
            text += " "
        elif i + 1 < len(lines):
            pass  # a kept compound: "Right-" + "Wing" with no space
    pages = _page_starts((line.start, line.page) for line in lines if line.page is not None)
    return Piece(text, _merge_offsets(offsets, text), (lines[0].start, lines[-1].end), pages)


def _merge_offsets(offsets: list[tuple[int, int]], text: str) -> tuple[tuple[int, int], ...]:
    # subtle: the space standing for a line break maps to the raw newline position; a pair
    # is needed only where the text stops being a verbatim copy of the file
    merged: list[tuple[int, int]] = []
    for t, r in offsets:
        if merged and merged[-1][1] + (t - merged[-1][0]) == r:
            continue
        merged.append((t, r))
    return tuple(merged)


class SentenceSplitter:
    """Sentence spans from syntok, mended where it cuts after "pp." or before a citation.

    syntok keeps quotations and abbreviations ("J. R.", "i.e.") together better than
    the alternatives tried (pysbd took whole block quotations as one sentence).
    """

    def spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for paragraph in syntok_segmenter.analyze(text):
            for sentence in paragraph:
                tokens = [t for t in sentence if t.value]
                if tokens:
                    spans.append((tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
        return _split_misread_stops(text, _mend(text, spans))


def _mend(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Give leading punctuation back to the previous sentence; glue on continuations."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while out and start < end and text[start] in ".,;:!?)]”’\"'" and not _opens_quotation(text, start):
            out[-1] = (out[-1][0], start + 1)
            start += 1
            while start < end and text[start].isspace():
                start += 1
        if start >= end:
            continue
        if out and (text[start].islower() or text[start].isdigit() or text[start] in "([" or _stray_stop(text, out[-1][1])):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


_STRAY_STOP = re.compile(r"\b(?:the|an?|of)\.$")


def _stray_stop(text: str, end: int) -> bool:
    """A full stop the scan put after a word no sentence ends on, within a paragraph: '… can be seen from
    a study of the. New Leader during 1935 …', '… a deathblow to the party of. Lenin” (…)' (5 in the 1939 book)."""
    return bool(_STRAY_STOP.search(text, max(0, end - 5), end)) and text[end : end + 1] == " "


_MISREAD_STOP = re.compile(  # a full stop the scan read as a comma: '… to build Socialism, In 1924 the Party …'
    r",\s(?=(?:In|The|This|That|These|Those|It|He|She|They|We|But|On|At|When|While)\s)"
)


def _split_misread_stops(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split sentences where a comma stands for a full stop, except inside a reference ('(Trotsky, The
    Revolution Betrayed, p. 97)'): a quote of a sentence should not run on into the next one."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        for m in _MISREAD_STOP.finditer(text, start, end):
            if text.count("(", start, m.start()) > text.count(")", start, m.start()):
                continue
            out.append((start, m.start() + 1))
            start = m.end()
        out.append((start, end))
    return out


def _opens_quotation(text: str, pos: int) -> bool:
    """A straight mark after a space and before a word opens a quotation: 'Russia. "Maybe it would …'."""
    return text[pos] in "\"'" and pos > 0 and text[pos - 1].isspace() and text[pos + 1 : pos + 2].isalnum()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


@dataclass
class Draft:
    """A passage being sized: its piece and the headings it sits under."""

    piece: Piece
    chapter: str
    section: str
    kind: str
    continues: bool = False

    @property
    def words(self) -> int:
        return word_count(self.piece.text)


def drafts_from_blocks(blocks: list[Block], hyphenation: Hyphenation) -> list[Draft]:
    """Paragraph and footnote pieces, labelled with the chapter and section above them."""
    chapter, section = "", ""
    drafts: list[Draft] = []
    for block in blocks:
        if block.kind == "chapter":
            chapter, section = heading_text(block), ""
        elif block.kind == "section":
            section = heading_text(block)
        else:
            kind = "footnote" if block.kind == "footnote" else "text"
            drafts.append(Draft(join_lines(block.lines, hyphenation), chapter, section, kind))
    return drafts


_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


def heading_text(block: Block) -> str:
    """A heading as readers cite it: 'CHAPTER IV THE TROTSKYISTS …' -> 'Chapter IV: The Trotskyists …'."""
    text = re.sub(r"\s+", " ", block.text).strip()
    text = re.sub(r"(?<=[A-Za-z])- (?=[A-Za-z])", " ", text)  # OCR: "OF- SOCIALIST"
    if text.upper() != text:
        return text
    label = re.match(r"CHAPTER [IVXL]+ ", text)
    title = " ".join(_title_word(w, i) for i, w in enumerate(text[label.end() if label else 0 :].split()))
    return f"Chapter {label.group(0).split()[1]}: {title}" if label else title


def _title_word(word: str, position: int) -> str:
    if re.fullmatch(r"[IVXL]+", word) or "." in word.rstrip(".:"):
        return word  # roman numerals, abbreviations such as U.S.S.R.
    lower = word.lower()
    return lower if position and lower in _SMALL_WORDS else lower.capitalize()


def size_drafts(drafts: list[Draft], splitter: SentenceSplitter) -> list[Draft]:
    """Split long drafts at sentence ends, then merge orphans into a neighbour."""
    split: list[Draft] = []
    for draft in drafts:
        split.extend(_split_long(draft, splitter))
    return _merge_short(split)


def _split_long(draft: Draft, splitter: SentenceSplitter) -> list[Draft]:
    if draft.words <= MAX_WORDS:
        return [draft]
    spans = splitter.spans(draft.piece.text)
    total = draft.words
    parts = -(-total // MAX_WORDS)
    target = total / parts
    out, start, count = [], spans[0][0], 0
    for i, (s, e) in enumerate(spans):
        count += word_count(draft.piece.text[s:e])
        last = i == len(spans) - 1
        if last or (count >= target and len(out) < parts - 1):
            out.append(Draft(draft.piece.cut(start, e), draft.chapter, draft.section, draft.kind, continues=bool(out)))
            if not last:
                start, count = spans[i + 1][0], 0
    return out


def _merge_short(drafts: list[Draft]) -> list[Draft]:
    out: list[Draft] = []
    carry: Draft | None = None
    for draft in drafts:
        if carry is not None:
            if _mergeable(carry, draft):
                draft = _merged(carry, draft)
            elif out and _mergeable(out[-1], carry):
                out[-1] = _merged(out[-1], carry)
            else:
                out.append(carry)
            carry = None
        if draft.words < MIN_WORDS and draft.kind == "text":
            carry = draft
        else:
            out.append(draft)
    if carry is not None:
        if out and _mergeable(out[-1], carry):
            out[-1] = _merged(out[-1], carry)
        else:
            out.append(carry)
    return out


def _merged(first: Draft, second: Draft) -> Draft:
    return Draft(first.piece + second.piece, first.chapter, first.section, first.kind, first.continues)


def _mergeable(a: Draft, b: Draft) -> bool:
    return (
        a.kind == b.kind == "text"
        and a.chapter == b.chapter
        and a.section == b.section
        and a.words + b.words <= MAX_WORDS
    )


def to_passages(source_id: str, drafts: list[Draft], splitter: SentenceSplitter) -> list[Passage]:
    """Number the sized drafts into Passages with their sentence spans."""
    passages = []
    for n, draft in enumerate(drafts, start=1):
        piece = draft.piece
        passages.append(
            Passage(
                id=f"{source_id}:{n:04d}",
                source_id=source_id,
                text=piece.text,
                chapter=draft.chapter,
                section=draft.section,
                pages=piece.pages,
                span=piece.span,
                page_starts=tuple(pos for pos, _ in piece.page_starts[1:]),
                offsets=piece.offsets,
                sentences=tuple(_sentences(piece.text, splitter)),
                kind=draft.kind,  # type: ignore[arg-type]
                continues=draft.continues,
            )
        )
    return passages


def _sentences(text: str, splitter: SentenceSplitter) -> list[tuple[int, int]]:
    # paragraphs merged into one passage never share a sentence
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in text.split(PARAGRAPH_JOIN):
        spans.extend((pos + s, pos + e) for s, e in splitter.spans(para))
        pos += len(para) + len(PARAGRAPH_JOIN)
    return spans
