"""The one pipeline: load the index and model once, then search and ask.

The CLI, the app, the evaluation and the tests all go through `Assistant`.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from .answer import Composer
from .corpus import read_text
from .embed import Embedder, QueryEmbedder, build_embedders
from .errors import IndexCorruptError, IndexMissingError, IndexStaleError, QuestionError
from .followup import require_subject
from .index import Index, build_index, load_index, stored_precision
from .retrieve import Retriever
from .quotes import learn_work_authors
from .schema import Answer, Hit, Source
from .settings import Settings
from .spelling import Spelling
from .verbatim import VerbatimGate

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_DIR / "corpus"
DEFAULT_INDEX = PROJECT_DIR / "index"
OnStale = Literal["raise", "rebuild"]
# Unicode categories a question loses before it is searched: control characters and lone
# surrogates become spaces, format marks (zero-width spaces, BOMs, bidi controls) vanish.
_AS_SPACE = frozenset({"Cc", "Cs"})
_REMOVED = frozenset({"Cf"})


class Assistant:
    """Answers questions from the corpus; build with `Assistant.load()`."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder | QueryEmbedder,
        settings: Settings,
        corpus_dir: Path = DEFAULT_CORPUS,
        deep_embedder: Embedder | QueryEmbedder | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.deep_embedder = deep_embedder
        self.settings = settings
        self.sources: dict[str, Source] = {s.id: s for s in index.sources}
        self._retriever = Retriever(index, embedder, settings, deep_embedder)
        raw_texts = {sid: read_text(corpus_dir, source) for sid, source in self.sources.items()}
        self.gate = VerbatimGate(self.sources, raw_texts)
        # per source: a source's references follow its own conventions ('Selected Works' is Lenin's in the 1939 book)
        work_authors = {sid: learn_work_authors(p.text for p in index.passages if p.source_id == sid) for sid in self.sources}
        self._spelling = Spelling(p.text for p in index.passages)
        self._composer = Composer(
            self._retriever, self.sources, index.passages, self.gate, work_authors, self._spelling, settings
        )

    @classmethod
    def load(
        cls,
        index_dir: Path = DEFAULT_INDEX,
        corpus_dir: Path = DEFAULT_CORPUS,
        settings: Settings | None = None,
        on_stale: OnStale = "raise",
        embedder: Embedder | QueryEmbedder | None = None,
        deep_embedder: Embedder | QueryEmbedder | None = None,
    ) -> Assistant:
        """Load the index; with on_stale="rebuild", a missing, stale or corrupt one is rebuilt.

        Questions are embedded by `embedder` and, when the index holds deep-model vectors, by
        `deep_embedder`: by default the ONNX forms of the two models (QueryEmbedder), no torch;
        a rebuild embeds the corpus with `build_embedders` (rag.embed says why two forms of each).
        """
        embedder = embedder or QueryEmbedder.load()
        try:
            index = load_index(Path(index_dir), Path(corpus_dir), embedder.name, embedder.sha256)
        except (IndexMissingError, IndexStaleError, IndexCorruptError) as exc:
            if on_stale != "rebuild":
                raise
            logger.warning("%s; rebuilding the index", exc)
            # torch models given (tests) embed the corpus themselves; otherwise the build's own forms
            given = (embedder, deep_embedder)
            if all(isinstance(e, Embedder) for e in given):
                corpus_embedders = given
            else:  # at the precision of the vectors there, which the rebuild then keeps
                corpus_embedders = build_embedders(reusing=stored_precision(Path(index_dir)))
            build_index(Path(corpus_dir), Path(index_dir), *corpus_embedders)
            index = load_index(Path(index_dir), Path(corpus_dir), embedder.name, embedder.sha256)
        if index.deep_sentence_vectors is not None:
            deep_embedder = deep_embedder or QueryEmbedder.load_deep()
            if (index.manifest.get("deep_model"), index.manifest.get("deep_model_sha256")) != (deep_embedder.name, deep_embedder.sha256):
                raise IndexStaleError(f"index in {index_dir} was built with another deep embedding model; rebuild with: rag build")
        return cls(index, embedder, settings or Settings(), Path(corpus_dir), deep_embedder)

    def search(self, question: str, k: int = 10, sources: Sequence[str] | None = None) -> list[Hit]:
        """The k passages that best answer the question, every relevant source represented."""
        question = self._check_question(question)
        if k < 1:
            raise QuestionError(f"k must be at least 1 (got {k})")
        return self._retriever.search(self._spelling.correct(require_subject(question)), k, self._check_sources(sources))

    def ask(self, question: str, history: Sequence[str] | None = None, sources: Sequence[str] | None = None) -> Answer:
        """Quoted, attributed excerpts that answer the question, grouped by source.

        `history` holds the earlier questions of the conversation, oldest first; a
        follow-up is rewritten into a standalone question before searching.
        """
        question = self._check_question(question)
        return self._composer.ask(question, self._check_history(history), self._check_sources(sources))

    def _check_question(self, question: str, what: str = "the question") -> str:
        """The question as searched: visible characters only, whitespace runs as one space."""
        if not isinstance(question, str):
            raise QuestionError(f"{what} must be text, not {type(question).__name__}")
        limit = self.settings.max_question_chars
        if len(question) > 10 * limit:  # refuse a flood before cleaning it character by character
            raise QuestionError(f"{what} is {len(question):,} characters long; keep it under {limit:,}")
        cleaned = " ".join(_visible(question).split())
        if not cleaned:
            raise QuestionError(f"{what} is empty; type a question about Trotsky or Trotskyism")
        if len(cleaned) > limit:
            raise QuestionError(f"{what} is {len(cleaned):,} characters long; keep it under {limit:,}")
        if not any(ch.isalnum() for ch in cleaned):
            raise QuestionError(f"{what} has no words, only punctuation or symbols; type a question about Trotsky or Trotskyism")
        if script := _foreign_script(cleaned):
            raise QuestionError(f"{what} is in {script} script, and the sources are in English; ask it in English")
        return cleaned

    def _check_history(self, history: Sequence[str] | None) -> list[str]:
        """Earlier questions, each checked like a question; blank ones are skipped."""
        if history is None:
            return []
        if isinstance(history, str) or not isinstance(history, Sequence):
            raise QuestionError("history must be a list of earlier questions, oldest first")
        return [self._check_question(h, "an earlier question") for h in history if not isinstance(h, str) or h.strip()]

    def _check_sources(self, sources: Sequence[str] | None) -> list[str] | None:
        if sources is None:
            return None
        if isinstance(sources, str) or not isinstance(sources, Sequence):
            raise QuestionError(f"sources must be a list of source ids; choose from {', '.join(self.sources)}")
        unknown = [str(s) for s in sources if not isinstance(s, str) or s not in self.sources]
        if unknown:
            raise QuestionError(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(self.sources)}")
        if not sources:
            raise QuestionError("no source selected; choose at least one source to search")
        return list(sources)


# Unicode's first word of a letter's name, where it is not the script's English name
_SCRIPT_NAMES = {"CJK": "Chinese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean"}


def _foreign_script(text: str) -> str | None:
    """The script most of the question's letters are in, when it is not Latin ('Cyrillic' for 'Почему
    Троцкого исключили из партии?'): every word of it would be unknown to the English sources, and the
    answer would say only that they never use them. A Russian name in an English question is English."""
    scripts = [unicodedata.name(ch, "").split(" ")[0] for ch in text if ch.isalpha()]
    foreign = [s for s in scripts if s != "LATIN"]
    if len(foreign) * 2 <= len(scripts):
        return None
    script = max(set(foreign), key=foreign.count)
    return _SCRIPT_NAMES.get(script, script.title())


def _visible(text: str) -> str:
    """`text` without the characters no one can see or search for."""
    if text.isprintable():  # the usual case: no category C character at all
        return text
    # subtle: str.split() keeps zero-width spaces, BOMs and bidi marks, and a lone surrogate
    # (which JSON can carry) makes the model's tokenizer raise TypeError
    return "".join(
        " " if (category := unicodedata.category(ch)) in _AS_SPACE else "" if category in _REMOVED else ch for ch in text
    )
