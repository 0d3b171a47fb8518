"""Speakers of quotations on the real corpus: known cases read from the texts, and invariants."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import rag.quotes
from rag.index import build_passages
from rag.quotes import Quotation, _is_name, find_quotations, learn_work_authors, names_in, pronoun_lead_in, speaker_at
from rag.schema import Passage

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def corpus() -> list[Passage]:
    return build_passages(CORPUS)[1]


@pytest.fixture(scope="module")
def work_authors(corpus) -> dict[str, str]:
    return learn_work_authors(p.text for p in corpus)


def quoted(corpus: list[Passage], phrase: str, works: dict[str, str] | None = None) -> Quotation | None:
    """The quotation (if any) holding `phrase`, in the one passage that contains it."""
    holding = [p for p in corpus if phrase in p.text]
    assert len(holding) == 1, f"{phrase!r} is in {len(holding)} passages"
    text = holding[0].text
    start = text.index(phrase)
    return speaker_at(find_quotations(text, works), start, start + len(phrase), text)


def test_public_api():
    assert rag.quotes.__all__ == [
        "Quotation", "ends_on_lead_in", "find_quotations", "learn_work_authors", "names_in", "only_a_turn_label", "page_reference", "pronoun_lead_in",
        "speaker_at", "subjects_in", "PLACES",
    ]


def test_parenthetical_citation_names_the_speaker(corpus):
    q = quoted(corpus, "What a swine this Trotsky is — Left phrases and a bloc with the Right")
    assert q is not None and q.speaker == "Lenin" and q.citation == "Lenin, CW #35 285"
    bauer = quoted(corpus, "All these views have to-day been refuted by history itself")
    assert bauer is not None and bauer.speaker == "Otto Bauer"
    assert bauer.citation == "Otto Bauer, Between Two World Wars, Prague, 1936"


def test_surname_citation_is_expanded_from_the_lead_in(corpus):
    q = quoted(corpus, "he continued his opposition to Lenin on many points")
    assert q is not None and q.speaker == "William Z. Foster" and q.citation == "Foster"


def test_quotation_split_by_a_speech_verb_is_one_speaker(corpus):
    first = quoted(corpus, "A large number of Trotskyites who had returned to the Party")
    second = quoted(corpus, "were working in key positions in various parts of the country")
    assert first is not None and second is not None and first.speaker == second.speaker == "Radek"
    before = quoted(corpus, "Almost everyone now realises")
    after = quoted(corpus, "that the Bolsheviks could not have maintained themselves in power")
    assert before is not None and after is not None and before.speaker == after.speaker == "Lenin"
    assert before.citation == after.citation == "Left-Wing Communism, Lawrence and Wishart, p. 9"


def test_transcript_lines_name_their_speakers(corpus):
    question = quoted(corpus, "Were you badly treated?")
    answer = quoted(corpus, "I was deprived of my liberty.")
    assert question is not None and question.speaker == "Vyshinsky"
    assert answer is not None and answer.speaker == "Muralov"


def test_straight_quotes_and_lead_ins(corpus):
    q = quoted(corpus, "the German bourgeoisie could only extricate itself from this")
    assert q is not None and q.speaker == "Trotsky"
    nobody = quoted(corpus, "Maybe it would take years")  # '…,” thought the bureaucrat, “if ever.”'
    assert nobody is not None and nobody.speaker is None


def test_a_description_is_not_a_name(corpus):
    q = quoted(corpus, "There is no basic social conflict between bourgeois democracy and Fascism")
    assert q is not None and q.speaker != "Trotsky"  # '…,” cries this fervent apostle of Trotsky'


def test_work_cited_alone_gets_its_author_from_the_corpus(corpus, work_authors):
    assert work_authors["the revolution betrayed"] == "Trotsky"
    phrase = "Politically the Soviets, to be sure, long ago lost their significance"
    without = quoted(corpus, phrase)
    assert without is not None and without.speaker is None and without.citation == "The Revolution Betrayed, p. 256"
    q = quoted(corpus, phrase, work_authors)
    assert q is not None and q.speaker == "Trotsky"


def test_a_collection_cited_alone_is_its_authors_in_a_source_that_cites_one_authors_only(corpus):
    # the 1939 book cites 'Lenin, “Violation of Unity …,” Selected Works, Vol. IV' and no one else's
    # Selected Works, so its bare '(“First Letter on Tactics,” Selected Works, Volume VI, pp. 33-4)' is Lenin's
    works = learn_work_authors(p.text for p in corpus if p.source_id == "campbell-1939")
    assert works["selected works"] == "Lenin"
    assert works["violation of unity under cover of cries for unity"] == "Lenin"  # the title ends at its mark
    q = quoted(corpus, "has already become a reality, in a certain form and to a certain extent, in the Russian revolution", works)
    assert q is not None and q.speaker == "Lenin" and q.citation.startswith("“First Letter on Tactics,”")
    # a collection no author's citation names stays unlearned, and so does a place of publication
    assert "collected works" not in works and "prague" not in works


def test_a_paper_cited_alone_speaks_for_itself(corpus, work_authors):
    q = quoted(corpus, "defense of the Soviet state required above all the ousting", work_authors)
    assert q is not None and q.speaker == "Workers Vanguard" and q.citation == "“Workers Vanguard”"
    letter = quoted(corpus, "The guiding principle in relation to the kulaks", work_authors)
    assert letter is not None and letter.speaker != "Open Letter"  # a kind of document, not a paper


def test_a_quotation_closed_with_its_reference_but_never_opened_runs_from_its_paragraphs_start(corpus):
    # the APL's paragraph 'We have no evidence that any of the defendants … could not have been tortured” (Furr 161).'
    q = quoted(corpus, "We have no evidence that any of the defendants in the three Moscow Trials")
    assert q is not None and q.start == 0 and (q.speaker, q.citation) == ("Furr", "Furr 161")


def test_a_surname_after_initials_is_a_name_whatever_its_ending(corpus):
    # '(H. E. Sigerist, M.D. – Socialised Medicine in the Soviet Union, pp. 266 and 271)': '-ist' ends 'Trotskyist' too
    q = quoted(corpus, "Repeated abortion is harmful to the mother’s health")
    assert q is not None and q.speaker == "H. E. Sigerist"
    assert not _is_name("Trotskyist") and _is_name("H. E. Sigerist")


def test_an_organisation_written_as_a_dotted_acronym_speaks(corpus, work_authors):
    ilp = quoted(corpus, "In the event of a war between two capitalist countries, or two groups", work_authors)
    assert ilp is not None and ilp.speaker == "I.L.P."  # 'Here is the I.L.P.’s pill …: “…'
    assert not _is_name("V. I.") and not _is_name("U.S.")  # initials and two-letter forms stay no one


def test_he_is_the_person_opening_his_own_sentence(corpus, work_authors):
    # 'Lenin estimated it otherwise in March 1918, when he said: “…', after a sentence naming Trotsky
    q = quoted(corpus, "We said that it was a frivolous illusion to believe that we could hold the army", work_authors)
    assert q is not None and q.speaker == "Lenin"


def test_a_quotation_goes_on_in_the_same_paragraph_when_no_one_else_is_named(corpus, work_authors):
    q = quoted(corpus, "In the political sphere the distinction of the new Constitution from the old", work_authors)
    assert q is not None and q.speaker == "Trotsky"  # 'But Trotsky asserts … “…”, and “…”. “In the political …”'
    times = quoted(corpus, "a white elephant eating its head off", work_authors)
    assert times is not None and times.speaker == "London Times"  # a place name ('at Dnieperstroi') is no speaker


def test_words_reported_without_marks_name_their_speaker(corpus, work_authors):
    # 'It was in this period that Trotsky let loose “winged words” … You cannot, he said, build …'
    q = quoted(corpus, "build a transatlantic liner by assembling hundreds of thousands of fishing smacks", work_authors)
    assert q is not None and q.reported and q.speaker == "Trotsky" and q.citation is None
    q = quoted(corpus, "Even a protracted war without a military defeat may lead", work_authors)
    assert q is not None and q.reported and q.speaker == "Trotsky"  # '…, Trotsky asserts, …'
    # 'Of course, Zinoviev did not deny that it was possible to enact certain Socialistic measures … He
    # merely denied … It was a long, long way to Socialism, he argued, …': 'Socialistic' is no second person
    q = quoted(corpus, "would never get there", work_authors)
    assert q is not None and q.reported and q.speaker == "Zinoviev"


def test_block_quotation_reopened_each_paragraph_is_one_quotation(corpus):
    a = quoted(corpus, "Thirdly, by the correctness of the political leadership")
    b = quoted(corpus, "Without these conditions all attempts to establish discipline")
    assert a is not None and a == b


def test_authors_own_words_and_scare_quotes_have_no_speaker(corpus):
    author = "It is difficult for the uninformed newspaper reader to see these criminals"
    assert quoted(corpus, author) is None
    scare = "these “Left” criticisms have become a screen"
    holding = next(p for p in corpus if scare in p.text)
    at = holding.text.index("Left”")
    assert speaker_at(find_quotations(holding.text), at, at + 4, holding.text) is None


def test_invariants_over_every_passage(corpus, work_authors):
    for p in corpus:
        quotations = find_quotations(p.text, work_authors)
        previous_end = 0
        for q in quotations:
            assert previous_end <= q.start < q.end <= len(p.text), p.id
            if q.reported:  # a whole sentence of the author's, given as someone's words
                assert q.speaker and q.citation is None and (q.start == 0 or p.text[q.start - 1] in " \n") and p.text[q.end - 1] in ".;?!", (p.id, q)
            else:
                # it opens right after an opening mark, or (closed with a reference, never opened) a paragraph
                assert p.text[q.start - 1] in "“\"" or q.start == 0 or p.text[q.start - 2 : q.start] == "\n\n", (p.id, q)
            # a name, or a body with its article ('the Left Opposition'), or a paper or office ('the final report of the Commission')
            assert q.speaker is None or q.speaker.strip() == q.speaker, (p.id, q)
            assert q.speaker is None or q.speaker.removeprefix("the ")[0].isupper() or re.fullmatch(rf"the {rag.quotes._DOCUMENT}", q.speaker), (p.id, q)
            assert q.citation is None or q.citation.strip(), (p.id, q)
            found = speaker_at(quotations, q.start, q.end, p.text)
            assert found in _voices(q)  # it, or words it quotes
            for i in q.inner:  # words quoted in single marks inside it, by someone named
                assert q.start <= i.start < i.end <= q.end and i.speaker and p.text[i.start - 1] == "‘", (p.id, i)
            previous_end = q.end


def _voices(q: Quotation) -> list[Quotation]:
    """The quotation and every quotation inside it, however deep."""
    return [q, *(v for i in q.inner for v in _voices(i))]


def test_speaker_at_needs_half_of_the_excerpt():
    text = (
        "Lenin wrote: “The state is a machine for the oppression of one class by another.” "
        "The author adds that this was written in 1919, long before the events discussed in this chapter."
    )
    quotations = find_quotations(text)
    assert [q.speaker for q in quotations] == ["Lenin"]
    inside = text.index("machine")
    assert speaker_at(quotations, inside, inside + 20, text) == quotations[0]
    assert speaker_at(quotations, 0, len(text), text) is None  # mostly the author's words
    assert speaker_at([], 0, 5) is None


def test_fast_enough_for_answer_time(corpus):
    sample = corpus[::10]
    started = time.perf_counter()
    for p in sample:
        find_quotations(p.text)
    assert (time.perf_counter() - started) / len(sample) < 0.005


def test_names_in_finds_persons_papers_and_organisations_not_terms():
    assert names_in("What did George Orwell and the Workers Vanguard say of the Left Opposition?") == ["George Orwell", "Workers Vanguard"]
    assert names_in("Was the Soviet Union under Stalin a socialist state?") == ["Stalin"]


def test_a_transcript_label_after_a_reply_names_its_speaker_and_a_title_keeps_its_article(corpus):
    # '… Give his name.” Thornton: “I was told by” – (tries to remember).': a label right after the
    # previous speaker's closing mark; 'The President: “…' is the court's president
    q = quoted(corpus, "I was told by")
    assert q is not None and q.speaker == "Thornton"
    president = quoted(corpus, "When you find it difficult to reply you always resort")
    assert president is not None and president.speaker == "The President"


def test_a_sentence_ending_inside_quotation_marks_ends_there():
    # '… the slogans of “struggle for peace” and “neither victory nor defeat.” Lenin vigorously exposed the
    # emptiness of Trotsky’s resounding phrases:' then Lenin's words: the lead-in is the last sentence only
    text = (
        "Trotsky ridiculed this slogan and put forward the slogans of “struggle for peace” and “neither victory nor "
        "defeat.” Lenin vigorously exposed the emptiness of Trotsky’s resounding phrases:\n\n“A revolutionary class "
        "in a reactionary war cannot but ‘wish the defeat of its government’.”"
    )
    assert [q.speaker for q in find_quotations(text)] == ["Lenin"]


@pytest.mark.parametrize(
    "phrase, speaker",
    [
        # a colon lead-in whose subject is a body: 'the Left Opposition participated with their own slogans:'
        ("Let us turn our fire to the right", "the Left Opposition"),
        ("Russia is a backward country, and therefore the sole possibility", "the Russian Mensheviks"),
        # 'The Dewey Commission which was set up by the American Committee for the Defence of Leon Trotsky
        # declares,': a relative clause between subject and verb, whose own names a preposition governs
        ("The Commission finds from the evidence in its possession", "the Dewey Commission"),
        # '“The signatories argue,” says the Economist, “…': a paper's one-word name, with its article
        ("that the new pact is not offensive because it is not directed", "The Economist"),
        # 'The magazine The Independent reported:', 'The Times reported:': the paper, not a person 'Independent'
        ("Two American academics researching for a book on Rivera", "The Independent"),
        ("Great anxiety is felt as to what is happening to Mr. Macdonald", "The Times"),
        # '… the New York Trotskyist newspaper Socialist Appeal declared: “…” (Kahn and Sayers 325)': the paper
        # speaks; the reference is the book the APL found its words in
        ("Czechoslovakia is one of the most monstrous national", "Socialist Appeal"),
    ],
)
def test_a_body_that_speaks_as_one_is_the_speaker(corpus, phrase, speaker):
    q = quoted(corpus, phrase)
    assert q is not None and q.speaker == speaker


def test_a_paper_or_an_office_that_speaks_is_the_speaker(corpus):
    # '“This document,” says the final report of the Commission, “shows that …': both halves
    q = quoted(corpus, "Trotsky warned that Stalin would try to draw a line of blood")
    assert q is not None and q.speaker == "the final report of the Commission"
    # '… as the Constitution truly states, “The land …', '… the programme (Section 15) states;' then its words below
    for phrase, speaker in [("The land and all that is beneath it", "the Constitution"),
                            ("The participation of the trade unions in economic policy", "the programme")]:
        q = quoted(corpus, phrase)
        assert q is not None and q.speaker == speaker
    # a lead-in ending one passage, the words opening the next: 'The platform of the opposition issued in 1927 says:',
    # '… the Chief of the police said:' (not 'the press the Chief of the police')
    for lead_in, words, speaker in [
        ("The platform of the opposition issued in 1927 says:", "Twenty-five million small farms", "the platform of the opposition"),
        ("the Chief of the police said:", "The search carried out in the domicile of Roca", "the Chief of the police"),
    ]:
        (before,) = [p for p in corpus if p.text.rstrip().endswith(lead_in)]
        (after,) = [p for p in corpus if p.text.startswith("“" + words)]
        text = before.text + "\n\n" + after.text
        found = [q for q in find_quotations(text) if q.start > len(before.text)]
        assert found and found[0].speaker == speaker


def test_he_who_told_and_him_asserting_are_the_person_named_before(corpus):
    # '… was that of Trotsky. It is he who had previously told the world that “a steady rise of Socialist economy …'
    q = quoted(corpus, "a steady rise of Socialist economy in Russia will not be possible")
    assert q is not None and q.speaker == "Trotsky"


def test_a_paper_named_before_he_is_no_person_he_could_be(corpus):
    # '… the revolutionary poseur … pleads to the Communist Party …. In the Bulletin of the Opposition in 1932, he
    # repeated: “…': 'Bulletin' is no one 'he' may be, so the person is sought in the passage before (Trotsky)
    (passage,) = [p for p in corpus if "In the Bulletin of the Opposition in 1932, he repeated" in p.text]
    assert pronoun_lead_in(passage.text, passage.text.index("Under favourable circumstances"))


def test_a_sketch_of_someone_is_not_their_words(corpus):
    # 'Lenin … gave the following unforgettable sketch of Trotsky: “The old participants …': Lenin's words about him
    q = quoted(corpus, "The old participants in the Marxian movement in Russia know")
    assert q is not None and q.speaker == "Lenin"
    # but words someone is denounced by are the denouncer's: '… denounced by Lenin as “‘Old Bolsheviks’ who have more than once played so sorry a part …'
    q = quoted(corpus, "who have more than once played so sorry a part")
    assert q is not None and q.speaker == "Lenin"


def test_an_attribution_between_mismatched_marks_names_the_speaker(corpus):
    # the scan closes with a single mark and reopens with a double one: '“The ‘alliance between the working class
    # and the middle class,’ says Burnham, “can be formed only if …' was one quotation with no speaker
    q = quoted(corpus, "can be formed only if the working class holds the leading position")
    assert q is not None and q.speaker == "Burnham"


def test_words_addressed_to_the_subject_of_a_lead_in_are_not_theirs(corpus):
    # 'The American Communists are told: “It would be absurd …” (The Fourth International and War)'
    q = quoted(corpus, "It would be absurd and criminal in case of war between the U.S.S.R. and Japan")
    assert q is not None and q.speaker is None and q.citation == "The Fourth International and War"
    assert names_in("The American Communists are told:") == []  # a body is never a person


def test_he_is_the_one_person_a_sentence_before_has_as_its_subject(corpus):
    # 'In a pamphlet …, which Shachtman translated in 1931, Trotsky treats … He expresses no doubts about
    # these trials. On the contrary, he says: “It was irrefutably established …”': Shachtman is the
    # subject of a relative clause only
    q = quoted(corpus, "It was irrefutably established by the Court that during the years 1923-8")
    assert q is not None and q.speaker == "Trotsky"


def test_he_is_the_one_person_his_own_sentence_names_before_him(corpus, work_authors):
    # the APL: '… anticommunist leftists like Orwell who were convinced, as he himself wrote, ‘that the
    # destruction of the Soviet myth [is] essential …’'; a paper, a body or a group that 'the' names is no
    # one 'he' can mean ('In the Bulletin of the Opposition in 1932, he repeated:' stays unresolved)
    q = quoted(corpus, "that the destruction of the Soviet myth [is] essential", work_authors)
    assert q is not None and q.speaker == "Orwell"
    q = quoted(corpus, "Under favourable circumstances, external and internal", work_authors)
    assert q is not None and q.speaker is None


def test_a_title_run_into_its_authors_name_leaves_the_author_as_subject():
    # the 1939 book: 'In The Revolution Betrayed Trotsky in a measure repeats this diagnosis:' (the capitalised
    # title and name read as one run, which 'In' governs); an author the source cites ends it
    text = (
        "In The Revolution Betrayed Trotsky in a measure repeats this diagnosis:\n\n“If the war should remain only a "
        "war, the defeat of the Soviet Union would be inevitable.” (p. 216)."
    )
    assert [q.speaker for q in find_quotations(text, {"the revolution betrayed": "Trotsky"})] == ["Trotsky"]
    assert [q.speaker for q in find_quotations(text)] == [None]  # no author known: no guess


def test_a_note_of_the_quoting_author_is_no_reference(corpus):
    # '… the line of the P.O.U.M. in the May days” (i.e., the days of the Barcelona insurrection, J.R.C.).'
    quotation = quoted(corpus, "This analysis has also determined the line of the P.O.U.M.")
    assert quotation is not None and quotation.citation is None
    reference = quoted(corpus, "In the nature of the case, I am not obliged to answer these questions")
    assert reference is not None and reference.citation == "The Case of Leon Trotsky, pp. 482-3"


def test_words_quoted_inside_a_quotation_name_their_own_speaker(corpus, work_authors):
    # the APL quotes Kahn and Sayers, who quote Berman-Yurin's testimony in single marks, which quotes
    # Trotsky: '“… Konon Berman-Yurin later stated: ‘I had two meetings … Trotsky said: ‘The principal
    # question is the question of Stalin. …’ He said that … assembly.’” (Kahn and Sayers).'
    testimony = quoted(corpus, "I had two meetings with him [Trotsky]", work_authors)
    assert testimony is not None and (testimony.speaker, testimony.citation) == ("Konon Berman-Yurin", "Kahn and Sayers")
    later = quoted(corpus, "Trotsky also said that in addition to Stalin it was necessary", work_authors)
    assert later is not None and later.speaker == "Konon Berman-Yurin"
    words = quoted(corpus, "The principal question is the question of Stalin.", work_authors)
    assert words is not None and (words.speaker, words.citation) == ("Trotsky", "Konon Berman-Yurin, Kahn and Sayers")
    # a 'he' inside someone's words is named only when the lead-in names him: '[Trotsky’s] ringing
    # phrases … he announced: ‘…In your objective role, …’' is Lenin's, as the APL's reference says
    announced = quoted(corpus, "In your objective role, you are a tool of imperialist provocation", work_authors)
    assert announced is not None and announced.speaker == "Lenin"


def test_a_transcripts_reference_after_its_last_line_cites_every_line():
    # 'Vyshinsky: “…” Muralov: “…” (Trial …, pp. 231-2).': the source cites the exchange once, after its last line
    text = (
        "Vyshinsky: “Were you badly treated?”\n\nMuralov: “I was deprived of my liberty.”\n\n"
        "Vyshinsky: “But perhaps rough methods were used against you?”\n\n"
        "Muralov: “No. No such methods were used” (Trial of Anti-Soviet Trotskyite Centre, pp. 231-2)."
    )
    found = find_quotations(text)
    assert [q.speaker for q in found] == ["Vyshinsky", "Muralov", "Vyshinsky", "Muralov"]
    assert {q.citation for q in found} == {"Trial of Anti-Soviet Trotskyite Centre, pp. 231-2"}
    # a quotation the author comments on between is no line of the exchange
    text = "Lenin wrote: “The old school was thoroughly imbued with the class spirit.” This is clear. " + text[-90:]
    assert find_quotations(text)[0].citation is None


def test_a_name_joined_by_and_to_one_a_preposition_governs_is_no_speaker():
    # 'Radek, speaking of Trotsky’s letter …, the existence of which was also confirmed by Pyatakov and Serebriakov,
    # said:': Serebriakov is governed by 'by' as Pyatakov is, Trotsky by 'of'; Radek speaks
    text = (
        "Radek, speaking of Trotsky’s letter of December 1935, the existence of which was also confirmed by Pyatakov "
        "and Serebriakov, said:\n\n“In the sphere of politics, a new note in this letter was the way it posed the question.”"
    )
    assert [q.speaker for q in find_quotations(text)] == ["Radek"]
    # a clause, not a list: 'Dealing with the admissions of Zinoviev and Kamenev, Trotsky said:'
    text = "Dealing with the admissions of Zinoviev and Kamenev, Trotsky said:\n\n“All the accused, without exception, have declared it.”"
    assert [q.speaker for q in find_quotations(text)] == ["Trotsky"]
