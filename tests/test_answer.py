"""Answers over the real index: verbatim quotes, true attributions, honest refusals."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from rag import QuestionError
from rag.answer import _ASKS_FOR_WORDS, _ASKS_VERDICT, MAX_QUOTE_WORDS, _asked_for, _clipped, _is_reference, _mostly_reference
from rag import cards
from rag.answertype import gives
from rag.query import without_source_names
from rag.schema import page_label
from rag.assistant import PROJECT_DIR
from rag.eval import Evaluator, load_gold, summarise
from rag.render import CUT, attribution, quotation_cut, render_markdown
from rag.text import WORD, join_line_hyphens, normalise, remove_lines

HELDOUT = tuple(PROJECT_DIR / "benchmarks" / name for name in ("heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl"))
SCHEMA = json.loads((PROJECT_DIR / "docs" / "answer.schema.json").read_text())


@pytest.fixture(scope="module")
def dev_answers(assistant, gold_path):
    return [(q, assistant.ask(q.question)) for q in load_gold(gold_path)]


@pytest.fixture(scope="module")
def gold_answers(dev_answers, assistant):
    """Dev answers and the held-out sets' (benchmarks/heldout*.jsonl): what must hold of every answer."""
    return dev_answers + [(q, assistant.ask(q.question)) for path in HELDOUT for q in load_gold(path)]


# A little under the figures in docs/evaluation.md (evidence quoted 0.797, speaker attribution 0.909):
# answers are deterministic, so falling below means a change made them worse. Floors, not goals.
ANSWER_FLOORS = {"evidence_quoted": 0.79, "speaker_attribution": 0.9, "perspective_coverage": 0.95}


def test_dev_answers_keep_their_measured_quality(dev_answers, assistant, corpus_dir):
    evaluator = Evaluator.for_assistant(assistant, corpus_dir)
    row = summarise([evaluator.score(q, answer.to_dict()) for q, answer in dev_answers])
    for name, floor in ANSWER_FLOORS.items():
        assert row[name] >= floor, (name, row[name])


def _all_excerpts(answer):
    return list(answer.excerpts) + list(answer.closest)


def test_every_quote_is_verbatim_in_its_passage_its_source_and_its_span(gold_answers, raw_texts, sources):
    headers = {s.id: s.running_headers for s in sources}
    shown = 0
    for _, answer in gold_answers:
        for e in _all_excerpts(answer):
            shown += 1
            assert e.passage.text[e.quote_start : e.quote_start + len(e.quote)] == e.quote
            raw = raw_texts[e.source_id]
            assert normalise(e.quote) in normalise(join_line_hyphens(remove_lines(raw, headers[e.source_id])))
            at_span = raw[e.span[0] : e.span[1]]
            assert normalise(join_line_hyphens(remove_lines(at_span, headers[e.source_id]))) == normalise(e.quote)
    assert shown > 100


def test_quotes_are_sentences_not_whole_paragraphs(gold_answers):
    for _, answer in gold_answers:
        for passage_id in {e.passage.id for e in answer.excerpts}:  # at most two quotes of a passage, apart
            spans = sorted((e.quote_start, e.quote_start + len(e.quote)) for e in answer.excerpts if e.passage.id == passage_id)
            assert len(spans) <= 2 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
        assert not any(e.quote.startswith("1936 11,785,000") for e in answer.excerpts)  # no table rows
        for e in answer.excerpts:
            assert len(e.quote.split()) <= 120
            assert e.quote[0].isupper() or e.quote[0] in "“\"‘'([0123456789"
            assert not e.quote.rstrip().endswith(":"), e.quote  # a lead-in never stands without what it introduces


def test_viewpoint_labels_and_attribution_match_the_metadata(gold_answers, sources):
    by_id = {s.id: s for s in sources}
    for _, answer in gold_answers:
        data = answer.to_dict()
        for e in data["excerpts"]:
            source = by_id[e["source_id"]]
            assert (e["viewpoint"], e["author"], e["title"], e["year"]) == (source.viewpoint, source.author, source.title, source.year)
        assert [s["source_id"] for s in data["sources"]] and all(s["source_id"] in by_id for s in data["sources"])


def test_a_quote_cites_the_pages_it_lies_on_not_all_its_passages(gold_answers):
    narrower = 0
    for _, answer in gold_answers:
        for e, data in zip(answer.excerpts, answer.to_dict()["excerpts"]):
            assert data["pages"] == list(e.pages) and set(e.pages) <= set(e.passage.pages)
            assert bool(e.pages) == (e.source_id == "campbell-1939"), e.passage.id
            assert page_label(e.pages) in attribution(e)
            narrower += e.pages != e.passage.pages
    assert narrower >= 10  # quotes from one page of a passage that runs over two


def test_answer_json_validates_against_the_schema(gold_answers):
    for _, answer in gold_answers:
        jsonschema.validate(answer.to_dict(), SCHEMA)


def test_contested_questions_quote_several_sides(dev_answers):
    contested = [(q, a) for q, a in dev_answers if q.kind == "contested"]
    assert contested
    for q, answer in contested:
        assert answer.covered, q.id
        stances = {e.source.stance for e in answer.excerpts}
        assert len({e.source_id for e in answer.excerpts}) >= 2, q.id
        assert "sympathetic" in stances or q.sources == ("campbell-1939",), q.id


def test_a_lead_in_does_not_decide_which_sources_address_a_question(assistant):
    # Campbell's 'The platform of the opposition issued in 1927 says:' is closer to the question than any sentence of
    # In Defence of Marxism, whose passage on the slogans ranks second of all: a lead-in says nothing of its topic
    answer = assistant.ask("Which slogans did the Left Opposition march with in 1927?")
    assert any(e.quote.startswith("At the celebrations of the tenth anniversary") for e in answer.excerpts)


def test_the_lead_stays_neutral(gold_answers):
    loaded = ("wrecker", "stalinist bureaucracy", "counter-revolutionary", "renegade", "traitor", "betray")
    for _, answer in gold_answers:
        assert not any(term in answer.lead.lower() for term in loaded), answer.lead


def test_a_known_nested_quote_names_its_speaker(assistant):
    answer = assistant.ask("Who called Trotsky a swine who makes left phrases and a bloc with the right?")
    speakers = {e.speaker for e in answer.excerpts if "swine" in e.quote}
    assert "Lenin" in speakers
    excerpt = next(e for e in answer.excerpts if "swine" in e.quote)
    assert "CW #35 285" in (excerpt.speaker_citation or "")


def test_quoted_words_are_never_shown_under_the_authors_name_alone(gold_answers, assistant):
    for _, answer in gold_answers:
        for e in answer.excerpts:
            assert e.quoted or e.speaker is None
            assert any(f"as {verb} by" in attribution(e) for verb in ("quoted", "reported")) == e.quoted
            assert e.quoted or not e.reported
    # Trotsky's words, closing a quotation whose lead-in ('The “explanation” of Trotsky is that …') names no speaker
    answer = assistant.ask("Why have Stalin and his group never ceased to combat Trotsky personally?")
    unnamed = [e for e in answer.excerpts if e.quote.startswith("All this explains why Stalin and his group")]
    assert unnamed and unnamed[0].quoted and unnamed[0].speaker is None
    assert attribution(unnamed[0]).startswith("Speaker not identified, as quoted by J. R. Campbell")


def test_words_reported_without_marks_are_shown_as_the_speakers(assistant):
    # 'Because a standing army still exists in the Soviet Union, he argues, there is no Socialism.'
    answer = assistant.ask("Why does Trotsky say there is no Socialism in the Soviet Union while a standing army exists?")
    reported = [e for e in answer.excerpts if e.quote.startswith("Because a standing army still exists")]
    assert reported and reported[0].reported and reported[0].quoted and reported[0].speaker == "Trotsky"
    assert attribution(reported[0]).startswith("Trotsky, as reported by J. R. Campbell")
    assert reported[0].to_dict()["reported"] is True


def test_a_quote_that_leaves_off_inside_a_quotation_is_marked_where_the_words_go_on(assistant):
    # Lenin's 'Trotsky distorts Bolshevism, …' opens a quotation the sentence limit ends inside: the reader is shown
    # that the speaker's words go on ([…] after them), while the quote itself stays verbatim
    answer = assistant.ask("Was Trotsky a genuine Bolshevik?")
    cut = [e for e in answer.excerpts if quotation_cut(e.quote) == (False, True)]
    assert cut and all(e.quote.count("“") > e.quote.count("”") for e in cut)
    assert f"{' '.join(cut[0].quote.split())} {CUT}" in render_markdown(answer).replace("\\", "")
    assert cards.answer_html(answer, cards.tones(assistant.sources.values())).count('class="vp-cut"') >= len(cut)
    # a quote that begins inside one (its first mark closes) is marked before; marks in balance are not
    assert quotation_cut("The letters supplement my books” (The Revolution Betrayed, p. 306).") == (True, False)
    assert quotation_cut('the Left Opposition participated with their own slogans: "Let us turn our fire"') == (False, False)
    assert quotation_cut('“Trotsky,” wrote Lenin in 1915, “repeats his ‘original’ theory') == (False, True)


