"""Build, save and load the index: passages, their vectors in FAISS, and a manifest.

Files in the index folder (plain files, like bm25s does it):
  manifest.json    format version, model name and weights hash, dimension, corpus hash,
                   settings, and a SHA-256 of every other file
  passages.jsonl   one Passage per line, in vector order
  dense.faiss      the FAISS index of passage vectors
  sentences.npy    one vector per sentence (float16), in passage then sentence order
  sentences-deep.npy  the same sentences by the deep model (rag.embed), when the index has it
  sentences-unreferenced.npy, sentences-deep-unreferenced.npy
                   each sentence that ends on its quotation's reference ('…” (Article by
                   Trotsky, November 26th, 1931).'), embedded without it, by each model
  sentences-resolved.npy, sentences-deep-resolved.npy
                   each sentence that opens on 'He'/'His', embedded with the name of the
                   person it means in place of the pronoun (rag.decontext), by each model
Only sentences are embedded: a passage's vector is the normalised mean of its sentence
vectors. That measured better on the dev set than embedding whole passages (which the
model truncates at 256 tokens) and gives the sentence vectors that re-scoring and quote
selection need, for the cost of one embedding pass.
The BM25 index is rebuilt at load from passages.jsonl (well under a second here).
Writes are atomic: every file is first written completely beside its final name, then
all are renamed, the manifest last. A build that fails or is interrupted while writing
leaves the old index whole; one stopped between two renames leaves checksums that fail.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import decontext
from .corpus import corpus_hash, load_sources, read_text
from .embed import Embedder, QueryEmbedder, file_sha256
from .errors import IndexCorruptError, IndexMissingError, IndexStaleError, IndexWriteError
from .ingest import ingest_source
from .ingest.assemble import SentenceSplitter
from .schema import Passage, Source
from .vectorindex import build_vector_index, load_vector_index, save_vector_index  # noqa

logger = logging.getLogger(__name__)

# 2: optional deep-model sentence vectors; 3: sentences without their closing reference; 4: 'He'/'His' resolved;
# 5: where each page of a passage begins
FORMAT_VERSION = 5
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DENSE = "dense.faiss"
SENTENCES = "sentences.npy"
DEEP_SENTENCES = "sentences-deep.npy"
UNREFERENCED = "sentences-unreferenced.npy"
DEEP_UNREFERENCED = "sentences-deep-unreferenced.npy"
RESOLVED = "sentences-resolved.npy"
DEEP_RESOLVED = "sentences-deep-resolved.npy"
DATA_FILES = (PASSAGES, DENSE, SENTENCES, UNREFERENCED, RESOLVED)
DEEP_FILES = (DEEP_SENTENCES, DEEP_UNREFERENCED, DEEP_RESOLVED)
REUSABLE_FORMATS = (2, 3, 4, FORMAT_VERSION)  # a build keeps the sentence vectors of an index of these formats
# a sentence ending on its quotation's reference: '… the proletarian world revolution” (Article by Trotsky, November 26th, 1931).'
_CLOSING_REFERENCE = re.compile(r"(?<=[”\"’])\s*\([^()]{1,220}\)\s*\.?\s*$")
MIN_UNREFERENCED_CHARS = 20  # what is left must be words, not a stray mark


@dataclass(frozen=True, slots=True)
class Rewritten:
    """Some of the sentences (`rows` of the sentence vectors) embedded once more, rewritten, by each model."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray | None = None
    deep_vectors: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Index:
    """A loaded index: the corpus metadata, passages and their FAISS vectors."""

    sources: tuple[Source, ...]
    passages: tuple[Passage, ...]
    vectors: Any  # faiss.Index
    sentence_vectors: np.ndarray  # (n_sentences, dim) float32 in memory, float16 on disk
    sentence_owner: np.ndarray  # passage row of each sentence vector
    manifest: dict[str, Any]
    deep_sentence_vectors: np.ndarray | None = None  # (n_sentences, deep dim), when built with a deep model
    unreferenced: Rewritten = Rewritten()  # the sentences that end on a reference, without it (rag.retrieve)
    resolved: Rewritten = Rewritten()  # those opening on 'He'/'His', with the person's name (rag.decontext)


