"""Follow-up rewriting (rag.followup): rules over the earlier questions, no model."""

from __future__ import annotations

import pytest

from rag.followup import contentless, standalone

PEOPLE = {"Lenin", "Trotsky", "Bukharin", "Zinoviev"}
SOURCES = ("Campbell", "J. R. Campbell", "APL", "American Party of Labor", "In Defence of Marxism")


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        ("Why was Trotsky expelled from the party?", "And what did Lenin say about him?", "What did Lenin say about Trotsky?"),
        ("What was the Left Opposition?", "Who led it?", "Who led the Left Opposition?"),  # its 'the' kept
        ("What was the POUM?", "What did it do in Barcelona?", "What did the POUM do in Barcelona?"),  # an acronym is a name
        ("What did the Trotskyists do in Spain?", "Who led them?", "Who led the Trotskyists?"),
        # 'they' is never a singular name: left as typed rather than 'What did Stakhanovism say …'
        ("What did the Durham miners report about Stakhanovism?", "What did they say about safety?", "What did they say about safety?"),
        # another source asked the same question
        ("What does Campbell say about the Moscow trials?", "What does the APL say?", "What does the APL say about the Moscow trials?"),
        ("What does Campbell say about the Moscow trials?", "And according to the APL?", "What does the APL say about the Moscow trials?"),
        ("Why was Trotsky expelled?", "What about the APL?", "Why was Trotsky expelled, according to the APL?"),
        # a source named by its side, as its viewpoint label shows it
        ("Why was Trotsky expelled?", "What about the sympathetic source?", "Why was Trotsky expelled, according to the sympathetic source?"),
        ("Why was Trotsky expelled?", "What did Lenin say about it?", "Why was Trotsky expelled, according to Lenin?"),
        ("What did Lenin think of Trotsky?", "What did their followers say?", "What did their followers say?"),
        ("Why was Trotsky expelled?", "What is socialism in one country?", "What is socialism in one country?"),  # standalone already
        # 'he' may be someone the corpus never quotes; never a place, a body, a movement or an acronym
        ("What did Kamenev do in 1926?", "What did Stalin say about him?", "What did Stalin say about Kamenev?"),
        ("What did Hitler plan against the USSR in Berlin?", "Did Trotsky support him?", "Did Trotsky support Hitler?"),
        ("What did the Left Opposition want in Moscow?", "Was he right?", "Was he right?"),
        # 'What about X?' asks the last question of another person; of a source, a body or a time, it narrows it
        ("What did Zinoviev do in 1926?", "What about Kamenev?", "What did Kamenev do in 1926?"),
        ("What did Lenin say about Trotsky?", "And what about Bukharin?", "What did Lenin say about Bukharin?"),
        ("Why was Trotsky expelled?", "What about in 1929?", "Why was Trotsky expelled, in 1929?"),
        # 'And X?' is 'What about X?' said shorter
        ("What does the APL say about Trotsky's past?", "And Campbell?", "What does Campbell say about Trotsky's past?"),
        ("What did Zinoviev do in 1926?", "And Kamenev?", "What did Kamenev do in 1926?"),
        ("Why was Trotsky expelled?", "And in 1929?", "Why was Trotsky expelled, in 1929?"),
        ("Why was Trotsky expelled?", "Or the APL?", "Why was Trotsky expelled, according to the APL?"),
        # another page of the same question
        ("What does Campbell say on page 70?", "What about page 71?", "What does Campbell say on page 71?"),
        ("What does Campbell say on page 70?", "And on p. 71?", "What does Campbell say on page 71?"),
        ("Why was Trotsky expelled?", "What about page 80?", "Why was Trotsky expelled, on page 80?"),
        # a follow-up with nothing to search for asks the last question again, its words added
        ("What did Stalin say about Zinoviev?", "Why?", "What did Stalin say about Zinoviev? Why?"),
        ("Why was Trotsky expelled?", "Tell me more", "Why was Trotsky expelled? Tell me more"),
    ],
)
def test_a_follow_up_becomes_a_standalone_question(history, question, expected):
    assert standalone(question, [history], PEOPLE, SOURCES) == expected


def test_without_history_the_question_is_kept_as_typed():
    assert standalone("  What does the  APL say? ", [], PEOPLE, SOURCES) == "What does the APL say?"


def test_each_earlier_question_is_read_as_it_was_searched():
    history = ["Was Trotsky a genuine Bolshevik?", "What about Campbell?"]
    expected = "Was Trotsky a genuine Bolshevik, according to the APL?"  # not 'What about the APL?'
    assert standalone("What about the APL?", history, PEOPLE, SOURCES) == expected
    assert standalone("Who led it?", ["What was the Left Opposition?", "When was it founded?"], PEOPLE, SOURCES) == "Who led the Left Opposition?"


def test_follow_ups_with_nothing_to_search_for_do_not_pile_up():
    history = ["What did Stalin say about Zinoviev?", "Why?", "Tell me more"]
    assert standalone("What else?", history, PEOPLE, SOURCES) == "What did Stalin say about Zinoviev? What else?"
    assert standalone("What about Bukharin?", history, PEOPLE, SOURCES) == "What did Stalin say about Bukharin?"


