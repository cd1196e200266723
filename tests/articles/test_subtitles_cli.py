"""Subtitles through the command line, as a user runs them: every Markdown guarantee holds for a
.srt and a .vtt (records and `check`, re-runs, export/import with the cues' styling as codes, the
review app, --dry-run, language identification, numbers in the target's locale, --strict on
reading-speed, the `subtitles:` settings), with the pseudo engine and the genuine tiny Argos
package."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from pipeline import formats
from pipeline.articles.subtitle_cues import SRT, VTT, read
from pipeline.cli import main
from pipeline.core.config import load as load_config
from pipeline.core.errors import ExitStatus
from pipeline.review import app as review_app
from pipeline.review.project import Project
from pipeline.workspace import Workspace
from tests.articles.test_contract import MARK
from tests.articles.test_subtitles import outside_text, texts
from tests.helpers import check_states

CLIP = """1
00:00:01,000 --> 00:00:04,000
President Zelensky said that the forces

2
00:00:04,100 --> 00:00:07,500
had <i>quickly</i> advanced 2.5 kilometers in a day.

3
00:00:08,000 --> 00:00:11,000
{\\an8}Russia moved 60,000 troops to the region.

4
00:00:11,200 --> 00:00:12,000
-Is it true?
-It is.
"""

INTERVIEW = """WEBVTT
Kind: captions
Language: en

NOTE recorded on February 6

00:00:01.000 --> 00:00:05.000 align:center line:90%
<v Reporter>What did you see <i>that</i> morning

00:00:05.000 --> 00:00:09.000 align:center line:90%
<v Reporter>when the first shells fell?

00:00:09.500 --> 00:00:14.000
<v Witness>We ran to the shelter with our neighbours.
"""

UKRAINIAN = """1
00:00:01,000 --> 00:00:04,000
Президент Зеленський заявив, що сили

