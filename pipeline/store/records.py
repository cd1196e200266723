"""The system of record: what was translated, and by whom, kept in the output folder users commit.

One JSON file per article and target language, ``<out>/records/<target>/<path>.json``, holds
everything needed to write the article's outputs again without an engine and without losing any
editor's work: the source file's SHA-256, each block's hash, and for each sentence its source
hash, its target (with placeholders, as the engine or the editor wrote it), its origin and the
model that produced it. The SQLite memory is only a cache of these files.

The layout is made for git: one sentence per line, so a correction is a one-line diff, and one file
per article, so branches that touch different articles merge without conflict. ``sources.txt``
lists the source folders (relative to the output folder) so an article keeps one identity
however it is named. What is derived from the outputs (their hashes, counts of flagged sentences)
is kept beside the record in ``<path>.outputs``, so two branches that corrected different
paragraphs of one article merge cleanly; both files are merged by union (``.gitattributes``), and a
sidecar that git merged (a path listed twice) tells the next run to check the article's outputs.

Writing is crash-safe: the new record is first written as ``<path>.json.new`` (atomically), then
the outputs, then the ``.new`` file is renamed over the record. A run interrupted at any moment
leaves the old record, or a pending one the next run recognises and completes: an output whose
hash is in either is the pipeline's own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.core.document import Block, Document, ModelId
from pipeline.core.flags import Ack
from pipeline.core.hashes import text_hash
from pipeline.store.fileio import not_regular, same_content, sync_dirs, write_atomic

FORMAT = "uk-en-pipeline/record/2"
FOLDER = "records"
SOURCES = "sources.txt"
PENDING = ".new"
SUMS = ".outputs"
LEGACY_FORMAT = "uk-en-pipeline/record/1"
LEGACY_FOLDER = ".pipeline/records"

MACHINE, HUMAN, KEPT = "machine", "human", "kept"
FINAL_MARKDOWN = "final-markdown"  # a human target saved as Markdown by format 1 of the memory


@dataclass(frozen=True)
class Change:
    """One human change to a sentence: when, who, what (edited, approved, restored, lost a
    conflict) and the text it keeps: the translation it replaced, or the version that lost."""

    at: str  # ISO 8601, UTC
    by: str
    action: str
    text: str


@dataclass(frozen=True)
class Sentence:
    hash: str  # of the source sentence with placeholders
    origin: str  # machine | human | kept (not translated: no target)
    target: str | None  # with placeholders; None only in records of format 1 (the memory had it)
    model: ModelId | None = None
    flags: tuple[str, ...] = ()  # the engine's own (decoding-capped); the rest are recomputed
    shown: tuple[str, str] | None = None  # human: (source, target) as the article showed them
    review_of: str = ""  # machine output replacing an editor's: the source hash the editor translated
    suggestion: tuple[str, str] | None = None  # with review_of: the editor's (source, target) as shown
    acks: tuple[Ack, ...] = ()  # flags an editor acknowledged (see flags.counting)
    history: tuple[Change, ...] = ()  # human changes, oldest first
    needs_editing: tuple[str, str] | None = None  # (by, at): an editor asked for another look


@dataclass(frozen=True)
class Record:
    root: str  # the source folder, relative to the output folder (POSIX)
    rel: str  # the article's path inside it
    source_lang: str
    target_lang: str
    source_sha256: str  # of the bytes that were translated
    article: str  # the translated article, relative to the output folder
    blocks: tuple[tuple[str, tuple[Sentence, ...]], ...]  # (block hash, its translated sentences)
    outputs: tuple[tuple[str, str], ...] = ()  # (path relative to the output folder, SHA-256)
    model: ModelId = ModelId("")  # what the outputs name as their engine
    fingerprint: str = ""  # of the settings that shape the outputs
    pieces: tuple[Sentence, ...] = ()  # chunks translated alone where an engine lost paired tags
    flagged: tuple[tuple[str, int], ...] = ()  # sentences per problem flag, as the outputs show them
    legacy: bool = False
    merged: bool = False  # its .outputs lists a path twice: git merged two versions of it
    head_only: bool = False  # read without its sentences (see load)
    reviews: int | None = None  # with head_only: sentences whose machine output replaced an editor's
    machine_count: int | None = None  # with head_only: sentences as the engine wrote them

    @property
    def needs_review(self) -> int:
        if self.reviews is not None:
            return self.reviews
        return sum(1 for s in self.sentences() if s.review_of)

    @property
    def unreviewed(self) -> int:
        """Sentences still as the engine wrote them: an editor's correction or approval makes one human."""
        if self.machine_count is not None:
            return self.machine_count
        return sum(1 for s in self.sentences() if s.origin == MACHINE)

    def sentences(self) -> Iterator[Sentence]:
        for _, sentences in self.blocks:
            yield from sentences

    def by_hash(self) -> dict[str, Sentence]:
        """Every remembered translation in this record, human ones winning over machine ones."""
        out: dict[str, Sentence] = {}
        for s in (*self.pieces, *self.sentences()):
            if s.target is not None and (s.hash not in out or s.origin == HUMAN):
                out[s.hash] = s
        return out


