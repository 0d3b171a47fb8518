"""Who is speaking in a passage: its quotations, their speakers and the source's own citations.

A quotation is a span inside double quotes (curly, straight as a fallback). Single quotes inside one
are quotes within the quote; single quotes outside any are scare quotes, never quotations. A block
quotation reopens every paragraph with a mark and closes once, so an open quotation ends at a
paragraph that does not reopen it, or else at the end of the passage. The speaker comes from, in
order: a parenthetical citation naming someone (`” (Lenin, CW #35 285)`), an attribution right after
the closing mark (`,” explained Radek, “`), a lead-in in the same or the previous sentence (`Lenin
wrote:`, `Vyshinsky: “`, `he said` when the sentence opens with a person, one person only is
named just before, or one person is the subject of a sentence before), the author a citation's work is known to have (`learn_work_authors`) or the paper a citation names alone
(`(“Workers Vanguard”)`), then the neighbouring paragraphs of the same block quotation, or the
quotation just before in the same paragraph when nobody else is named in between.
A speaker is a person, a paper, an organisation written as a dotted acronym ('the I.L.P.',
'the P.O.U.M. declared:'), or a body named with its article that speaks as one ('The Russian Mensheviks
said:', 'the Left Opposition … with their own slogans:'; never one that is told something: 'The American
Communists are told:'); a bare group ('the Mensheviks') is not. The author may hand over ('let our Durham
miners describe …'). It sees only the text it is given (rag/answer.py gives it the passage before when that one leads
into a block quotation, 'Krestinsky said:', or was cut from the same paragraph), reads
unquoted reported speech only where a speech clause set off by commas interrupts a sentence ('You
cannot, he said, build …': `reported`), and prefers no speaker to a guess. Quotes under 6 words with neither a
citation nor an attribution are scare quotes, the author's own words marked, and are not returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

__all__ = [
    "Quotation", "ends_on_lead_in", "find_quotations", "learn_work_authors", "names_in", "only_a_turn_label", "page_reference",
    "pronoun_lead_in", "speaker_at",
    "subjects_in", "PLACES",
]


@dataclass(frozen=True, slots=True)
class Quotation:
    """Quoted words text[start:end] (inside the marks), who said them, and the source's reference."""

    start: int
    end: int
    speaker: str | None  # 'Lenin', 'Otto Bauer', 'London Times'; None when it cannot be told
    citation: str | None  # the parenthetical after the closing mark: 'Lenin, CW #35 285'
    reported: bool = False  # a sentence given as someone's words without marks: 'You cannot, he said, build …'
    # words quoted inside these words, in single marks: '“… Konon Berman-Yurin later stated: ‘I had two meetings …’”'
    inner: tuple[Quotation, ...] = ()


