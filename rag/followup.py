"""Rewrite a follow-up question into a standalone one, from the conversation so far.

"And what did Lenin say about him?" after "Why was Trotsky expelled?" becomes "What did
Lenin say about Trotsky?"; "What about Zinoviev?" asks the last question of him; "Why?" or
"Tell me more" asks it again, their words added. Rule-based on purpose: no generator that
ships offline is reliable enough, and the rewritten question is shown to the user, who can rephrase.
It does not resolve references to anything but the previous questions.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from .errors import QuestionError
from .query import PAGE, PLACES, named_page

_LEAD = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.IGNORECASE)
# 'And Campbell?', 'Or the APL?', 'And in 1929?': 'What about …?' said shorter (a name, a time or a page alone)
_AND_ONLY = re.compile(
    r"^\s*(?i:and|or|but)\s+((?i:the\s+)?(?:[A-Z][\w'’.-]*\s*){1,4}|(?i:the)\s+[\w'’-]+(?:\s+[\w'’-]+){0,2}|"
    r"(?i:(?:in|on|during|after|before)\s+\S+|page\s+\d+))\s*\??\s*$"
)
# a follow-up that names only who is asked: 'What does the APL say?', 'And according to Campbell?', 'Did the APL agree?'
_WHO_ONLY = re.compile(
    r"^\s*(?:and\s+)?(?:(?:what|how)\s+(?:does|do|did)\s+(.+?)\s+(?:say|think|write|argue|claim|see\s+it)"
    r"(?:\s+(?:about|of|on)\s+(?:it|this|that))?|according\s+to\s+(.+?)|(?:did|does|do)\s+(.+?)\s+agree)\s*\??\s*$",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(he|him|his|himself|she|her|they|them|their|it|its)\b", re.IGNORECASE)
# a capitalised run ('Left Opposition', with its 'the'), or an acronym ('POUM', 'P.O.U.M.')
_NAME = re.compile(
    r"(?:\bthe\s+)?(?:\b[A-Z][a-z]+(?:-[A-Z][a-z]+)*(?:['’]s)?(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)*)*\b|\b[A-Z]{2,}\b|\b(?:[A-Z]\.){2,})"
)  # 'Brest-Litovsk', 'the Anglo-Russian Committee'
_NOT_NAMES = {
    "What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Did", "Does", "Do", "Is",
    "Was", "Were", "Are", "Can", "Could", "Would", "Should", "The", "A", "An", "In", "On", "According",
    "And", "But", "So", "Also", "Tell", "Give", "Show", "Explain", "Describe", "I", "It", "This", "That",
}
_BODIES = set(
    "Party Congress Conference Committee Front Government Opposition International Comintern Army Union Commission "
    "Court Trial Trials Plan Revolution Constitution Soviet Soviets Republic State Bureau Council League Association "
    "Police Church Press".split()
)
_GROUP_ENDINGS = ("ism", "ist", "ists", "ite", "ites", "ian", "ians", "ans", "iks", "ese")  # 'Trotskyists', 'Bolsheviks'
# a follow-up of these words alone names nothing to search for: 'Why?', 'Tell me more', 'How so?', 'Go on'
_CONTENTLESS = set(
    "why how what when where who whom whose which is are was were do does did can could would should will and but so "
    "then also ok okay well yes no really tell me more go on continue please explain elaborate expand further else "
    "again exactly details detail example examples for such as in on about way sense mean meant "
    # 'Was that true?', 'Who says so?', 'Is this right?': the question before, its claim doubted
    "that this so true false right wrong correct accurate say says said claims anything".split()
)
# with the names of a source taken out, these words alone ask about the source itself: 'Who is J. R. Campbell?',
# 'What is the APL?', 'Who wrote Soviet Policy and Its Critics?', 'What is Campbell's position?'
_ABOUT_A_SOURCE = _CONTENTLESS | set(
    "say says said write writes wrote written author authors text texts book article pamphlet source sources publish "
    "published publisher think thinks view views viewpoint stance position side the a an of s".split()
)
_SOURCE_WORD = re.compile(r"\b(?:source|sources|article|book|pamphlet|text)\b", re.IGNORECASE)
_MORE = re.compile(r"\b(?:more|else|further|continue|go\s+on|elaborate|expand)\b", re.IGNORECASE)
_NARROWING = re.compile(r"(?:in|on|at|during|after|before|since|until|from|around|between|\d+)\b", re.IGNORECASE)
_IN_YEAR = re.compile(r"\b(?:in|during)\s+1[89]\d\d\b", re.IGNORECASE)
# what the last question asked about, for a follow-up that turns it to another topic ('What about the kulaks?')
_ABOUT = re.compile(
    r"\b(?:about|(?:think|thought|view|views|opinion|say|said)\s+of|attitude\s+(?:to|towards)|(?:position|stance)\s+on)"
    r"\s+(.+?)(?=,|\s+according\s+to\b|\s+in\s+\d|\s*\?|$)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_POSSESSIVE = {"his", "her", "their", "its"}
_PERSONAL = {"he", "him", "his", "himself", "she", "her"}
# 'he' asked about: the subject after the question's verb ('What did he say …?', 'Was he …?'), or the object of
# a preposition ('… about him?', '… of his …')
_ASKED_OF = re.compile(
    r"^\W*(?:(?:what|why|how|when|where|which|whose)(?:\s+\w+){0,3}\s+)?"
    r"(?:did|does|do|was|is|were|has|had|could|would|should|will|can)\s+(he|his)\b"
    r"|\b(?:about|of|on|to|with|against|for|by)\s+(him|his)\b",
    re.IGNORECASE,
)
_PLURAL = {"they", "them", "their"}
_FEMININE = {"she", "her"}
_OWNED = re.compile(r"['’]s\s")
_SPEECH_VERB = r"(?:say|said|write|wrote|call|called|mean|meant|think|claim|argue|answer|reply|describe|predict|demand)"
_HE_SPEAKS = re.compile(rf"\b(?:did|does|do|would)\s+he\s+(?:\w+\s+)?{_SPEECH_VERB}\b|\bhe\s+{_SPEECH_VERB}\b", re.IGNORECASE)
# 'What did Lenin call Trotsky?', 'What does Campbell say about …': who was asked to speak
_SPEAKER_ASKED = re.compile(rf"\b(?:did|does|do)\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)\s+{_SPEECH_VERB}\b")


def standalone(
    question: str, history: Sequence[str] | None, people: Collection[str] = (), source_names: Collection[str] = (),
    subject: str = "",
) -> str:
    """The question as it should be searched, given the earlier questions (newest last).

    `people` are names known to be persons (the speakers the corpus quotes): a pronoun
    prefers them over other capitalised words ("Bolshevik", "Moscow"). `source_names` are the
    names a question may give a source ('Campbell', 'the APL'): a follow-up naming another
    source asks the same question of that one instead. `subject` is the person the corpus is
    about: 'he' that no question so far names anyone for is him ('What did he say about the
    peasants?' after 'What was the theory of permanent revolution?'); the chat shows the question
    as searched, so a reader who meant someone else can say so.
    """
    previous: list[str] = []
    for earlier in (h for h in history or () if h and h.strip()):  # each as it was searched: 'What about Campbell?'
        previous.append(_rewritten(earlier, previous, people, source_names, subject))
    return _rewritten(question, previous, people, source_names, subject)


def _rewritten(
    question: str, previous: Sequence[str], people: Collection[str], source_names: Collection[str], subject: str = ""
) -> str:
    """`question` made standalone, the earlier questions already being so."""
    question = " ".join(question.split())
    if not previous:
        return _with_subject(question, subject)
    last = _without_contentless_tail(previous[-1])
    if contentless(question):  # 'Why?' after 'What did Stalin say about Zinoviev?': that question, asked again
        return f"{last} {question}"
    if (page := named_page(question)) is not None and named_page(last) is not None and _only_a_page(question):
        return PAGE.sub(f"page {page}", last, count=1)  # 'What about page 71?' after '… on page 70?'
    what_about = _WHAT_ABOUT.match(question) or _AND_ONLY.match(question)
    about = what_about or _WHO_ONLY.match(question)
    focus = next((g for g in about.groups() if g), "").strip() if about else ""
    if focus and not _PRONOUN.search(focus):  # 'What did their followers say?' names nobody yet
        if what_about and (person := _person_asked_about(last, focus, people, source_names)):
            # 'What did Zinoviev do in 1926?' + 'What about Kamenev?': the same question, of him
            return re.sub(rf"\b{re.escape(person)}(?![\w-])", focus.rstrip(" ?."), last, count=1)
        return _with_focus(last, focus, source_names)
    if not _PRONOUN.search(question) and not _LEAD.match(question):
        return question
    surnames = {name.split()[-1] for name in people}
    rewritten = _LEAD.sub("", question)
    pronoun = _PRONOUN.search(rewritten)
    if pronoun:
        word = pronoun.group(1).lower()
        if word in _FEMININE:  # the sources' persons are men but a few women they name in passing: leave her unnamed
            return question
        meant = _speaker_of(last, rewritten, source_names) or _subject(
            previous, surnames, persons_only=word in _PERSONAL, plural=word in _PLURAL, not_things=source_names
        )
        if meant:
            rewritten = _PRONOUN.sub(lambda m: _replace(m.group(1), meant), rewritten, count=1)
        else:
            rewritten = _with_subject(rewritten, subject)
    return rewritten[:1].upper() + rewritten[1:]


def _speaker_of(last: str, question: str, source_names: Collection[str]) -> str | None:
    """'he' who speaks, after a question about what someone said: 'Why did he say that?' after 'What did Lenin
    call Trotsky?' asks Lenin, not the one he spoke of (the last person named, who answers other pronouns). Not a
    source's author ('What does Campbell say about Zinoviev?' + 'What did he write?' is about Zinoviev)."""
    asked = _SPEAKER_ASKED.search(last) if _HE_SPEAKS.search(question) else None
    speaker = _strip_leading_non_names(asked.group(1)) if asked else ""
    return speaker if speaker and not _names_a_source(speaker, source_names) else None


def _with_subject(question: str, subject: str) -> str:
    """'he' ('him', 'his') as `subject` where the question asks about him ('What did he say …?', '… about him?')
    and names no person he could be instead ('What did Lenin say when he met Trotsky?'); not 'he' that its own
    'who' or 'which defendant' is ('Which defendant said he had feared …?')."""
    pronoun = _ASKED_OF.search(question)
    if not subject or not pronoun:
        return question
    names = [_strip_leading_non_names(n) for n in _NAME.findall(question)]
    if any(n and _may_be_person(n) for n in names):
        return question
    word = next(g for g in pronoun.groups() if g)
    start = pronoun.start(1) if pronoun.group(1) else pronoun.start(2)
    return question[:start] + _replace(word, subject) + question[start + len(word):]


def contentless(question: str) -> bool:
    """True when the question has no word or number to search for ('Why?', 'Tell me more', 'How so?')."""
    return bool(_WORD.search(question)) and _only_words_of(question, _CONTENTLESS)


def _only_words_of(text: str, vocabulary: Collection[str]) -> bool:
    """True when every word of `text` is in `vocabulary` and it holds no number."""
    return all(w in vocabulary for w in _WORD.findall(text.lower())) and not any(c.isdigit() for c in text)


def _only_a_page(question: str) -> bool:
    """'What about page 71?', 'And on p. 71?', 'page 71': a page and nothing to search for beside it."""
    rest = PAGE.sub("", question)
    return not _WORD.search(rest) or contentless(rest)


def asks_for_more(question: str) -> bool:
    """'Tell me more', 'What else?', 'Go on': the last question again, for what its answer did not show."""
    return contentless(question) and _MORE.search(question) is not None


def _without_contentless_tail(question: str) -> str:
    """'What did Stalin say about Zinoviev? Why?' -> 'What did Stalin say about Zinoviev?': follow-ups do not pile up."""
    sentences = re.split(r"(?<=[?.!])\s+", question)
    while len(sentences) > 1 and contentless(sentences[-1]):
        sentences.pop()
    return " ".join(sentences)


def asks_about_a_source(question: str, without_sources: str) -> bool:
    """True when the question, `without_sources` once its source names are taken out, asks about a source
    itself and nothing else ('Who is J. R. Campbell?' -> 'Who is ?'): what a source is, the notes on the
    sources say; what it says about nothing in particular, no quote answers."""
    return without_sources != question and _only_words_of(without_sources, _ABOUT_A_SOURCE) and not any(c.isdigit() for c in question)


def require_subject(question: str) -> str:
    """The question, if it names something to search for; raises QuestionError for 'Why?' asked first."""
    if contentless(question):
        raise QuestionError(
            f"“{question}” names nothing to look for; ask about a person, an event or an idea "
            "(for example: Why was Trotsky expelled from the party?), or ask it after such a question"
        )
    return question


def _person_asked_about(last: str, focus: str, people: Collection[str], source_names: Collection[str]) -> str | None:
    """The person `last` asks about, when `focus` is another person (not a source, body or movement)."""
    focus = focus.rstrip(" ?.")
    if any(focus.lower().removeprefix("the ") == name.lower().removeprefix("the ") for name in source_names):
        return None
    if not _NAME.fullmatch(focus) or not _may_be_person(focus):
        return None
    return _subject([last], {name.split()[-1] for name in people}, persons_only=True)


def _subject(
    previous: Sequence[str], surnames: Collection[str], persons_only: bool, plural: bool = False, not_things: Collection[str] = ()
) -> str | None:
    """What the conversation is about: the last person (or, for 'it', thing: never a person or a source in
    `not_things`, 'When was it founded?' after 'Who was Radek?' and 'What was the Fourth International?'; for
    'they', plural name: 'the Trotskyists', never 'Stakhanovism') in the latest question naming one."""
    sources = {n.lower().removeprefix("the ") for n in not_things}
    for question in reversed(previous):
        names = [_strip_leading_non_names(n) for n in _NAME.findall(question)]
        names = [n[:-2] if n.endswith(("'s", "’s")) else n for n in names if n]
        persons = [n for n in names if n.split()[-1] in surnames]
        if plural:
            candidates = [n for n in names if n.endswith("s") and n.split()[-1] not in surnames]
        elif persons_only:
            candidates = persons or [n for n in names if _may_be_person(n)]
        else:
            # someone's thing is a thing ('Lenin's Testament')
            things = [n for n in names if not _may_be_person(n) or _OWNED.search(n)]
            candidates = [n for n in things if n.lower().removeprefix("the ") not in sources]
        if candidates:
            return candidates[-1]  # "What did Lenin say about Trotsky?": the one spoken about
    return None


def _may_be_person(name: str) -> bool:
    """A name no quotation of the corpus has as its speaker may still be a person's ('What did Zinoviev
    do in 1926?', 'What did Hitler plan?'): not an acronym, a place, a body or a movement."""
    if name.startswith("the "):
        return False  # 'the Left Opposition', 'the POUM': a body, not a person
    words = name.split()
    return not any(w.isupper() or w in PLACES or w in _BODIES for w in words) and not words[-1].endswith(_GROUP_ENDINGS)


def _strip_leading_non_names(run: str) -> str:
    # a question's first word is capitalised too: "Was Trotsky" -> "Trotsky"
    words = run.split()
    while words and words[0] in _NOT_NAMES:
        words.pop(0)
    return " ".join(words)


def _replace(pronoun: str, subject: str) -> str:
    return f"{subject}'s" if pronoun.lower() in _POSSESSIVE else subject


def _names_a_source(focus: str, source_names: Collection[str]) -> bool:
    """'the APL', 'IDOM', 'the sympathetic source', 'the hostile sources'."""
    bare = focus.lower().removeprefix("the ")
    return any(bare == name.lower().removeprefix("the ") for name in source_names) or bool(_SOURCE_WORD.search(focus))


def _with_focus(last: str, focus: str, source_names: Collection[str]) -> str:
    """'Why was Trotsky expelled?' + 'what about the APL' -> 'Why was Trotsky expelled, according to the APL?';
    'What does Campbell say about the trials?' + 'the APL' -> 'What does the APL say about the trials?'."""
    focus = focus.rstrip(" ?.")
    for name in sorted(source_names, key=len, reverse=True) if _names_a_source(focus, source_names) else ():
        named = re.compile(r"(?:\bthe\s+)?(?<![\w-])" + re.escape(name) + r"(?![\w-])", 0 if name.isupper() else re.IGNORECASE)
        if named.search(last):
            return named.sub(lambda _: focus, last, count=1)
    if _NARROWING.match(focus):  # 'What about in 1929?' narrows the question; it names no one
        when = focus if not focus[:1].isdigit() else f"in {focus}"
        if _IN_YEAR.search(last) and _IN_YEAR.fullmatch(when):  # another year in place of the last one, not both
            return _IN_YEAR.sub(when, last, count=1)
        return f"{last.rstrip(' ?.')}, {when}?"
    if PAGE.fullmatch(focus):  # 'What about page 80?': that page's answer
        return f"{last.rstrip(' ?.')}, on {focus}?"
    if _names_a_source(focus, source_names) or (focus[:1].isupper() and _may_be_person(focus)):
        return f"{last.rstrip(' ?.')}, according to {focus}?"  # 'What about the APL?', 'What about Lenin?'
    # a topic, a place or a body: the last question, asked about it ('What did Trotsky say about the kulaks?' +
    # 'What about the peasants?'), not 'according to' it
    if about := _ABOUT.search(last):
        return last[: about.start(1)] + focus + last[about.end(1) :]
    return f"{last.rstrip(' ?.')}, and {focus}?"
