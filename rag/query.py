"""What a question says about where to look: sources and chapters it names.

A question such as "What does the APL say…" or "…according to Chapter V?" names where
its answer is; searching everywhere would let other sources crowd it out. This module
only reads the question: it does not rewrite it (see rag.followup for that).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .quotes import PLACES, names_in
from .schema import Passage, Source

_CHAPTER = re.compile(r"\b(?:chapter\s+([ivxl]+|\d+)\b|(foreword|preface|introduction|conclusion)\b)", re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*")
_LOWER = re.compile(r"\b[a-z][a-z]+\b")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI", "7": "VII", "8": "VIII", "9": "IX", "10": "X"}


def source_names(source: Source) -> list[str]:
    """Every name a question may use for the source: aliases, author, title, 'the <form>'."""
    names = [*source.aliases, source.title, f"the {source.form}"]
    if source.author not in ("", "unknown"):
        names.append(source.author)
    return [n for n in names if n]


def named_sources(question: str, sources: Sequence[Source]) -> list[str]:
    """Ids of the sources the question names, in corpus order (empty: it names none), by a name or
    by its side ('the pro-Trotsky article', 'the hostile sources')."""
    return [
        s.id for s in sources
        if any(_name_pattern(name).search(question) for name in source_names(s)) or _side_pattern(s).search(question)
    ]


def without_source_names(question: str, sources: Sequence[Source]) -> str:
    """The question with every name of a source taken out ('What does Campbell say…' -> 'What does say…')."""
    for source in sources:
        for name in sorted(source_names(source), key=len, reverse=True):  # 'J. R. Campbell' before 'Campbell'
            pattern = _name_pattern(name)
            question = re.sub(r"(?:\bthe\s+)?" + pattern.pattern, "", question, flags=pattern.flags)
        question = _side_pattern(source).sub("", question)
    return " ".join(question.split())


_WRITINGS = r"(?:sources?|texts?|articles?|pieces?|books?|pamphlets?|sites?|websites?|sides?|authors?|writers?)"


def _side_pattern(source: Source) -> re.Pattern[str]:
    """The source named by its stance, as its viewpoint label gives it ('… — sympathetic to Trotsky'):
    'the sympathetic source', 'the pro-Trotsky article', 'the anti-Trotsky texts'."""
    words = [re.escape(source.stance)]
    m = re.search(rf"\b{re.escape(source.stance)}\s+to\s+([A-Z][\w-]*)", source.viewpoint)
    side = {"sympathetic": "pro", "hostile": "anti"}.get(source.stance)
    if m and side:
        words.append(rf"{side}[-\s]{re.escape(m.group(1))}")
    return re.compile(rf"\bthe\s+(?:{'|'.join(words)})\s+{_WRITINGS}(?![\w-])", re.IGNORECASE)


def _name_pattern(name: str) -> re.Pattern[str]:
    """A source's name as a whole word, possessive allowed; acronyms ('APL') in capitals only."""
    pattern = r"(?<![\w-])" + re.escape(name).replace(r"\ ", r"\s+") + r"(?:'s|’s)?(?![\w-])"
    return re.compile(pattern, 0 if name.isupper() else re.IGNORECASE)


_ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
)
_ORDINAL = re.compile(r"\b(?:(\d{1,2})(?:st|nd|rd|th)|(" + "|".join(_ORDINAL_WORDS) + r"))\b", re.IGNORECASE)


def ordinal_twins(question: str) -> list[str]:
    """The other spelling of each ordinal in the question ('Fifteenth' -> '15th', '15th' -> 'fifteenth'):
    the sources write both ('the 15th Party Congress', 'the Seventh Congress'), and BM25 sees only tokens."""
    twins = []
    for match in _ORDINAL.finditer(question):
        if match.group(1):
            number = int(match.group(1))
            if 1 <= number <= len(_ORDINAL_WORDS):
                twins.append(_ORDINAL_WORDS[number - 1])
        else:
            number = _ORDINAL_WORDS.index(match.group(2).lower()) + 1
            suffix = {1: "st", 2: "nd", 3: "rd"}.get(number if number < 20 else number % 10, "th")
            twins.append(f"{number}{suffix}")
    return twins


