"""Questions that ask *when*, and sentences that say when.

"When was Trotsky killed?" is answered by a sentence that names a time ("… at the hands of Ramón
Mercader in 1940"), not by the closest sentence about Trotsky ("This was undertaken by Trotsky in
Lessons of October."). The test is lexical and says only that a sentence names *a* time: a year, a
date, a month, a decade, an anniversary; not that it is the time asked for. A time reckoned from
another event ("a few months later", "in the years following Lenin's death") is not enough: quoted
alone it does not say when.
"""

from __future__ import annotations

import re

# 'When did …', 'Where and when was …', 'In what year …', 'On what date …'; not 'When the prosecutor asked Muralov …,
# what did he answer?' (a clause setting the scene for another question)
_ASKS_WHEN = re.compile(
    r"^\W*(?:(?:and\s+|where\s+and\s+)?when\s+(?:and\s+where\s+)?(?:did|was|were|is|are|does|do|had|has|have|will|would|could|should)\b|"
    r"(?:in|on|by|from)?\s*(?:what|which)\s+(?:year|years|date|month|day|decade)\b|how\s+long\s+ago\b)",
    re.IGNORECASE,
)
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_TIME = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)\b|"  # a year
    r"\b1\d\d0[’']?s\b|\b(?:twenties|thirties|century)\b|"  # 'the 1920s', 'the twenties', 'the nineteenth century'
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|"  # a date
    # 'in May', 'the end of March'; not 'Lessons of October' or 'in the October Revolution'
    rf"\b(?:in|early|late|mid|since|until|by|during|(?:end|beginning|middle)\s+of)\s+(?:early\s+|late\s+)?{_MONTH}\b|"
    rf"\b{_MONTH}\s+days\b|\banniversary\b|\bon\s+the\s+eve\s+of\b",  # 'the May days'
)


def asks_when(question: str) -> bool:
    """True when the question asks for a time: 'When did Lenin die?', 'In what year …?'."""
    return bool(_ASKS_WHEN.search(question))


def names_a_time(text: str) -> bool:
    """True when the text names a time: a year, a date, a month, a decade, an anniversary."""
    return bool(_TIME.search(text))
