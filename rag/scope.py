"""Does the corpus speak to a question at all? A calibrated check, not a language model.

Two signals, both measured on the dev set (docs/evaluation.md): how close the best
sentence of the corpus comes to the question (cosine), and how much of the question
rests on words the corpus never uses (weighted by rarity). A question is covered when
cosine - unknown_weight x unknown share clears a threshold, and it names no year, and no person or
place, the corpus never mentions. (A ceiling on the unknown share alone declined "Was Trotsky Lenin's
rightful heir?" and "Were the Moscow trials rigged?": one everyday word the 1930s texts never use
outweighed the rest; it went, docs/evaluation.md.) It cannot tell a question the sources answer from
one they merely touch: that is what the excerpts, shown with their scores, are for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import Stemmer

from .query import source_names
from .quotes import names_in
from .schema import Passage, Source

# words every question may use that say nothing about its subject
_META = (
    "what which who whom whose when where why how does did do say says said according describe described "
    "view author source text book article pamphlet piece passage claim think mean chapter foreword quote "
    "quoted cite cited words telling tell give explain mid early late"
)
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NUMBER = re.compile(r"\b\d{3,4}\b")
_DECADE = re.compile(r"\b(1\d\d)0s\b")  # 'the 1920s'; known when the corpus names a year of that decade
PREFIX = 6
_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")


@dataclass(frozen=True, slots=True)
class ScopeVerdict:
    covered: bool
    best_sentence: float
    score: float
    unknown_share: float
    unknown_terms: tuple[str, ...]
    reason: str


class ScopeCheck:
    """Decides whether retrieval found something that answers, from two calibrated signals."""

    def __init__(
        self, passages: Sequence[Passage], sources: Iterable[Source], min_score: float, unknown_weight: float, min_apart: float
    ) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._min_score = min_score
        self._unknown_weight = unknown_weight
        self._min_apart = min_apart
        df: dict[str, int] = {}
        numbers: set[str] = set()
        texts = [p.text for p in passages]
        # compounds count both ways: 'hydro-electric' knows 'hydroelectric' too
        as_written = self._terms_of(texts)
        joined = self._terms_of([_HYPHEN.sub("", t) for t in texts])
        for text, terms, more in zip(texts, as_written, joined):
            for term in terms | more:
                df[term] = df.get(term, 0) + 1
            numbers.update(_NUMBER.findall(text))
        self._df, self._numbers, self._n = df, numbers, len(passages)
        self._prefixes = {t[:PREFIX] for t in df if len(t) >= PREFIX}
        meta = " ".join([_META, *(name for s in sources for name in source_names(s))])
        self._meta = self._terms(meta)

    def _terms(self, text: str) -> set[str]:
        return self._terms_of([text])[0]

    def _terms_of(self, texts: list[str]) -> list[set[str]]:
        """Stemmed content words of each text, in one tokenizer call (per-text calls cost seconds)."""
        texts = [_DOTTED.sub(lambda m: m.group(0).replace(".", ""), t) for t in texts]  # P.O.U.M. -> POUM
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False)
        return [set(t) for t in tokens]

    def _known(self, term: str) -> bool:
        # subtle: a shared prefix forgives spelling variants ('Dnieper' vs 'Dnieperstroi')
        return term in self._df or (len(term) >= PREFIX and term[:PREFIX] in self._prefixes)

    def _idf(self, term: str) -> float:
        return math.log((self._n + 1) / (self._df.get(term, 0) + 0.5))

    def asks_more_than(self, question: str, subject: str) -> bool:
        """Whether the question asks about something besides `subject` ('Where was Trotsky born?'; not
        'Tell me about Trotsky'): a content word apart from the subject and the words every question uses."""
        return bool(self._terms(question) - self._meta - self._terms(subject))

    def judge(self, question: str, best_sentence: float, apart: tuple[str, float] | None = None) -> ScopeVerdict:
        """Covered unless nothing comes close, the question rests on words the corpus lacks, it asks about
        someone or somewhere the sources never name, or (`apart`: the corpus's main subject and how close the
        question comes to a sentence without it) nothing of it but that subject comes close: every question
        naming Trotsky finds a sentence naming him, and 'Where was Trotsky born?' was answered by three."""
        question = _DECADE.sub(lambda m: m.group(0) if self._decade_unknown(m.group(1)) else m.group(1) + "0", question)
        # a name opening the question is not asked about: any word is capitalised there ('Whose claim …')
        names = [n for n in names_in(question) if not question.startswith(n)]
        terms = self._terms(question) - self._meta - self._given_names(names)
        unknown = sorted(t for t in terms if not self._known(t))
        total = sum(self._idf(t) for t in terms)
        share = sum(self._idf(t) for t in unknown) / total if total else 0.0
        years = [y for y in _NUMBER.findall(question) if y not in self._numbers]
        score = best_sentence - self._unknown_weight * share
        strangers = [n for n in names if not self._known_name(n)]
        if years:
            reason = "it names a year the sources never mention"
        elif strangers:
            reason = f"the sources never mention {' or '.join(strangers)}"
        elif unknown and score < self._min_score:
            reason = "the question turns on words the sources never use"
        elif score < self._min_score:
            reason = f"no sentence of the sources comes close; best similarity {best_sentence:.2f}"
        elif apart is not None and apart[1] < self._min_apart:
            reason = f"the sources name {apart[0]} throughout, but none of their sentences comes close to what else the question asks"
        else:
            return ScopeVerdict(True, best_sentence, score, share, tuple(unknown), "")
        return ScopeVerdict(False, best_sentence, score, share, tuple(unknown), reason)

    def _decade_unknown(self, century_and_decade: str) -> bool:
        return not any(n.startswith(century_and_decade) for n in self._numbers)

    def _known_name(self, name: str) -> bool:
        """Whether the corpus uses the name's last word (each of its parts, for two names joined by a hyphen:
        'the Molotov-Ribbentrop pact'): the sources cannot say what someone did whom they never mention
        ('Kronstadt', 'André Breton', Ribbentrop)."""
        return all(any(self._known(t) for t in self._terms(part)) for part in name.split(" ")[-1].split("-") if part)

    def _given_names(self, names: list[str]) -> set[str]:
        """The first names of persons the corpus knows by surname ('Grigory Zinoviev', 'Lev Kamenev',
        'Iosif Stalin'): the sources rarely write them, and they are no unknown words."""
        return {t for n in names if " " in n and self._known_name(n) for t in self._terms(n.rsplit(" ", 1)[0])}
