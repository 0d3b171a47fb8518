"""Broken, stale and half-written files: each is caught with a message that says what to do.

Every test damages a copy (of index/ or corpus/ in tmp_path), never the repository.
"""

from __future__ import annotations

import json
import re
import resource
import shutil
from pathlib import Path

import pytest

from rag import (
    Assistant,
    CorpusError,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    RagError,
)
from rag.assistant import DEFAULT_CORPUS, DEFAULT_INDEX
from rag.embed import file_sha256
from rag.errors import IndexWriteError
from rag.index import (
    DATA_FILES,
    DEEP_FILES,
    DEEP_SENTENCES,
    DEEP_UNREFERENCED,
    DENSE,
    MANIFEST,
    PASSAGES,
    SENTENCES,
    UNREFERENCED,
    build_index,
    check_index,
    load_index,
)

ALL_FILES = (*DATA_FILES, *DEEP_FILES, MANIFEST)  # the committed index has the deep model's vectors
SMALL_SOURCE = "idom-1927-expulsion"  # the shortest text: its index builds in seconds, not minutes
ADDED = (
    "In the archive of this test there is a paragraph that no source contains. It tells of a quartermaster "
    "who counted seventeen typewriters in the corridor of a committee building and wrote each serial number "
    "on a card. The cards were kept in a biscuit tin until the building was sold. Nobody ever asked to see "
    "them, and the quartermaster never explained why he had counted the typewriters at all."
)


@pytest.fixture
def index_copy(tmp_path) -> Path:
    return Path(shutil.copytree(DEFAULT_INDEX, tmp_path / "index"))


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    return Path(shutil.copytree(DEFAULT_CORPUS, tmp_path / "corpus"))


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """A copy of the corpus cut down to its shortest source, with one paragraph added to it."""
    corpus = Path(shutil.copytree(DEFAULT_CORPUS, tmp_path_factory.mktemp("small") / "corpus"))
    head, *blocks = re.split(r"(?m)^\[\[source\]\]$", (corpus / "sources.toml").read_text(encoding="utf-8"))
    kept = [block for block in blocks if f'id = "{SMALL_SOURCE}"' in block]
    assert len(kept) == 1, "the corpus metadata changed shape; update this fixture"
    (corpus / "sources.toml").write_text(head + "".join("[[source]]" + block for block in kept), encoding="utf-8")
    with (corpus / f"{SMALL_SOURCE}.txt").open("a", encoding="utf-8") as handle:
        handle.write("\n" + ADDED + "\n")
    return corpus


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, small_corpus, embedder) -> Path:
    index_dir = tmp_path_factory.mktemp("small-index")
    build_index(small_corpus, index_dir, embedder)
    return index_dir


def _load(index_dir: Path, corpus_dir: Path, embedder, **options) -> Assistant:
    return Assistant.load(index_dir, corpus_dir, embedder=embedder, **options)


def _fingerprint(index_dir: Path) -> dict[str, str]:
    """Every file of an index folder (temporary ones included) and its checksum."""
    return {path.name: file_sha256(path) for path in sorted(index_dir.iterdir())}


def _rewrite_checksums(index_dir: Path) -> None:
    """Make the manifest vouch for the files as they are now: damage a checksum cannot catch."""
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest["files"] = {name: file_sha256(index_dir / name) for name in manifest["files"]}
    (index_dir / MANIFEST).write_text(json.dumps(manifest))


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16]) + data[middle + 16 :]


DAMAGE = {
    "corrupted": lambda path: path.write_bytes(_flip(path.read_bytes())),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "emptied": lambda path: path.write_bytes(b""),
    "missing": lambda path: path.unlink(),
}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("name", ALL_FILES)
def test_a_damaged_index_file_is_detected(index_copy, embedder, name, damage):
    DAMAGE[damage](index_copy / name)
    with pytest.raises((IndexCorruptError, IndexMissingError), match="rag build") as info:
        _load(index_copy, DEFAULT_CORPUS, embedder)
    assert str(index_copy) in str(info.value)


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        (PASSAGES, lambda text: text[: text.rindex("\n", 0, len(text) - 1) + 1], "do not match"),  # one passage fewer
        (PASSAGES, lambda text: text.replace('{"id": "', '{"name": "', 1), "cannot be read"),  # a field missing
        (PASSAGES, lambda text: re.sub(r'"span": \[\d+, \d+\]', '"span": [0]', text, count=1), "cannot be read"),
        (PASSAGES, lambda text: text.replace('"source_id": "campbell-1939"', '"source_id": "nobody"', 1), "not in"),
    ],
    ids=["passage-dropped", "field-missing", "span-short", "unknown-source"],
)
def test_passages_that_do_not_match_the_vectors_are_detected(index_copy, embedder, name, damage, message):
    path = index_copy / name
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    _rewrite_checksums(index_copy)
    with pytest.raises(IndexCorruptError, match=message) as info:
        _load(index_copy, DEFAULT_CORPUS, embedder)
    assert "rag build" in str(info.value)


@pytest.mark.parametrize("name", [DENSE, SENTENCES, DEEP_SENTENCES, UNREFERENCED, DEEP_UNREFERENCED])
@pytest.mark.parametrize("damage", ["truncated", "emptied"])
def test_unreadable_vectors_are_detected_even_when_the_checksums_agree(index_copy, embedder, name, damage):
    DAMAGE[damage](index_copy / name)
    _rewrite_checksums(index_copy)
    with pytest.raises(IndexCorruptError, match="rag build"):
        _load(index_copy, DEFAULT_CORPUS, embedder)


