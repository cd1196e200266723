"""Where two parts of the state meet (issue 19): an exchange file and the records, pseudo output and
a model, the memory and the committed folder, an export and its import, two writers, two source
folders. Each test is a scenario an editor or CI runs, with the real thing (git, FIFOs, chattr)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from pipeline import formats
from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.core.identity import HUMAN
from pipeline.store import records
from pipeline.store.layout import Layout
from tests.conftest import corpus_texts
from tests.fixtures.argos_package import build_package
from tests.helpers import correct, git, rewrite
from tests.test_run import ARTICLE

A = "The offensive began on Thursday."
MARKUP = "Forces advanced *quickly* with [support](https://example.org)."


@pytest.fixture
def project(installed, tmp_path, runner, monkeypatch):
    root = tmp_path / "newsroom"
    (root / "src").mkdir(parents=True)
    (root / "src/kursk.md").write_text(ARTICLE)
    (root / "config.yaml").write_text("memory: .pipeline/memory.sqlite\n")
    monkeypatch.chdir(root)
    result = runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0, result.output
    return root


def translate(runner, *args):
    return runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out", *args])


def check(runner, *args) -> dict[str, dict]:
    result = runner.invoke(main, ["check", "src", "--out", "out", "--json", *args])
    return {t["source"]: t for t in json.loads(result.stdout)["translations"]}


# --- 1. an exchange file is an editor's work ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["xliff", "tmx", "po"])
def test_export_never_overwrites_an_exchange_file_holding_edits_not_imported(project, runner, kind):
    exported = runner.invoke(main, ["export", "src", "--out", "out", "--format", kind])
    assert exported.exit_code == 0, exported.output
    (path,) = exported.stdout.split()
    rewrite(path, {A: "Наступ почався в четвер."})
    edited = (project / path).read_bytes()
    again = runner.invoke(main, ["export", "src", "--out", "out", "--format", kind])
    assert again.exit_code == ExitStatus.FILES_FAILED
    (line,) = again.stderr.splitlines()
    assert path in line and "not imported yet" in line and "--force" in line
    assert (project / path).read_bytes() == edited  # the editor's work is still there
    assert runner.invoke(main, ["import", path, "--out", "out"]).exit_code == 0
    assert runner.invoke(main, ["export", "src", "--out", "out", "--format", kind]).exit_code == 0  # imported: replaced at will


def test_an_approval_or_an_unreadable_file_is_kept_too_and_force_replaces(project, runner):
    exported = runner.invoke(main, ["export", "src", "--out", "out", "--format", "xliff"])
    (path,) = exported.stdout.split()
    data = (project / path).read_bytes()
    exchange = formats.read(data, "xliff")
    units = tuple(u if u.source != A else type(u)(u.id, u.source, u.target, "final", u.note, codes=u.codes) for u in exchange.units)
    (project / path).write_bytes(formats.write(formats.Exchange(exchange.document, "en", "uk", units), "xliff"))
    assert runner.invoke(main, ["export", "src", "--out", "out", "--format", "xliff"]).exit_code == ExitStatus.FILES_FAILED
    (project / path).write_text("notes an editor kept here")
    refused = runner.invoke(main, ["export", "src", "--out", "out", "--format", "xliff"])
    assert refused.exit_code == ExitStatus.FILES_FAILED and "not an exchange file" in refused.stderr
    forced = runner.invoke(main, ["export", "src", "--out", "out", "--format", "xliff", "--force"])
    assert forced.exit_code == 0 and (project / path).read_bytes() == data


def test_an_untouched_exchange_file_is_replaced_silently(project, runner):
    first = runner.invoke(main, ["export", "src", "--out", "out", "--format", "po"])
    (path,) = first.stdout.split()
    (project / "src/kursk.md").write_text(ARTICLE.replace("divert resources", "divert many resources"))
    assert translate(runner, "--engine", "pseudo").exit_code == 0
    again = runner.invoke(main, ["export", "src", "--out", "out", "--format", "po"])
    assert again.exit_code == 0 and again.stderr == "" and "many resources" in (project / path).read_text()


# --- 2. pseudo output is never a translation -----------------------------------------------------------


def test_pseudo_output_is_its_own_state_and_a_model_translates_over_it(installed, tmp_path, runner, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/kursk.md").write_text(ARTICLE)
    monkeypatch.chdir(tmp_path)
    assert translate(runner, "--engine", "pseudo").exit_code == 0
    assert "⟦uk⟧" in (tmp_path / "out/uk/kursk.md").read_text()
    states = check(runner)
    assert [t["status"] for t in states.values()] == ["pseudo"]
    assert runner.invoke(main, ["check", "src", "--out", "out"]).exit_code == ExitStatus.NOT_FRESH
    real = translate(runner)  # the installed (copy) model: no flag needed
    assert real.exit_code == 0 and "7 translated" in real.stdout and "unchanged" not in real.stdout, real.output
    assert "⟦uk⟧" not in (tmp_path / "out/uk/kursk.md").read_text()
    assert [t["status"] for t in check(runner).values()] == ["fresh"]


# --- 3. the memory holds only what the records hold ---------------------------------------------------


def test_a_correction_reverted_with_git_never_comes_back_from_the_memory(project, runner):
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "machine translations")
    assert correct(runner, "out", "src", {A: "Наступ почався в четвер."}).exit_code == 0
    (project / "src/second.md").write_text(f"# Second\n\n{A}\n")
    assert translate(runner).exit_code == 0
    assert "Наступ почався в четвер." in (project / "out/uk/second.md").read_text()  # the memory shares a correction
    git(project, "checkout", "-q", "--", "out")  # the correction is reverted...
    git(project, "clean", "-qfd", "out")
    shutil.rmtree(project / "exchange", ignore_errors=True)
    (project / "src/third.md").write_text(f"# Third\n\n{A}\n")
    assert translate(runner).exit_code == 0
    third = (project / "out/uk/third.md").read_text()
    assert "Наступ почався в четвер." not in third and A in third  # ...and the memory forgot it
    record = records.load(Layout(project / "out").record("uk", "third.md"))
    assert all(s.origin != HUMAN for s in record.sentences())


def test_a_human_entry_planted_in_the_memory_is_never_used(project, runner):
    """The memory is a local file anyone can change: an editor's entry that no record holds is no
    editor's work (here a machine entry made human with sqlite, as the outside check did)."""
    import sqlite3

    memory = project / ".pipeline/memory.sqlite"
    with sqlite3.connect(memory) as db:
        changed = db.execute("UPDATE translations SET origin='human', target_text='Підкинутий текст.' WHERE origin='machine'").rowcount
    db.close()
    assert changed > 0
    (project / "src/second.md").write_text(f"# Second\n\n{A}\n")
    assert translate(runner).exit_code == 0
    assert "Підкинутий" not in (project / "out/uk/second.md").read_text()
    record = records.load(Layout(project / "out").record("uk", "second.md"))
    assert all(s.origin != HUMAN for s in record.sentences())


