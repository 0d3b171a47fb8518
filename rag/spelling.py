"""Read a name spelt another way, or a word in another spelling, as the corpus spells it.

"Bukarin" becomes "Bukharin", "Zinovyev" "Zinoviev", "Trotski" "Trotsky", "collectivization"
"collectivisation": a word the corpus never uses is replaced by the corpus word it matches
once both are reduced to a skeleton that ignores the usual differences of transliteration
and of British and American spelling (y/i, z/s, kh/k, ff/v, doubled letters). BM25 and the
scope check then see it, instead of refusing the question for "words the sources never use".
Matching skeletons, not edit distance, on purpose: 'Martian' is one letter from 'Marxian'
and 'Australia' two from 'Austria', and those are other words, not other spellings.
The searched question is shown to the user, who sees how it was read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
# shorter words have too many neighbours to be read as another spelling
MIN_NAME_LETTERS = 5
MIN_WORD_LETTERS = 7
# applied in order to a lower-case word; every pattern is a spelling difference, not a sound
_SKELETON = (
    (re.compile(r"([bcdfgklmnprstvz])h"), r"\1"),  # kh/k, sh/s, ch/c: Shakhty, Shakty
    (re.compile(r"ye"), "e"),  # Kamenyev, Kamenev
    (re.compile(r"ie"), "e"),  # Zinoviev, Zinovev
    (re.compile(r"[yj]"), "i"),  # Trotski, Trotsky; Yagoda, Jagoda
    (re.compile(r"w"), "v"),  # Zinovief, Zinoviev (with ff below)
    (re.compile(r"z"), "s"),  # organization, organisation
    (re.compile(r"ou"), "o"),  # labour, labor
    (re.compile(r"ff$"), "v"),  # Zinovieff
    (re.compile(r"([bcdfgklmnprstv])\1+"), r"\1"),  # doubled consonants: Kamenev, Kameneff (not 'pooled'/'poled')
)


def skeleton(word: str) -> str:
    """The word with the spelling differences above removed: 'Zinovyev' and 'Zinoviev' -> 'sinovev'."""
    form = word.lower()
    for pattern, replacement in _SKELETON:
        form = pattern.sub(replacement, form)
    return form


class Spelling:
    """The corpus vocabulary, and how to read a question's unknown words in it."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts = Counter(w.lower() for text in texts for w in _WORD.findall(text))
        self._known = set(counts)
        by_skeleton: dict[str, str] = {}
        for word, _ in counts.most_common():  # subtle: the most used spelling of a skeleton wins
            by_skeleton.setdefault(skeleton(word), word)
        self._by_skeleton = by_skeleton

    def correct(self, question: str) -> str:
        """The question with each unknown word that the corpus spells another way in that spelling."""
        return _WORD.sub(lambda m: self._corpus_form(m.group()), question)

    def _corpus_form(self, word: str) -> str:
        shortest = MIN_NAME_LETTERS if word[0].isupper() else MIN_WORD_LETTERS
        if len(word) < shortest or word.lower() in self._known:
            return word
        found = self._by_skeleton.get(skeleton(word))
        if found is None:
            return word
        return found.capitalize() if word[0].isupper() else found