@pytest.mark.parametrize(
    "manifest",
    ["[]", "null", '{"format_version": 1}', '{"format_version": 1, "files": "all", "dimension": 384}', '{"files": {}, "dimension": "384"}'],
)
def test_a_manifest_of_the_wrong_shape_is_detected(index_copy, embedder, manifest):
    (index_copy / MANIFEST).write_text(manifest)
    with pytest.raises(IndexCorruptError, match="rag build"):
        _load(index_copy, DEFAULT_CORPUS, embedder)


def test_an_index_from_another_format_version_is_stale(index_copy, embedder):
    manifest = json.loads((index_copy / MANIFEST).read_text())
    manifest["format_version"] = 999
    (index_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexStaleError, match="rag build"):
        _load(index_copy, DEFAULT_CORPUS, embedder)


def test_a_corpus_text_changed_after_the_build_is_detected(corpus_copy, embedder):
    with (corpus_copy / "apl-on-trotskyites.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nOne more line.\n")
    with pytest.raises(IndexStaleError, match="changed since the index was built; rebuild with: rag build"):
        _load(DEFAULT_INDEX, corpus_copy, embedder)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda toml: toml.replace('stance = "sympathetic"', 'stance = "furious"'), "field 'stance'"),
        (lambda toml: toml.replace('file = "campbell-1939.txt"', 'file = "gone.txt"'), "field 'file'"),
        (lambda toml: toml + "\n[[source]\n", "not valid TOML"),
        (lambda toml: toml.replace('title = "Soviet Policy and Its Critics"', "title = 1939"), "field 'title'"),
    ],
    ids=["bad-stance", "missing-file", "bad-toml", "wrong-type"],
)
def test_malformed_metadata_names_the_file_and_field(corpus_copy, index_copy, embedder, edit, message):
    path = corpus_copy / "sources.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = _fingerprint(index_copy)
    for on_stale in ("raise", "rebuild"):  # nothing to rebuild from: the metadata must be fixed first
        with pytest.raises(CorpusError, match=message) as info:
            _load(index_copy, corpus_copy, embedder, on_stale=on_stale)
        assert str(path) in str(info.value)
    assert _fingerprint(index_copy) == before


def test_invalid_utf8_in_a_corpus_text_is_named_not_rebuilt(corpus_copy, index_copy, embedder):
    path = corpus_copy / "campbell-1939.txt"
    data = path.read_bytes()
    path.write_bytes(data[:5000] + b"\xff\xfe" + data[5002:])
    before = _fingerprint(index_copy)
    for on_stale in ("raise", "rebuild"):
        with pytest.raises(CorpusError, match=r"not valid UTF-8 at byte 5000; re-save the file as UTF-8") as info:
            _load(index_copy, corpus_copy, embedder, on_stale=on_stale)
        assert str(path) in str(info.value)
    assert _fingerprint(index_copy) == before


@pytest.mark.slow
def test_a_stale_index_is_rebuilt_when_asked(small_corpus, small_index, index_copy, embedder, deep_embedder):
    """The committed index is stale for the cut-down corpus: on_stale="rebuild" replaces it, and it then answers from it."""
    with pytest.raises(IndexStaleError):
        _load(index_copy, small_corpus, embedder)
    assistant = _load(index_copy, small_corpus, embedder, on_stale="rebuild", deep_embedder=deep_embedder)
    check_index(index_copy, small_corpus, embedder.name, embedder.sha256)
    assert {p.source_id for p in assistant.index.passages} == {SMALL_SOURCE}
    assert assistant.index.passages == load_index(small_index, small_corpus, embedder.name, embedder.sha256).passages
    assert assistant.index.deep_sentence_vectors is not None  # rebuilt as `rag build` builds: both models
    hit = assistant.search("Who counted seventeen typewriters in the corridor?", k=1)[0]
    assert "seventeen typewriters" in hit.passage.text
    assert sorted(_fingerprint(index_copy)) == sorted(ALL_FILES), "temporary files were left behind"


@pytest.mark.slow
def test_a_build_that_fails_while_writing_leaves_the_old_index_whole(small_corpus, small_index, index_copy, embedder, deep_embedder):
    """A real write failure (the file-size limit, as a full disk would) in the middle of `build_index`."""
    sizes = {name: (small_index / name).stat().st_size for name in DATA_FILES}
    assert sizes[PASSAGES] < sizes[SENTENCES], "the limit below must fall between the first and second file written"
    limit = (sizes[PASSAGES] + sizes[SENTENCES]) // 2  # passages.jsonl is written in full, sentences.npy is not
    before = _fingerprint(index_copy)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # subtle: Python ignores SIGXFSZ, so a write past the limit raises OSError (EFBIG) instead of killing pytest
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        with pytest.raises(IndexWriteError, match="the index there is unchanged") as info:
            build_index(small_corpus, index_copy, embedder)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert "rag build" in str(info.value)
    assert _fingerprint(index_copy) == before, "a file of the old index was replaced or a temporary file left behind"
    old = _load(index_copy, DEFAULT_CORPUS, embedder, deep_embedder=deep_embedder)
    assert old.index.manifest["passages"] == len(old.index.passages) > 1000


@pytest.mark.slow
def test_an_index_folder_that_cannot_be_created_is_a_clear_error(small_corpus, tmp_path, embedder):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexWriteError, match="cannot write the index") as info:
        build_index(small_corpus, blocker / "index", embedder)
    assert isinstance(info.value, RagError) and "rag build" in str(info.value)
