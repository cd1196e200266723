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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.document import Block, Document
from pipeline.core.flags import Ack
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, KEPT, MACHINE, ModelId
from pipeline.core.languages import well_formed
from pipeline.store import fileio, sidecar
from pipeline.store.files import Damaged, conflict_line, conflict_reason, read_file, short
from pipeline.store.layout import FOLDER, Layout, relative_problem

FORMAT = "uk-en-pipeline/record/2"
LEGACY_FORMAT = "uk-en-pipeline/record/1"
MAX_RECORD_BYTES = 64_000_000  # a record of a 5 MB article (max_file_bytes) is ~15 MB

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
    adopted: bool = False  # the article is a translator's file (pipeline adopt), not rendered by the pipeline

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


# --- reading and writing ------------------------------------------------------------------------


def dump(record: Record, inline: bool = False) -> str:
    """One key per line, one sentence per line: small diffs, clean merges. inline: with what the
    sidecar holds (a pending record carries everything in one file)."""
    return dump_both(record)[0 if inline else 1]


def dump_both(record: Record) -> tuple[str, str]:
    """The record inline (a pending record) and as committed: they differ only in their head, so
    the sentences are written once for both."""
    models: dict[ModelId, int] = {record.model: 0}
    blocks = []
    for h, sentences in record.blocks:
        inner = ",\n".join("   " + _sentence_json(s, models) for s in sentences)
        blocks.append(f"  [{_js(h)}, [" + (f"\n{inner}\n  ]]" if sentences else "]]"))
    pieces = ",\n".join("  " + _sentence_json(s, models) for s in record.pieces)
    head: dict[str, object] = {
        "record": FORMAT,
        "root": record.root,
        "source": record.rel,
        "source_lang": record.source_lang,
        "target_lang": record.target_lang,
        "source_sha256": record.source_sha256,
        "article": record.article,
        "fingerprint": record.fingerprint,
        "model": 0,
    }
    if record.adopted:
        head["adopted"] = True
    lines = ["{"] + [f" {_S(k)}: {_js(v)}," for k, v in head.items()]
    models_line = ' "models": [' + ", ".join(_compact(_model_dict(m)) for m in models) + "],"
    tail = [
        ' "pieces": [' + (f"\n{pieces}\n ]" if record.pieces else "]") + ",",
        ' "blocks": [' + ("\n" + ",\n".join(blocks) + "\n ]" if blocks else "]"),
        "}",
    ]
    sums = {"flagged": dict(record.flagged), "needs_review": record.needs_review, "unreviewed": record.unreviewed}
    extra = [f" {_compact(k)}: {_compact(v)}," for k, v in sums.items()]
    outputs = ' "outputs": {' + ", ".join(f"{_js(p)}: {_js(h)}" for p, h in record.outputs) + "},"
    inline = "\n".join([*lines, *extra, models_line, outputs, *tail]) + "\n"
    return inline, "\n".join([*lines, models_line, *tail]) + "\n"


_S = json.encoder.encode_basestring  # the C string encoder: exactly json.dumps(a str, ensure_ascii=False)


def _js(value) -> str:
    """_compact(value), a string through the C encoder directly."""
    return _S(value) if type(value) is str else _compact(value)


def _json_list(items) -> str:
    """A list as _compact writes it."""
    return "[" + ",".join(_js(x) for x in items) + "]"


def _sentence_json(s: Sentence, models: dict[ModelId, int]) -> str:
    """Exactly _compact of the sentence's dict (keys in this order, empty ones left out), written
    from a template: json.dumps of each of ~30,000 small dicts was a tenth of writing a window."""
    out = '{"h":' + _S(s.hash) + ',"o":' + _S(s.origin)
    if s.target is not None:
        out += ',"t":' + _S(s.target)
    if s.model is not None:
        out += ',"m":' + str(models.setdefault(s.model, len(models)))
    if s.flags:
        out += ',"f":' + _json_list(s.flags)
    if s.shown:
        out += ',"shown":' + _json_list(s.shown)
    if s.review_of:
        out += ',"review_of":' + _S(s.review_of)
    if s.suggestion:
        out += ',"suggestion":' + _json_list(s.suggestion)
    if s.acks:
        out += ',"ack":[' + ",".join(_json_list((a.flag, a.target, a.by, a.at)) for a in s.acks) + "]"
    if s.history:
        out += ',"hist":[' + ",".join(_json_list((c.at, c.by, c.action, c.text)) for c in s.history) + "]"
    if s.needs_editing:
        out += ',"ne":' + _json_list(s.needs_editing)
    return out + "}"


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _model_dict(m: ModelId) -> dict:
    return {"engine": m.engine, "package": m.package, "version": m.version, "settings": json.loads(m.settings or "{}")}


