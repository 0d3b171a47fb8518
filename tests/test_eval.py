"""Evaluation metrics on hand-made answers with known scores, and `rag eval` end to end."""

from __future__ import annotations

import hashlib
import json
import math

import pytest

from rag import RagError
from rag.cli import main
from rag.embed import MODEL_SHA256
from rag.eval import (
    Evaluator,
    Evidence,
    GoldQuestion,
    leaked_terms,
    load_answers,
    load_gold,
    match_answers,
    quote_holds,
    same_speaker,
    summarise,
)
from rag.text import words

CAMPBELL, IDOM, APL = "campbell-1939", "idom-1927-expulsion", "apl-on-trotskyites"


@pytest.fixture(scope="module")
def evaluator(assistant, corpus_dir) -> Evaluator:
    return Evaluator.for_assistant(assistant, corpus_dir)


@pytest.fixture(scope="module")
def sentence_of(assistant):
    """Per source, a passage and the index of a sentence of 12-40 words in it."""
    chosen = {}
    for p in assistant.index.passages:
        if p.source_id in chosen or p.kind != "text":
            continue
        for i, (start, end) in enumerate(p.sentences):
            if 12 <= len(p.text[start:end].split()) <= 40 and '"' not in p.text[start:end]:
                chosen[p.source_id] = (p, i)
                break
    assert set(chosen) == {CAMPBELL, IDOM, APL}
    return chosen


def excerpt(passage, sentence: int, n: int = 1, source_id: str | None = None, speaker: str | None = None, shift: int = 0) -> dict:
    """An excerpt as the answer JSON carries it, cut from a real passage."""
    start, end = passage.sentences[sentence]
    span = passage.file_span(start, end)
    return {"n": n, "source_id": source_id or passage.source_id, "passage_id": passage.id, "quote": passage.text[start:end],
            "span": [span[0] + shift, span[1] + shift], "speaker": speaker}


def answer(covered: bool, excerpts=(), closest=(), lead: str = "") -> dict:
    return {"schema": "viewpoints.answer/1", "question": "q", "standalone_question": "q", "covered": covered, "lead": lead,
            "markdown": "", "excerpts": list(excerpts), "closest": list(closest), "sources": [], "timings_ms": {}}


def gold(kind: str = "factual", sources=(CAMPBELL,), evidence=(), speaker: str = "", qid: str = "t1") -> GoldQuestion:
    return GoldQuestion(qid, f"question {qid}", kind, tuple(sources), tuple(evidence), speaker=speaker)


def test_a_verbatim_quote_passes_every_check(evaluator, sentence_of):
    passage, i = sentence_of[CAMPBELL]
    check = evaluator.check_quote(excerpt(passage, i), "excerpt")
    assert (check.verbatim, check.misattributed, check.located, check.found_in) == (True, False, True, (CAMPBELL,))


def test_an_altered_quote_is_not_verbatim_and_not_misattributed(evaluator, sentence_of):
    passage, i = sentence_of[CAMPBELL]
    altered = excerpt(passage, i)
    altered["quote"] = altered["quote"].replace(" ", " never ", 1)
    check = evaluator.check_quote(altered, "excerpt")
    assert (check.verbatim, check.misattributed, check.located, check.found_in) == (False, False, False, ())


def test_a_quote_cited_to_the_wrong_source_is_misattributed(evaluator, sentence_of):
    passage, i = sentence_of[CAMPBELL]
    check = evaluator.check_quote(excerpt(passage, i, source_id=APL), "excerpt")
    assert (check.verbatim, check.misattributed, check.located) == (False, True, False)
    row = summarise([evaluator.score(gold(), answer(True, [excerpt(passage, i), excerpt(passage, i, n=2, source_id=APL)]))])
    assert (row["verbatim_rate"], row["misattribution"], row["location_accuracy"]) == (0.5, 0.5, 0.5)


def test_a_wrong_span_fails_location_only(evaluator, sentence_of):
    passage, i = sentence_of[IDOM]
    check = evaluator.check_quote(excerpt(passage, i, shift=3), "closest")
    assert (check.verbatim, check.located, check.shown_as) == (True, False, "closest")