# --- 4. an export carries the codes the article has ----------------------------------------------------


@pytest.fixture(scope="module")
def lossy_package(tmp_path_factory):
    """A genuine Argos package that loses every tag it is given, as real models lose paired markup
    (the pipeline then translates the pieces and flags it)."""
    return build_package(tmp_path_factory.mktemp("lossy"), "en", "uk", corpus_texts(), kind="lossy", version="1.0")


@pytest.mark.parametrize("kind", ["xliff", "tmx", "po"])
def test_an_untouched_export_imports_when_the_model_lost_the_markup(argos_env, lossy_package, tmp_path, runner, monkeypatch, kind):
    assert runner.invoke(main, ["models", "install", str(lossy_package)]).exit_code == 0
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.md").write_text(f"# Title\n\n{MARKUP}\n\n{A}\n")
    monkeypatch.chdir(tmp_path)
    assert translate(runner).exit_code == 0
    bilingual = json.loads((tmp_path / "out/bilingual/a.en-uk.json").read_text())
    assert any("markup-split" in s.get("flags", ()) for b in bilingual["blocks"] for s in b["sentences"])
    exported = runner.invoke(main, ["export", "src", "--out", "out", "--format", kind])
    (path,) = exported.stdout.split()
    untouched = runner.invoke(main, ["import", path, "--out", "out"])
    assert untouched.exit_code == 0 and "0 corrected, 0 approved, 0 conflicts, 0 refused" in untouched.stdout, untouched.output
    units = formats.read((tmp_path / path).read_bytes(), kind).units
    target = next(u.target for u in units if u.source.startswith("Forces"))
    assert "<g1>" in target and "</g1>" in target  # the codes the article has
    rewrite(path, {u.source: "Сили просунулися." for u in units if u.source.startswith("Forces")} | {A: "Наступ почався в четвер."})
    one = runner.invoke(main, ["import", path, "--out", "out"])
    assert (
        one.exit_code == ExitStatus.FILES_FAILED and "1 corrected, 0 approved, 0 conflicts, 1 refused" in one.stdout
    )  # lost markup: refused, alone


