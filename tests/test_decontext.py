"""Sentences that open on 'He'/'His', with the person they mean (rag.decontext), on the real corpus's rules."""

from __future__ import annotations

import pytest

from rag.decontext import antecedent, common_words, resolved_sentences

APL = [
    "Trotsky was expelled from the USSR and the Communist Party after trying to undermine the Soviet state.",
    "Once exiled by majority vote, he planned coordinated sabotage and assassinations of Party leaders.",
    "He escaped to the West, where he served the imperialist powers until his execution at the hands of Ramón Mercader in 1940.",
]


def test_a_leading_he_takes_the_name_the_sentences_before_give():
    rows, texts = resolved_sentences(APL, ["apl"] * 3)
    assert rows == [2]
    assert texts == [APL[2].replace("He escaped", "Trotsky escaped")]


def test_his_takes_the_possessive():
    sentences = ["Bukharin appears first as a “Left” Communist.", "His slogan to the peasants was exploited to the full."]
    assert resolved_sentences(sentences, ["c", "c"])[1] == ["Bukharin’s slogan to the peasants was exploited to the full."]


@pytest.mark.parametrize(
    ("sentences", "sources"),
    [
        (["Trotsky spoke first.", "He who wants peace must prepare for it."], ["c", "c"]),  # 'he who': anyone
        (["Trotsky spoke first.", "He left the hall."], ["idom", "apl"]),  # another source's sentence
        (["The Party met in May.", "He left the hall."], ["c", "c"]),  # no person before it
        (["Trotsky spoke.", "Then came a vote.", "It was close.", "A vote followed.", "He left."], ["c"] * 5),  # too far back
        (["Trotsky spoke first.", "Helsinki was quiet."], ["c", "c"]),  # not a pronoun
        (["Trotsky spoke first.", "She left the hall."], ["c", "c"]),  # 'she' is more often a country here
    ],
)
def test_no_person_is_guessed(sentences, sources):
    assert resolved_sentences(sentences, sources) == ([], [])


def test_a_word_the_corpus_also_writes_in_lower_case_names_no_one():
    common = common_words(["industrial production rose.", "Stalin spoke."])
    assert antecedent(["Industrial production has risen almost 40 per cent!"], common) is None
    assert antecedent(["Then Stalin spoke of the plan."], common) == "Stalin"