def _model(d: object) -> ModelId:
    d = _mapping(d, "a model")
    settings = _mapping(d.get("settings", {}), "a model's settings")
    return ModelId(
        _text(d["engine"], "an engine"),
        _text(d.get("package", ""), "a package"),
        _text(d.get("version", ""), "a version"),
        json.dumps(settings, sort_keys=True, separators=(",", ":")),
    )


def _pair(value) -> tuple[str, str] | None:
    if value is None:
        return None
    a, b = _list(value, "a pair")
    return _text(a, "a pair's source"), _text(b, "a pair's target")


def _strings(value, n: int) -> list[str]:
    if not isinstance(value, list) or len(value) != n or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of strings")
    return value


def load(file: Path, head_only: bool = False) -> Record | None:
    """A record, or None when the file is absent; Damaged when it is there but unusable (not a
    small regular file, git conflict markers, not a record of a known format, paths that leave
    the output folder). head_only: without its sentences, which `check` and unchanged articles do
    not need (when the sidecar has the counts)."""
    text = read_file(file, MAX_RECORD_BYTES)
    if text is None:
        return None
    line = conflict_line(text)
    if line:
        raise Damaged(file, conflict_reason(file, line))
    try:
        data = fileio.load_json(text)
    except ValueError as e:
        raise Damaged(file, f"not valid JSON ({' '.join(str(e).split())[:120]})") from None
    if not isinstance(data, dict):
        raise Damaged(file, "not a record (not a JSON object)")
    try:
        if data.get("record") == LEGACY_FORMAT:
            return _legacy(data)
        if data.get("record") != FORMAT:
            raise ValueError(f"not a record of this pipeline (record: {short(str(data.get('record')))})")
        return _record(file, data, head_only)
    except Damaged:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise Damaged(file, f"damaged ({type(e).__name__}: {short(str(e), 100)})") from None


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is {type(value).__name__}, not a string")
    return value


_HEX_RE = {32: re.compile(r"[0-9a-f]{32}"), 64: re.compile(r"[0-9a-f]{64}")}


def _hex(value: object, what: str, digits: int = 32) -> str:
    """A hash as the pipeline writes it (lowercase hex): anything else is no hash of ours."""
    text = _text(value, what)
    if not _HEX_RE[digits].fullmatch(text):
        raise ValueError(f"{what} {short(text, 40)!r} is not {digits} hexadecimal digits")
    return text


