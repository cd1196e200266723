"""Path trouble is one article's problem, never the run's: loops, undecodable or multi-line
names, FIFOs, output folders inside the sources, sources edited during a run."""

from __future__ import annotations

import os

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.test_run import ARTICLE


@pytest.fixture
def src(argos_env, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/good.md").write_text(ARTICLE)
    return tmp_path / "src"


def translate(runner, *args):
    return runner.invoke(main, ["translate", *args, "--to", "uk", "--engine", "pseudo"])


def test_a_symbolic_link_loop_costs_only_itself(src, runner):
    os.symlink("loop-b.md", src / "loop-a.md")
    os.symlink("loop-a.md", src / "loop-b.md")
    result = translate(runner, "src", "--out", "out")
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert len(result.stderr.splitlines()) == 2 and "link loop" in result.stderr
    assert (src.parent / "out/uk/good.md").is_file()
    check = runner.invoke(main, ["check", "src", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "Traceback" not in check.output


def test_undecodable_and_multiline_names_are_one_quoted_line_each(src, runner):
    os.close(os.open(os.fsencode(src) + b"/bad-\xff.md", os.O_CREAT | os.O_WRONLY))
    (src / "two\nlines.md").write_text(ARTICLE)
    result = translate(runner, "src", "--out", "out")
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "not valid UTF-8" in lines[0] and "\\xff" in lines[0]
    assert (src.parent / "out/uk/good.md").is_file() and (src.parent / "out/uk/two\nlines.md").is_file()
    check = runner.invoke(main, ["check", "src", "--out", "out", "--all"])
    assert "'src/two\\nlines.md'" in check.stdout and len(check.stdout.splitlines()) == 3  # two translations, the summary


def test_a_fifo_among_the_sources_is_reported_not_waited_for(src, runner):
    os.mkfifo(src / "pipe.md")
    result = translate(runner, "src", "--out", "out")
    assert result.exit_code == ExitStatus.FILES_FAILED and "pipe.md: not a regular file (a FIFO)" in result.stderr
    assert (src.parent / "out/uk/good.md").is_file()
    for hostile in (src / "pipe.md", "/dev/zero"):
        imported = runner.invoke(main, ["import", str(hostile), "--out", "out"])
        assert imported.exit_code == ExitStatus.FILES_FAILED and "not a regular file" in imported.stderr


def test_the_output_folder_cannot_be_the_sources_and_inside_them_it_is_never_read(src, runner):
    result = translate(runner, "src", "--out", "src")
    assert result.exit_code == ExitStatus.USAGE and "is the output folder" in result.stderr
    assert translate(runner, "src", "--out", "src/translations").exit_code == 0
    again = translate(runner, "src", "--out", "src/translations")
    assert again.exit_code == 0 and "1 unchanged" in again.stdout
    assert not (src / "translations/uk/translations").exists()


def test_a_source_edited_during_the_run_is_translated_as_read_and_then_stale(src, runner, monkeypatch):
    """Each article is read once: the run translates the bytes it read, and records them, so the
    edit made meanwhile is what the next check calls stale."""
    (src / "other.md").write_text("# Other\n\nSomething else happened today.\n")
    from pipeline.commands import run

    original = run._Run._prepare  # where a window reads its articles

    def edit_after_planning(self, window):  # between reading it for the plan and writing it
        (src / "other.md").write_text("# Other\n\nSomething different happened today.\n")
        return original(self, window)

    monkeypatch.setattr(run._Run, "_prepare", edit_after_planning)
    result = translate(runner, "src", "--out", "out")
    assert result.exit_code == 0, result.output
    assert "else happened" in (src.parent / "out/uk/other.md").read_text()
    check = runner.invoke(main, ["check", "src", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "stale" in check.stdout and "other.md" in check.stdout


def test_a_source_edited_during_the_run_fails_that_article_only_when_it_is_read_again(src, runner, monkeypatch):
    """Beyond what planning holds in memory, a window reads its articles again: one that changed
    since planning fails alone."""
    (src / "other.md").write_text("# Other\n\nSomething else happened today.\n")
    from pipeline.commands import plan, run

    monkeypatch.setattr(plan, "HOLD_BYTES", 0)
    original = run._Run._prepare  # where a window reads its articles

    def edit_after_planning(self, window):
        (src / "other.md").write_text("# Other\n\nSomething different happened today.\n")
        return original(self, window)

    monkeypatch.setattr(run._Run, "_prepare", edit_after_planning)
    result = translate(runner, "src", "--out", "out")
    assert result.exit_code == ExitStatus.FILES_FAILED
    (line,) = result.stderr.splitlines()
    assert "other.md: changed while this run was translating it; run again" in line
    assert (src.parent / "out/uk/good.md").is_file() and not (src.parent / "out/uk/other.md").exists()
