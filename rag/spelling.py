"""Read a name spelt another way, or a word in another spelling, as the corpus spells it.

"Bukarin" becomes "Bukharin", "Zinovyev" "Zinoviev", "Trotzki" "Trotsky"; "collectivization"
becomes "collectivisation", "behavior" "behaviour": a word the corpus never uses is replaced by
the corpus word it matches once both are reduced to a skeleton. Names are reduced by the usual
differences of transliteration (y/j/i, kh/k, ch/c/k, w/v, ff/v, doubled consonants), only
when typed capitalised and only ever as a proper name of the corpus; other words only by the differences of British and
American spelling (-ize/-ise, -or/-our, -l/-ll, sk/sc). BM25 and the scope check then see the
word, instead of refusing the question for "words the sources never use".
Skeletons, not edit distance, on purpose: 'Martian' is one letter from 'Marxian', 'Australia'
two from 'Austria', 'chilled' a transliteration away from 'killed'; those are other words.
The one slip of the keyboard read back is two neighbouring letters swapped ("Trotksy", "Stlain",
"expleled"), into a word the corpus uses often: it keeps every letter ('Sedova', Trotsky's wife,
is one letter from 'Sedov', his son, and stays as typed).
The searched question is shown to the user, who sees how it was read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
# shorter words have too many neighbours to be read as another spelling
MIN_NAME_LETTERS = 6
MIN_WORD_LETTERS = 7
PROPER_SHARE = 0.9  # a corpus word is a name when this share of its uses is capitalised
MIN_SWAPPED_LETTERS = 5  # 'form' and 'from' are both words: short swaps are too often another word
MIN_SWAPPED_USES = 10  # a word read back from a swap is one the corpus uses often: 'dairy' stays, 'diary' is used twice

Rules = tuple[tuple[re.Pattern[str], str], ...]
_SPELLING: Rules = (  # applied in order to a lower-case word
    (re.compile(r"z"), "s"),  # organization, organisation; analyze, analyse
    (re.compile(r"(?<=[a-z]{2})our(?=s?$|ed$|ing$|ite|able|ers?$|hood|ful|less|ly)"), "or"),  # behaviour; not 'mourning'
    (re.compile(r"ll"), "l"),  # travelling, traveling; fulfill, fulfil
    (re.compile(r"^sk"), "sc"),  # skeptical, sceptical
)
_NAME: Rules = (
    (re.compile(r"([bcdfgklmnprstvz])h"), r"\1"),  # kh/k, sh/s, ch/c: Shakhty, Shakty
    (re.compile(r"[yj]"), "i"),  # Trotski, Trotsky; Yagoda, Jagoda
    (re.compile(r"ie"), "e"),  # Zinoviev, Zinovyev, Zinowjew; Kamenyev, Kamenev
    (re.compile(r"w"), "v"),  # Zinowjew (German), Zinoviev
    (re.compile(r"z"), "s"),  # Trotzki, Trotsky
    (re.compile(r"c"), "k"),  # Bucharin (German), Bukharin
    (re.compile(r"ff$"), "v"),  # Zinovieff
    (re.compile(r"([bdfgklmnprstv])\1+"), r"\1"),  # doubled consonants: Kameneff, Kamenev
)


def skeleton(word: str, rules: Rules) -> str:
    """The lower-case word with the spelling differences of `rules` removed."""
    form = word.lower()
    for pattern, replacement in rules:
        form = pattern.sub(replacement, form)
    return form


class Spelling:
    """The corpus vocabulary, and how to read a question's unknown words in it."""

    def __init__(self, texts: Iterable[str]) -> None:
        uses: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        for text in texts:
            for word in _WORD.findall(text):
                uses[word.lower()] += 1
                capitalised[word.lower()] += word[0].isupper()
        self._uses = uses
        names = [w for w, n in uses.most_common() if capitalised[w] >= PROPER_SHARE * n]
        self._words = _by_skeleton((w for w, _ in uses.most_common()), _SPELLING)
        self._names = _by_skeleton(names, _NAME)

    def correct(self, question: str) -> str:
        """The question with each unknown word that the corpus spells another way in that spelling."""
        return _WORD.sub(lambda m: self._corpus_form(m.group()), question)

    def _corpus_form(self, word: str) -> str:
        if word.lower() in self._uses:
            return word
        if len(word) >= MIN_SWAPPED_LETTERS and (swapped := self._unswapped(word.lower())):
            return swapped.capitalize() if word[0].isupper() else swapped
        if len(word) < MIN_NAME_LETTERS:
            return word
        if len(word) >= MIN_WORD_LETTERS and (found := self._words.get(skeleton(word, _SPELLING))):
            return found.capitalize() if word[0].isupper() else found
        if not word[0].isupper():
            return word  # 'parish' is not 'Paris', 'marry' not 'Mary'
        found = self._names.get(skeleton(word, _NAME))
        return found.capitalize() if found else word

    def _unswapped(self, word: str) -> str | None:
        """The corpus word that `word` is with two neighbouring letters swapped back, if exactly one is."""
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1) if word[i] != word[i + 1]}
        found = [w for w in swaps if self._uses[w] >= MIN_SWAPPED_USES]
        return found[0] if len(found) == 1 else None


def _by_skeleton(words: Iterable[str], rules: Rules) -> dict[str, str]:
    """Skeleton -> word, the first (most used) word of each skeleton winning."""
    table: dict[str, str] = {}
    for word in words:
        table.setdefault(skeleton(word, rules), word)
    return table
