"""The next window in flight (commands/ahead.py): the same outputs, counts, errors and memory as
windows one after another, with the thread's results actually used."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.commands import ahead, plan, run
from pipeline.core.config import Config
from pipeline.core.errors import ClusterError, ExitStatus
from pipeline.core.reporting import Reporter
from pipeline.engines import pseudo

SHARED = ["The offensive began on Thursday.", "Forces advanced quickly.", "It forced Russia to divert resources."]


def write_articles(folder: Path, n: int = 9) -> None:
    """Small articles, each with sentences of its own and some its neighbours have too."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        own = f"Article {i} says the river rose by {i} metres. The bridge {i} stayed closed."
        common = " ".join(SHARED[j % 3] for j in range(i, i + 2))
        text = f"---\ntitle: Article {i}\nlang: en\n---\n\n# Part {i}\n\n{own}\n\n{common}\n\n- point {i}\n- {SHARED[i % 3]}\n"
        (folder / f"a{i:02}.md").write_text(text)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".sqlite"}


def memory_rows(root: Path) -> set[tuple]:
    db = sqlite3.connect(root / ".pipeline" / "memory.sqlite")
    try:
        return set(db.execute("SELECT source_hash, target_text, origin, engine, model, record FROM translations"))
    finally:
        db.close()


class Counting(Reporter):
    def __init__(self) -> None:
        self.total, self.advanced, self.errors = 0, 0, []

    def begin(self, total: int) -> None:
        self.total = total

    def advance(self, n: int = 1) -> None:
        self.advanced += n

    def error(self, message: str) -> None:
        self.errors.append(message)


def translate(root: Path, engine: str, reporter: Reporter) -> str:
    config = Config(engine=engine, root=str(root))
    stats = run.translate(
        run.Request(inputs=(str(root / "articles"),), out_dir=root / "out", target="uk", allow_download=False), config, reporter
    )
    stats.seconds = 0
    return stats.line()


@pytest.mark.parametrize("files", [1, 2])
@pytest.mark.parametrize("engine", ["argos", "pseudo"])
def test_in_flight_writes_what_windows_one_after_another_write(installed, tmp_path, monkeypatch, engine, files):
    monkeypatch.setattr(plan, "WINDOW_FILES", files)
    stood = []
    stands_for = ahead.Decoded.stands_for
    monkeypatch.setattr(ahead.Decoded, "stands_for", lambda self, new: stood.append(stands_for(self, new)) or stood[-1])
    seen = {}
    for mode in ("0", "1"):
        monkeypatch.setenv(ahead.ENV, mode)
        root = tmp_path / mode
        write_articles(root / "articles")
        first, firsts = Counting(), translate(root, engine, Counting())
        # edited sources and a new article: records, memory and engine all have a share
        (root / "articles" / "a03.md").write_text((root / "articles" / "a03.md").read_text().replace("closed", "open"))
        write_articles(root / "more", 3)
        (root / "more" / "a00.md").rename(root / "articles" / "z99.md")
        second = translate(root, engine, first)
        seen[mode] = (tree(root / "out"), firsts, second, first.total, first.advanced, memory_rows(root))
        assert first.advanced == first.total  # every sentence the plan counted, counted once
        assert not [t for t in threading.enumerate() if t.name == "pipeline-window-ahead"]  # none left running
    assert seen["1"] == seen["0"]
    assert sum(stood) >= 2  # the thread's results stood for the engine's
    assert all(stood)


def test_an_engine_failing_in_the_window_ahead_ends_the_run_as_before(installed, tmp_path, monkeypatch, runner):
    """A cluster lost while the thread decodes: the same line, the same exit status, the windows
    before written and every sentence decoded so far kept."""
    monkeypatch.setattr(plan, "WINDOW_FILES", 2)

    decoded = [0]

    def translate_or_fail(self, texts):
        for t in texts:
            decoded[0] += 1
            if decoded[0] == 20:  # in window 3 of 5 (16 new sentences before it)
                raise ClusterError("cluster ray://127.0.0.1:10001: lost (ConnectionError: gone); run again")
            yield pseudo.Translated(f"\u27e6{self.target_lang}\u27e7 {t}")

    monkeypatch.setattr(pseudo.PseudoEngine, "translate", translate_or_fail)
    seen = {}
    for mode in ("0", "1"):
        monkeypatch.setenv(ahead.ENV, mode)
        root = tmp_path / mode
        write_articles(root / "articles")
        monkeypatch.chdir(root)
        decoded[0] = 0
        result = runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out", "--engine", "pseudo"])
        seen[mode] = (result.exit_code, result.stderr, tree(root / "out"), memory_rows(root))
        assert result.exit_code == ExitStatus.CLUSTER, result.output
        assert "lost (ConnectionError: gone)" in result.stderr and len(result.stderr.splitlines()) == 1
        written = {Path(p).name for p in seen[mode][2] if p.endswith(".md")}
        assert {"a00.md", "a03.md"} <= written and "a04.md" not in written  # the windows before, not this one
        assert len([r for r in seen[mode][3] if r[5] == ""]) == 19  # every sentence decoded before the failure is kept
    assert seen["1"] == seen["0"]


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the `ray` extra is not installed")
def test_in_flight_on_a_cluster_writes_what_a_local_sequential_run_writes(installed, tmp_path, monkeypatch):
    """Two Ray actors (a local Ray on loopback, as `--cluster local` starts it), windows of two
    articles, the next one decoded through Ray while one is written."""
    import dataclasses

    from pipeline.core.config import RayConfig
    from pipeline.engines import cluster
    from pipeline.engines.argos_settings import ArgosConfig

    monkeypatch.setattr(plan, "WINDOW_FILES", 2)
    stood = []
    stands_for = ahead.Decoded.stands_for
    monkeypatch.setattr(ahead.Decoded, "stands_for", lambda self, new: stood.append(stands_for(self, new)) or stood[-1])
    local = Config(memory=None, engines={"argos": ArgosConfig(max_batch_tokens=64)})
    ray = cluster.connect("local")
    try:
        for name, mode, config in (
            ("local", "0", local),
            ("cluster", "1", dataclasses.replace(local, cluster="local", ray=RayConfig(actors=2))),
        ):
            monkeypatch.setenv(ahead.ENV, mode)
            write_articles(tmp_path / "articles")
            request = run.Request(inputs=(str(tmp_path / "articles"),), out_dir=tmp_path / name, target="uk", allow_download=False)
            assert run.translate(request, config).failed == 0
    finally:
        cluster._POOLS.clear()
        ray.shutdown()
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")
    assert stood and all(stood)