def test_refusals_count_as_declined_on_out_of_scope_and_false_on_answerable(evaluator, sentence_of):
    passage, i = sentence_of[APL]
    declined = evaluator.score(gold("out_of_scope", (), qid="o1"), answer(False, closest=[excerpt(passage, i)]))
    answered = evaluator.score(gold("out_of_scope", (), qid="o2"), answer(True, [excerpt(passage, i)]))
    evidence = (Evidence(CAMPBELL, "some words of the source"),)  # answerable: it has evidence
    refused = evaluator.score(gold(qid="a1", evidence=evidence), answer(False))
    kept = evaluator.score(gold(qid="a2", evidence=evidence), answer(True, [excerpt(*sentence_of[CAMPBELL])]))
    row = summarise([declined, answered, refused, kept])
    assert (row["out_of_scope_declined"], row["false_refusals"]) == (0.5, 0.5)
    assert math.isnan(summarise([declined])["false_refusals"])  # no answerable question: not applicable


def test_speaker_names_match_leniently():
    assert same_speaker("Lenin", "V. I. Lenin")
    assert same_speaker("William Z. Foster", "Foster")
    assert same_speaker("Togliatti (reporting Antonio Gramsci)", "Gramsci")
    assert same_speaker("The Times", "the times")
    assert not same_speaker("Lenin", "Trotsky")
    assert not same_speaker("Lenin", None)
    assert not same_speaker("Marx", "Marxists")  # whole words only


def test_speaker_attribution_looks_at_the_excerpt_holding_the_evidence(evaluator, sentence_of):
    passage, i = sentence_of[CAMPBELL]
    shown = excerpt(passage, i, speaker="V. I. Lenin")
    evidence = (Evidence(CAMPBELL, shown["quote"]),)
    named = evaluator.score(gold(evidence=evidence, speaker="Lenin"), answer(True, [shown]))
    unnamed = evaluator.score(gold(evidence=evidence, speaker="Lenin"), answer(True, [{**shown, "speaker": None}]))
    elsewhere = evaluator.score(gold(evidence=(Evidence(CAMPBELL, "words that appear in no answer at all, not once, nowhere"),),
                                     speaker="Lenin"), answer(True, [shown]))
    assert [r.speaker_check for r in (named, unnamed, elsewhere)] == ["ok", "evidence quoted without this speaker", "evidence not quoted"]
    assert summarise([named, unnamed, elsewhere])["speaker_attribution"] == pytest.approx(1 / 3)


def test_a_short_quotation_inside_the_evidence_holds_it_whatever_its_marks():
    evidence = Evidence(CAMPBELL, 'The great hydro-electric plant at Dnieperstroi is "a white elephant eating its head off')
    assert quote_holds("“a white elephant eating its head off”", evidence)  # gold cut before the closing mark
    assert not quote_holds("“a white elephant”", evidence)  # under four words: too little to count
    assert not quote_holds("“a white elephant eating its own head off”", evidence)


def test_loaded_terms_in_the_lead_are_flagged_outside_quotes_only():
    assert leaked_terms("Two sources describe the wreckers.") == ("wrecker(s)",)
    assert leaked_terms("It calls them counter-revolutionary; others a degenerated workers’ state.") == (
        "counter-revolutionary", "degenerated workers' state")
    assert leaked_terms('The sources never use the words "wreckers" or \u2018traitors\u2019.') == ()
    assert leaked_terms("Three sources address this: two hostile to Trotsky and one sympathetic to Trotsky.") == ()
    assert leaked_terms("the workers' state") == ()


def test_balance_is_the_share_of_quoted_words_per_source(evaluator, sentence_of):
    (p1, i1), (p2, i2) = sentence_of[CAMPBELL], sentence_of[IDOM]
    e1, e2 = excerpt(p1, i1), excerpt(p2, i2, n=2)
    n1, n2 = len(words(e1["quote"])), len(words(e2["quote"]))
    two = evaluator.score(gold("contested", (CAMPBELL, IDOM)), answer(True, [e1, e2]))
    assert dict(two.balance) == pytest.approx({CAMPBELL: n1 / (n1 + n2), IDOM: n2 / (n1 + n2)})
    assert two.balance_ratio == pytest.approx(min(n1, n2) / max(n1, n2))
    assert two.perspective == 1.0
    three = evaluator.score(gold("contested", (CAMPBELL, IDOM, APL)), answer(True, [e1, e2]))
    assert (three.balance_ratio, three.perspective) == (0.0, pytest.approx(2 / 3))
    assert evaluator.score(gold(), answer(True, [e1])).balance_ratio is None  # one source: not applicable


