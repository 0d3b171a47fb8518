"""Ingestion: a source's raw text -> clean, page-cited passages. One reader per layout."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import CorpusError
from ..schema import Passage, Source
from . import pdf, scan, web
from .assemble import Hyphenation, SentenceSplitter, drafts_from_blocks, size_drafts, to_passages
from .layout import Block

__all__ = ["ingest_source", "READERS"]

READERS: dict[str, Callable[[str, tuple[str, ...]], list[Block]]] = {
    "scan": scan.read_blocks,
    "pdf": pdf.read_blocks,
    "web": web.read_blocks,
}


def ingest_source(source: Source, raw: str, splitter: SentenceSplitter | None = None) -> list[Passage]:
    """Split one source's raw text into passages with ids, headings, pages and spans."""
    reader = READERS.get(source.format)
    if reader is None:
        raise CorpusError(f"source {source.id!r}: no reader for format {source.format!r}")
    splitter = splitter or SentenceSplitter()
    blocks = reader(raw, source.running_headers)
    drafts = size_drafts(drafts_from_blocks(blocks, Hyphenation(raw)), splitter)
    return to_passages(source.id, drafts, splitter)
