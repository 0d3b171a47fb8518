"""Many users at once: the real app (app.py in a child process, on a free loopback port) and
--clients concurrent gradio_client sessions, each asking --questions questions through /ask.

Each session has its own questions (the dev questions dealt out so that no two sessions share
one), so an answer that reached the wrong session would show. Checked for every request: no
error, the answer's `question` is the one asked, and every answer to the same question is
identical (nothing one session does changes what another gets). Reported: errors, latency as
a client sees it (queueing included) and as the server measured it (timings_ms.total), p50 /
p95 / max, and throughput. Only 127.0.0.1 is contacted; the run is bounded by the request
count and by --timeout seconds.

    .venv/bin/python benchmarks/load.py [--clients 20] [--questions 10] [--gold PATH] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradio_client import Client

PROJECT_DIR = Path(__file__).resolve().parent.parent
GOLD = PROJECT_DIR.parent / "shared" / "eval" / "dev.jsonl"
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Request:
    """One /ask call as a session saw it."""

    session: int
    question: str
    seconds: float
    answer: dict[str, Any] | None
    error: str | None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20, help="concurrent sessions (default: %(default)s)")
    parser.add_argument("--questions", type=int, default=10, help="questions per session (default: %(default)s)")
    parser.add_argument("--gold", type=Path, default=GOLD, help="questions to deal out (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=900, help="stop asking after this many seconds (default: %(default)s)")
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    per_session = len(questions) // args.clients
    if per_session < 1:
        parser.error(f"{len(questions)} questions cannot give {args.clients} sessions one of their own")
    own = [questions[i * per_session : (i + 1) * per_session] for i in range(args.clients)]
    plan = [[mine[j % len(mine)] for j in range(args.questions)] for mine in own]

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        log = Path(tmp) / "app.log"
        server = _start_app(port, log)
        try:
            url = _wait_until_serving(server, port, log, timeout=300)
            warmup = Client(url, verbose=False).predict(questions[0], None, None, api_name="/ask")
            if "error" in warmup:
                raise SystemExit(f"warm-up failed: {warmup['error']}")
            deadline = time.monotonic() + args.timeout
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                sessions = list(pool.map(lambda i: _session(url, i, plan[i], deadline), range(args.clients)))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    requests = [r for session in sessions for r in session]
    report = _report(requests, args.clients * args.questions, wall, load_before, os.getloadavg(), args)
    print(report["table"])
    return 0 if report["ok"] else 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _start_app(port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, str(PROJECT_DIR / "app.py"), "--host", HOST, "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_DIR,
        )


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"app.py exited ({server.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return f"http://{HOST}:{port}/"
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"app.py did not listen on {HOST}:{port} within {timeout:.0f} s")


def _session(url: str, session: int, questions: list[str], deadline: float) -> list[Request]:
    """One user: its own client (its own Gradio session), its own questions, one at a time."""
    client = Client(url, verbose=False)
    done: list[Request] = []
    for question in questions:
        if time.monotonic() > deadline:
            done.append(Request(session, question, float("nan"), None, "not asked: --timeout reached"))
            continue
        started = time.perf_counter()
        try:
            answer = client.predict(question, None, None, api_name="/ask")
        except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure, whatever raised it
            done.append(Request(session, question, time.perf_counter() - started, None, f"{type(exc).__name__}: {exc}"))
            continue
        seconds = time.perf_counter() - started
        error = answer.get("error") if isinstance(answer, dict) else f"not a JSON object: {answer!r:.80}"
        done.append(Request(session, question, seconds, answer if error is None else None, error))
    return done


def _report(requests: list[Request], planned: int, wall: float, load_before, load_after, args) -> dict[str, Any]:
    answered = [r for r in requests if r.answer is not None]
    errors = [r for r in requests if r.error is not None]
    crossed = [r for r in answered if r.answer["question"] != r.question]
    by_question: dict[str, set[str]] = {}
    for r in answered:
        stable = {k: v for k, v in r.answer.items() if k != "timings_ms"}
        by_question.setdefault(r.question, set()).add(json.dumps(stable, sort_keys=True))
    unstable = sorted(q for q, variants in by_question.items() if len(variants) > 1)
    client = [r.seconds * 1000 for r in answered]
    server = [r.answer["timings_ms"]["total"] for r in answered]
    rows = [
        ("sessions × questions", f"{args.clients} × {args.questions} = {planned} requests"),
        ("answered / errors", f"{len(answered)} / {len(errors)}"),
        ("answers for another session's question", str(len(crossed))),
        ("questions with differing answers", str(len(unstable))),
        ("wall time", f"{wall:.1f} s"),
        ("throughput", f"{len(answered) / wall:.2f} answers/s"),
        ("client latency p50 / p95 / max (ms)", _percentiles(client)),
        ("server compute p50 / p95 / max (ms)", _percentiles(server)),
        ("load average before / after", f"{load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} cores"),
    ]
    table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows)
    for r in errors[:5]:
        table += f"\n\nerror (session {r.session}, {r.question!r}): {r.error}"
    for q in unstable[:5]:
        table += f"\n\ndiffering answers to {q!r}"
    return {"table": table, "ok": not errors and not crossed and not unstable and len(answered) == planned}


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.0f} / {p95:.0f} / {ordered[-1]:.0f}"


if __name__ == "__main__":
    sys.exit(main())