def test_a_lead_in_kept_before_someones_words_is_marked_as_the_sources(gold_answers, assistant):
    # 'From this conception of Trotsky’s there follows the conclusion enunciated by him in 1906 and repeated by him
    # in 1922: “In the absence of …': Campbell's words, then Trotsky's; the chat sets the first apart
    answer = assistant.ask("What did Trotsky conclude in 1906 about the Russian working class?")
    (led,) = [e for e in answer.excerpts if e.quote.startswith("From this conception of Trotsky’s")]
    assert led.speaker == "Trotsky" and led.quote[led.lead_in :].startswith("“In the absence of direct State support")
    assert led.to_dict()["lead_in"] == led.lead_in and "vp-lead-in" in cards.answer_html(answer, cards.tones(assistant.sources.values()))
    # a quote that is a lead-in naming the speaker and then the words it introduces is the speaker's, not the author's
    answer = assistant.ask("What did Tukhachevsky tell Krestinsky at the Eighth Congress of Soviets in November 1936?")
    adding = [e for e in answer.excerpts if e.quote.startswith("Krestinsky, another of the accused, confirmed")]
    assert adding and adding[0].speaker == "Krestinsky" and adding[0].quote[adding[0].lead_in :].startswith("“We discussed")
    # and its words may come in several quotations: '… the Left Opposition participated with their own slogans: "Let us
    # turn our fire to the right …" and "Let us carry out Lenin's Will".'
    slogans = [e for _, a in gold_answers for e in a.excerpts if e.quote.startswith("At the celebrations of the tenth anniversary")]
    assert slogans and all(e.speaker == "the Left Opposition" and e.quote[e.lead_in :].startswith('"Let us turn') for e in slogans)
    # an attribution inside the speaker's words is no lead-in: '“Can it be denied,” continues Lenin, “that …'
    for _, answer in gold_answers:
        for e in answer.excerpts:
            lead = e.quote[: e.lead_in]
            assert not e.lead_in or (e.speaker and e.quote[e.lead_in] in "“\"‘" and not re.search(r"[“\"]", lead)), e.quote


def test_a_footnote_that_only_cites_a_work_is_never_quoted(gold_answers, assistant):
    footnotes = {p.id: _is_reference(p) for p in assistant.index.passages if p.kind == "footnote"}
    # '1 Molotov, “The Plan and Our Tasks,” International Press Correspondence, 1936, p. 161.' cites;
    # '1 Kulak: rich peasant exploiting hired labour.' explains, and may answer 'what is a kulak?'
    assert sum(footnotes.values()) == 5 and len(footnotes) == 16
    for _, answer in gold_answers:
        assert not any(footnotes.get(e.passage.id) for e in _all_excerpts(answer))
    # nor the reference that closes a quotation without parentheses, a sentence of its own
    closing = "Stalin – Interview with Roy Howard – International Press Correspondence, 1936, p. 365."
    assert _mostly_reference(closing) and not _mostly_reference("This view is set out at length in the report (p. 365).")
    answer = assistant.ask("What did Stalin tell Roy Howard about personal liberty?")
    assert answer.excerpts and not any(e.quote.startswith(closing[:20]) for e in answer.excerpts)


def test_a_footnote_is_quoted_without_its_number(assistant):
    answer = assistant.ask("What is a kulak?")
    notes = [e for e in answer.excerpts if e.passage.kind == "footnote"]
    assert notes and notes[0].quote.startswith("Kulak: rich peasant")
    assert notes[0].passage.text[notes[0].quote_start :].startswith(notes[0].quote)


def test_a_block_quotation_takes_its_speaker_from_the_lead_in_before_it(assistant):
    # '… Krestinsky said:' ends one paragraph; his testimony is the next, opening with a quotation mark
    answer = assistant.ask("What did Krestinsky say about meeting Seeckt in 1921?")
    testimony = [e for e in answer.excerpts if e.quote.startswith("“In 1921 Trotsky told me")]
    assert testimony and testimony[0].speaker == "Krestinsky"
    # '… Mr. Monkhouse described his treatment as follows;' (the scan's semicolon for a colon)
    answer = assistant.ask("How did Mr. Monkhouse describe his treatment in prison?")
    assert any(e.speaker == "Monkhouse" and e.passage.text.startswith("“They were extraordinarily nice") for e in answer.excerpts)
    # a document speaks: 'The platform of the opposition issued in 1927 says:'
    answer = assistant.ask("What did the 1927 platform of the opposition say about the kulaks?")
    platform = [e for e in answer.excerpts if e.quote.startswith("“Twenty-five million small farms")]
    assert platform and attribution(platform[0]).startswith("The platform of the opposition, as quoted by J. R. Campbell")


def test_he_leading_into_a_block_quotation_is_the_one_person_the_passage_before_quotes(assistant):
    # '“These lines are dictated by …” (Open letter …, March 1930). In November of the same year he writes:' then two
    # paragraphs of his words: both Trotsky's
    answer = assistant.ask("What did Trotsky say about constructing a nationally isolated socialist society pulling the productive forces backwards?")
    block = [e for e in answer.excerpts if e.passage.text.startswith("“To aim at the construction of a nationally isolated")]
    assert block and all(e.speaker == "Trotsky" for e in block)


def test_a_block_quotation_cut_into_several_passages_keeps_its_speaker(assistant):
    # Littlepage's account runs over a dozen paragraphs, each reopened with a mark and none closed,
    # ingested as several passages; only the first names him ('… Littlepage … writes:')
    answer = assistant.ask("What did the American engineer Littlepage find when he went into the Ural mines as chief engineer?")
    later = [e for e in answer.excerpts if e.quote.startswith("“The methods which had been used in these mines")]
    assert later and later[0].speaker == "Littlepage"
    # Krestinsky's testimony: a paragraph cut in two, the lead-in naming him two passages back, then two paragraphs
    # more, the last closed by the trial's reference
    answer = assistant.ask("What did Tukhachevsky tell Krestinsky at the Eighth Congress of Soviets in November 1936?")
    cut = [e for e in answer.excerpts if e.quote.startswith("This was in October 1936.")]
    assert cut and cut[0].speaker == "Krestinsky" and cut[0].speaker_citation == "Trial of Anti-Soviet Bloc of Rights and Trotskyites, pp. 280-3"
    # Lenin's Left-Wing Communism over four paragraphs, the third cut in two: each named by the reference closing the last
    answer = assistant.ask("What does Lenin say about compromises with other parties before the downfall of Tsarism?")
    blocs = [e for e in answer.excerpts if e.passage.text.startswith(("“Before the downfall of Tsarism", "“‘To reject most decisively"))]
    assert len(blocs) == 2 and all(e.speaker == "Lenin" and e.speaker_citation == "Left-Wing Communism, pp. 51-4" for e in blocs)
    # the carried speaker stops at a reference that closes someone else's words: the indictment
    # quoted by Furr after Olberg's testimony is not Olberg's ('“V. Olberg arrived in the U.S.S.R. …')
    indictment = assistant.ask("Which passport did V. Olberg use to enter the USSR, according to the APL?")
    arrived = [e for e in indictment.excerpts if e.quote.startswith("“V. Olberg arrived")]
    assert arrived and arrived[0].speaker is None and arrived[0].quoted


def test_a_passage_may_give_a_second_quote_when_its_answer_lies_beyond_the_first(assistant):
    # '… found a more or less common basis in the Ryutin platform …' is the closest sentence; what the
    # platform demanded comes two sentences on, past the 90 words a quote may have
    answer = assistant.ask("What did the Ryutin platform of 1932 call for?")
    ryutin = [e for e in answer.excerpts if e.passage.id == answer.excerpts[0].passage.id]
    assert len(ryutin) == 2 and "The essence of the Ryutin programme was that it demanded" in ryutin[1].quote
    assert [e.n for e in answer.excerpts] == list(range(1, len(answer.excerpts) + 1))
    # two quotes from one passage read in its order, whichever matched better: 'On the eve of the 15th congress
    # Trotsky and Zinoviev were expelled.' before 'In the wake of the congress countless more were expelled, …'
    answer = assistant.ask("What happened at the Fifteenth Congress?")
    idom = [e for e in answer.excerpts if e.source_id == "idom-1927-expulsion"]
    assert len(idom) == 2 and idom[0].passage.id == idom[1].passage.id and idom[0].quote_start < idom[1].quote_start
    for answer in (assistant.ask(q) for q in ["What did the Ryutin platform of 1932 call for?", "When did Stalin become General Secretary?"]):
        for a, b in zip(answer.excerpts, answer.excerpts[1:]):
            assert a.passage.id != b.passage.id or a.quote_start < b.quote_start


