"""Which translations are fresh, stale, missing, orphaned, waiting for review, pseudo output (never
a translation), modified by hand since they were written, or have a damaged record.

Decided from the content hashes recorded when each article was translated (records.py), never
from file times or git history, so it gives the same answer in a fresh CI clone. It needs no model
and no memory: a source whose hash matches its record is fresh without being parsed (its outputs
are hashed too: an emptied or edited translation is not fresh); only a changed source is parsed,
to say which of its blocks changed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.articles import read
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.errors import InputError
from pipeline.core.hashes import file_sha256
from pipeline.core.identity import HUMAN
from pipeline.engines.registry import is_translation
from pipeline.store import fileio, records
from pipeline.store.layout import Layout
from pipeline.workspace import Workspace

FRESH, STALE, MISSING, ORPHAN, NEEDS_REVIEW = "fresh", "stale", "missing", "orphan", "needs-review"
PSEUDO, MODIFIED, DAMAGED = "pseudo", "modified", "damaged"
STATUSES = (FRESH, STALE, MISSING, ORPHAN, NEEDS_REVIEW, PSEUDO, MODIFIED, DAMAGED)


@dataclass(frozen=True)
class Item:
    source: str  # the source article as the user named it
    target_lang: str
    status: str
    translation: str = ""  # the translated article, relative to the output folder
    detail: str = ""
    changed_blocks: tuple[int, ...] = ()  # 1-based numbers of the source's blocks that changed or are new
    files: tuple[
        tuple[Path, str], ...
    ] = ()  # orphans: the outputs and records to remove, each with the hash that proves it ours ("" for the record's own files)
    rel: str = ""  # the article's path inside its source folder (its identity)
    unreviewed: int = 0  # sentences of the translation no editor has corrected or approved (origin machine)
    flagged: int = 0  # sentences with a problem flag nobody acknowledged, as the run counted them (flags.counting)
    line: int = 0  # stale: the source's line (1-based) where the first changed block starts; 0 when none


def check(ws: Workspace, inputs: Sequence[str] | None = None, target: str | None = None) -> tuple[list[Item], list[InputError]]:
    """Every translation of the sources (default: those named when the workspace was opened, else the
    recorded source folders) and its state, and the files that could not be read."""
    config = ws.config
    sources, problems = ws.sources(inputs)
    items: list[Item] = []
    matched: set[Path] = set()
    for source in sources:
        found: dict[str, records.Record] = {}
        for t in config.languages:
            stored = ws.store.stored(t, source.rel, head_only=True)
            record = stored.latest
            if stored.damaged:
                matched.add(ws.store.layout.record(t, source.rel))
                items.append(Item(source.shown, t, DAMAGED, "", stored.damaged, rel=source.rel))  # the line names the file
            elif record is not None and record.root == paths.relative_root(source.root, ws.out):
                found[t] = record
                matched.add(ws.store.layout.record(t, source.rel))
        try:
            lang = next(iter(found.values())).source_lang if found else _language(source, config)
        except read.NoProse:
            continue  # nothing to translate in it (translate skips it too)
        except InputError as e:
            problems.append(e)
            continue
        targets = [target] if target else [t for t in config.languages if t != lang]
        for t in targets:
            if t == lang or any(i.status == DAMAGED and i.target_lang == t and i.rel == source.rel for i in items):
                continue
            item = _status(ws, source, t, found.get(t))
            record = found.get(t) if item.status != MISSING else None
            flagged = dict(record.flagged).get("", 0) if record else 0
            items.append(replace(item, rel=source.rel, unreviewed=record.unreviewed if record else 0, flagged=flagged))
    items.extend(_orphans(ws, [paths.real(i) for i in (inputs or ws.named or ws.recorded())], matched, target))
    items.sort(key=lambda i: (i.source, i.target_lang))
    return items, problems


def _orphans(ws: Workspace, named: Sequence[Path], matched: set[Path], target: str | None) -> list[Item]:
    """Records under the named folders (or of the named files) whose source is gone."""
    found = []
    for lang, file, record, damaged in ws.store.records():
        if file in matched or target not in (None, lang):
            continue
        if record is None:
            found.append(Item(shown_file(file), lang, DAMAGED, "", damaged))
            continue
        if record.legacy:
            continue
        source = ws.store.source_of(record)
        if source is None or source.exists() or not any(source == n or source.is_relative_to(n) for n in named):
            continue
        files = tuple((ws.out / p, h) for p, h in record.outputs) + tuple((f, "") for f in (file, Layout.pending(file), Layout.sums(file)))
        found.append(Item(shown_source(ws, record), lang, ORPHAN, record.article, "its source is gone", files=files, rel=record.rel))
    return found


def prune(ws: Workspace, items: Sequence[Item], dry_run: bool = False) -> tuple[list[Path], list[str]]:
    """Remove the outputs and records of orphaned translations: the files that were (or would be)
    removed, and one line for each file kept. An output is removed only when the record proves the
    pipeline wrote it (its hash), and no other record lists it; a hand-edited one is kept."""
    orphans = [item for item in items if item.status == ORPHAN]
    gone = {f for item in orphans for f, h in item.files if not h}
    live: dict[str, str] = {}  # output -> the article of another record that lists it
    for _, file, record, _ in ws.store.records():
        if record is not None and file not in gone:
            live.update({p: record.rel for p, _ in record.outputs})
    writer = ws.writer()
    removed: list[Path] = []
    kept: list[str] = []
    for item in orphans:
        for path, digest in item.files:
            rel = ws.store.layout.rel(path)
            if not os.path.lexists(path):
                continue
            if digest:
                why = f"is also the output of {live[rel]}" if rel in live else _not_ours(ws, path, rel, digest)
                if why:
                    kept.append(f"{path}: {why}; kept")
                    continue
            removed.append(path)
            if not dry_run:
                writer.remove(path)
    return removed, kept


def _not_ours(ws: Workspace, path: Path, rel: str, digest: str) -> str:
    """Why an orphan's output may not be deleted, or ""."""
    try:
        ws.store.layout.inside(rel)
        data = fileio.read_bytes(path, rel, records.MAX_RECORD_BYTES, "", follow=False)
    except (ValueError, InputError) as e:
        return str(e)
    if file_sha256(data) != digest:
        return "changed since the pipeline wrote it (or not written by it)"
    return ""


