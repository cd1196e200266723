"""Do the reading workers (`workers:`, `--jobs`) end when the run is killed? Measured, with SIGKILL.

Each trial starts a process that reads two slow articles through `parallel.Loader` (two workers,
the forkserver context, as `pipeline translate --jobs 2` does), waits until both workers are
reading, sends that process SIGKILL, and times how long its descendants (the fork server, the
resource tracker, the workers) take to be gone. For comparison, the same with a forkserver worker
that only sets PR_SET_PDEATHSIG (the kernel's "kill me when my parent dies"), which the pool does
not use: its parent is the fork server, and that lives on while any worker holds its pipe.

    .venv/bin/python bench/worker_death.py [--trials 5] [--wait 10]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = "the quick brown fox jumps over a lazy dog near the river bank".split()


def descendants(pid: int) -> list[int]:
    """Every process below pid, from /proc (Linux), by parentage only."""
    found, queue = [], [pid]
    while queue:
        for task in Path(f"/proc/{queue.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            queue += children
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


def _busy_worker() -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    while True:
        sum(range(10_000))


def child(folder: Path, mode: str) -> None:
    """The process that is killed: print its workers' pids once they work, then wait."""
    if mode == "pdeathsig":
        context = multiprocessing.get_context("forkserver")
        workers = [context.Process(target=_busy_worker, daemon=True) for _ in range(2)]
        for w in workers:
            w.start()
        time.sleep(0.5)
        print(" ".join(str(w.pid) for w in workers), flush=True)
        time.sleep(3600)
    sys.path.insert(0, str(ROOT))
    from pipeline.articles import parallel
    from pipeline.core import paths
    from pipeline.core.config import Config

    random.seed(1)
    items = []
    for name in ("s1.md", "s2.md"):
        paragraphs = (" ".join(random.choice(WORDS) for _ in range(3000)) + "." for _ in range(200))
        (folder / name).write_text("\n\n".join(paragraphs))
        items.append(parallel.Item(paths.Source(folder / name, folder, name, name), "en", "en"))
    loader = parallel.Loader(Config(engine="pseudo", memory=None, workers=2))

    def report() -> None:
        while len(loader.busy()) < 2:
            time.sleep(0.01)
        print(" ".join(map(str, loader.busy())), flush=True)

    threading.Thread(target=report, daemon=True).start()
    for _ in loader(items):
        pass


def trial(folder: Path, mode: str, wait: float) -> tuple[float | None, int]:
    """Seconds until every descendant of the killed process is gone (None: not within wait)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(folder), mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    workers = [int(p) for p in proc.stdout.readline().split()]
    below = sorted(set(descendants(proc.pid)) | set(workers))
    start = time.perf_counter()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    while any(alive(p) for p in below) and time.perf_counter() - start < wait:
        time.sleep(0.002)
    left = [p for p in below if alive(p)]
    for p in left:  # what this script started, by pid
        os.kill(p, signal.SIGKILL)
    return (None if left else time.perf_counter() - start), len(below)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the descendants to end")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        for mode, what in (("pool", "parallel.Loader (parent-watch thread)"), ("pdeathsig", "PR_SET_PDEATHSIG only")):
            times = []
            for _ in range(args.trials):
                seconds, count = trial(Path(tmp), mode, args.wait)
                times.append(seconds)
            shown = ", ".join("still running" if s is None else f"{s * 1000:.0f} ms" for s in times)
            print(f"{what}: {sum(s is not None for s in times)}/{args.trials} trials with every descendant ({count}) gone: {shown}")


if __name__ == "__main__":
    main()