def block_hash(doc: Document, block: Block) -> str:
    return text_hash(f"{block.kind}\x00{block.key}\x00{doc.text[block.start : block.end]}")


MATCH_LIMIT = 2000  # blocks between the common ends: beyond it, blocks face each other by position


def block_opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """How an article's blocks changed (difflib opcodes over block hashes). SequenceMatcher is
    quadratic when many blocks are identical, so the common beginning and end are taken off
    first, and a middle longer than MATCH_LIMIT is compared position by position."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    a, b = old[head : len(old) - tail], new[head : len(new) - tail]
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)] if head else []
    if max(len(a), len(b)) > MATCH_LIMIT:
        n = min(len(a), len(b))
        ops += [("equal" if a[i] == b[i] else "replace", head + i, head + i + 1, head + i, head + i + 1) for i in range(n)]
        if len(a) > n:
            ops.append(("delete", head + n, head + len(a), head + n, head + n))
        elif len(b) > n:
            ops.append(("insert", head + n, head + n, head + n, head + len(b)))
    elif a or b:
        from difflib import SequenceMatcher

        ops += [
            (t, i1 + head, i2 + head, j1 + head, j2 + head) for t, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
        ]
    if tail:
        ops.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    return ops


def path(out_dir: Path, target_lang: str, rel: str) -> Path:
    return out_dir / FOLDER / target_lang / (PurePosixPath(rel).as_posix() + ".json")


def pending_path(record_path: Path) -> Path:
    return record_path.with_name(record_path.name + PENDING)


def sums_path(record_path: Path) -> Path:
    return record_path.with_name(record_path.name.removesuffix(".json") + SUMS)


def dump_sums(record: Record) -> str:
    """The sidecar: one output per line as sha256sum writes it, then the counts."""
    lines = [f"{h}  {p}" for p, h in record.outputs]
    lines += [f"flagged {flag or '*'} {n}" for flag, n in record.flagged]
    lines.append(f"needs-review {record.needs_review}")
    lines.append(f"unreviewed {record.unreviewed}")
    return "\n".join(lines) + "\n"


def _load_sums(file: Path) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, int], ...], dict[str, int], bool]:
    """(outputs, flagged, counts of needs-review and unreviewed sentences, merged) from a sidecar; lines git left around a conflict are read too."""
    outputs: list[tuple[str, str]] = []
    flagged: dict[str, int] = {}
    counts: dict[str, int] = {}
    seen: set[str] = set()
    merged = False
    for line in file.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(_CONFLICT_MARKERS):
            continue
        if line.startswith("flagged "):
            _, flag, n = line.split(" ")
            key = "" if flag == "*" else flag
            merged |= key in flagged
            flagged[key] = int(n)
        elif line.startswith(("needs-review ", "unreviewed ")):
            key, _, n = line.partition(" ")
            merged |= key in seen
            seen.add(key)
            counts[key] = int(n)
        else:
            digest, _, rel = line.partition("  ")
            merged |= rel in seen
            seen.add(rel)
            outputs.append((rel, digest))
    return tuple(outputs), tuple(sorted(flagged.items())), counts, merged


# --- reading and writing ------------------------------------------------------------------------


def dump(record: Record, inline: bool = False) -> str:
    """One key per line, one sentence per line: small diffs, clean merges. inline: with what the
    sidecar holds (a pending record carries everything in one file)."""
    models: dict[ModelId, int] = {}

    def model_ref(m: ModelId | None) -> int | None:
        if m is None:
            return None
        return models.setdefault(m, len(models))

    def sentence(s: Sentence) -> str:
        d: dict = {"h": s.hash, "o": s.origin}
        if s.target is not None:
            d["t"] = s.target
        if s.model is not None:
            d["m"] = model_ref(s.model)
        if s.flags:
            d["f"] = list(s.flags)
        if s.shown:
            d["shown"] = list(s.shown)
        if s.review_of:
            d["review_of"] = s.review_of
        if s.suggestion:
            d["suggestion"] = list(s.suggestion)
        if s.acks:
            d["ack"] = [[a.flag, a.target, a.by, a.at] for a in s.acks]
        if s.history:
            d["hist"] = [[c.at, c.by, c.action, c.text] for c in s.history]
        if s.needs_editing:
            d["ne"] = list(s.needs_editing)
        return _compact(d)

    model_ref(record.model)
    blocks = []
    for h, sentences in record.blocks:
        inner = ",\n".join("   " + sentence(s) for s in sentences)
        blocks.append(f'  ["{h}", [' + (f"\n{inner}\n  ]]" if sentences else "]]"))
    pieces = ",\n".join("  " + sentence(s) for s in record.pieces)
    head: dict[str, object] = {
        "record": FORMAT,
        "root": record.root,
        "source": record.rel,
        "source_lang": record.source_lang,
        "target_lang": record.target_lang,
        "source_sha256": record.source_sha256,
        "article": record.article,
        "fingerprint": record.fingerprint,
        "model": model_ref(record.model),
    }
    if inline:
        head["flagged"] = dict(record.flagged)
        head["needs_review"] = record.needs_review
        head["unreviewed"] = record.unreviewed
    lines = ["{"] + [f" {_compact(k)}: {_compact(v)}," for k, v in head.items()]
    lines.append(' "models": [' + ", ".join(_compact(_model_dict(m)) for m in models) + "],")
    if inline:
        lines.append(' "outputs": {' + ", ".join(f"{_compact(p)}: {_compact(h)}" for p, h in record.outputs) + "},")
    lines.append(' "pieces": [' + (f"\n{pieces}\n ]" if record.pieces else "]") + ",")
    lines.append(' "blocks": [' + ("\n" + ",\n".join(blocks) + "\n ]" if blocks else "]"))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _model_dict(m: ModelId) -> dict:
    return {"engine": m.engine, "package": m.package, "version": m.version, "settings": json.loads(m.settings or "{}")}


def _model(d: dict) -> ModelId:
    settings = d.get("settings", {})
    if not isinstance(settings, dict):
        raise TypeError("settings")
    return ModelId(
        str(d["engine"]), str(d.get("package", "")), str(d.get("version", "")), json.dumps(settings, sort_keys=True, separators=(",", ":"))
    )


def _pair(value) -> tuple[str, str] | None:
    if value is None:
        return None
    a, b = value
    return str(a), str(b)


def _strings(value, n: int) -> list[str]:
    if not isinstance(value, list) or len(value) != n or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of strings")
    return value


def load(file: Path, head_only: bool = False) -> Record | None:
    """A record, or None when the file is missing or not a record (it is then simply absent).
    head_only: without its sentences, which `check` and unchanged articles do not need."""
    try:
        if not_regular(os.stat(file).st_mode):  # a FIFO in its place is never opened
            return None
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            return None
        if data.get("record") == LEGACY_FORMAT:
            return _legacy(data)
        if data.get("record") != FORMAT:
            return None
        models = [_model(m) for m in data["models"]]
        merged = False
        if "outputs" not in data:
            outputs, flagged, counts, merged = _load_sums(sums_path(file))
            data["_outputs"], data["flagged"] = outputs, dict(flagged)
            data["needs_review"], data["unreviewed"] = counts.get("needs-review"), counts.get("unreviewed")
        else:
            data["_outputs"] = tuple(data["outputs"].items())
        if head_only and isinstance(data.get("needs_review"), int) and isinstance(data.get("unreviewed"), int):
            data["blocks"], data["pieces"] = [], []

        def sentence(d: dict) -> Sentence:
            target = d.get("t")
            return Sentence(
                hash=str(d["h"]),
                origin=d["o"] if d["o"] in (HUMAN, KEPT) else MACHINE,
                target=None if target is None else str(target),
                model=models[d["m"]] if d.get("m") is not None else None,
                flags=tuple(map(str, d.get("f", ()))),
                shown=_pair(d.get("shown")),
                review_of=str(d.get("review_of", "")),
                suggestion=_pair(d.get("suggestion")),
                acks=tuple(Ack(*_strings(a, 4)) for a in d.get("ack", ())),
                history=tuple(Change(*_strings(c, 4)) for c in d.get("hist", ())),
                needs_editing=_pair(d.get("ne")),
            )

        return Record(
            root=str(data["root"]),
            rel=str(data["source"]),
            source_lang=str(data["source_lang"]),
            target_lang=str(data["target_lang"]),
            source_sha256=str(data["source_sha256"]),
            article=str(data["article"]),
            blocks=tuple((str(h), tuple(sentence(s) for s in ss)) for h, ss in data["blocks"]),
            outputs=tuple((str(p), str(h)) for p, h in data["_outputs"]),
            model=models[data["model"]] if data.get("model") is not None else ModelId(""),
            fingerprint=str(data.get("fingerprint", "")),
            pieces=tuple(sentence(s) for s in data.get("pieces", ())),
            flagged=tuple((str(k), int(v)) for k, v in data.get("flagged", {}).items()),
            merged=merged,
            head_only=head_only and not data["blocks"],
            reviews=data["needs_review"] if head_only and not data["blocks"] else None,
            machine_count=data["unreviewed"] if head_only and not data["blocks"] else None,
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _legacy(data: dict) -> Record:
    """A record of format 1 (hashes only; the targets were in the memory of the machine that made it)."""
    origins = {"m": MACHINE, "h": HUMAN, "s": MACHINE}
    blocks = tuple(
        (h, tuple(Sentence(s[0], origins[s[1]], None, review_of=s[2] if s[1] == "s" else "") for s in ss)) for h, ss in data["blocks"]
    )
    return Record(
        root=str(Path(data["root"]).resolve()),
        rel=data["rel"],
        source_lang=data["source_lang"],
        target_lang=data["target_lang"],
        source_sha256=data["source_sha256"],
        article=data["article"],
        blocks=blocks,
        outputs=tuple((p, h) for p, h in data.get("outputs", [])),
        model=ModelId(data.get("engine", ""), data.get("model", ""), data.get("model_version", "")),
        legacy=True,
    )


@dataclass
class Stored:
    """An article's record as the output folder holds it: the committed one, and a pending one
    left by a run that was interrupted while writing."""

    record: Record | None
    pending: Record | None = None

    @property
    def latest(self) -> Record | None:
        return self.pending or self.record

    def ours(self) -> dict[str, set[str]]:
        """Output path -> every hash the pipeline wrote there (old state and interrupted new state)."""
        found: dict[str, set[str]] = {}
        for r in (self.record, self.pending):
            for p, h in r.outputs if r else ():
                found.setdefault(p, set()).add(h)
        return found


def stored(out_dir: Path, target_lang: str, rel: str, legacy_root: Path | None = None, head_only: bool = False) -> Stored:
    file = path(out_dir, target_lang, rel)
    if head_only and not pending_path(file).exists():
        return Stored(load(file, head_only=True))
    record = load(file)
    if record is None and legacy_root is not None:
        record = load(out_dir / LEGACY_FOLDER / target_lang / (rel + ".json"))
        if record is not None and Path(record.root) != legacy_root:
            record = None
    pending = load(pending_path(file))
    return Stored(record, pending if pending is not None and not pending.legacy else None)


def record_files(out_dir: Path) -> Iterator[tuple[str, Path]]:
    """(target language, file) of every record and pending record, without reading them."""
    root = out_dir / FOLDER
    if not root.is_dir():
        return
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for folder, dirs, files in os.walk(lang_dir):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".json", ".json" + PENDING)):
                    yield lang_dir.name, Path(folder) / name


def all_records(out_dir: Path) -> list[tuple[Path, Record]]:
    found = []
    for _, file in record_files(out_dir):
        if file.name.endswith(".json"):
            record = load(file)
            if record is not None:
                found.append((file, record))
    return found


def commit(out_dir: Path, record: Record, outputs: dict[Path, str | bytes]) -> bool:
    """Write an article's outputs and its record in the crash-safe order: the pending record, the
    outputs that changed (their folders flushed), the sidecar, the record; then the pending record
    goes. Files whose bytes would not change are not touched. Returns whether anything was written."""
    record_path = path(out_dir, record.target_lang, record.rel)
    pending = pending_path(record_path)
    changed = {p: data for p, data in outputs.items() if not same_content(p, data)}
    last = {p: data for p, data in ((sums_path(record_path), dump_sums(record)), (record_path, dump(record))) if not same_content(p, data)}
    if changed or last:
        write_atomic(pending, dump(record, inline=True))
        for p, data in changed.items():
            write_atomic(p, data, sync_folder=False)
        sync_dirs(p.parent for p in changed)  # the outputs are on disk before the record says so
        for p, data in last.items():
            write_atomic(p, data, sync_folder=False)
        sync_dirs([record_path.parent])
    if pending.exists():
        pending.unlink()
    return bool(changed or last)


# --- source folders -----------------------------------------------------------------------------

_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def known_roots(out_dir: Path) -> list[str]:
    """The source folders recorded in this output folder, relative to it. Lines git left around a
    conflict are read too: both sides' folders are real."""
    try:
        text = (out_dir / FOLDER / SOURCES).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return sorted({line.strip() for line in text.splitlines() if line.strip() and not line.startswith(_CONFLICT_MARKERS)})


def roots_file(out_dir: Path, roots: list[str]) -> dict[Path, str]:
    """The files that record these source folders: the list, and a .gitattributes that merges it by union."""
    folder = out_dir / FOLDER
    return {
        folder / SOURCES: "".join(f"{r}\n" for r in sorted(set(roots))),
        folder / ".gitattributes": f"{SOURCES} merge=union\n*{SUMS} merge=union\n",
    }
