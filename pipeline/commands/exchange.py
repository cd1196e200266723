"""Editors' round trip: export translated articles as XLIFF/TMX/PO (here), import their
corrections (commands/importing.py), and what both share: a translation as the output folder holds
it, its units, reading an exchange file.

Export writes one file per article and format, one unit per sentence. A unit's text keeps the
pipeline's placeholders, which each format writes as inline codes (XLIFF ``<ph>``/``<pc>``, TMX
``<ph>``/``<bpt>``/``<ept>``), so a CAT tool keeps code, links and emphasis as tags an editor cannot
break. Its id is ``s<block>-<sentence>-<source hash>@<target hash>``: the sentence, and the target
it had when it was exported (its *base*).

Import is a three-way merge against the output folder's record, unit by unit:
- the file's target equals the current one, or its base: nothing to do, nothing counted
  (a reviewed state on an unchanged machine target approves it: it becomes human);
- only the file changed it: accepted as the editor's translation;
- both changed it since the export: a conflict, reported with both versions; nothing is stored
  for it unless the user chooses (``--theirs`` / ``--ours``).
Units are found by their source sentence's hash, so a source edit elsewhere in the article costs
nothing; a unit whose own source changed is refused, by name. One bad unit or file never costs
the others. Accepted corrections go first into the article's pending record (the system of
record), then the article is written again, exactly as a run of ``translate`` writes it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline import formats
from pipeline.articles import read
from pipeline.assemble.align import kept, sentence_id
from pipeline.assemble.alignment_json import SCHEMA_ID
from pipeline.core import flags, paths
from pipeline.core.document import Document, Segment
from pipeline.core.errors import ExitStatus, InputError, OutputError
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, KEPT, MACHINE
from pipeline.core.placeholders import TAG_RE
from pipeline.segment.protect import chunks_to_translate, has_words, pieces, reassembled, restore
from pipeline.store import fileio, records
from pipeline.workspace import Workspace

MAX_IMPORT_BYTES = formats.MAX_BYTES
HUMAN_STATES = ("reviewed", "final")
ID_RE = re.compile(r"^s(\d{1,6})-(\d{1,6})-([0-9a-f]{12})(?:@([0-9a-f]{8}))?$")


def base_of(target: str) -> str:
    return flags.target_key(target)


@dataclass(frozen=True)
class Translation:
    """A translated article as the output folder holds it: its record, and its source as it is now."""

    record: records.Record
    ws: Workspace
    source: Path
    doc: Document
    pending: bool = False  # the record is a pending one: a write of the article was interrupted

    @property
    def out_dir(self) -> Path:
        return self.ws.out

    def current(self) -> dict[str, records.Sentence]:
        return self.record.by_hash()

    def targets(self) -> dict[str, str]:
        """Source hash -> the sentence's target as the article shows it, in placeholder form: where an
        engine lost paired markup the article was assembled from pieces, and so is this (an
        exchange file must carry the codes the article has, or the untouched file would not import)."""
        current = self.current()
        out: dict[str, str] = {}
        for block in self.doc.blocks:
            for seg in block.segments:
                h = text_hash(seg.text)
                s = current.get(h)
                if s is None or s.target is None:
                    continue
                out[h] = effective_target(s, seg, current)
        return out


def effective_target(s: records.Sentence, seg: Segment, current: dict[str, records.Sentence]) -> str:
    assert s.target is not None
    if s.origin == HUMAN or restore(s.target, seg) is not None:
        return s.target
    found = {c: p.target for c in chunks_to_translate(seg) if (p := current.get(text_hash(c))) is not None and p.target is not None}
    return reassembled(pieces(seg), found, seg)


def open_translation(ws: Workspace, target: str, rel: str, name: str) -> Translation:
    stored = ws.store.stored(target, rel)
    if stored.damaged:
        raise InputError(name, stored.damaged)
    record = stored.latest
    if record is None or record.legacy:
        raise InputError(name, f"{paths.shown(rel)} has no translation into {target} in {ws.out}")
    root = ws.store.root_path(record.root)
    if root is None:
        raise InputError(name, f"the record's source folder {record.root!r} is outside the project")
    source = paths.source_at(root, record.rel, paths.shown(os.path.relpath(root / record.rel)))
    data = read.read_source(source, ws.config.max_file_bytes)
    doc = read.load(source.path, source.shown, ws.config, record.source_lang, record.source_lang, data)
    return Translation(record, ws, source.path, doc, stored.pending is not None)


def translations(
    ws: Workspace, inputs: Sequence[str] | None = None, target: str | None = None
) -> tuple[list[Translation], list[InputError]]:
    """The translated articles among the given sources (files or folders), and what could not be opened."""
    sources, problems = ws.sources(inputs)
    found = []
    for source in sources:
        for t in ws.config.languages:
            if target not in (None, t):
                continue
            stored = ws.store.stored(t, source.rel)
            record = stored.latest
            if stored.damaged:
                problems.append(InputError(source.shown, stored.damaged))
            if record is None or record.legacy or record.root != paths.relative_root(source.root, ws.out):
                continue
            try:
                found.append(open_translation(ws, t, source.rel, source.shown))
            except InputError as e:
                problems.append(e)
    return found, problems


def _units(t: Translation) -> list[formats.Unit]:
    notes = _notes(t)
    current = t.current()
    targets = t.targets()
    units = []
    for block in t.doc.blocks:
        if kept(block, t.record.target_lang):
            continue
        for j, seg in enumerate(block.segments):
            h = text_hash(seg.text)
            s = current.get(h)
            if not has_words(seg.text) or s is None or h not in targets or records.FINAL_MARKDOWN in s.flags:
                continue
            sid = sentence_id(block, j, seg)
            codes = codes_of(seg)
            state = "reviewed" if s.origin == HUMAN else "translated"
            note = "\n".join([block.kind + (f" {block.key}" if block.key else ""), *notes.get(sid, ())])
            units.append(formats.Unit(f"{sid}@{base_of(targets[h])}", seg.text, targets[h], state, note, codes=codes))
    return units


def codes_of(seg: Segment) -> tuple[formats.Code, ...]:
    """What a sentence's placeholders stand for, as exchange files carry it."""
    return tuple(formats.Code(n, span.kind, span.source, span.close) for n, span in enumerate(seg.spans, 1))


