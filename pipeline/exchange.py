"""Editors' round trip: export translated articles as XLIFF/TMX/PO, import their corrections.

Export takes each translated article's alignment (the bilingual JSON) and writes one file per
article and format, one unit per sentence, identified by the sentence's id. Import checks a file
completely before storing anything: languages, that the article was translated into that
language, that every unit id is a sentence of the current translation, and that each unit's
source is still that sentence's source. Changed targets (or targets an editor marked reviewed)
become human translations in the memory, and the articles are written again with them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline import formats, paths, read, records
from pipeline.align import sentence_id
from pipeline.config import Config
from pipeline.errors import InputError
from pipeline.fileio import write_atomic
from pipeline.memory import Entry, Memory
from pipeline.outputs.alignment_json import SCHEMA_ID

MAX_IMPORT_BYTES = 50_000_000
HUMAN_STATES = ("reviewed", "final")
_SPACE_RE = re.compile(r"[ \t]*\n\s*|\s+")


@dataclass(frozen=True)
class Translation:
    """A translated article as the outputs folder knows it: its record and its alignment."""

    record: records.Record
    alignment: dict


def translations(inputs: Sequence[str], out_dir: Path, config: Config, target: str | None = None) -> list[Translation]:
    """The translated articles among the given sources (files or folders)."""
    sources, _ = paths.discover(list(inputs), config.include, config.exclude, [out_dir])
    wanted = {s.path.resolve() for s in sources}
    found = []
    for _, record in records.all_records(out_dir):
        if Path(record.source).resolve() in wanted and target in (None, record.target_lang):
            alignment = _alignment(out_dir, record)
            if alignment is not None:
                found.append(Translation(record, alignment))
    return found


def _alignment(out_dir: Path, record: records.Record) -> dict | None:
    for rel, _ in record.outputs:
        if rel.endswith(".json"):
            try:
                return json.loads((out_dir / rel).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
    return None


def to_exchange(t: Translation) -> formats.Exchange:
    units = []
    for block in t.alignment["blocks"]:
        for s in block["sentences"]:
            if s["origin"] == "kept":
                continue
            notes = [f"{block['kind']}" + (f" {block['key']}" if block.get("key") else "")]
            if s.get("flags"):
                notes.append("flags: " + ", ".join(s["flags"]))
            if s.get("suggestion"):
                notes.append(f"an editor's translation of the earlier source: {s['suggestion']['target']}")
            state = "reviewed" if s["origin"] == "human" else "translated"
            units.append(formats.Unit(s["id"], s["source"], s["target"], state, "\n".join(notes)))
    r = t.record
    return formats.Exchange(r.source, r.source_lang, r.target_lang, tuple(units))


def export(inputs: Sequence[str], out_dir: Path, config: Config, kinds: Sequence[str], dest: Path, target: str | None = None) -> list[Path]:
    written = []
    for t in translations(inputs, out_dir, config, target):
        exchange = to_exchange(t)
        rel = PurePosixPath(t.record.rel)
        for kind in kinds:
            name = f"{rel.stem}.{t.record.source_lang}-{t.record.target_lang}{formats.SUFFIXES[kind]}"
            path = dest.joinpath(*rel.parent.parts, name)
            write_atomic(path, formats.write(exchange, kind))
            written.append(path)
    return written


# --- import ----------------------------------------------------------------------------------


def read_file(path: Path) -> formats.Exchange:
    """An exchange file, or the bilingual JSON itself, as an Exchange; InputError if unusable."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(name, f"too large to import (limit {MAX_IMPORT_BYTES // 1_000_000} MB)")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(name, f"cannot read: {e.strerror or e}") from None
    if data.lstrip()[:1] == b"{":
        return _from_alignment(data, name)
    try:
        return formats.read(data, None, name)
    except formats.ExchangeError as e:
        raise InputError(name, str(e)) from None


def _from_alignment(data: bytes, name: str) -> formats.Exchange:
    try:
        doc = json.loads(data.decode("utf-8"))
        if doc.get("schema") != SCHEMA_ID:
            raise ValueError("not a bilingual JSON of this pipeline")
        units = tuple(
            formats.Unit(s["id"], s["source"], s["target"], "reviewed" if s.get("origin") == "human" else "translated")
            for b in doc["blocks"]
            for s in b["sentences"]
            if s.get("origin") != "kept"
        )
        return formats.Exchange(doc["source_path"], doc["source_lang"], doc["target_lang"], units)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(name, f"not an importable file: {e}") from None


@dataclass(frozen=True)
class Accepted:
    translation: Translation
    entries: tuple[Entry, ...]
    corrected: int


def accept(exchange: formats.Exchange, name: str, out_dir: Path, config: Config) -> Accepted:
    """Check an exchange against the translation it came from; the human entries it brings."""
    if {exchange.source_lang, exchange.target_lang} != {"en", "uk"}:
        raise InputError(name, f"languages {exchange.source_lang}->{exchange.target_lang}: only en<->uk is translated here")
    match = [
        t
        for t in translations([exchange.document], out_dir, config, exchange.target_lang)
        if t.record.source_lang == exchange.source_lang
    ]
    if not match:
        raise InputError(name, f"{exchange.document} has no {exchange.source_lang}->{exchange.target_lang} translation in {out_dir}")
    t = match[0]
    current = {s["id"]: s for b in t.alignment["blocks"] for s in b["sentences"]}
    unknown = [u.id for u in exchange.units if u.id not in current]
    if unknown:
        raise InputError(name, f"unknown segment id {unknown[0]!r}" + (f" and {len(unknown) - 1} more" if len(unknown) > 1 else "") + "; export again")
    doc = read.load(Path(t.record.source), t.record.source, config, t.record.source_lang, t.record.source_lang)
    masked = {sentence_id(block, j, seg): seg.text for block in doc.blocks for j, seg in enumerate(block.segments)}
    entries = []
    for unit in exchange.units:
        sentence = current[unit.id]
        if _words(unit.source) != _words(sentence["source"]):
            raise InputError(name, f"segment {unit.id}: its source text differs from the article's; export again")
        if unit.id not in masked:
            raise InputError(name, f"segment {unit.id}: the source article changed since it was translated; run translate and export again")
        target = editor_text(unit.target)
        if not target or (_words(target) == _words(sentence["target"]) and unit.state not in HUMAN_STATES):
            continue
        entries.append(
            Entry(t.record.source_lang, t.record.target_lang, masked[unit.id], target, "human", "human", "", "", "",
                  source_display=sentence["source"])
        )
    return Accepted(t, tuple(entries), len(entries))


def editor_text(text: str) -> str:
    """An editor's target as it goes into the article: whitespace that tools rewrap becomes one
    space, but a Markdown hard line break (a backslash, or two spaces, before the newline) is markup
    and stays."""
    text = text.strip()

    def space(m: re.Match[str]) -> str:
        if "\n" in m.group(0):
            if m.start() and text[m.start() - 1] == "\\":
                return "\n"
            if m.group(0).startswith("  "):
                return "  \n"
        return " "

    return _SPACE_RE.sub(space, text)


def _words(text: str) -> str:
    return " ".join(text.split())


def store(accepted: Sequence[Accepted], memory: Memory) -> None:
    memory.add([e for a in accepted for e in a.entries])
