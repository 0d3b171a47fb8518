"""Viewpoints: answers about Trotsky and Trotskyism in the sources' own, attributed words.

    from rag import Assistant
    assistant = Assistant.load()
    hits = assistant.search("Why was Trotsky expelled?", k=10)
"""

from __future__ import annotations

from .assistant import Assistant
from .errors import (
    CorpusError,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    IndexWriteError,
    ModelError,
    QuestionError,
    RagError,
)
from .index import build_index
from .schema import Answer, Excerpt, Hit, Passage, Source
from .settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "CorpusError",
    "Excerpt",
    "Hit",
    "IndexCorruptError",
    "IndexMissingError",
    "IndexStaleError",
    "IndexWriteError",
    "ModelError",
    "Passage",
    "QuestionError",
    "RagError",
    "Settings",
    "Source",
    "build_index",
]
