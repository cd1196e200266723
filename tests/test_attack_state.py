"""What an outside attack on the state found (bench/attack_state.py runs it whole): each test is one
reproduction, as a user or a pull request would make it, that failed before its fix."""

from __future__ import annotations

import json
import os

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.core.hashes import file_sha256
from tests.test_hostile_state import RECORD, SUMS, changed_source, one_line, translate, victim


@pytest.fixture
def project(tmp_path, runner, monkeypatch):
    """A project translated once with the pseudo engine, and a victim folder beside it."""
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src/a.md").write_text("# Title\n\nThe offensive began on Thursday.\n")
    (root / "src/b.md").write_text("# Other\n\nSomething else happened today.\n")
    (root / "config.yaml").write_text("engine: pseudo\nmemory: .pipeline/memory.sqlite\n")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim/keep.txt").write_text("the victim's file\n")
    (tmp_path / "victim/secret.md").write_text("# Secret\n\nThe victim's secret sentence.\n")
    monkeypatch.chdir(root)
    assert translate(runner).exit_code == 0
    return root


def outputs_hold(project, text: str) -> bool:
    return any(text in p.read_text(errors="replace") for p in (project / "out").rglob("*") if p.is_file())


# --- source folders reached through links ---------------------------------------------------------


def test_a_source_folder_named_through_a_link_is_the_folder_it_leads_to(project, runner):
    (project / "content").symlink_to("src", target_is_directory=True)
    fresh = runner.invoke(main, ["translate", "content", "--to", "uk", "--out", "elsewhere"])
    assert fresh.exit_code == 0, fresh.output  # was 70: ValueError, the file is not under the link's path
    assert (project / "elsewhere/uk/a.md").is_file()
    again = runner.invoke(main, ["translate", "content", "--to", "uk", "--out", "out"])
    assert "2 unchanged" in again.stdout  # the same articles, the same identities as through src
    check = runner.invoke(main, ["check", "content", "--out", "elsewhere", "--json"])
    assert {t["source"]: t["status"] for t in json.loads(check.stdout)["translations"]} == {
        "content/a.md": "pseudo",
        "content/b.md": "pseudo",
    }


def test_a_link_out_of_the_project_named_as_a_recorded_source_folder_is_refused(project, runner):
    (project / "lnk").symlink_to("../victim", target_is_directory=True)  # git commits links: a pull request can add one
    (project / "out/records/sources.txt").write_text("../src\n../lnk\n")
    data = json.loads((project / RECORD).read_text())
    data.update(root="../lnk", source="secret.md")
    (project / "out/records/uk/secret.md.json").write_text(json.dumps(data))
    (project / "out/records/uk/secret.md.outputs").write_text((project / SUMS).read_text())
    check = runner.invoke(main, ["check", "--out", "out"])  # the recorded folders: what CI runs
    assert check.exit_code == ExitStatus.NOT_FRESH, check.output  # was 70
    assert "out/records/sources.txt: line 2: '../lnk' is not a source folder inside the project; ignored" in check.stderr
    assert len(check.stderr.splitlines()) == 1  # once, not once per reading of sources.txt
    assert "secret.md" in check.stdout and "damaged" in check.stdout  # the planted record names an outside folder
    runner.invoke(main, ["export", "src", "--out", "out"])
    assert not outputs_hold(project, "victim's secret")


# --- link loops in the output folder --------------------------------------------------------------


@pytest.mark.parametrize("loop", [RECORD, "out/uk/a.md"])
def test_a_link_loop_in_the_output_folder_costs_its_article(project, runner, loop):
    place = project / loop
    place.unlink()
    place.symlink_to(place.name)  # a link to itself
    changed_source(project)
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output  # was 70: RuntimeError, Symlink loop
    line = one_line(result)
    assert loop in line and "symbolic link" in line
    assert "1 articles" in result.stdout  # b was written
    assert runner.invoke(main, ["check", "src", "--out", "out"]).exit_code == ExitStatus.NOT_FRESH


def test_a_record_of_format_1_whose_root_goes_through_a_link_loop_costs_its_article(project, runner):
    (project / "loop").symlink_to("loop")
    (project / RECORD).unlink()
    (project / SUMS).unlink()
    legacy = project / "out/.pipeline/records/uk/a.md.json"  # format 1 kept absolute roots; it is read to be replaced
    legacy.parent.mkdir(parents=True)
    head = {"source_lang": "en", "target_lang": "uk", "source_sha256": "0" * 64, "article": "uk/a.md", "blocks": []}
    legacy.write_text(json.dumps({"record": "uk-en-pipeline/record/1", "root": str(project / "loop/src"), "rel": "a.md", **head}))
    changed_source(project)
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output  # was 70: RuntimeError, Symlink loop
    assert "out/uk/a.md" in one_line(result)


