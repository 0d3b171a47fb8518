"""Reader for web articles saved as text: one paragraph per line, short lines are headings."""

from __future__ import annotations

from .layout import Block, ends_sentence, split_lines

MAX_HEADING_WORDS = 10


def read_blocks(raw: str, running_headers: tuple[str, ...] = ()) -> list[Block]:
    """The first line is the title (chapter); later short unpunctuated lines are sections."""
    blocks: list[Block] = []
    for line in split_lines(raw):
        if not line.text:
            continue
        if not blocks:
            blocks.append(Block("chapter", (line,)))
        elif len(line.text.split()) <= MAX_HEADING_WORDS and not ends_sentence(line.text):
            blocks.append(Block("section", (line,)))
        else:
            blocks.append(Block("paragraph", (line,)))
    return blocks