@pytest.mark.parametrize(("question", "expected"), [
    ("Why?", True), ("Tell me more", True), ("How so?", True), ("What else?", True), ("Go on.", True),
    ("What is Trotskyism?", False), ("What happened next?", False), ("Why was Trotsky expelled?", False),
    ("Was that true?", True), ("Who says so?", True), ("Anything else?", True), ("Was Trotsky right?", False),
])
def test_a_question_with_nothing_to_search_for_is_recognised(question, expected):
    assert contentless(question) is expected


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (["What was the theory of permanent revolution?"], "What did he say about the peasants?", "What did Trotsky say about the peasants?"),
        (["Why were the Moscow trials held?"], "Was he guilty?", "Was Trotsky guilty?"),
        ([], "What was his theory?", "What was Trotsky's theory?"),
        ([], "What do the sources say about him?", "What do the sources say about Trotsky?"),
        # not 'he' that the question's own subject is, nor one a person it names could be
        ([], "Which defendant said he had feared the headlong collectivisation drive?", "Which defendant said he had feared the headlong collectivisation drive?"),
        ([], "What did Lenin say when he met Trotsky?", "What did Lenin say when he met Trotsky?"),
        # a person named before still comes first
        (["What did Zinoviev do in 1926?"], "Was he expelled?", "Was Zinoviev expelled?"),
    ],
)
def test_he_that_no_question_names_anyone_for_is_the_corpus_subject(history, question, expected):
    assert standalone(question, history, people={"Trotsky", "Lenin", "Zinoviev"}, subject="Trotsky") == expected


def test_the_assistant_takes_its_subject_from_the_corpus(assistant):
    # 'he' after a question about a theory was searched as 'he'; the corpus names Trotsky most, by far
    answer = assistant.ask("What did he say about the peasants?", history=["What was the theory of permanent revolution?"])
    assert answer.standalone_question == "What did Trotsky say about the peasants?"


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        # 'it' is a thing, never a person or a source named before ('When was Radek founded?', 'Who carried Campbell out?')
        (["Who was Radek?", "What was the Fourth International?"], "When was it founded?", "When was the Fourth International founded?"),
        (["What does Campbell say about sabotage?"], "Who carried it out?", "Who carried it out?"),
        (["What was the Anglo-Russian Committee?"], "Why did Trotsky want it ended?", "Why did Trotsky want the Anglo-Russian Committee ended?"),
        (["What was Lenin's Testament?"], "What did it say about Stalin?", "What did Lenin's Testament say about Stalin?"),
        # a topic takes the place of the last one; it is not a source ('…, according to the kulaks?')
        (["What did Trotsky say about the kulaks?"], "What about the peasants?", "What did Trotsky say about the peasants?"),
        (["What did Trotsky say about the kulaks?"], "And the peasants?", "What did Trotsky say about the peasants?"),
        (["What was Trotsky's attitude to the peasants?"], "What about the kulaks?", "What was Trotsky's attitude to the kulaks?"),
        (["Why did Trotsky lose power?"], "What about the bureaucracy?", "Why did Trotsky lose power, and the bureaucracy?"),
        (["Were Lenin and Trotsky comrades, according to the APL?"], "What about the Mensheviks?", "Were Lenin and Trotsky comrades, according to the APL, and the Mensheviks?"),
        # a year takes the place of the last one, not beside it
        (["What happened to Trotsky in 1927?", "And in 1929?"], "What about 1936?", "What happened to Trotsky in 1936?"),
    ],
)
def test_it_a_topic_and_a_year_in_a_follow_up(history, question, expected):
    assert standalone(question, history, PEOPLE | {"Radek"}, SOURCES, "Trotsky") == expected


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        # 'he' who speaks is the one asked to speak before, not the one spoken of
        (["What did Lenin call Trotsky?"], "Why did he say that?", "Why did Lenin say that?"),
        (["What did Lenin say about Trotsky?"], "What did he do in 1917?", "What did Trotsky do in 1917?"),
        (["What does Campbell say about Zinoviev?"], "What did he write?", "What did Zinoviev write?"),
        # 'she' is left as she is: the last person named is a man
        (["What did Lenin's widow bring to the meeting?"], "What did she say?", "What did she say?"),
    ],
)
def test_he_who_speaks_and_she(history, question, expected):
    assert standalone(question, history, PEOPLE, SOURCES, "Trotsky") == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("And the Trotskyist article?", "Why was Trotsky expelled, according to the Trotskyist article?"),
        ("Did the APL agree?", "Why was Trotsky expelled, according to the APL?"),
    ],
)
def test_another_source_asked_in_lower_case_or_as_agreeing(question, expected):
    assert standalone(question, ["Why was Trotsky expelled?"], PEOPLE, (*SOURCES, "the Trotskyist article"), "Trotsky") == expected
