"""Which translations are fresh, stale, missing, orphaned or waiting for review.

Decided from the content hashes recorded when each article was translated (records.py), never
from file times or git history, so it gives the same answer in a fresh CI clone. It needs no model
and no memory: a source whose hash matches its record is fresh without being parsed; only a
changed source is parsed, to say which of its blocks changed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.articles import read
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.errors import InputError, OutputError
from pipeline.core.hashes import file_sha256
from pipeline.store import fileio, records

FRESH, STALE, MISSING, ORPHAN, NEEDS_REVIEW = "fresh", "stale", "missing", "orphan", "needs-review"
STATUSES = (FRESH, STALE, MISSING, ORPHAN, NEEDS_REVIEW)


@dataclass(frozen=True)
class Item:
    source: str  # the source article as the user named it
    target_lang: str
    status: str
    translation: str = ""  # the translated article, relative to the output folder
    detail: str = ""
    changed_blocks: tuple[int, ...] = ()  # 1-based numbers of the source's blocks that changed or are new
    files: tuple[Path, ...] = ()  # orphans: the outputs and the record to remove
    rel: str = ""  # the article's path inside its source folder (its identity)
    unreviewed: int = 0  # sentences of the translation no editor has corrected or approved (origin machine)
    flagged: int = 0  # sentences with a problem flag nobody acknowledged, as the run counted them (flags.counting)
    line: int = 0  # stale: the source's line (1-based) where the first changed block starts; 0 when none


def recorded_sources(out_dir: Path, config: Config) -> list[str]:
    """The source folders config.yaml names and the output folder has recorded (records/sources.txt)
    that exist: what `check`, `prune` and `review` look at when no SOURCES are named. Named from
    the working directory when they are under it, so messages show short paths."""
    roots = paths.known_roots(out_dir, config.source_roots)
    here = Path.cwd()
    return [os.path.relpath(r) if here in r.parents else str(r) for r in dict.fromkeys(roots) if r.is_dir()]


def check(inputs: Sequence[str], out_dir: Path, config: Config, target: str | None = None) -> tuple[list[Item], list[InputError]]:
    roots = paths.known_roots(out_dir, config.source_roots)
    sources, problems = paths.discover(list(inputs), config.include, config.exclude, [out_dir], roots)
    items: list[Item] = []
    matched: set[Path] = set()
    for source in sources:
        found: dict[str, records.Record] = {}
        for t in config.languages:
            file = records.path(out_dir, t, source.rel)
            record = records.stored(out_dir, t, source.rel, head_only=True).latest
            if record is not None and record.root == paths.relative_root(source.root, out_dir):
                found[t] = record
                matched.add(file)
        try:
            lang = next(iter(found.values())).source_lang if found else _language(source, config)
        except read.NoProse:
            continue  # nothing to translate in it (translate skips it too)
        except InputError as e:
            problems.append(e)
            continue
        targets = [target] if target else [t for t in config.languages if t != lang]
        for t in targets:
            if t == lang:
                continue
            item = _status(source, t, found.get(t), out_dir, config)
            record = found.get(t) if item.status != MISSING else None
            flagged = dict(record.flagged).get("", 0) if record else 0
            items.append(replace(item, rel=source.rel, unreviewed=record.unreviewed if record else 0, flagged=flagged))
    items.extend(_orphans(inputs, out_dir, matched, target))
    items.sort(key=lambda i: (i.source, i.target_lang))
    return items, problems


def _orphans(inputs: Sequence[str], out_dir: Path, matched: set[Path], target: str | None) -> list[Item]:
    """Records under the named folders (or of the named files) whose source is gone."""
    named = [paths.real(i) for i in inputs]
    out = paths.real(out_dir)
    found = []
    for lang, file in records.record_files(out_dir):
        if file in matched or not file.name.endswith(".json") or target not in (None, lang):
            continue
        record = records.load(file)
        if record is None or record.legacy:
            continue
        source = Path(os.path.normpath(out / record.root / record.rel))
        if source.exists() or not any(source == n or source.is_relative_to(n) for n in named):
            continue
        files = tuple(out_dir / p for p, _ in record.outputs) + (file, records.pending_path(file), records.sums_path(file))
        found.append(Item(shown_source(out_dir, record), lang, ORPHAN, record.article, "its source is gone", files=files, rel=record.rel))
    return found


def prune(items: Sequence[Item], dry_run: bool = False) -> list[Path]:
    """Remove the outputs and records of orphaned translations; the files that were (or would be) removed."""
    removed = []
    for item in items:
        if item.status != ORPHAN:
            continue
        for file in item.files:
            if file.is_file():
                if not dry_run:
                    try:
                        file.unlink()
                    except OSError as e:  # a read-only folder: status 6, what was removed so far is said
                        raise OutputError(f"{paths.shown(str(file))}: cannot remove it: {e.strerror or e}") from None
                removed.append(file)
    return removed


def shown_source(out_dir: Path, record: records.Record) -> str:
    """A record's source as a path from the working directory."""
    source = Path(os.path.normpath(paths.real(out_dir) / record.root / record.rel))
    try:
        return paths.shown(os.path.relpath(source))
    except ValueError:
        return paths.shown(str(source))


def _language(source: paths.Source, config: Config) -> str:
    return read.load(source.path, source.shown, config).source_lang


def _status(source: paths.Source, target: str, record: records.Record | None, out_dir: Path, config: Config) -> Item:
    if record is None:
        return Item(source.shown, target, MISSING, "", "no translation")
    article = out_dir / record.article
    if not article.is_file():
        return Item(source.shown, target, MISSING, record.article, "the translated article is gone")
    try:
        data = fileio.read_bytes(source.path, source.shown, config.max_file_bytes)
    except InputError as e:
        return Item(source.shown, target, STALE, record.article, f"cannot read the source: {e.reason}")
    if file_sha256(data) != record.source_sha256:
        return _stale(source, target, record, out_dir, config)
    if record.needs_review:
        n = record.needs_review
        return Item(source.shown, target, NEEDS_REVIEW, record.article, f"{n} sentence{'s' * (n != 1)} replaced an editor's correction")
    return Item(source.shown, target, FRESH, record.article)


def _stale(source: paths.Source, target: str, record: records.Record, out_dir: Path, config: Config) -> Item:
    if record.head_only:  # which blocks changed needs its sentences
        record = records.stored(out_dir, target, record.rel).latest or record
    try:
        doc = read.load(source.path, source.shown, config, record.source_lang, record.source_lang)
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
        human += sum(1 for _, ss in record.blocks[i1:i2] for s in ss if s.origin == records.HUMAN or s.review_of)
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