def unit_for(t: Translation, sid: str, base: str, target: str, state: str = "translated") -> formats.Unit:
    """One sentence of this translation as an exchange unit carrying an editor's target (the
    review app's save). A target whose tags do not fit the source comes back as a unit error."""
    segment = next((seg for block in t.doc.blocks for j, seg in enumerate(block.segments) if sentence_id(block, j, seg) == sid), None)
    uid = f"{sid}@{base}"
    if segment is None:
        return formats.Unit(
            uid, "", "", state, error="its source sentence changed or was removed since the export; translate and export again"
        )
    try:
        return formats.Unit(uid, segment.text, target, state, codes=codes_of(segment))
    except ValueError as e:
        reason = check_markup(target, segment) or str(e).partition(": ")[2]
        return formats.Unit(uid, segment.text, "", state, codes=codes_of(segment), error=reason)


def _notes(t: Translation) -> dict[str, list[str]]:
    """For the editor, from the bilingual JSON and the record: flags with what each is about,
    acknowledgements, the needs-editing mark, the last human change, suggestions."""
    state = {s.hash[:12]: s for s in t.record.sentences()}
    out: dict[str, list[str]] = {}
    for s in _alignment_sentences(t):
        lines = []
        if s.get("flags"):
            lines.append("flags: " + ", ".join(map(str, s["flags"])))
        lines.extend(map(str, s.get("details", ())))
        for a in s.get("acknowledged", ()):
            if isinstance(a, dict):
                lines.append(f"acknowledged: {a.get('flag')} by {a.get('by')} at {a.get('at')} (no longer counts)")
        if isinstance(s.get("suggestion"), dict):
            lines.append(f"an editor's translation of the earlier source: {s['suggestion'].get('target', '')}")
        sid = str(s.get("id", ""))
        record = state.get(sid.rsplit("-", 1)[-1])
        if record is not None and record.needs_editing:
            lines.append(f"needs editing: marked by {record.needs_editing[0]} at {record.needs_editing[1]}")
        if record is not None and record.history:
            last = record.history[-1]
            lines.append(f"last change: {last.action} by {last.by} at {last.at}")
        out[sid] = lines
    return out


def _alignment_sentences(t: Translation) -> list[dict]:
    """The bilingual JSON's sentences (a file of the output folder: read bounded, nesting bounded,
    never through a link); none when it is unusable."""
    for rel, _ in t.record.outputs:
        if rel.endswith(".json"):
            try:
                path = t.ws.store.layout.inside(rel)
                data = fileio.load_json(fileio.read_bytes(path, rel, MAX_IMPORT_BYTES, setting="", follow=False))
                return [s for b in data.get("blocks", ()) for s in b.get("sentences", ()) if isinstance(s, dict)]
            except (InputError, ValueError, AttributeError, TypeError):
                return []
    return []


