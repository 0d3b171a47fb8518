"""The web chat: its HTML shows every text as text, its /ask endpoint returns schema-valid
JSON, and in a real browser a contested question gets quotes from opposed sources."""

from __future__ import annotations

import json
import os
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import gradio as gr
import jsonschema
import pytest

from rag import cards
from rag.assistant import PROJECT_DIR
from rag.render import CUT, attribution, quotation_cut
from rag.webapp import EXAMPLES, build_app

SCHEMA = json.loads((PROJECT_DIR / "docs" / "answer.schema.json").read_text())
CHROMIUM = Path("/usr/bin/chromium")
# screenshots go outside the repo (tests never write into it); CI may point this elsewhere
ARTIFACTS = Path(os.environ.get("VIEWPOINTS_TEST_ARTIFACTS", Path(tempfile.gettempdir()) / "viewpoints-test-artifacts"))
HOSTILE_MARKUP = [
    "<script>alert(1)</script> Was Trotsky a Bolshevik?",
    '<img src=x onerror="alert(1)"> Why was Trotsky expelled?',
    "[click me](javascript:alert(1)) ![x](http://example.com/x.png) **Moscow trials** $$x$$",
    "</p></section><div onclick=alert(1)>&lt;b&gt;Stalin&amp;Trotsky",
]
# the only markup rag.cards writes; anything else would have come from a text
TAGS = {"div", "p", "q", "section", "figure", "blockquote", "figcaption", "span", "article", "mark", "dl", "dt", "dd", "small", "a"}
ATTRS = {"class", "href", "target", "rel", "title"}


# Gradio leaves event loops unclosed: see `gradio_loops` in conftest.py
pytestmark = pytest.mark.usefixtures("gradio_loops")


