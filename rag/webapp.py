"""The Gradio web chat over an Assistant, and its JSON endpoint `/ask`.

It only wires components to `Assistant.ask`; retrieval and wording live in the library,
HTML in rag.cards. Nothing is loaded at import and nothing is global: each call of
`build_app` makes a new Blocks, and each browser session keeps its own conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from . import cards
from .assistant import Assistant
from .errors import RagError

# each answered by a hostile source and the sympathetic one (tests/test_app.py); 'Were the Moscow trials justified?'
# and 'Why was Trotsky expelled from the party?' are answered by the two hostile ones only (docs/evaluation.md)
EXAMPLES = [
    "Was Trotsky a genuine Bolshevik?",
    "Did Stalin's bureaucracy betray the revolution?",
    "Could the USSR build socialism on its own?",
    "Why was Trotsky expelled from the party in 1927?",
]
# the first two narrow the last question to one side; the third shows what its answer did not
FOLLOW_UPS = ["What about Campbell?", "What about the Trotskyist article?", "Tell me more"]
INTRO = (
    '<div class="vp-header"><h1>Viewpoints</h1><p>Trotsky and Trotskyism in the words of three opposed sources. '
    "Every quote is verbatim and attributed; the assistant itself writes only the line saying who answers.</p></div>"
)
PLACEHOLDER = (
    "<p><strong>Ask a question about Trotsky or Trotskyism.</strong></p><p>Each source that addresses it answers in "
    "its own words, with chapter and page; the full paragraphs appear beside the chat (below it on a narrow screen).</p>"
)
# the page chrome; the cards' own styles are in rag.cards
CSS = cards.STYLESHEET + """
.vp-header h1 { margin: 0; font-size: 24px; line-height: 1.2; }
.vp-header p { margin: 2px 0 0; color: var(--vp-muted); max-width: 75em; }
/* Gradio's jump-to-latest arrow floats over the answer's words; each answer is scrolled into view anyway */
#vp-chat .scroll-down-button-container { display: none; }
/* one way to start again, "New conversation": the chat's trash icon was the first Tab stop and asked no confirmation */
#vp-chat button[aria-label="Clear"] { display: none; }
#vp-question textarea:focus { outline: 2px solid var(--color-accent); outline-offset: 1px; }
"""
# after an answer, bring the latest question and the start of its answer (not its end) into view
SCROLL_TO_QUESTION = """() => {
  const show = () => {
    const all = document.querySelectorAll('#vp-chat .vp-question, #vp-chat .vp-error');
    const q = all[all.length - 1];
    let box = q && q.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
    if (!box) return;
    if (q.classList.contains('vp-error')) box.scrollTop = box.scrollHeight;  // a short notice: show the end
    else box.scrollTop += q.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  };
  setTimeout(show, 100);
  setTimeout(show, 500);  // again once a slow browser has laid the answer out
}"""
Messages = list[dict[str, Any]]


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat UI and the `/ask` API endpoint over `assistant`; launch it with `launch`."""
    sources = list(assistant.sources.values())
    tone = cards.tones(sources)

    def respond(question: str, messages: Messages, asked: list[str], chosen: list[str]) -> Iterator[tuple[Any, ...]]:
        """Stream one turn: the question and 'Searching…' at once, then the answer (or why there is none)."""
        if not question.strip():  # a pop-up, not a turn: the conversation holds questions and their answers
            gr.Warning("Type a question first.")
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        messages = [*(messages or []), {"role": "user", "content": cards.question_html(question)}]
        messages.append({"role": "assistant", "content": cards.notice_html("Searching the sources…")})
        yield messages, "", asked, gr.skip()
        try:
            answer = assistant.ask(question, history=asked, sources=chosen)
        except RagError as exc:
            message = str(exc).rstrip(".")
            messages[-1] = {"role": "assistant", "content": cards.notice_html(f"{message[:1].upper()}{message[1:]}.", "error")}
            # the question goes back into the box to be mended, not retyped; the panel shows no earlier passages
            yield messages, question, asked, cards.passages_html(None, tone)
            return
        messages[-1] = {"role": "assistant", "content": cards.answer_html(answer, tone)}
        yield messages, gr.skip(), [*asked, question], cards.passages_html(answer, tone)

    def ask(question: str, sources: list[str] | None = None, history: list[str] | None = None) -> dict[str, Any]:
        """The answer as JSON (docs/answer.schema.json), or {"error": "..."} for a question that cannot be searched.

        sources: ids of the sources to search (default: all); history: earlier questions, oldest first.
        """
        if not isinstance(question, str):
            return {"error": "the question must be a string"}
        try:
            return assistant.ask(question, history=history, sources=sources).to_dict()
        except RagError as exc:
            return {"error": str(exc)}

    with gr.Blocks(title="Viewpoints: Trotsky and Trotskyism in the sources' own words", analytics_enabled=False) as demo:
        gr.HTML(INTRO)
        asked = gr.State([])  # this session's earlier questions, for follow-ups
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=520):
                chat = gr.Chatbot(
                    show_label=False,
                    height=540,
                    layout="panel",
                    autoscroll=False,  # SCROLL_TO_QUESTION shows the start of each answer instead
                    # answers are HTML built by rag.cards with every text escaped; Gradio's
                    # sanitizer stays on as a second guard, markdown and LaTeX are off so that
                    # nothing in a source or a question is reinterpreted
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    buttons=[],
                    feedback_options=None,
                    placeholder=PLACEHOLDER,
                    elem_id="vp-chat",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label="Your question",  # what a screen reader announces; not shown
                        show_label=False,
                        placeholder="Ask about Trotsky or Trotskyism…",
                        lines=1,
                        max_lines=4,
                        scale=1,
                        autofocus=True,
                        container=False,
                        elem_id="vp-question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=0, min_width=90)
                    clear = gr.Button("New conversation", variant="secondary", scale=0, min_width=170)
                gr.Examples(EXAMPLES, inputs=question, label="Contested questions")
                gr.Examples(FOLLOW_UPS, inputs=question, label="Follow-ups (ask after a first question)")
            with gr.Column(scale=2, min_width=380):
                chosen = gr.CheckboxGroup(
                    choices=[(s.viewpoint, s.id) for s in sources], value=[s.id for s in sources], label="Search these sources"
                )
                panel = gr.HTML(cards.passages_html(None, tone), max_height=520, elem_id="vp-panel", padding=True)
                with gr.Accordion("About the sources", open=False):
                    gr.HTML(cards.about_html(sources, tone))

        turn = dict(fn=respond, inputs=[question, chat, asked, chosen], outputs=[chat, question, asked, panel], api_visibility="private")
        for trigger in (question.submit, send.click):
            trigger(**turn).then(fn=None, js=SCROLL_TO_QUESTION, api_visibility="private")
        reset = dict(fn=lambda: ([], [], cards.passages_html(None, tone)), outputs=[chat, asked, panel], api_visibility="private")
        clear.click(**reset)
        chat.clear(**reset)  # the chat's own trash icon, hidden by CSS
        gr.api(ask, api_name="ask")

    # Assistant.ask is read-only after load, so concurrent calls are safe; each takes
    # ~0.5 s of CPU and the target machine has 2 cores, so more than 2 at once would
    # only slow every answer down. The bounded queue turns a flood into "queue full".
    demo.queue(default_concurrency_limit=2, max_size=64)
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860) -> str:
    """Start serving `demo` on host:port in the background, never through a public share link.

    Returns the local URL; `demo.block_thread()` then serves until Ctrl+C, `demo.close()` stops it.
    """
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=True,
        quiet=True,
        css=CSS,
        # subtle: Gradio's bundled Source Sans Pro semibold is a subset missing most capitals,
        # so the theme loads only the regular and bold faces
        theme=gr.themes.Default(primary_hue="slate", font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "sans-serif"]),
        footer_links=["api"],  # the JSON endpoint's documentation; Gradio's settings mean nothing to a reader
        run_history=False,  # no call log kept in the browser
        max_file_size="1kb",  # the app takes no files: refuse uploads to Gradio's upload route
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
    )
    return url
