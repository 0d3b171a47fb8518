"""The one text normalisation used for matching quotes, everywhere.

It follows ../shared/eval/README.md: Unicode NFKC, curly quotes to straight, en/em
dashes to '-', whitespace runs to one space, lower case. One deliberate addition: a hyphen between two letters is ignored ("new-born" matches
"newborn"), because a hyphen at a printed line break is ambiguous: ingestion keeps the
compound spelling attested elsewhere in the text, while the README joins every break.
It does not remove page
headers or join hyphenated line breaks: that is ingestion's job (rag.ingest), which
knows each source's layout; `normalise_source` applies both for a raw file.
"""

from __future__ import annotations

import re
import unicodedata

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u00ad": None,  # soft hyphen: invisible in print, never part of a quote
    }
)
_SPACE = re.compile(r"\s+")
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_LINE_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])")
WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


def normalise(text: str) -> str:
    """Matching form of `text`: NFKC, straight quotes, '-' dashes, one space, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    return _SPACE.sub(" ", _WORD_HYPHEN.sub("", text)).strip().lower()


def join_line_hyphens(text: str) -> str:
    """Join words hyphenated across a line break ('Bol-\\n\\nshevik' -> 'Bolshevik')."""
    return _LINE_HYPHEN.sub("", text)


def remove_lines(text: str, patterns: tuple[str, ...]) -> str:
    """Drop whole lines matching any of `patterns` (running page headers)."""
    if not patterns:
        return text
    header = re.compile("|".join(f"(?:{p})" for p in patterns))
    return "\n".join(line for line in text.split("\n") if not header.fullmatch(line.strip()))


def normalise_source(raw: str, running_headers: tuple[str, ...] = ()) -> str:
    """Matching form of a whole raw source file, as the eval README defines it."""
    return normalise(join_line_hyphens(remove_lines(raw, running_headers)))


def words(text: str) -> list[str]:
    """The words of a normalised text, for overlap measures."""
    return WORD.findall(normalise(text))
