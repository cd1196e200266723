"""When outputs cannot be written: a clear error, no partial files, the memory intact."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.test_run import ARTICLE


@pytest.fixture
def project(argos_env, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kursk.md").write_text(ARTICLE)
    return tmp_path


def memory_rows(project):
    db = sqlite3.connect(project / ".pipeline/memory.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return db.execute("SELECT count(*) FROM translations").fetchone()[0]


def test_a_file_where_an_output_folder_must_go(project, runner):
    (project / "out").mkdir()
    (project / "out" / "uk").write_text("a file, not a folder")
    result = runner.invoke(main, ["translate", "articles", "--engine", "pseudo", "--to", "uk", "--out", "out"])
    assert result.exit_code == ExitStatus.OUTPUT_ERROR  # one unwritable output costs its article, not the batch
    (line,) = result.stderr.splitlines()
    assert line == "pipeline: error: articles/kursk.md: not written: out/uk/kursk.md: cannot write: out/uk is a file, not a folder"
    assert (project / "out" / "uk").read_text() == "a file, not a folder"
    assert memory_rows(project) == 7  # what was translated is kept for the next run


@pytest.mark.parametrize(("code", "words"), [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")])
def test_disk_full_or_read_only(project, runner, monkeypatch, code, words):
    real_fsync = os.fsync

    def failing_fsync(fd):  # the data was written into the temporary file; flushing it fails
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    result = runner.invoke(main, ["translate", "articles", "--engine", "pseudo", "--to", "uk", "--out", "out"])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert result.exit_code == ExitStatus.OUTPUT_ERROR
    assert words in result.stderr and "Traceback" not in result.output
    assert [p for p in (project / "out").rglob("*") if p.is_file()] == []  # no partial or temporary files
    assert memory_rows(project) == 7
    again = runner.invoke(main, ["translate", "articles", "--engine", "pseudo", "--to", "uk", "--out", "out"])
    assert again.exit_code == 0 and "(0 translated, 7 reused)" in again.stdout
