"""Speed and memory of the pipeline, set against the bare floor of this machine, same run.

Measured, in this order:
- index build into an empty temp folder (a child process, so its memory does not count below),
  then again into the same folder: a rebuild that keeps every stored vector (what is left of
  a build when the corpus has not changed: ingestion, checks and writing);
- cold start, in fresh child processes (--cold-runs each): Assistant.load, then the first
  search or the first ask; the floor's child loads only the model and the FAISS file and
  runs one question embedding + FAISS search. The OS file cache is warm after the first
  child: "cold" means a new process, not a cold disk;
- warm latency in this process over the dev questions (3 repeats), for search, ask and
  the floor (question embedding + FAISS top 10, nothing else), taken in turn on each
  question so that all three meet the same machine load (other work comes and goes);
  the cold children alternate kinds for the same reason;
- resident memory (psutil RSS, and the peak: resource.getrusage maxrss) after load and
  after the run; the tutorial baseline (benchmarks/retrieval.py) is built and measured
  after that, so its memory is not ours.

    .venv/bin/python benchmarks/speed.py [--gold PATH] [--cold-runs 3] [--skip-build]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import psutil  # noqa: E402

from retrieval import GOLD, Baseline, latencies  # noqa: E402  (benchmarks/ is the script's folder)

from rag.assistant import DEFAULT_CORPUS, DEFAULT_INDEX, Assistant  # noqa: E402
from rag.eval import load_gold, retrieval_metrics  # noqa: E402

MB = 1024 * 1024
Measures = dict[str, tuple[float, float]]  # name -> (p50, p95) or (RSS, peak RSS)
TARGETS = {"build_s": "≤ 90", "search_warm_p95": "≤ 150", "ask_warm_p95": "≤ 300"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per cold measurement (default: %(default)s)")
    parser.add_argument("--skip-build", action="store_true", help="do not time an index build")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0

    load_before = os.getloadavg()
    questions = [q.question for q in load_gold(args.gold)]
    progress = _Progress()
    build = rebuild = {"s": float("nan"), "peak_mb": float("nan")}
    if not args.skip_build:
        with tempfile.TemporaryDirectory() as tmp:
            progress("index build (child process)")
            build = _run_child("build", tmp)
            progress("index rebuild into the same folder: every vector kept (child process)")
            rebuild = _run_child("build", tmp)
    cold: dict[str, list[dict[str, float]]] = {"floor": [], "search": [], "ask": []}
    progress(f"cold floor, search, ask ×{args.cold_runs} (child processes)")
    for i in range(args.cold_runs):
        for kind, runs in cold.items():
            runs.append(_run_child(kind, str(i)))

    progress("load + warm latencies (this process)")
    started = time.perf_counter()
    ours = Assistant.load(DEFAULT_INDEX, DEFAULT_CORPUS)
    load_here_s = time.perf_counter() - started
    memory = {"after load": _memory()}
    floor = _floor(ours)
    calls = {"floor": floor, "search": lambda q: ours.search(q, k=10), "ask": lambda q: ours.ask(q)}
    if ours.deep_embedder is not None:  # reported apart: the deep model's share of every search
        calls["deep question embedding"] = lambda q: ours.deep_embedder.embed([q])
    warm = paired_latencies(calls, questions)
    gold = load_gold(args.gold)
    quality = {"viewpoints": retrieval_metrics(gold, lambda q: ours.search(q, k=10))}
    memory["after the run"] = _memory()

    progress("tutorial baseline")
    started = time.perf_counter()
    baseline = Baseline(DEFAULT_CORPUS, ours.embedder, ours.embedder)
    baseline_build_s = time.perf_counter() - started
    quality["baseline"] = retrieval_metrics(gold, lambda q: baseline.search(q, k=10))
    warm["baseline"] = latencies(lambda q: baseline.search(q, k=10), questions)
    warm["floor beside the baseline"] = latencies(floor, questions)
    memory["after the baseline"] = _memory()

    print_tables(build, rebuild, cold, warm, load_here_s, baseline_build_s, memory, quality, len(questions),
                 len(ours.index.passages), len(baseline.passages), load_before, os.getloadavg())
    return 0


def _floor(assistant: Assistant) -> Callable[[str], object]:
    """The least any search can do here: embed the question, FAISS top 10. Nothing else."""
    from rag.vectorindex import search_vectors

    return lambda q: search_vectors(assistant.index.vectors, assistant.embedder.embed([q]), 10)


def paired_latencies(calls: dict[str, Callable[[str], object]], questions: list[str], repeats: int = 3) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of each call, the calls taken in turn on every question (after one warm-up each)."""
    for call in calls.values():
        call(questions[0])
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for question in questions:
            for name, call in calls.items():
                start = time.perf_counter()
                call(question)
                times[name].append((time.perf_counter() - start) * 1000)
    return {name: _p50_p95(values) for name, values in times.items()}


def _child(kind: str, arg: str) -> dict[str, float]:
    """One measurement in a fresh process; printed as JSON for the parent."""
    if kind == "build":
        from rag.embed import build_embedders
        from rag.index import build_index

        embedder, deep_embedder = build_embedders()
        started = time.perf_counter()
        build_index(DEFAULT_CORPUS, Path(arg), embedder, deep_embedder)
        return {"s": time.perf_counter() - started, "peak_mb": _peak_mb()}
    question = [q.question for q in load_gold(GOLD)][int(arg)]
    started = time.perf_counter()
    if kind == "floor":
        from rag.embed import Embedder
        from rag.index import DENSE
        from rag.vectorindex import load_vector_index, search_vectors

        embedder = Embedder.load()
        vectors = load_vector_index(DEFAULT_INDEX / DENSE)
        loaded = time.perf_counter()
        search_vectors(vectors, embedder.embed([question]), 10)
    else:
        assistant = Assistant.load(DEFAULT_INDEX, DEFAULT_CORPUS)
        loaded = time.perf_counter()
        assistant.search(question, k=10) if kind == "search" else assistant.ask(question)
    done = time.perf_counter()
    return {"load_s": loaded - started, "first_ms": (done - loaded) * 1000, "peak_mb": _peak_mb()}