def test_the_reference_closing_a_block_quotation_names_its_first_paragraphs(assistant):
    # Lenin's words run over four paragraphs (four passages), each reopened with a mark; only the
    # last closes, with "(Left-Wing Communism, pp. 10-11)"; and a quoted question goes on to its answer
    answer = assistant.ask("How is the discipline of the revolutionary party of the proletariat maintained?")
    first = [e for e in answer.excerpts if e.quote.startswith("“How is the discipline")]
    assert first and first[0].speaker == "Lenin" and first[0].speaker_citation == "Left-Wing Communism, pp. 10-11"
    assert "First, by the class consciousness" in first[0].quote


def test_the_speakers_earlier_paragraphs_get_the_reference_that_closes_the_block(assistant):
    # Burnham's words open with his name in Campbell's sentence and close a paragraph later with
    # "(The People’s Front, pp. 16-17)"; a body named by the lead-in keeps its name above a paper's reference
    answer = assistant.ask("What did James Burnham say fascism is?")
    burnham = [e for e in answer.excerpts if e.speaker == "James Burnham"]
    assert burnham and all(e.speaker_citation == "The People’s Front, pp. 16-17" for e in burnham)
    assert "The People’s Front" in render_markdown(answer)


def test_a_body_named_as_speaker_opens_its_attribution_line(assistant):
    answer = assistant.ask("What did the Russian Mensheviks say about the revolution in a backward country?")
    said = [e for e in answer.excerpts if "Russia is a backward country" in e.quote]
    assert said and said[0].speaker == "the Russian Mensheviks"
    assert "The Russian Mensheviks, as quoted by J. R. Campbell" in render_markdown(answer)
    follow = assistant.ask("What did he say about the kulak?", history=["What did the Left Opposition demand?"])
    # a body is no 'he': with no person asked about before, he is the one the corpus is about
    assert follow.standalone_question == "What did Trotsky say about the kulak?"


def test_he_who_opens_a_passage_is_found_in_the_passage_before(assistant):
    # '… Trotsky emerges with …' / 'In his preface to his book on the 1905 Revolution, he says: “…”' /
    # 'In another work called Our Revolution (1905) he wrote: “…”': three passages, one person
    answer = assistant.ask("What did Trotsky write in his preface to his book on the 1905 Revolution?")
    preface = [e for e in answer.excerpts if "The antagonisms which" in e.quote]
    assert preface and preface[0].speaker == "Trotsky"
    answer = assistant.ask(
        "In the absence of direct state support on the part of the European proletariat, what would happen to the Russian working class?"
    )
    later = [e for e in answer.excerpts if "In the absence of direct state support" in e.quote]
    assert later and later[0].speaker == "Trotsky"


@pytest.mark.parametrize(
    "question, first",
    [
        # not his own words after 'In April, Andreas Nin wrote:', nor Eastman's after 'This drives Eastman almost frantic.'
        ("Who was Andreas Nin?", "None other than Andreas Nin, leader of the P.O.U.M."),
        ("Who was Max Eastman?", "The follower of Trotsky, Max Eastman, was busy"),
        # the footnote citing their report ('1 A Visit to Russia: A Report of the Durham Miners …') is never
        # quoted, so it sets no bar that the paragraph introducing them must clear
        ("Who were the Durham miners?", "with the careful investigations of a recent delegation of Durham miners"),
    ],
)
def test_who_someone_was_is_answered_by_what_is_said_of_them(assistant, question, first):
    answer = assistant.ask(question)
    assert first in answer.excerpts[0].quote and not answer.excerpts[0].quoted


def test_a_sources_judgement_is_led_by_its_own_words(assistant):
    # 'Why does the APL accuse …?': its own 'Here, Trotsky has committed treason by revealing Soviet spies …'
    # first, then the words of Trotsky's it quotes, which scored closer
    answer = assistant.ask("Why does the American Party of Labor accuse Trotsky of treason over his article on the 'Tanaka Memorial'?")
    assert not answer.excerpts[0].quoted and "Trotsky has committed treason" in answer.excerpts[0].quote
    assert any(e.speaker and "Trotsky" in e.speaker for e in answer.excerpts[1:])


@pytest.mark.parametrize(
    "question, asks",
    [
        ("How does Campbell judge Trotsky's 1931 demand?", "judgement"),
        ("Why, in the author's view, did the bureaucracy oppose Trotsky?", "judgement"),
        ("How do historians judge Trotsky's 1931 demand?", "facts"),  # no source named: no source's judgement
        ("What did Lenin say about Trotsky, according to Campbell?", "words"),
        ("Who was Andreas Nin?", "identity"),
        ("Who was to blame for the defeat in China?", "facts"),
    ],
)
def test_what_a_question_asks_for(assistant, question, asks):
    topic = without_source_names(question, list(assistant.sources.values()))
    assert _asked_for(topic, names_source=topic != question) == asks


def test_a_speaker_the_author_hands_over_to_is_named(assistant):
    # 'Now let our Durham miners describe the piece-work system …' above their report's paragraphs
    answer = assistant.ask("What did the Durham miners say about the piece rate system?")
    report = [e for e in answer.excerpts if "The movement is based on a progressive piece rate system" in e.quote]
    assert report and report[0].speaker == "the Durham miners"


def test_a_quotation_left_open_goes_on_in_the_next_paragraph(assistant):
    # 'Trotsky said: “All the accused … into the U.S.S.R.' closes no mark: '“My participation in
    # terrorism …” In other words …' is his next paragraph, though Campbell's words follow it there
    answer = assistant.ask("What did Trotsky say about his participation in terrorism being common to all the admissions?")
    assert [e.speaker for e in answer.excerpts if "My participation in terrorism" in e.quote] == ["Trotsky"]
    # and a paragraph left open takes the reference that closes the block in the next one
    answer = assistant.ask("What did Bukharin say about hypnotism at his trial?")
    hypnotism = [e for e in answer.excerpts if "Hypnotism is suggested" in e.quote]
    assert hypnotism and hypnotism[0].speaker == "Bukharin"
    assert hypnotism[0].speaker_citation == "Trial of Anti-Soviet Bloc of Rights and Trotskyites, March 1938, p. 777"


def test_words_an_attribution_cuts_in_two_are_quoted_whole(assistant):
    # '“But it so happens that the Hotel Bristol,” says Trotsky gleefully, “was razed to its foundations in 1917.”'
    # was quoted as '“But it so happens that the Hotel Bristol,”'
    answer = assistant.ask("What did Trotsky say about the Hotel Bristol?")
    bristol = [e for e in answer.excerpts if e.quote.startswith("“But it so happens that the Hotel Bristol,”")]
    assert bristol and bristol[0].speaker == "Trotsky" and "was razed to its foundations in 1917." in bristol[0].quote


def test_every_line_of_a_transcript_carries_the_reference_after_its_last(assistant):
    # Campbell cites the Muralov exchange once, '(Trial of Anti-Soviet Trotskyite Centre, January 1937, pp. 231-2)',
    # after Muralov's last reply, two passages on from Vyshinsky's questions
    answer = assistant.ask("What did Vyshinsky ask Muralov?")
    rough = [e for e in answer.excerpts if "rough methods were used against you" in e.quote]
    assert rough and rough[0].speaker == "Vyshinsky"
    assert rough[0].speaker_citation == "Trial of Anti-Soviet Trotskyite Centre, January 1937, pp. 231-2"


