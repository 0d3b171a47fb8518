"""HTML for the web chat: an Answer as one card per source, the paragraphs behind its
quotes, and what is known about each source.

Every text that comes from a user or a source goes through `html.escape`; the only
markup here is written in this module. It does not decide what to quote (that is
rag.answer) nor how to word attributions (that is rag.render).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from .render import CUT, attribution, location, quotation_cut, side_name, year_label
from .schema import Answer, Excerpt, Source

NoticeKind = Literal["status", "error"]

# (light theme, dark theme) accents per stance, used in corpus order: warm for sources
# hostile to Trotsky, cool for sympathetic ones; neighbours differ in hue and lightness.
_PALETTE: Mapping[str, tuple[tuple[str, str], ...]] = {
    "hostile": (("#b42318", "#f97066"), ("#7a2e8e", "#d5a3e3"), ("#9a4a00", "#f5a65b")),
    "sympathetic": (("#1d4f91", "#84adff"), ("#0e6f64", "#5fd4c0")),
    "neutral": (("#475467", "#aab4c3"),),
    "mixed": (("#5b3fb0", "#b6a4f0"),),
}
_FIELDS: Mapping[str, str] = {
    "author": "Author",
    "year": "Year",
    "publisher": "Publisher",
    "url": "URL",
    "form": "Form",
    "viewpoint": "Viewpoint",
    "description": "Description",
    "provenance": "Provenance",
}
_PREVIEW_CHARS = 200


def tones(sources: Iterable[Source]) -> dict[str, str]:
    """The CSS class that colours each source, by stance and corpus order: {'campbell-1939': 'vp-tone-hostile-0'}."""
    seen: dict[str, int] = {}
    out = {}
    for source in sources:
        i = seen.get(source.stance, 0)
        seen[source.stance] = i + 1
        out[source.id] = f"vp-tone-{source.stance}-{i % len(_PALETTE[source.stance])}"
    return out


def question_html(question: str) -> str:
    """The user's question as text, shortened when very long."""
    text = " ".join(question.split())
    if len(text) > _PREVIEW_CHARS:
        text = f"{text[:_PREVIEW_CHARS]}… ({len(text):,} characters)"
    return f'<p class="vp-question">{_esc(text)}</p>'


def notice_html(message: str, kind: NoticeKind = "status") -> str:
    """A line in the assistant's own voice: 'Searching…' or why a question cannot be searched."""
    return f'<p class="vp-notice vp-{kind}">{_esc(message)}</p>'


def answer_html(answer: Answer, tone: Mapping[str, str]) -> str:
    """The answer as the chat shows it: the lead, then one card of quotes per source."""
    parts = ['<div class="vp-answer">']
    if answer.standalone_question != answer.question:
        parts.append(f'<p class="vp-searched">Searched as: <q>{_esc(answer.standalone_question)}</q></p>')
    if answer.covered:
        parts.append(f'<p class="vp-lead">{_esc(answer.lead)}</p>')
        parts += [_card(group, tone) for group in _by_source(answer.excerpts)]
        parts += [_ask_by_name_hint(c.source) for c in answer.coverage if c.searched and not c.addresses and c.source.aliases]
    else:
        parts.append('<p class="vp-flag">Not answered by these sources</p>')
        parts.append(f'<p class="vp-lead">{_esc(answer.lead)}</p>')
        if answer.closest:
            parts.append('<p class="vp-closest-title">Closest passages — not an answer</p>')
            parts += [_card(group, tone, closest=True) for group in _by_source(answer.closest)]
    parts.append("</div>")
    return "".join(parts)


def _ask_by_name_hint(source: Source) -> str:
    """How to hear a source the answer left out: which sources address a question is a threshold, and a
    source just under it ('Why was Trotsky expelled from the party?': In Defence of Marxism) answers when
    asked by name, or says it does not address the question."""
    return (
        f'<p class="vp-hint">Ask <q>What about {_esc(source.aliases[0])}?</q> to see the passages of '
        f"{_esc(side_name(source))} nearest to this question.</p>"
    )