class Markup(HTMLParser):
    """The tags, attributes, visible text and highlighted text of an HTML fragment."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.marked: list[str] = []
        self._in_mark = False
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}
        self.hrefs += [value for name, value in attrs if name == "href"]
        self._in_mark = self._in_mark or tag == "mark"

    def handle_endtag(self, tag):
        self._in_mark = self._in_mark and tag != "mark"

    def handle_data(self, data):
        self.text.append(data)
        if self._in_mark:
            self.marked.append(data)

    @property
    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def assert_only_our_markup(fragment: str) -> Markup:
    parsed = Markup(fragment)
    assert parsed.tags <= TAGS, parsed.tags - TAGS
    assert parsed.attrs <= ATTRS, parsed.attrs - ATTRS
    assert all(h.startswith(("https://", "http://")) for h in parsed.hrefs), parsed.hrefs
    return parsed


@pytest.fixture(scope="module")
def tone(assistant) -> dict[str, str]:
    return cards.tones(assistant.sources.values())


@pytest.fixture(scope="module")
def answers(assistant):
    # the Ryutin question's passage gives two quotes
    questions = EXAMPLES + HOSTILE_MARKUP + ["What is the recipe for pancakes?", "What did the Ryutin platform of 1932 call for?"]
    return [assistant.ask(q) for q in questions] + [assistant.ask("And what did Lenin say about him?", history=[EXAMPLES[3]])]


# --- the HTML ---------------------------------------------------------------------------


def test_answers_show_every_quote_and_attribution_as_text(answers, tone):
    for answer in answers:
        shown = assert_only_our_markup(cards.answer_html(answer, tone)).visible
        assert " ".join(answer.lead.split()) in shown
        for e in answer.excerpts + answer.closest:
            begins_inside, ends_inside = quotation_cut(e.quote)  # […] where the speaker's words go on in the source
            assert f"[{e.n}] {' '.join([CUT] * begins_inside + e.quote.split() + [CUT] * ends_inside)}" in shown
            assert " ".join(attribution(e).split()) in shown
        if not answer.covered:
            assert "Closest passages — not an answer" in shown
        if answer.standalone_question != answer.question:
            assert f"Searched as: {answer.standalone_question}" in shown


def test_a_source_left_out_of_an_answer_can_be_asked_by_name(assistant, tone):
    # 'Why was Trotsky expelled from the party?' is answered by the two hostile sources; the chat says how to hear
    # the third, and that follow-up quotes it
    question = "Why was Trotsky expelled from the party?"
    answer = assistant.ask(question)
    silent = [c.source for c in answer.coverage if c.searched and not c.addresses]
    assert [s.id for s in silent] == ["idom-1927-expulsion"]
    shown = assert_only_our_markup(cards.answer_html(answer, tone)).visible
    hint = f"What about {silent[0].aliases[0]}?"
    assert f"Ask {hint} to see the passages of In Defence of Marxism nearest to this question." in shown
    assert {e.source_id for e in assistant.ask(hint, history=[question]).excerpts} == {"idom-1927-expulsion"}


def test_cards_carry_the_viewpoint_label_and_colour_of_their_source(answers, tone, assistant):
    answer = answers[0]
    fragment = cards.answer_html(answer, tone)
    for e in answer.excerpts:
        assert f'<section class="vp-card {tone[e.source_id]}"><p class="vp-viewpoint">' in fragment
    # opposed and fellow hostile sources never share a colour
    assert len(set(tone.values())) == len(assistant.sources)


def test_user_markup_is_shown_literally():
    for question in HOSTILE_MARKUP:
        parsed = assert_only_our_markup(cards.question_html(question))
        assert parsed.visible == " ".join(question.split())
    long = cards.question_html("x" * 100_000)
    assert len(long) < 500 and "100,000 characters" in long


def test_passages_highlight_exactly_the_quote_inside_its_paragraph(answers, tone):
    for answer in answers:
        parsed = assert_only_our_markup(cards.passages_html(answer, tone))
        excerpts = answer.excerpts if answer.covered else answer.closest
        assert sorted(parsed.marked) == sorted(e.quote for e in excerpts)
        for e in excerpts:  # each paragraph once, however many quotes it gives
            assert parsed.visible.count(" ".join(e.passage.text.split())) == 1
        # the panel shows the latest answer only: it names the question its [n] belong to
        assert f"for the question “{' '.join(answer.question.split())}”" in parsed.visible


def test_about_lists_every_source_and_marks_unconfirmed_fields(assistant, tone):
    sources = list(assistant.sources.values())
    shown = assert_only_our_markup(cards.about_html(sources, tone)).visible
    for s in sources:
        for value in (s.title, s.author, s.publisher, s.form, s.viewpoint, s.description, s.provenance):
            assert " ".join(value.split()) in shown
    assert shown.count("(unconfirmed)") == sum(len(s.unconfirmed) for s in sources)


# --- the Gradio app ---------------------------------------------------------------------


def test_app_builds_without_launching_and_names_the_ask_endpoint(assistant):
    demo = build_app(assistant)
    assert isinstance(demo, gr.Blocks)
    named = [d.get("api_name") for d in demo.get_config_file()["dependencies"]]
    assert "ask" in named


@pytest.mark.slow
def test_api_answers_with_schema_valid_json(client):
    result = client.predict("Was Trotsky a genuine Bolshevik?", api_name="/ask")
    jsonschema.validate(result, SCHEMA)
    assert result["covered"]
    assert len({e["source_id"] for e in result["excerpts"]}) >= 2


@pytest.mark.slow
def test_api_takes_sources_and_history(client):
    only = client.predict("Were the Moscow trials justified?", ["campbell-1939"], api_name="/ask")
    jsonschema.validate(only, SCHEMA)
    assert {e["source_id"] for e in only["excerpts"] + only["closest"]} == {"campbell-1939"}
    follow = client.predict("And what did Lenin say about him?", None, ["Why was Trotsky expelled from the party?"], api_name="/ask")
    assert follow["standalone_question"] == "What did Lenin say about Trotsky?"


@pytest.mark.slow
@pytest.mark.parametrize("args", [("",), ("   ",), ("x" * 100_000,), ("Was Trotsky a Bolshevik?", ["no-such-source"]), ("Why?", []), ("Why?",)])
def test_api_turns_bad_input_into_a_one_line_error(client, args):
    result = client.predict(*args, api_name="/ask")
    assert set(result) == {"error"}
    assert result["error"] and "\n" not in result["error"] and "Traceback" not in result["error"]


@pytest.mark.slow
def test_only_ask_is_a_public_endpoint(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}


@pytest.mark.slow
@pytest.mark.browser
def test_browser_shows_opposed_quotes_and_typed_markup_as_text(served, assistant):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser test")
    from playwright.sync_api import sync_playwright

    campbell = assistant.sources["campbell-1939"].viewpoint
    viewpoints = {s.viewpoint for s in assistant.sources.values()}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(served)
            box = page.get_by_placeholder("Ask about Trotsky or Trotskyism…")

            box.fill("Was Trotsky a genuine Bolshevik?")
            page.get_by_role("button", name="Ask", exact=True).click()
            page.locator("#vp-chat .vp-answer").first.wait_for(timeout=60_000)
            page.wait_for_timeout(700)  # the scroll back to the question
            page.screenshot(path=str(ARTIFACTS / "app-answer.png"))
            cards_shown = page.locator("#vp-chat .vp-card")
            labels = {cards_shown.nth(i).locator(".vp-viewpoint").inner_text() for i in range(cards_shown.count())}
            assert len(labels & viewpoints) >= 2, labels
            card = cards_shown.filter(has=page.locator(".vp-viewpoint", has_text=campbell))
            card.locator("blockquote").first.scroll_into_view_if_needed()
            assert card.locator("blockquote").first.is_visible()
            assert "p. " in card.locator("figcaption").first.inner_text()
            assert page.locator("#vp-panel mark").count() >= 2

            typed = '<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))'
            box.fill(typed)
            page.get_by_role("button", name="Ask", exact=True).click()
            page.locator("#vp-chat .vp-answer").nth(1).wait_for(timeout=60_000)
            page.wait_for_timeout(700)
            assert page.locator("#vp-chat .vp-question").last.inner_text() == typed
            assert page.locator('#vp-chat img[src="x"], #vp-chat script, #vp-chat a[href^="javascript"]').count() == 0
            page.screenshot(path=str(ARTIFACTS / "app-markup.png"))

            # an empty box asks nothing: a pop-up says so and the conversation is left as it was
            turns = page.locator("#vp-chat .message").count()
            box.fill("   ")
            page.get_by_role("button", name="Ask", exact=True).click()
            page.get_by_text("Type a question first.").wait_for(timeout=10_000)
            assert page.locator("#vp-chat .message").count() == turns
            # a question refused for its length goes back into the box to be shortened, not retyped
            long = "Why was Trotsky expelled? " * 100
            box.fill(long)
            page.get_by_role("button", name="Ask", exact=True).click()
            page.locator("#vp-chat .vp-error").first.wait_for(timeout=60_000)
            assert "keep it under" in page.locator("#vp-chat .vp-error").first.inner_text()
            page.wait_for_function("() => document.querySelector('#vp-question textarea').value.length > 2000", timeout=10_000)
            assert box.input_value() == long
            assert not page.locator('#vp-chat button[aria-label="Clear"]').is_visible()  # "New conversation" is the one
            assert dialogs == []
        finally:
            browser.close()


def test_every_contested_example_is_answered_by_both_sides(assistant):
    # the chat offers them as contested questions: each shows a hostile and the sympathetic source
    for question in EXAMPLES:
        stances = {e.source.stance for e in assistant.ask(question).excerpts}
        assert {"hostile", "sympathetic"} <= stances, question