def test_his_right_after_a_named_speaker_is_that_speaker(assistant):
    # 'The plan of the Generals … was explained by Rykov in his evidence, as follows:'
    answer = assistant.ask("How did Rykov explain the Generals' plan for a coup d'état?")
    assert [e.speaker for e in answer.excerpts if e.quote.startswith("“I remember that once")] == ["Rykov"]
    # or the speaker of the last quotation, when no one is named since ('Trotsky: “… heroic personality” …
    # Here is indeed a hypothesis from the padded room. … when it comes to his final speech …:')
    answer = assistant.ask("Why did Trotsky say he was not obliged to answer why the accused confessed?")
    assert [e.speaker for e in answer.excerpts if "Chief among them are" in e.quote] == ["Trotsky"]
    # a place is no one 'he' can mean: 'Still …, he persists in this one. In an article date-lined
    # Coyoacan, Mexico, January 21st, 1937, he says:' (Trotsky, quoted in the passage before)
    answer = assistant.ask(
        "According to Campbell, how did Trotsky explain in 1937 why Radek and Pyatakov confessed after Zinoviev and Kamenev were shot?"
    )
    assert [e.speaker for e in answer.excerpts if "one leaves the faint hope of a chance" in e.quote] == ["Trotsky"]


def test_they_point_back_to_a_delegation_and_its_report_resumes_after_the_authors_comment(assistant):
    # '… a recent delegation of Durham miners …' ends one passage; 'They first discuss as to whether …'
    # opens the next, above the report's first paragraph; after a paragraph of Campbell's comment
    # naming no one who speaks ('… made … by men having a thorough knowledge of the mining industry.'),
    # the report goes on without a lead-in
    answer = assistant.ask("Did the Durham miners think the Stakhanov system was speeding-up?")
    assert "the delegation of Durham miners" in [e.speaker for e in answer.excerpts if "Stakhanovitism is not just" in e.quote]
    answer = assistant.ask("How long was the working day of Stakhanovite miners in the Donbas, according to the Durham delegation?")
    assert [e.speaker for e in answer.excerpts if "They work six hours" in e.quote] == ["the delegation of Durham miners"]


def test_a_question_put_in_a_transcript_comes_with_its_reply(assistant):
    # 'Vyshinsky: “But perhaps rough methods were used against you?”' alone would leave the question
    # standing for an answer; Muralov's reply follows it, as its own excerpt with its own speaker
    answer = assistant.ask("What did Vyshinsky ask Muralov?")
    numbers = {e.quote: e.n for e in answer.excerpts}
    asked = [e for e in answer.excerpts if e.quote.endswith("rough methods were used against you?”")]
    assert asked and asked[0].speaker == "Vyshinsky"
    reply = [e for e in answer.excerpts if e.quote.startswith("Muralov: “No. No such methods were used.")]
    assert reply and reply[0].speaker == "Muralov" and numbers[reply[0].quote] == numbers[asked[0].quote] + 1
    # Campbell's sentence running into a transcript line is his, not the line's speaker's: the quote
    # starts at the label ('… why Muralov confessed: Finerty (Counsel for the Commission): “…?”')
    answer = assistant.ask("When the prosecutor asked Muralov whether rough methods had been used on him, what did he answer?")
    finerty = [e for e in answer.excerpts if e.speaker == "Finerty"]
    assert finerty and all(e.quote.startswith("Finerty (Counsel for the Commission): “") for e in finerty)


def test_a_quoted_title_is_not_quoted_as_its_authors_words(assistant):
    # 'Trotsky had written a programme article on “Adventurism and its Danger in Soviet Economics”; …':
    # asked for his words, the answer quotes the sentence, not the title as if he had said it
    answer = assistant.ask("What did Trotsky write about adventurism in Soviet economics?")
    article = [e for e in answer.excerpts if "Adventurism and its Danger in Soviet Economics" in e.quote]
    assert article and article[0].quote.startswith("Trotsky had written a programme article on") and article[0].speaker is None


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("Is Trotskyism a form of Marxism?", True),
        ("What was Trotsky's theory of permanent revolution, and was it sound?", True),
        ("Were the Moscow trials fair?", True),
        ("What did Trotsky say about the Red Army?", False),
        ("Who was to blame for the Chinese defeat, and what part did Trotsky's followers play?", False),
    ],
)
def test_a_yes_no_question_asks_for_a_verdict(question, verdict):
    assert bool(_ASKS_VERDICT.search(question)) is verdict


def test_a_verdict_is_asked_of_every_side_that_gives_one(assistant):
    # each side answers a yes/no question in its own terms, so a source further from the closest one
    # still gives its verdict: In Defence of Marxism's 'The essence of Trotskyism consists in the
    # defence of the ideas of Marx and Lenin' lies 0.19 below the APL's best sentence by the deep model
    answer = assistant.ask("Is Trotskyism a form of Marxism?")
    assert {e.source_id for e in answer.excerpts} == {"apl-on-trotskyites", "campbell-1939", "idom-1927-expulsion"}
    assert any(e.quote.startswith("The essence of Trotskyism consists in the defence") for e in answer.excerpts)


def test_extracts_from_one_work_keep_its_author_past_a_footnote_and_bare_pages(assistant):
    # 'Trotsky disputes this in The Revolution Betrayed:', then a footnote ingestion puts after that
    # paragraph, then four extracts each closed by a bare page ('(p. 83)', '(pp. 83-4)', '(p. 82)', …)
    answer = assistant.ask("What did Trotsky say about piece-work payment in the Soviet Union?")
    extract = [e for e in answer.excerpts if "finds itself obliged to keep in force the system of piece-work" in e.quote]
    assert extract and extract[0].speaker == "Trotsky" and extract[0].speaker_citation == "pp. 244-5"


def test_he_is_the_one_person_named_in_full_in_the_sentence_before(assistant):
    # '… three articles by an American Mining Engineer, Mr. John D. Littlepage, who … Here are some of
    # the facts which he discloses:' (the sentence before also names Trotsky and the Dewey Commission)
    answer = assistant.ask("What did the American mining engineer see Pyatakov's purchasing commission do in Berlin in 1931?")
    account = [e for e in answer.excerpts if e.quote.startswith("“During the period while I was detached")]
    assert account and account[0].speaker == "John D. Littlepage"


def test_his_is_the_one_person_named_before_it_in_its_own_sentence(assistant):
    # '… the names of the accused … were read over to Trotsky and he was asked …; his answer was:' ends a
    # paragraph; his answer, the next one, is Trotsky's words, not the 1939 book's
    answer = assistant.ask("What did the Dewey Commission conclude?")
    reply = [e for e in answer.excerpts if "Not one of them that I know" in e.quote]
    assert reply and reply[0].speaker == "Trotsky"


def test_someones_words_are_shown_without_the_authors_comment_that_leads_into_them(assistant):
    # 'This is what Stalin wrote to Zinoviev and Bukharin in August 1923. Even today it sends a shiver
    # down one's spine: "Should the Communists …': the announcement yields to the words, and the
    # comment, In Defence of Marxism's own, is not shown under Stalin's name
    answer = assistant.ask("What did Stalin write to Zinoviev and Bukharin in August 1923?")
    stalin = [e for e in answer.excerpts if e.speaker == "Stalin"]
    assert stalin and stalin[0].quote.startswith('"Should the Communists')
    for e in answer.excerpts:
        assert "shiver down one's spine" not in e.quote


def test_a_passage_found_for_its_lead_in_is_quoted_from_the_quotation_it_introduces(assistant):
    # '… Mao Zedong … spoke of the Trotskyites’ sabotaging … by working with the Japanese:' ends a paragraph
    answer = assistant.ask("What did Mao say about Trotskyists working with the Japanese?")
    mao = [e for e in answer.excerpts if e.speaker == "Mao"]
    assert mao and mao[0].quote.startswith("“[O]nly a short while ago")
    assert not any(e.quote.endswith(":") for e in answer.excerpts)


def test_words_found_only_by_their_announcement_are_quoted_from_their_opening(assistant):
    # 'The platform of the opposition issued in 1927 says:' is the closest sentence; none of the platform's
    # own is close, so the quote starts where it does, not at its closest sentence ('The slow pace of …')
    answer = assistant.ask("What was the Platform of the Opposition?")
    platform = [e for e in answer.excerpts if "Twenty-five million small farms" in e.passage.text]
    assert platform and platform[0].quote.startswith("“Twenty-five million small farms")
    assert len(platform[0].quote.split(". ")) > 1  # more than the opening sentence alone


def test_asked_for_words_after_the_authors_account_of_them_are_quoted_themselves(assistant):
    # 'Briefly Trotsky’s suggestion … was that the Soviet Government should declare war …' ends a
    # paragraph; Trotsky's article follows as a block quotation, with no lead-in colon
    answer = assistant.ask("What did Trotsky urge the Soviet Union to do if Hitler was raised to power in Germany?")
    article = [e for e in answer.excerpts if (e.speaker_citation or "").startswith("Article by Trotsky, November 26th, 1931")]
    assert article and article[0].speaker == "Trotsky" and article[0].quoted
    assert not any(e.quote.startswith("Briefly Trotsky’s suggestion") for e in answer.excerpts)
    # asked what the author says, the account itself is quoted
    answer = assistant.ask("How does Campbell sum up Trotsky's suggestion for when Hitler was raised to power in Germany?")
    assert any(e.quote.startswith("Briefly Trotsky’s suggestion") for e in answer.excerpts)