2
00:00:04,100 --> 00:00:08,000
оборони просунулися на 8574 метри.
"""


@pytest.fixture
def videos(argos_env, tmp_path):
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos/clip.srt").write_text(CLIP, encoding="utf-8")
    (tmp_path / "videos/interview.vtt").write_text(INTERVIEW, encoding="utf-8")
    return tmp_path


def translate(runner, *extra: str, code: int = 0):
    result = runner.invoke(main, ["translate", "videos", "--out", "out", *extra])
    assert result.exit_code == code, result.output
    return result


def bilingual(root: Path, stem: str) -> dict:
    return json.loads((root / f"out/bilingual/{stem}.en-uk.json").read_text())


def test_subtitles_keep_their_timings_and_translate_every_cue(videos, runner):
    result = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "2 articles" in result.stdout and "reading-speed" in result.stdout
    clip = (videos / "out/uk/clip.srt").read_text(encoding="utf-8")
    assert outside_text(clip) == outside_text(CLIP)
    cues = texts(clip)
    assert cues[0].startswith(MARK) and not cues[1].startswith(MARK)  # one sentence over two cues: marked once
    assert cues[1] == "had <i>quickly</i> advanced\n2,5 кілометра in a day."  # the number in Ukrainian: 44 characters, two lines
    assert cues[2].startswith("{\\an8}" + MARK) and "60\u00a0000" in cues[2]
    assert cues[3] == f"-{MARK}Is it true?\n-{MARK}It is."
    interview = (videos / "out/uk/interview.vtt").read_text(encoding="utf-8")
    assert outside_text(interview, "vtt") == [line.replace("Language: en", "Language: uk") for line in outside_text(INTERVIEW, "vtt")]
    assert [c.times for c in read(interview, VTT).cues] == [c.times for c in read(INTERVIEW, VTT).cues]
    assert texts(interview, "vtt")[0].startswith(f"<v Reporter>{MARK}What did you see <i>that</i>")
    data = bilingual(videos, "clip")
    schema = resources.files("pipeline.assemble").joinpath("alignment.schema.json").read_text()
    jsonschema.validate(data, json.loads(schema))
    assert [(b["kind"], b["key"]) for b in data["blocks"]][:2] == [("cue", "00:00:01,000"), ("cue", "00:00:08,000")]
    assert (
        data["blocks"][0]["sentences"][0]["source"]
        == "President Zelensky said that the forces had <i>quickly</i> advanced 2.5 kilometers in a day."
    )
    assert any(d.startswith("reading-speed: cue 4 ") for b in data["blocks"] for s in b["sentences"] for d in s.get("details", ()))


def test_check_is_as_recorded_after_a_run_a_second_run_changes_nothing_and_an_edit_makes_it_stale(videos, runner):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    written = {p: p.read_bytes() for p in (videos / "out").rglob("*") if p.is_file() and "records" not in p.parts}
    assert check_states(runner, "videos", "--out", "out") == ["pseudo", "pseudo"]
    again = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "2 unchanged" in again.stdout and "0 translated" in again.stdout
    assert {p: p.read_bytes() for p in written} == written
    (videos / "videos/clip.srt").write_text(
        CLIP.replace("00:00:08,000 --> 00:00:11,000", "00:00:08,000 --> 00:00:10,000"), encoding="utf-8"
    )
    check = runner.invoke(main, ["check", "videos", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "clip.srt" in check.stdout
    third = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "0 translated" in third.stdout and "1 unchanged" in third.stdout  # retimed: written again from the memory
    assert "00:00:08,000 --> 00:00:10,000" in (videos / "out/uk/clip.srt").read_text()
    assert check_states(runner, "videos", "--out", "out") == ["pseudo", "pseudo"]


def test_dry_run_reads_the_subtitles_and_writes_nothing(videos, runner):
    result = runner.invoke(main, ["translate", "videos", "--out", "out", "--to", "uk", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would translate videos/clip.srt into uk" in result.stdout and "videos/interview.vtt" in result.stdout
    assert "nothing was written" in result.stdout and not (videos / "out").exists()


def test_an_editors_correction_comes_back_through_xliff_with_the_cues_own_styling(videos, runner):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    exported = runner.invoke(main, ["export", "videos", "--out", "out", "--format", "xliff"])
    assert exported.exit_code == 0, exported.output
    (path,) = [Path(p) for p in exported.stdout.split() if p.endswith("interview.en-uk.xlf") or "interview" in p]
    exchange = formats.read(path.read_bytes(), "xliff")
    (unit,) = [u for u in exchange.units if u.source.startswith("What did you see")]
    assert unit.source == "What did you see <g1>that</g1> morning when the first shells fell?"
    assert [(c.kind, c.open, c.close) for c in unit.codes] == [("em", "<i>", "</i>")]
    correction = "Що ви бачили <g1>того</g1> ранку, коли впали перші снаряди?"
    units = tuple(dataclasses.replace(u, target=correction) if u.id == unit.id else u for u in exchange.units)
    path.write_bytes(formats.write(formats.Exchange(exchange.document, exchange.source_lang, exchange.target_lang, units), "xliff"))
    imported = runner.invoke(main, ["import", str(path), "--out", "out"])
    assert imported.exit_code == 0, imported.output
    assert "1 corrected" in imported.stdout
    out = (videos / "out/uk/interview.vtt").read_text(encoding="utf-8")
    first, second = texts(out, "vtt")[:2]
    assert first.startswith("<v Reporter>Що ви бачили <i>того</i>") and second.startswith("<v Reporter>")
    assert (first + " " + second).replace("<v Reporter>", "").replace("\n", " ") == correction.replace("<g1>", "<i>").replace(
        "</g1>", "</i>"
    )
    translate(runner, "--engine", "pseudo", "--to", "uk")  # a later run keeps the editor's text
    assert "Що ви бачили" in (videos / "out/uk/interview.vtt").read_text(encoding="utf-8")


def test_the_review_app_shows_each_cue_block_as_text_with_chips(videos, runner, monkeypatch):
    from tests.test_review_app import Editor

    translate(runner, "--engine", "pseudo", "--to", "uk")
    monkeypatch.chdir(videos)
    server = review_app.make(Project(Workspace.open(load_config(), videos / "out"), ["videos"], wait=0.3), "127.0.0.1", 0).start()
    try:
        with Editor(server) as editor:
            rows = editor.rows("clip.srt")
            row = next(r for r in rows.values() if r["source"].startswith("President Zelensky said"))
            chips = json.loads(row["chips"])
            assert [kind for kind, _, _ in chips.values()] == ["em", "em", "quantity"]
            assert [label for _, label, _ in chips.values()] == ["⟨em", "em⟩", "2,5 кілометра"]
            saved = editor.save(row, "Президент Зеленський заявив, що сили <g1>швидко</g1> просунулися на <x2/> за день.", rel="clip.srt")
            assert saved.status_code == 200 and saved.json()["status"] == "saved", saved.text
    finally:
        server.stop()
    cues = texts((videos / "out/uk/clip.srt").read_text(encoding="utf-8"))
    assert (
        " ".join(cues[:2]).replace("\n", " ") == "Президент Зеленський заявив, що сили <i>швидко</i> просунулися на 2,5 кілометра за день."
    )


def test_ukrainian_subtitles_are_identified_and_translated_into_english(argos_env, runner, tmp_path):
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos/news.srt").write_text(UKRAINIAN, encoding="utf-8")
    result = runner.invoke(main, ["translate", "videos", "--out", "out", "--engine", "pseudo"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out/bilingual/news.uk-en.json").read_text())
    assert data["source_lang"] == "uk" and data["target_lang"] == "en"
    out = (tmp_path / "out/en/news.srt").read_text(encoding="utf-8")
    assert "8,574" in out and out.count("⟦en⟧") == 1 and outside_text(out) == outside_text(UKRAINIAN)


def test_strict_fails_on_a_cue_too_fast_to_read_and_the_limits_come_from_the_configuration(videos, runner):
    strict = translate(runner, "--engine", "pseudo", "--to", "uk", "--strict", code=ExitStatus.PROBLEMS)
    assert "reading-speed" in strict.stdout
    (videos / "config.yaml").write_text("subtitles:\n  max_line_chars: 24\n  max_cps: 40\n")
    wider = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "0 translated" in wider.stdout and "2 unchanged" not in wider.stdout  # other layout: written again
    for cue in texts((videos / "out/uk/clip.srt").read_text(encoding="utf-8"))[:2]:
        assert all(len(line) <= 24 for line in cue.replace("<i>", "").replace("</i>", "").split("\n")), cue


def test_the_genuine_tiny_argos_package_translates_subtitles(installed, runner, tmp_path):
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos/clip.srt").write_text(CLIP, encoding="utf-8")
    (tmp_path / "videos/interview.vtt").write_text(INTERVIEW, encoding="utf-8")
    result = runner.invoke(main, ["translate", "videos", "--out", "out", "--to", "uk"])
    assert result.exit_code == 0, result.output
    clip = (tmp_path / "out/uk/clip.srt").read_text(encoding="utf-8")
    assert outside_text(clip) == outside_text(CLIP) and "60\u00a0000" in clip
    assert [c.times for c in read(clip, SRT).cues] == [c.times for c in read(CLIP, SRT).cues]
    assert "Language: uk" in (tmp_path / "out/uk/interview.vtt").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "out/bilingual/clip.en-uk.json").read_text())["engine"] == "argos"
    assert runner.invoke(main, ["check", "videos", "--out", "out"]).exit_code == ExitStatus.OK
