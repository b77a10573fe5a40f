"""Running one measured step of a benchmark as its own process: wall time, output, and that process's peak RSS."""

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    stdout: str
    wall_s: float
    peak_rss_mb: float


def run_measured(cmd: list[str], *, env: dict[str, str], label: str) -> Measured:
    """Run `cmd` to completion; RuntimeError with its stderr if it fails.

    Output goes to temporary files, not pipes: waiting for the process before reading a pipe would hang once
    it wrote more than a pipe holds (a long traceback, say)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"bench {label} failed:\n{err.read().decode(errors='replace')}")
        # ru_maxrss is in KiB on Linux.
        return Measured(out.read().decode(), wall, usage.ru_maxrss / 1024)