def test_asked_for_words_the_reference_closing_them_picks_the_passage_not_the_sentences(assistant):
    # '… the weapon of the proletarian world revolution” (Article by Trotsky, November 26th, 1931).' matched
    # the question's 'Trotsky' through its reference; the sentence that says what he urged is quoted instead
    article = "Article by Trotsky, November 26th, 1931"
    answer = assistant.ask("What did Trotsky urge the Soviet Union to do if Hitler was raised to power in Germany?")
    quoted = [e for e in answer.excerpts if e.speaker_citation == article]
    assert quoted and "This must become the axiom of every revolutionary worker" in quoted[0].quote
    # a reference still tells which words a question means
    answer = assistant.ask("What did Trotsky write in November 1931 about Hitler and the Red Army?")
    assert any(e.speaker_citation == article for e in answer.excerpts)


def test_words_embedded_in_an_authors_sentence_are_quoted_as_the_speakers(assistant):
    answer = assistant.ask("What did a 1933 article in The Times say about the Dnieper hydroelectric station?")
    times = [e for e in answer.excerpts if e.speaker == "London Times"]
    assert times and times[0].quote == "“a white elephant eating its head off”"  # not Campbell's sentence around it
    own = assistant.ask("What does Campbell say about the Dnieper hydroelectric station?")  # the source's own words
    assert not any(e.quote.startswith("“a white elephant") for e in own.excerpts)


def test_asked_for_words_inside_an_authors_long_sentence_are_found_and_quoted_alone(assistant):
    # Campbell's 100-word sentence ends on Trotsky's words; the question asks for those words
    answer = assistant.ask("In what words did Trotsky attack Lenin's Jacobinism in Our Political Tasks?")
    first = answer.excerpts[0]
    assert first.speaker == "Trotsky" and first.quote.startswith("“This evil-minded and morally repugnant suspicion")
    assert "Our Political Tasks" in (first.speaker_citation or "")


def test_a_concession_is_quoted_with_the_sentence_that_turns_against_it(assistant):
    # APL quotes Furr: 'We cannot rule out … met with German or Japanese representatives. But it seems
    # most likely that he would have done so … through his son'. The first sentence alone reverses him.
    answer = assistant.ask("Did Trotsky himself meet German or Japanese representatives?")
    conceding = [e for e in answer.excerpts if "We cannot rule out the possibility" in e.quote]
    assert conceding and all("But it seems most likely" in e.quote for e in conceding)


def test_an_opponents_view_is_quoted_with_the_sentence_that_rejects_it(assistant):
    # '… they see only a struggle between Trotsky and Stalin, a struggle for personal dominance …
    # This we hope to show is entirely mistaken.': alone, the first would read as Campbell's view
    answer = assistant.ask("Does Campbell think the conflict between Trotsky and Stalin was a struggle for personal dominance?")
    seen = [e for e in answer.excerpts if "a struggle for personal dominance" in e.quote]
    assert seen and "This we hope to show is entirely mistaken." in seen[0].quote
    # 'Trotskyites claim that Lenin and Trotsky were comrades … Nothing can be further from the truth.'
    answer = assistant.ask("Were Lenin and Trotsky comrades who agreed before the Russian Revolution?")
    claimed = [e for e in answer.excerpts if "Trotskyites claim that Lenin and Trotsky were comrades" in e.quote]
    assert claimed and all(e.quote.endswith("Nothing can be further from the truth.") for e in claimed)


def test_not_only_is_quoted_with_the_also_of_the_next_sentence(assistant):
    # 'This is not only the final refutation of Trotsky’s slander …. It is also the crushing condemnation of the
    # theory that Socialism could not be built in the Soviet Union.': the point is in the second
    answer = assistant.ask("What does Campbell say on page 70?")
    refuting = [e for e in answer.excerpts if "This is not only the final refutation" in e.quote]
    assert refuting and all("It is also the crushing condemnation" in e.quote for e in refuting)


def test_a_list_announced_and_a_concession_are_quoted_with_what_completes_them(dev_answers, gold_answers, assistant):
    # 'There are two attitudes of Trotsky to war …. Firstly, …' (when the list fits in the quote's 90 words); Trotsky's
    # 'Theoretically, it would be possible to admit …. I don’t know. But the people who are known to me were my
    # adversaries …', past the three-sentence limit
    excerpts = [e for _, a in gold_answers for e in a.excerpts]
    announced = [e for _, a in dev_answers for e in a.excerpts if "There are two attitudes of Trotsky to war" in e.quote]
    conceded = [e for e in excerpts if "Theoretically, it would be possible to admit" in e.quote]
    assert announced and all("Firstly, the playing with the idea of war" in e.quote for e in announced)
    assert conceded and all("But the people who are known to me were my adversaries" in e.quote for e in conceded)
    # a question asked without its mark keeps its answer: Stalin, February 1924, '"can the final victory of socialism in
    # one country be obtained, without …. No, this is impossible."'
    asked = [e for e in assistant.ask("What did Stalin write in February 1924 about socialism in one country?").excerpts
             if "can the final victory of socialism in one country be obtained" in e.quote]
    assert asked and all(e.quote.rstrip('"”').endswith("No, this is impossible.") for e in asked)


def test_a_quote_that_points_back_takes_the_sentence_it_points_to(gold_answers):
    # 'This had been the case with the right of the party in Russia on the eve of October 1917.' says nothing
    # without 'Trotsky explained how at the most difficult moments vacillations and doubts can creep into the leadership.'
    pointing = [e for _, a in gold_answers for e in a.excerpts if "This had been the case with the right of the party" in e.quote]
    assert pointing and all(e.quote.startswith("Trotsky explained how at the most difficult moments") for e in pointing)


def test_a_question_is_quoted_with_the_answer_its_speaker_gives(assistant):
    # Rakovsky, as Campbell quotes him: '… do you not think that …? I was asked here: ‘How, by war?’
    # Yes, comrades, even by war …'
    answer = assistant.ask("What did Rakovsky say about rebuffing the provocations in Pekin, London and Paris?")
    asking = [e for e in answer.excerpts if "do you not think" in e.quote]
    assert asking and all("Yes, comrades, even by war" in e.quote for e in asking)


def test_a_source_far_behind_by_the_deep_model_does_not_address_the_question(assistant):
    # Stalin's 1936 report is quoted by Campbell; the APL's nearest sentence is close by MiniLM alone
    answer = assistant.ask("Which Soviet leader declared in 1936 that Soviet society had reached the first phase of communism?")
    addresses = {c.source.id: c.addresses for c in answer.coverage}
    assert addresses["campbell-1939"] and not addresses["apl-on-trotskyites"]
    assert all(e.source_id != "apl-on-trotskyites" for e in answer.excerpts)


def test_a_source_that_never_names_the_person_asked_about_does_not_address_it(assistant):
    # the APL writes about Orwell 13 times, the 1939 book never: its closest sentences are about Spain
    answer = assistant.ask("What did George Orwell do in Spain?")
    addresses = {c.source.id: c.addresses for c in answer.coverage}
    assert addresses == {"apl-on-trotskyites": True, "campbell-1939": False, "idom-1927-expulsion": False}
    assert answer.excerpts and all("Orwell" in e.passage.text for e in answer.excerpts)
    assert "Not addressed in what was found: Communist Party of Great Britain, 1939; In Defence of Marxism" in answer.lead


def test_a_thing_one_source_writes_in_lower_case_is_no_name_it_never_uses(assistant):
    # In Defence of Marxism never writes 'Fifteenth Congress' but 'On the eve of the 15th congress Trotsky and
    # Zinoviev were expelled.': it was left out, and declined when asked for alone
    answer = assistant.ask("What happened to the Opposition after the Fifteenth Congress?")
    assert any("15th congress" in e.quote for e in answer.excerpts if e.source_id == "idom-1927-expulsion")
    answer = assistant.ask("What happened at the Fifteenth Congress, according to the Trotskyist article?")
    assert answer.covered and any("15th congress" in e.quote for e in answer.excerpts)


def test_a_reference_alone_is_never_a_quote(gold_answers, assistant):
    # 'dealt a deathblow to the party of. Lenin” (The Revolution Betrayed, pp. 97-8).': the scan's stray
    # full stop once made the reference closing Trotsky's words a sentence of its own
    answers = [answer for _, answer in gold_answers] + [assistant.ask("Who wrote The Revolution Betrayed?")]
    for answer in answers:
        for e in answer.excerpts:
            assert len(WORD.findall(re.sub(r"\([^()]*\)", " ", e.quote))) >= 6, e.quote


