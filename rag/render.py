"""Words the assistant says in its own neutral voice, and the Markdown form of an Answer.

Everything here is assembled from corpus metadata and retrieval results; quotes are
shown as quotes and escaped, so nothing in a source or a question can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .schema import Answer, Excerpt, Passage, Source, SourceCoverage, page_label

_NUMBERS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~!])")
_DOUBLE_MARK = re.compile(r'[“”"]')
# a straight mark opens where a word starts after it ('said: "Let us'), else it closes
_OPENS = re.compile(r'(?:^|(?<=[\s(\[—–-]))"(?=\S)')
CUT = "[…]"  # where a quote leaves off inside a quotation, as a historian marks an omission


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: no emphasis, links, images, headings or HTML."""
    # '&' only where it could start an entity ('&lt;'): 'Lenin & Trotsky' stays readable as plain text
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def side_name(source: Source) -> str:
    """The short name of a viewpoint label: 'Communist Party of Great Britain, 1939'."""
    return re.sub(r"\s*\([^)]*\)", "", source.viewpoint.split(" — ")[0])


def year_label(source: Source) -> str:
    if source.year == "unknown":
        return "n.d."
    return f"{source.year}, unconfirmed" if "year" in source.unconfirmed else source.year


def covered_lead(coverage: Sequence[SourceCoverage], further: bool = False) -> str:
    """'Three sources address this: two hostile to Trotsky (…) and one sympathetic (…).' With `further`
    (an answer to 'Tell me more'), a source with nothing left to quote is one with nothing further, not
    one that does not address the question: it may have answered it just before."""
    addressing = [c.source for c in coverage if c.addresses]
    by_stance: dict[str, list[Source]] = {}
    for source in addressing:
        by_stance.setdefault(source.stance, []).append(source)
    parts = [
        f"{_NUMBERS.get(len(group), str(len(group))).lower()} {stance} to Trotsky ({'; '.join(side_name(s) for s in group)})"
        for stance, group in by_stance.items()
    ]
    if len(addressing) == 1:
        only = addressing[0]
        lead = f"One source addresses this: {side_name(only)}, {only.stance} to Trotsky. It speaks in its own words below."
    else:
        count = _NUMBERS.get(len(addressing), str(len(addressing)))
        lead = f"{count} sources address this: {_join(parts)}. Each speaks in its own words below."
    silent = [side_name(c.source) for c in coverage if c.searched and not c.addresses]
    if silent:
        lead += f" {'Nothing further found in' if further else 'Not addressed in what was found'}: {'; '.join(silent)}."
    unsearched = [side_name(c.source) for c in coverage if not c.searched]
    if unsearched:
        lead += f" Not searched (the question names a source, or a chapter or page of one, or the search was limited): {'; '.join(unsearched)}."
    return lead


_CLOSEST = " The closest passages are shown below for reference; they are not an answer."


def closest_lead(reason: str, closest_shown: bool = True) -> str:
    why = f" ({reason})" if reason else ""
    return f"The sources do not answer this question{why}." + (_CLOSEST if closest_shown else "")


def outdone_lead(named: Sequence[Source], others: Sequence[Source], closest_shown: bool) -> str:
    """The lead when the sources a question names do not address it and others do: 'American Party of Labor
    does not address this question; Communist Party of Great Britain, 1939 does: ask without naming a source
    to see its words.'"""
    def verb(sources: Sequence[Source]) -> str:
        return "does" if len(sources) == 1 else "do"

    lead = (
        f"{'; '.join(side_name(s) for s in named)} {verb(named)} not address this question; {'; '.join(side_name(s) for s in others)} "
        f"{verb(others)}: ask without naming a source to see {'its' if len(others) == 1 else 'their'} words."
    )
    return lead + (_CLOSEST if closest_shown else "")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def location(passage: Passage, pages: tuple[int, ...]) -> str:
    """'Chapter I: Trotsky Against the Bolshevik Party, p. 34': where in its source a passage, or the
    part of it on `pages`, lies."""
    parts = [passage.chapter, passage.section, page_label(pages)]
    if passage.kind == "footnote":
        parts.append("footnote")
    return ", ".join(x for x in parts if x)


