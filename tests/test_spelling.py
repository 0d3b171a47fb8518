"""Misspelt names and other spellings are read as the corpus spells them (real corpus, real pipeline)."""

from __future__ import annotations

import pytest

from rag.spelling import Spelling


@pytest.fixture(scope="module")
def spelling(passages) -> Spelling:
    return Spelling(p.text for p in passages)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("What did Bukarin say about Trotski?", "What did Bukharin say about Trotsky?"),
        ("Why were Zinovyev and Kamenyev tried?", "Why were Zinoviev and Kamenev tried?"),
        ("How did collectivization go?", "How did collectivisation go?"),
        ("Zinovieff and Kameneff", "Zinoviev and Kamenev"),
        ("Sinowjew, Bucharin, Trotzki", "Zinoviev, Bukharin, Trotsky"),  # German transliteration
        ("Did the party's behavior change?", "Did the party's behaviour change?"),
        # two neighbouring letters swapped, in a word the corpus uses often
        ("why was trotksy expleled", "why was trotsky expelled"),
        ("Was Stlain a friend of Bukahrin?", "Was Stalin a friend of Bukharin?"),
    ],
)
def test_unknown_names_and_spellings_take_the_corpus_form(spelling, typed, read):
    assert spelling.correct(typed) == read


@pytest.mark.parametrize(
    "question",
    [
        "Was borscht served at the landing?",  # short common words stay, even one edit from a corpus word
        "Who claims the rightful succession?",  # 'frightful' is another word, not another spelling
        "Was Trotsky a Martian?",  # one letter from 'Marxian', and still another word
        "What is the capital of Australia?",  # not 'Austria'
        "Were the chicks pooled?",  # not 'polled'
        "Was the soldier attached to the parish?",  # not 'shoulder', 'attacked', 'Paris'
        "Who was Esteban Volkov?",  # names nowhere near a corpus word stay as typed
        "Why was Trotsky expelled from the party in 1927?",  # known words are never touched
        "What happened to his wife Natalia Sedova?",  # one letter from 'Sedov', his son: no swap
        "Did Trotsky keep a dairy?",  # two letters swapped from 'diary', which the corpus uses twice
    ],
)
def test_other_words_are_left_as_typed(spelling, question):
    assert spelling.correct(question) == question


def test_a_misspelt_name_is_answered_and_the_reading_is_shown(assistant):
    answer = assistant.ask("What did Bukarin say about Trotski?")
    assert answer.standalone_question == "What did Bukharin say about Trotsky?"
    assert answer.covered and "Searched as:" in answer.markdown
    assert any("Bukharin" in e.passage.text for e in answer.excerpts)
    hits = assistant.search("Zinovyev trial", k=5)
    assert any("Zinoviev" in h.passage.text for h in hits)
