"""The output folder is the system of record: checkouts, editors, identities, interruptions."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.store import records
from pipeline.store.layout import Layout
from tests.helpers import correct, git, rewrite, structure
from tests.test_run import ARTICLE

A = "The offensive began on Thursday."
B = "It forced Russia to divert resources."
OTHER = "# Other\n\nSomething else happened today.\n\nA *second* sentence with `code` here.\n"


@pytest.fixture
def project(installed, tmp_path, runner, monkeypatch):
    root = tmp_path / "newsroom"
    (root / "src" / "en" / "news").mkdir(parents=True)
    (root / "src/en/news/kursk.md").write_text(ARTICLE)
    (root / "src/en/other.md").write_text(OTHER)
    (root / "config.yaml").write_text("memory: .pipeline/memory.sqlite\n")
    (root / ".gitignore").write_text(".pipeline/\n")
    monkeypatch.chdir(root)
    result = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0, result.output
    return root


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def article(project):
    return (project / "out/uk/news/kursk.md").read_text()


def test_a_fresh_clone_without_memory_or_model_translates_nothing_and_keeps_corrections(project, runner, tmp_path, monkeypatch):
    assert correct(runner, "out", "src/en", {A: "Наступ почався в четвер."}).exit_code == 0
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "translations")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    assert not (clone / ".pipeline").exists()
    monkeypatch.chdir(clone)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "no-packages"))  # and no model either
    result = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "0 translated" in result.stdout
    assert git(clone, "status", "--porcelain") == ""
    assert "Наступ почався в четвер." in (clone / "out/uk/news/kursk.md").read_text()
    # a source edit in the clone: only the changed sentence needs the engine; the correction stays
    path = clone / "src/en/news/kursk.md"
    path.write_text(path.read_text().replace("Forces advanced quickly.", "Forces advanced slowly."))
    result = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out", "--no-download"])
    assert result.exit_code == ExitStatus.NO_MODEL and git(clone, "status", "--porcelain").splitlines() == [" M src/en/news/kursk.md"]
    check = runner.invoke(main, ["check", "src/en", "--out", "out", "--json"])
    statuses = {t["source"]: t["status"] for t in json.loads(check.stdout)["translations"]}
    assert statuses == {"src/en/news/kursk.md": "stale", "src/en/other.md": "fresh"}


def test_exports_imported_in_any_order_never_revert_newer_corrections(project, runner):
    exported = runner.invoke(main, ["export", "src/en/news", "--out", "out", "--format", "xliff", "--format", "tmx"])
    paths = exported.stdout.split()
    rewrite(paths[0], {A: "А виправлено."})
    rewrite(paths[1], {B: "Б виправлено."})
    first = runner.invoke(main, ["import", paths[0], "--out", "out"])
    second = runner.invoke(main, ["import", paths[1], "--out", "out"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "1 corrected" in first.stdout and "1 corrected" in second.stdout
    again = runner.invoke(main, ["import", paths[0], "--out", "out"])
    assert again.exit_code == 0 and "0 corrected, 0 approved, 0 conflicts, 0 refused" in again.stdout
    text = article(project)
    assert "А виправлено." in text and "Б виправлено." in text
    data = json.loads((project / "out/bilingual/news/kursk.en-uk.json").read_text())
    origins = {s["source"]: s["origin"] for b in data["blocks"] for s in b["sentences"]}
    assert origins[A] == origins[B] == "human" and origins["Forces advanced quickly."] == "machine"


def test_two_editors_changing_one_sentence_is_a_conflict_until_someone_chooses(project, runner):
    exported = runner.invoke(main, ["export", "src/en/news", "--out", "out", "--format", "po", "--dest", "one"])
    runner.invoke(main, ["export", "src/en/news", "--out", "out", "--format", "po", "--dest", "two"])
    (first,) = exported.stdout.split()
    second = first.replace("one/", "two/", 1)
    rewrite(first, {A: "Перша редакторка."})
    rewrite(second, {A: "Другий редактор."})
    assert runner.invoke(main, ["import", first, "--out", "out"]).exit_code == 0
    result = runner.invoke(main, ["import", second, "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    (line,) = result.stderr.splitlines()
    assert "conflict" in line and "'Другий редактор.'" in line and "'Перша редакторка.'" in line
    assert "Перша редакторка." in article(project)
    assert runner.invoke(main, ["import", second, "--out", "out", "--ours"]).exit_code == 0
    assert "Перша редакторка." in article(project)
    assert runner.invoke(main, ["import", second, "--out", "out", "--theirs"]).exit_code == 0
    assert "Другий редактор." in article(project) and "Перша редакторка." not in article(project)


def test_a_source_edit_refuses_only_the_units_whose_source_changed(project, runner):
    exported = runner.invoke(main, ["export", "src/en/news", "--out", "out", "--format", "xliff"])
    (path,) = exported.stdout.split()
    source = project / "src/en/news/kursk.md"
    source.write_text(source.read_text().replace("Forces advanced quickly.", "Forces advanced slowly."))
    assert runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"]).exit_code == 0
    rewrite(path, {A: "А виправлено.", "Forces advanced quickly.": "Застаріле."})
    result = runner.invoke(main, ["import", path, "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    (line,) = result.stderr.splitlines()
    assert "its source sentence changed or was removed since the export" in line
    assert "1 corrected, 0 approved, 0 conflicts, 1 refused" in result.stdout
    assert "А виправлено." in article(project) and "Застаріле." not in article(project)


@pytest.mark.parametrize(
    "typed",
    ["# Заголовок", "```\nкод", "| a | b |", "<script>alert(1)</script>", "[посилання](javascript:alert(1))", "* пункт"],
)
def test_an_editors_markup_is_escaped_like_machine_text(project, runner, typed):
    before = structure(article(project))
    result = correct(runner, "out", "src/en/news", {A: typed})
    assert result.exit_code == 0, result.output
    assert structure(article(project)) == before  # no heading, fence, table, HTML or link was added


def test_control_characters_and_broken_codes_are_refused_one_unit_at_a_time(project, runner):
    result = correct(
        runner,
        "out",
        "src/en/other.md",
        {
            "Something else happened today.": "Щось\x00 сталося.",
            "A <g1>second</g1> sentence with <x2/> here.": "Друге <g1>речення</g1> з <x2/>.",
        },
    )
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "control character" in result.stderr and "1 corrected" in result.stdout
    text = (project / "out/uk/other.md").read_text()
    assert "Друге *речення* з `code`." in text and "\x00" not in text


def test_an_article_has_one_identity_however_it_is_named(project, runner, tmp_path):
    source = project / "src/en/news/kursk.md"
    source.write_text(source.read_text() + "\nA new closing line.\n")
    result = runner.invoke(main, ["translate", "src/en/news/kursk.md", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert not (project / "out/uk/kursk.md").exists() and "A new closing line." in article(project)
    os.chdir(project / "src")
    for named in ("en", str(project / "src/en"), "en/news"):
        check = runner.invoke(main, ["check", named, "--out", "../out", "--json"])
        assert check.exit_code == 0, (named, check.output)
    moved = tmp_path / "moved"
    shutil.move(str(project), moved)
    os.chdir(moved)
    check = runner.invoke(main, ["check", "src/en", "--out", "out", "--json"])
    assert check.exit_code == 0 and json.loads(check.stdout)["summary"]["fresh"] == 2


def test_a_missing_model_writes_nothing_at_all(argos_env, runner, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.md").write_text(ARTICLE)
    before = snapshot(tmp_path)
    result = runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out", "--no-download"])
    assert result.exit_code == ExitStatus.NO_MODEL
    assert snapshot(tmp_path) == before and not (tmp_path / "out").exists() and not (tmp_path / ".pipeline").exists()


def test_outputs_get_the_permissions_the_umask_gives(project):
    mode = stat.S_IMODE((project / "out/uk/news/kursk.md").stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask


def test_an_interrupted_write_is_completed_by_the_next_run(project, runner):
    """The state a kill leaves between the pending record and the outputs: the next run finishes
    it, removes the temporary files, and check is right."""
    record_file = Layout(project / "out").record("uk", "news/kursk.md")
    source = project / "src/en/news/kursk.md"
    source.write_text(source.read_text().replace("Forces advanced quickly.", "Forces advanced slowly."))
    pending = Layout.pending(record_file)
    # what a killed run leaves: a pending record, half of the outputs written, a temporary file
    assert runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"]).exit_code == 0
    new_article = article(project)
    pending.write_text(records.dump(records.load(record_file), inline=True))
    (project / "out/uk/news/kursk.md").write_text(new_article)
    (project / "out/uk/news/.kursk.md.0123456789abcdef.pipeline-tmp").write_text("half")
    result = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert not pending.exists() and not list((project / "out/uk/news").glob(".*tmp"))
    assert runner.invoke(main, ["check", "src/en", "--out", "out"]).exit_code == 0
    assert "Forces moved" not in article(project) and "⟦" not in article(project)


def merged_clone(project, runner, tmp_path, monkeypatch, first: tuple[str, dict], second: tuple[str, dict]):
    """Two editors on two git branches, each correcting (sources, {source: target}); the branches
    merged (git raises on a conflict) and cloned; the clone becomes the working directory."""
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "translations")
    git(project, "checkout", "-qb", "editor-a")
    assert correct(runner, "out", *first).exit_code == 0
    git(project, "add", "out")  # what editors commit: the output folder (their exchange files stay theirs)
    git(project, "commit", "-qm", "a")
    shutil.rmtree(project / "exchange")  # editor A takes theirs away (export never overwrites a file holding edits)
    git(project, "checkout", "-q", "main")
    assert correct(runner, "out", *second).exit_code == 0
    git(project, "add", "out")
    git(project, "commit", "-qm", "b")
    git(project, "merge", "-q", "--no-edit", "editor-a")
    clone = tmp_path / "merged"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    monkeypatch.chdir(clone)
    return clone


def test_editors_on_two_branches_correcting_different_articles_merge_cleanly(project, runner, tmp_path, monkeypatch):
    clone = merged_clone(
        project,
        runner,
        tmp_path,
        monkeypatch,
        ("src/en/news", {A: "Наступ почався в четвер."}),
        ("src/en/other.md", {"Something else happened today.": "Сьогодні сталося інше."}),
    )
    result = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0 and "0 translated" in result.stdout
    assert git(clone, "status", "--porcelain") == ""
    assert "Наступ почався в четвер." in (clone / "out/uk/news/kursk.md").read_text()
    assert "Сьогодні сталося інше." in (clone / "out/uk/other.md").read_text()
    assert runner.invoke(main, ["check", "src/en", "--out", "out"]).exit_code == 0


def test_editors_on_two_branches_correcting_different_paragraphs_of_one_article_merge_cleanly(project, runner, tmp_path, monkeypatch):
    clone = merged_clone(
        project,
        runner,
        tmp_path,
        monkeypatch,
        ("src/en/news", {A: "Наступ почався в четвер."}),
        ("src/en/news", {"another point": "ще один пункт"}),
    )
    result = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0 and "0 translated" in result.stdout, result.output
    text = (clone / "out/uk/news/kursk.md").read_text()
    assert "Наступ почався в четвер." in text and "ще один пункт" in text
    assert runner.invoke(main, ["check", "src/en", "--out", "out"]).exit_code == 0
    # the merged sidecar is written again once; after that nothing changes
    git(clone, "commit", "-qam", "after the merge", "--allow-empty")
    again = runner.invoke(main, ["translate", "src/en", "--to", "uk", "--out", "out"])
    assert again.exit_code == 0 and "2 unchanged" in again.stdout and git(clone, "status", "--porcelain") == ""
