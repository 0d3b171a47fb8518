"""Reader for text extracted from a PDF: blank lines between paragraphs, breaks inside them.

Page breaks show as runs of blank lines that may fall mid-sentence; a block that does
not end a sentence, or a next one opening in lower case, continues. Headings are short one-line blocks.
An indented short line is a new text's title (chapter).
"""

from __future__ import annotations

import re

from .layout import Block, Line, ends_sentence, goes_on, split_lines

MAX_HEADING_WORDS = 10
_WORDS = re.compile(r"[^\W\d_]+")  # '&' and numbers are not words
_OPENS_TEXT = re.compile(r"^[A-Z0-9]")


def read_blocks(raw: str, running_headers: tuple[str, ...] = ()) -> list[Block]:
    """Group lines into blank-separated chunks, then classify and re-join them."""
    chunks = _chunks(raw)
    blocks: list[Block] = []
    for i, chunk in enumerate(chunks):
        following = chunks[i + 1][0].text if i + 1 < len(chunks) else ""
        kind = _heading_kind(chunk, following, first=not blocks)
        if kind:
            blocks.append(Block(kind, tuple(chunk)))
        elif blocks and blocks[-1].kind == "paragraph" and (not ends_sentence(blocks[-1].lines[-1].text) or goes_on(chunk[0].text)):
            blocks[-1] = Block("paragraph", blocks[-1].lines + tuple(chunk))
        else:
            blocks.append(Block("paragraph", tuple(chunk)))
    return blocks


def _chunks(raw: str) -> list[list[Line]]:
    chunks: list[list[Line]] = [[]]
    for line in split_lines(raw):
        if _is_title(line):
            chunks.extend([[line], []])
        elif line.text:
            chunks[-1].append(line)
        elif chunks[-1]:
            chunks.append([])
    return [c for c in chunks if c]


def _is_title(line: Line) -> bool:
    # subtle: an indented short line is how the PDF set the second text's title,
    # and it follows the previous paragraph without a blank line
    return line.indent > 0 and len(_WORDS.findall(line.text)) <= MAX_HEADING_WORDS and bool(_OPENS_TEXT.match(line.text))


def _heading_kind(chunk: list[Line], following: str, first: bool) -> str | None:
    if len(chunk) != 1:
        return None
    text = chunk[0].text
    if first:
        return "chapter"
    if _is_title(chunk[0]):
        return "chapter"
    short = len(_WORDS.findall(text)) <= MAX_HEADING_WORDS
    unpunctuated = not ends_sentence(text) or text.endswith("?")
    if short and unpunctuated and _OPENS_TEXT.match(text) and _OPENS_TEXT.match(following):
        return "section"
    return None