def test_lead_support_backs_true_claims_and_catches_false_ones(evaluator, sentence_of):
    e1 = excerpt(*sentence_of[CAMPBELL])
    true_lead = ("One source addresses this: one hostile to Trotsky (Communist Party of Great Britain, 1939). "
                 "It speaks in its own words below. Not addressed in what was found: In Defence of Marxism; American Party of Labor.")
    claims = evaluator.check_lead(answer(True, [e1], lead=true_lead))
    assert len(claims) == 4 and all(c.supported for c in claims)
    further = true_lead.replace("Not addressed in what was found", "Nothing further found in")  # after 'Tell me more'
    assert [c.supported for c in evaluator.check_lead(answer(True, [e1], lead=further))] == [True] * 4
    plain = "One source addresses this: Communist Party of Great Britain, 1939, hostile to Trotsky. It speaks in its own words below."
    assert [c.supported for c in evaluator.check_lead(answer(True, [e1], lead=plain))] == [True, True, True]
    wrong = plain.replace("hostile", "sympathetic")
    assert [c.supported for c in evaluator.check_lead(answer(True, [e1], lead=wrong))] == [True, False, True]
    false_lead = ("Two sources address this: one sympathetic to Trotsky (Communist Party of Great Britain, 1939) and "
                  "one hostile to Trotsky (American Party of Labor). Each speaks in its own words below. Trotsky was right.")
    claims = evaluator.check_lead(answer(True, [e1], lead=false_lead))
    assert [c.supported for c in claims] == [False, False, False, False, False]
    assert "not a claim" in claims[-1].why and claims[-1].claim == "Trotsky was right"


def test_answers_match_by_id_or_by_question_text(tmp_path):
    questions = [gold(qid="a"), gold(qid="b"), gold(qid="c")]
    pairs, missing = match_answers(questions, [{"id": "a", "covered": True}, {"question": "  Question B ", "covered": False}])
    assert [q.id for q, _ in pairs] == ["a", "b"] and missing == ["c"]
    bad = tmp_path / "answers.jsonl"
    bad.write_text('{"id": "a", "covered": true, "lead": "", "excerpts": [{"quote": "x"}]}\n')
    with pytest.raises(RagError, match=r"answers.jsonl:1: missing excerpts\[0\].source_id"):
        load_answers(bad)


