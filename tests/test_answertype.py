"""The kind of answer a question expects, and whether a sentence gives it (rag.answertype): rules, no model."""

from __future__ import annotations

import pytest

from rag.answertype import expected_type, gives


@pytest.mark.parametrize(("question", "expected"), [
    ("When did Lenin die?", True),
    ("when was Trotsky expelled from the party?", True),
    ("And when did he go into exile?", True),
    ("Where and when was Trotsky born?", True),
    ("When and where did the Opposition demonstrate?", True),
    ("Why was Trotsky expelled from the party? When?", True),  # a follow-up added to the question before
    ("What did Lenin write about Trotsky? When exactly?", True),
    ("In what year was the first Moscow trial held?", True),
    ("On what date did the Barcelona rising break out?", True),
    # a clause setting the scene for another question asks for no time
    ("When the prosecutor asked Muralov whether rough methods had been used on him, what did he answer?", False),
    ("What did Trotsky say in 1931?", False),
    ("Why was Trotsky expelled?", False),
])
def test_a_question_asking_when_is_recognised(question, expected):
    assert (expected_type(question) == "time") is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("On January 21st, 1924, Lenin died.", True),
    ("Trotsky, returning to Russia in the middle of May 1917, first associated with a grouplet", True),
    ("a further declaration was handed to the Central Committee – on August 8th, 1927.", True),
    ("the formation of factions in the Party in the twenties", True),
    ("[in the 1930s] on the basis of an ephemeral union", True),
    ("At the celebrations of the tenth anniversary of October the Left Opposition participated", True),
    ("This analysis has also determined the line of the P.O.U.M. in the May days", True),
    # a time reckoned from another event does not say when, quoted alone
    ("A few months later Lenin died.", False),
    ("In the years following Lenin's death it was Trotsky … who kept the ideas of Marxism alive.", False),
    # October the revolution, May the verb: no month
    ("This was undertaken by Trotsky in Lessons of October.", False),
    ("That Trotsky played a role in the October Revolution is undeniable", False),
    ("it may yet be saved by a “new” revolution", False),
])
def test_a_sentence_naming_a_time_is_recognised(text, expected):
    assert gives("time", text) is expected


@pytest.mark.parametrize(("question", "expected"), [
    ("How many votes did the Opposition get at the 15th congress?", "number"),
    ("What proportion of the accused pleaded guilty?", "number"),
    ("What happened at the 15th Party Congress? How many voted for Trotsky?", "number"),
    ("How did Trotsky answer?", None),
    ("How much did Lenin trust Trotsky?", None),  # a degree as often as an amount
])
def test_a_question_asking_how_many_is_recognised(question, expected):
    assert expected_type(question) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("… the latter by a vote of 740,000 to 4,000.", True),
    ("In the Zinoviev-Kamenev trial there were sixteen defendants, fifteen of whom pleaded guilty", True),
    ("hundreds of thousands of the best workers in the Soviet Union applied to join", True),
    ("an increase of 12 per cent", True),
    # a year, an ordinal or a page reference counts nothing
    ("This was done at the 15th Congress of the Party in December 1927.", False),
    ("“… decisive is the attack” (p. 271).", False),
    ("(Trial of Anti-Soviet Bloc of Rights and Trotskyites, March 1938, pp. 572-3)", False),
    ("3. The bloc of Rights and Trotskyists exposed at the third trial in March 1937.", False),
    ("“The development leads obviously to the road of revolution” (Trotsky The Revolution Betrayed, 215).", False),
])
def test_a_sentence_naming_a_number_is_recognised(text, expected):
    assert gives("number", text) is expected