def named_chapter(question: str) -> str | None:
    """The chapter label a question names ('Chapter V', 'Foreword'), if any."""
    match = _CHAPTER.search(question)
    if not match:
        return None
    if match.group(2):
        return match.group(2).capitalize()
    number = match.group(1).upper()
    return f"Chapter {_ROMAN.get(number, number)}"


# 'on page 70', 'p. 70'; not a page of a work the sources quote ('page 54 of his book')
PAGE = re.compile(r"\b(?:page|p\.)\s*(\d{1,4})\b(?!\s+of\b)", re.IGNORECASE)


def named_page(question: str) -> int | None:
    """The page a question names ('What does Campbell say on page 70?'), if any."""
    match = PAGE.search(question)
    return int(match.group(1)) if match else None


def in_chapter(passage: Passage, chapter: str) -> bool:
    """Whether the passage sits in the named chapter or section."""
    label = chapter.lower()
    return any(h.lower() == label or h.lower().startswith(label + ":") for h in (passage.chapter, passage.section))


def _bare(word: str) -> str:
    """'Spain' for 'Spain’s'."""
    return word.removesuffix("’s").removesuffix("'s")


def _key(name: str) -> str:
    """What a name is counted by: its last word ('Orwell' for 'George Orwell')."""
    return name.split(" ")[-1]


class Mentions:
    """How often each source names each person (or paper, organisation, country, city or year).

    A question about someone one source names repeatedly and another never names is not
    answered by the other: its closest sentences are about something else ("What did George
    Orwell do in Spain?": the 1939 book never names Orwell; its best sentences are about Spain).
    And a source that does name them has its say even when another source's sentences match the
    question more closely ("Did the Hotel Bristol in Copenhagen really exist?": the 1939 book quotes
    Trotsky on it at length; the APL's one sentence on 'a café named the Bristol' is the other side).
    A name used once, in passing, decides nothing: the 1939 book names Chiang Kai-shek once, and
    the source that says who opposed admitting his party to the Comintern says 'the Kuomintang'.
    A word also counts where it is written in lower case: a thing ('Congress', 'Course') is named so by one
    source and not by another; a person's name is never written so.
    """

    def __init__(self, passages: Iterable[Passage], at_length: int) -> None:
        self._at_length = at_length  # mentions in one source that make a name decide
        self._counts: dict[str, Counter[str]] = {}
        for passage in passages:
            # In Defence of Marxism never writes 'Fifteenth Congress', but 'the 15th congress'
            words = _CAPITALISED.findall(passage.text) + _YEAR.findall(passage.text)
            words += [w.capitalize() for w in _LOWER.findall(passage.text)]
            self._counts.setdefault(passage.source_id, Counter()).update(map(_bare, words))

    def asked_about(self, question: str) -> list[str]:
        """The persons (else countries or cities) the question names, as written, that decide which
        sources address it: some source names them `at_length` times and another never."""
        # a person asked about outranks the country they were in ('What did George Orwell do in Spain?')
        return self._decisive(names_in(question)) or self._decisive([w for w in map(_bare, _CAPITALISED.findall(question)) if w in PLACES])

    def years_asked(self, question: str) -> list[str]:
        """The years the question names that some source names `at_length` times and another never: a
        source that never names the year asked about does not address it ('What did Trotsky say about
        the Red Army in 1931?' is not answered by an article on 1923-27). Unlike a person, a year does
        not bring a source in: a source names many years in passing."""
        return self._decisive(_YEAR.findall(question))

    def _decisive(self, names: list[str]) -> list[str]:
        counts = self._counts.values()
        return [n for n in names if max(c[_key(n)] for c in counts) >= self._at_length and min(c[_key(n)] for c in counts) == 0]

    def naming(self, asked: Sequence[str], sources: Sequence[str]) -> list[str]:
        """The sources among `sources` that name any of `asked` (from `asked_about`)."""
        return [sid for sid in sources if any(self._counts.get(sid, Counter())[_key(n)] for n in asked)]