def test_rag_eval_end_to_end(gold_path, tmp_path, capsys, evaluator):
    wanted = ["c005", "c020", "o067", "o091"]  # factual, attribution (a speaker), contested, out of scope
    lines = {json.loads(line)["id"]: line for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()}
    small = tmp_path / "gold.jsonl"
    small.write_text("\n".join(lines[i] for i in wanted) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    assert main(["eval", str(small), "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)

    assert sorted(p.name for p in out.iterdir()) == ["answers.jsonl", "questions.jsonl", "summary.json", "summary.md"]
    assert json.loads((out / "summary.json").read_text()) == printed
    overall = printed["summary"]["all"]
    assert overall["questions"] == 4 and overall["quotes"] > 0
    assert (overall["verbatim_rate"], overall["misattribution"], overall["location_accuracy"]) == (1.0, 0.0, 1.0)
    assert set(printed["summary"]) == {"all", "factual", "attribution", "contested", "out_of_scope"}
    run = printed["run"]
    assert run["gold_sha256"] == hashlib.sha256(small.read_bytes()).hexdigest()
    assert run["models"][0]["weights_sha256"] == MODEL_SHA256 and "answer_pool" in run["settings"]
    assert run["models"][1]["name"] == run["models"][1]["index_built_with"] == "sentence-transformers/all-mpnet-base-v2"
    details = [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]
    assert [d["id"] for d in details] == wanted
    assert all(d["retrieval"] is not None and len(d["retrieval"]["top10"]) == 10 for d in details)
    assert "| verbatim_rate |" in (out / "summary.md").read_text()

    # the written answers, scored as answers from elsewhere, give the same answer metrics
    pairs, missing = match_answers(load_gold(small), load_answers(out / "answers.jsonl"))
    again = summarise(list(evaluator.score_pairs(pairs)))
    assert missing == [] and math.isnan(again["hit@5"])  # retrieval skipped
    for key in ("quotes", "verbatim_rate", "misattribution", "location_accuracy", "false_refusals", "lead_support"):
        assert again[key] == pytest.approx(overall[key]), key


def test_a_decline_reason_is_checked_against_the_question_and_corpus(assistant, corpus_dir):
    from rag.eval import Evaluator

    evaluator = Evaluator.for_assistant(assistant, corpus_dir)
    declined = assistant.ask("Who won the football World Cup in 2022?").to_dict()
    assert not declined["covered"]
    assert all(claim.supported for claim in evaluator.check_lead(declined)), evaluator.check_lead(declined)
    # the same reason given for a question whose every word and year is in the corpus is unsupported
    forged = dict(declined, standalone_question="Why was Trotsky expelled in 1927?")
    assert not all(claim.supported for claim in evaluator.check_lead(forged))
    # a name the sources never mention is checked against the corpus too
    stranger = assistant.ask("What part did Trotsky play in putting down the Kronstadt uprising?").to_dict()
    assert "never mention Kronstadt" in stranger["lead"]
    assert all(claim.supported for claim in evaluator.check_lead(stranger))
    named = dict(stranger, lead=stranger["lead"].replace("Kronstadt", "Kamenev"))
    assert not all(claim.supported for claim in evaluator.check_lead(named))
    # '… the sources searched never mention …' is checked against the sources searched only
    searched = assistant.ask("What did George Orwell do in Spain?", sources=["campbell-1939", "idom-1927-expulsion"]).to_dict()
    assert "the sources searched never mention George Orwell" in searched["lead"]
    assert all(claim.supported for claim in evaluator.check_lead(searched))
    everywhere = dict(searched, sources=[dict(c, searched=True) for c in searched["sources"]])
    assert not all(claim.supported for claim in evaluator.check_lead(everywhere))
    # a page no source searched has: checked against the passages' pages
    no_page = assistant.ask("What does the APL say on page 70?").to_dict()
    assert "the sources searched have no page 70" in no_page["lead"]
    assert all(claim.supported for claim in evaluator.check_lead(no_page))
    campbell_too = dict(no_page, sources=[dict(c, searched=True) for c in no_page["sources"]])
    assert not all(claim.supported for claim in evaluator.check_lead(campbell_too))
    # a question about a source itself: checked against the question, its source names taken out
    itself = assistant.ask("Who is J. R. Campbell?").to_dict()
    assert "it asks about a source itself" in itself["lead"]
    assert all(claim.supported for claim in evaluator.check_lead(itself))
    more = dict(itself, standalone_question="Who is J. R. Campbell's Trotsky?")
    assert not all(claim.supported for claim in evaluator.check_lead(more))


@pytest.mark.parametrize(("name", "size"), [("heldout.jsonl", 36), ("heldout2.jsonl", 40), ("heldout3.jsonl", 44)])
def test_the_held_out_gold_is_well_formed_and_its_evidence_verbatim(evaluator, assistant, name, size):
    # benchmarks/heldout*.jsonl: questions written without sight of dev.jsonl or the system
    from rag.assistant import PROJECT_DIR

    gold = load_gold(PROJECT_DIR / "benchmarks" / name)
    assert len(gold) == size and len({q.id for q in gold}) == size
    for q in gold:
        for e in q.evidence:
            check = evaluator.check_quote({"source_id": e.source, "quote": e.quote, "passage_id": "", "span": [0, 0]}, "excerpt")
            assert check.verbatim, (q.id, e.quote)


def test_the_scope_set_holds_its_measured_verdicts(evaluator, assistant):
    # benchmarks/scope.jsonl: 127 questions a helper wrote to audit the scope check (s-) and 90 another wrote blind
    # (f-): answerable ones in everyday words, each with a phrase of a source that answers it; out-of-scope ones
    # checked by grep. Measured at this session's end: 6 of 127 answerable declined ('What is Trotsky's legacy?'),
    # 50 of 90 out-of-scope answered ('What languages could Trotsky speak?'); this holds the line (docs/evaluation.md)
    from rag.assistant import PROJECT_DIR

    rows = [json.loads(line) for line in (PROJECT_DIR / "benchmarks" / "scope.jsonl").read_text().splitlines()]
    assert len(rows) == 217 and len({r["id"] for r in rows}) == 217
    for r in rows:
        if r["expected"] == "answer":
            checks = [evaluator.check_quote({"source_id": s, "quote": r["phrase"], "passage_id": "", "span": [0, 0]}, "excerpt") for s in r["sources"]]
            assert any(c.verbatim for c in checks), (r["id"], r["phrase"])
    declined = [r["id"] for r in rows if r["expected"] == "answer" and not assistant.ask(r["question"]).covered]
    answered = [r["id"] for r in rows if r["expected"] == "decline" and assistant.ask(r["question"]).covered]
    assert len(declined) <= 6, declined
    assert len(answered) <= 50, answered