def _count(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**9:
        raise ValueError(f"{what} {short(str(value), 40)!r} is not a count")
    return value


def _origin(value: object) -> str:
    if value not in (MACHINE, HUMAN, KEPT):
        raise ValueError(f"a sentence's origin {short(str(value), 40)!r} is not {MACHINE}, {HUMAN} or {KEPT}")
    return str(value)


def _lang(value: object, what: str) -> str:
    text = _text(value, what)
    if not well_formed(text):
        raise ValueError(f"{what} {short(text, 40)!r} is not a language code")
    return text


def _record(file: Path, data: dict, head_only: bool) -> Record:
    models = [_model(m) for m in _list(data["models"], "models")]
    if "outputs" in data:  # a pending record carries everything in one file
        if not isinstance(data["outputs"], dict):
            raise TypeError("outputs is not a mapping")
        sums = sidecar.Sums(
            tuple((_text(p, "an output"), _hex(h, "an output's hash", 64)) for p, h in data["outputs"].items()),
            tuple((_text(k, "a flag"), _count(v, "a flag's count")) for k, v in _mapping(data.get("flagged", {}), "flagged").items()),
            {
                k: None if data.get(key) is None else _count(data[key], key)
                for k, key in (("needs-review", "needs_review"), ("unreviewed", "unreviewed"))
            },
            False,
        )
    else:
        sums = sidecar.load(Layout.sums(file))
    with_counts = isinstance(sums.counts.get("needs-review"), int) and isinstance(sums.counts.get("unreviewed"), int)
    head = head_only and with_counts
    record = Record(
        root=_text(data["root"], "root"),
        rel=_text(data["source"], "source"),
        source_lang=_lang(data["source_lang"], "source_lang"),
        target_lang=_lang(data["target_lang"], "target_lang"),
        source_sha256=_hex(data["source_sha256"], "source_sha256", 64),
        article=_text(data["article"], "article"),
        blocks=() if head else tuple(_block(b, models) for b in _list(data["blocks"], "blocks")),
        outputs=sums.outputs,
        model=models[data["model"]] if data.get("model") is not None else ModelId(""),
        fingerprint=_text(data.get("fingerprint", ""), "fingerprint"),
        pieces=() if head else tuple(_sentence(p, models) for p in _list(data.get("pieces", []), "pieces")),
        flagged=sums.flagged,
        merged=sums.merged,
        head_only=head,
        reviews=sums.counts["needs-review"] if head else None,
        machine_count=sums.counts["unreviewed"] if head else None,
        adopted=data.get("adopted") is True,
    )
    for what, rel, parent in (("root", record.root, True), ("source", record.rel, False), ("article", record.article, False)):
        problem = relative_problem(rel, allow_parent=parent)
        if problem:
            raise Damaged(file, f"{what}: {problem}")
    for rel, _ in record.outputs:
        problem = relative_problem(rel) or (f"{rel!r} is inside the records" if rel.split("/")[0] == FOLDER else "")
        if problem:
            raise Damaged(file, f"outputs: {problem}")
    return record


def _list(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise TypeError(f"{what} is not a list")
    return value


def _mapping(value: object, what: str) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not a mapping")
    return value


def _block(value: object, models: list[ModelId]) -> tuple[str, tuple[Sentence, ...]]:
    h, sentences = _list(value, "a block")
    return _hex(h, "a block hash"), tuple(_sentence(s, models) for s in _list(sentences, "a block's sentences"))


def _sentence(d: object, models: list[ModelId]) -> Sentence:
    d = _mapping(d, "a sentence")
    target = d.get("t")
    model = d.get("m")
    if model is not None and (not isinstance(model, int) or isinstance(model, bool) or model < 0):
        raise TypeError("a sentence's model is not an index")
    return Sentence(
        hash=_hex(d["h"], "a sentence hash"),
        origin=_origin(d["o"]),
        target=None if target is None else _text(target, "a target"),
        model=models[model] if model is not None else None,
        flags=tuple(_text(f, "a flag") for f in _list(d.get("f", []), "flags")),
        shown=_pair(d.get("shown")),
        review_of=_text(d.get("review_of", ""), "review_of"),
        suggestion=_pair(d.get("suggestion")),
        acks=tuple(Ack(*_strings(a, 4)) for a in _list(d.get("ack", []), "acknowledgements")),
        history=tuple(Change(*_strings(c, 4)) for c in _list(d.get("hist", []), "history")),
        needs_editing=_pair(d.get("ne")),
    )


def _legacy(data: dict) -> Record:
    """A record of format 1 (hashes only; the targets were in the memory of the machine that made it)."""
    origins = {"m": MACHINE, "h": HUMAN, "s": MACHINE}
    blocks = tuple(
        (str(h), tuple(Sentence(str(s[0]), origins[s[1]], None, review_of=str(s[2]) if s[1] == "s" else "") for s in ss))
        for h, ss in _list(data["blocks"], "blocks")
    )
    return Record(
        root=os.path.realpath(_text(data["root"], "root")),  # not Path.resolve(): a link loop there raised
        rel=_text(data["rel"], "rel"),
        source_lang=_lang(data["source_lang"], "source_lang"),
        target_lang=_lang(data["target_lang"], "target_lang"),
        source_sha256=_text(data["source_sha256"], "source_sha256"),
        article=_text(data["article"], "article"),
        blocks=blocks,
        outputs=tuple((_text(p, "an output"), _text(h, "a hash")) for p, h in data.get("outputs", [])),
        model=ModelId(str(data.get("engine", "")), str(data.get("model", "")), str(data.get("model_version", ""))),
        legacy=True,
    )


@dataclass
class Stored:
    """An article's record as the output folder holds it: the committed one, a pending one left by
    a run that was interrupted while writing, and why either could not be read."""

    record: Record | None
    pending: Record | None = None
    damaged: str = ""  # one line naming the file, when a record or pending record is damaged

    @property
    def latest(self) -> Record | None:
        return self.pending or self.record

    @property
    def interrupted_adoption(self) -> str:
        """Why translate must leave this article alone: an adopt was interrupted writing it (the
        translator's text is only in the pending record until adopt completes it)."""
        if self.pending is not None and self.pending.adopted:
            return "an interrupted `pipeline adopt` left its record pending; run `pipeline adopt` on it again to complete it"
        return ""

    def ours(self) -> dict[str, set[str]]:
        """Output path -> every hash the pipeline wrote there (old state and interrupted new state)."""
        found: dict[str, set[str]] = {}
        for r in (self.record, self.pending):
            for p, h in r.outputs if r else ():
                found.setdefault(p, set()).add(h)
        return found
