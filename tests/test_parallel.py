"""`workers: N`: articles read and segmented in a pool of processes; the same outputs and errors."""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.articles import parallel
from pipeline.commands import run
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.errors import ExitStatus, InputError
from tests.conftest import EXAMPLES, ROOT


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_pool_of_readers_writes_what_one_process_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    articles = tmp_path / "articles"
    shutil.copytree(EXAMPLES, articles)
    (articles / "broken.md").write_bytes(b"\xff\xfe\x00not text")
    (articles / "empty.md").write_text("```\ncode only\n```\n")
    one = Config(engine="pseudo", memory=None)
    lines = {}
    for name, config in (("one", one), ("two", dataclasses.replace(one, workers=2))):
        stats = run.translate(run.Request(inputs=(str(articles),), out_dir=tmp_path / name), config)
        stats.seconds = 0
        lines[name] = stats.line()
    assert lines["one"] == lines["two"] and "1 failed" in lines["one"]
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


# --- a worker killed, the run killed -----------------------------------------------------------

WORDS = "the quick brown fox jumps over a lazy dog near the river bank".split()


def slow_article(path: Path, paragraphs: int = 12) -> Path:
    """An article that takes a worker a good while to read (long unpunctuated paragraphs)."""
    rng = random.Random(1)
    path.write_text("\n\n".join(" ".join(rng.choice(WORDS) for _ in range(3000)) + "." for _ in range(paragraphs)))
    return path


def kill_when_reading(loader: parallel.Loader, name: str, killed: list[int]) -> threading.Thread:
    """SIGKILL the worker that reads `name`, as soon as one does (its pid from the pool itself)."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pid = next((pid for pid, reading in loader.busy().items() if reading == name), None)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.002)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def items_of(folder: Path) -> list[parallel.Item]:
    return [parallel.Item(paths.Source(p, folder, p.name, p.name), "en", "en") for p in sorted(folder.glob("*.md"))]


def test_a_killed_worker_costs_only_the_article_it_was_reading(tmp_path):
    slow_article(tmp_path / "slow.md")
    for i in range(6):
        (tmp_path / f"a{i}.md").write_text(f"Article number {i}. It is short.\n")
    items = items_of(tmp_path)
    config = Config(engine="pseudo", memory=None, workers=2)
    loader = parallel.Loader(config)
    killed: list[int] = []
    try:
        watcher = kill_when_reading(loader, "slow.md", killed)
        results = list(loader(items))
        watcher.join()
        assert len(killed) == 1 and killed[0] not in loader.pids()
        by_name = {item.source.shown: result for item, result in zip(items, results)}
        lost = by_name.pop("slow.md")
        assert isinstance(lost, InputError)
        assert str(lost) == "slow.md: not read: the worker process reading it was killed by SIGKILL; the system may be out of memory"
        assert by_name == {item.source.shown: parallel.load(item, config) for item in items if item.source.shown != "slow.md"}
        # the pool goes on with a new worker: the same loader reads everything, the slow one too
        again = list(loader(items))
        assert [type(d).__name__ for d in again] == ["Document"] * len(items)
    finally:
        loader.close()


def test_the_run_goes_on_when_a_worker_is_killed_and_exits_1(tmp_path, monkeypatch, runner):
    from pipeline.cli import main

    loaders: list[parallel.Loader] = []

    class Recorded(parallel.Loader):  # the run's own pool, so the test can find its workers' pids
        def __init__(self, config):
            super().__init__(config)
            loaders.append(self)

    monkeypatch.setattr(parallel, "Loader", Recorded)
    monkeypatch.chdir(tmp_path)
    articles = tmp_path / "articles"
    (articles / "news").mkdir(parents=True)
    for i in range(4):
        (articles / "news" / f"a{i}.md").write_text(f"# Article {i}\n\nThe council met on Monday. It voted {i} times.\n")
    slow_article(articles / "slow.md")
    killed: list[int] = []
    args = ["translate", "articles", "--engine", "pseudo", "--jobs", "2", "--from", "en", "--to", "uk", "--out", "out"]
    box = {}
    run_thread = threading.Thread(target=lambda: box.setdefault("result", runner.invoke(main, args)), daemon=True)
    run_thread.start()
    deadline = time.monotonic() + 60
    while not loaders and time.monotonic() < deadline:
        time.sleep(0.005)
    kill_when_reading(loaders[0], str(Path("articles") / "slow.md"), killed).join(60)
    run_thread.join(120)
    result = box["result"]
    assert killed and result.exit_code == ExitStatus.FILES_FAILED, result.output
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [
        f"pipeline: error: {Path('articles') / 'slow.md'}: not read: the worker process reading it was killed by SIGKILL; "
        "the system may be out of memory"
    ]
    written = {p.relative_to(tmp_path / "out" / "uk") for p in (tmp_path / "out" / "uk").rglob("*.md")}
    sources = {p.relative_to(articles) for p in articles.rglob("*.md") if p.name != "slow.md"}
    assert sources and sources <= written and Path("slow.md") not in written
    assert runner.invoke(main, args).exit_code == 0  # the next run reads it
    assert (tmp_path / "out" / "uk" / "slow.md").is_file()


CHILD = """
import sys, threading, time
from pathlib import Path
from pipeline.articles import parallel
from pipeline.core import paths
from pipeline.core.config import Config

if __name__ == "__main__":
    folder = Path(sys.argv[1])
    items = [parallel.Item(paths.Source(p, folder, p.name, p.name), "en", "en") for p in sorted(folder.glob("*.md"))]
    loader = parallel.Loader(Config(engine="pseudo", memory=None, workers=2))

    def report():
        while len(loader.busy()) < 2:
            time.sleep(0.01)
        print(" ".join(map(str, loader.busy())), flush=True)

    threading.Thread(target=report, daemon=True).start()
    for _ in loader(items):
        pass
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from Linux's /proc")
def test_workers_end_when_the_run_is_killed(tmp_path):
    for name in ("s1.md", "s2.md"):
        slow_article(tmp_path / name, paragraphs=200)  # minutes of work: they would outlive the test
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # started by this test: never outlive it
        os.kill(pid, signal.SIGKILL)
    assert left == []
