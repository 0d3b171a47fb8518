"""The kind of answer a question expects (a time, a number), and whether a sentence gives one.

"When did Lenin die?" is answered by a sentence that names a time ("On January 21st, 1924, Lenin
died."), not by the closest sentence about him ("A few months later Lenin died."); "How many votes
did the Opposition get …?" by one that names a number ("… by a vote of 740,000 to 4,000"), not by
"On the eve of the 15th congress Trotsky and Zinoviev were expelled.". The tests are lexical and say
only that a sentence names *a* time or *a* number, not that it is the one asked for.
"""

from __future__ import annotations

import re
from typing import Literal

AnswerType = Literal["time", "number"]

# at the start of the question or of a follow-up added to it ('Why was Trotsky expelled? When?')
_OPENING = r"(?:^|\?\s+)\W*"
# 'When did …', 'Where and when was …', 'In what year …', 'On what date …', 'When exactly?'; not 'When the
# prosecutor asked Muralov …, what did he answer?' (a clause setting the scene for another question)
_ASKS_WHEN = re.compile(
    rf"{_OPENING}(?:(?:and\s+|where\s+and\s+)?when\s+(?:and\s+where\s+)?(?:did|was|were|is|are|does|do|had|has|have|"
    r"will|would|could|should)\b|(?:and\s+)?when(?:\s+exactly)?\s*\?|"
    r"(?:in|on|by|from)?\s*(?:what|which)\s+(?:year|years|date|month|day|decade)\b|how\s+long\s+ago\b)",
    re.IGNORECASE,
)
# not 'How much …?', as often a degree as an amount ('How much did Lenin trust Trotsky?')
_ASKS_HOW_MANY = re.compile(
    rf"{_OPENING}(?:and\s+)?(?:how\s+many|(?:what|which)\s+(?:number|percentage|proportion|share)\s+of)\b", re.IGNORECASE
)
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# a time reckoned from another event ('a few months later', 'in the years following Lenin's death') is not
# one: quoted alone it does not say when
_TIME = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)\b|"  # a year
    r"\b1\d\d0[’']?s\b|\b(?:twenties|thirties|century)\b|"  # 'the 1920s', 'the twenties', 'the nineteenth century'
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|"  # a date
    # 'in May', 'the end of March'; not 'Lessons of October' or 'in the October Revolution'
    rf"\b(?:in|early|late|mid|since|until|by|during|(?:end|beginning|middle)\s+of)\s+(?:early\s+|late\s+)?{_MONTH}\b|"
    rf"\b{_MONTH}\s+days\b|\banniversary\b|\bon\s+the\s+eve\s+of\b",  # 'the May days'
)
_NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
    "nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands million millions "
    "dozen dozens half"
).split()
# a count or an amount; not a year, an ordinal ('the 15th Congress') or a page ('p. 271')
_NUMBER = re.compile(
    r"(?<!\bp\.\s)(?<!\bpp\.\s)(?<![\d-])\b(?!(?:1[5-9]|20)\d\d\b)"  # not after 'p.', not a year
    r"\d[\d,.]*(?!\d)(?!st\b|nd\b|rd\b|th\b|-\d)(?:\s*(?:per\s*cent|%))?|"
    rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b",
    re.IGNORECASE,
)

_ENUMERATOR = re.compile(r"^\W*\d{1,2}[.)]\s")
_REFERENCE = re.compile(r"\([^()]*\d\s*\)")


def expected_type(question: str) -> AnswerType | None:
    """'time' for 'When did Lenin die?', 'number' for 'How many …?', else None."""
    if _ASKS_WHEN.search(question):
        return "time"
    if _ASKS_HOW_MANY.search(question):
        return "number"
    return None


def gives(answer_type: AnswerType, text: str) -> bool:
    """True when the text names what the question expects: a time (a year, a date, a month, a decade, an
    anniversary) or a number (a count or amount, in figures or words; not the number of an item in a list,
    '3. The bloc of Rights …', nor a page in a reference, '(Trotsky The Revolution Betrayed, 215)')."""
    if answer_type == "time":
        return bool(_TIME.search(text))
    return bool(_NUMBER.search(_REFERENCE.sub(" ", _ENUMERATOR.sub("", text))))
