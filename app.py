"""Serve the Viewpoints web chat: `python app.py [--host HOST] [--port PORT]`.

Thin on purpose: options, loading, launching. The UI and the /ask endpoint are rag/webapp.py.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence

# the model ships in a pip package and the app must not phone home; set before any import reads them
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' "Loading weights" bar at each start
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from rag import Assistant, RagError  # noqa: E402
from rag.webapp import build_app, launch  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Viewpoints web chat.")
    parser.add_argument(
        "--host",
        default=os.environ.get("VIEWPOINTS_HOST", "127.0.0.1"),
        help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 opens it to the network)",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("VIEWPOINTS_PORT", "7860")), help="port (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on its own logger
    print("Loading the index and the embedding models (a few seconds; the first start also unpacks and "
          "prepares all-mpnet-base-v2, under a minute)…", flush=True)
    try:
        assistant = Assistant.load(on_stale="rebuild")
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    demo = build_app(assistant)
    try:
        url = launch(demo, host=args.host, port=args.port)
    except OSError:  # Gradio's message names its own env variables, not our options
        print(f"error: cannot listen on {args.host}:{args.port}: the port is taken or the address is not this machine's; choose another --port or --host", file=sys.stderr)
        return 2
    print(f"Viewpoints is running at {url}  (Ctrl+C to stop)")
    if not _is_loopback(args.host):
        print(f"warning: listening on {args.host}: anyone who can reach this machine can use the chat and its API; there is no login", file=sys.stderr)
    demo.block_thread()
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


if __name__ == "__main__":
    sys.exit(main())