def passages_html(answer: Answer | None, tone: Mapping[str, str]) -> str:
    """Each quote of the answer inside its full paragraph, highlighted, with where it is."""
    if answer is None:
        return '<p class="vp-empty">The full paragraph behind each quote appears here after you ask.</p>'
    excerpts = answer.excerpts if answer.covered else answer.closest
    if not excerpts:
        return '<p class="vp-empty">No passages to show for the last question.</p>'
    title = "Where the quotes come from" if answer.covered else "Closest passages — not an answer"
    # the panel follows the latest answer while the chat keeps them all: say which one its [n] belong to
    asked = f'<p class="vp-panel-question">for the question “{_esc(" ".join(answer.question.split()))}”</p>'
    parts = [f'<div class="vp-passages"><p class="vp-panel-title">{title}</p>{asked}']
    by_passage: dict[str, list[Excerpt]] = {}
    for e in excerpts:  # a passage that gives two quotes is shown once, with both marked
        by_passage.setdefault(e.passage.id, []).append(e)
    for quoted in by_passage.values():
        first, text = quoted[0], quoted[0].passage.text
        paragraph_at = location(first.passage, first.passage.pages)  # the whole paragraph, on all its pages
        where = ", ".join(x for x in (side_name(first.source), paragraph_at) if x)
        numbers = " ".join(f"[{e.n}]" for e in quoted)
        paragraph, done = [], 0
        for e in sorted(quoted, key=lambda e: e.quote_start):
            end = e.quote_start + len(e.quote)
            paragraph.append(f"{_esc(text[done:e.quote_start])}<mark>{_esc(text[e.quote_start:end])}</mark>")
            done = end
        parts.append(
            f'<article class="vp-passage {tone[first.source_id]}">'
            f'<p class="vp-where"><span class="vp-n">{numbers}</span> {_esc(where)}</p>'
            f'<p class="vp-paragraph">{"".join(paragraph)}{_esc(text[done:])}</p>'
            "</article>"
        )
    parts.append("</div>")
    return "".join(parts)


def about_html(sources: Sequence[Source], tone: Mapping[str, str]) -> str:
    """Title, author, year, publisher, URL, form, viewpoint, description, provenance of each source."""
    parts = ['<div class="vp-about">']
    for s in sources:
        rows = "".join(f"<dt>{label}</dt><dd>{_field(s, name)}</dd>" for name, label in _FIELDS.items())
        title = _esc(s.title) + (" <small>(unconfirmed)</small>" if "title" in s.unconfirmed else "")
        parts.append(f'<article class="vp-source {tone[s.id]}"><p class="vp-source-title">{title}</p><dl>{rows}</dl></article>')
    parts.append("</div>")
    return "".join(parts)


def _card(excerpts: Sequence[Excerpt], tone: Mapping[str, str], closest: bool = False) -> str:
    source = excerpts[0].source
    kind = "vp-card vp-closest" if closest else "vp-card"
    quotes = "".join(
        f'<figure class="vp-excerpt"><blockquote><span class="vp-n">[{e.n}]</span> {_quote_html(e)}</blockquote>'
        f"<figcaption>— {_esc(attribution(e))}</figcaption></figure>"
        for e in excerpts
    )
    return f'<section class="{kind} {tone[source.id]}"><p class="vp-viewpoint">{_esc(source.viewpoint)}</p>{quotes}</section>'


def _by_source(excerpts: Sequence[Excerpt]) -> list[list[Excerpt]]:
    groups: dict[str, list[Excerpt]] = {}
    for e in excerpts:
        groups.setdefault(e.source_id, []).append(e)
    return list(groups.values())


def _field(source: Source, name: str) -> str:
    value = year_label(source).removesuffix(", unconfirmed") if name == "year" else getattr(source, name)
    if name == "url" and value.startswith(("https://", "http://")):
        shown = f'<a href="{_esc(value)}" target="_blank" rel="noopener noreferrer">{_esc(value)}</a>'
    else:
        shown = _esc(value) if value else "—"
    return shown + (" <small>(unconfirmed)</small>" if name in source.unconfirmed else "")


def _quote_html(e: Excerpt) -> str:
    """The quote, its source's lead-in (if any) set apart from the words of the speaker it introduces, and
    […] where it begins or ends inside a quotation."""
    begins_inside, ends_inside = quotation_cut(e.quote)
    words = _esc(" ".join(e.quote[e.lead_in :].split()))
    if e.lead_in:
        lead = _esc(" ".join(e.quote[: e.lead_in].split()))
        words = f'<span class="vp-lead-in" title="the words that introduce the quotation, not the speaker’s">{lead}</span> {words}'
    before = f'<span class="vp-cut" title="the quotation begins earlier in the source">{CUT}</span> ' if begins_inside else ""
    after = f' <span class="vp-cut" title="the quotation goes on in the source">{CUT}</span>' if ends_inside else ""
    return before + words + after


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _tone_css() -> str:
    rules = []
    for stance, colours in _PALETTE.items():
        for i, (light, dark) in enumerate(colours):
            rules.append(f".vp-tone-{stance}-{i} {{ --vp-accent: {light}; }}")
            rules.append(f".dark .vp-tone-{stance}-{i} {{ --vp-accent: {dark}; }}")
    return "\n".join(rules)


