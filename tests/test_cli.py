"""The `rag` command as a shell user meets it."""

from __future__ import annotations

import subprocess
import sys


def test_a_reader_that_stops_early_is_no_error():
    # 'rag passages … | head -1': the pipe closes while the command still writes
    command = [sys.executable, "-m", "rag.cli", "passages", "--source", "campbell-1939"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().strip()
        process.stdout.close()
        errors = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors
