"""Retrieval on the real index: the measured quality holds, and the fusion behaves as documented."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from rag.eval import load_gold, retrieval_metrics
from rag.query import named_sources, ordinal_twins, without_source_names
from rag.retrieve import _standardised, _undotted

# A little under the figures in docs/evaluation.md (hit@5 0.859, MRR@10 0.771, viewpoint
# coverage 0.650): search is deterministic, so falling below means a change made it worse.
# The targets of issue #2 are higher; these are floors, not goals.
FLOORS = {"hit@5": 0.84, "mrr@10": 0.76, "viewpoint_coverage": 0.63}


def test_dev_retrieval_keeps_its_measured_quality(assistant, gold_path):
    metrics = retrieval_metrics(load_gold(gold_path), lambda q: assistant.search(q, k=10))
    for name, floor in FLOORS.items():
        assert metrics[name] >= floor, (name, metrics)


def test_scores_fall_with_rank_and_every_source_keeps_a_place(assistant):
    hits = assistant.search("Was the USSR under Stalin a socialist workers' state?", k=10)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert all(a.score >= b.score > 0 for a, b in pairwise(hits))
    assert {h.passage.source_id for h in hits} == set(assistant.sources)


def test_a_named_chapter_comes_first(assistant):
    hits = assistant.search("What does Chapter V say about the Shakhty wreckers?", k=5)
    assert all(h.passage.chapter.startswith("Chapter V:") for h in hits[:3]), [h.passage.chapter for h in hits]


def test_a_chapter_only_one_source_has_names_that_source(assistant):
    hits = assistant.search("How does the foreword characterise Trotsky's criticism of the Soviet Union?", k=10)
    assert {h.passage.source_id for h in hits} == {"campbell-1939"}
    assert hits[0].passage.chapter == "Foreword"
    answer = assistant.ask("How does the foreword characterise Trotsky's criticism of the Soviet Union?")
    assert {e.source_id for e in answer.excerpts} == {"campbell-1939"} and "Not searched" in answer.lead


def test_standardised_signals_ignore_passages_outside_the_search():
    scores = np.array([1.0, 2.0, 3.0, 100.0])
    allowed = np.array([True, True, True, False])
    z = _standardised(scores, allowed)
    assert z[:3].mean() == pytest.approx(0.0) and z[:3].std() == pytest.approx(1.0)
    assert np.all(_standardised(np.ones(4), allowed) == 0)  # a flat signal says nothing
    assert _standardised(scores, np.zeros(4, dtype=bool)).tolist() == [0.0] * 4



def test_an_ordinal_in_words_finds_it_in_figures_and_back(assistant):
    # the sources write 'the 15th Party Congress' and 'the Seventh Congress'; BM25 matches tokens only
    assert ordinal_twins("At the Fifteenth Congress, the 7th and the 21st") == ["15th", "seventh"]

    def bm25_of_15th(question):  # IDOM's 'On the eve of the 15th congress Trotsky and Zinoviev were expelled.'
        hits = assistant.search(question, k=100, sources=["idom-1927-expulsion"])
        return max(h.lexical for h in hits if "15th congress" in h.passage.text)

    assert bm25_of_15th("the Fifteenth congress") > bm25_of_15th("the congress") > 0


def test_a_plain_acronym_finds_the_dotted_one():
    # the 1939 book writes 'P.O.U.M.' and 'U.S.S.R.'; BM25's tokenizer drops one-letter tokens
    assert _undotted("the P.O.U.M. and the U.S.S.R., J. R. Campbell (J.R.C.)") == "the POUM and the USSR, J. R. Campbell (JRC)"


def test_bm25_matches_an_acronym_however_it_is_dotted(assistant):
    hits = assistant.search("What was the POUM?", k=10, sources=["campbell-1939"])
    assert any("P.O.U.M." in h.passage.text and h.lexical > 0 for h in hits)


def test_a_named_source_is_searched_for_the_subject_not_for_its_own_name(assistant):
    # the APL names itself often ('The American Party of Labor … regards Trotskyism as …'); the question's
    # subject is in 'Lenin saw through Trotsky’s opportunism and spoke of … so-called Permanent Revolution'
    hits = assistant.search("What does the American Party of Labor say about Trotsky's theory of permanent revolution?", k=5)
    assert {h.passage.source_id for h in hits} == {"apl-on-trotskyites"}
    assert any("Permanent Revolution" in h.passage.text for h in hits[:2])


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What does the pro-Trotsky article think of socialism in one country?", ["idom-1927-expulsion"]),
        ("How does the sympathetic source explain the expulsion?", ["idom-1927-expulsion"]),
        ("What do the hostile sources say about the trials?", ["campbell-1939", "apl-on-trotskyites"]),
        ("Were the hostile powers preparing war?", []),  # a side names a source only with a word for one
        ("What did the Trotskyists do in Spain?", []),
    ],
)
def test_a_source_may_be_named_by_its_side(assistant, question, named):
    # users name a source by the viewpoint label they were shown: '… — sympathetic to Trotsky'
    sources = list(assistant.sources.values())
    assert named_sources(question, sources) == named
    if named:
        assert {h.passage.source_id for h in assistant.search(question, k=10)} == set(named)


def test_a_side_that_names_a_source_is_left_out_of_the_search(assistant):
    stripped = without_source_names("What does the pro-Trotsky article think of socialism in one country?", list(assistant.sources.values()))
    assert stripped == "What does think of socialism in one country?"