# --- 5. one writer: every command refuses what translate refuses -----------------------------------------


def test_a_fifo_among_the_outputs_costs_one_line_for_adopt_and_export(project, runner):
    fifo = project / "out/bilingual/kursk.en-uk.json"
    fifo.unlink()
    os.mkfifo(fifo)
    (project / "translations/uk").mkdir(parents=True)
    (project / "translations/uk/kursk.md").write_text(
        ARTICLE.replace("The offensive began", "Наступ почався").replace("Kursk operation", "Курська операція")
    )
    pipeline = [sys.executable, "-m", "pipeline"]
    adopt = subprocess.run(
        [*pipeline, "adopt", "src", "--out", "out", "--translations", "translations"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert adopt.returncode == ExitStatus.FILES_FAILED and "FIFO" in adopt.stdout + adopt.stderr
    export = subprocess.run([*pipeline, "export", "src", "--out", "out"], cwd=project, capture_output=True, text=True, timeout=60)
    assert export.returncode == 0  # it reads the bilingual JSON only for notes: a FIFO there is not opened
    assert translate(runner).exit_code == ExitStatus.FILES_FAILED


def test_an_adopt_interrupted_in_its_commit_is_completed_by_the_next_adopt(installed, tmp_path, runner, monkeypatch):
    from pipeline.store import durable

    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.md").write_text("# Title\n\nThe offensive began on Thursday.\n")
    (tmp_path / "tr/uk").mkdir(parents=True)
    translation = tmp_path / "tr/uk/a.md"
    translation.write_text("# Заголовок\n\nНаступ почався в четвер.\n")
    monkeypatch.chdir(tmp_path)
    original = durable.Batch.publish

    def killed_after_the_pending_record(self, staged):
        original(self, staged)
        if staged.path.name.endswith(".json.new"):
            raise KeyboardInterrupt  # as SIGINT would, between the pending record and the outputs

    monkeypatch.setattr(durable.Batch, "publish", killed_after_the_pending_record)
    adopt = ["adopt", "src", "--out", "out", "--translations", "tr", "--to", "uk"]
    assert runner.invoke(main, adopt).exit_code == ExitStatus.INTERRUPTED
    monkeypatch.setattr(durable.Batch, "publish", original)
    copied = tmp_path / "out/uk/a.md"
    refused = translate(runner)
    assert refused.exit_code == ExitStatus.FILES_FAILED and "interrupted `pipeline adopt`" in refused.stderr
    again = runner.invoke(main, adopt)
    assert again.exit_code == 0 and "1 adopted" in again.stdout and "already" not in again.stdout, again.output
    assert copied.read_bytes() == translation.read_bytes()
    assert translate(runner).exit_code == 0 and copied.read_bytes() == translation.read_bytes()  # the translator's file stays


# --- 6. an output path belongs to one source article ------------------------------------------------------


def test_a_second_source_folder_with_the_same_path_is_refused(project, runner):
    assert correct(runner, "out", "src", {A: "Наступ почався в четвер."}).exit_code == 0
    before = {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()}
    (project / "src2").mkdir()
    (project / "src2/kursk.md").write_text("# Another article\n\nSomething else entirely.\n")
    result = runner.invoke(main, ["translate", "src2", "--to", "uk", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    (line,) = result.stderr.splitlines()
    assert "src2/kursk.md" in line and "src/kursk.md" in line and "another article with the same path" in line
    after = {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file() and p.name != "sources.txt"}
    assert after == {p: b for p, b in before.items() if p.name != "sources.txt"}


# --- 7. check verifies the outputs ---------------------------------------------------------------------------


def test_an_emptied_translation_is_not_fresh_and_is_written_again(project, runner):
    article = project / "out/uk/kursk.md"
    written = article.read_bytes()
    article.write_bytes(b"")
    (item,) = check(runner).values()
    assert item["status"] == "modified" and "was emptied" in item["detail"]
    assert translate(runner).exit_code == 0 and article.read_bytes() == written  # nothing was lost by writing it again
    article.write_text(article.read_text() + "\nAn editor's note.\n")
    (item,) = check(runner).values()
    assert item["status"] == "modified" and "changed since the pipeline wrote it" in item["detail"]
    assert translate(runner).exit_code == ExitStatus.FILES_FAILED and article.read_text().endswith("An editor's note.\n")


# --- 8. a conflicted or damaged record is named as such ----------------------------------------------------


def test_a_merge_conflict_in_a_record_is_named_with_its_fix_and_costs_one_article(project, runner):
    (project / "src/other.md").write_text("# Other\n\nSomething else happened today.\n")
    assert translate(runner).exit_code == 0
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "translations")
    git(project, "checkout", "-qb", "a")
    assert correct(runner, "out", "src/kursk.md", {A: "Наступ почався в четвер."}).exit_code == 0
    git(project, "commit", "-qam", "a")
    git(project, "checkout", "-q", "main")
    shutil.rmtree(project / "exchange")
    assert correct(runner, "out", "src/kursk.md", {A: "Наступ розпочався в четвер."}).exit_code == 0
    git(project, "commit", "-qam", "b")
    merge = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", "merge", "-q", "a"], cwd=project, capture_output=True)
    assert merge.returncode != 0  # both corrected the same sentence
    record = "out/records/uk/kursk.md.json"
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    (line,) = result.stderr.splitlines()
    assert record in line and "git merge conflict markers" in line and "git checkout --ours" in line
    assert "0 failed" not in result.stdout and (project / "out/uk/other.md").is_file()
    git(project, "checkout", "--theirs", "--", "out")  # git marked the article's outputs too
    assert translate(runner).exit_code == 0


def test_a_damaged_sidecar_line_is_named(project, runner):
    sums = project / "out/records/uk/kursk.md.outputs"
    sums.write_text(sums.read_text() + "0000  ../victim/keep.txt\n")
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED
    (line,) = result.stderr.splitlines()
    assert "kursk.md.outputs" in line and "is not `SHA256  PATH`" in line
    assert [t["status"] for t in check(runner).values()] == ["damaged"]


# --- 9. the user's .gitattributes, and files that cannot be written ----------------------------------------


def test_the_users_gitattributes_lines_are_kept(project, runner):
    attributes = project / "out/records/.gitattributes"
    attributes.write_text("*.json text eol=lf\n")
    (project / "src2").mkdir()
    (project / "src2/b.md").write_text("# B\n\nSomething else happened today.\n")
    assert runner.invoke(main, ["translate", "src2", "--to", "uk", "--out", "out"]).exit_code == 0
    lines = attributes.read_text().splitlines()
    assert lines[0] == "*.json text eol=lf" and "sources.txt merge=union" in lines and "*.outputs merge=union" in lines


def test_an_immutable_record_costs_its_article_only(project, runner):
    (project / "src/other.md").write_text("# Other\n\nSomething else happened today.\n")
    assert translate(runner).exit_code == 0
    record = project / "out/records/uk/kursk.md.json"
    if subprocess.run(["chattr", "+i", str(record)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i needs root and a file system that supports it")
    try:
        for source in ("kursk.md", "other.md"):
            path = project / "src" / source
            path.write_text(path.read_text() + "\nOne more sentence here.\n")
        result = translate(runner)
        assert result.exit_code == ExitStatus.OUTPUT_ERROR  # and the batch went on
        (line,) = result.stderr.splitlines()
        assert "src/kursk.md" in line and "not written" in line
        assert "One more sentence" in (project / "out/uk/other.md").read_text()
    finally:
        subprocess.run(["chattr", "-i", str(record)], check=True)


def test_a_name_too_long_for_its_record_costs_its_article_only(project, runner):
    long = "x" * 250 + ".md"  # its record, <name>.json.new, exceeds the 255 bytes a name may have
    (project / "src" / long).write_text("# Long\n\nSomething else happened today.\n")
    result = translate(runner, "--engine", "pseudo")
    assert result.exit_code in (ExitStatus.FILES_FAILED, ExitStatus.OUTPUT_ERROR)
    (line,) = result.stderr.splitlines()
    assert long in line and ("too long" in line.lower() or "not written" in line)
