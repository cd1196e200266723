"""A window's files made durable together (store/durable.py): a few flushes of the file system per
window instead of an fsync per file and folder, in an order that keeps the crash guarantee."""

from __future__ import annotations

import errno
import os

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.store import durable
from pipeline.store.fileio import TEMP_SUFFIX
from tests.helpers import check_states
from tests.test_run import ARTICLE


@pytest.fixture
def project(argos_env, tmp_path):
    (tmp_path / "articles" / "world").mkdir(parents=True)
    for n in range(3):
        (tmp_path / "articles" / ("world" if n else "") / f"a{n}.md").write_text(ARTICLE.replace("Thursday", f"day {n}"))
    (tmp_path / "config.yaml").write_text("engine: pseudo\n")
    return tmp_path


def translate(runner):
    return runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"])


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def events(monkeypatch):
    """What the batches did, in order: ("stage"|"publish", relative path) and ("flush", "")."""
    seen: list[tuple[str, str]] = []
    stage, publish, flush = durable.Batch.stage, durable.Batch.publish, durable.Batch.flush

    def staging(self, path, data):
        staged = stage(self, path, data)
        seen.append(("stage", str(path.relative_to(self.root))))
        return staged

    def publishing(self, staged):
        publish(self, staged)
        seen.append(("publish", str(staged.path.relative_to(self.root))))

    def flushing(self):
        flush(self)
        seen.append(("flush", ""))

    monkeypatch.setattr(durable.Batch, "stage", staging)
    monkeypatch.setattr(durable.Batch, "publish", publishing)
    monkeypatch.setattr(durable.Batch, "flush", flushing)
    return seen


def test_a_record_never_names_outputs_that_are_not_on_disk(project, runner, events):
    """Bytes are flushed before their name is published; an article's outputs are published after
    its pending record's name is flushed, its record after its outputs' names are; then one more
    flush. Four flushes for the window, however many articles."""
    assert translate(runner).exit_code == 0
    flushes = [i for i, (what, _) in enumerate(events) if what == "flush"]
    assert len(flushes) == 4 and flushes[-1] == len(events) - 1

    def durable_at(i):  # the index of the first flush after event i
        return next(f for f in flushes if f > i)

    where = {(what, path): i for i, (what, path) in enumerate(events)}
    for (what, path), i in where.items():
        if what == "publish":
            assert durable_at(where[("stage", path)]) < i, f"{path} renamed before its bytes were flushed"
    for rel in ["a0.md", "world/a1.md", "world/a2.md"]:
        pending, record = f"records/uk/{rel}.json.new", f"records/uk/{rel}.json"
        outputs = [f"uk/{rel}", f"bilingual/{rel.removesuffix('.md')}.en-uk.json"]
        for output in outputs:
            assert durable_at(where[("publish", pending)]) < where[("publish", output)]
            assert durable_at(where[("publish", output)]) < where[("publish", record)]
    assert check_states(runner, "articles", "--out", "out") == ["pseudo"] * 3


def test_without_syncfs_every_file_is_flushed_on_its_own(project, runner, monkeypatch, tmp_path):
    """Where syncfs is missing or refused: an fsync per file and per folder, the same files."""
    assert translate(runner).exit_code == 0
    first = files(project / "out")
    calls: list[int] = []
    real = os.fsync
    monkeypatch.setattr(durable, "_syncfs", lambda: None)
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd) or real(fd))
    for p in (project / "articles").rglob("*.md"):
        p.write_text(p.read_text().replace("Forces", "Troops"))  # every article is written again
    assert translate(runner).exit_code == 0
    assert len(calls) >= 3 * 5  # each article: its pending record, two outputs, sidecar, record
    assert set(files(project / "out")) == set(first)


def test_a_flush_that_fails_stops_the_run_and_the_next_run_completes_it(project, runner, monkeypatch):
    """The disk fills up after the pending records are on disk: exit 6 on one line, no temporary
    file, and the next run writes every article."""
    real = durable._syncfs()
    if real is None:
        pytest.skip("this system has no syncfs (or refuses it): the fsync fallback is tested above")
    count = {"n": 0}

    def full(fd):
        count["n"] += 1
        if count["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(durable, "_syncfs", lambda: full)
    result = translate(runner)
    assert result.exit_code == ExitStatus.OUTPUT_ERROR, result.output
    (line,) = result.stderr.splitlines()
    assert line.endswith("out: cannot write: No space left on device"), line
    left = [p for p in (project / "out").rglob("*") if p.name.endswith(TEMP_SUFFIX)]
    assert left == [] and len(list((project / "out" / "records").rglob("*.json.new"))) == 3
    monkeypatch.setattr(durable, "_syncfs", lambda: real)
    again = translate(runner)
    assert again.exit_code == 0 and "(0 translated, 21 reused)" in again.stdout, again.output
    assert not list((project / "out").rglob("*.json.new"))
    assert check_states(runner, "articles", "--out", "out") == ["pseudo"] * 3