@pytest.mark.parametrize("question, history, sources, lead", [
    # named, the lead says which source does answer
    ("What about Campbell?", ["What did George Orwell do in Spain?"], None, "American Party of Labor does: ask without naming a source"),
    ("What did George Orwell do in Spain?", None, ["campbell-1939", "idom-1927-expulsion"], "the sources searched never mention George Orwell"),
])
def test_sources_searched_that_never_name_the_person_asked_about_do_not_answer(assistant, question, history, sources, lead):
    # the APL writes about Orwell; the two others never name him: searched alone, they answer nothing
    answer = assistant.ask(question, history=history, sources=sources)
    assert not answer.covered and not answer.excerpts and answer.closest
    assert lead in answer.lead


def test_a_source_that_never_names_the_country_asked_about_does_not_address_it(assistant):
    # In Defence of Marxism never names France or Spain; its closest sentences are about China and 1923
    for question in ("What did Trotsky think of the Popular Front in France?", "What did the Trotskyists do in Spain?"):
        addresses = {c.source.id: c.addresses for c in assistant.ask(question).coverage}
        assert addresses["campbell-1939"] and not addresses["idom-1927-expulsion"], question


def test_a_source_that_never_names_the_year_asked_about_does_not_address_it(assistant):
    # In Defence of Marxism (on 1923-27) never writes 1931; its closest sentences were on China. A year
    # only ever takes a source out (the APL names 1931 once and stays, by its sentences' similarity)
    answer = assistant.ask("What did Trotsky say about the Red Army in 1931?")
    addresses = {c.source.id: c.addresses for c in answer.coverage}
    assert addresses["campbell-1939"] and not addresses["idom-1927-expulsion"]
    # a year every source names decides nothing
    assert {c.source.id for c in assistant.ask("Why was Trotsky expelled from the party in 1927?").coverage if c.addresses} == set(
        assistant.sources
    )


def test_a_source_that_names_the_person_asked_about_has_its_say(assistant):
    # the 1939 book matches closely (it quotes Trotsky on the hotel at length); the APL's sentences
    # on the café named the Bristol are the other side, further off by the fast model
    answer = assistant.ask("Was there really a Hotel Bristol in Copenhagen where Trotsky's son could have met Holtzman?")
    quoted = {e.source_id for e in answer.excerpts}
    assert {"campbell-1939", "apl-on-trotskyites"} <= quoted and "idom-1927-expulsion" not in quoted


def test_a_name_used_once_in_passing_leaves_every_source_in(assistant):
    # the 1939 book names Chiang Kai-shek once; In Defence of Marxism, which answers, says 'the Kuomintang'
    answer = assistant.ask("Who voted against admitting Chiang Kai-shek's party to the Comintern?")
    assert any(e.source_id == "idom-1927-expulsion" and "Kuomintang" in e.quote for e in answer.excerpts)


def test_out_of_scope_questions_are_declined_with_closest_passages(assistant):
    for question in ("What is the capital of Australia?", "How did Trotskyist parties react to the 2008 financial crisis?"):
        answer = assistant.ask(question)
        assert not answer.covered, question
        assert not answer.excerpts and answer.closest
        assert "do not answer" in answer.lead and "not an answer" in answer.markdown


@pytest.mark.parametrize("question", ["Who is J. R. Campbell?", "What is the APL?", "Who wrote Soviet Policy and Its Critics?"])
def test_a_question_about_a_source_itself_is_sent_to_the_notes_on_the_sources(assistant, question):
    # 'Who is J. R. Campbell?' quoted, as his answer, a sentence of his foreword scoring 0.10
    answer = assistant.ask(question)
    assert not answer.covered and not answer.excerpts
    assert "it asks about a source itself" in answer.lead
    # what a source says about something is asked of that source as before
    assert assistant.ask("What does the APL say about Stalin?").covered


@pytest.mark.parametrize("question, stranger", [
    ("What part did Trotsky play in putting down the Kronstadt sailors' uprising?", "Kronstadt"),
    ("What manifesto on art did Trotsky write with André Breton in Mexico?", "André Breton"),
])
def test_a_question_about_someone_or_somewhere_the_sources_never_name_is_declined(assistant, question, stranger):
    answer = assistant.ask(question)
    assert not answer.covered and not answer.excerpts and answer.closest
    assert f"never mention {stranger}" in answer.lead


@pytest.mark.parametrize("question", [
    "Was Grigory Zinoviev guilty?", "What did Lev Kamenev do in 1917?", "What did Iosif Stalin say about Trotsky?",
    "What did Andrei Vyshinsky ask the accused?",
])
def test_a_first_name_the_sources_never_write_does_not_refuse_a_known_person(assistant, question):
    # the sources write 'Zinoviev', 'Kamenev', 'Stalin', 'Vyshinsky'; the first names were unknown words
    answer = assistant.ask(question)
    assert answer.covered and answer.excerpts, answer.lead


def test_a_decade_the_sources_cover_is_no_unknown_word(assistant):
    answer = assistant.ask("Who was in charge of the Comintern's policy on China in the mid-1920s?")
    assert answer.covered and answer.excerpts


def test_a_follow_up_is_rewritten_before_searching(assistant):
    answer = assistant.ask("And what did Lenin say about him?", history=["Why was Trotsky expelled from the party?"])
    assert answer.standalone_question == "What did Lenin say about Trotsky?"
    assert "Searched as" in answer.markdown
    assert answer.covered


def test_tell_me_more_quotes_what_the_last_answer_did_not(assistant):
    first = assistant.ask("What did Zinoviev do in 1926?")
    more = assistant.ask("Tell me more", history=["What did Zinoviev do in 1926?"])
    assert more.standalone_question == "What did Zinoviev do in 1926? Tell me more"
    assert more.covered and more.excerpts
    assert not {e.passage.id for e in first.excerpts} & {e.passage.id for e in more.excerpts}
    again = assistant.ask("What else?", history=["What did Zinoviev do in 1926?", "Tell me more"])
    assert not {e.passage.id for e in first.excerpts + more.excerpts} & {e.passage.id for e in again.excerpts}
    # asked again and again, it looks a few answers back, not all the way (each is asked again)
    assert assistant.ask("Tell me more", history=["What did Zinoviev do in 1926?"] + ["Tell me more"] * 300).excerpts


def test_tell_me_more_does_not_quote_again_the_words_a_lead_in_introduces(assistant):
    # the first answer quotes the Durham report from the paragraph after its lead-in; the lead-in's
    # passage, not shown itself, is still a hit, and quoted that paragraph again
    question = "What did the Durham miners report?"
    first = {(e.passage.id, e.quote) for e in assistant.ask(question).excerpts}
    more = assistant.ask("Tell me more", history=[question])
    assert more.excerpts and not first & {(e.passage.id, e.quote) for e in more.excerpts}
    # the sources with nothing more to quote are not said to leave the question unaddressed
    assert "Not addressed" not in more.lead and "Nothing further found in: In Defence of Marxism" in more.lead


@pytest.mark.parametrize("question", ["Why?", "Tell me more"])
def test_a_first_question_with_nothing_to_search_for_is_refused_with_a_clear_error(assistant, question):
    with pytest.raises(QuestionError, match="names nothing to look for"):
        assistant.ask(question)
    with pytest.raises(QuestionError, match="names nothing to look for"):
        assistant.search(question)


def test_a_page_asked_for_is_quoted_from_that_page(assistant):
    answer = assistant.ask("What does Campbell say on page 70?")
    assert answer.covered and answer.excerpts
    assert all(e.pages == (70,) for e in answer.excerpts)
    # a passage running over from p. 31 onto p. 32 is quoted from its part on p. 31
    assert {e.pages for e in assistant.ask("What does Campbell say on page 31?").excerpts} == {(31,)}
    # a page of a work the sources quote is no page of theirs
    assert not all(54 in e.passage.pages for e in assistant.ask("What does Trotsky say on page 54 of his book?").excerpts)
    missing = assistant.ask("What is on page 999?")
    assert not missing.covered and "the sources searched have no page 999" in missing.lead
    # more of a page than it has: its passages again, never 'no page 70'
    history = ["What does Campbell say on page 70?", "Tell me more"]
    again = assistant.ask("Tell me more", history=history)
    assert again.covered and all(70 in e.pages for e in again.excerpts)
    # the page's one passage not quoted only leads into one that was: its passages again, never declined
    history = ["What did Lenin say about Trotsky?", "What about page 18?"]
    again = assistant.ask("Tell me more", history=history)
    assert again.covered and again.excerpts and all(18 in e.pages for e in again.excerpts)


