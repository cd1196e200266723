"""RecordStore, directly: what it reads back from an output folder that pull requests change, and
what it refuses (one line naming the file, costing that article only)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from pipeline.core.hashes import file_sha256
from pipeline.core.identity import HUMAN
from pipeline.store import records
from pipeline.store.layout import Layout
from pipeline.store.store import RecordStore
from tests.helpers import KURSK, pseudo_project

OTHER = "# Other\n\nAnother article. It has two sentences.\n"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    pseudo_project(tmp_path, {"kursk.md": KURSK, "news/other.md": OTHER})
    return tmp_path


def store(project: Path) -> RecordStore:
    return RecordStore(project / "translations", [project])


def record_file(project: Path, rel: str = "kursk.md") -> Path:
    return Layout(project / "translations").record("uk", rel)


def test_an_articles_record_is_what_was_translated(project):
    stored = store(project).stored("uk", "kursk.md")
    assert stored.damaged == "" and stored.pending is None
    record = stored.record
    assert (record.rel, record.root, record.source_lang, record.target_lang) == ("kursk.md", "../articles", "en", "uk")
    assert record.source_sha256 == file_sha256((project / "articles" / "kursk.md").read_bytes())
    assert [s.target for s in record.sentences()] == [
        "⟦uk⟧ Kursk",
        "⟦uk⟧ What is known",
        "⟦uk⟧ The offensive began.",
        "⟦uk⟧ Forces advanced.",
    ]
    assert store(project).source_of(record) == project / "articles" / "kursk.md"
    assert store(project).outputs_problem(record) == ""


def test_an_article_never_translated_has_no_record(project):
    assert store(project).stored("uk", "never.md").latest is None
    assert store(project).stored("de", "kursk.md").latest is None


def test_every_record_the_roots_and_who_owns_an_output(project):
    s = store(project)
    assert [(t, f.name, r.rel, d) for t, f, r, d in s.records()] == [
        ("uk", "kursk.md.json", "kursk.md", ""),
        ("uk", "other.md.json", "news/other.md", ""),
    ]
    assert s.roots() == ["../articles"] and s.root_paths() == [project / "articles"]
    assert s.owner("uk/news/other.md") == ("uk", "news/other.md")
    assert s.owner("bilingual/kursk.en-uk.json") == ("uk", "kursk.md")
    assert s.owner("uk/nobody.md") is None


def test_a_damaged_record_is_one_line_and_costs_only_its_article(project):
    file = record_file(project)
    file.write_text(file.read_text(encoding="utf-8")[:100], encoding="utf-8")  # cut short
    s = store(project)
    stored = s.stored("uk", "kursk.md")
    assert stored.latest is None
    assert stored.damaged.startswith(f"{file}: ") and "\n" not in stored.damaged
    found = {r.rel if r else None: d for _, _, r, d in s.records()}
    assert found["news/other.md"] == "" and found[None] == stored.damaged
    assert s.stored("uk", "news/other.md").record is not None


def test_a_pending_record_is_the_latest(project):
    file = record_file(project)
    record = store(project).stored("uk", "kursk.md").record
    (h, (first, *rest)), *blocks = record.blocks
    corrected = dataclasses.replace(first, origin=HUMAN, target="Курськ", model=None)  # an import's, durable before the outputs
    pending = dataclasses.replace(record, blocks=((h, (corrected, *rest)), *blocks), outputs=(("uk/kursk.md", "1" * 64),))
    Layout.pending(file).write_text(records.dump(pending, inline=True), encoding="utf-8")
    stored = store(project).stored("uk", "kursk.md")
    assert stored.record is not None and stored.pending is not None
    assert stored.latest is stored.pending and next(stored.latest.sentences()).target == "Курськ"
    assert next(stored.record.sentences()).target == "⟦uk⟧ Kursk"
    # both states' outputs are the pipeline's: an interrupted write is recognised, not taken for an edit
    assert stored.ours()["uk/kursk.md"] == {"1" * 64, dict(record.outputs)["uk/kursk.md"]}


def _edit(file: Path, **changes) -> None:
    data = json.loads(file.read_text(encoding="utf-8"))
    data.update(changes)
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_record_naming_a_source_folder_outside_the_project_is_damaged(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("victim")
    (elsewhere / "kursk.md").write_text(KURSK, encoding="utf-8")
    _edit(record_file(project), root=os.path.relpath(elsewhere, project / "translations"))
    stored = store(project).stored("uk", "kursk.md")
    assert stored.latest is None
    assert (
        stored.damaged
        == f"{record_file(project)}: its source folder {os.path.relpath(elsewhere, project / 'translations')!r} is outside the project"
    )


def test_a_record_whose_outputs_lead_out_of_the_output_folder_says_so(project):
    record = store(project).stored("uk", "kursk.md").record
    outside = record.__class__(**{**record.__dict__, "outputs": (("../articles/kursk.md", "0" * 64),)})
    assert store(project).outputs_problem(outside) == "../articles/kursk.md: '../articles/kursk.md' climbs out of its folder"


def test_a_record_at_another_articles_place_is_damaged(project):
    other = record_file(project, "news/other.md")
    record_file(project).write_bytes(other.read_bytes())
    assert "names the article 'news/other.md', not 'kursk.md' whose place it holds" in store(project).stored("uk", "kursk.md").damaged


def test_records_behind_a_symbolic_link_are_not_read(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("planted")
    folder = project / "translations" / "records" / "uk" / "news"
    os.rename(folder, elsewhere / "news")
    folder.symlink_to(elsewhere / "news")
    stored = store(project).stored("uk", "news/other.md")
    assert stored.latest is None and "records/uk/news is a symbolic link" in stored.damaged
    assert [r.rel for _, _, r, _ in store(project).records() if r] == ["kursk.md"]  # the walk never enters it


def test_outputs_changed_or_gone_since_they_were_written(project):
    s = store(project)
    record = s.stored("uk", "kursk.md").record
    (project / "translations" / "uk" / "kursk.md").write_text("edited by hand\n", encoding="utf-8")
    assert s.outputs_problem(record) == "uk/kursk.md: was changed since the pipeline wrote it"
    (project / "translations" / "uk" / "kursk.md").unlink()
    assert s.outputs_problem(record) == "uk/kursk.md: is gone"


def test_a_source_folder_line_outside_the_project_is_ignored_and_named(project):
    sources = project / "translations" / "records" / "sources.txt"
    sources.write_text("../articles\n../../../etc\n<<<<<<< HEAD\n", encoding="utf-8")
    s = store(project)
    assert s.roots() == ["../articles"]
    assert s.problems == [f"{sources}: line 2: '../../../etc' is not a source folder inside the project; ignored"]
