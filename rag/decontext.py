"""Sentences made to stand alone before they are embedded: a sentence that opens on "He" or "His"
is embedded once more with the name of the person the sentences before it name.

Sentences are matched to questions one by one, and a pronoun says nothing about whom it is about.
The American Party of Labor's "He escaped to the West, where he served the imperialist powers,
including the FBI and Gestapo until his execution at the hands of Ramón Mercader in 1940." scores
0.37 by MiniLM against "When was Trotsky killed?"; as "Trotsky escaped to the West, …" it scores 0.66
(mpnet: 0.42 -> 0.65), and the question is answered by it instead of declined. (Retrieval systems
index such "decontextualised" sentences or propositions for the same reason.) Only "He"/"His": "She",
"her", "it" and "they" more often mean a country, a party or a paper than a person. Who is meant is
the first person that the nearest of the three sentences before names in its own words, in the same
source; "He who …" means anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .quotes import subjects_in

LOOKBACK = 3  # sentences before a pronoun that may name its person
_LEADING_PRONOUN = re.compile(r"^([“\"‘(]*)(He|His)\b(?! who\b)")
_WORD = re.compile(r"[^\W\d_]+")


def resolved_sentences(sentences: Sequence[str], sources: Sequence[str]) -> tuple[list[int], list[str]]:
    """The sentences (rows) that open on 'He'/'His' and whose person the sentences before them name,
    with that person's name in place of the pronoun. `sources`: each sentence's source id."""
    common = common_words(sentences)
    rows: list[int] = []
    texts: list[str] = []
    for row, sentence in enumerate(sentences):
        pronoun = _LEADING_PRONOUN.match(sentence)
        if not pronoun:
            continue
        earlier = [sentences[i] for i in range(row - 1, max(-1, row - 1 - LOOKBACK), -1) if sources[i] == sources[row]]
        person = antecedent(earlier, common)
        if person:
            name = person if pronoun.group(2) == "He" else f"{person}’s"
            rows.append(row)
            texts.append(sentence[: pronoun.start(2)] + name + sentence[pronoun.end(2) :])
    return rows, texts


def antecedent(earlier: Sequence[str], common: set[str]) -> str | None:
    """The person a pronoun means: the first one the nearest of the `earlier` sentences (nearest first)
    names in its own words. A capitalised word that the corpus also writes in lower case ("Industrial",
    "Often" opening a sentence) names no one: `common` holds those words."""
    for sentence in earlier:
        persons = [n for n in subjects_in(sentence) if not n.startswith("the ") and _proper(n, common)]
        if persons:
            return persons[0]
    return None


def common_words(sentences: Sequence[str]) -> set[str]:
    """Every word that the sentences write in lower case somewhere."""
    return {w for s in sentences for w in _WORD.findall(s) if w.islower()}


def _proper(name: str, common: set[str]) -> bool:
    return not any(w.lower() in common for w in _WORD.findall(name) if len(w) > 1)
