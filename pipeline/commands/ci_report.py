"""`pipeline check`'s report in the forms CI systems read: text, JSON, GitHub workflow annotations,
JUnit XML. Pure functions of freshness Items and the problems met; the CLI only prints them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

from pipeline.commands.freshness import DAMAGED, FRESH, MISSING, MODIFIED, NEEDS_REVIEW, ORPHAN, PSEUDO, STALE, STATUSES, Item
from pipeline.core.errors import InputError
from pipeline.core.paths import shown

FORMATS = ("text", "json", "github", "junit")

# What brings a translation back to fresh, said beside each state in CI
NEXT_STEP = {
    STALE: "run `pipeline translate` to bring it up to date",
    MISSING: "run `pipeline translate` to write it",
    ORPHAN: "run `pipeline prune` to remove it",
    NEEDS_REVIEW: "review it (`pipeline review`, or `pipeline export` and `pipeline import`)",
    PSEUDO: "translate it with a model (`pipeline translate`; pseudo output is never a translation)",
    MODIFIED: "restore the file (`git checkout`) or move the edit away, then run `pipeline translate`",
    DAMAGED: "repair or restore its record (`git checkout`), then run `pipeline translate`",
}
USUAL = STATUSES[:5]  # always in the summary; the other states when there are any


def counts(items: Sequence[Item]) -> dict[str, int]:
    return {s: sum(1 for i in items if i.status == s) for s in STATUSES}


def summary(items: Sequence[Item]) -> str:
    return ", ".join(f"{n} {s}" for s, n in counts(items).items() if s in USUAL or n)


def text(items: Sequence[Item], show_all: bool = False) -> list[str]:
    """One line per translation that is not fresh (every one with show_all), then the summary."""
    lines = []
    for i in items:
        if i.status != FRESH or show_all:
            where = f" -> {shown(i.translation)}" if i.translation else ""
            detail = f": {i.detail}" if i.detail else ""
            lines.append(f"{i.status:<12} {i.target_lang}  {i.source}{where}{detail}")
    return [*lines, summary(items)]


def to_json(items: Sequence[Item], problems: Sequence[InputError], out_dir: Path) -> str:
    report = {
        "output": str(out_dir),
        "summary": counts(items),
        "translations": [
            {
                "source": i.source,
                "target_lang": i.target_lang,
                "status": i.status,
                "translation": i.translation,
                "detail": i.detail,
                "changed_blocks": list(i.changed_blocks),
                "line": i.line or None,
                "unreviewed": i.unreviewed,
                "flagged": i.flagged,
            }
            for i in items
        ],
        "problems": [{"file": p.path, "reason": p.reason} for p in problems],
    }
    return json.dumps(report, ensure_ascii=False, indent=2)


def _message(i: Item, out_dir: Path) -> str:
    where = f" ({_in(out_dir, i.translation)})" if i.translation else ""
    detail = f": {i.detail}" if i.detail else ""
    return f"{i.target_lang} translation{where} is {i.status}{detail}; {NEXT_STEP[i.status]}"


def _in(out_dir: Path, translation: str) -> str:
    return (out_dir / translation).as_posix()


def _relative(path: str, root: Path | None) -> str:
    """A path as GitHub wants it, relative to the workspace, when it is inside it."""
    if root is not None and os.path.isabs(path):
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            return path
    return path


def _escape(value: str, prop: bool = False) -> str:
    """The workflow command escapes (actions/toolkit's escapeData and escapeProperty)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def _annotation(file: str, line: int, title: str, message: str) -> str:
    props = [f"file={_escape(file, True)}"] + ([f"line={line}"] if line else []) + [f"title={_escape(title, True)}"]
    return f"::error {','.join(props)}::{_escape(message)}"


def github(items: Sequence[Item], problems: Sequence[InputError], out_dir: Path, root: Path | None = None) -> list[str]:
    """An error annotation per translation that is not fresh, on the source file and the line of its
    first changed block (an orphan's on its translation, as its source is gone); one per unreadable
    file; then the summary, for the log."""
    lines = []
    for i in items:
        if i.status == FRESH:
            continue
        file = _in(out_dir, i.translation) if i.status == ORPHAN else i.source
        lines.append(_annotation(_relative(file, root), i.line, f"{i.status} translation ({i.target_lang})", _message(i, out_dir)))
    for p in problems:
        lines.append(_annotation(_relative(p.path, root), 0, "unreadable source", str(p)))
    return [*lines, summary(items)]


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(value: str) -> str:
    """Text XML 1.0 can hold: anything else (control characters, lone surrogates) becomes U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def junit(items: Sequence[Item], problems: Sequence[InputError], out_dir: Path) -> str:
    """JUnit XML as GitLab, Jenkins and Azure read it: one test case per translation (per article
    and target language: classname the language, name the source), failed unless fresh; an
    unreadable file is a test case in error."""
    failures = sum(1 for i in items if i.status != FRESH)
    attrs = {"name": "pipeline check", "tests": str(len(items) + len(problems)), "failures": str(failures), "errors": str(len(problems))}
    suites = ElementTree.Element("testsuites", attrs)
    suite = ElementTree.SubElement(suites, "testsuite", {**attrs, "skipped": "0"})
    for i in items:
        case = ElementTree.SubElement(suite, "testcase", {"classname": i.target_lang, "name": _xml(i.source), "file": _xml(i.source)})
        if i.status != FRESH:
            message = _xml(_message(i, out_dir))
            failure = ElementTree.SubElement(case, "failure", {"type": i.status, "message": message})
            failure.text = message
    for p in problems:
        case = ElementTree.SubElement(suite, "testcase", {"classname": "input", "name": _xml(p.path), "file": _xml(p.path)})
        ElementTree.SubElement(case, "error", {"type": "unreadable", "message": _xml(p.reason)}).text = _xml(str(p))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


def render(kind: str, items: Sequence[Item], problems: Sequence[InputError], out_dir: Path, show_all: bool = False, root=None) -> str:
    """The report in one of FORMATS."""
    if kind == "json":
        return to_json(items, problems, out_dir)
    if kind == "junit":
        return junit(items, problems, out_dir)
    if kind == "github":
        return "\n".join(github(items, problems, out_dir, root))
    return "\n".join(text(items, show_all))