def shown_file(file: Path) -> str:
    try:
        return paths.shown(os.path.relpath(file))
    except ValueError:
        return paths.shown(str(file))


def shown_source(ws: Workspace, record: records.Record) -> str:
    """A record's source as a path from the working directory."""
    source = ws.store.source_of(record) or Path(os.path.normpath(paths.real(ws.out) / record.root / record.rel))
    try:
        return paths.shown(os.path.relpath(source))
    except ValueError:
        return paths.shown(str(source))


def _language(source: paths.Source, config: Config) -> str:
    return read.load(source.path, source.shown, config, data=read.read_source(source, config.max_file_bytes)).source_lang


def _status(ws: Workspace, source: paths.Source, target: str, record: records.Record | None) -> Item:
    if record is None:
        return Item(source.shown, target, MISSING, "", "no translation")
    article = ws.out / record.article
    if not os.path.lexists(article):
        return Item(source.shown, target, MISSING, record.article, "the translated article is gone")
    try:
        data = read.read_source(source, ws.config.max_file_bytes)
    except InputError as e:
        return Item(source.shown, target, STALE, record.article, f"cannot read the source: {e.reason}")
    if file_sha256(data) != record.source_sha256:
        return _stale(ws, source, target, record, data)
    problem = ws.store.outputs_problem(record)
    if problem:
        hint = "restore it (git checkout) or move it away and run `pipeline translate`"
        return Item(source.shown, target, MODIFIED, record.article, f"{problem}; {hint}")
    if record.needs_review:
        n = record.needs_review
        return Item(source.shown, target, NEEDS_REVIEW, record.article, f"{n} sentence{'s' * (n != 1)} replaced an editor's correction")
    if not is_translation(record.model.engine) and record.unreviewed:
        return Item(
            source.shown,
            target,
            PSEUDO,
            record.article,
            f"{record.model.engine} output, not a translation; run `pipeline translate` with a model",
        )
    return Item(source.shown, target, FRESH, record.article)


def _stale(ws: Workspace, source: paths.Source, target: str, record: records.Record, data: bytes) -> Item:
    if record.head_only:  # which blocks changed needs its sentences
        record = ws.store.stored(target, record.rel).latest or record
    try:
        doc = read.load(source.path, source.shown, ws.config, record.source_lang, record.source_lang, data)
    except InputError as e:
        return Item(source.shown, target, STALE, record.article, f"changed, and now unreadable: {e.reason}")
    old = [h for h, _ in record.blocks]
    new = [records.block_hash(doc, b) for b in doc.blocks]
    changed: list[int] = []
    removed = 0
    human = 0
    for tag, i1, i2, j1, j2 in records.block_opcodes(old, new):
        if tag == "equal":
            continue
        changed.extend(range(j1 + 1, j2 + 1))
        removed += max(0, (i2 - i1) - (j2 - j1))
        human += sum(1 for _, ss in record.blocks[i1:i2] for s in ss if s.origin == HUMAN or s.review_of)
    parts = []
    if changed:
        parts.append(f"block{'s' * (len(changed) != 1)} {_ranges(changed)} changed or new")
    if removed:
        parts.append(f"{removed} removed")
    if not parts:
        parts.append("changed outside the translated blocks")
    if human:
        parts.append(f"{human} corrected by an editor")
    line = doc.text.count("\n", 0, doc.blocks[changed[0] - 1].start) + 1 if changed else 0
    return Item(source.shown, target, STALE, record.article, "; ".join(parts), tuple(changed), line=line)


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)
