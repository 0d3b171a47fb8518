"""The verbatim gate: nothing is shown as a quote unless the source holds it, word for word.

A quote passes when (1) it is a slice of its passage's text, (2) its matching form
(rag.text.normalise) occurs in the matching form of the whole source file, and (3) the
characters of the file it points to (its span) read, once normalised, as the quote.
Anything else is dropped by the caller, never shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from .schema import Passage, Source
from .text import join_line_hyphens, normalise, normalise_source, remove_lines


class VerbatimGate:
    """Checks quotes against the raw source files they claim to come from."""

    def __init__(self, sources: Mapping[str, Source], raw_texts: Mapping[str, str]) -> None:
        self._sources = sources
        self._raw = raw_texts
        self._normalised = {sid: normalise_source(raw, sources[sid].running_headers) for sid, raw in raw_texts.items()}

    def passes(self, source_id: str, passage: Passage, quote: str, quote_start: int, span: tuple[int, int]) -> bool:
        """Whether the quote may be shown as words of `source_id` (all three checks)."""
        if source_id not in self._raw or passage.source_id != source_id:
            return False
        needle = normalise(quote)
        if not needle or passage.text[quote_start : quote_start + len(quote)] != quote:
            return False
        if needle not in self._normalised[source_id]:
            return False
        headers = self._sources[source_id].running_headers
        at_span = normalise(join_line_hyphens(remove_lines(self._raw[source_id][span[0] : span[1]], headers)))
        return at_span == needle