@pytest.mark.parametrize("kind", ["fifo", "sparse"])
def test_an_output_in_the_way_is_said_as_it_is(project, runner, kind):
    place = project / "out/bilingual/a.en-uk.json"
    place.unlink()
    if kind == "fifo":
        os.mkfifo(place)
    else:
        with open(place, "wb") as f:
            f.truncate(1_300_000_000)
    changed_source(project)
    line = one_line(translate(runner))
    expected = "is not a regular file (a FIFO)" if kind == "fifo" else "is too large (1300.0 MB"
    assert f"out/bilingual/a.en-uk.json {expected}" in line  # was "is a regular file (a FIFO)", "a.en-uk.json too large"


# --- prune and damaged records --------------------------------------------------------------------


def test_prune_deletes_nothing_a_damaged_record_may_list(project, runner):
    live = project / "out/records/uk/b.md.json"
    ghost = json.loads(live.read_text())
    ghost["source"] = "gone.md"  # a ghost whose source is gone, listing b's outputs with their hashes
    (project / "out/records/uk/gone.md.json").write_text(json.dumps(ghost))
    (project / "out/records/uk/gone.md.outputs").write_text((project / "out/records/uk/b.md.outputs").read_text())
    lines = live.read_text().splitlines(keepends=True)  # b's own record after a git merge that conflicted
    live.write_text("".join([*lines[:3], "<<<<<<< HEAD\n", lines[3], "=======\n", lines[3], ">>>>>>> other\n", *lines[4:]]))
    result = runner.invoke(main, ["prune", "src", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert (project / "out/uk/b.md").is_file()  # was deleted: the only record saying it is b's could not be read
    assert "not pruned while out/records/uk/b.md.json is damaged" in result.stderr
    assert (project / "out/records/uk/gone.md.json").is_file()  # kept whole, for the next prune


# --- links planted where the configuration points -------------------------------------------------


def test_a_configured_output_folder_planted_as_a_link_out_of_the_project_is_refused(project, runner):
    (project / "translations").symlink_to("../victim", target_is_directory=True)  # output.dir's default
    before = victim(project)
    result = runner.invoke(main, ["translate", "src", "--to", "uk"])
    assert result.exit_code == ExitStatus.USAGE  # was 0, writing bilingual/, records/ and uk/ into the victim
    line = one_line(result)
    assert "output.dir: " in line and "translations leads to " in line and "victim, outside the project" in line
    assert victim(project) == before


# --- one output path, one source article ----------------------------------------------------------


def test_a_record_cannot_lead_its_translation_over_another_articles(project, runner):
    b = project / "out/uk/b.md"
    before = b.read_bytes()
    data = json.loads((project / RECORD).read_text())
    data["article"] = "uk/b.md"  # a pull request edits a's record and sidecar to name b's translation
    (project / RECORD).write_text(json.dumps(data))
    sums = (project / SUMS).read_text().splitlines()
    sums[0] = f"{file_sha256(before)}  uk/b.md"
    (project / SUMS).write_text("\n".join(sums) + "\n")
    changed_source(project)
    result = runner.invoke(main, ["translate", "src/a.md", "--to", "uk", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED  # was 0, b's translation replaced by a's
    assert "its record names uk/b.md as its translation, which is the output of b.md" in one_line(result)
    assert b.read_bytes() == before


# --- the memory -----------------------------------------------------------------------------------


def test_the_memorys_lock_file_is_never_written_through_a_link(project, runner):
    lock = project / ".pipeline/memory.sqlite.lock"
    lock.unlink()
    lock.symlink_to("../../victim/keep.txt")
    before = victim(project)
    changed_source(project)
    result = translate(runner)
    assert victim(project) == before  # was truncated and overwritten with "pid N"
    assert result.exit_code == ExitStatus.OUTPUT_ERROR
    assert "memory.sqlite.lock: a symbolic link" in one_line(result)


@pytest.mark.parametrize("to", ["/dev/zero", "../../victim/keep.txt"])
def test_a_link_planted_as_the_memory_costs_the_cache_never_check(project, runner, to):
    """The memory is a cache of the records: check never reads it, and translate refuses a link
    there (exit 6, one line) without reading or writing through it."""
    memory = project / ".pipeline/memory.sqlite"
    memory.unlink()
    memory.symlink_to(to)
    before = victim(project)
    check = runner.invoke(main, ["check", "src", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "2 pseudo" in check.stdout, check.output  # as without the link
    changed_source(project)
    result = translate(runner)
    assert result.exit_code == ExitStatus.OUTPUT_ERROR
    assert "memory.sqlite: the translation memory cannot be used: it is a symbolic link" in one_line(result)
    assert victim(project) == before
