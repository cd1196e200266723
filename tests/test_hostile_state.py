"""The committed folder is input too (issue 25): records, pending records, sidecars, sources.txt and
the output folder's own files come from pull requests. Nothing is written, deleted or read outside
the output folder and the project; every refusal is one line naming the file; nothing hangs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.core.hashes import file_sha256
from pipeline.core.paths import shown
from tests.test_run import ARTICLE

RECORD = "out/records/uk/a.md.json"
SUMS = "out/records/uk/a.md.outputs"


@pytest.fixture
def project(tmp_path, runner, monkeypatch):
    """A project translated once (pseudo engine: what is tested is the state, not the text), and a
    victim folder beside it that nothing may touch."""
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src/a.md").write_text(ARTICLE)
    (root / "src/b.md").write_text("# Other\n\nSomething else happened today.\n")
    (root / "config.yaml").write_text("engine: pseudo\nmemory: .pipeline/memory.sqlite\n")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("the victim's file\n")
    (victim / "secret.md").write_text("# Secret\n\nThe victim's secret sentence.\n")
    monkeypatch.chdir(root)
    result = runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0, result.output
    return root


def victim(project: Path) -> dict[str, bytes]:
    folder = project.parent / "victim"
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def translate(runner, *args):
    return runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out", *args])


def edit_record(project: Path, change) -> None:
    path = project / RECORD
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def one_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def changed_source(project: Path) -> None:
    (project / "src/a.md").write_text(ARTICLE + "\nA new paragraph.\n")


# --- writes and deletions outside the output folder -----------------------------------------------


@pytest.mark.parametrize("article", ["../victim/pwned.md", "/tmp/pwned-by-a-record.md", "../../victim/keep.txt"])
def test_a_record_naming_an_article_outside_is_damaged(project, runner, article):
    before = victim(project)
    edit_record(project, lambda d: d.update(article=article))
    changed_source(project)
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED
    line = one_line(result)
    assert RECORD in line and ("climbs out" in line or "absolute" in line)
    assert victim(project) == before and not Path("/tmp/pwned-by-a-record.md").exists()
    assert "1 articles" in result.stdout or "2 articles" in result.stdout  # the other article is written


def test_a_pending_record_listing_a_victims_hash_overwrites_nothing(project, runner):
    before = victim(project)
    keep = project.parent / "victim/keep.txt"
    pending = project / (RECORD + ".new")
    data = json.loads((project / RECORD).read_text())
    data["outputs"] = {"../victim/keep.txt": file_sha256(keep.read_bytes())}
    data["article"] = "../victim/keep.txt"
    pending.write_text(json.dumps(data))
    changed_source(project)
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED and str(pending.relative_to(project)) in one_line(result)
    assert victim(project) == before


@pytest.mark.parametrize("line", ["0000  ../victim/keep.txt", "{}  /etc/hostname", "{}  ../victim/keep.txt"])
def test_prune_never_deletes_what_a_sidecar_names_outside(project, runner, line):
    keep = project.parent / "victim/keep.txt"
    sums = project / SUMS
    sums.write_text(sums.read_text() + line.format(file_sha256(keep.read_bytes())) + "\n")
    (project / "src/a.md").unlink()  # the article is an orphan: prune would delete its outputs
    before = victim(project)
    result = runner.invoke(main, ["prune", "src", "--out", "out"])
    assert victim(project) == before and Path("/etc/hostname").exists()
    assert SUMS in result.stderr and result.exit_code != 0


def test_a_ghost_record_listing_a_live_articles_outputs_deletes_none_of_them(project, runner):
    ghost = project / "out/records/uk/ghost.md.json"
    data = json.loads((project / "out/records/uk/b.md.json").read_text())
    data["source"] = "ghost.md"
    ghost.write_text(json.dumps(data))
    (project / "out/records/uk/ghost.md.outputs").write_text((project / "out/records/uk/b.md.outputs").read_text())
    result = runner.invoke(main, ["prune", "src", "--out", "out"])
    assert (project / "out/uk/b.md").is_file() and (project / "out/records/uk/b.md.json").is_file()
    assert "is also the output of b.md" in result.stderr and not ghost.exists()


def test_prune_keeps_a_hand_edited_translation_and_says_so(project, runner):
    article = project / "out/uk/a.md"
    article.write_text(article.read_text() + "\nAn editor's own note.\n")
    (project / "src/a.md").unlink()
    result = runner.invoke(main, ["prune", "src", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert article.is_file() and "out/uk/a.md: changed since the pipeline wrote it" in result.stderr


@pytest.mark.parametrize("field", ["source", "root"])
def test_a_record_whose_source_climbs_out_is_damaged_for_export_and_review(project, runner, field):
    value = "../../victim/secret.md" if field == "source" else "../../victim"
    edit_record(project, lambda d: d.update({field: value}))
    if field == "root":
        (project / "out/records/sources.txt").write_text("../src\n../../victim\n")
    result = runner.invoke(main, ["export", "src", "--out", "out", "--format", "xliff"])
    exchange = project / "out/exchange"
    assert not any("secret" in p.name for p in exchange.rglob("*")) if exchange.exists() else True
    assert not any(p.suffix == ".xlf" for p in (project.parent / "victim").rglob("*"))
    assert result.exit_code == ExitStatus.FILES_FAILED and RECORD in result.stderr
    from pipeline.core.config import load
    from pipeline.review.project import Project
    from pipeline.workspace import Workspace

    review = Project(Workspace.open(load(), project / "out"))
    rows, _ = review.rows()
    assert all("secret" not in r.rel for r in rows)


@pytest.mark.parametrize("link", ["out/records", "out/records/uk", "out/exchange", "out/uk", "out/bilingual"])
def test_symbolic_links_planted_in_the_output_folder_are_never_written_through(project, runner, link):
    target = project.parent / "victim"
    planted = project / link
    if planted.exists():
        import shutil

        shutil.rmtree(planted)
    planted.symlink_to(target, target_is_directory=True)
    before = victim(project)
    changed_source(project)
    translate(runner)
    runner.invoke(main, ["export", "src", "--out", "out"])
    runner.invoke(main, ["prune", "src", "--out", "out"])
    assert victim(project) == before


def test_a_source_swapped_for_a_link_during_a_run_is_not_followed(project, runner, monkeypatch):
    from pipeline.commands import plan

    monkeypatch.setattr(plan, "HOLD_BYTES", 0)  # the window reads the source again: the race window
    source = project / "src/b.md"
    secret = project.parent / "victim/secret.md"
    from pipeline.commands import run

    original = run._Run._prepare  # where a window reads its articles

    def swap(self, window):
        source.unlink()
        source.symlink_to(secret)
        return original(self, window)

    monkeypatch.setattr(run._Run, "_prepare", swap)
    (project / "src/b.md").write_text("# Other\n\nSomething new happened today.\n")
    result = translate(runner)
    assert "secret" not in (project / "out/uk/b.md").read_text()
    assert result.exit_code == ExitStatus.FILES_FAILED and "src/b.md" in result.stderr


def test_a_source_folder_swapped_for_a_link_while_it_is_walked_costs_its_files_only(project, runner, monkeypatch):
    """The walk has listed src/many; before it enters, src/many becomes a link to the victim."""
    from pipeline.core import paths

    many = project / "src/many"
    many.mkdir()
    (many / "n1.md").write_text("# One\n\nA sentence of its own.\n")
    walk = os.walk

    def swapping(top, **kw):
        for folder, dirs, files in walk(top, **kw):
            if Path(os.path.abspath(folder)) == many and not many.is_symlink():
                (many / "n1.md").unlink()
                many.rmdir()
                many.symlink_to(project.parent / "victim")
                files = ["secret.md"]
            yield folder, dirs, files

    monkeypatch.setattr(paths.os, "walk", swapping)
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    assert "src/many/secret.md: its folder leads outside the source folder" in result.stderr
    assert not (project / "out/uk/many").exists() and (project / "out/uk/a.md").exists()


# --- unbounded reads, hangs, exit 70 -------------------------------------------------------------------


def _sparse(path: Path, size: int = 1_300_000_000) -> None:
    path.unlink(missing_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)


@pytest.mark.parametrize("name", [RECORD, SUMS, "out/records/sources.txt"])
def test_a_huge_sparse_file_in_the_records_is_one_line_not_a_memory_error(project, runner, name):
    _sparse(project / name)
    result = runner.invoke(main, ["check", "src", "--out", "out"])
    assert result.exit_code in (ExitStatus.NOT_FRESH, ExitStatus.FILES_FAILED), result.output
    assert "Traceback" not in result.output and "MemoryError" not in result.output
    if name != "out/records/sources.txt":
        assert "too large" in result.output


@pytest.mark.parametrize("name", [RECORD, SUMS, "out/records/sources.txt", RECORD + ".new"])
def test_a_fifo_or_dev_zero_in_the_records_never_hangs(project, name):
    path = project / name
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    fifo = subprocess.run(
        [sys.executable, "-m", "pipeline", "check", "src", "--out", "out"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert fifo.returncode in (ExitStatus.NOT_FRESH, 0) and "Traceback" not in fifo.stderr
    path.unlink()
    path.symlink_to("/dev/zero")
    zero = subprocess.run(
        [sys.executable, "-m", "pipeline", "check", "src", "--out", "out"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert zero.returncode != ExitStatus.INTERNAL and "Traceback" not in zero.stderr


def test_json_nested_200000_deep_in_a_record_is_damaged_not_a_recursion_error(project, runner):
    (project / RECORD).write_text('{"record": ' + "[" * 200_000 + "]" * 200_000 + "}")
    result = runner.invoke(main, ["check", "src", "--out", "out"])
    assert result.exit_code == ExitStatus.NOT_FRESH and "damaged" in result.stdout and "nested deeper" in result.stdout
    changed_source(project)
    assert "nested deeper" in one_line(translate(runner))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(blocks="not a list"),
        lambda d: d.update(models=[{"engine": 5}]),
        lambda d: d["blocks"][0][1].append({"h": 7, "o": "human", "t": ["x"]}),
        lambda d: d.update(target_lang="de"),
        lambda d: d.update(source="b.md"),
        lambda d: d["blocks"][0][1][0].update(t="\ud800"),  # a lone surrogate: no file can hold it
        lambda d: d.update(source_lang="en<x1/>"),
        lambda d: d["blocks"][0].__setitem__(0, "b91291\u0015"),  # a control character in a hash
        lambda d: d.update(source_sha256="../../src"),
        lambda d: d["blocks"][0][1][0].update(o=["human"]),
        lambda d: d.update(fingerprint={"a": 1}),
    ],
)
def test_a_record_of_the_wrong_shape_is_damaged_and_costs_its_article(project, runner, change):
    edit_record(project, change)
    changed_source(project)
    (project / "src/b.md").write_text("# Other\n\nSomething different happened today.\n")
    result = translate(runner)
    assert result.exit_code == ExitStatus.FILES_FAILED and RECORD in one_line(result)
    assert "different" in (project / "out/uk/b.md").read_text()


@pytest.mark.parametrize(
    "counts", ['"flagged": {"glossary": Infinity}', '"flagged": {"glossary": true}', '"needs_review": -1', '"unreviewed": NaN']
)
def test_a_pending_record_of_impossible_counts_is_damaged_never_exit_70(project, runner, counts):
    record = json.loads((project / RECORD).read_text())
    record.update(outputs={}, flagged={}, needs_review=0, unreviewed=0)
    text = json.dumps(record)
    key = counts.split(":")[0]
    text = text.replace(key + ": " + ("{}" if "flagged" in key else "0"), counts)
    (project / (RECORD + ".new")).write_text(text)
    for command in (["check", "src", "--out", "out"], ["translate", "src", "--to", "uk", "--out", "out"], ["prune", "src", "--out", "out"]):
        result = runner.invoke(main, command)
        assert result.exit_code in (ExitStatus.FILES_FAILED, ExitStatus.NOT_FRESH), result.output
        assert RECORD + ".new" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", [".", "uk/" + "x" * 300 + ".md", "uk/a\\nb.md"])
def test_a_sidecar_naming_an_output_no_file_can_be_is_one_line(project, runner, name):
    """'.', a name longer than a file system allows, a name with a newline (escaped as sha256sum does)."""
    sums = project / SUMS
    line = ("\\" if "\\" in name else "") + "0" * 64 + "  " + name
    sums.write_text(line + "\n" + sums.read_text())
    result = runner.invoke(main, ["check", "src", "--out", "out"])
    assert result.exit_code == ExitStatus.NOT_FRESH and "Traceback" not in result.output
    (line,) = [x for x in result.stdout.splitlines() if "src/a.md" in x]
    assert line.startswith(("damaged", "modified")) and "outputs" in line or "is gone" in line


def test_a_record_is_never_read_through_a_planted_link(project, runner):
    record = project / RECORD
    record.unlink()
    record.symlink_to(project.parent / "victim/keep.txt")
    result = runner.invoke(main, ["check", "src", "--out", "out", "--json"])
    (item,) = [t for t in json.loads(result.stdout)["translations"] if t["source"].endswith("a.md")]
    assert item["status"] == "damaged" and "symbolic link" in item["detail"]


def test_check_and_translate_finish_quickly_on_every_hostile_record(project, runner):
    """A time bound on all of the above at once: nothing in the records can make a run crawl."""
    for name in (RECORD, SUMS):
        _sparse(project / name, 200_000_000)
    started = time.monotonic()
    thread = threading.Thread(target=lambda: runner.invoke(main, ["check", "src", "--out", "out"]))
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and time.monotonic() - started < 60


@pytest.mark.parametrize("name", ["tab\tcr\r.md", "ff\x0cvt\x0b.md", "n" * 235 + ".md", "ж" * 120 + ".md"])
def test_an_article_of_any_name_a_file_system_allows_is_translated_checked_and_pruned(project, runner, name):
    """Names str.splitlines would cut (CR, form feed, vertical tab) and names of 239-243 bytes,
    whose temporary files would not fit 255 bytes without being cut."""
    (project / "src" / name).write_text("# Named\n\nAn article with an odd name.\n")
    assert translate(runner).exit_code == ExitStatus.OK
    result = runner.invoke(main, ["check", "src", "--out", "out", "--json"])
    states = {t["source"]: t["status"] for t in json.loads(result.stdout)["translations"]}
    assert states[shown(f"src/{name}")] == "pseudo" and "damaged" not in states.values(), result.output
    assert runner.invoke(main, ["export", "src", "--out", "out"]).exit_code == ExitStatus.OK
    (project / "src" / name).unlink()
    pruned = runner.invoke(main, ["prune", "src", "--out", "out"])
    assert pruned.exit_code == ExitStatus.OK, pruned.output
    assert not (project / "out/uk" / name).exists()


@pytest.mark.parametrize(
    "line, said",
    [
        (b"\xff\xfe src", "out/records/sources.txt: not UTF-8"),
        (b"records", "'records' is not a source folder inside the project"),
        (b"records/uk", "'records/uk' is not a source folder inside the project"),
        (b"../" + b"a" * 900_000, "is not a source folder inside the project"),
    ],
)
def test_a_sources_txt_line_that_names_no_source_folder_is_one_short_line(project, runner, line, said):
    sources = project / "out/records/sources.txt"
    sources.write_bytes(line + b"\n")
    result = runner.invoke(main, ["check", "--out", "out"])
    assert result.exit_code == ExitStatus.NOT_FRESH and said in result.stderr, result.output
    assert all(len(x) < 400 for x in result.output.splitlines())
    assert "Traceback" not in result.output


@pytest.mark.parametrize("document", ["uk/a\nb.md", "a\x00.md", "a\ud800.md", "../victim/keep.txt", "/etc/hostname"])
def test_an_editors_file_naming_no_article_of_the_output_folder_is_one_line(project, runner, document):
    """The article an exchange file names comes from the editor's file (here a bilingual JSON)."""
    exported = runner.invoke(main, ["export", "src", "--out", "out", "--format", "xliff", "--json"])
    assert exported.exit_code == ExitStatus.OK, exported.output
    bilingual = json.loads((project / "out/bilingual/a.en-uk.json").read_text())
    bilingual["source_path"] = document
    hostile = project / "hostile.json"
    hostile.write_text(json.dumps(bilingual))
    before = victim(project)
    result = runner.invoke(main, ["import", str(hostile), "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("pipeline: error: ") and "hostile.json" in line
    assert victim(project) == before


def test_an_editors_unit_id_with_a_newline_is_refused_on_one_line(project, runner):
    bilingual = json.loads((project / "out/bilingual/a.en-uk.json").read_text())
    sentence = next(s for b in bilingual["blocks"] for s in b["sentences"] if s["origin"] != "kept")
    sentence["id"] += "\n : forged"
    sentence["target"] = "Змінений текст."
    hostile = project / "hostile.json"
    hostile.write_text(json.dumps(bilingual))
    result = runner.invoke(main, ["import", str(hostile), "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    assert all(line.startswith("pipeline: error: ") for line in result.stderr.splitlines()), result.stderr
    assert "forged" in result.stderr
