"""check's reports for CI (pipeline/commands/ci_report.py), from freshness Items made by hand."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from pipeline.commands import ci_report
from pipeline.commands.freshness import FRESH, MISSING, NEEDS_REVIEW, ORPHAN, STALE, Item
from pipeline.core.errors import InputError

OUT = Path("translations")
ITEMS = [
    Item("src/a.md", "uk", FRESH, "uk/a.md"),
    Item("src/b.md", "uk", STALE, "uk/b.md", "blocks 3, 5 changed or new", (3, 5), line=12),
    Item("src/c.md", "uk", MISSING, "", "no translation"),
    Item("src/gone.md", "uk", ORPHAN, "uk/gone.md", "its source is gone"),
    Item("src/d.md", "en", NEEDS_REVIEW, "en/d.md", "1 sentence replaced an editor's correction"),
]
PROBLEM = InputError("src/bad.md", "not valid UTF-8 (byte 0xff at offset 0)")


def test_github_annotations_point_at_the_first_changed_line():
    lines = ci_report.github(ITEMS, [PROBLEM], OUT)
    assert lines[0] == (
        "::error file=src/b.md,line=12,title=stale translation (uk)::uk translation (translations/uk/b.md) is stale: "
        "blocks 3, 5 changed or new; run `pipeline translate` to bring it up to date"
    )
    assert lines[1].startswith("::error file=src/c.md,title=missing translation (uk)::uk translation is missing: no translation; run")
    # an orphan's source is gone: the annotation is on the translation that should go
    assert lines[2].startswith("::error file=translations/uk/gone.md,title=orphan translation (uk)::") and "pipeline prune" in lines[2]
    assert lines[3].startswith("::error file=src/d.md,title=needs-review translation (en)::") and "pipeline review" in lines[3]
    assert lines[4] == "::error file=src/bad.md,title=unreadable source::src/bad.md: not valid UTF-8 (byte 0xff at offset 0)"
    assert lines[5] == "1 fresh, 1 stale, 1 missing, 1 orphan, 1 needs-review"
    assert len(lines) == 6  # nothing for the fresh one


def test_github_escapes_what_would_end_or_split_a_command():
    item = Item("src/a,b:c%.md", "uk", STALE, "uk/x.md", "50% done\n::error::injected", line=3)
    (line, _) = ci_report.github([item], [], OUT)
    assert line.startswith("::error file=src/a%2Cb%3Ac%25.md,line=3,title=stale translation (uk)::")
    assert "50%25 done%0A::error::injected" in line and "\n" not in line


def test_github_paths_are_relative_to_the_workspace():
    item = Item("/work/repo/src/b.md", "uk", STALE, "uk/b.md", "changed", (1,), line=1)
    assert ci_report.github([item], [], OUT, Path("/work/repo"))[0].startswith("::error file=src/b.md,line=1,")
    assert ci_report.github([item], [], OUT, Path("/elsewhere"))[0].startswith("::error file=/work/repo/src/b.md,")


def test_junit_has_one_test_case_per_translation_and_fails_all_but_fresh():
    root = ElementTree.fromstring(ci_report.junit(ITEMS, [PROBLEM], OUT))
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "4", "1")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("uk", "src/a.md"),
        ("uk", "src/b.md"),
        ("uk", "src/c.md"),
        ("uk", "src/gone.md"),
        ("en", "src/d.md"),
        ("input", "src/bad.md"),
    ]
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    stale = cases[1].find("failure")
    assert stale.get("type") == "stale" and "blocks 3, 5 changed or new" in stale.get("message")
    assert cases[5].find("error").get("message") == PROBLEM.reason


def test_junit_stays_well_formed_whatever_the_text():
    item = Item("src/\x01<&>\ud800.md", "uk", STALE, "uk/x.md", "]]> \x0b </failure>", line=1)
    root = ElementTree.fromstring(ci_report.junit([item], [], OUT))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "src/\ufffd<&>\ufffd.md"
    assert "]]> \ufffd </failure>" in case.find("failure").text


def test_json_and_text_keep_their_shape():
    data = json.loads(ci_report.to_json(ITEMS, [PROBLEM], OUT))
    assert data["summary"] == {
        "fresh": 1,
        "stale": 1,
        "missing": 1,
        "orphan": 1,
        "needs-review": 1,
        "pseudo": 0,
        "modified": 0,
        "damaged": 0,
    }
    assert data["translations"][1]["line"] == 12 and data["translations"][0]["line"] is None
    assert data["problems"] == [{"file": "src/bad.md", "reason": PROBLEM.reason}]
    text = ci_report.text(ITEMS)
    assert text[0] == "stale        uk  src/b.md -> uk/b.md: blocks 3, 5 changed or new" and len(text) == 5
    assert ci_report.text(ITEMS, show_all=True)[0] == "fresh        uk  src/a.md -> uk/a.md"


def test_the_cli_offers_every_format_without_importing_the_renderers():
    from pipeline.cli import check

    assert check.FORMATS == ci_report.FORMATS