def test_a_chapter_asked_for_is_quoted_from_that_chapter(assistant):
    # a sentence of chapter VIII (Brockway's 'The hope that capitalism can be transformed …') matched
    # better than the foreword's 'In doing so the author believes that he is … clearing away lies …'
    answer = assistant.ask("What reason did J. R. Campbell give in his foreword for writing the book?")
    assert answer.excerpts and all(e.passage.chapter == "Foreword" for e in answer.excerpts)
    assert any("the author believes" in e.quote for e in answer.excerpts)


def test_a_named_source_is_the_one_searched(assistant):
    answer = assistant.ask("What does the APL say about Trotsky's attitude to the peasantry?")
    assert {e.source_id for e in answer.excerpts} == {"apl-on-trotskyites"}
    assert {c.source.id for c in answer.coverage if not c.searched} == {"campbell-1939", "idom-1927-expulsion"}


@pytest.mark.parametrize("question", ["", "   ", "\x00\x00", "x" * 5000])
def test_bad_questions_raise_a_clear_error(assistant, question):
    with pytest.raises(QuestionError):
        assistant.ask(question)


def test_markup_in_sources_and_questions_is_escaped(assistant):
    answer = assistant.ask("<script>alert(1)</script> [click](http://evil) Was Trotsky expelled?")
    assert "<script>" not in answer.markdown and "](http" not in answer.markdown


def test_the_terminal_form_has_the_markdown_shape_without_its_escapes(assistant):
    from rag.render import render_text

    answer = assistant.ask("What did Lenin say about Trotsky?")
    text = render_text(answer)
    assert "\\" in answer.markdown and "\\" not in text  # '\[…\]' in Markdown, '[…]' in a terminal
    assert text == answer.markdown.replace("\\", "")  # nothing else differs: no '<', '>' or '&' entity here


def test_a_paragraph_ending_above_a_block_quotation_yields_to_the_quotation(assistant):
    # 'They first discuss as to whether the Stakhanov system … is a system of relentless speeding up …'
    # ends a paragraph with no colon; the Durham miners' report follows as a block quotation
    answer = assistant.ask("Was the Stakhanov system a relentless speeding up of the individual worker, according to the Durham miners?")
    report = [e for e in answer.excerpts if e.passage.text.startswith("They first discuss")]
    assert report and report[0].quoted and "Stakhanovitism is a method of accomplishing the job" in report[0].quote
    assert not any(e.quote.startswith("They first discuss") for e in answer.excerpts)


def test_a_question_standing_as_its_own_paragraph_yields_to_the_answer_below_it(assistant):
    # Campbell: 'What was the essence of the Trotskyist position?' then, as its own paragraph, the quotation
    answer = assistant.ask("What was the essence of the Trotskyist position?")
    campbell = [e for e in answer.excerpts if e.source_id == "campbell-1939"]
    assert any(e.quote.startswith("“It implies, first of all, lack of confidence") for e in campbell)
    assert not any(e.quote.rstrip().endswith("position?") for e in answer.excerpts)


@pytest.mark.parametrize("question, unanswered", [
    # Campbell's 'What was the essence of the Trotskyist position?' matched it by its form (0.77); the
    # quotation answering it (0.26) was quoted
    ("What did Trotsky do in 1905?", "“It implies, first of all"),
    # In Defence of Marxism's 'What position did Trotsky and the Opposition defend?', then China
    ("What did Trotsky say about the Red Army?", "What position did Trotsky and the Opposition defend?"),
])
def test_an_authors_question_counts_with_its_answer_not_alone(assistant, question, unanswered):
    answer = assistant.ask(question)
    assert answer.covered
    assert not any(e.quote.startswith(unanswered) for e in answer.excerpts)


@pytest.mark.parametrize("question, wants", [
    ("Who said Trotsky had no settled position on any major issue?", True),
    ("Whose claim is it that even baby chicks were pooled?", True),
    ("Who described the intake of workers as a scheme?", True),
    ("Which defendant declared he had feared disaster?", True),
    ("Who was Andreas Nin?", False),  # who someone is, not anyone's words
    ("Who led the Spanish POUM?", False),
    ("On whose recommendation was Stalin made General Secretary?", False),
])
def test_who_asks_for_someones_words_only_with_a_word_of_saying(question, wants):
    assert bool(_ASKS_FOR_WORDS.search(question)) is wants


def test_a_page_long_sentence_is_quoted_to_its_last_clause_that_fits():
    clause = "that " + " ".join(["word"] * 30)
    sentence = "It tells us " + "; ".join([clause] * 5) + "."  # 158 words, four semicolons
    end = _clipped(sentence, 0, len(sentence))
    assert sentence[:end] == "It tells us " + "; ".join([clause] * 2)  # 65 words: a third clause would pass 90
    assert len(WORD.findall(sentence[:end])) <= MAX_QUOTE_WORDS
    assert _clipped("Short; and sweet.", 0, 17) == 17  # short enough: unchanged
    unbroken = " ".join(["word"] * 120)
    assert _clipped(unbroken, 0, len(unbroken)) == len(unbroken)  # no clause to cut at: whole, not a fragment


@pytest.mark.parametrize("question", [
    "When did Lenin die?", "When was Kirov murdered?", "When did Trotsky join the Bolsheviks?",
    "When was Trotsky expelled from the party?",
])
def test_asked_when_every_quote_names_a_time(assistant, question):
    # 'When did Lenin die?' quoted 'A few months later Lenin died.' beside 'On January 21st, 1924, Lenin died.', and
    # 'When was Trotsky expelled …?' In Defence of Marxism's '… undertaken by Trotsky in Lessons of October.'
    answer = assistant.ask(question)
    assert answer.covered and answer.excerpts
    assert all(gives("time", e.quote) for e in answer.excerpts), [e.quote for e in answer.excerpts]


def test_when_asked_as_a_follow_up_every_quote_names_a_time(assistant):
    # 'When?' is searched with the question before it, 'Why was Trotsky expelled from the party? When?'
    answer = assistant.ask("When?", history=["Why was Trotsky expelled from the party?"])
    assert answer.covered and all(gives("time", e.quote) for e in answer.excerpts), [e.quote for e in answer.excerpts]


def test_asked_when_with_no_time_found_it_is_declined_with_that_reason(assistant, corpus_dir):
    # no source gives Trotsky's birth: it quoted 'That is the evolution of Trotsky as shown in his public writings.'
    answer = assistant.ask("When was Trotsky born?")
    assert not answer.covered and not answer.excerpts and answer.closest
    assert "it asks when, and none of the sentences closest to it names a time" in answer.lead
    evaluator = Evaluator.for_assistant(assistant, corpus_dir)
    assert all(claim.supported for claim in evaluator.check_lead(answer.to_dict()))
    forged = dict(answer.to_dict(), standalone_question="Why was Trotsky born?")
    assert not all(claim.supported for claim in evaluator.check_lead(forged))
    mismatched = dict(answer.to_dict(), lead=answer.lead.replace("names a time", "names a number"))
    assert not all(claim.supported for claim in evaluator.check_lead(mismatched))
    assert "1924" in assistant.ask("When did Lenin die?").excerpts[0].quote


def test_a_quotation_whose_second_paragraph_reopens_no_mark_keeps_its_speaker(assistant):
    # the APL quotes Getty over two paragraphs and reopens no mark in the second ('Sometime in October of 1932, …
    # Ivan Smirnov” (Getty 119).'); it was shown as the APL's own words
    answer = assistant.ask("What did Gol'tsman bring to Sedov in Berlin in 1932?")
    quote = next(e for e in answer.excerpts if "brought Sedov something else" in e.quote)
    assert quote.speaker == "J. Arch Getty" and quote.speaker_citation == "Getty 119"
    # and its first paragraph is cited where the quotation closes, not by the Getty quotation before it ('Getty 121')
    answer = assistant.ask("Did Trotsky send secret letters to former oppositionists in 1932?")
    quote = next(e for e in answer.excerpts if "he sent secret letters" in e.quote)
    assert quote.speaker == "J. Arch Getty" and quote.speaker_citation == "Getty 119"


