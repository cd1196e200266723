"""Running a command in a fresh process and measuring it: wall time and peak RSS (os.wait4)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mb: float  # the process's own maximum resident set size
    returncode: int
    stdout: str
    stderr: str
    own_cpu: float  # user + system seconds of the process itself, without the children it waited for


def own_cpu(pid: int) -> float:
    """A process's own CPU seconds (utime + stime of /proc/PID/stat), read while it is a zombie:
    after its exit and before it is reaped, the kernel still holds its final times."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(cmd: list[str], env: dict | None = None, cwd=None, capture_stderr: bool = True) -> Measured:
    """Run cmd to completion. Output goes to temporary files (no pipe can fill up and stall it);
    with capture_stderr=False the child's stderr (its progress lines) reaches our terminal."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err if capture_stderr else None)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # ended, not yet reaped
        seconds = time.perf_counter() - started
        own = own_cpu(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds,
            usage.ru_maxrss / 1024,
            child.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            own,
        )


def best_of(n: int, cmd: list[str], env: dict | None = None, ok=(0,)) -> Measured:
    """The fastest of n runs (the least disturbed by other processes on a shared machine)."""
    runs = [measure(cmd, env) for _ in range(n)]
    for r in runs:
        if r.returncode not in ok:
            raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return min(runs, key=lambda r: r.seconds)
