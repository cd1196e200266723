"""Editors' round trip: export, edit, import, and the refusals that keep the memory clean."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from pipeline import formats
from pipeline.cli import main
from pipeline.commands.exchange import editor_text
from pipeline.core.errors import ExitStatus
from tests.test_run import ARTICLE

EDITED = "Наступ почався в четвер."
SOURCE = "The offensive began on Thursday."


@pytest.fixture
def project(installed, tmp_path, runner):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kursk.md").write_text(ARTICLE)
    assert runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"]).exit_code == 0
    return tmp_path


def export(runner, kind):
    result = runner.invoke(main, ["export", "articles", "--out", "out", "--format", kind])
    assert result.exit_code == 0, result.output
    (path,) = [p for p in result.stdout.split() if p]
    return result, __import__("pathlib").Path(path)


def edit(path, kind, change):
    exchange = formats.read(path.read_bytes(), kind)
    units = tuple(change(u) for u in exchange.units)
    path.write_bytes(formats.write(formats.Exchange(exchange.document, exchange.source_lang, exchange.target_lang, units), kind))


def human_rows(project):
    return (
        sqlite3.connect(project / ".pipeline/memory.sqlite")
        .execute("SELECT source_display, target_text FROM translations WHERE origin='human'")
        .fetchall()
    )


@pytest.mark.parametrize("kind", ["xliff", "tmx", "po"])
def test_export_edit_import_round_trip(project, runner, kind):
    _, path = export(runner, kind)
    assert path.name == f"kursk.en-uk{formats.SUFFIXES[kind]}"
    exchange = formats.read(path.read_bytes(), kind)
    assert (exchange.document, exchange.source_lang, exchange.target_lang) == ("kursk.md", "en", "uk")
    assert [u.source for u in exchange.units][:3] == ["Kursk operation", "What is known", SOURCE]
    edit(path, kind, lambda u: dataclasses.replace(u, target=EDITED) if u.source == SOURCE else u)
    result = runner.invoke(main, ["import", str(path), "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "1 corrected, 0 approved, 0 conflicts, 0 refused" in result.stdout
    assert EDITED in (project / "out/uk/kursk.md").read_text()
    assert human_rows(project) == [(SOURCE, EDITED)]
    data = json.loads((project / "out/bilingual/kursk.en-uk.json").read_text())
    (sentence,) = [s for b in data["blocks"] for s in b["sentences"] if s["source"] == SOURCE]
    assert (sentence["target"], sentence["origin"]) == (EDITED, "human")
    # later runs keep the editor's text, and re-export marks it reviewed
    assert runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"]).exit_code == 0
    assert EDITED in (project / "out/uk/kursk.md").read_text()
    _, again = export(runner, kind)
    (unit,) = [u for u in formats.read(again.read_bytes(), kind).units if u.source == SOURCE]
    assert (unit.target, unit.state) == (EDITED, "reviewed")


def test_the_bilingual_json_can_be_edited_and_imported(project, runner):
    path = project / "out/bilingual/kursk.en-uk.json"
    data = json.loads(path.read_text())
    for block in data["blocks"]:
        for s in block["sentences"]:
            if s["source"] == SOURCE:
                s["target"] = EDITED
    edited = project / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False))
    result = runner.invoke(main, ["import", str(edited), "--out", "out"])
    assert result.exit_code == 0, result.output
    assert EDITED in (project / "out/uk/kursk.md").read_text()


def test_stale_human_edit_is_kept_as_a_suggestion(project, runner):
    _, path = export(runner, "po")
    edit(path, "po", lambda u: dataclasses.replace(u, target=EDITED) if u.source == SOURCE else u)
    runner.invoke(main, ["import", str(path), "--out", "out"])
    article = project / "articles/kursk.md"
    article.write_text(article.read_text().replace(SOURCE, "The offensive began on Friday."))
    runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"])
    data = json.loads((project / "out/bilingual/kursk.en-uk.json").read_text())
    (sentence,) = [s for b in data["blocks"] for s in b["sentences"] if s.get("suggestion")]
    assert sentence["source"] == "The offensive began on Friday." and sentence["flags"] == ["stale-review"]
    assert sentence["suggestion"] == {"source": SOURCE, "target": EDITED}
    assert EDITED not in (project / "out/uk/kursk.md").read_text()
    page = (project / "out/bilingual/kursk.en-uk.html").read_text()
    assert f"editor's earlier version: {EDITED}" in page and "stale-review" in page
    check = runner.invoke(main, ["check", "articles", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "needs-review" in check.stdout


def swap_languages(text):
    return text.replace('trgLang="uk"', 'trgLang="de"')


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="uk"><file id="f"><unit id="u"><segment><source>&lol2;</source></segment></unit></file></xliff>"""


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: swap_languages(data.decode()).encode(), "has no translation into de"),
        (lambda data: data[: len(data) // 2], ""),
        (lambda data: BOMB, "DOCTYPE"),
        (lambda data: data.replace(b'original="kursk.md"', b'original="../../etc/passwd"'), "is not an article path"),
        (lambda data: data.replace(b'original="kursk.md"', b'original="other.md"'), "other.md has no translation into uk"),
    ],
)
def test_foreign_or_broken_files_are_refused_whole(project, runner, damage, reason):
    _, path = export(runner, "xliff")
    edit(path, "xliff", lambda u: dataclasses.replace(u, target="ЗМІНЕНО"))
    path.write_bytes(damage(path.read_bytes()))
    before = (project / "out/uk/kursk.md").read_text()
    result = runner.invoke(main, ["import", str(path), "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"pipeline: error: {path}: ") and reason in line
    assert human_rows(project) == []
    assert (project / "out/uk/kursk.md").read_text() == before


def test_editor_text_folds_the_layout_tools_rewrap():
    # hard line breaks travel as placeholders, so a line break typed by an editor is only layout
    assert editor_text("  Перший   рядок\n  і другий. ") == "Перший рядок і другий."


def test_a_hard_line_break_survives_the_round_trip(installed, tmp_path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "poem.md").write_text("# The poem\n\nThe first line of it\\\nand the second line of it.\n")
    assert runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"]).exit_code == 0
    before = (tmp_path / "out/uk/poem.md").read_text()
    _, path = export(runner, "xliff")
    result = runner.invoke(main, ["import", str(path), "--out", "out"])  # nothing edited
    assert result.exit_code == 0, result.output
    assert human_rows(tmp_path) == [] and (tmp_path / "out/uk/poem.md").read_text() == before
    edit(path, "xliff", lambda u: dataclasses.replace(u, target=u.target.replace("first", "FIRST")))
    assert runner.invoke(main, ["import", str(path), "--out", "out"]).exit_code == 0
    assert "The FIRST line of it\\\nand the second line of it." in (tmp_path / "out/uk/poem.md").read_text()


def test_import_rewrites_with_the_engine_that_translated_the_article(argos_env, tmp_path, runner, monkeypatch):
    # translated with the pseudo engine, no model installed: the import must not ask for one
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kursk.md").write_text(ARTICLE)
    assert runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out", "--engine", "pseudo"]).exit_code == 0
    _, path = export(runner, "po")
    edit(path, "po", lambda u: dataclasses.replace(u, target=EDITED) if u.source == SOURCE else u)
    result = runner.invoke(main, ["import", str(path), "--out", "out"])
    assert result.exit_code == 0, result.output
    article = (tmp_path / "out/uk/kursk.md").read_text()
    assert EDITED in article and "\u27e6uk\u27e7 What is known" in article
