"""`rag build | search | ask | passages | eval`: the only place that reads argv, prints and exits."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .assistant import DEFAULT_CORPUS, DEFAULT_INDEX, Assistant
from .errors import RagError
from .render import render_text

logger = logging.getLogger("rag")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rag` command; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on its own logger
    if not args.verbose:
        # transformers shows a 'Loading weights' bar at every model load: noise for one command
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # the model ships in a pip package: nothing may reach for the network
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        return args.handler(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away ('rag ask … | head'): not an error; stdout is pointed at devnull so
        # that the interpreter's final flush does not raise again (Python docs, signal module notes)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Viewpoints: quoted, attributed answers from the corpus.")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: %(default)s)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="ingest the corpus and (re)build the index")
    build.add_argument(
        "--fp32", action="store_true",
        help="embed in fp32 even where the CPU has bfloat16 (slower; vectors within 1e-4 of the reference: the committed index is "
        "built so). Without it, fp32 too when the index there is fp32, so that its vectors are kept",
    )
    build.add_argument(
        "--fresh", action="store_true",
        help="embed every sentence anew, keeping no vector from the index there (in bfloat16 where the CPU has it, unless --fp32)",
    )
    build.set_defaults(handler=_build)

    search = sub.add_parser("search", help="print the passages that best answer a question")
    search.add_argument("question")
    search.add_argument("-k", type=int, default=10, help="number of passages (default: %(default)s)")
    search.add_argument("--source", action="append", dest="sources", metavar="ID", help="search only this source (repeatable)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(handler=_search)

    ask = sub.add_parser("ask", help="answer a question with quoted, attributed excerpts")
    ask.add_argument("question")
    ask.add_argument("--source", action="append", dest="sources", metavar="ID", help="search only this source (repeatable)")
    ask.add_argument("--history", action="append", metavar="QUESTION", help="an earlier question of the conversation (repeatable, oldest first)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON (docs/answer.schema.json)")
    ask.set_defaults(handler=_ask)

    passages = sub.add_parser("passages", help="show the ingested passages of a source")
    passages.add_argument("--source", required=True, metavar="ID")
    passages.add_argument("--page", type=int, help="only passages on this page")
    passages.add_argument("--json", action="store_true", help="print JSON lines")
    passages.set_defaults(handler=_passages)

    evaluate = sub.add_parser("eval", help="score the pipeline (or answers made elsewhere) against a gold file")
    evaluate.add_argument("gold", type=Path, metavar="GOLD.jsonl", help="gold questions (docs/evaluation.md)")
    evaluate.add_argument("--answers", type=Path, metavar="ANSWERS.jsonl",
                          help="score these answers (docs/answer.schema.json, one a line, with \"id\" or \"question\") instead of asking; skips retrieval metrics")
    evaluate.add_argument("--out", type=Path, default=Path("eval-out"), metavar="DIR",
                          help="folder for summary.md, summary.json, questions.jsonl, answers.jsonl (default: %(default)s)")
    evaluate.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    evaluate.set_defaults(handler=_eval)
    return parser


def _build(args: argparse.Namespace) -> int:
    from .embed import build_embedders
    from .index import build_index, stored_precision

    embedders = build_embedders(bf16=False if args.fp32 else None, reusing=None if args.fresh else stored_precision(args.index))
    manifest = build_index(args.corpus, args.index, *embedders, progress=sys.stderr.isatty(), reuse=not args.fresh)
    kept = manifest["sentences_kept"]
    print(
        f"built {manifest['passages']} passages into {args.index} in {manifest['build_seconds']} s"
        + (f" ({kept} of {manifest['sentences']} sentences kept their vectors from the index there; --fresh embeds all)" if kept else "")
    )
    return 0


def _search(args: argparse.Namespace) -> int:
    hits = Assistant.load(args.index, args.corpus).search(args.question, k=args.k, sources=args.sources)
    if args.json:
        print(json.dumps([hit.to_dict() for hit in hits], ensure_ascii=False, indent=2))
        return 0
    for hit in hits:
        p = hit.passage
        where = ", ".join(x for x in (p.chapter, p.section, p.page_label) if x)
        print(f"{hit.rank:>2}. [{p.id}] {hit.score:.4f}  {where}")
        print(f"    {_shorten(p.text, 300)}")
    return 0


def _ask(args: argparse.Namespace) -> int:
    answer = Assistant.load(args.index, args.corpus).ask(args.question, history=args.history, sources=args.sources)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(answer))  # the JSON and the web chat carry the Markdown form
    return 0


def _passages(args: argparse.Namespace) -> int:
    from .index import build_passages

    sources, passages = build_passages(args.corpus)
    if args.source not in {s.id for s in sources}:
        raise RagError(f"unknown source {args.source!r}; choose from {', '.join(s.id for s in sources)}")
    shown = [p for p in passages if p.source_id == args.source and (args.page is None or args.page in p.pages)]
    for p in shown:
        if args.json:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
            continue
        where = " | ".join(x for x in (p.chapter, p.section, p.page_label, f"chars {p.span[0]}-{p.span[1]}") if x)
        print(f"[{p.id}] {p.kind} | {where}\n{p.text}\n")
    if not shown:
        print("no passages match", file=sys.stderr)
        return 1
    return 0


def _eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from . import eval as evaluation

    gold = evaluation.load_gold(args.gold)
    answers = evaluation.load_answers(args.answers) if args.answers else None
    assistant = Assistant.load(args.index, args.corpus)
    evaluator = evaluation.Evaluator.for_assistant(assistant, args.corpus)
    missing: list[str] = []
    if answers is None:
        results = evaluator.run(assistant, gold)
    else:
        pairs, missing = evaluation.match_answers(gold, answers)
        if not pairs:
            raise RagError(f"no answer in {args.answers} matches a question of {args.gold} by \"id\" or \"question\"")
        results = evaluator.score_pairs(pairs)
    scored = list(tqdm(results, total=len(gold) - len(missing), desc="eval", unit="q", disable=not sys.stderr.isatty()))
    report = evaluation.build_report(scored, evaluation.run_info(assistant, args.gold, args.answers, missing))
    evaluation.write_report(report, args.out)
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else evaluation.report_markdown(report))
    print(f"wrote summary.md, summary.json, questions.jsonl, answers.jsonl to {args.out}", file=sys.stderr)
    return 0


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
