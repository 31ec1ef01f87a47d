"""Run one benchmark case in a child process with a timeout and measure its peak memory.

Shared by the benchmarks that time peers (SageMath, EinsteinPy) in fresh processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def wait_with_timeout(pid: int, timeout: float):
    """Reap ``pid`` with its resource usage; kill its process group after ``timeout`` s.

    Returns ``(exit status, rusage)``, with status ``None`` when it was killed.
    """
    deadline = time.monotonic() + timeout
    while True:
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        if reaped:
            return os.waitstatus_to_exitcode(status), usage
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, _, usage = os.wait4(pid, 0)
            return None, usage
        time.sleep(0.05)


def run_child(command: list[str], log_file: Path, result_file: Path, timeout: float):
    """Run ``command`` in its own session, output to ``log_file``, and classify the outcome.

    Returns ``(failure, peak_rss_kib)``: failure is None on success, ``"timeout"``
    when killed, or the last line of the log when the child failed or wrote no
    ``result_file``.
    """
    with open(log_file, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    status, usage = wait_with_timeout(process.pid, timeout)
    peak = usage.ru_maxrss if usage else 0
    if status is None:
        return "timeout", peak
    if status != 0 or not result_file.exists():
        lines = log_file.read_text(errors="replace").strip().splitlines()
        return (lines[-1] if lines else f"exit status {status}"), peak
    return None, peak