@pytest.mark.parametrize(("question", "words", "speaker"), [
    # 'Stalin had replied to Zinoviev in advance. He admitted that … . But these elements were not so dangerous as … “Both
    # the deviations are dangerous; …': the sentence before the quotation goes on with what he admitted, naming no one
    ("What did Stalin say about the Party being readier to go for the kulaks than to ally with the middle peasants?",
     "ninety-nine Communists", "Stalin"),
    ("What did Trotsky write about the world market's control over the Socialist State and its tempo of development?",
     "the equalising control of the world market", "Trotsky"),
])
def test_a_quotation_after_reported_speech_is_its_speakers(assistant, question, words, speaker):
    shown = [e.speaker for e in assistant.ask(question).excerpts if words in e.quote]
    assert shown == [speaker]


def test_a_sentence_about_him_answers_a_question_naming_him(assistant):
    # 'He escaped to the West, … until his execution at the hands of Ramón Mercader in 1940.' scored 0.40 as written
    # (its pronoun says nothing about Trotsky) and the question was declined; resolved, 'Trotsky escaped …', 0.65
    answer = assistant.ask("When was Trotsky killed?")
    assert answer.covered
    assert "his execution at the hands of Ramón Mercader in 1940" in answer.excerpts[0].quote
    assert answer.excerpts[0].quote.startswith("He escaped")  # quoted as written


def test_asked_how_many_every_quote_names_a_number(assistant):
    # it quoted 'This was done at the 15th Congress of the Party in December 1927, …' and In Defence of Marxism's
    # 'On the eve of the 15th congress Trotsky and Zinoviev were expelled.'
    answer = assistant.ask("How many votes did the Opposition get at the 15th congress?")
    assert answer.covered and all(gives("number", e.quote) for e in answer.excerpts), [e.quote for e in answer.excerpts]
    assert any("4,000" in e.quote for e in answer.excerpts)


def test_a_question_naming_only_sources_left_out_of_the_search_is_not_answered_by_the_others(assistant, corpus_dir):
    # with Campbell unticked, 'What does Campbell say about the Moscow trials?' was answered by the APL
    answer = assistant.ask("What does Campbell say about the Moscow trials?", sources=["idom-1927-expulsion", "apl-on-trotskyites"])
    assert not answer.covered and not answer.excerpts and not answer.closest
    assert answer.lead == (
        "The sources do not answer this question (it asks about Communist Party of Great Britain, 1939, which is not "
        "among the sources selected to search)."
    )
    evaluator = Evaluator.for_assistant(assistant, corpus_dir)
    assert all(claim.supported for claim in evaluator.check_lead(answer.to_dict()))
    searched = dict(answer.to_dict(), sources=[dict(c, searched=True) for c in answer.to_dict()["sources"]])
    assert not all(claim.supported for claim in evaluator.check_lead(searched))
    # a follow-up that turns to an unticked source is told so too; a source named and selected still answers
    turned = assistant.ask("What about the Trotskyist article?", ["Why was Trotsky expelled?"], ["campbell-1939", "apl-on-trotskyites"])
    assert not turned.covered and "it asks about In Defence of Marxism, which is not among" in turned.lead
    both = assistant.ask("What do Campbell and the APL say about the Moscow trials?", sources=["apl-on-trotskyites"])
    assert both.covered and {e.source_id for e in both.excerpts} == {"apl-on-trotskyites"}


def test_a_source_named_by_a_question_it_does_not_address_says_so_and_names_the_ones_that_do(assistant, corpus_dir):
    # 'What does the APL say about abortion?' quoted 'The collection of evidence the American Party of Labor has
    # presented above is by no means complete.' as its answer; Campbell writes on abortion at length
    answer = assistant.ask("What does the American Party of Labor say about abortion?")
    assert not answer.covered and not answer.excerpts and {e.source_id for e in answer.closest} == {"apl-on-trotskyites"}
    assert answer.lead.startswith(
        "American Party of Labor does not address this question; Communist Party of Great Britain, 1939 does: ask without "
        "naming a source to see its words. The closest passages are shown below"
    )
    evaluator = Evaluator.for_assistant(assistant, corpus_dir)
    assert all(claim.supported for claim in evaluator.check_lead(answer.to_dict()))
    swapped = dict(answer.to_dict(), lead=answer.lead.replace("American Party of Labor does not", "In Defence of Marxism does not"))
    assert not all(claim.supported for claim in evaluator.check_lead(swapped))
    trials = assistant.ask("What does In Defence of Marxism say about the Moscow trials?")
    assert not trials.covered and trials.lead.startswith(
        "In Defence of Marxism does not address this question; Communist Party of Great Britain, 1939; American Party of Labor do"
    )
    # the scope check declining the named source does not hide the others: 'the sources searched never mention Kirov'
    kirov = assistant.ask("What does the APL say about Kirov?")
    assert kirov.lead.startswith("American Party of Labor does not address this question; Communist Party of Great Britain, 1939 does")
    orwell = assistant.ask("What does Campbell say about George Orwell?")  # a source that never names him does not address it
    assert orwell.lead.startswith("Communist Party of Great Britain, 1939 does not address this question; American Party of Labor does")
    # nor does a topic no source answers make one of them 'address' it
    assert assistant.ask("What does the APL say about jazz?").lead.startswith("The sources do not answer this question")
    # a named source that addresses it answers as before, and so do those named beside one that does not
    assert {e.source_id for e in assistant.ask("What does Campbell say about the Moscow trials?").excerpts} == {"campbell-1939"}
    both = assistant.ask("What do Campbell and the APL say about abortion?")
    assert both.covered and {e.source_id for e in both.excerpts} == {"campbell-1939"}


def test_one_everyday_word_the_sources_never_use_does_not_decline_a_question_they_answer(assistant):
    # 'heir' and 'rigged' are no words of the 1930s texts; the share of the question they carried was over a
    # ceiling, and questions the sources answer were declined (a helper's audit: 14 of 82; docs/evaluation.md)
    heir = assistant.ask("Was Trotsky Lenin's rightful heir?")
    assert heir.covered and any("successor" in e.quote for e in heir.excerpts)
    assert assistant.ask("Were the Moscow trials rigged?").covered
    # a question that is nothing but such words is still declined for them
    jazz = assistant.ask("What did Trotsky think of jazz?")
    assert not jazz.covered and "the question turns on words the sources never use" in jazz.lead
    # without the ceiling a name the corpus never uses must still decline: of two joined by a hyphen, each counts
    pact = assistant.ask("How did Trotskyists react to the Molotov-Ribbentrop pact of August 1939?")
    assert not pact.covered and "the sources never mention Molotov-Ribbentrop" in pact.lead
    assert assistant.ask("What did Berman-Yurin say about Trotsky?").covered


def test_a_question_about_trotsky_the_sources_never_answer_is_declined_though_they_name_him_throughout(assistant, corpus_dir):
    # every question naming Trotsky finds a sentence naming him (half the passages do): 'Where was Trotsky born?'
    # and 'What was Trotsky's favourite food?' were answered by all three sources with passages that merely name him
    evaluator = Evaluator.for_assistant(assistant, corpus_dir)
    for question in ("Where was Trotsky born?", "What was Trotsky's favourite food?"):
        answer = assistant.ask(question)
        assert not answer.covered and not answer.excerpts and answer.closest, question
        assert "(the sources name Trotsky throughout, but none of their sentences comes close to what else the question asks)" in answer.lead
        assert all(claim.supported for claim in evaluator.check_lead(answer.to_dict()))
        forged = dict(answer.to_dict(), standalone_question=question.replace("Trotsky", "Lenin"))
        assert not all(claim.supported for claim in evaluator.check_lead(forged))
    # plain questions about him that the sources do answer, and one that asks nothing besides him, are answered
    # nor one where he is the object of someone else's words: without him it says nothing ('What did Gramsci call?')
    for question in ("Was Trotsky right?", "What happened to Trotsky?", "Was Trotsky an honest man?", "Tell me about Trotsky",
                     "What does the APL say Gramsci called Trotsky?"):
        assert assistant.ask(question).covered, question


def test_the_attribution_line_names_where_the_speakers_words_come_from_once(assistant):
    # '… recognition of the aforesaid decisions” (Lenin, CW 20, 330-5).' ends on its reference: the line under it
    # repeated '— (Lenin, CW 20, 330-5)'; a quote cut before its reference still gets it
    excerpts = [e for e in assistant.ask("What did Lenin say about Trotsky?").excerpts if e.speaker_citation]
    inside = [e for e in excerpts if e.speaker_citation in e.quote]
    outside = [e for e in excerpts if e.speaker_citation not in e.quote]
    assert inside and outside
    assert all(f"({e.speaker_citation})" not in attribution(e) for e in inside)
    assert all(attribution(e).endswith(f" — ({e.speaker_citation})") for e in outside)