def attribution(excerpt: Excerpt) -> str:
    """Who says it, where: 'Lenin, as quoted by J. R. Campbell, Soviet Policy and Its Critics (1939), …'."""
    s, p = excerpt.source, excerpt.passage
    # a file that joins several texts (APL) names the one quoted in its chapter field
    title = p.chapter if p.chapter and p.chapter in s.title.split("; ") else s.title
    work = f"{s.author}, {title} ({year_label(s)})"
    where = ", ".join(x for x in location(p, excerpt.pages).split(", ") if x != title)
    line = f"{work}, {where}" if where else work
    if excerpt.quoted:  # never someone else's words under the author's name alone
        verb = "reported" if excerpt.reported else "quoted"
        speaker = excerpt.speaker or "Speaker not identified"
        line = f"{speaker[:1].upper()}{speaker[1:]}, as {verb} by {line}"  # 'the Left Opposition' opens the line
        # where the speaker's words come from, unless the quote already ends on it
        if excerpt.speaker_citation and " ".join(excerpt.speaker_citation.split()) not in " ".join(excerpt.quote.split()):
            line += f" — ({excerpt.speaker_citation})"
    return line


def quotation_cut(quote: str) -> tuple[bool, bool]:
    """Whether a quote begins inside a quotation (a mark closes one it never opened) and whether it ends
    inside one (a mark it opens is never closed: the sentence limit fell within it, or the source's
    quotation runs on into the next paragraph). Shown as […] so that a reader sees where the speaker's
    words go on; the quote itself stays verbatim."""
    depth, begins_inside = 0, False
    for mark in _DOUBLE_MARK.finditer(quote):
        if mark.group() == "“" or (mark.group() == '"' and _OPENS.match(quote, mark.start())):
            depth += 1
        elif depth:
            depth -= 1
        else:
            begins_inside = True
    return begins_inside, depth > 0


def render_markdown(answer: Answer) -> str:
    """The whole answer as Markdown: lead, then one group per source, quotes as block quotes."""
    return _render(answer, escape_markdown)


def render_text(answer: Answer) -> str:
    """The same, for a terminal: Markdown's shape, without the escapes (`\\[…\\]`) it needs."""
    return _render(answer, lambda text: text)


def _render(answer: Answer, escape: Callable[[str], str]) -> str:
    lines = [escape(answer.lead), ""]
    if answer.standalone_question != answer.question:
        lines = [f"*Searched as:* {escape(answer.standalone_question)}", ""] + lines
    if answer.covered:
        for group in _groups(answer.excerpts):
            lines.append(f"#### {escape(group[0].source.viewpoint)}")
            lines.extend(_quote_lines(group, escape))
    else:
        lines.append("#### Closest passages (not an answer)")
        lines.extend(_quote_lines(list(answer.closest), escape))
    return "\n".join(lines).strip() + "\n"


def _groups(excerpts: Sequence[Excerpt]) -> list[list[Excerpt]]:
    groups: dict[str, list[Excerpt]] = {}
    for excerpt in excerpts:
        groups.setdefault(excerpt.source_id, []).append(excerpt)
    return list(groups.values())


def _quote_lines(excerpts: Sequence[Excerpt], escape: Callable[[str], str]) -> list[str]:
    lines = []
    for e in excerpts:
        begins_inside, ends_inside = quotation_cut(e.quote)
        quote = " ".join([CUT] * begins_inside + e.quote.split() + [CUT] * ends_inside)
        lines += [f"> [{e.n}] {escape(quote)}", ">", f"> — {escape(attribution(e))}", ""]
    return lines
