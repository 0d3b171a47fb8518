"""Lines and blocks: what the format readers hand to the assembler."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["chapter", "section", "paragraph", "footnote"]
TERMINAL = re.compile(r"""[.?!:;…"”’')\]]$""")


@dataclass(frozen=True, slots=True)
class Line:
    """One line's content (surrounding white space excluded) as a range of the raw file."""

    start: int
    end: int
    text: str
    indent: int = 0  # leading white space; a line of spaces has text "" and indent > 0
    page: int | None = None

    @property
    def is_rule(self) -> bool:
        """A line holding only spaces (the scan's separator before footnotes, around headings)."""
        return not self.text and self.indent > 0


@dataclass(frozen=True, slots=True)
class Block:
    """A heading, paragraph or footnote: the lines it is made of, in order."""

    kind: BlockKind
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


def split_lines(raw: str) -> list[Line]:
    """Every line of the file, stripped, with its offsets (blank lines have empty text)."""
    lines = []
    pos = 0
    for chunk in raw.split("\n"):
        stripped = chunk.strip()
        lead = len(chunk) - len(chunk.lstrip())
        lines.append(Line(pos + lead, pos + lead + len(stripped), stripped, lead))
        pos += len(chunk) + 1
    return lines


def ends_sentence(text: str) -> bool:
    """Whether a line ends where a paragraph may end (terminal punctuation)."""
    return bool(TERMINAL.search(text.rstrip()))


def goes_on(text: str) -> bool:
    """Whether a line opening in lower case goes on with the sentence before: no paragraph starts so,
    but page breaks and the scan's stray line breaks ('Trotsky' / '’' / 's resound-') fall mid-sentence."""
    return text[:1].islower()
