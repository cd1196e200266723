"""Real SIGKILLs and SIGINTs in the write phase of every writing command (bench/kill_stress.py runs
dozens per command; here one or two), and the states an interruption leaves, completed by the next run."""

from __future__ import annotations

import importlib.util
import json
import signal
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.commands import exchange, importing
from pipeline.core.config import load
from pipeline.store.fileio import TEMP_SUFFIX
from pipeline.workspace import Workspace
from tests.conftest import ROOT, SHARED
from tests.helpers import check_states, rewrite


def _kill_stress():
    spec = importlib.util.spec_from_file_location("kill_stress", ROOT / "bench" / "kill_stress.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kill_stress", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "mode, sig, articles",
    [
        ("translate", signal.SIGKILL, 8),
        pytest.param(
            "adopt",
            signal.SIGINT,
            4,
            marks=pytest.mark.skipif(not (SHARED / "articles").is_dir(), reason="adopts NTREX-128 articles from ../shared/data"),
        ),
        ("import", signal.SIGKILL, 4),
        ("export", signal.SIGINT, 6),
        ("review", signal.SIGKILL, 3),
    ],
)
def test_a_command_killed_while_writing_is_completed_by_the_next_run(mode, sig, articles):
    """The next run of the same command (then translate) leaves the output folder as an
    uninterrupted run does, with every correction and the translator's files as they were."""
    result = _kill_stress().stress(mode, 1, sig, articles=articles, seed=int(sig) + articles)
    assert result.trials == 1 and result.failures == []


@pytest.fixture
def corrected(argos_env, tmp_path, runner):
    """An article translated (pseudo), exported as PO, one sentence corrected by an editor."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.md").write_text("---\ntitle: A\nlang: en\n---\n\nThe offensive began on Thursday. Forces moved.\n")
    (tmp_path / "config.yaml").write_text("engine: pseudo\n")
    assert runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out"]).exit_code == 0
    exported = runner.invoke(main, ["export", "src", "--out", "out", "--format", "po", "--dest", "exchange"])
    assert exported.exit_code == 0, exported.output
    po = Path(exported.stdout.split()[0])
    rewrite(po, {"The offensive began on Thursday.": "Наступ почався в четвер."})
    return po


def test_an_import_interrupted_after_its_record_is_completed_by_the_next_import(corrected, runner):
    """Killed after the editor's corrections are durable (the pending record) and before the article
    is written again: importing the same file again finds nothing new in it, and writes the article."""
    ws = Workspace.open(load(), "out")
    accepted = importing.accept(exchange.read_file(corrected), str(corrected), ws)
    assert importing.store(accepted, ws.writer(), "Olena")  # what the killed import had made durable
    pending = Path("out/records/uk/a.md.json.new")
    assert pending.exists() and "Наступ" not in Path("out/uk/a.md").read_text()
    result = runner.invoke(main, ["import", str(corrected), "--out", "out", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = json.loads(result.stdout)["files"]
    assert line["corrected"] == 0 and line["written"] is True
    assert not pending.exists() and "Наступ почався в четвер." in Path("out/uk/a.md").read_text()
    assert check_states(runner, "src", "--out", "out") == ["pseudo"]


def test_temporary_files_an_interrupted_export_left_are_removed_by_the_next(corrected, runner, tmp_path):
    """Only those of the exchange files it writes: the folder is the editors' too."""
    left = tmp_path / "exchange" / f".{corrected.name}.0123456789abcdef{TEMP_SUFFIX}"  # as fileio.write_atomic names one
    theirs = [tmp_path / "exchange" / ".notes.md.abcdefgh.tmp", tmp_path / "exchange" / f".other.po.0123456789abcdef{TEMP_SUFFIX}"]
    for path in (left, *theirs):
        path.write_text("half")
    corrected.unlink()
    result = runner.invoke(main, ["export", "src", "--out", "out", "--format", "po", "--dest", "exchange"])
    assert result.exit_code == 0, result.output
    assert not left.exists() and all(p.read_text() == "half" for p in theirs)
    inside = tmp_path / "out" / "exchange" / f".a.en-uk.po.fedcba9876543210{TEMP_SUFFIX}"
    inside.parent.mkdir()
    inside.write_text("half")
    result = runner.invoke(main, ["export", "src", "--out", "out", "--format", "po", "--dest", str(tmp_path / "out" / "exchange")])
    assert result.exit_code == 0, result.output  # an absolute --dest inside the output folder is written there (was exit 70)
    assert not inside.exists() and (tmp_path / "out" / "exchange" / "a.en-uk.po").is_file()
