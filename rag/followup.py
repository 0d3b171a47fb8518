"""Rewrite a follow-up question into a standalone one, from the conversation so far.

"And what did Lenin say about him?" after "Why was Trotsky expelled?" becomes "What did
Lenin say about Trotsky?". Rule-based on purpose: no generator that ships offline is
reliable enough, and the rewritten question is shown to the user, who can rephrase.
It does not resolve references to anything but the previous questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LEAD = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(he|him|his|himself|she|her|they|them|their|it|its)\b", re.IGNORECASE)
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:['’]s)?)(?:\s+[A-Z][a-z]+)*\b")
_NOT_NAMES = {
    "What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Did", "Does", "Do", "Is",
    "Was", "Were", "Are", "Can", "Could", "Would", "Should", "The", "A", "An", "In", "On", "According",
    "And", "But", "So", "Also", "Tell", "Give", "Show", "Explain", "Describe", "I", "It", "This", "That",
}
_POSSESSIVE = {"his", "her", "their", "its"}


def standalone(question: str, history: Sequence[str] | None) -> str:
    """The question as it should be searched, given the earlier questions (newest last)."""
    question = " ".join(question.split())
    previous = [h for h in (history or []) if h and h.strip()]
    if not previous:
        return question
    last = previous[-1]
    about = _WHAT_ABOUT.match(question)
    if about:
        return _with_focus(last, about.group(1))
    if not _PRONOUN.search(question) and not _LEAD.match(question):
        return question
    subject = _subject(previous)
    rewritten = _LEAD.sub("", question)
    if subject:
        rewritten = _PRONOUN.sub(lambda m: _replace(m.group(1), subject), rewritten, count=1)
    return rewritten[:1].upper() + rewritten[1:]


def _subject(previous: Sequence[str]) -> str | None:
    """The person the conversation is about: the last name in the latest question that names one."""
    for question in reversed(previous):
        names = [n.rstrip("'’s") if n.endswith(("'s", "’s")) else n for n in _NAME.findall(question)]
        names = [n for n in names if n.split()[0] not in _NOT_NAMES]
        if names:
            return names[-1]  # "What did Lenin say about Trotsky?": the one spoken about
    return None


def _replace(pronoun: str, subject: str) -> str:
    return f"{subject}'s" if pronoun.lower() in _POSSESSIVE else subject


def _with_focus(last: str, focus: str) -> str:
    """'Why was Trotsky expelled?' + 'what about the APL' -> 'Why was Trotsky expelled, according to the APL?'"""
    return f"{last.rstrip(' ?.')}, according to {focus.rstrip(' ?.')}?"
