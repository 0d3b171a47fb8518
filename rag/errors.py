"""The one exception tree of the library; every message says what to do next.

RagError
├── CorpusError        corpus/ metadata or texts are missing or malformed
├── IndexMissingError  no built index where one was expected
├── IndexStaleError    the index was built from another corpus, model or format
├── IndexCorruptError  an index file is unreadable, truncated or fails its checksum
├── IndexWriteError    the index cannot be written (disk full, permissions, a bad path)
├── ModelError         the packaged embedding model is missing or altered
└── QuestionError      a question that cannot be searched (empty, no words, too long, bad source)
"""

from __future__ import annotations

__all__ = [
    "RagError",
    "CorpusError",
    "IndexMissingError",
    "IndexStaleError",
    "IndexCorruptError",
    "IndexWriteError",
    "ModelError",
    "QuestionError",
]


class RagError(Exception):
    """Base class: the CLI and the app show its message as one line."""


class CorpusError(RagError):
    """The corpus metadata or a source text is missing or malformed."""


class IndexMissingError(RagError):
    """No built index in the expected folder."""


class IndexStaleError(RagError):
    """The index does not match the corpus, the model or the code's format version."""


class IndexCorruptError(RagError):
    """An index file cannot be read or fails its checksum."""


class IndexWriteError(RagError):
    """The index cannot be written; the message says whether the old one is unchanged."""


class ModelError(RagError):
    """The packaged embedding model cannot be loaded offline."""


class QuestionError(RagError):
    """The question cannot be searched as given."""