STYLESHEET = _tone_css() + """
:root { --vp-muted: #475467; --vp-mark: #fde68a; --vp-mark-text: #1f2937; }
.dark { --vp-muted: #a7b0bd; --vp-mark: #7c5a10; --vp-mark-text: #fefce8; }
.vp-answer, .vp-passages, .vp-about { font-size: 15px; line-height: 1.5; color: var(--body-text-color); }
.vp-question { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-weight: 700; }
.vp-notice { margin: 0; color: var(--vp-muted); font-style: italic; }
.vp-notice.vp-error { font-style: normal; color: var(--body-text-color); border-left: 3px solid #d97706; padding-left: 10px; }
.vp-searched { margin: 0 0 6px; font-size: 13px; color: var(--vp-muted); }
.vp-lead { margin: 0 0 14px; font-size: 15.5px; }
.vp-flag { display: inline-block; margin: 0 0 8px; padding: 2px 10px; border-radius: 999px; font-size: 13px;
  font-weight: 700; background: #fef0c7; color: #7a2e0e; }
.dark .vp-flag { background: #4e1d09; color: #fedf89; }
.vp-closest-title, .vp-panel-title { margin: 14px 0 8px; font-size: 12px; font-weight: 700; letter-spacing: .05em;
  text-transform: uppercase; color: var(--vp-muted); }
.vp-panel-title { margin-top: 0; margin-bottom: 2px; }
.vp-hint { margin: 0 0 8px; font-size: 13px; color: var(--vp-muted); }
.vp-panel-question { margin: 0 0 10px; font-size: 13px; color: var(--vp-muted); }
.vp-card { margin: 0 0 14px; padding: 12px 16px 2px; border: 1px solid var(--border-color-primary);
  border-left: 5px solid var(--vp-accent); border-radius: 8px; background: var(--background-fill-primary); }
.vp-card.vp-closest { border-style: dashed; border-left: 1px dashed var(--border-color-primary);
  background: var(--background-fill-secondary); }
.vp-closest .vp-viewpoint, .vp-closest .vp-n { color: var(--vp-muted); }
.vp-closest .vp-excerpt blockquote { font-size: 15px; color: var(--vp-muted); }
.vp-viewpoint { margin: 0 0 10px; font-size: 14px; font-weight: 700; color: var(--vp-accent); }
.vp-excerpt { margin: 0 0 14px; }
.vp-lead-in { font-family: var(--font); font-size: 14.5px; font-style: italic; color: var(--vp-muted); }
.vp-cut { font-family: var(--font); font-size: 14px; color: var(--vp-muted); white-space: nowrap; }
.vp-excerpt blockquote { margin: 0; padding: 0 0 0 12px; border-left: 2px solid var(--border-color-primary);
  font-family: Georgia, 'Liberation Serif', 'DejaVu Serif', serif; font-size: 16.5px; line-height: 1.55;
  color: var(--body-text-color); background: none; }
.vp-excerpt figcaption { margin: 5px 0 0 14px; font-size: 13px; line-height: 1.4; color: var(--vp-muted); }
.vp-n { display: inline-block; min-width: 1.7em; font-family: var(--font); font-size: 12.5px; font-weight: 700;
  color: var(--vp-accent); vertical-align: 1px; }
.vp-passage { margin: 0 0 12px; padding: 10px 12px; border-radius: 8px; border: 1px solid var(--border-color-primary);
  border-left: 4px solid var(--vp-accent); background: var(--background-fill-primary); }
.vp-where { margin: 0 0 6px; font-size: 13px; font-weight: 700; color: var(--vp-muted); }
.vp-paragraph { margin: 0; white-space: pre-line; font-family: Georgia, 'Liberation Serif', 'DejaVu Serif', serif;
  font-size: 14.5px; line-height: 1.55; }
.vp-paragraph mark { background: var(--vp-mark); color: var(--vp-mark-text); padding: 0 1px; border-radius: 2px; }
.vp-empty { margin: 0; color: var(--vp-muted); font-style: italic; }
.vp-source { margin: 0 0 12px; padding: 10px 12px; border-left: 4px solid var(--vp-accent);
  background: var(--background-fill-secondary); border-radius: 6px; }
.vp-source-title { margin: 0 0 6px; font-weight: 700; }
.vp-source dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; font-size: 13px; }
.vp-source dt { font-weight: 700; color: var(--vp-muted); }
.vp-source dd { margin: 0; overflow-wrap: anywhere; }
.vp-source small { color: #b54708; font-size: 12px; }
.dark .vp-source small { color: #fdb022; }
"""
