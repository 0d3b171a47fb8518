"""What the running app exposes: loopback only unless told otherwise, no file outside its
own assets, and no network use at run time (by `rag ask` or by the app itself)."""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support import free_port

from rag.assistant import DEFAULT_CORPUS, DEFAULT_INDEX, PROJECT_DIR
from rag.index import check_index
from rag.webapp import build_app, launch

# an audit hook in every Python process started with this folder on PYTHONPATH: any attempt to
# resolve or reach a non-loopback address is written to stderr and refused
GUARD = '''
import ipaddress, socket, sys

def _loopback(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def _refuse(what):
    sys.stderr.write(f"NETWORK ATTEMPT: {what}\\n")
    raise OSError(f"network access refused by the test: {what}")

def _audit(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address and not _loopback(address[0]):
            _refuse(f"{event} {address!r}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex") and args[0] is not None:
        if not _loopback(args[0]):
            _refuse(f"{event} {args[0]!r}")

sys.addaudithook(_audit)
'''
SECRETS = {  # file -> a line of it that must never come back
    "/etc/passwd": b"root:",
    str(PROJECT_DIR / "app.py"): b"def main(",
    str(PROJECT_DIR / "corpus" / "sources.toml"): b"[[source]]",
    str(PROJECT_DIR / "index" / "manifest.json"): b'"corpus_hash"',
}
TRAVERSALS = [
    "/file=/etc/passwd",
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=%2Fetc%2Fpasswd",
    "/gradio_api/file=../../../../../../etc/passwd",
    "/gradio_api/file=..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/gradio_api/file=/proc/self/environ",
    "/static/../../../../../../etc/passwd",
    "/assets/../../../../../../etc/passwd",
    "/gradio_api/static/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    f"/gradio_api/file={PROJECT_DIR / 'app.py'}",
    "/gradio_api/file=app.py",
    "/file=app.py",
    "/gradio_api/file=corpus/sources.toml",
    f"/gradio_api/file={PROJECT_DIR / 'corpus' / 'sources.toml'}",
    "/gradio_api/file=index/manifest.json",
    "/gradio_api/file=../main/index/manifest.json",
]
# Gradio leaves event loops unclosed: see `gradio_loops` in conftest.py
pytestmark = pytest.mark.usefixtures("gradio_loops")


def listening_addresses(port: int) -> set[str]:
    """The addresses a socket listens on at `port`, from the kernel's tables (Linux)."""
    found = set()
    for table, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        path = Path(table)
        if not path.is_file():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, width, 4))
            found.add(str(ipaddress.ip_address(packed)))
    return found


@pytest.fixture(scope="module")
def served(assistant) -> Iterator[str]:
    """The app as `launch` serves it when no host is given."""
    if not Path("/proc/net/tcp").is_file():
        pytest.skip("needs Linux's /proc/net/tcp to see which address the server listens on")
    demo = build_app(assistant)
    url = launch(demo, port=free_port())
    yield url
    demo.close(verbose=False)


def _get(url: str, raw_path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (http.client does not normalise '..')."""
    where = urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request("GET", raw_path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_app_listens_on_loopback_only_by_default(served):
    port = urlsplit(served).port
    assert urlsplit(served).hostname == "127.0.0.1"
    assert listening_addresses(port) == {"127.0.0.1"}


def test_app_py_serves_elsewhere_only_when_told(monkeypatch, capsys):
    """`python app.py` defaults to 127.0.0.1; another address takes --host (or VIEWPOINTS_HOST)."""
    monkeypatch.delenv("VIEWPOINTS_HOST", raising=False)
    monkeypatch.setattr(os, "environ", os.environ.copy())  # app.py sets defaults in it when loaded
    app = runpy.run_path(str(PROJECT_DIR / "app.py"), run_name="viewpoints_app")
    with pytest.raises(SystemExit) as done:
        app["main"](["--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--host HOST" in shown and "default: 127.0.0.1" in shown


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_app_is_served(served, path):
    status, body = _get(served, path)
    leaked = [name for name, line in SECRETS.items() if line in body]
    assert not leaked, f"{path} returned {leaked} (status {status})"
    assert status in (400, 403, 404), f"{path}: status {status}"


def test_the_app_serves_its_own_page(served):
    status, body = _get(served, "/")
    assert status == 200 and b"<html" in body.lower()


def test_uploads_are_refused(served):
    import httpx

    response = httpx.post(f"{served}gradio_api/upload", files={"files": ("big.bin", b"0" * 2_000_000)}, timeout=60)
    if response.status_code == 200:
        for stored in response.json():  # remove what the upload left in Gradio's temp folder
            shutil.rmtree(Path(stored).parent, ignore_errors=True)
    assert response.status_code != 200


@pytest.fixture(scope="module")
def guard_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(GUARD)
    return folder


def _offline_env(guard_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(guard_dir))
    env.pop("VIEWPOINTS_HOST", None)
    return env


def _no_network_prefix() -> list[str]:
    """`unshare -rn` (a new, empty network namespace) where the kernel allows it, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


def test_the_network_guard_refuses_and_reports(guard_dir, tmp_path):
    """The guard used below really stops a connection and says so (or this file proves nothing)."""
    probe = (
        "import socket\n"
        "for attempt in (lambda: socket.socket().connect(('192.0.2.1', 80)), lambda: socket.getaddrinfo('example.com', 443)):\n"
        "    try:\n        attempt()\n    except OSError:\n        pass\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=_offline_env(guard_dir), cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert "NETWORK ATTEMPT: socket.connect ('192.0.2.1', 80)" in done.stderr
    assert "NETWORK ATTEMPT: socket.getaddrinfo 'example.com'" in done.stderr


@pytest.mark.slow
def test_rag_ask_needs_no_network(guard_dir, tmp_path):
    command = [*_no_network_prefix(), sys.executable, "-m", "rag.cli", "ask", "Why was Trotsky expelled from the party?", "--json"]
    done = subprocess.run(command, env=_offline_env(guard_dir), cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "NETWORK ATTEMPT" not in done.stderr, done.stderr
    answer = json.loads(done.stdout)
    assert answer["covered"] and answer["excerpts"]


@pytest.mark.slow
def test_app_py_needs_no_network_and_listens_on_loopback(guard_dir, tmp_path, embedder):
    """The real entry point, with the network guard: it answers over loopback and reaches nowhere else."""
    from gradio_client import Client

    # app.py rebuilds a stale index in place, and tests never write into the repository
    check_index(DEFAULT_INDEX, DEFAULT_CORPUS, embedder.name, embedder.sha256)
    port = free_port()
    log = tmp_path / "app.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, str(PROJECT_DIR / "app.py"), "--port", str(port)],
            env=_offline_env(guard_dir), cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while not listening_addresses(port):
            assert server.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "app.py did not start within 240 s"
            time.sleep(0.5)
        assert listening_addresses(port) == {"127.0.0.1"}
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        answer = client.predict("Were the Moscow trials justified?", None, None, api_name="/ask")
        assert answer["covered"] and answer["excerpts"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "NETWORK ATTEMPT" not in log.read_text(), log.read_text()
