"""Helpers shared by the tests that serve the app (not fixtures: see conftest.py)."""

from __future__ import annotations

import asyncio
import gc
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def close_gradio_loops() -> None:
    """Close the event loop Gradio left set, and collect the ones it dropped.

    subtle: gradio.utils.safe_get_lock/safe_get_stop_event create and set a new asyncio event
    loop each time they run outside one (Blocks.queue, launch), dropping the previous loop
    unclosed. Their ResourceWarnings (the loops and their AF_UNIX self-pipe sockets) are
    Gradio's and are ignored by name in pyproject.toml; collecting them here, at the end of the
    module that made them, keeps them from surfacing in a later test.
    """
    policy = asyncio.get_event_loop_policy()
    loop = policy.get_event_loop()
    if not loop.is_running():
        loop.close()
    policy.set_event_loop(None)
    gc.collect()
