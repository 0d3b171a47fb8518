"""Compose an Answer from retrieved passages: verbatim sentence-level quotes, grouped by
source, attributed to the speaker when nested, with a neutral lead built from metadata.

No language model writes anything here: the lead is assembled from the corpus metadata
and the retrieval result, every quote is a verified slice of a source.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from .answertype import AnswerType, expected_type, gives
from .followup import asks_about_a_source, asks_for_more, require_subject, standalone
from .query import Mentions, in_chapter, named_chapter, named_page, named_sources, source_names, without_source_names
from .quotes import (
    MIN_WORDS, Quotation, ends_on_lead_in, find_quotations, names_in, only_a_turn_label, page_reference, pronoun_lead_in,
    speaker_at, subjects_in,
)
from .render import closest_lead, covered_lead, outdone_lead, render_markdown, side_name
from .retrieve import Retriever, SentenceScores
from .schema import Answer, Excerpt, Hit, Passage, Source, SourceCoverage
from .scope import ScopeCheck
from .settings import Settings
from .spelling import Spelling
from .text import WORD
from .verbatim import VerbatimGate

MAX_QUOTE_WORDS = 90
SHORT_SENTENCE_WORDS = 12
NEIGHBOUR_RATIO = 0.6  # a neighbour this close to the window's best sentence joins the quote (dev: more evidence quoted than at 0.9)
TURN_PRIORITY = 2.0  # above any cosine: a sentence that turns against the window's last one joins first
_TURN = re.compile(r"[“\"‘']?(?:But|Yet|However|Nevertheless|Nonetheless)\b")
_REJECTS = re.compile(  # 'This is a blatant lie.', 'That story is … lie', 'That is nonsense'
    r"[“\"‘']?(?:This|That|These|Those|Such|All this)\b[^.?!]{0,80}?\b(?:mistaken|wrong|false|untrue|lies?|nonsense|"
    r"absurd|myths?|slanders?|fictions?|not true|groundless|baseless|fabricat\w*|distortions?)\b"
    r"|Nothing (?:can|could) be further from the truth"
)
_ANSWERS = re.compile(r"[“\"‘']?(?:No|Yes)[,.!]")  # answering a question asked without its mark
_ENUMERATES = re.compile(r"[“\"‘']?(?:Firstly|First,|In the first place|\(1\)|1\.\s)")  # the first of a list announced
_POINTS_BACK = re.compile(r"[“\"‘']?(?:This|These|Those|Such|That this|That these|That such)\b")  # to the sentence before
_ENDS_ON_PAGE = re.compile(r"\bpp?\.\s*\d+(?:\s*[-–]\s*\d+)?\.?\s*$")  # '…, 1936, p. 365.'
_FOOTNOTE_MARKER = re.compile(r"\d{1,2}\s+")  # the number opening a footnote's text
_ASKING = re.compile(r"\?[”\"’]*\s*$")  # a quote that ends on a question
_TITLED = re.compile(  # the words before a quoted title
    r"\b(?:entitled|titled|title|called|headed|(?:article|pamphlet|book|chapter|essay|speech|resolution)\s+on)\s+[“\"]$"
)
MAX_MORE_TURNS = 5  # 'Tell me more' asked again and again leaves out what this many answers before it quoted
SECOND_QUOTE_RATIO = 0.8  # a second quote from one passage needs this share of its best sentence's score
QUOTED_BONUS = 0.08  # cosine added to a quoted sentence when the question asks who said what
# cosine taken from a sentence inside a quotation when the question asks for a source's own judgement
JUDGEMENT_QUOTED_PENALTY = 0.08
# "Who said…", "Whose claim…", "Which defendant declared…", "What did a 1933 article in The Times say…",
# "What words did Rakovsky use", "in his words", "quoted"; asked of a question without the sources' own
# names. "Who was Andreas Nin?" or "Who led the POUM?" asks who someone is, not for anyone's words.
_SAYING = (
    r"(?:say|says|said|declared?|described?|call(?:s|ed)?|wr(?:ote|ites?)|claim(?:s|ed)?|argued?|admit(?:s|ted)?|urged?|"
    r"warned?|stated?|told|tells?|quoted?|cited?|insist(?:s|ed)?|predict(?:s|ed)?|testif(?:y|ied|ies)|denounced?|"
    r"remark(?:s|ed)?|accused?|characteri[sz]ed?|spoke|speaks?|words?|phrase|view|description|verdict|charge)"
)
_ANNOUNCES = re.compile(rf"[“\"]?(?:This|Here) is what\b[^.?!]*\b{_SAYING}\b")
_ASKS_FOR_WORDS = re.compile(
    rf"\b(?:who|whom|whose)(?:\s+[\w'’-]+){{0,6}}?\s+{_SAYING}\b|"
    r"\bwhich\s+(?:\w+\s+){0,3}(?:say|says|said|wrote|write|writes|declared?|described?|"
    r"admitted|claimed|called|urged|warned|used)\b|\b(?:what|how)\s+(?:did|does|do)\s+(?:[\w'’]+\s+){1,6}?(?:say|"
    r"write|declare|describe|call|urge|claim|use|give|conclude|argue|report|tell|state|admit|testify|warn)\b|"
    r"\bwhat\s+words\b|\bin\s+(?:his|her|their|the)\s+(?:own\s+)?words\b|\bquot(?:e|es|ed|ing)\b|\bcit(?:e|es|ed)\b",
    re.IGNORECASE,
)
# 'Who was Andreas Nin?', 'Who were the Durham miners?'; not 'Who was to blame …?'
_ASKS_WHO = re.compile(r"^\W*[Ww]ho\s+(?:was|is|were|are)\s+(?:the\s+)?[A-Z]")
# a source's own judgement: 'How does [Campbell] judge …?' (the source's name taken out), 'in the author's view'
_ASKS_JUDGEMENT = re.compile(
    r"\b(?:does|did|do)\s+(?:the\s+authors?\s+)?(?:judge|see|view|regard|think|consider|assess|evaluate|characteri[sz]e|"
    r"interpret|explain|respond|answer|reply|react|portray|present|treat|dismiss|critici[sz]e|blame|accuse)\b|"
    r"\bin\s+the\s+authors?['’]s?\s+(?:view|opinion|eyes|judge?ment)\b",
    re.IGNORECASE,
)
Asks = Literal["words", "identity", "judgement", "time", "number", "facts"]
# cosine taken from a sentence that does not name the time or number a question asks for ('When did Lenin die?':
# 'On January 21st, 1924, Lenin died.', not 'A few months later Lenin died.'); at 0.3 dated sentences off the question win
UNTYPED_PENALTY = 0.1
# a yes/no question, or a clause of one: 'Were the defendants … tortured …?', '… and was it sound?'
_ASKS_VERDICT = re.compile(r"(?:^\W*|\band\s+|[,;]\s+)(?:is|are|was|were|did|does|do|could|can|should|would|has|have|had)\s+"
                           r"(?!you\b|I\b)", re.IGNORECASE)


def _from_named_chapter(question: str, hits: Sequence[Hit]) -> list[Hit]:
    """The hits in the chapter the question names, if any are ('What reason did Campbell give in his
    foreword …?'): the retriever favours the chapter, but the quotes are chosen by their best sentence,
    and a sentence elsewhere may match the question's words better than the chapter's answer does."""
    chapter = named_chapter(question)
    inside = [h for h in hits if chapter is not None and in_chapter(h.passage, chapter)]
    return inside or list(hits)


def _asked_for(topic: str, names_source: bool) -> Asks:
    """What the question asks for: someone's words ('What did Lenin say …?'), who someone is, a
    source's own judgement ('How does Campbell judge …?', `names_source`: before its name was taken
    out of `topic`), a time ('When did Lenin die?'), a number ('How many …?'), or facts."""
    if _ASKS_FOR_WORDS.search(topic):
        return "words"
    if _ASKS_WHO.search(topic):
        return "identity"
    judging = _ASKS_JUDGEMENT.search(topic)
    if judging and (names_source or "author" in judging.group().lower()):
        return "judgement"
    return expected_type(topic) or "facts"


class Composer:
    """Turns a question into an Answer; holds what is computed once per loaded index."""

    def __init__(
        self,
        retriever: Retriever,
        sources: Mapping[str, Source],
        passages: Sequence[Passage],
        gate: VerbatimGate,
        work_authors: Mapping[str, Mapping[str, str]],  # per source: work -> author
        spelling: Spelling,
        settings: Settings,
    ) -> None:
        self._retriever = retriever
        self._sources = sources
        self._row = {p.id: i for i, p in enumerate(passages)}
        owner = np.array([p.source_id for p in passages])
        self._rows_of = {sid: np.flatnonzero(owner == sid) for sid in sources}
        self._gate = gate
        self._work_authors = work_authors
        self._spelling = spelling
        self._settings = settings
        # the running text around each passage: its source's passages before and after it, past footnotes,
        # which ingestion puts after the paragraph they interrupted ('Trotsky disputes this in The Revolution
        # Betrayed:', then the footnote '1 1935 Census of Production.', then the quotation)
        self._before: dict[str, Passage] = {}
        self._after: dict[str, Passage] = {}
        last: dict[str, Passage] = {}
        for passage in passages:
            if passage.source_id in last:
                self._before[passage.id] = last[passage.source_id]
                self._after.setdefault(last[passage.source_id].id, passage)
            if passage.kind != "footnote":
                last[passage.source_id] = passage
        # sentences that only lead into a quotation ('The platform of the opposition issued in 1927 says:'): close to a
        # question's topic, they say nothing about it
        self._lead_in_sentences = np.array([ends_on_lead_in(p.text[a:b].rstrip()) for p in passages for a, b in p.sentences])
        self._quoted: dict[str, list[Quotation]] = {}
        for passage in passages:  # in order: a block quotation's speaker carries over from the passage before
            self._quoted[passage.id] = self._read_quotations(passage)
        for passage in reversed(passages):  # backwards: a block's closing reference names its opening
            if passage.id in self._after:
                self._quoted[passage.id] = self._carried_back(passage, self._after[passage.id])
        # names the corpus quotes as speakers: persons a follow-up's "he" may point to, not bodies ('the Left Opposition')
        self._people = frozenset(
            q.speaker for found in self._quoted.values() for q in found if q.speaker and not q.speaker.lower().startswith("the ")
        )
        self._mentions = Mentions(passages, settings.focus_mentions)
        self._source_names = tuple(name for source in sources.values() for name in source_names(source))
        self._scope = ScopeCheck(
            passages, sources.values(), settings.scope_min_score, settings.scope_unknown_weight, settings.scope_min_apart
        )
        self._subject = _most_named(passages)
        self._subject_named = re.compile(rf"\b{re.escape(self._subject)}(?:['’]s)?\b")
        # where he is what a question is about ('Where was Trotsky born?', 'Did Trotsky …?'), not the object of
        # someone else's words or deeds ('What did Gramsci call Trotsky?'): without him that says nothing
        self._about_subject = re.compile(
            rf"(?:^\W*|\b(?:was|is|did|does|do|has|had|were|could|would|will)\s+)(?:Leon\s+)?{re.escape(self._subject)}\b"
        )

    def ask(self, question: str, history: Sequence[str] | None, sources: Sequence[str] | None) -> Answer:
        return self._answer(question, list(history or ()), sources)[0]

    def _answer(
        self, question: str, history: list[str], sources: Sequence[str] | None, depth: int = 0
    ) -> tuple[Answer, frozenset[str]]:
        """The answer, and the passages it and the answers before it quote when it asks for more."""
        started = time.perf_counter()
        shown: frozenset[str] = frozenset()
        # 'Tell me more': the passages the answers before did not quote (a few turns back: each is asked again)
        if history and asks_for_more(question) and depth < MAX_MORE_TURNS:
            shown = self._answer(history[-1], history[:-1], sources, depth + 1)[1]
        # names as the corpus spells them first, so that a follow-up's 'he' finds 'Bukharin' in 'Bukarin'
        correct = self._spelling.correct
        searched = require_subject(
            standalone(correct(question), [correct(h) for h in history], self._people, self._source_names, self._subject)
        )
        # 'What does Campbell say…' asks for the source's own words, not for someone it quotes
        topic = without_source_names(searched, list(self._sources.values()))
        asks = _asked_for(topic, names_source=topic != searched)
        query = self._retriever.embed_question(searched)
        similarity = self._retriever.sentence_similarity(query, without_references=asks == "words")
        hits = self._retriever.search_vector(searched, query, self._settings.answer_pool + len(shown), sources, similarity)
        sentence_scores, windows = similarity.quotes, similarity.windows
        retrieved = time.perf_counter()
        best = max((h.sentence for h in hits), default=-1.0)
        fresh = [h for h in _from_named_chapter(searched, hits) if h.passage.id not in shown]
        asked = self._mentions.asked_about(topic)  # the persons (or places) that decide who answers
        searched_ids = self._searched_sources(fresh or hits, sources)
        page = named_page(searched)
        unselected = self._named_unselected(searched, sources)
        if page is not None and not unselected:  # the page's passages are the answer, however loosely their words match the question
            on_page = self._sentences_on(page, hits)
            sentence_scores, windows = sentence_scores.keeping(on_page), windows.keeping(on_page)
            reason = "" if hits and all(page in h.passage.pages for h in hits) else f"the sources searched have no page {page}"
        elif unselected:  # the rest would answer in its place
            reason = unselected
        elif asks_about_a_source(searched, topic):  # a sentence it matched would be about something else
            reason = ABOUT_A_SOURCE
        else:
            verdict = self._scope.judge(searched, best, self._apart_from_subject(searched))
            reason = verdict.reason or _unnamed_in(asked, self._mentions.naming(asked, searched_ids))
        deep_gap = self._settings.verdict_max_deep_gap if _ASKS_VERDICT.search(topic) else self._settings.source_max_deep_gap
        # a named source may fail the scope check where the others pass it ('What does the APL say about Kirov?')
        judged = page is None and not unselected and reason != ABOUT_A_SOURCE
        outdone = self._outdone(searched, topic, sources, deep_gap, asked) if judged else None
        if not reason and not outdone:
            years = self._mentions.years_asked(topic)
            def compose(pool: Sequence[Hit], skipped: frozenset[str]) -> tuple[list[Excerpt], list[SourceCoverage]]:
                return self._excerpts_by_source(
                    asked, years, pool, sentence_scores, windows, similarity.deep, searched_ids, asks, deep_gap, skipped
                )

            excerpts, coverage = compose(fresh, shown) if fresh else ([], [])
            if not excerpts:  # nothing left to quote (a page's few passages, all shown): shown again, not declined
                excerpts, coverage = compose(hits, frozenset())
            covered = bool(excerpts)
            if not covered and asks in NOT_GIVEN:
                reason = NOT_GIVEN[asks]
        else:
            excerpts, coverage, covered = (), self._no_coverage(hits, searched_ids), False
        closest = () if covered or unselected else self._closest(hits, sentence_scores)
        if outdone:
            lead = outdone_lead(*outdone, bool(closest))
        else:
            lead = covered_lead(coverage, further=bool(shown)) if covered else closest_lead(reason, bool(closest))
        answer = Answer(question, searched, covered, lead, tuple(excerpts), tuple(coverage), tuple(closest))
        markdown = render_markdown(answer)
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "compose": (done - retrieved) * 1000, "total": (done - started) * 1000}
        answer = Answer(question, searched, covered, lead, answer.excerpts, answer.coverage, answer.closest, markdown, timings)
        return answer, shown | {e.passage.id for e in answer.excerpts}

    def _apart_from_subject(self, question: str) -> tuple[str, float] | None:
        """For a question that names the corpus's main subject and asks something besides, how close the rest
        of it comes to a sentence of the corpus (the scope check's `apart`); None for any other question."""
        if not self._subject or not self._about_subject.search(question) or not self._scope.asks_more_than(question, self._subject):
            return None
        return self._subject, self._retriever.closest_sentence(" ".join(self._subject_named.sub("", question).split()))

    def _outdone(
        self, question: str, topic: str, sources: Sequence[str] | None, deep_gap: float, asked: Sequence[str]
    ) -> tuple[list[Source], list[Source]] | None:
        """When the question names sources ('What does the APL say about abortion?') none of which addresses its
        topic while others do, by the thresholds that decide which sources address a question asked of all
        (`_addressing`, and a source that never names the person `asked` about does not: 'What does Campbell say
        about Gramsci?'), and the others pass the scope check: those named, and those others. Answered, the named
        source's closest passages were shown ('The collection of evidence the American Party of Labor has
        presented above …'); declined, the reader was not told that another source answers. None otherwise. The
        topic is embedded without the names, which pull towards the sentences naming the source (Campbell's
        best sentence on abortion 0.58 with 'the American Party of Labor' in the question, 0.67 without)."""
        pool = list(sources) if sources is not None else list(self._sources)
        named = [sid for sid in named_sources(question, list(self._sources.values())) if sid in pool]
        if not named or len(named) == len(pool):
            return None
        s = self._settings
        similarity = self._retriever.sentence_similarity(self._retriever.embed_question(topic))
        fast = {sid: float(similarity.fast.max_by_passage[rows].max()) for sid, rows in self._rows_of.items() if sid in pool}
        deep_scores = similarity.deep.without(self._lead_in_sentences).max_by_passage if similarity.deep is not None else None
        deep = {sid: float(deep_scores[rows].max()) for sid, rows in self._rows_of.items() if sid in pool} if deep_scores is not None else fast
        gap = deep_gap if deep_scores is not None else s.source_max_gap

        naming = self._mentions.naming(asked, pool) if asked else pool

        def addresses(sid: str) -> bool:
            return sid in naming and fast[sid] >= max(fast.values()) - s.source_max_gap and deep[sid] >= max(deep.values()) - gap

        others = [sid for sid in pool if sid not in named and addresses(sid)]
        if any(addresses(sid) for sid in named) or not others or self._scope.judge(topic, max(fast[sid] for sid in others)).reason:
            return None
        return [self._sources[sid] for sid in named], [self._sources[sid] for sid in others]

    def _named_unselected(self, question: str, sources: Sequence[str] | None) -> str:
        """Why a question that names only sources left out of the search is not answered ('What does Campbell
        say about the trials?' with Campbell unticked was answered by the others); '' when it is not one."""
        named = named_sources(question, list(self._sources.values()))
        if sources is None or not named or set(named) & set(sources):
            return ""
        sides = " or ".join(side_name(self._sources[sid]) for sid in named)
        return f"it asks about {sides}, which {'is' if len(named) == 1 else 'are'} not among the sources selected to search"

    def _sentences_on(self, page: int, hits: Sequence[Hit]) -> dict[int, np.ndarray]:
        """Per passage row, whether each of its sentences lies on `page`: a passage running over from
        page 31 to 32 answers a question about page 31 with its sentences on page 31."""
        def on_page(p: Passage) -> np.ndarray:
            return np.array([page in p.pages_of(p.file_span(*sentence)) for sentence in p.sentences])

        return {self._row[h.passage.id]: on_page(h.passage) for h in hits}

    def _searched_sources(self, hits: Sequence[Hit], sources: Sequence[str] | None) -> list[str]:
        """The sources the retriever actually looked in (a named source narrows the search)."""
        found = list(dict.fromkeys(h.passage.source_id for h in hits))
        pool = list(sources) if sources is not None else list(self._sources)
        return found if len(found) < len(pool) and found else pool

    def _excerpts_by_source(
        self, asked: Sequence[str], years: Sequence[str], hits: Sequence[Hit], scores: SentenceScores, windows: SentenceScores,
        deep: SentenceScores | None, searched: Sequence[str], asks: Asks, deep_gap: float, skipped: frozenset[str],
    ) -> tuple[list[Excerpt], list[SourceCoverage]]:
        """Quotes for every source that addresses the question: the best-ranked passage's source first."""
        s = self._settings
        best_by_source = self._best_by_source(hits, lambda h: h.sentence)
        addressing = self._by_names(asked, self._addressing(hits, best_by_source, deep, deep_gap), best_by_source)
        if years:  # a source that never names the year asked about does not address it
            addressing = [sid for sid in addressing if sid in self._mentions.naming(years, addressing)] or addressing
        per_source = s.max_excerpts_per_source if len(addressing) == 1 else max(1, s.max_excerpts_per_source - 1)
        excerpts: list[Excerpt] = []
        coverage: list[SourceCoverage] = []
        for sid in addressing:
            own = [h for h in hits if h.passage.source_id == sid]
            chosen = self._quotes_from(sid, own, scores, windows, per_source, len(excerpts), asks, skipped)
            if asks in NOT_GIVEN:  # asked when (how many), a quote that names no time (number) does not answer
                chosen = [replace(e, n=len(excerpts) + i) for i, e in enumerate((e for e in chosen if gives(asks, e.quote)), 1)]
            excerpts.extend(chosen)
            coverage.append(SourceCoverage(self._sources[sid], True, bool(chosen), best_by_source[sid], tuple(e.n for e in chosen)))
        for sid in searched:
            if sid not in addressing:
                coverage.append(SourceCoverage(self._sources[sid], True, False, best_by_source.get(sid, -1.0)))
        for sid in self._sources:
            if sid not in searched:
                coverage.append(SourceCoverage(self._sources[sid], False, False, -1.0))
        return excerpts, coverage

    def _addressing(
        self, hits: Sequence[Hit], best_by_source: Mapping[str, float], deep: SentenceScores | None, deep_gap: float
    ) -> list[str]:
        """The sources that address the question, the best-ranked passage's first: close enough to the
        best source by the fast model's best sentence and, when it is loaded, by the deep model's, not
        counting lead-ins ('Which slogans did the Left Opposition march with in 1927?': Campbell's 'The
        platform of the opposition issued in 1927 says:' lay 0.21 above In Defence of Marxism's slogans)."""
        s = self._settings
        top = max(best_by_source.values(), default=-1.0)
        deep_best = self._deep_best(hits, deep) if deep is not None else {}
        deep_top = max(deep_best.values(), default=-1.0)
        # the source of the best-ranked passage always addresses it: its best sentence may be a paraphrase
        # the embedding misses ('a 1933 article in The Times' for 'the London Times published an article')
        first = hits[0].passage.source_id if hits else None
        return [
            sid for sid, score in sorted(best_by_source.items(), key=lambda kv: (kv[0] != first, -kv[1]))
            if score == top or sid == first or (
                score >= s.source_min_sentence and score >= top - s.source_max_gap
                and deep_best.get(sid, deep_top) >= deep_top - deep_gap
            )
        ]

    def _deep_best(self, hits: Sequence[Hit], deep: SentenceScores) -> dict[str, float]:
        """Each source's best sentence by the deep model, lead-ins aside; a passage that is only a lead-in keeps its own."""
        said = deep.without(self._lead_in_sentences).max_by_passage

        def best(hit: Hit) -> float:
            row = self._row[hit.passage.id]
            return float(said[row] if said[row] > -1.0 else deep.max_by_passage[row])

        return self._best_by_source(hits, best)

    def _by_names(self, asked: Sequence[str], addressing: list[str], best_by_source: Mapping[str, float]) -> list[str]:
        """`addressing`, corrected by the persons the question asks about (rag.query.Mentions): a source
        that never names them drops out, one that does comes in if its best sentence clears the floor."""
        if not asked:
            return addressing
        naming = self._mentions.naming(asked, list(best_by_source))
        floor = self._settings.source_min_sentence
        joining = [sid for sid in naming if sid not in addressing and best_by_source[sid] >= floor]
        return [sid for sid in addressing if sid in naming] + joining or addressing

    @staticmethod
    def _best_by_source(hits: Sequence[Hit], score: Callable[[Hit], float]) -> dict[str, float]:
        best: dict[str, float] = {}
        for hit in hits:
            best[hit.passage.source_id] = max(best.get(hit.passage.source_id, -1.0), score(hit))
        return best

    def _quotes_from(
        self, source_id: str, hits: Sequence[Hit], scores: SentenceScores, windows: SentenceScores, limit: int, offset: int,
        asks: Asks, skipped: frozenset[str],
    ) -> list[Excerpt]:
        """Up to `limit` verified quotes from this source's passages, one per passage: the one with the
        best sentence first, then in the retriever's order (which weighs the whole passage too); then,
        while there is room, a second from a quoted passage whose other sentence is as close (the two in
        the passage's order). Passages are weighed by `scores`, the sentences to quote within one by
        `windows`. None is quoted from a passage in `skipped` (shown before: a lead-in's hit would quote
        the words it introduces again)."""
        if not hits:
            return []
        sentence = {h.passage.id: self._best_sentence(h.passage, scores, asks) for h in hits}
        first = max(hits, key=lambda h: sentence[h.passage.id])
        ranked = [first] + sorted((h for h in hits if h is not first), key=lambda h: -h.score)
        # a further quote must be nearly as close as the first on both counts, or it is noise
        s = self._settings
        sentence_floor = s.extra_excerpt_ratio * sentence[first.passage.id]
        fused_floor = s.extra_excerpt_fused_ratio * max((h.score for h in hits if not _is_reference(h.passage)), default=0.0)
        out: list[Excerpt] = []
        for hit in ranked:
            if len(out) >= limit:
                break
            if out and (sentence[hit.passage.id] < sentence_floor or hit.score < fused_floor):
                continue
            excerpt = self._excerpt(hit, windows, 0, asks)  # numbered at the end
            if _is_new(excerpt, out) and excerpt.passage.id not in skipped:
                out.append(excerpt)
        # room left: a quoted passage's other close sentence, out of its window's reach ('… found a common
        # basis in the Ryutin platform …', then two sentences on 'The essence of the Ryutin programme was
        # that it demanded …'); after the passages that earned a place, never instead of them
        hit_of = {h.passage.id: h for h in hits}
        for excerpt in list(out):
            if len(out) >= limit or excerpt.passage.id not in hit_of:
                continue  # a passage quoted for the lead-in before it was no hit of its own
            taken = (excerpt.quote_start, excerpt.quote_start + len(excerpt.quote))
            beside = self._excerpt(hit_of[excerpt.passage.id], windows, 0, asks, taken)
            if beside is not None and beside.score >= sentence_floor:
                # in the order the passage has them: read the other way, the later words came first
                at = out.index(excerpt)
                out.insert(at if beside.quote_start < excerpt.quote_start else at + 1, beside)
        return [replace(e, n=offset + i) for i, e in enumerate(self._with_replies(out), start=1)]

    def _best_sentence(self, passage: Passage, scores: SentenceScores, asks: Asks) -> float:
        """The passage's closest sentence, an author's question weighed with its answer (`_answered`);
        when the question asks who someone is, not a lead-in that only names them before their words ('In
        April, Andreas Nin wrote:'): those words do not say who they are. A footnote that only cites a work
        has none: it is never quoted, so it sets no bar for the others."""
        if _is_reference(passage):
            return -1.0
        sims = scores.of_passage(self._row[passage.id])
        if asks == "identity":
            return max((float(sims[i]) for i in range(len(sims)) if not _is_lead_in(passage, i)), default=-1.0)
        quotations = self._quotations(passage)
        # someone's words are not asked for by passage: the bonus for them only picks sentences within one
        weighed = _answered(passage, sims, quotations) if asks == "words" else _weighed(passage, sims, quotations, asks)
        return float(weighed.max())

    def _excerpt(
        self, hit: Hit, scores: SentenceScores, n: int, asks: Asks = "facts", taken: tuple[int, int] | None = None
    ) -> Excerpt | None:
        """The best 1-3 consecutive sentences of the passage, if they pass the verbatim gate; with `taken`
        (a span already quoted), the best of the rest when it scores nearly as well as the passage's best.

        A passage chosen for the lead-in that ends it ('Mao Zedong … spoke of …:') is quoted from the
        quotation it introduces, the next passage: the words, not the announcement of them.
        """
        passage = hit.passage
        if _is_reference(passage):
            return None
        sims = scores.of_passage(self._row[passage.id])
        announcement = None
        if taken is None and int(np.argmax(sims)) == len(passage.sentences) - 1 and (follower := self._introduced_by(passage, asks)):
            announcement = float(sims.max())
            passage, sims = follower, scores.of_passage(self._row[follower.id])
        quotations = self._quotations(passage)
        wants_words = asks == "words"
        sims = _weighed(passage, sims, quotations, asks)
        if announcement is not None and sims.max() < NEIGHBOUR_RATIO * announcement:
            # no sentence of the quotation is near its announcement's match ('The platform of the opposition
            # issued in 1927 says:', 0.73; its last sentence 0.21): what was announced is read from its opening
            sims = np.concatenate(([announcement], sims[1:]))
            wants_words = True
        if taken is not None:
            best = sims.max()
            sims = np.where([a < taken[1] and b > taken[0] for a, b in passage.sentences], -1.0, sims)
            if sims.max() < SECOND_QUOTE_RATIO * best:
                return None
        for first, last in _windows(passage, sims, quotations, self._settings.max_sentences_per_quote, whole_quotation=wants_words):
            start, end = passage.sentences[first][0], passage.sentences[last][1]
            if wants_words and speaker_at(quotations, start, end, passage.text) is None:
                # the words quoted in the window's closest sentence, else the longest quoted in it
                best = passage.sentences[first + int(np.argmax(sims[first : last + 1]))]
                inner = _inner_quotation(passage.text, quotations, *best) or _inner_quotation(passage.text, quotations, start, end)
                start, end = inner or (start, end)
            end = _clipped(passage.text, start, end)
            nested = speaker_at(quotations, start, end, passage.text) or _introduced(passage.text, quotations, start, end)
            start = _without_unattributed_lead(passage.text, nested, start)
            quote = passage.text[start:end]
            if taken is not None and start < taken[1] and end > taken[0]:
                continue
            if _mostly_figures(quote):
                continue  # a row of a flattened table ('1936 11,785,000 16,325,000 ELECTRIC ENERGY …') reads as noise
            if _mostly_reference(quote):
                continue  # the tail of a quotation cut by a stray full stop: 'Lenin” (The Revolution Betrayed, pp. 97-8).'
            excerpt = self._gated(passage, start, end, float(sims[first : last + 1].max()), nested, n)
            if excerpt is not None:
                return excerpt
        return None

    def _gated(self, passage: Passage, start: int, end: int, score: float, nested: Quotation | None, n: int = 0) -> Excerpt | None:
        """passage.text[start:end] as an excerpt, if it passes the verbatim gate; a footnote without its number."""
        if passage.kind == "footnote" and start == 0 and (marker := _FOOTNOTE_MARKER.match(passage.text)):
            start = marker.end()  # '1 Kulak: rich peasant …' is shown as 'Kulak: rich peasant …'
        quote = passage.text[start:end]
        span = passage.file_span(start, end)
        if not self._gate.passes(passage.source_id, passage, quote, start, span):
            return None
        return Excerpt(
            n=n,
            source=self._sources[passage.source_id],
            passage=passage,
            quote=quote,
            quote_start=start,
            span=span,
            score=score,
            speaker=nested.speaker if nested else None,
            speaker_citation=nested.citation if nested else None,
            quoted=nested is not None,
            reported=nested is not None and nested.reported,
            lead_in=_lead_in_length(passage.text, nested, start, end),
        )

    def _with_replies(self, excerpts: list[Excerpt]) -> list[Excerpt]:
        """Each question put in a transcript ('Vyshinsky: “But perhaps rough methods were used against
        you?”') followed by the reply to it ('Muralov: “No. No such methods were used. …”'): half an
        exchange would leave the question's words standing for an answer."""
        out: list[Excerpt] = []
        for excerpt in excerpts:
            out.append(excerpt)
            reply = self._reply_to(excerpt) if excerpt.speaker and _ASKING.search(excerpt.quote) else None
            if reply is not None and not any(_overlap(reply, e) for e in excerpts):
                out.append(reply)
        return out

    def _reply_to(self, excerpt: Excerpt) -> Excerpt | None:
        """The first sentences of the next quotation when another speaker's, in this passage or the next."""
        end = excerpt.quote_start + len(excerpt.quote)
        passage = excerpt.passage
        following = [q for q in self._quotations(passage) if q.start >= end]
        if not following and not passage.text[end:].strip(' ”"\n') and passage.id in self._after:
            passage = self._after[passage.id]  # the question ends its passage: the reply opens the next
            following = self._quotations(passage)
        reply = following[0] if following else None
        if reply is None or not reply.speaker or reply.speaker == excerpt.speaker or reply.reported:
            return None
        inside = [i for i, (a, b) in enumerate(passage.sentences) if a < reply.end and b > reply.start]
        if not inside:
            return None
        window = inside[: self._settings.max_sentences_per_quote]
        start, stop = passage.sentences[window[0]][0], passage.sentences[window[-1]][1]
        stop = _clipped(passage.text, start, stop)
        nested = speaker_at(self._quotations(passage), start, stop, passage.text)
        return self._gated(passage, start, stop, excerpt.score, nested) if nested is reply else None

    def _introduced_by(self, passage: Passage, asks: Asks = "facts") -> Passage | None:
        """The next passage when this one ends on a lead-in ('… stated:') to the quotation that opens it,
        or, when someone's words are asked for, on the author's account of what that quotation's speaker
        said ('Briefly Trotsky’s suggestion … was that …', then Trotsky's article): the words themselves.
        Never when the question asks who someone is: their words do not say ('In April, Andreas Nin wrote:')."""
        if asks == "identity":
            return None
        follower = self._after.get(passage.id)
        if follower is None or not follower.text.lstrip().startswith(("“", '"')):
            return None
        if _leads_in(passage, follower):
            return follower
        opening = next(iter(self._quotations(follower)), None)
        if asks != "words" or opening is None or not opening.speaker:
            return None
        last = passage.text[slice(*passage.sentences[-1])]
        return follower if re.search(rf"\b{re.escape(opening.speaker.split()[-1])}\b", last) else None

    def _quotations(self, passage: Passage) -> list[Quotation]:
        """Quotations in the passage, with their speakers (read once, at start)."""
        return self._quoted[passage.id]

    def _read_quotations(self, passage: Passage) -> list[Quotation]:
        """Quotations in the passage, read with the passage before when that one leads into it:
        the start of a paragraph cut from a long one, or a lead-in ('Bukharin … stated:') that
        introduces a block quotation in its own paragraph; or, when the passage before ends on a
        quotation, as the next paragraph of that block quotation (`_carried_over`)."""
        previous = self._before.get(passage.id)
        if previous is None:
            return find_quotations(passage.text, self._work_authors[passage.source_id])
        left_open = not passage.continues and _left_open(previous, passage)
        leads_in = not (passage.continues or left_open) and _leads_in(previous, passage)
        if passage.continues or left_open:
            # subtle: a block quotation opened in the previous piece has no opening mark here; nor, when that piece
            # too goes on with a quotation from the one before it, has that piece: its mark is put back
            carried = next(iter(self._quoted.get(previous.id, ())), None)
            reopened = previous.continues and carried is not None and carried.start == 0 and not carried.reported
            before = ("“" if reopened else "") + previous.text + " "
        elif leads_in:
            before = previous.text.rstrip() + "\n\n"
        else:
            found = self._with_antecedents(previous, passage, find_quotations(passage.text, self._work_authors[passage.source_id]))
            return self._resumed(previous, passage, self._carried_over(previous, passage, found))
        shift = len(before)
        found = find_quotations(before + passage.text, self._work_authors[passage.source_id])
        quotations = [
            Quotation(max(q.start - shift, 0), q.end - shift, q.speaker, q.citation, q.reported) for q in found if q.end > shift
        ]
        opened = self._quoted[previous.id][-1] if self._quoted.get(previous.id) else None
        # a quotation the passage before leaves open, over a paragraph break or a cut in one paragraph
        goes_on = left_open or (passage.continues and opened is not None and opened.end >= len(previous.text.rstrip()) - 1)
        if goes_on and opened is not None and opened.speaker and quotations and quotations[0].start == 0:
            # its speaker as the passage before read it, with its own lead-in ('J. Arch Getty', not the reference's 'Getty';
            # Krestinsky's testimony, cut where the lead-in naming him is two passages back)
            quotations[0] = replace(quotations[0], speaker=opened.speaker)
        elif leads_in and quotations and not quotations[0].speaker and pronoun_lead_in(before + passage.text, shift + quotations[0].start):
            # 'In November of the same year he writes:' closing a passage that quotes only him, and the paragraphs of
            # his words that follow
            return _run_on(passage.text, quotations, self._only_person_quoted(previous))
        return quotations

    def _with_antecedents(self, previous: Passage, passage: Passage, found: list[Quotation]) -> list[Quotation]:
        """Quotations a 'he' introduces ('In his preface …, he says:') whose person the passage never
        names, read with the passage before, where he is ('… Trotsky emerges with …')."""
        unnamed = [q for q in found if not q.speaker and not q.reported and pronoun_lead_in(passage.text, q.start)]
        if not unnamed:
            return found
        before = previous.text.rstrip() + "\n\n"
        shift = len(before)
        named = {q.start - shift: q.speaker for q in find_quotations(before + passage.text, self._work_authors[passage.source_id])}
        # or he is the one person quoted in the passage before ('… he says: “…”' then 'In another work called Our
        # Revolution (1905) he wrote:')
        same = self._only_person_quoted(previous)
        return [replace(q, speaker=named.get(q.start) or same) if q in unnamed else q for q in found]

    def _only_person_quoted(self, passage: Passage) -> str | None:
        """The one speaker the passage quotes, when it names no one outside its quotations: whom a 'he' after it means."""
        quoted = {q.speaker for q in self._quoted[passage.id] if q.speaker}
        return quoted.pop() if len(quoted) == 1 and not names_in(passage.text, quoted=False) else None

    def _carried_over(self, previous: Passage, passage: Passage, found: list[Quotation]) -> list[Quotation]:
        """A quotation opening the passage, with no speaker or reference of its own, goes on from the
        quotation that ends the passage before (a block quotation reopens every paragraph, and long
        ones are cut into several passages): it takes that one's speaker, as within one passage."""
        last = self._quoted[previous.id][-1] if self._quoted.get(previous.id) else None
        if last is None or not last.speaker or not _ENDS_QUOTATION.fullmatch(previous.text, last.end):
            return found
        # a quotation left open ('… into the U.S.S.R.' with no closing mark) goes on in the next paragraph
        unclosed = not previous.text[last.end :].strip()
        carried, end = list(found), 0
        for i, q in enumerate(found):  # each paragraph of the block that has nothing of its own but a page
            pages = q.citation is not None and page_reference(q.citation)  # '(p. 82)': the same work, quoted on
            goes_on = unclosed and i == 0  # its reference, if any, closes the whole block
            if q.speaker or (q.citation and not (pages or goes_on)) or passage.text[end : q.start - 1].strip(' ”"\n'):
                break
            if not (pages or goes_on or _bare_end(passage.text, q)):
                break
            carried[i] = replace(q, speaker=last.speaker, citation=q.citation or last.citation)
            end = _ENDS_QUOTATION.match(passage.text, q.end).end()
        return carried

    def _resumed(self, previous: Passage, passage: Passage, found: list[Quotation]) -> list[Quotation]:
        """A block quotation opening the passage with nothing of its own resumes the quotation that ends
        the passage before the previous one, when that one is only the author's comment and has no
        one else speak or act ('Here is a quite categorical denial of all the allegations of Trotsky …
        made … by men having a thorough knowledge of the mining industry.' between the miners' paragraphs)."""
        first = found[0] if found else None
        earlier = self._before.get(previous.id)
        if first is None or first.speaker or first.citation or first.reported or passage.text[: first.start].strip(' “"\n'):
            return found
        if earlier is None or self._quoted[previous.id] or subjects_in(previous.text) or ends_on_lead_in(previous.text):
            return found
        last = self._quoted[earlier.id][-1] if self._quoted.get(earlier.id) else None
        if last is None or not last.speaker or earlier.text[last.end :].strip(' ”".\n'):
            return found
        return [replace(first, speaker=last.speaker, citation=last.citation), *found[1:]]

    def _carried_back(self, passage: Passage, follower: Passage) -> list[Quotation]:
        """The passage's quotations, its closing ones named after the passage that goes on with them.

        A quotation of several paragraphs reopens every paragraph with a mark and closes only the
        last, where the source gives its reference: "(Left-Wing Communism, pp. 10-11)" after the
        fourth paragraph of Lenin's words names the three before, which may lie in other passages.
        """
        found = list(self._quoted[passage.id])
        opening = next(iter(self._quoted[follower.id]), None)
        if found and opening is not None and (opening.citation or opening.speaker) and _goes_on_in(passage, follower, found[-1], opening):
            # a paragraph cut in two: the quotation it leaves open is the one its second piece opens on
            found[-1] = replace(found[-1], speaker=found[-1].speaker or opening.speaker, citation=found[-1].citation or opening.citation)
            return found
        if found and opening is not None and opening.citation and _left_open(passage, follower):
            # a quotation the next paragraph closes without reopening it is cited where it closes: '“Although Trotsky
            # later denied …' had the reference of the Getty quotation before it ('Getty 121'), its own is 'Getty 119'
            found[-1] = replace(found[-1], speaker=found[-1].speaker or opening.speaker, citation=opening.citation)
            return found
        if found and opening is not None and opening.citation and only_a_turn_label(follower.text[: opening.start]):
            # a transcript goes on in the next passage ('Sokolnikov: “Yes.”'), whose last line cites the whole exchange
            return _cited_back(passage.text, found, opening.citation)
        if (
            follower.source_id != passage.source_id
            or not follower.text.lstrip().startswith(("“", '"'))
            or opening is None
            or opening.start > len(follower.text) - len(follower.text.lstrip()) + 1
            or not opening.speaker
        ):
            return found
        end = len(passage.text)
        for i in range(len(found) - 1, -1, -1):  # each paragraph of the block without a reference of its own
            q = found[i]
            if q.citation or q.reported or passage.text[q.end : end].strip(' “”"\n'):
                break
            if q.speaker and q.speaker.split()[-1] != opening.speaker.split()[-1]:
                break  # another speaker's words: 'The resolution of the Central Committee … states:' above a paper's reference
            # the speaker's own paragraphs get the reference too ('Lenin wrote:', then '(Selected Works, …)')
            found[i], end = replace(q, speaker=q.speaker or opening.speaker, citation=opening.citation), q.start - 1
        return found

    def _no_coverage(self, hits: Sequence[Hit], searched: Sequence[str]) -> list[SourceCoverage]:
        best = self._best_by_source(hits, lambda h: h.sentence)
        return [SourceCoverage(self._sources[sid], sid in searched, False, best.get(sid, -1.0)) for sid in self._sources]

    def _closest(self, hits: Sequence[Hit], scores: SentenceScores) -> list[Excerpt]:
        """The three nearest passages' best sentences, shown as such, never as an answer."""
        out: list[Excerpt] = []
        for hit in sorted(hits, key=lambda h: -h.sentence):
            excerpt = self._excerpt(hit, scores, len(out) + 1)
            if _is_new(excerpt, out):
                out.append(excerpt)
            if len(out) == 3:
                break
        return out


def _clipped(text: str, start: int, end: int) -> int:
    """The end of text[start:end], cut after its last clause (at a semicolon) that keeps it within
    MAX_QUOTE_WORDS; unchanged when it is short enough or has no such clause. The 1939 book has
    single sentences of 200 words, clauses chained by semicolons: a quote is not a page."""
    if len(WORD.findall(text[start:end])) <= MAX_QUOTE_WORDS:
        return end
    cuts = [m.start() for m in re.finditer(r";\s", text[start:end]) if len(WORD.findall(text[start : start + m.start()])) <= MAX_QUOTE_WORDS]
    return start + cuts[-1] if cuts and len(WORD.findall(text[start : start + cuts[-1]])) >= SHORT_SENTENCE_WORDS else end


def _is_reference(passage: Passage) -> bool:
    """True for a footnote that only cites a work ('1 Molotov, “The Plan and Our Tasks,” International
    Press Correspondence, 1936, p. 161.'): mostly capitalised words and figures, as titles are. It says
    where words come from, not what anyone said, so it is never quoted as an answer; footnotes that
    explain ('1 Kulak: rich peasant exploiting hired labour.') stay quotable."""
    return passage.kind == "footnote" and _titles_and_figures(WORD.findall(passage.text))


def _titles_and_figures(words: Sequence[str]) -> bool:
    """At least half the words capitalised or figures, as in a reference."""
    return 2 * sum(w[0].isupper() or w[0].isdigit() for w in words) >= len(words)


def _mostly_reference(quote: str) -> bool:
    """A reference, not something said: fewer than MIN_WORDS words outside parentheses, or a reference
    that closes a quotation without them ('Stalin – Interview with Roy Howard – International Press
    Correspondence, 1936, p. 365.')."""
    words = WORD.findall(re.sub(r"\([^()]*\)", " ", quote))
    return len(words) < MIN_WORDS or (_ENDS_ON_PAGE.search(quote) is not None and _titles_and_figures(words))


def _mostly_figures(quote: str) -> bool:
    """True when at least a third of the quote's tokens are numbers."""
    tokens = quote.split()
    return 3 * sum(any(ch.isdigit() for ch in t) and not any(ch.isalpha() for ch in t) for t in tokens) >= len(tokens)


NOT_GIVEN: dict[AnswerType, str] = {
    "time": "it asks when, and none of the sentences closest to it names a time",
    "number": "it asks how many, and none of the sentences closest to it names a number",
}
ABOUT_A_SOURCE = "it asks about a source itself; the notes on the sources give each one's author, date and viewpoint"


def _most_named(passages: Sequence[Passage]) -> str:
    """The person the corpus names most, by surname: its subject ('Trotsky', in half the passages)."""
    counts = Counter(name.split(" ")[-1] for p in passages for name in names_in(p.text))
    return counts.most_common(1)[0][0] if counts else ""


def _unnamed_in(asked: Sequence[str], naming: Sequence[str]) -> str:
    """Why the sources searched cannot answer when none of them names the person asked about ('What did
    Campbell say about George Orwell?'); '' when one does, or when no name decides."""
    return f"the sources searched never mention {' or '.join(asked)}" if asked and not naming else ""


def _is_new(excerpt: Excerpt | None, chosen: Sequence[Excerpt]) -> bool:
    """An excerpt from a passage not quoted yet (a lead-in and the quotation after it may both be hits)."""
    return excerpt is not None and all(e.passage.id != excerpt.passage.id for e in chosen)


def _overlap(a: Excerpt, b: Excerpt) -> bool:
    """True when two excerpts quote some of the same words."""
    return a.span[0] < b.span[1] and b.span[0] < a.span[1]


_ENDS_QUOTATION = re.compile(r"[”\"]?[\s.,;]*(?:\([^()]{1,220}\)[\s.,;]*)?")  # the closing mark, a reference


def _cited_back(text: str, found: list[Quotation], citation: str) -> list[Quotation]:
    """`found`, its last quotations given `citation`: the one ending the text, and those before it that only a
    transcript line's label ('Vyshinsky:') parts from the next; back to one with a reference of its own."""
    out, end = list(found), len(text)
    for i in range(len(out) - 1, -1, -1):
        q = out[i]
        if q.citation or (text[q.end : end].strip(' “”"\n.') and not only_a_turn_label(text[q.end : end])):
            break
        out[i], end = replace(q, citation=citation), q.start
    return out


def _bare_end(text: str, q: Quotation) -> bool:
    """True when nothing but the closing mark follows the quotation in its paragraph: no reference
    ('” [Vol. XXI, p. 262]” (quoted in Furr, 45-46).' closes another's words) and no attribution."""
    return text[q.end :].split("\n\n", 1)[0].strip(' ”"') == ""


def _run_on(text: str, quotations: list[Quotation], speaker: str | None) -> list[Quotation]:
    """`speaker` given to the first quotation and to those right after it with only marks and space between (a
    block quotation's next paragraphs) that have no speaker or reference of their own."""
    ran = list(quotations)
    for i, q in enumerate(ran):
        if i and (q.speaker or q.citation or text[ran[i - 1].end : q.start].strip(" \n.,;“”\"")):
            break
        ran[i] = replace(q, speaker=speaker)
    return ran


def _goes_on_in(passage: Passage, follower: Passage, last: Quotation, opening: Quotation) -> bool:
    """True when `follower` is the rest of `passage`'s paragraph and goes on with the quotation `last` leaves open."""
    return follower.continues and opening.start == 0 and not last.reported and last.end >= len(passage.text.rstrip()) - 1


def _left_open(passage: Passage, follower: Passage) -> bool:
    """True when `passage` opens a quotation it does not close and `follower` closes one it did not open: one
    quotation over two paragraphs, the second not reopened ('“Although Trotsky later denied …' then '… the code
    name of Ivan Smirnov” (Getty 119).'), as a cut paragraph goes on in the next piece (3 in the corpus)."""
    closing, opening = follower.text.find("”"), follower.text.find("“")
    return passage.text.rfind("“") > passage.text.rfind("”") and closing >= 0 and not 0 <= opening < closing


def _leads_in(passage: Passage, follower: Passage) -> bool:
    """True when `passage` ends on a lead-in ('Krestinsky said:') and `follower` opens a quotation."""
    return ends_on_lead_in(passage.text) and follower.text.lstrip().startswith(("“", '"'))


def _without_unattributed_lead(text: str, nested: Quotation | None, start: int) -> int:
    """Where a quote shown as someone's words starts: at their quotation's opening mark when the
    author's words before it do not name them ('Even today it sends a shiver down one's spine: “Should
    the Communists …' is In Defence of Marxism's comment, not Stalin's); an attribution that names the
    speaker stays ('Lenin said: “…', '“Trotsky,” wrote Lenin in 1915, “…'), but not the author's sentence
    before a transcript line that it runs into ('… why Muralov confessed: Finerty (Counsel …): “…')."""
    if nested is None or not nested.speaker or nested.reported or nested.start - 1 <= start:
        return start
    lead = text[start : nested.start - 1]
    surname = re.escape(nested.speaker.split()[-1])
    label = re.search(rf"\b{surname}\s*(?:\([^()]{{1,60}}\))?\s*:\s*$", lead)
    if label and lead[: label.start()].strip():  # '… explain why Muralov confessed: Finerty (Counsel …): “…': the line
        return start + label.start()
    if not WORD.search(lead) or re.search(rf"\b{surname}\b", lead):
        return start
    return nested.start - 1


def _introduced(text: str, quotations: Sequence[Quotation], start: int, end: int) -> Quotation | None:
    """The quotation a quote ends on when all before it is the lead-in naming its speaker ('Krestinsky, another of
    the accused, confirmed that he had been present …, adding: “We discussed …'): the quote is shown as that
    speaker's, its lead-in set apart, rather than as the author's words."""
    inside = [q for q in quotations if start < q.start - 1 and q.start < end]
    first = inside[0] if inside else None
    if first is None or not first.speaker or first.reported or any(q.speaker != first.speaker for q in inside):
        return None
    # its words may come in several quotations joined by 'and' ('… their own slogans: "Let us turn our fire to the
    # right …" and "Let us carry out Lenin's Will".')
    joined = all(re.fullmatch(r"[”\"]?\s*(?:,|and|or|,\s*and)?\s*[“\"]?", text[a.end : b.start]) for a, b in zip(inside, inside[1:]))
    lead = text[start : first.start - 1]
    named = re.search(rf"\b{re.escape(first.speaker.split()[-1])}\b", lead)
    if joined and inside[-1].end >= end - 2 and named and ends_on_lead_in(lead.rstrip()) and not re.search(r"[“”\"]", lead):
        return first
    return None


def _lead_in_length(text: str, nested: Quotation | None, start: int, end: int) -> int:
    """How much of text[start:end] comes before the opening mark of the speaker's words: the quoting
    author's lead-in ('From this conception of Trotsky’s there follows the conclusion enunciated by him
    in 1906 …: '), shown apart so that it is not read as the speaker's."""
    if nested is None or not nested.speaker or nested.reported or not start < nested.start - 1 < end:
        return 0
    if re.search(r"[“\"]", text[start : nested.start - 1]):
        return 0  # '“Can it be denied,” continues Lenin, “that …': his words open the quote
    return nested.start - 1 - start


def _inner_quotation(text: str, quotations: Sequence[Quotation], start: int, end: int) -> tuple[int, int] | None:
    """The longest quotation with a known speaker inside an author's sentences, as a span of `text`.

    When someone's words are asked for, 'We have seen how Trotsky estimated … as “raw human material, …”
    (The Revolution Betrayed, p. 97).' is quoted as Trotsky's words alone, with the source's reference.
    """
    inside = [
        q for q in quotations
        if q.speaker and not q.reported and start <= q.start and q.end <= end and len(WORD.findall(text[q.start : q.end])) >= MIN_WORDS
        and not _TITLED.search(text, 0, q.start)  # a title says nothing: 'a programme article on “Adventurism and …”'
    ]
    longest = max(inside, key=lambda q: q.end - q.start, default=None)
    if longest is None:
        return None
    stop = longest.end
    for q in quotations:  # a quotation its speaker's attribution cuts in two ('“… the Hotel Bristol,” says Trotsky
        # gleefully, “was razed to its foundations in 1917.”') is quoted whole
        between = text[stop : q.start]
        if q.start > stop and q.speaker == longest.speaker and len(between) < 60 and longest.speaker.split()[-1] in between:
            stop = q.end
        elif q.start > stop:
            break
    closes = stop < len(text) and text[stop] in "”\""
    return longest.start - 1, stop + 1 if closes else stop  # with its quotation marks


def _weighed(passage: Passage, sims: np.ndarray, quotations: Sequence[Quotation], asks: Asks) -> np.ndarray:
    """Sentence similarities weighed by what is asked: someone's words lift the sentences that are
    theirs; a source's judgement lowers the words of others it quotes ('How does Campbell judge
    Trotsky's 1931 demand …?': Campbell's 'Now Trotsky knew perfectly well …', not Trotsky's article);
    asked when (how many), the sentences that name no time (number) are lowered."""
    sims = _answered(passage, sims, quotations)
    if asks == "words":
        return sims + QUOTED_BONUS * _quoted_with_speaker(passage, quotations)
    if asks == "judgement":
        inside = [speaker_at(quotations, a, b, passage.text) is not None for a, b in passage.sentences]
        return sims - JUDGEMENT_QUOTED_PENALTY * np.array(inside, dtype=np.float32)
    if asks in NOT_GIVEN:
        untyped = [not gives(asks, passage.text[a:b]) for a, b in passage.sentences]
        return sims - UNTYPED_PENALTY * np.array(untyped, dtype=np.float32)
    return sims


def _answered(passage: Passage, sims: np.ndarray, quotations: Sequence[Quotation]) -> np.ndarray:
    """An author's question scores at most the mean of itself and the statement after it that answers it: a
    question says nothing, and matches questions by its form ('What was the essence of the Trotskyist
    position?' 0.77 for 'What did Trotsky do in 1905?', the quotation answering it 0.26). Questions of
    the people quoted ('But perhaps rough methods were used against you?') keep their own score."""
    out = sims.copy()
    asking = [_asks(passage, i) and speaker_at(quotations, a, b, passage.text) is None for i, (a, b) in enumerate(passage.sentences)]
    for i in np.flatnonzero(asking):
        answer = next((j for j in range(i + 1, len(sims)) if not _asks(passage, j)), None)
        if answer is not None:  # never above its own: the question does not join a window its answer leads
            out[i] = min(sims[i], (sims[i] + sims[answer]) / 2)
    return out


def _quoted_with_speaker(passage: Passage, quotations: Sequence[Quotation]) -> np.ndarray:
    """1.0 for each sentence that lies in a quotation whose speaker is known, or holds one (quoted as
    that quotation alone: `_inner_quotation`), else 0.0."""
    flags = []
    for start, end in passage.sentences:
        q = speaker_at(quotations, start, end, passage.text)
        has_words = (q is not None and q.speaker) or _inner_quotation(passage.text, quotations, start, end) is not None
        flags.append(1.0 if has_words else 0.0)
    return np.array(flags, dtype=np.float32)


def _windows(
    passage: Passage, sims: np.ndarray, quotations: Sequence[Quotation], max_sentences: int, whole_quotation: bool = False
) -> list[tuple[int, int]]:
    """Candidate sentence ranges, best first: the best sentence widened while it helps
    (or, when the question asks for someone's words, over more of their quotation)."""
    order = [int(i) for i in np.argsort(-sims, kind="stable")]
    windows = []
    for best in order[:3]:
        best = _past_lead_in(passage, sims, best)
        if best is None:
            continue
        first = last = best
        while True:
            # past the sentence limit only to reach what the window's last sentence cannot stand without
            # ('How is it maintained? How is it tested? How is it reinforced? First, by …')
            full = last - first >= max_sentences - 1
            if full and not _completed_by_next(passage, last):
                break
            grow = _better_side(passage, sims, quotations, first, last, whole_quotation)
            if grow is None or (full and grow != (first, last + 1)):
                break
            first, last = grow
        if _needs_antecedent(passage, quotations, first, last):
            # 'That this risked breaking the alliance with the peasantry was obvious': never without what 'this' is,
            # past the sentence limit, as a question goes on to its answer
            first -= 1
        windows.append((first, last))
        windows.append((best, best))  # fallback when the wider window fails the gate
    return list(dict.fromkeys(windows))


def _past_lead_in(passage: Passage, sims: np.ndarray, i: int) -> int | None:
    """A sentence that only introduces what follows ('Lenin wrote:') yields to the closest sentence
    after it; None when what follows is in the next passage: a lead-in alone says nothing."""
    if not _is_lead_in(passage, i):
        return i
    return i + 1 + int(np.argmax(sims[i + 1 :])) if i + 1 < len(passage.sentences) else None


def _is_lead_in(passage: Passage, i: int) -> bool:
    """'Lenin wrote:', or a question that is a paragraph of its own ('What was the essence of the
    Trotskyist position?' above the quotation that answers it)."""
    start, end = passage.sentences[i]
    sentence = passage.text[start:end].rstrip()
    ends_paragraph = passage.text.startswith("\n\n", end)
    opens_block = ends_paragraph and passage.text[end + 2 : end + 3] in ("“", '"')
    return ends_on_lead_in(sentence) or (ends_paragraph and sentence.endswith("?")) or opens_block or _announces(passage, i)


def _announces(passage: Passage, i: int) -> bool:
    """'This is what Stalin wrote to Zinoviev and Bukharin in August 1923.' with his words opening
    within the next two sentences ('Even today it sends a shiver down one's spine: "Should …')."""
    start, end = passage.sentences[i]
    if not _ANNOUNCES.match(passage.text, start, end):
        return False
    following = passage.sentences[i + 1 : i + 3]
    return bool(following) and re.search(r"[“\"]", passage.text[end : following[-1][1]]) is not None


def _better_side(
    passage: Passage, sims: np.ndarray, quotations: Sequence[Quotation], first: int, last: int, whole_quotation: bool
) -> tuple[int, int] | None:
    """Widen by one sentence when the window is too short to stand alone or a neighbour is as relevant."""
    words = _words(passage, first, last)
    candidates = []
    for a, b, neighbour in ((first - 1, last, first - 1), (first, last + 1, last + 1)):
        if neighbour < 0 or neighbour >= len(passage.sentences):
            continue
        if _words(passage, a, b) > MAX_QUOTE_WORDS or not _same_voice(passage, quotations, (first, last), neighbour):
            continue
        if "\n\n" in passage.text[passage.sentences[a][0] : passage.sentences[b][1]]:
            continue  # never join two paragraphs into one quote
        if neighbour == last + 1 and _is_lead_in(passage, neighbour):
            continue  # a quote never ends on 'Lenin wrote:' without what he wrote
        if neighbour == last + 1 and _completed_by_next(passage, last):
            candidates.append((TURN_PRIORITY, (a, b)))
            continue
        quoted = whole_quotation and speaker_at(quotations, *passage.sentences[first], passage.text) is not None
        needed = quoted or words < SHORT_SENTENCE_WORDS or sims[neighbour] >= NEIGHBOUR_RATIO * sims[first : last + 1].max()
        if needed:
            candidates.append((float(sims[neighbour]), (a, b)))
    return max(candidates)[1] if candidates else None


def _turns(passage: Passage, i: int) -> bool:
    """Whether sentence i turns against the one before ('But …', 'Yet …', 'However, …') or, in a few
    words, rejects it ('This we hope to show is entirely mistaken.', 'That is not true.'): that one may
    be a concession or an opponent's view, and quoted alone it would say the opposite of what its
    writer meant."""
    start, end = passage.sentences[i]
    if _TURN.match(passage.text, start, end):
        return True
    return len(WORD.findall(passage.text[start:end])) <= SHORT_SENTENCE_WORDS and _REJECTS.match(passage.text, start, end) is not None


def _needs_antecedent(passage: Passage, quotations: Sequence[Quotation], first: int, last: int) -> bool:
    """Whether the window opens by pointing back ('This …', 'That this …', 'Such …') to the sentence before it, in
    the same paragraph and voice, and may take it in."""
    if first == 0 or _POINTS_BACK.match(passage.text, passage.sentences[first][0]) is None:
        return False
    joined = passage.text[passage.sentences[first - 1][0] : passage.sentences[last][1]]
    return (
        "\n\n" not in joined and _words(passage, first - 1, last) <= MAX_QUOTE_WORDS
        and _same_voice(passage, quotations, (first, last), first - 1)
    )


def _completed_by_next(passage: Passage, i: int) -> bool:
    """Whether sentence i must not end a quote without the next one: 'We cannot rule out X. But …', '… do you not
    think …? Yes, comrades, even by war', 'This is not only the final refutation of …. It is also the crushing
    condemnation of …', 'There are two attitudes of Trotsky to war …. Firstly, …', Stalin's '… can the final
    victory of socialism in one country be obtained, without …. No, this is impossible.'."""
    if i + 1 >= len(passage.sentences):
        return False
    following = passage.sentences[i + 1][0]
    return (
        _turns(passage, i + 1) or _asks(passage, i) or _not_only(passage, i)
        or _ENUMERATES.match(passage.text, following) is not None or _ANSWERS.match(passage.text, following) is not None
    )


def _not_only(passage: Passage, i: int) -> bool:
    """Whether sentence i says 'not only' and leaves its 'also' to the next sentence (which exists)."""
    _, said, rest = passage.text[slice(*passage.sentences[i])].partition("not only")
    return bool(said) and " but " not in rest and " also " in passage.text[slice(*passage.sentences[i + 1])]


def _asks(passage: Passage, i: int) -> bool:
    """Whether sentence i is a question (closing quotation marks aside)."""
    start, end = passage.sentences[i]
    return passage.text[start:end].rstrip("”’\"') )").endswith("?")


def _same_voice(passage: Passage, quotations: Sequence[Quotation], window: tuple[int, int], neighbour: int) -> bool:
    """A quote never mixes the author's words with someone they quote."""
    def voice(i: int) -> str | tuple[int, int] | None:
        q = speaker_at(quotations, *passage.sentences[i], passage.text)
        # one speaker's quotation split by '…,” says Stalin. “…' is one voice
        return q.speaker or (q.start, q.end) if q else None
    return voice(neighbour) == voice(window[0])


def _words(passage: Passage, first: int, last: int) -> int:
    return len(WORD.findall(passage.text[passage.sentences[first][0] : passage.sentences[last][1]]))
