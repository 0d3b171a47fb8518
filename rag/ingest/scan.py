"""Reader for OCR scans of books (Campbell 1939): pages, headers, footnotes, paragraphs.

The layout it expects: every text line followed by a blank line; the first line of a
page usually starts with one space; running headers ("322 SOVIET POLICY AND ITS
CRITICS") open some pages; a footnote reference is a line holding only its number;
footnotes sit at the foot of a page after a line of spaces; headings are upper-case
lines set off by lines holding a single space. It does not fix OCR misreadings.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import replace

from .layout import Block, Line, ends_sentence, goes_on, split_lines

MIN_PAGE_LINES = 40  # raw lines: no real page is shorter than ~20 printed lines
_MARKER = re.compile(r"\d{1,2}")
_FOOTNOTE = re.compile(r"\d{1,2} \S")
_CHAPTER = re.compile(r"(?:CHAPTER [IVXL]+|FOREWORD)")
_UPPER = re.compile(r"[A-Z][A-Z0-9 ,.'’–:;()-]+")
_NUMBER_AT_EDGE = re.compile(r"^(\d{1,3}) |\s(\d{1,3})$")


def read_blocks(raw: str, running_headers: tuple[str, ...] = ()) -> list[Block]:
    """Headings, paragraphs and footnotes with a page number on every line."""
    lines = split_lines(raw)
    header = re.compile("|".join(f"(?:{p})" for p in running_headers)) if running_headers else None
    roles = _line_roles(lines, header)
    pages = _page_numbers(lines, roles)
    lines = [replace(line, page=pages[i]) for i, line in enumerate(lines)]
    return _group(lines, roles)


def _line_roles(lines: list[Line], header: re.Pattern[str] | None) -> list[str]:
    """Name each line: blank, rule, header, marker, heading, signature, footnote or text."""
    roles = []
    in_footnotes = False
    for i, line in enumerate(lines):
        starts_page = line.indent == 1 and bool(line.text)
        if not line.text:
            role = "rule" if line.is_rule else "blank"
        elif header and header.fullmatch(line.text):
            role = "header"
        elif _MARKER.fullmatch(line.text):
            role = "marker"
        elif _CHAPTER.fullmatch(line.text) or _is_heading(lines, i):
            role = "heading"
        elif _is_signature(lines, i):
            role = "signature"
        elif in_footnotes and not starts_page:
            role = "footnote"
        elif _FOOTNOTE.match(line.text) and _previous_role(roles) == "rule":
            role = "footnote"
        else:
            role = "text"
        in_footnotes = role == "footnote" or (in_footnotes and role in ("blank", "rule"))
        roles.append(role)
    return roles


def _previous_role(roles: list[str]) -> str:
    for role in reversed(roles):
        if role != "blank":
            return role
    return ""


def _is_heading(lines: list[Line], i: int) -> bool:
    """Upper-case lines set off by lines of spaces (chapter titles, section headings)."""
    if not _UPPER.fullmatch(lines[i].text) or len(lines[i].text) < 4 or _NUMBER_AT_EDGE.search(lines[i].text):
        return False
    before, after = _nonblank(lines, i, -1), _nonblank(lines, i, 1)
    return _sets_off(lines, before) and _sets_off(lines, after) and (
        _is_rule(lines, before) or _is_rule(lines, after)
    )


def _is_signature(lines: list[Line], i: int) -> bool:
    """An upper-case name closing a part before the next chapter ('J. R. CAMPBELL' under the foreword).
    Not text to quote: as a sentence of the foreword's last paragraph it matched every question that
    names the author ('What does Campbell say about …?') better than what the foreword says."""
    after = _nonblank(lines, i, 1)
    return bool(_UPPER.fullmatch(lines[i].text)) and after is not None and bool(_CHAPTER.fullmatch(lines[after].text))


def _sets_off(lines: list[Line], j: int | None) -> bool:
    """A neighbour that may box a heading: a rule, a chapter line or another heading line."""
    if j is None or _is_rule(lines, j):
        return True
    text = lines[j].text
    return bool(_UPPER.fullmatch(text)) and not _NUMBER_AT_EDGE.search(text)


def _is_rule(lines: list[Line], j: int | None) -> bool:
    return j is not None and lines[j].is_rule


def _nonblank(lines: list[Line], i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(lines):
        if lines[j].text or _is_rule(lines, j):
            return j
        j += step
    return None


def _page_numbers(lines: list[Line], roles: list[str]) -> list[int | None]:
    """Find page starts and number them so that every surviving header agrees."""
    starts, anchors = _page_starts(lines, roles)
    starts = _reconcile(starts, anchors, lines, roles)
    numbers = _calibrate(starts, anchors)
    pages: list[int | None] = []
    k = 0
    for i in range(len(lines)):
        while k + 1 < len(starts) and starts[k + 1] <= i:
            k += 1
        pages.append(numbers[k] if numbers else None)
    return pages


def _page_starts(lines: list[Line], roles: list[str]) -> tuple[list[int], dict[int, int]]:
    """Line indexes where pages begin, and the printed number at those with a header."""
    forced: set[int] = set()
    anchors: dict[int, int] = {}
    candidates: list[int] = []
    for i, (line, role) in enumerate(zip(lines, roles)):
        if role == "header":
            forced.add(i)
            match = _NUMBER_AT_EDGE.search(line.text)
            if match:
                anchors[i] = int(match.group(1) or match.group(2))
        elif role == "heading" and _CHAPTER.fullmatch(line.text):
            forced.add(i)
        elif role == "text" and line.indent == 1 and _previous_role(roles[:i]) not in ("marker", "rule") and not _after_stray(lines, i):
            candidates.append(i)
        elif role == "text" and _goes_on_below_a_rule(lines, roles, i):
            candidates.append(i)
    chapters = {i for i in forced if _CHAPTER.fullmatch(lines[i].text)}
    chosen = _space_out(sorted(set(candidates) | forced), forced, chapters)
    return _fill_gaps(chosen, roles), anchors


def _goes_on_below_a_rule(lines: list[Line], roles: list[str], i: int) -> bool:
    """A sentence going on below a line of spaces tops a page ('… purveyed by any sincere person' / ' ' / 'in the
    Labour and progressive movement …' splits the foreword over pp. 5-6); below a note marker's, it does not."""
    rule = _nonblank(lines, i, -1)
    return lines[i].text[:1].islower() and rule is not None and roles[rule] == "rule" and _previous_role(roles[:rule]) != "marker"


def _after_stray(lines: list[Line], i: int) -> bool:
    """True when the line before is a stray mark the scan broke off ('workers' / '’' / ' revolution against the'):
    the line goes on with its sentence, it opens no page."""
    before = _nonblank(lines, i, -1)
    return before is not None and len(lines[before].text) <= 2 and not any(c.isalnum() for c in lines[before].text)


def _space_out(candidates: list[int], forced: set[int], chapters: set[int]) -> list[int]:
    """Drop candidate starts too close to another (table rows, indented quotations); but a chapter opens a
    page, and the page before it may be short (12 lines end chapter VII, 36 after a header end chapter II)."""
    chosen: list[int] = []
    for c in candidates:
        if chosen and c - chosen[-1] < MIN_PAGE_LINES and c not in chapters:
            if chosen[-1] in forced or c not in forced:
                continue
            chosen.pop()
        chosen.append(c)
    return chosen


def _fill_gaps(starts: list[int], roles: list[str]) -> list[int]:
    """Where a page start left no trace, put one where the typical page length says."""
    if len(starts) < 3:
        return starts
    typical = statistics.median(b - a for a, b in zip(starts, starts[1:]))
    filled = [starts[0]]
    for a, b in zip(starts, starts[1:]):
        for _ in range(round((b - a) / typical) - 1):
            filled = _split_gap(filled + [b], len(filled), roles)[:-1]
        filled.append(b)
    return sorted(set(filled))


def _split_gap(starts: list[int], k: int, roles: list[str]) -> list[int]:
    """Insert a start between starts[k-1] and starts[k], near the middle, on a text line."""
    a, b = starts[k - 1], starts[k]
    guess = (a + b) // 2
    while guess < b and roles[guess] != "text":
        guess += 1
    return starts[:k] + [guess] + starts[k:] if guess < b else starts


def _reconcile(starts: list[int], anchors: dict[int, int], lines: list[Line], roles: list[str]) -> list[int]:
    """Between two headers, add or drop page starts until the page count agrees."""
    lines_at = sorted(anchors)
    for first, second in zip(lines_at, lines_at[1:]):
        wanted = anchors[second] - anchors[first]
        for _ in range(abs(wanted) + 1):
            inside = [k for k, s in enumerate(starts) if first < s < second]
            have = len(inside) + 1
            if have == wanted or not inside and have > wanted:
                break
            ks = [starts.index(first)] + inside + [starts.index(second)]
            gaps = [(starts[q] - starts[p], q) for p, q in zip(ks, ks[1:])]
            if have < wanted:
                starts = _split_gap(starts, max(gaps)[1], roles)
            else:
                # subtle: the smallest gap marks a false start; drop its later end unless a header; a short page
                # that ends a chapter is no false start
                q = min((g for g in gaps if not _CHAPTER.fullmatch(lines[starts[g[1]]].text)), default=min(gaps))[1]
                drop = q if starts[q] != second else q - 1
                starts = starts[:drop] + starts[drop + 1 :]
    return starts


def _calibrate(starts: list[int], anchors: dict[int, int]) -> list[int]:
    """Number pages by counting from the nearest header before (or the first after)."""
    if not starts:
        return []
    if not anchors:
        return list(range(1, len(starts) + 1))
    at = {starts.index(line): number for line, number in anchors.items() if line in starts}
    numbers = []
    for k in range(len(starts)):
        before = [a for a in at if a <= k]
        anchor = max(before) if before else min(at)
        numbers.append(at[anchor] + (k - anchor))
    return numbers


def _group(lines: list[Line], roles: list[str]) -> list[Block]:
    """Assemble the lines into blocks, skipping headers, markers, signatures and blanks."""
    typical = statistics.median(len(l.text) for l, r in zip(lines, roles) if r == "text")
    blocks: list[Block] = []
    current: list[Line] = []
    current_kind = "paragraph"

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(Block(current_kind, tuple(current)))  # type: ignore[arg-type]
        current = []

    for line, role in zip(lines, roles):
        if role in ("blank", "rule", "header", "marker", "signature"):
            continue
        if role == "heading":
            flush()
            kind = "chapter" if _CHAPTER.fullmatch(line.text) else "section"
            if blocks and blocks[-1].kind in ("chapter", "section") and kind == "section":
                blocks[-1] = Block(blocks[-1].kind, blocks[-1].lines + (line,))
            else:
                blocks.append(Block(kind, (line,)))
            continue
        kind = "footnote" if role == "footnote" else "paragraph"
        if kind != current_kind or (kind == "footnote" and _FOOTNOTE.match(line.text)):
            # subtle: a footnote splits a paragraph in the scan; the paragraph resumes after it
            if kind == "footnote" or current_kind == "footnote":
                resumed = _resume_paragraph(blocks, current_kind, kind)
                flush()
                if resumed is not None:
                    current = list(resumed.lines)
                    blocks.remove(resumed)
            else:
                flush()
            current_kind = kind
        elif kind == "paragraph" and current and _ends_paragraph(current[-1].text, typical) and not goes_on(line.text):
            flush()
        current.append(line)
    flush()
    return _reorder_footnotes(blocks)


def _resume_paragraph(blocks: list[Block], current_kind: str, kind: str) -> Block | None:
    """When text follows footnotes, find the paragraph the footnotes interrupted."""
    if kind != "paragraph" or current_kind != "footnote":
        return None
    for block in reversed(blocks):
        if block.kind == "paragraph":
            return None if ends_sentence(block.lines[-1].text) and len(block.lines[-1].text) < 50 else block
        if block.kind != "footnote":
            return None
    return None


def _ends_paragraph(text: str, typical: float) -> bool:
    """A short line that ends a sentence closes its paragraph (indentation was lost)."""
    return ends_sentence(text) and len(text) < 0.8 * typical


def _reorder_footnotes(blocks: list[Block]) -> list[Block]:
    """Put each footnote after the paragraph it interrupted, so reading order is kept."""
    out: list[Block] = []
    pending: list[Block] = []
    for block in blocks:
        if block.kind == "footnote":
            pending.append(block)
            continue
        out.append(block)
        if block.kind == "paragraph" and pending:
            out.extend(pending)
            pending = []
    return out + pending
