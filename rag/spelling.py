"""Read a misspelt name or another spelling of a word as the corpus spells it, before searching.

"Bukarin" becomes "Bukharin", "Zinovyev" "Zinoviev", "collectivization" "collectivisation":
a word the corpus never uses is replaced by the corpus word one edit away (two for long
names), so that BM25 and the scope check see it instead of refusing the question for
"words the sources never use". Only names (capitalised, 5 letters or more) and long words
(8 letters or more, one letter changed, none added or dropped) are read this way: other
words lie one edit from unrelated corpus words ('landing'/'handing', 'rightful'/'frightful').
The searched question is shown to the user, who sees how it was read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
MIN_NAME_LETTERS = 5
MIN_WORD_LETTERS = 8
LONG_NAME_LETTERS = 8  # from this length a name may be two edits away ('Zinovieff')


class Spelling:
    """The corpus vocabulary, and how to read a question's unknown words in it."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._counts = Counter(w.lower() for text in texts for w in _WORD.findall(text))
        self._words = list(self._counts)

    def correct(self, question: str) -> str:
        """The question with each unknown name or long word replaced by its corpus spelling."""
        return _WORD.sub(lambda m: self._corpus_form(m.group()), question)

    def _corpus_form(self, word: str) -> str:
        lower = word.lower()
        if lower in self._counts:
            return word
        name = word[0].isupper()
        if len(word) < (MIN_NAME_LETTERS if name else MIN_WORD_LETTERS):
            return word
        edits = 2 if name and len(word) >= LONG_NAME_LETTERS else 1
        found = process.extract(lower, self._words, scorer=Levenshtein.distance, score_cutoff=edits, limit=None)
        found = [f for f in found if name or len(f[0]) == len(lower)]  # 'z' for 's', not a letter more
        if not found:
            return word
        # the nearest spelling; among equally near ones, the one the corpus uses most
        best = min(found, key=lambda f: (f[1], -self._counts[f[0]], f[0]))[0]
        return best.capitalize() if name else best
