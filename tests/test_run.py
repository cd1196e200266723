"""Incremental runs, editors' edits, and concurrent or interrupted runs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.store.memory import Memory
from tests.conftest import ROOT
from tests.helpers import correct

ARTICLE = """---
title: Kursk operation
lang: en
---

# What is known

The offensive began on Thursday. Forces advanced quickly.

It forced Russia to divert resources.

- one point
- another point
"""


@pytest.fixture
def project(installed, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kursk.md").write_text(ARTICLE)
    return tmp_path


def translate(runner, *extra):
    return runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out", *extra])


def counts(result):
    first = result.stdout.splitlines()[-1]
    return first.split(" segments (")[1].split(")")[0]  # "N translated, M reused"


def test_second_run_translates_nothing_and_loads_no_model(project, runner, monkeypatch):
    assert counts(translate(runner)) == "7 translated, 0 reused"
    import ctranslate2

    def no_model(*a, **k):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(ctranslate2, "Translator", no_model)
    before = {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()}
    result = translate(runner)
    assert result.exit_code == 0, result.output
    assert counts(result) == "0 translated, 0 reused" and "1 unchanged" in result.stdout
    assert {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()} == before


def test_changing_one_paragraph_translates_only_its_sentences(project, runner):
    translate(runner)
    path = project / "articles" / "kursk.md"
    path.write_text(path.read_text().replace("Forces advanced quickly.", "Forces advanced slowly."))
    assert counts(translate(runner)) == "1 translated, 6 reused"


def test_retranslate_machine_after_a_model_upgrade_keeps_human_translations(project, runner, package_files, tmp_path):
    translate(runner)
    assert correct(runner, project / "out", "articles", {"The offensive began on Thursday.": "Наступ почався в четвер."}).exit_code == 0
    assert counts(translate(runner)) == "0 translated, 0 reused"
    assert counts(translate(runner, "--retranslate-machine")) == "0 translated, 7 reused"  # same model
    # a newer package of the same direction: by default its output is not needed
    rebuilt = tmp_path / "v2.argosmodel"
    with zipfile.ZipFile(package_files["en_uk"]) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("metadata.json"):
                body = body.replace(b'"package_version": "1.0"', b'"package_version": "1.1"')
            dst.writestr(info.filename.replace("1_0", "1_1"), body)
    assert runner.invoke(main, ["models", "install", str(rebuilt)]).exit_code == 0
    assert counts(translate(runner)) == "0 translated, 0 reused"
    assert counts(translate(runner, "--retranslate-machine")) == "6 translated, 1 reused"
    article = (project / "out/uk/kursk.md").read_text()
    assert "Наступ почався в четвер." in article


def test_hand_edited_outputs_are_never_overwritten(project, runner):
    translate(runner)
    article = project / "out/uk/kursk.md"
    article.write_text(article.read_text() + "\nAn editor's note.\n")
    (project / "articles/kursk.md").write_text(ARTICLE + "\nNew text.\n")
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "was changed by hand since the pipeline wrote it; not overwritten" in result.stderr
    assert article.read_text().endswith("An editor's note.\n")


def test_existing_files_not_written_by_the_pipeline_are_kept(project, runner):
    (project / "out/uk").mkdir(parents=True)
    (project / "out/uk/kursk.md").write_text("A human translation.\n")
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED and "exists and was not written by the pipeline" in result.stderr
    assert (project / "out/uk/kursk.md").read_text() == "A human translation.\n"


def test_two_articles_cannot_share_an_output(project, runner):
    (project / "more").mkdir()
    (project / "more" / "kursk.md").write_text(ARTICLE)
    result = runner.invoke(main, ["translate", "articles", "more", "--to", "uk", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED and "is also the output of articles/kursk.md" in result.stderr


def test_a_concurrent_run_fails_clearly(project, runner):
    with Memory(project / ".pipeline/memory.sqlite"):
        result = translate(runner)
    assert result.exit_code == ExitStatus.BUSY
    assert "is in use by another run (pid" in result.stderr
    assert not (project / "out").exists()


SLOW_RUN = """
import sys, time
from pipeline.commands import run
from pipeline.engines.pseudo import PseudoEngine
run.CHUNK = 5
original = PseudoEngine.translate
def slow(self, texts):
    for result in original(self, texts):
        time.sleep(0.03)
        yield result
PseudoEngine.translate = slow
from pipeline.cli import main
sys.argv = ["pipeline", "translate", "articles", "--to", "uk", "--out", "out", "--engine", "pseudo"]
main()
"""


def test_killed_run_resumes_without_losing_work(project, runner):
    sentences = " ".join(f"Sentence number {i} is here." for i in range(60))
    (project / "articles" / "long.md").write_text(f"# Long\n\n{sentences}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN], cwd=project, env=env, stderr=subprocess.DEVNULL)
    db = project / ".pipeline/memory.sqlite"
    committed = 0
    deadline = time.time() + 30
    while time.time() < deadline and committed < 10:
        time.sleep(0.05)
        if db.exists():
            try:
                committed = sqlite3.connect(db).execute("SELECT count(*) FROM translations").fetchone()[0]
            except sqlite3.Error:
                pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 10 <= committed < 70
    result = runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out", "--engine", "pseudo"])
    assert result.exit_code == 0, result.output
    translated = int(counts(result).split()[0])
    assert translated <= 70 - committed  # what was committed before the kill was not translated again
    assert not [p for p in (project / "out").rglob("*.tmp")]
    check = runner.invoke(main, ["check", "articles", "--to", "uk", "--out", "out", "--json"])
    assert {t["status"] for t in json.loads(check.stdout)["translations"]} == {"pseudo"}, check.output  # as recorded: never fresh


def test_a_sentence_repeated_in_a_later_window_is_not_translated_again(project, runner, monkeypatch):
    from pipeline.commands import plan

    monkeypatch.setattr(plan, "WINDOW_FILES", 1)  # one article per window
    (project / "articles" / "again.md").write_text("# What is known\n\nIt forced Russia to divert resources.\n")
    assert counts(translate(runner)) == "7 translated, 2 reused"
