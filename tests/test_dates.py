"""Questions that ask when, and sentences that say when (rag.dates): rules, no model."""

from __future__ import annotations

import pytest

from rag.dates import asks_when, names_a_time


@pytest.mark.parametrize(("question", "expected"), [
    ("When did Lenin die?", True),
    ("when was Trotsky expelled from the party?", True),
    ("And when did he go into exile?", True),
    ("Where and when was Trotsky born?", True),
    ("When and where did the Opposition demonstrate?", True),
    ("In what year was the first Moscow trial held?", True),
    ("On what date did the Barcelona rising break out?", True),
    # a clause setting the scene for another question asks for no time
    ("When the prosecutor asked Muralov whether rough methods had been used on him, what did he answer?", False),
    ("What did Trotsky say in 1931?", False),
    ("Why was Trotsky expelled?", False),
])
def test_a_question_asking_when_is_recognised(question, expected):
    assert asks_when(question) is expected


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
    assert names_a_time(text) is expected