def _run_child(kind: str, arg: str) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--child", kind, arg], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"child {kind} {arg} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB  # Linux: KiB


def _memory() -> tuple[float, float]:
    """(current RSS, peak RSS so far) in MB."""
    return psutil.Process().memory_info().rss / MB, _peak_mb()


class _Progress:
    """Elapsed-time notes on stderr, so a long run shows where it is."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def __call__(self, step: str) -> None:
        print(f"[{time.perf_counter() - self._start:6.0f} s] {step}…", file=sys.stderr, flush=True)


def _p50_p95(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(0.95 * (len(values) - 1))]


def print_tables(build: dict[str, float], rebuild: dict[str, float], cold: dict[str, list[dict[str, float]]], warm: Measures, load_here_s: float,
                 baseline_build_s: float, memory: Measures, quality: dict[str, dict[str, float]], n_questions: int,
                 n_ours: int, n_base: int, load_before: tuple[float, ...], load_after: tuple[float, ...]) -> None:
    """The three Markdown tables (speed, memory, retrieval quality) and the machine line."""
    runs = len(cold["search"])
    cold_load = {k: _p50_p95([r["load_s"] for r in v]) for k, v in cold.items()}
    cold_first = {k: _p50_p95([r["first_ms"] for r in v]) for k, v in cold.items()}

    def row(name: str, ours: float, floor: float | None, base: float | None, key: str = "", digits: int = 1) -> None:
        fmt = f"{{:.{digits}f}}"
        cells = [fmt.format(ours), "–" if floor is None else fmt.format(floor),
                 "–" if not floor else f"{ours / floor:.1f}×", "–" if base is None else fmt.format(base), TARGETS.get(key, "")]
        print(f"| {name} | " + " | ".join(cells) + " |")

    print(f"\n### Speed ({n_questions} dev questions; {runs} cold processes each; warm = 3 repeats after one warm-up, "
          "floor / search / ask in turn on each question)\n")
    print("| measure | viewpoints | floor (embed + FAISS) | ratio | baseline (tutorial) | target |")
    print("|---|---|---|---|---|---|")
    row("index build, s", build["s"], None, baseline_build_s, "build_s")
    row("index rebuild, unchanged corpus (every vector kept), s", rebuild["s"], None, None)
    row(f"load, cold process, s (p50 of {runs})", cold_load["search"][0], cold_load["floor"][0], None, digits=2)
    row("load in the benchmark process, s", load_here_s, None, None, digits=2)
    for kind in ("search", "ask"):
        p50, p95 = cold_first[kind]
        row(f"{kind}, first call, ms (p50 of {runs})", p50, cold_first["floor"][0], None)
        row(f"{kind}, first call, ms (p95 of {runs})", p95, cold_first["floor"][1], None)
        base = warm["baseline"] if kind == "search" else (None, None)
        row(f"{kind}, warm p50, ms", warm[kind][0], warm["floor"][0], base[0])
        row(f"{kind}, warm p95, ms", warm[kind][1], warm["floor"][1], base[1], f"{kind}_warm_p95")

    if "deep question embedding" in warm:
        p50, p95 = warm["deep question embedding"]
        print(f"\nOf which the deep model (all-mpnet-base-v2) embedding the question: warm p50 {p50:.1f} ms, p95 {p95:.1f} ms.")

    print("\n### Memory (MB)\n")
    print("| when | RSS (psutil) | peak RSS (getrusage maxrss) |")
    print("|---|---|---|")
    for when, (rss, peak) in memory.items():
        print(f"| {when} | {rss:.0f} | {peak:.0f} |")
    print(f"| index build (child process) | – | {build['peak_mb']:.0f} |")
    print(f"| cold ask (child process) | – | {max(r['peak_mb'] for r in cold['ask']):.0f} |")

    print(f"\n### Retrieval quality, same run (ours: {n_ours} passages; baseline: {n_base} chunks of 1,000 characters)\n")
    print("| metric | viewpoints | baseline |")
    print("|---|---|---|")
    for key in ("hit@1", "hit@5", "hit@10", "mrr@10", "viewpoint_coverage"):
        print(f"| {key} | {quality['viewpoints'][key]:.3f} | {quality['baseline'][key]:.3f} |")

    beside = warm["floor beside the baseline"]
    print(f"\nThe baseline was timed after ours; the floor re-measured beside it: p50 {beside[0]:.1f} ms, p95 {beside[1]:.1f} ms.")
    import torch  # already loaded with the model: only to report its thread count

    cpus = os.cpu_count()
    other = "yes" if load_before[0] > 0.5 else "no"
    print(f"\nMachine: {cpus} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"torch intra-op threads {torch.get_num_threads()}. "
          f"Load average (1/5/15 min) before the run {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}. Other load present before we started: {other}"
          + (" (figures are slower than on an idle machine)." if other == "yes" else "."))


if __name__ == "__main__":
    sys.exit(main())