def export(
    ws: Workspace, inputs: Sequence[str] | None, kinds: Sequence[str], dest: Path, target: str | None = None, force: bool = False
) -> tuple[list[Path], list[InputError]]:
    """One exchange file per article and format. An exchange file holding an editor's work that
    was not imported yet (any unit whose target is not what was exported, or approved) is never
    overwritten, unless ``force``: each is one line in the problems."""
    written: list[Path] = []
    found, problems = translations(ws, inputs, target)
    inside = paths.real(dest).is_relative_to(paths.real(ws.out))
    if inside:  # named from the output folder as named, which the writer writes below (--dest may be absolute)
        dest = ws.out.joinpath(*paths.real(dest).relative_to(paths.real(ws.out)).parts)
    writer = ws.writer()
    for t in found:
        exchange = formats.Exchange(t.record.rel, t.record.source_lang, t.record.target_lang, tuple(_units(t)))
        rel = PurePosixPath(t.record.rel)
        for kind in kinds:
            name = f"{rel.stem}.{t.record.source_lang}-{t.record.target_lang}{formats.SUFFIXES[kind]}"
            path = dest.joinpath(*rel.parent.parts, name)
            data = formats.write(exchange, kind)
            # what an export killed while writing this file left beside it (a folder editors share: only its own)
            fileio.clean_temp([path.parent], ws.out if inside else dest, of=path.name)
            work = "" if force or fileio.same_content(path, data) else unimported(path, t)
            if work:
                problems.append(InputError(paths.shown(str(path)), f"{work}; not overwritten (import it first, or export with --force)"))
                continue
            try:
                if inside:
                    writer.put(path, data)
                else:  # a folder the user named: created, then written below without following links
                    fileio.make_dirs(dest)
                    fileio.write_atomic(path, data, root=dest)
            except OutputError as e:
                problems.append(InputError(paths.shown(str(path)), str(e).partition(": ")[2], ExitStatus.OUTPUT_ERROR))
                continue
            written.append(path)
    return written, problems


def unimported(path: Path, t: Translation) -> str:
    """What of an editor's work an existing exchange file holds that the records do not: "" when
    it holds none (every unit as exported), else one line saying what."""
    if not os.path.isfile(path) or os.path.islink(path):
        return ""  # nothing an editor wrote (a folder in the way is the write's to report)
    try:
        exchange = read_file(path)
    except InputError as e:
        return f"is not an exchange file of this article ({e.reason})"
    if exchange.document != t.record.rel or (exchange.source_lang, exchange.target_lang) != (t.record.source_lang, t.record.target_lang):
        return f"is the exchange file of {exchange.document} ({exchange.source_lang}->{exchange.target_lang}), not of {t.record.rel}"
    origins = {h[:12]: s.origin for h, s in t.current().items()}
    now = {h[:12]: target for h, target in t.targets().items()}
    edited = []
    for unit in exchange.units:
        m = ID_RE.match(unit.id)
        if m is None or unit.error:
            edited.append(unit.id)
            continue
        text = editor_text(unit.target)
        if text and (m.group(4) is None or base_of(text) != m.group(4)) and not same(text, now.get(m.group(3), "")):
            edited.append(unit.id)  # changed in the file, and the records do not have it
        elif unit.state in HUMAN_STATES and origins.get(m.group(3)) == MACHINE:
            edited.append(unit.id)  # approved in the file
    if not edited:
        return ""
    more = f" and {len(edited) - 3} more" if len(edited) > 3 else ""
    return f"holds {len(edited)} edited unit{'s' * (len(edited) != 1)} not imported yet ({', '.join(edited[:3])}{more})"


# --- import ----------------------------------------------------------------------------------


def read_file(path: Path) -> formats.Exchange:
    """An exchange file, or the bilingual JSON itself, as an Exchange; InputError if unusable."""
    name = paths.shown(str(path))
    data = fileio.read_bytes(path, name, MAX_IMPORT_BYTES, setting="", follow=False)
    if data.lstrip()[:1] == b"{":
        return _from_alignment(data, name)
    try:
        return formats.read(data, None, name)
    except formats.ExchangeError as e:
        raise InputError(name, str(e)) from None


RENDERED = "x-rendered"  # a unit read from the bilingual JSON: its text is Markdown, not placeholders


def _from_alignment(data: bytes, name: str) -> formats.Exchange:
    try:
        doc = fileio.load_json(data)
        if doc.get("schema") != SCHEMA_ID:
            raise ValueError("not a bilingual JSON of this pipeline")
        units = tuple(
            formats.Unit(
                str(s["id"]), str(s["source"]), str(s["target"]), "reviewed" if s.get("origin") == HUMAN else "translated", RENDERED
            )
            for b in doc["blocks"]
            for s in b["sentences"]
            if s.get("origin") != KEPT
        )
        return formats.Exchange(str(doc["source_path"]), str(doc["source_lang"]), str(doc["target_lang"]), units)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
        raise InputError(name, f"not an importable file: {' '.join(str(e).split())}") from None


def check_markup(target: str, seg: Segment) -> str:
    """The editor's text must keep the source's paired markup whole, and name no other codes."""
    numbers = {int(m.group(3)) for m in TAG_RE.finditer(target)}
    unknown = sorted(n for n in numbers if not 1 <= n <= len(seg.spans))
    if unknown:
        return f"the target has a code the source does not have ({unknown[0]})"
    if restore(target, seg) is None:
        return "the target lost or crossed the source's paired markup (emphasis or a link)"
    return ""


def same(a: str, b: str) -> bool:
    """Two targets that differ only in white space (which CAT tools rewrap) are the same."""
    return a.split() == b.split()


def editor_text(text: str) -> str:
    """An editor's target: white space that tools rewrap becomes one space. Line breaks that are
    markup travel as placeholders, so none is typed."""
    return " ".join(text.split())