MIN_WORDS = 6
# countries and cities: names of places, as rigid as persons' ('What did Trotskyists do in Spain?' is not
# answered by a source that never names Spain, rag.query), but no one a 'he' can mean
PLACES = frozenset(
    "Russia Germany Britain England France Spain Italy Austria Japan China Korea Iran Mexico Europe America "
    "Moscow Petrograd Leningrad Berlin Paris London".split()
)
_UP, _LO = "A-ZÀ-Þ", "a-zß-ÿ"
_TOKEN = rf"(?:[{_UP}]\.(?: ?[{_UP}]\.)*|[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)?(?:[-’'][{_UP}]?[{_LO}]+)*)"
_RUN = re.compile(rf"{_TOKEN}(?: {_TOKEN})*")  # capitalised words and initials: 'William Z. Foster'
_MARK = re.compile(r"[“”\"]|\n\n")
_CITATION = re.compile(r"[ \t]*[.,;:!?]?[ \t]*\(([^()\n]{1,220})\)")
_SPEECH = (
    r"(?:says?|said|writes?|wrote|written|declares?|declared|states?|stated|explains?|explained|adds?|added|"
    r"continues?|continued|repl(?:y|ies|ied)|asks?|asked|answer(?:s|ed)?|remark(?:s|ed)?|observe[sd]?|"
    r"comment(?:s|ed)?|points? out|pointed out|announce[sd]?|insist(?:s|ed)?|argue[sd]?|admit(?:s|ted)?|"
    r"confess(?:es|ed)?|testif(?:y|ies|ied)|tells?|told|conclude[sd]?|proclaim(?:s|ed)?|exclaim(?:s|ed)?|"
    r"warn(?:s|ed)?|note[sd]?|claim(?:s|ed)?|complain(?:s|ed)?|cr(?:y|ies|ied)|shout(?:s|ed)?|"
    r"scream(?:s|ed)?|describe[sd]?|report(?:s|ed)?|publish(?:es|ed)|assert(?:s|ed)?|den(?:y|ies|ied)|"
    r"stress(?:es|ed)|urge[sd]?|recall(?:s|ed)?|spoke|speaks?|thought|puts? it|retort(?:s|ed)?|"
    r"protest(?:s|ed)?|predict(?:s|ed)?|sums? up|summed up|characteri[sz]e[sd]?|emphasi[sz]e[sd]?|repeated|disclose[sd]?|reveal(?:s|ed)?|"
    r"thunder(?:s|ed)?|sneer(?:s|ed)?|jeer(?:s|ed)?|boast(?:s|ed)?|affirm(?:s|ed)?|maintain(?:s|ed)?)"
)
_CUE_NOUN = (  # things that hold someone's words
    r"(?:words|articles?|letter|book|pamphlet|speech|statement|comments?|reply|answer|testimony|evidence|"
    r"report|editorial|declaration|message|remarks?|description|resolution|memorandum|telegram|essay|diary|"
    r"writings|confession|deposition|interview|sketch|manifesto|assertion|contention|allegation|admission)"
)
_GLUE = (  # between a subject and its verb: 'Lenin had also said', 'Stalin himself had written'
    r"(?:(?:had|has|have|also|then|once|later|himself|herself|again|further|even|still|did|does|could|"
    r"would|will|can|may|might|must|should|goes on to|went on to|[a-z]+ly)\s+){0,3}"
)
_WHO = re.compile(rf",?\s+who\s+{_GLUE}{_SPEECH}\b")
# a paper or an office that speaks: 'says the final report of the Commission', 'The platform of the opposition
# issued in 1927 says:', 'the Chief of the police said:'
_DOCUMENT = (
    r"(?:(?!the |of |and )[a-z]+ ){0,2}(?:platform|report|declaration|resolution|statement|manifesto|program|indictment|"
    r"verdict|editorial|editors|communiqué|memorandum|[Pp]rogramme|[Pp]rosecutor|[Cc]hief|[Cc]onstitution)"
    rf"(?: of the (?:{_TOKEN} )*(?:{_TOKEN}|[a-z]+))?"
)
_DOCUMENT_SPEAKS = re.compile(  # '… says:', 'as the Constitution truly states, “', 'the programme (Section 15) states;'
    rf"\b[Tt]he ({_DOCUMENT})(?:\s*\([^()]{{1,30}}\))?(?:\s+[a-z]+ed\b[^,;:.]{{0,40}}?)?,?\s+{_GLUE}{_SPEECH}\s*[:;,]\s*$"
)
# an attribution between a single closing mark and a double opening one, the scan's mismatched marks:
# '“The ‘alliance between the working class and the middle class,’ says Burnham, “can be formed …'
_MISMATCHED = re.compile(rf"[,.!?]’\s+{_SPEECH}\s+({_TOKEN}(?: {_TOKEN})*),\s+“")
# an aside between subject and verb: set off by commas, or a relative clause ('The Dewey Commission which
# was set up by … declares'), whose own names a preposition governs
_SUBJECT_VERB = re.compile(
    rf"(?:,[^,;:.\u2022]{{1,90}},|,|\s+which\s[^,;:.\u2022]{{1,90}}?(?=\s+{_GLUE}{_SPEECH}\b))?\s*{_GLUE}{_SPEECH}\b"
)
_INVERTED = re.compile(  # 'the words of Lenin', 'a statement by Radek'; not 'a sketch of Trotsky', which is about him
    rf"(?:(?:^|[,;:—–\u2022-])\s*{_SPEECH}|\baccording to|\b{_CUE_NOUN} by|\b(?!(?:description|sketch) of){_CUE_NOUN} of)"
    r"\s+(?:the |Mr\s+|Mrs\s+|Dr\s+)?$"
)
_BY = re.compile(  # 'put by Lenin', 'denounced by Lenin as “…'
    rf"\b(?:{_SPEECH}|put|expressed|given|indicated|outlined|formulated|denounced|branded|dubbed|labelled|stigmati[sz]ed)"
    r"\s+by\s+(?:the\s+)?(?:[\w.-]+\s+){0,4}?$"
)
_POSSESSIVE_CUE = re.compile(rf"\s*(?:[a-z-]+\s+){{0,2}}{_CUE_NOUN}\b")
_SPEAKING = (  # participles of speech verbs
    r"(?:admitting|asserting|declaring|saying|writing|stating|arguing|insisting|claiming|explaining|complaining|"
    r"warning|repeating|demanding|proclaiming)"
)
_PRONOUN_CUE = re.compile(  # 'he says', 'his statement', 'It is he who had previously told', 'we find him admitting'
    rf"\b(?:(?:[Hh]e|[Ss]he)\s+(?:who\s+)?{_GLUE}{_SPEECH}|(?:[Hh]is|[Hh]er)\s+(?:[a-z-]+\s+){{0,2}}{_CUE_NOUN}"
    rf"|(?:find|finds|found|see|sees|saw)\s+(?:him|her)\s+{_SPEAKING})\b"
)
_GOVERNED = re.compile(  # a name right after one of these is an object, not who speaks
    r"\b(?:of|to|by|with|against|about|from|for|on|at|in|into|through|than|towards?|regarding|between|"
    r"among|like|unlike|upon|over|under|behind|before|after|during|without|including|outside|inside|near|beyond|"
    r"around|across|along|within)"
    r"\s+(?:(?:the|a|an|his|her|their|its|our|this|that)\s+)?$",
    re.IGNORECASE,
)
_ENDS_INTRO = re.compile(  # subtle: ';' too, as the 1939 scan reads some colons ('… as follows;')
    r"(?::|\bthe following|\bas follows|\bthus(?:ly)?|\bin these words)[\s,;–—-]*$"
)
_LABEL = re.compile(  # a transcript line: 'Vyshinsky (State Prosecutor): “'
    rf"(?:^|[:\n\u2022]\s*)({_TOKEN}(?: {_TOKEN})*)\s*(?:\([^()]{{1,60}}\))?\s*:\s*$"
)
_TURN_LABEL = re.compile(rf"{_TOKEN}(?: {_TOKEN})*\s*(?:\([^()]{{1,60}}\))?\s*:")
_NOT_NAME = r"[^,.;:“”\"()\u2022\n]"
_AFTER = re.compile(  # right after a closing mark: ', explained Radek,'  'Trotsky said.'  ', he said,'
    rf"[ \t]*[,.!?—–-]?\s*(?:{_SPEECH}\s+(?P<who>{_NOT_NAME}{{1,60}}?)(?:,\s*(?P<appos>{_TOKEN}(?: {_TOKEN})*)"
    rf"(?=\s*[,.;:]))?|(?P<who2>{_NOT_NAME}{{1,40}}?)\s+{_GLUE}{_SPEECH}|according to (?P<who3>{_NOT_NAME}{{1,40}}?))"
    rf"(?:\s+[a-z]+ly)?(?:\s+(?:in|on|at|to|with)\s+{_NOT_NAME}{{1,80}})?\s*(?:[,.;:(]|$)"
)
_REPORTING = re.compile(  # ', he said, ' / ', Trotsky continues, ' inside a sentence
    rf"[a-z\d’'], (?P<who>he|she|{_TOKEN}(?: {_TOKEN})?) (?:{_SPEECH}), (?=[a-z])"
)
_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\bSt|\bpp|\bNo|\bcf)(?<!\bVol)(?<!\bp)[.!?][”’)]*\s+(?=[^a-z])|\n\n")
_FUNCTION = set(  # capitalised words that split a run of names: 'But Lenin' is 'Lenin'
    "The A An This That These Those But And Or Nor In On At As For From With Without By To Of Into It Its He "
    "She They We I You His Her Their Our My When While If Then Thus So Yet Even Not No Here There What Who "
    "Whom Which Why How Where Whither Such All Some Many Every Each Any After Before During Since Until "
    "Although Though However Moreover Indeed Nevertheless Therefore Hence Also Only Both Either Neither Now "
    "Today To-day Later Once Again Further Meanwhile Instead Let Do Does Did Is Was Are Were Has Have Had Can "
    "Could Would Should Will Shall May Might Must One Two Three First Last Next Another Other Most More Less "
    "Much Very Just Ibid Yes Whether Over Under Between Against About Among Through Upon Like Unlike Despite "
    "Whilst Because Perhaps Certainly Nothing Everyone Everybody Mr Mrs Dr Professor Sir Comrade Comrades "
    "Scholar Historian Writer Journalist Ambassador "
    "Herr Throughout Still Within Whereas Besides Above Below Outside Inside Beyond Around Along Across "
    "Towards Toward Except Regarding Concerning Following According Whenever Wherever Unless Till Rather "
    "Nonetheless Otherwise Quite Almost Already Consequently Accordingly Finally Soon Together Out Off Up Down Contrary "
    "Listen Consider Compare Note See Read Take Look Remember".split()  # imperatives: 'Listen to … Citrine:'
)
_GENERIC = set(  # capitalised words that are no name on their own
    "Party Parties Soviet Soviets Union Government State States Communist Communists Social Democrat Democrats "
    "Democracy Democratic Revolution Revolutions Revolutionary Revolutionaries Russian Russians Russia German "
    "Germans Germany British Britain English England French France Labour Labor Worker Workers Central "
    "Committee Congress Conference International Opposition Left Right Left-Wing Right-Wing Red Army Liberal "
    "Liberals Tsar Tsarism Tsarist Comintern Plan Five-Year Court Commission Trial Trials Selected Collected "
    "Works Vol Volume Chapter Page Section Article Constitution Western Eastern European Europe America "
    "American Americans United Kingdom Japanese Japan Chinese China Spanish Spain Italian Italy Austria "
    "Austrian Mexican Mexico Korean Korea North South East West Iran Iranian Nazi Nazis Gestapo Kremlin "
    "Moscow Petrograd Leningrad Great Civil War World Peace Front Popular People Peoples Republic Republics "
    "Secretary General Executive Politbureau Politburo Bureau Report Resolution Platform Letter Speech "
    "Address Preface Epilogue Diary Pamphlet Programme Program Case Lessons Problems Foundations Critique "
    "Writings Open Handbook Rights Bloc Centre Center Declaration Second Third Fourth Stakhanovite "
    "Stakhanovites Fascist Fascists Fascism Anti-Soviet Bolshevik Bolsheviks Menshevik Mensheviks "
    "Marxism-Leninism Marxist-Leninist Marxist-Leninists Testament Thermidor New Economic Policy Youth Young "
    "League Chief God Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)
_MONTHS = set("January February March April May June July August September October November December "
              "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split())
_PUBLICATION = set(  # a citation naming a paper cites a work; a lead-in naming one names a speaker
    "Daily Evening Times Press News Journal Review Monthly Weekly Herald Chronicle Post Gazette Tribune "
    "Dispatch Express Mail Telegraph Guardian Spectator Observer Correspondence Appeal Bulletin Economist Independent".split()
)
_BODY_HEADS = set(  # the last word of a body that speaks as one: 'the Left Opposition', 'the Central Committee'
    "Opposition Commission Committee Congress Conference Party Government International Bureau Politbureau "
    "Politburo Council League Association Federation Presidium Executive Soviet Mensheviks Bolsheviks".split()
)
_RECORD = set(  # first words of references that many authors share
    "Selected Collected Works Trial Report Resolution Case Speech Letter Platform Article Address Programme "
    "Ibid".split()
) | _MONTHS
_COLLECTIONS = {"selected works", "collected works"}  # an author's, in a source that cites one author's only
_NOT_NAMES = _FUNCTION | _GENERIC | _MONTHS
# initials and a surname ('H. E. Sigerist'): a name whatever its ending
_INITIALLED = re.compile(rf"(?:[{_UP}]\. ?){{1,3}}[{_UP}][{_LO}]+(?:[-’'][{_UP}]?[{_LO}]+)*")
_ACRONYM = re.compile(r"(?:[A-Z]\.){3,}")  # an organisation: 'the P.O.U.M. declared', 'the I.L.P.'; not initials 'V. I.'
_GENERIC_SUFFIX = re.compile(r"(?:ism|ists?|istic|ites?|ians?|ans|ese|ish)$")
_EPITHET = re.compile(r"(?:ism|ists?|ites?|ians?|an|ese|ish|et)$")  # 'American Trotskyist Burnham'
_SENTENCE_VERB = re.compile(r"[A-Z][a-z]+(?:ing|ed|ly)")  # 'Describing Radek in 1918 Trotsky told'
_BODY = re.compile(rf"\b[Tt]he ({_TOKEN}(?: {_TOKEN})*)((?: of (?:the )?{_TOKEN}(?: {_TOKEN})*)?)")
_ADDRESSED = re.compile(  # words addressed to the subject: 'The American Communists are told:'
    r"\b(?:is|are|was|were|been|being)\s+(?:[a-z]+ly\s+)?"
    r"(?:told|informed|warned|reminded|assured|advised|instructed|ordered|urged)[\s:,;–—-]*$"
)
_VERB_AFTER = re.compile(  # 'Trotsky treats', 'Zinoviev did not deny'
    r",?\s+(?:[a-z]+ly\s+)?(?:(?:has|had|have|was|were|is|did|does|do)(?:\s+not)?\s+[a-z]{3,}|[a-z]{3,}(?:s|ed))\b"
)
_CLAUSE_OPENS = re.compile(r"(?:[,;:]|\b(?:and|but|when|while|as|since|because|then|so|if|where))\s+$")
_LET = re.compile(  # the author hands over to someone: 'Let Stakhanov himself explain:', 'let our Durham miners describe'
    rf"\b[Ll]et\s+(?:(?:our|the)\s+)?({_TOKEN}(?: {_TOKEN})*( [a-z]+s)?)\s+(?:(?:him|her|them)sel(?:f|ves)\s+)?"
    r"(?:describe|explain|speak|tell|answer|reply|state|testify)\b"
)
_GLOSS = re.compile(  # the quoting author's note, no reference: '(i.e., the days of the Barcelona insurrection, J.R.C.)'
    r"^\s*(?:i\.\s?e\.|e\.\s?g\.|sic\b|that is\b)|[,.]\s*(?:[A-Z]\.\s?){2,3}\s*$"
)
_GROUP = re.compile(  # people sent as one: 'a recent delegation of Durham miners'
    rf"\b(?:[Aa]n?|[Tt]he|[Tt]his|[Oo]ur)\s+(?:[a-z]+\s+)?(delegation|deputation)\s+of\s+((?:{_TOKEN}\s+)*[a-z]+s)\b"
)
_THEY = re.compile(r"\s*(?:[A-Z][a-z]+,?\s+)?They\s+(?:[a-z]+ly\s+|first\s+|then\s+|also\s+)?[a-z]{3,}\b")  # 'They first discuss …'
_AUTHOR_PAGE = re.compile(rf"{_TOKEN}(?: (?:and|&) {_TOKEN})?,? \d+(?:[-–]\d+)?")  # a book cited by author and page
_PAGES = re.compile(r"(?:pp?|page)[.,]? ?[\d, -]+\.?")
_MEMBERS = re.compile(r"(?:ists|ites|iks|ians)$")  # 'the Russian Mensheviks', 'the British Trotskyists'


@dataclass(frozen=True, slots=True)
class _Name:
    text: str
    start: int
    end: int
    possessive: bool


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    cite_end: int  # where the closing mark, and the citation after it, end
    speaker: str | None
    citation: str | None
    decided: bool  # an attribution was seen, even one naming nobody ('thought the bureaucrat')


def find_quotations(text: str, work_authors: Mapping[str, str] | None = None) -> list[Quotation]:
    """The quotations in a passage's text, in order, with speaker and citation where known.

    `work_authors` (from `learn_work_authors`) names the author of a work cited without one.
    """
    spans = _quote_spans(text)
    masked = _mask(text, spans)
    found: list[_Found] = []
    for start, end, after in spans:
        if found and start < found[-1].cite_end:
            continue  # a title quoted inside the previous quotation's citation
        citation, cite_end = _citation_after(text, after)
        speaker = _speaker_in_citation(citation) if citation else None
        starts = _lead_sentences(masked, found[-1].cite_end if found else 0, start - 1)
        if speaker and _AUTHOR_PAGE.fullmatch(citation or ""):  # '(Kahn and Sayers 325)': the book it was found in…
            paper = _speaker_in_lead(masked, starts, start - 1, found, set())
            if paper and set(paper.split(" ")) & _PUBLICATION:  # …unless a paper is named saying it ('Socialist Appeal declared:')
                speaker = paper
        post, post_end = _attribution_after(masked, cite_end) or (None, cite_end)
        if citation is None and masked[cite_end:post_end].rstrip().endswith("("):  # '” sneered Trotsky (p. 9)'
            citation = _citation_after(text, text.rindex("(", cite_end, post_end))[0]
        if speaker is None and post is not None:
            speaker = _resolve_pronoun(masked, start, found) if post == "he" else post or None
        decided = speaker is not None or post is not None
        if not decided and found and _continues(masked, found[-1], start):  # '“…,” said Lenin, “…”'
            speaker, decided = found[-1].speaker, found[-1].decided
        label = None if decided else _label(masked, starts[-1], start - 1)
        if len(re.findall(r"\w+", text[start:end])) < MIN_WORDS and not (decided or citation or label):
            continue  # a scare quote: the author's own words, marked
        if not decided:
            speaker = label or _speaker_in_lead(masked, starts, start - 1, found, set((work_authors or {}).values()))
            speaker = speaker or _document_in_lead(masked, starts, start - 1) or _named_between_marks(text, start, end)
        if speaker is None and citation and post != "":  # unless an attribution named nobody
            speaker = _author_of(citation, masked, start, found, work_authors or {})
        found.append(_Found(start, end, cite_end, speaker, citation, decided or speaker is not None))
    marked = [_expand(Quotation(f.start, f.end, f.speaker, f.citation), masked) for f in _propagate(masked, found)]
    marked = [replace(q, inner=_inner_quotations(text, q, work_authors)) if q.speaker else q for q in marked]
    return sorted(marked + _reported_speech(text, masked, found), key=lambda q: q.start)


def _inner_quotations(text: str, outer: Quotation, work_authors: Mapping[str, str] | None) -> tuple[Quotation, ...]:
    """Words that `outer`'s speaker quotes in single marks, with who says them: the outermost single-quoted
    spans are read as double-quoted ones (same length), so that the same rules name their speakers.
    A quoted speaker's own source is the outer one's: 'Kahn and Sayers', or 'Berman-Yurin, Kahn and Sayers'."""
    inside = text[outer.start : outer.end]
    pairs = _single_quote_pairs(inside)
    if not pairs:
        return ()
    doubled = list(inside)
    for a, b in pairs:
        doubled[a], doubled[b] = "“", "”"
    found = find_quotations("".join(doubled), work_authors)
    return tuple(
        _placed(q, outer)
        for q in found if q.speaker and not q.reported and (q.start - 1, q.end) in {(a, b) for a, b in pairs}
        and len(re.findall(r"\w+", inside[q.start : q.end])) >= MIN_WORDS and _named_in_lead(inside, q)
    )


def _placed(q: Quotation, outer: Quotation) -> Quotation:
    """An inner quotation moved to its place in the passage, citing where its quoter's words come from."""
    cited = outer.citation if outer.citation in (None, outer.speaker) else f"{outer.speaker}, {outer.citation}"
    placed = replace(q, start=q.start + outer.start, end=q.end + outer.start, citation=q.citation or cited)
    return replace(placed, inner=tuple(_placed(replace(i, start=i.start - q.start, end=i.end - q.start), placed) for i in q.inner))


def _named_in_lead(text: str, q: Quotation) -> bool:
    """True when the sentence that introduces `q` names its speaker: inside someone's words, a 'he'
    may be another's than the rules find ('[Trotsky’s] ringing phrases … he announced:' is Lenin)."""
    clause = _sentences(text, max(0, q.start - 400), q.start - 1)[-1]
    return re.search(rf"\b{re.escape(q.speaker.split()[-1])}\b", text[clause : q.start]) is not None


def _single_quote_pairs(text: str) -> list[tuple[int, int]]:
    """(opening, closing) positions of the outermost single-quoted spans: '‘' after a space or a colon
    opens; '’' not followed by a letter closes ('Trotsky’s' is no mark)."""
    pairs, depth, opened = [], 0, 0
    for i, c in enumerate(text):
        if c == "‘" and (i == 0 or not text[i - 1].isalnum()):
            depth, opened = depth + 1, (i if depth == 0 else opened)
        elif c == "’" and depth and not text[i + 1 : i + 2].isalpha():
            depth -= 1
            if depth == 0:
                pairs.append((opened, i))
    return pairs


def _reported_speech(text: str, masked: str, found: list[_Found]) -> list[Quotation]:
    """Sentences of the author's that carry someone's words without quotation marks, told by a speech
    clause set off by commas inside them ('You cannot, he said, build a transatlantic liner …';
    'It was a long, long way to Socialism, he argued, and …'), when the speaker can be named.

    Shown under the author's name alone, they would read as the author's own view.
    """
    reported = []
    for m in _REPORTING.finditer(masked):
        lo = max(0, m.start() - 300)  # a first clause is shorter than this
        start = _sentences(masked, lo, m.start())[-1]
        end = next((e.start() + 1 for e in _SENTENCE_END.finditer(masked, m.end())), len(masked))
        if 0 < lo == start or re.search(r"[.!?:;]", masked[start : m.start()]):
            continue  # the clause must interrupt the sentence's first clause
        if "\u2022" in masked[start:end]:
            continue  # a sentence holding a marked quotation: that quotation speaks for itself
        who = m.group("who")
        speaker = _resolve_pronoun(masked, m.start(), found) if who in ("he", "she") else next(
            (n.text for n in _names(masked, m.start(), m.end())), None
        )
        if speaker:
            reported.append(Quotation(start, len(text[:end].rstrip()), speaker, None, reported=True))
    return reported


def only_a_turn_label(text: str) -> bool:
    """True when `text`, between two quotations, is a transcript line's label and nothing more ('Vyshinsky:',
    'Finerty (Counsel for the Commission):'): the two are turns of one exchange, which the source cites once,
    after its last line ('Sokolnikov: “Assistant People’s Commissar …” (Trial …, pp. 148-9).')."""
    return _TURN_LABEL.fullmatch(text.strip(" \n\t.,\u2022“”\"")) is not None


def ends_on_lead_in(text: str) -> bool:
    """True when the text ends by announcing a quotation: 'Lenin wrote:', '… as follows;', '… in these words',
    'Now let our Durham miners describe the piece-work system …'."""
    if _ENDS_INTRO.search(text, max(0, len(text) - 200)):  # it ends the text: only the tail need be read
        return True
    end = len(text.rstrip())
    tail = max(0, end - 400)
    if not _LET.search(text, tail):
        return False
    return _LET.search(text, _sentences(text, tail, end)[-1]) is not None  # in the last sentence (or its last 400 characters)


def pronoun_lead_in(text: str, start: int) -> bool:
    """True when the quotation opening at `start` is introduced by 'he'/'she' ('In his preface …, he
    says:') in its sentence, and that sentence and the one before name nobody, or by 'They' ('They
    first discuss …') and no group is named before it: the person or group is further back."""
    masked = _mask(text, _quote_spans(text))
    starts = _lead_sentences(masked, 0, start - 1)
    lo, clause = starts[max(0, len(starts) - 2)], starts[-1]
    if _PRONOUN_CUE.search(masked, clause, start) is not None and not _persons_by_name(masked, lo, start):
        return True
    # or 'They first discuss …' above a quotation, and no group before it here
    they = lo if len(starts) > 1 and not masked[clause : start - 1].strip() else clause
    return _THEY.match(masked, they) is not None and _group_before(masked, they) is None


def subjects_in(text: str) -> list[str]:
    """The persons and bodies a text names in its own words with no preposition governing them
    ('Trotsky replied', not 'the allegations of Trotsky')."""
    masked = _mask(text, _quote_spans(text))
    return [n.text for n in _speakers_named(masked, 0, len(masked)) if not _GOVERNED.search(masked, 0, n.start)]


def page_reference(citation: str) -> bool:
    """True for a reference that is only a page: '(p. 83)', '(pp. 83-4)': in the work being quoted already."""
    return _PAGES.fullmatch(citation) is not None


def names_in(text: str, quoted: bool = True) -> list[str]:
    """The persons, papers and dotted-acronym organisations a text names ('George Orwell', 'Workers Vanguard');
    with `quoted` False, only those it names in its own words, outside quotation marks."""
    read = text if quoted else _mask(text, _quote_spans(text))
    return [n.text for n in _names(read, 0, len(read))]


def speaker_at(quotations: Sequence[Quotation], start: int, end: int, text: str | None = None) -> Quotation | None:
    """The quotation that contains most of text[start:end] (>= half of its non-space chars), if any.

    Without `text` the characters are counted with their spaces.
    """

    def weight(a: int, b: int) -> int:
        return max(0, b - a) if text is None else sum(not c.isspace() for c in text[a:b])

    best = max(quotations, key=lambda q: weight(max(q.start, start), min(q.end, end)), default=None)
    total = weight(start, end)
    if best is None or total == 0 or 2 * weight(max(best.start, start), min(best.end, end)) < total:
        return None
    return speaker_at(best.inner, start, end, text) or best  # the innermost voice that holds it


def learn_work_authors(texts: Iterable[str]) -> dict[str, str]:
    """Work -> author, from citations naming both ('Trotsky, The Revolution Betrayed, p. 5'), if unambiguous."""
    authors: dict[str, set[str]] = {}
    for text in texts:
        for m in _CITATION.finditer(text):
            author = _speaker_in_citation(m.group(1))
            if author and m.group(1).startswith(author + ","):
                work, *rest = _work_keys(m.group(1)[len(author) + 1:])
                # and the collection holding it: 'Lenin, “…”, Selected Works, Vol. V' in a source where
                # no one else's Selected Works are cited names the author of '(Selected Works, Vol. VI)'
                for key in [work, *(k for k in rest if k in _COLLECTIONS)]:
                    if key:
                        authors.setdefault(key, set()).add(author.split(" ")[-1])
    return {work: names.pop() for work, names in authors.items() if len(names) == 1}


def _quote_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, after): the inner span of each double-quoted stretch and where its closing mark ends."""
    spans: list[tuple[int, int, int]] = []
    start: int | None = None
    for m in _MARK.finditer(text):
        pos, mark = m.start(), m.group()
        if mark == "\n\n":
            if start is not None and not text[m.end():].lstrip(" ").startswith(("“", '"')):
                spans.append((start, pos, pos))  # subtle: a block quotation reopens every paragraph
                start = None
        elif start is None:
            if mark == "“" or (mark == '"' and not text[pos + 1: pos + 2].isspace()):
                start = pos + 1
            elif mark == "”" and not spans and _CITATION.match(text, pos + 1):
                # closed with its reference but never opened (the APL's '… could not have been tortured” (Furr
                # 161).' opens its paragraph without a mark): it runs from the paragraph's start
                opened = text.rfind("\n\n", 0, pos)
                spans.append((0 if opened < 0 else opened + 2, pos, pos + 1))
        elif mark == "”" or (mark == '"' and text[pos - 2: pos] != "\n\n"):
            spans.append((start, pos, pos + 1))
            start = None
        # else: an opening mark inside an open quotation reopens it for a new paragraph
    if start is not None:
        spans.append((start, len(text), len(text)))
    return [(s, s + len(text[s:e].rstrip()), a) for s, e, a in spans if text[s:e].strip()]


def _mask(text: str, spans: list[tuple[int, int, int]]) -> str:
    """The author's own words: every quotation and its citation blotted out, positions kept."""
    chars = list(re.sub(r"\b(Mr|Mrs|Dr)\.", r"\1 ", text))  # 'Mr. Brockway' ends no sentence
    for start, end, after in spans:
        stop = _citation_after(text, after)[1]
        chars[start - 1: stop] = "\u2022" * (stop - start + 1)
        if stop == after > end and text[end - 1] in ".!?":
            # subtle: a sentence ending inside the marks ('… “neither victory nor defeat.” Lenin exposed …:')
            # still ends; without this the next sentence's speaker is sought from the one before
            chars[after - 1] = "."
    return "".join(chars)


def _citation_after(text: str, pos: int) -> tuple[str | None, int]:
    """The parenthetical reference right after a closing mark, and where it ends."""
    m = _CITATION.match(text, pos)
    if m is None or _GLOSS.search(m.group(1)):
        return None, pos
    return m.group(1).strip(), m.end()


def _speaker_in_citation(citation: str) -> str | None:
    """'Otto Bauer' from 'Otto Bauer, Between Two World Wars, 1936'; None for a work alone."""
    by = re.search(rf"\bby ({_RUN.pattern})", citation)
    if by and _is_name(by.group(1)):
        return by.group(1)  # 'World Revolution 1917-18 by C. L. R. James'
    m = re.match(rf"{_TOKEN}(?: {_TOKEN})*(?: and {_TOKEN}(?: {_TOKEN})*)?", citation)
    if not m:
        return None  # a quoted title, a page, 'quoted in Furr'
    tokens = m.group().split(" ")
    possessive = tokens[-1].endswith(("’s", "'s"))
    if re.match(rf"\s+(?!at\b)[{_LO}]", citation[m.end():]) and not possessive:
        return None  # 'Diary in Exile', 'Letter to Alexandra Kollontai': a title, not a person
    if tokens[0] in _FUNCTION or set(tokens) & _PUBLICATION:
        return None
    kept = []
    for token in tokens:  # 'Trotsky The Revolution Betrayed' -> 'Trotsky'
        if token in _FUNCTION:
            break
        kept.append(token.removesuffix("’s").removesuffix("'s"))
    return " ".join(kept) if _is_name(" ".join(kept)) else None


def _work_keys(citation: str) -> list[str | None]:
    """Each comma part of a reference as a work ('the revolution betrayed', 'cw'), None where it is none."""
    keys: list[str | None] = []
    # a quoted title is one part, whatever its commas, and ends where its mark closes
    for part in re.sub(r"“([^”]*)”", lambda m: m.group(1).replace(",", "") + ",", citation).split(","):
        key = re.split(r"\d|#|\bpp?\.|\bVol\b|\bCh\.|§", part)[0].strip(" “”\"‘’.,:;–-")
        ok = re.match(r"[A-Z]\w\w|CW|SW", key) and (key.split(" ")[0] not in _RECORD or key.lower() in _COLLECTIONS)
        keys.append(key.lower() if ok else None)
    return keys


def _author_of(citation: str, masked: str, pos: int, before: list[_Found], works: Mapping[str, str]) -> str | None:
    """Who a reference without a name points to: the work's known author, the last work for 'ibid.'."""
    if citation.lower().startswith("ibid"):
        return next((f.speaker for f in reversed(before) if f.citation), None)
    if page_reference(citation):  # '(p. 44)': the work being discussed
        distinct = _distinct(name for _, name in _cues(masked, 0, pos, before) if name)
        return distinct[0] if len(distinct) == 1 else None
    known = next((works[key] for key in _work_keys(citation) if key in works), None)
    return known or _periodical(citation)


def _periodical(citation: str) -> str | None:
    """'Workers Vanguard' from '(“Workers Vanguard”)': a paper cited with no author speaks for itself."""
    m = re.fullmatch(r"[“\"]([^“”\"]{2,60})[”\"]", citation.strip())
    title = m.group(1).strip() if m else ""
    return title if _RUN.fullmatch(title) and not set(title.split(" ")) & _RECORD else None


def _is_name(run: str) -> bool:
    """True when a run of capitalised words has a word that is not a generic political term or a date; or is
    initials and a surname, whatever its ending ('H. E. Sigerist' is no '-ist' like 'Trotskyist')."""
    if _INITIALLED.fullmatch(run):
        return True
    return any(
        t not in _NOT_NAMES and not _GENERIC_SUFFIX.search(t) and (not t.endswith(".") or _ACRONYM.fullmatch(t))
        for t in run.split(" ")
        if t != "and"
    )


def _names(masked: str, lo: int, hi: int) -> list[_Name]:
    """Person-like runs of capitalised words in masked[lo:hi], split at function words."""
    found: list[_Name] = []
    for m in _RUN.finditer(masked, lo, hi):
        current: list[tuple[int, str]] = []
        pos = m.start()
        for token in m.group().split(" ") + [""]:
            initial = pos == m.start() and _at_sentence_start(masked, pos)
            if token and token.rstrip(".") not in _FUNCTION and not (initial and _SENTENCE_VERB.fullmatch(token)):
                current.append((pos, token))
            elif current:
                found.extend(_name(current))
                current = []
            pos += len(token) + 1
    return found


def _at_sentence_start(masked: str, pos: int) -> bool:
    """True when nothing but a sentence end, a paragraph break or a quotation precedes `pos`."""
    head = masked[max(0, pos - 3): pos].rstrip(" ")
    return head == "" or head[-1] in ".!?:\n\u2022"


def _speakers_named(masked: str, lo: int, hi: int) -> list[_Name]:
    """Everyone masked[lo:hi] names who may speak, persons and bodies, in order; a paper read as both
    keeps its article ('The magazine The Independent reported:' is The Independent's)."""
    bodies = _bodies(masked, lo, hi)
    spans = {(b.start, b.end) for b in bodies}
    names = [n for n in _names(masked, lo, hi) if (n.start, n.end) not in spans]
    return sorted(names + bodies, key=lambda n: n.start)


def _bodies(masked: str, lo: int, hi: int) -> list[_Name]:
    """Bodies that speak as one, named with their article: 'the Left Opposition', 'the Russian
    Mensheviks', 'the Communist Party of the Soviet Union', and a paper's one-word name ('The Economist').

    Kept apart from `_names`: they are no persons ('he' never points to one)."""
    found = []
    for m in _BODY.finditer(masked, lo, hi):
        tokens = m.group(1).split(" ")
        if tokens[0] in _FUNCTION or m.end() > hi:
            continue
        if len(tokens) > 1 and (tokens[-1] in _BODY_HEADS or _MEMBERS.search(tokens[-1])):
            tail = m.group(2) if tokens[-1] in _BODY_HEADS else ""  # '… Party of the Soviet Union'
            found.append(_Name(f"the {m.group(1)}{tail}", m.start(1), m.end(1) + len(tail), False))
        elif len(tokens) == 1 and tokens[0] in _PUBLICATION:
            found.append(_Name(f"The {tokens[0]}", m.start(1), m.end(1), False))
    return found


def _name(tokens: list[tuple[int, str]]) -> list[_Name]:
    """A _Name of consecutive tokens when they look like a person (or a paper) rather than a term."""
    start, end = tokens[0][0], tokens[-1][0] + len(tokens[-1][1])
    while len(tokens) > 1 and _EPITHET.search(tokens[0][1]) and tokens[-1][1] not in _PUBLICATION:
        tokens = tokens[1:]  # 'American Trotskyist James Burnham' -> 'James Burnham'
    text = " ".join(t for _, t in tokens)
    possessive = text.endswith(("’s", "'s"))
    text = text[:-2] if possessive else text
    return [_Name(text, start, end, possessive)] if _is_name(text) else []


def _attribution_after(masked: str, pos: int) -> tuple[str, int] | None:
    """('Radek', end) for ', explained Radek,'; 'he' for ', he said'; '' for ', cries this apostle of Trotsky'."""
    m = _AFTER.match(masked, pos)
    if not m or (m.group("who2") and m.group().rstrip()[-1] in ":;"):
        return None  # 'Trotsky said: “…' introduces the next quotation
    who = (m.group("who") or m.group("who2") or m.group("who3")).strip()
    if re.fullmatch(r"[Hh]e|[Ss]he", who):
        return "he", m.end()
    if re.fullmatch(rf"the {_DOCUMENT}", who):
        return who, m.end()
    for part in (who, m.group("appos") or ""):  # 'cried the French Socialist, Paul Lafargue,'
        if re.fullmatch(rf"(?:the )?(?:Mr |Mrs |Dr )?\s*{_TOKEN}(?: {_TOKEN})*", part):  # 'the American Burnham'
            names = [n.text for n in _speakers_named(masked, m.start(), m.end()) if part.lower().endswith(n.text.lower())]
            if names:
                return names[0], m.end()
    return ("", m.end()) if m.group("who") else None  # a description names nobody; 'Trotsky wrote a book': none


def _sentences(masked: str, lo: int, hi: int) -> list[int]:
    """Start positions of the sentences overlapping masked[lo:hi]."""
    ends = _SENTENCE_END.finditer(masked, lo, hi + 1)  # subtle: + 1 sees the mark after a final '. '
    return [lo] + [m.end() for m in ends if m.end() <= hi]


def _lead_sentences(masked: str, lo: int, hi: int) -> list[int]:
    """Starts of the sentences before a quotation opening at `hi`, the last one the quotation's own."""
    starts = _sentences(masked, max(lo, hi - 700), hi)
    if len(starts) > 1 and masked[starts[-1]:hi].strip() == "" and _ENDS_INTRO.search(masked, lo, starts[-1]):
        starts.pop()  # subtle: 'Lenin wrote:\n\n“' is one sentence, not two
    return starts


def _label(masked: str, clause: int, hi: int) -> str | None:
    """The speaker of a transcript line: 'Vyshinsky (State Prosecutor): “…”'; a title keeps its
    article ('The President: “…”' is the court's president, not a President)."""
    clause += len(masked[clause:hi]) - len(masked[clause:hi].lstrip())  # '” The President: “' after a reply
    label = _LABEL.search(masked[clause:hi])
    names = _names(masked, clause + label.start(1), clause + label.end(1)) if label else []
    if not names:
        return None
    return label.group(1) if label and label.group(1) == f"The {names[-1].text}" else names[-1].text


def _continues(masked: str, previous: _Found, start: int) -> bool:
    """True when only an attribution lies between two quotations: '“…,” thought the bureaucrat, “…”'."""
    attribution = _attribution_after(masked, previous.cite_end)
    return attribution is not None and masked[attribution[1]: start - 1].strip(" \n\u2022") == ""


def _speaker_in_lead(masked: str, starts: list[int], hi: int, before: list[_Found], authors: set[str]) -> str | None:
    """The speaker a lead-in names in the quotation's sentence or, failing that, the one before it."""
    clause, lo = starts[-1], starts[0]
    cues = _cues(masked, clause, hi, before)
    bare = not (_speakers_named(masked, clause, hi) or _speaks(masked, clause, hi))  # 'Even today it sends a shiver:'
    if not cues and not bare and _ENDS_INTRO.search(masked, clause, hi):
        return _subject(masked, clause, hi, before, authors)
    # 'They first discuss …' before a quotation that opens its own sentence, or 'They reply:'
    they = starts[-2] if bare and len(starts) > 1 else clause if _ENDS_INTRO.search(masked, clause, hi) else None
    if not cues and they is not None and _THEY.match(masked, they):
        return _group_before(masked, they)
    if not cues and bare and len(starts) > 1:  # then the sentence before may name the speaker
        cues = _cues(masked, starts[-2], clause, before)
        if not cues and len(starts) > 2 and not (_speakers_named(masked, starts[-2], clause) or _speaks(masked, starts[-2], clause)):
            # or, when that one only goes on with what was said, the one before it ('He admitted that there were
            # those who …. But these elements were not so dangerous as … “Both the deviations are dangerous; …')
            cues = _cues(masked, starts[-3], starts[-2], before)
        if not cues and re.search(rf"\b{_CUE_NOUN}\b", masked[starts[-2]:clause]):
            # 'Their attitude is outlined in a recent book of … Otto Bauer. “…'
            subjects = [n.text for n in _names(masked, starts[-2], clause) if not _GOVERNED.search(masked, lo, n.start)]
            return subjects[0] if len(_distinct(subjects)) == 1 else None
    return max(cues, key=lambda cue: cue[0])[1] if cues else None


def _document_in_lead(masked: str, starts: list[int], hi: int) -> str | None:
    """'the platform of the opposition' for 'The platform of the opposition issued in 1927 says:', in the
    quotation's sentence or, when it opens one, the sentence before ('… the programme (Section 15) states;')."""
    lo = starts[-2] if len(starts) > 1 and not masked[starts[-1] : hi].strip() else starts[-1]
    m = _DOCUMENT_SPEAKS.search(masked, lo, hi)
    return f"the {m.group(1)}" if m else None


def _named_between_marks(text: str, start: int, end: int) -> str | None:
    """The speaker an attribution names inside what the scan's mismatched marks made one quotation."""
    m = _MISMATCHED.search(text, start, end)
    return m.group(1) if m and _is_name(m.group(1)) else None


def _group_before(masked: str, pos: int) -> str | None:
    """The one group that a 'They' opening the sentence at `pos` points back to: a body ('the Left
    Opposition') or a delegation ('… a recent delegation of Durham miners … They first discuss …')."""
    lo = _sentences(masked, max(0, pos - 1200), pos)[0]
    groups = [f"the {m.group(1)} of {m.group(2)}" for m in _GROUP.finditer(masked, lo, pos)]
    groups += [n.text for n in _bodies(masked, lo, pos)]
    distinct = list(dict.fromkeys(groups))
    return distinct[0] if len(distinct) == 1 else None


def _speaks(masked: str, lo: int, hi: int) -> bool:
    """True when a speech verb or a pronoun lies in masked[lo:hi] ('The workers ask:' names its speakers)."""
    return re.search(rf"\b(?:{_SPEECH}|[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I)\b", masked[lo:hi]) is not None


def _cues(masked: str, lo: int, hi: int, before: list[_Found]) -> list[tuple[int, str | None]]:
    """(where, who) for each name, or resolved 'he', that a speech verb or a cue noun ties to words."""
    cues: list[tuple[int, str | None]] = []
    governed, previous_end = False, lo
    for n in _speakers_named(masked, lo, hi):
        rest, head = masked[n.end: hi], masked[lo: n.start]
        # not 'the Defence of Leon Trotsky declares', nor '… confirmed by Pyatakov and Serebriakov, said:' (Radek's words)
        coordinated = governed and re.fullmatch(r",?\s+and\s+", masked[previous_end: n.start]) is not None
        governed, previous_end = bool(_GOVERNED.search(masked, lo, n.start)) or coordinated, n.end
        subject = not governed
        m = _WHO.match(rest) or (subject and _SUBJECT_VERB.match(rest))
        # 'Lenin’s comment on this was:', 'In Lenin’s words:'; not 'speaking of Trotsky’s letter …, said:'
        m = m or (n.possessive and (subject or re.search(r"\b[Ii]n\s+$", head) is not None) and _POSSESSIVE_CUE.match(rest))
        if m or _INVERTED.search(head) or _BY.search(head):
            cues.append((n.end + (m.end() if m else 0), n.text))
    for m in _PRONOUN_CUE.finditer(masked, lo, hi):
        who = _resolve_pronoun(masked, m.start(), before)
        # or the person just cued, when no one is named between ('explained by Rykov in his evidence')
        named = [c for c in cues if c[1] and c[0] <= m.start() and not _speakers_named(masked, c[0], m.start())]
        cues.append((m.end(), who or (named[-1][1] if named else None)))
    for m in _LET.finditer(masked, lo, hi):  # 'Let Stakhanov himself explain:', 'let our Durham miners describe'
        cues.append((m.end(), f"the {m.group(1)}" if m.group(2) else m.group(1)))
    return cues


def _subject(masked: str, lo: int, hi: int, before: list[_Found], authors: set[str]) -> str | None:
    """The first name no preposition governs in a clause that introduces a quotation ('Lenin saw …:');
    none when the clause tells of words addressed to its subject ('The American Communists are told:').
    A title runs into its author's name ('In The Revolution Betrayed Trotsky … repeats this diagnosis:'):
    an author the source cites (`authors`) ending a governed run is the subject."""
    if _ADDRESSED.search(masked[lo:hi]):
        return None
    if re.match(r"\s*(?:[A-Z][a-z]+,?\s+)?(?:[Hh]e|[Ss]he)\b", masked[lo:hi]):
        return _resolve_pronoun(masked, lo, before)
    for n in _speakers_named(masked, lo, hi):
        if not _GOVERNED.search(masked, lo, n.start):
            return n.text
        if " " in n.text and n.text.split(" ")[-1] in authors:
            return n.text.split(" ")[-1]
    return None


def _resolve_pronoun(masked: str, pos: int, before: list[_Found]) -> str | None:
    """The person opening the pronoun's own sentence ('Lenin estimated it otherwise …, when he said:'),
    else the one person named in the two sentences before `pos`, or None."""
    starts = _sentences(masked, max(0, pos - 800), pos)
    lo, hi = starts[max(0, len(starts) - 3)], starts[-1]
    own = _persons_by_name(masked, hi, pos)
    opening = [n.text for n in own if _at_sentence_start(masked, n.start)]  # 'Trotsky, who… he'
    if opening:
        return opening[0]
    # else the one person its own sentence names before it ('… the names … were read over to Trotsky and he
    # was asked …; his answer was:')
    if len(_distinct(n.text for n in own)) == 1:
        return own[0].text
    names = [n.text for n in _persons(masked, lo, hi)] + [f.speaker for f in before if f.speaker and f.cite_end > lo]
    distinct = _distinct(names)
    if len(distinct) == 1:
        return distinct[0]
    # else the one person the sentence just before names in full ('… three articles by an American
    # Mining Engineer, Mr. John D. Littlepage, who … Here are some of the facts which he discloses:')
    full = _distinct(n.text for n in _names(masked, starts[-2], hi) if _is_full_name(n.text)) if len(starts) > 1 else []
    if len(full) == 1:
        return full[0]
    # else the one person a sentence before has as its subject ('In a pamphlet …, which Shachtman
    # translated in 1931, Trotsky treats … He expresses no doubts … On the contrary, he says:')
    subjects = _distinct(n.text for n in _names(masked, lo, hi) if _is_subject(masked, lo, n))
    if len(subjects) == 1:
        return subjects[0]
    # else, when no one is named since, the speaker of the last quotation ('Trotsky: “… a heroic
    # personality” … Here is indeed a hypothesis from the padded room. … when it comes to his final speech …:')
    last = next((f for f in reversed(before) if f.cite_end <= pos), None)
    if not distinct and last is not None and last.speaker and not _speakers_named(masked, last.cite_end, pos):
        return last.speaker
    return None


def _persons_by_name(masked: str, lo: int, hi: int) -> list[_Name]:
    """`_persons`, whole words only (`hi` may fall inside one: 'to Socialism, he argued'), and not what 'the'
    names: papers, bodies, groups ('In the Bulletin of the Opposition …, he repeated:', 'the Dewey Commission')."""
    return [
        n for n in _persons(masked, lo, hi)
        if not masked[n.end : n.end + 1].isalpha() and not re.search(r"\b[Tt]he\s+$", masked[max(0, n.start - 4) : n.start])
    ]


def _persons(masked: str, lo: int, hi: int) -> list[_Name]:
    """The names in masked[lo:hi] that are no place: 'Coyoacan, Mexico' is where an article was written."""
    return [
        n for n in _names(masked, lo, hi)
        if n.text not in PLACES and not re.match(rf",\s*(?:{'|'.join(PLACES)})\b", masked[n.end :])
    ]


def _is_subject(masked: str, lo: int, name: _Name) -> bool:
    """True when a name governs the verb after it and opens its clause ('…, Trotsky treats')."""
    head = masked[lo : name.start]
    if name.possessive or _GOVERNED.search(head):
        return False
    opens = _at_sentence_start(masked, name.start) or _CLAUSE_OPENS.search(head)  # not 'which Shachtman translated'
    return bool(opens) and _VERB_AFTER.match(masked, name.end) is not None


def _is_full_name(name: str) -> bool:
    """'John D. Littlepage', 'Leon Trotsky': a first name or initials, then a surname; not a paper."""
    tokens = name.split(" ")
    return len(tokens) > 1 and not set(tokens) & (_PUBLICATION | _GENERIC) and tokens[0] not in _FUNCTION


def _distinct(names: Iterable[str]) -> list[str]:
    """Names with those sharing a surname merged, the longest form kept."""
    result: list[str] = []
    for name in sorted(set(names), key=len, reverse=True):
        if not any(name.split(" ")[-1] == kept.split(" ")[-1] for kept in result):
            result.append(name)
    return result


def _propagate(masked: str, found: list[_Found]) -> list[_Found]:
    """Give the paragraphs of a block quotation that name no speaker the speaker of their neighbours."""
    result = list(found)
    for i in range(len(result) - 2, -1, -1):  # backwards: the citation closing a block names its speaker
        a, b = result[i], result[i + 1]
        split = a.speaker == b.speaker and _continues(masked, a, b.start)  # '“…,” said Lenin, “…” (…)'
        if b.speaker and b.citation and a.citation is None and (split or _touching(masked, a, b)):
            if a.speaker == b.speaker or not a.decided:
                result[i] = replace(a, speaker=b.speaker, citation=b.citation)
    for i in range(len(result) - 2, -1, -1):  # backwards: a transcript's reference, after its last line, cites every line
        a, b = result[i], result[i + 1]
        if a.citation is None and b.citation and only_a_turn_label(masked[a.cite_end : b.start]):
            result[i] = replace(a, citation=b.citation)
    for i in range(1, len(result)):  # forwards: a paragraph that goes on without a reference of its own
        a, b = result[i - 1], result[i]
        # the same work: 'Trotsky, The Revolution Betrayed, p. 5' then 'Trotsky, …', or a bare page ('(pp. 83-4)')
        same_work = a.citation and b.citation and (a.citation.split()[0] == b.citation.split()[0] or page_reference(b.citation))
        if not b.decided and a.speaker and (b.citation is None or same_work) and _goes_on(masked, a, b):
            result[i] = replace(b, speaker=a.speaker)
    return result


def _goes_on(masked: str, a: _Found, b: _Found) -> bool:
    """True when b follows a in the same paragraph, within two sentences, with no one else named between.

    'But Trotsky asserts that the New Constitution is … “a bonapartist plebiscite” (p. 263), and “…”.
    “In the political sphere …”'; 'The London Times published an article … “…”. The Plan is failing.
    The great hydro-electric plant at Dnieperstroi is “a white elephant eating its head off”.'
    """
    gap = masked[a.cite_end: b.start]
    if _touching(masked, a, b):
        return True
    if "\n\n" in gap or len(_sentences(masked, a.cite_end, b.start)) > 3:
        return False
    # a name a preposition governs is no new speaker ('the plant at Dnieperstroi is “…”')
    if any(not _GOVERNED.search(masked, a.cite_end, n.start) for n in _names(masked, a.cite_end, b.start - 1)):
        return False
    return _PRONOUN_CUE.search(gap) is None and re.search(r"\b(?:[Tt]hey|[Ww]e|I)\b", gap) is None


def _touching(masked: str, a: _Found, b: _Found) -> bool:
    """True when nothing but white space and punctuation lies between two quotations (and a's citation)."""
    return masked[a.cite_end: b.start].strip(" \n\t.,;:\u2022“”\"") == ""


def _expand(q: Quotation, masked: str) -> Quotation:
    """'Foster' -> 'William Z. Foster' when the passage names him in full."""
    if q.speaker is None or " " in q.speaker:
        return q
    # a full name, not a title run into it ('The Revolution Betrayed Trotsky …')
    fuller = [n.text for n in _names(masked, 0, len(masked)) if n.text.endswith(" " + q.speaker) and _is_full_name(n.text)]
    return replace(q, speaker=max(fuller, key=len)) if fuller else q