def build_passages(corpus_dir: Path) -> tuple[list[Source], list[Passage]]:
    """Read and ingest every source of the corpus."""
    sources = load_sources(corpus_dir)
    splitter = SentenceSplitter()
    passages: list[Passage] = []
    for source in sources:
        passages.extend(ingest_source(source, read_text(corpus_dir, source), splitter))
    return sources, passages


def build_index(
    corpus_dir: Path, index_dir: Path, embedder: Embedder | QueryEmbedder, deep_embedder: Embedder | QueryEmbedder | None = None,
    progress: bool = False, reuse: bool = True,
) -> dict[str, Any]:
    """Ingest the corpus, embed every sentence (with both models when a deep one is given) and
    write the index; returns the manifest.

    With `reuse`, a sentence the index already in `index_dir` holds, embedded by the same model at
    the same precision, keeps its stored vector: after an edit or a new source only the new
    sentences are embedded (the whole corpus takes minutes with the deep model).
    """
    started = time.perf_counter()
    sources, passages = build_passages(corpus_dir)
    logger.info("ingested %d passages from %d sources", len(passages), len(sources))
    texts = _texts_by_file(passages)
    sentences = texts[0]
    stored = _stored_vectors(index_dir) if reuse else {}
    known = stored.get(_model_key(embedder), {})
    vectors = _embedded_by_file(texts, embedder, known, progress)
    faiss_index = build_vector_index(mean_vectors(vectors[0], sentence_owners(passages), len(passages)))
    data = {PASSAGES: "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages).encode()}
    data.update({name: _npy_bytes(v.astype(np.float16)) for name, v in zip((SENTENCES, UNREFERENCED, RESOLVED), vectors)})
    deep: dict[str, Any] = {}
    if deep_embedder is not None:
        deep_vectors = _embedded_by_file(texts, deep_embedder, stored.get(_model_key(deep_embedder), {}), progress)
        data.update({name: _npy_bytes(v.astype(np.float16)) for name, v in zip(DEEP_FILES, deep_vectors)})
        deep = {
            "deep_model": deep_embedder.name, "deep_model_sha256": deep_embedder.sha256, "deep_dimension": deep_embedder.dim,
            "deep_precision": deep_embedder.precision,
        }
    staged: dict[str, Path] = {}
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        for name, content in data.items():
            staged[name] = _stage(index_dir / name, content)
        staged[DENSE] = _stage(index_dir / DENSE, b"")
        save_vector_index(faiss_index, staged[DENSE])  # itself atomic, onto the staged name
        manifest = {
            "format_version": FORMAT_VERSION,
            "model": embedder.name,
            "model_sha256": embedder.sha256,
            "dimension": embedder.dim,
            "precision": embedder.precision,  # how the corpus was embedded: bfloat16 vectors differ from float32 by ~1e-3
            **deep,
            "corpus_hash": corpus_hash(corpus_dir, sources),
            "passages": len(passages),
            "sentences": len(sentences),
            "sentences_kept": sum(s in known for s in sentences),  # with the vectors the index there had for them
            "index_type": type(faiss_index).__name__,
            "files": {name: file_sha256(staged[name]) for name in _data_files(bool(deep))},
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        staged[MANIFEST] = _stage(index_dir / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    except (OSError, RuntimeError) as exc:  # RuntimeError: how faiss.write_index reports a failed write
        _discard(staged.values())
        raise IndexWriteError(
            f"cannot write the index to {index_dir} ({getattr(exc, 'strerror', None) or exc}); the index there is unchanged; "
            "free disk space or fix the folder's permissions, then run: rag build"
        ) from exc
    except BaseException:
        _discard(staged.values())
        raise
    # subtle: nothing is renamed until every file is complete on disk, and the manifest goes last,
    # so only a failure inside this loop can mix old and new files, and then their checksums fail
    try:
        for name in (*_data_files(bool(deep)), MANIFEST):
            os.replace(staged[name], index_dir / name)
            del staged[name]
        if not deep:
            for name in DEEP_FILES:
                (index_dir / name).unlink(missing_ok=True)  # from an earlier build: it would not match
    except OSError as exc:
        _discard(staged.values())
        raise IndexWriteError(f"cannot finish writing the index to {index_dir} ({exc.strerror or exc}); run: rag build") from exc
    return manifest


def _model_key(embedder: Embedder | QueryEmbedder) -> tuple[str, str, str]:
    """What makes two vectors of one sentence the same: the model, its weights and the precision."""
    return embedder.name, embedder.sha256, embedder.precision


def _stored_vectors(index_dir: Path) -> dict[tuple[str, str, str], dict[str, np.ndarray]]:
    """Sentence -> vector, per model, from the index in `index_dir` whatever corpus it was built from;
    nothing when there is none or it fails its checks (a build is how to repair it)."""
    try:
        manifest = read_manifest(index_dir)
        if manifest.get("format_version") not in REUSABLE_FORMATS:
            return {}
        _check_files(index_dir, manifest, tuple(manifest["files"]))  # an older format has fewer files
        texts = _texts_by_file(_read_passages(index_dir / PASSAGES))
        models = {(manifest.get("model"), manifest.get("model_sha256"), manifest.get("precision")): (SENTENCES, UNREFERENCED, RESOLVED)}
        if "deep_model" in manifest:
            models[(manifest.get("deep_model"), manifest.get("deep_model_sha256"), manifest.get("deep_precision"))] = DEEP_FILES
        stored = {}
        for key, files in models.items():
            table = stored[key] = {}
            for file_texts, file in zip(texts, files):
                vectors = np.load(index_dir / file, allow_pickle=False) if file in manifest["files"] else ()
                if len(vectors) == len(file_texts):  # else built by other rules (an older format): not reused
                    table.update(zip(file_texts, vectors))
        return stored
    except (OSError, ValueError, EOFError, IndexMissingError, IndexCorruptError) as exc:
        logger.info("not reusing the vectors in %s (%s)", index_dir, exc)
        return {}


def _texts_by_file(passages: Sequence[Passage]) -> tuple[list[str], list[str], list[str]]:
    """What each model embeds, file by file: every sentence, those without their reference, those resolved."""
    return sentence_texts(passages), unreferenced_sentences(passages)[1], resolved_sentences(passages)[1]


def _embedded_by_file(
    texts: Sequence[list[str]], embedder: Embedder | QueryEmbedder, stored: dict[str, np.ndarray], progress: bool
) -> list[np.ndarray]:
    """`_embedded` over the texts of every file at once (one progress bar), split again by file."""
    vectors = _embedded([t for file_texts in texts for t in file_texts], embedder, stored, progress)
    return np.split(vectors, np.cumsum([len(t) for t in texts])[:-1])


def _embedded(sentences: list[str], embedder: Embedder | QueryEmbedder, stored: dict[str, np.ndarray], progress: bool) -> np.ndarray:
    """One vector per sentence: the stored one where there is one, else embedded now; rounded as
    stored (float16), so that passage vectors come out the same whichever way a sentence's came."""
    missing = [s for s in dict.fromkeys(sentences) if s not in stored]
    logger.info("%s: embedding %d of %d distinct sentences, the rest kept from the index", embedder.name, len(missing), len(set(sentences)))
    fresh = dict(zip(missing, embedder.embed(missing, progress=progress).astype(np.float16))) if missing else {}
    return np.stack([fresh[s] if s in fresh else stored[s] for s in sentences]).astype(np.float32)


def stored_precision(index_dir: Path) -> str | None:
    """The precision of the vectors the index in `index_dir` holds ('float32', 'bfloat16'); None when
    there is no readable index there (a build then has nothing to keep)."""
    try:
        return read_manifest(index_dir).get("precision")
    except (OSError, IndexMissingError, IndexCorruptError):
        return None


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index in {index_dir}; build it with: rag build")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} is not valid JSON; rebuild with: rag build") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("dimension"), int):
        raise IndexCorruptError(f"{path} is not an index manifest (fields missing or of the wrong type); rebuild with: rag build")
    return manifest


def check_index(index_dir: Path, corpus_dir: Path, embedder_name: str, embedder_sha256: str) -> dict[str, Any]:
    """The manifest, after checking that it matches this code, model, corpus and files."""
    return _check(index_dir, corpus_dir, embedder_name, embedder_sha256)[0]


def _check(index_dir: Path, corpus_dir: Path, embedder_name: str, embedder_sha256: str) -> tuple[dict[str, Any], list[Source]]:
    """check_index, also returning the corpus metadata it read (load_index needs it too)."""
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStaleError(
            f"index in {index_dir} has format {manifest.get('format_version')}, this code reads {FORMAT_VERSION}; rebuild with: rag build"
        )
    if manifest.get("model") != embedder_name or manifest.get("model_sha256") != embedder_sha256:
        raise IndexStaleError(f"index in {index_dir} was built with another embedding model; rebuild with: rag build")
    sources = load_sources(corpus_dir)
    if manifest.get("corpus_hash") != corpus_hash(corpus_dir, sources):
        for source in sources:
            read_text(corpus_dir, source)  # a text that cannot be read is what to fix first, not the index
        raise IndexStaleError(f"the corpus in {corpus_dir} changed since the index was built; rebuild with: rag build")
    _check_files(index_dir, manifest)
    return manifest, sources


def _check_files(index_dir: Path, manifest: dict[str, Any], names: tuple[str, ...] | None = None) -> None:
    """Raise IndexCorruptError unless every data file (or those `names`) is there and matches its checksum in the manifest."""
    for name in names or _data_files("deep_model" in manifest):
        path = index_dir / name
        expected = manifest.get("files", {}).get(name)
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; rebuild with: rag build")
        if expected != file_sha256(path):
            raise IndexCorruptError(f"{path} does not match its checksum in the manifest; rebuild with: rag build")


def load_index(index_dir: Path, corpus_dir: Path, embedder_name: str, embedder_sha256: str) -> Index:
    """Load a checked index (see check_index for what is checked)."""
    manifest, checked_sources = _check(index_dir, corpus_dir, embedder_name, embedder_sha256)
    passages = tuple(_read_passages(index_dir / PASSAGES))
    vectors = load_vector_index(index_dir / DENSE)
    owners = sentence_owners(passages)
    sentence_vectors = _read_vectors(index_dir / SENTENCES)
    dim = manifest["dimension"]
    if vectors.ntotal != len(passages) or vectors.d != dim or sentence_vectors.shape != (len(owners), dim):
        raise IndexCorruptError(
            f"{index_dir}: the vectors do not match the {len(passages)} passages and {len(owners)} sentences; rebuild with: rag build"
        )
    deep = "deep_model" in manifest
    deep_dim = manifest.get("deep_dimension")
    deep_vectors = _read_vectors(index_dir / DEEP_SENTENCES, (len(owners), deep_dim)) if deep else None
    rewritten = [
        _read_rewritten(index_dir, unreferenced_sentences(passages)[0], (UNREFERENCED, DEEP_UNREFERENCED), dim, deep, deep_dim),
        _read_rewritten(index_dir, resolved_sentences(passages)[0], (RESOLVED, DEEP_RESOLVED), dim, deep, deep_dim),
    ]
    sources = tuple(checked_sources)
    if {p.source_id for p in passages} - {s.id for s in sources}:
        raise IndexCorruptError(f"{index_dir / PASSAGES} names sources that are not in {corpus_dir}; rebuild with: rag build")
    return Index(sources, passages, vectors, sentence_vectors, owners, manifest, deep_vectors, *rewritten)


def _read_rewritten(
    index_dir: Path, rows: np.ndarray, files: tuple[str, str], dim: int, deep: bool, deep_dim: int | None
) -> Rewritten:
    """The vectors of some sentences rewritten, from their fast (and, with `deep`, deep) file."""
    fast = _read_vectors(index_dir / files[0], (len(rows), dim))
    deep_vectors = _read_vectors(index_dir / files[1], (len(rows), deep_dim)) if deep else None
    return Rewritten(rows, fast, deep_vectors)


def _data_files(deep: bool) -> tuple[str, ...]:
    return (*DATA_FILES, *DEEP_FILES) if deep else DATA_FILES


def _read_vectors(path: Path, shape: tuple[int, Any] | None = None) -> np.ndarray:
    """A float16 .npy of vectors, as float32 (converted once here, not per question: 6 ms a search),
    of the `shape` the passages call for."""
    try:
        vectors = np.load(path, allow_pickle=False).astype(np.float32)
    except (OSError, ValueError, EOFError) as exc:  # EOFError: an empty file
        raise IndexCorruptError(f"{path} cannot be read; rebuild with: rag build") from exc
    if shape is not None and vectors.shape != shape:
        raise IndexCorruptError(f"{path} does not match the {shape[0]} sentences it holds vectors for; rebuild with: rag build")
    return vectors


def _read_passages(path: Path) -> list[Passage]:
    try:
        with path.open(encoding="utf-8") as handle:
            return [Passage.from_dict(json.loads(line)) for line in handle]
    except (json.JSONDecodeError, KeyError, IndexError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} cannot be read ({exc}); rebuild with: rag build") from exc


def _stage(path: Path, data: bytes) -> Path:
    """Write `data` to a new temporary file beside `path`, flushed to disk; returns its path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp makes it private; an index is meant to be shared
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _discard(paths: Iterable[Path]) -> None:
    for path in list(paths):
        path.unlink(missing_ok=True)


def sentence_texts(passages: Sequence[Passage]) -> list[str]:
    """Every sentence of the passages, in order: what each sentence vector embeds."""
    return [p.text[a:b] for p in passages for a, b in p.sentences]


def unreferenced_sentences(passages: Sequence[Passage]) -> tuple[np.ndarray, list[str]]:
    """The sentences that end on their quotation's reference: their rows among all sentences, and
    their text without it ('… world revolution”'), which a question asking for someone's words is
    matched against: the reference names who spoke and when, which the answer shows as attribution."""
    rows: list[int] = []
    texts: list[str] = []
    for row, sentence in enumerate(sentence_texts(passages)):
        reference = _CLOSING_REFERENCE.search(sentence)
        if reference and reference.start() >= MIN_UNREFERENCED_CHARS:
            rows.append(row)
            texts.append(sentence[: reference.start()])
    return np.array(rows, dtype=np.int64), texts


def resolved_sentences(passages: Sequence[Passage]) -> tuple[np.ndarray, list[str]]:
    """The sentences that open on 'He'/'His' with the name of the person meant in its place (rag.decontext):
    their rows among all sentences, and that text."""
    sources = [p.source_id for p in passages for _ in p.sentences]
    rows, texts = decontext.resolved_sentences(sentence_texts(passages), sources)
    return np.array(rows, dtype=np.int64), texts


def sentence_owners(passages: tuple[Passage, ...] | list[Passage]) -> np.ndarray:
    """For each sentence vector, the row of the passage it belongs to."""
    return np.repeat(np.arange(len(passages)), [len(p.sentences) for p in passages])


def mean_vectors(sentence_vectors: np.ndarray, owners: np.ndarray, n: int) -> np.ndarray:
    """Each passage's vector: the L2-normalised mean of its sentence vectors."""
    sums = np.zeros((n, sentence_vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, owners, sentence_vectors.astype(np.float32))
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def passage_vectors(index: Index) -> np.ndarray:
    """All passage vectors, reconstructed from FAISS (for exact re-scoring and tests)."""
    return index.vectors.reconstruct_n(0, index.vectors.ntotal)
