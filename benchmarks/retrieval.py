"""Retrieval quality and speed on the dev set: ours beside the tutorial baseline, same run.

Baseline: RecursiveCharacterTextSplitter(1000, 200) on the raw texts + the same embedding
model + a flat FAISS index. Metrics follow ../shared/eval/README.md (see rag/eval.py).

    .venv/bin/python benchmarks/retrieval.py [--gold PATH] [--skip-build]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import faiss

from rag import Assistant
from rag.assistant import DEFAULT_CORPUS, DEFAULT_INDEX
from rag.corpus import load_sources, read_text
from rag.embed import Embedder, QueryEmbedder, build_embedders
from rag.eval import load_gold, retrieval_metrics
from rag.index import build_index
from rag.schema import Hit, Passage
from rag.text import join_line_hyphens, remove_lines

GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
logger = logging.getLogger("benchmarks.retrieval")


class Baseline:
    """The tutorial pipeline: fixed-size character chunks, one vector each, exact search."""

    def __init__(self, corpus_dir: Path, embedder: Embedder | QueryEmbedder, question_embedder: QueryEmbedder) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.passages: list[Passage] = []
        for source in load_sources(corpus_dir):
            raw = read_text(corpus_dir, source)
            for n, chunk in enumerate(splitter.split_text(raw)):
                # scored with the README's normalisation (headers out, line-break hyphens joined)
                text = join_line_hyphens(remove_lines(chunk, source.running_headers))
                self.passages.append(Passage(f"{source.id}:{n}", source.id, text, "", "", (), (0, 0), ((0, 0),), ()))
        self.question_embedder = question_embedder  # as ours, so latencies compare search and not the embedder
        vectors = embedder.embed([p.text for p in self.passages])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def search(self, question: str, k: int = 10) -> list[Hit]:
        scores, ids = self.index.search(self.question_embedder.embed([question]), k)
        return [Hit(self.passages[i], float(s), float(s), 0.0, float(s), r) for r, (s, i) in enumerate(zip(scores[0], ids[0]), 1)]


def latencies(search, questions: list[str], repeats: int = 3) -> tuple[float, float]:
    """p50 and p95 in ms of warm single-question searches."""
    search(questions[0])  # warm up
    times = []
    for _ in range(repeats):
        for q in questions:
            start = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--skip-build", action="store_true", help="use the committed index instead of timing a build")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    gold = load_gold(args.gold)
    questions = [q.question for q in gold]
    embedder, deep_build_embedder = build_embedders()

    rows = {}
    index_dir = DEFAULT_INDEX
    build_s = float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_build:
            logger.info("building our index…")
            start = time.perf_counter()
            build_index(DEFAULT_CORPUS, Path(tmp), embedder, deep_build_embedder)
            build_s = time.perf_counter() - start
            index_dir = Path(tmp)
        ours = Assistant.load(index_dir, DEFAULT_CORPUS)  # questions embedded as served, so the figures are rag eval's
        rows["viewpoints"] = retrieval_metrics(gold, lambda q: ours.search(q, k=10))
        rows["viewpoints"].update(zip(("p50_ms", "p95_ms"), latencies(lambda q: ours.search(q, k=10), questions)))
        rows["viewpoints"]["build_s"] = build_s

    logger.info("building the baseline…")
    start = time.perf_counter()
    baseline = Baseline(DEFAULT_CORPUS, embedder, ours.embedder)
    baseline_build = time.perf_counter() - start
    rows["baseline"] = retrieval_metrics(gold, lambda q: baseline.search(q, k=10))
    rows["baseline"].update(zip(("p50_ms", "p95_ms"), latencies(lambda q: baseline.search(q, k=10), questions)))
    rows["baseline"]["build_s"] = baseline_build

    floor = latencies(lambda q: ours.embedder.embed([q]), questions)
    print_table(rows, floor, len(ours.index.passages), len(baseline.passages))
    return 0


def print_table(rows: dict[str, dict[str, float]], floor: tuple[float, float], n_ours: int, n_base: int) -> None:
    keys = ["hit@1", "hit@5", "hit@10", "mrr@10", "viewpoint_coverage", "p50_ms", "p95_ms", "build_s"]
    targets = {"hit@5": "≥ 0.95", "mrr@10": "≥ 0.85", "viewpoint_coverage": "≥ 0.95", "p95_ms": "≤ 150", "build_s": "≤ 90"}
    print(f"\nRetrieval on {int(rows['viewpoints']['questions'])} answerable dev questions "
          f"(ours: {n_ours} passages; baseline: {n_base} chunks)\n")
    print("| metric | viewpoints | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    for key in keys:
        a, b = rows["viewpoints"][key], rows["baseline"][key]
        ratio = a / b if b else float("nan")
        print(f"| {key} | {a:.3f} | {b:.3f} | {ratio:.2f}× | {targets.get(key, '')} |")
    print(f"\nfloor (question embedding alone): p50 {floor[0]:.1f} ms, p95 {floor[1]:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
