"""bench/fuzz.py's targets for the state the output folder holds: the files a pull request changes.

Seeds come from a real run (`Seeds.make`: four articles, one in a subfolder and one Ukrainian,
translated with the pseudo engine, one exported as PO, corrected and approved by an editor, one
sentence marked "needs editing" in the review app); each input is one of them, mutated, put in its
place in that output folder:

  record     a committed record (`records.load`, then `RecordStore.stored`), its sidecar mutated too
             at times
  pending    a pending record (`<path>.json.new`, everything inline), the committed one beside it
  sidecar    a record's `.outputs` (`sidecar.load`, then `RecordStore.stored`)
  sources    `records/sources.txt` (`RecordStore.roots`)
  bilingual  the bilingual JSON and the exchange files (PO, XLIFF, TMX) as an editor sends them back
             (`exchange.read_file`, then `exchange.accept` against the output folder; a bilingual JSON
             also through `evaluate.scores.checked_from_bilingual`)

Mutations: truncated, bytes flipped, ranges cut or repeated, git conflict markers inserted, and,
in the parsed JSON, any value retyped, deleted or replaced by a hostile path (absolute, climbing,
empty, NUL, the records themselves, a symbolic link loop, a name with a newline or a backslash),
nesting deepened, lists repeated, model indexes out of range; sidecar lines with escaped names.

Every input must end as a record (or exchange), None, or a refusal (`Damaged`, `InputError`, a
problem line of the store) with a one-line message, never another exception. A record the store
accepts must be safe to use: each output a file of the output folder, its article and source inside,
its sentences, counts and hashes readable, and written back (`records.dump`, `sidecar.dump`) it must
read back as the same record. One input in four also runs `freshness.check` (what `check` and
`prune` read) over the output folder.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from pipeline import formats
from pipeline.core.errors import InputError
from pipeline.store import records, sidecar
from pipeline.store.layout import PENDING, Layout, relative_problem
from pipeline.store.records import Damaged, Record
from pipeline.store.store import RecordStore

TARGETS = ("record", "pending", "sidecar", "sources", "bilingual")
ROOT = Path(__file__).resolve().parent.parent

MARKUP = """---
title: Markup *and* links
lang: en
tags: [a, b]
---

# Release 2.5

The **offensive** began on [Thursday](https://example.org/a_b) at 10:00. Forces advanced 2.5 km, see `code()`.

- one point with <b>html</b>
- another point[^1]

[^1]: A note.
"""


@dataclass(frozen=True)
class Seeds:
    project: Path  # src/, out/, config.yaml of a real run
    files: dict[str, tuple[Path, ...]]  # target -> the files it mutates (in out/ or the project)

    @property
    def out(self) -> Path:
        return self.project / "out"

    @classmethod
    def once(cls) -> Seeds:
        """The seeds of this process, made on first use (a real run takes seconds), removed at exit."""
        if not _MADE:
            folder = Path(tempfile.mkdtemp(prefix="fuzz-store-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _MADE.append(cls.make(folder))
        return _MADE[0]

    @classmethod
    def make(cls, folder: Path) -> Seeds:
        """A real run: translate, export, correct and approve, import, mark in the review app."""
        project = folder / "seed"
        src = project / "src"
        (src / "blog" / "2025").mkdir(parents=True)
        for name in ("zelensky-kursk-advance.md", "warren-hard-look.md", "avalanche-washington.uk.md"):
            shutil.copy(ROOT / "examples" / "news" / name, src)
        (src / "blog" / "2025" / "markup.md").write_text(MARKUP)
        (project / "config.yaml").write_text("engine: pseudo\n")
        pipeline(project, "translate", "src", "--out", "out")
        (po,) = pipeline(project, "export", "src/blog/2025/markup.md", "--out", "out", "--format", "po", "--dest", "exchange").split()
        text = (project / po).read_text()
        text = text.replace('msgstr "⟦uk⟧ A note."', 'msgstr "Примітка."').replace(
            '#, x-state-translated\nmsgid "Release', '#, x-state-reviewed\nmsgid "Release'
        )
        (project / po).write_text(text)
        pipeline(project, "import", po, "--out", "out", "--editor", "Olena")
        _mark(project)
        exported = pipeline(project, "export", "src", "--out", "out", "--dest", "exchange").split()
        layout = Layout(project / "out")
        record_files = tuple(sorted(f for _, f in layout.record_files()))
        for file in record_files:  # what an interrupted run leaves: the record, inline
            (folder / "pending" / file.relative_to(layout.folder)).parent.mkdir(parents=True, exist_ok=True)
            record = records.load(file)
            assert record is not None
            (folder / "pending" / file.relative_to(layout.folder)).write_text(records.dump(record, inline=True))
        bilingual = tuple(sorted((project / "out" / "bilingual").rglob("*.json")))
        (project / "returned").mkdir()  # where an editor's files come back
        loop = project / "loop"
        loop.symlink_to("loop")  # a symbolic link loop, for paths to lead into
        return cls(
            project,
            {
                "record": record_files,
                "pending": tuple(sorted((folder / "pending").rglob("*.json"))),
                "sidecar": tuple(Layout.sums(f) for f in record_files),
                "sources": (layout.sources_file,),
                "bilingual": bilingual + tuple(project / p for p in sorted(exported)),
            },
        )


_MADE: list[Seeds] = []


def pipeline(project: Path, *args: str) -> str:
    """The command as a user runs it, in this process (click's runner: a seed costs no start-up)."""
    from click.testing import CliRunner

    from pipeline.cli import main

    here = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(here)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def _mark(project: Path) -> None:
    """An editor marks a sentence "needs editing" in the review app."""
    here = Path.cwd()
    os.chdir(project)
    try:
        from pipeline.core.config import load
        from pipeline.review.project import Project
        from pipeline.review.saving import Place
        from pipeline.workspace import Workspace

        review = Project(Workspace.open(load(), "out"), ["src"], editor="Taras")
        article = review.article("uk", "warren-hard-look.md")
        s = next(s for s in article.sentences() if s.editable)
        assert review.mark(Place("uk", "warren-hard-look.md", s.id, s.base), needs_editing=True).ok
    finally:
        os.chdir(here)


# --- mutations ---------------------------------------------------------------------------------

PATHS = [
    "/etc/passwd",
    "../../victim/pwned.md",
    "..",
    "../..",
    ".",
    "",
    "uk/a\x00b.md",
    "records/uk/warren-hard-look.md.json",
    "uk/../../x.md",
    "uk/a\nb.md",
    "uk/a\\b.md",
    "uk/a\\nb.md",
    "loop/x.md",
    "../loop/x",
    "~/.bashrc",
    "uk//warren-hard-look.md",
    "./uk/warren-hard-look.md",
    "uk/warren-hard-look.md/",
    "bilingual/warren-hard-look.en-uk.json",
    "a" * 300,
    "/dev/zero",
    "\u202euk/x.md",
    "\ud800",
    "../src",
    "../../src",
    "src",
]
VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**40,
    1e308,
    "",
    "x",
    "\ud800",
    "\x00",
    [],
    {},
    [[]],
    {"a": 1},
    ["a", "b"],
    "machine",
    "human",
    "kept",
]
SPLICES = [
    b"<<<<<<< HEAD\n",
    b"=======\n",
    b">>>>>>> theirs\n",
    b"||||||| base\n",
    b"<<<<<<<",
    b"\\",
    b'"',
    b"\x00",
    b"\xff",
    b"\r\n",
    b"\\ud800",
    b"\\u0000",
    b"[" * 70,
    b"{" * 2000,
    b"\n" + b"0" * 64 + b"  ../x\n",
    b"\n\\" + b"0" * 64 + b"  uk/a\\nb.md\n",
    b"\n\\" + b"0" * 64 + b"  uk/a\\\\\n",
    b"\n" + b"A" * 64 + b"  uk/x.md\n",
    b"\n" + b"0" * 64 + b" *uk/x.md\n",
    b"\nflagged * 3\n",
    b"\nflagged a b 3\n",
    b"\nneeds-review 9999999999\n",
    b"\nunreviewed -1\n",
    b"\n../src\n",
    b"\n/etc\n",
    b"\n../../..\n",
    b"\nloop\n",
    b"\n../loop\n",
]


def pick(draw, n: int) -> int:
    """One of n choices; 0 is what hypothesis draws most, so a choice 0 is the mildest."""
    return draw(st.integers(0, 2**16)) % n


def spread(draw, n: int) -> int:
    """An index below n, spread over all of them (hypothesis's favourite small numbers too)."""
    return (draw(st.integers(0, 2**32)) * 2654435761 + 40503) % (2**32) % n


TEXTS = ["<x1/>", "<g1>", "</g1>", "<x99/>", "<g1></g2>", "\x00", "\x1b", "  \n ", "", "x" * 10_000, "<<<<<<< HEAD", "⟦uk⟧ ", "\\"]


@st.composite
def json_mutation(draw, value, depth: int = 0):
    """value with one thing changed at a node drawn from its tree (most often a leaf)."""
    if isinstance(value, (dict, list)) and value and pick(draw, 64 if depth == 0 else 8) != 5:  # mostly further down
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = keys[spread(draw, len(keys))]
        copy = dict(value) if isinstance(value, dict) else list(value)
        op = pick(draw, 12)
        if op == 1 and isinstance(copy, dict):
            del copy[key]
        elif op == 2 and isinstance(copy, list):
            copy[key : key + 1] = [copy[key]] * draw(st.integers(2, 3000))
        elif op == 3 and isinstance(copy, dict):
            copy[draw(st.sampled_from(["t", "o", "m", "f", "shown", "ack", "hist", "ne", "review_of", "suggestion", "x"]))] = draw(
                st.sampled_from(VALUES)
            )
        else:
            copy[key] = draw(json_mutation(copy[key], depth + 1))  # type: ignore[index]
        return copy
    op = pick(draw, 8)
    if op == 0 and isinstance(value, str):
        return value + draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=5)))
    if op in (1, 2):
        return draw(st.sampled_from(PATHS))
    if op == 3:
        for _ in range(draw(st.sampled_from([30, 62, 63, 64, 65, 200]))):  # deeper: SPLICES (json.dumps recurses)
            value = [value]
        return value
    if op == 4 and isinstance(value, int):
        return draw(st.sampled_from([-1, 99, 2**63, True]))
    return draw(st.sampled_from(VALUES))


@st.composite
def unit_mutation(draw, data: bytes) -> bytes:
    """An exchange file as an editor might send it back: units' targets, ids, sources or states
    changed, its document or languages replaced; written again in its format."""
    kind = formats.detect(data)
    exchange = formats.read(data, kind)
    units = list(exchange.units)
    for _ in range(draw(st.integers(1, 4)) if units else 0):
        i = spread(draw, len(units))
        field = draw(st.sampled_from(["target", "target", "target", "id", "source", "state"]))
        if field == "state":
            units[i] = dataclasses.replace(units[i], state=draw(st.sampled_from(formats.STATES)))
            continue
        old = getattr(units[i], field)
        new = draw(st.one_of(st.sampled_from([old + t for t in TEXTS]), st.sampled_from(PATHS), st.text(max_size=20)))
        if field == "target" and pick(draw, 3) == 1:
            new = units[spread(draw, len(units))].target  # another sentence's
        try:
            units[i] = dataclasses.replace(units[i], **{field: new})
        except ValueError:
            pass  # its codes forbid it: the file's own reader says the same
    document, source, target = exchange.document, exchange.source_lang, exchange.target_lang
    if pick(draw, 4) == 1:
        document = draw(st.sampled_from(PATHS))
    if pick(draw, 6) == 1:
        source, target = draw(st.sampled_from([("uk", "en"), ("en", "en"), ("xx", "uk"), ("en", "../uk")]))
    try:
        return formats.write(formats.Exchange(document, source, target, tuple(units)), kind)
    except (ValueError, UnicodeEncodeError):
        return data


@st.composite
def line_mutation(draw, data: bytes) -> bytes:
    """A sidecar or sources.txt with lines changed: a path replaced (in a sidecar, escaped as
    sha256sum escapes it, or raw), a line repeated (as git's union merge does) or dropped, a
    conflict around it, a count added, a CRLF ending."""
    lines = data.decode("utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = spread(draw, len(lines)) if lines else 0
        op = pick(draw, 6)
        if op == 0 and lines:
            m = sidecar._SUM_RE.match(lines[i].rstrip("\n"))
            path = draw(st.sampled_from(PATHS))
            if m is None:
                lines[i] = path + "\n"
            else:
                lines[i] = (sidecar._sum_line(m.group(2), path) if pick(draw, 2) == 0 else f"{m.group(2)}  {path}") + "\n"
        elif op == 1 and lines:
            lines.insert(i, lines[i])
        elif op == 2 and lines:
            lines[i : i + 1] = ["<<<<<<< HEAD\n", lines[i], "=======\n", draw(st.sampled_from(lines)), ">>>>>>> theirs\n"]
        elif op == 3 and lines:
            del lines[i]
        elif op == 4:
            lines.insert(i, draw(st.sampled_from(["flagged * 3\n", "flagged numbers 1\n", "needs-review 1\n", "unreviewed 0\n", "\n"])))
        elif lines:
            lines[i] = lines[i].replace("\n", "\r\n")
    return "".join(lines).encode("utf-8", "surrogatepass")


@st.composite
def mutated(draw, data: bytes, kind: str) -> bytes:
    """The bytes of a seed, changed: in its JSON or its units, then (or only) as bytes."""
    structural = pick(draw, 8) != 5
    if structural and kind == "text":
        data = draw(line_mutation(data))
    elif structural and kind == "exchange":
        data = draw(unit_mutation(data))
    elif structural:
        value = json.loads(data)
        for _ in range(draw(st.integers(1, 4))):
            value = draw(json_mutation(value))
        ascii_only = draw(st.booleans())
        data = json.dumps(value, ensure_ascii=ascii_only, indent=draw(st.sampled_from([None, 1]))).encode("utf-8", "surrogatepass")
    out = bytearray(data)
    for _ in range((pick(draw, 4) == 3) * draw(st.integers(1, 2)) if structural else draw(st.integers(1, 4))):
        op = draw(st.integers(0, 5))
        at = pick(draw, len(out) + 1)
        if op == 0 and out:
            out[min(at, len(out) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            del out[at : at + draw(st.integers(1, 80))]
        elif op in (2, 3):
            line = out.rfind(b"\n", 0, at) + 1 if op == 3 else at  # conflict markers start lines
            out[line:line] = draw(st.sampled_from(SPLICES))
        elif op == 4:
            out[at:at] = out[at : at + draw(st.integers(1, 300))]
        else:
            del out[at:]
    return bytes(out)


Input = tuple[Path, bytes, "bytes | None", bool]  # the seed file, its bytes mutated, its sidecar's (or None), deep


@st.composite
def inputs(draw, seeds: Seeds, target: str) -> Input:
    """A seed file of the target, mutated; at times its sidecar too; deep: run `check` as well."""
    files = seeds.files[target]
    file = files[draw(st.integers(0, len(files) - 1))]
    sidecar = None
    if target == "record" and draw(st.integers(0, 3)) == 0:
        sidecar = draw(mutated(Layout.sums(file).read_bytes(), "text"))
    kind = "json" if file.suffix == ".json" else "text" if target in ("sidecar", "sources") else "exchange"
    return file, draw(mutated(file.read_bytes(), kind)), sidecar, pick(draw, 4) == 1


# --- probes: what is refused (one line each), or an AssertionError when what was accepted is unsafe ---


def probe(seeds: Seeds, target: str) -> Callable[[Input], list[str]]:
    """The target's check of one input: the refusals (lines); raises on anything else."""

    def run(given: Input) -> list[str]:
        file, data, sidecar, deep = given
        place = _place(seeds, target, file)
        saved = {p: p.read_bytes() if p.exists() else None for p in (place, Layout.sums(place))}
        try:
            place.write_bytes(data)
            if sidecar is not None:
                Layout.sums(place).write_bytes(sidecar)
            refused = _bilingual(seeds, place) if target == "bilingual" else _store_target(seeds, target, place)
            if deep and target != "bilingual":
                refused += _check(seeds)
            return refused
        finally:
            for p, before in saved.items():
                if before is None:
                    p.unlink(missing_ok=True)
                else:
                    p.write_bytes(before)

    return run


def _place(seeds: Seeds, target: str, file: Path) -> Path:
    if target == "pending":  # a pending record in its place, beside the committed one
        return Layout.pending(Layout(seeds.out).folder / file.relative_to(seeds.project.parent / "pending"))
    if target == "bilingual":
        return seeds.project / "returned" / file.name
    return file


def _store_target(seeds: Seeds, target: str, place: Path) -> list[str]:
    store = RecordStore(seeds.out, [seeds.project.resolve()])
    if target == "sources":
        roots = store.roots()
        for root in roots:
            assert store.root_path(root) is not None, f"roots() gave {root!r}, which root_path refuses"
        return store.problems
    record_file = place.with_name(place.name.removesuffix(PENDING)) if target == "pending" else place
    if target == "sidecar":
        record_file = place.with_suffix(".json")
    if target == "sidecar":
        try:
            sums = sidecar.load(place)
        except Damaged as e:
            return [str(e)]
        for rel, digest in sums.outputs:
            assert not relative_problem(rel), f"the sidecar gave {rel!r}"
            line = sidecar._sum_line(digest, rel)
            m = sidecar._SUM_RE.match(line)
            assert m and "\n" not in line and (sidecar._unescape(m.group(3)) if m.group(1) else m.group(3)) == rel, f"{rel!r} as a line"
    elif target == "record":
        try:
            records.load(record_file)
        except Damaged as e:
            return [str(e)]
    target_lang = record_file.relative_to(store.layout.folder).parts[0]
    rel = record_file.relative_to(store.layout.folder / target_lang).as_posix().removesuffix(".json")
    refused = []
    for head_only in (False, True):
        stored = store.stored(target_lang, rel, head_only=head_only)
        if stored.damaged:
            refused.append(stored.damaged)
        for record in (stored.record, stored.pending):
            if record is not None:
                _use(store, record, head_only)
    return refused


def _use(store: RecordStore, record: Record, head_only: bool) -> None:
    """A record the store accepted is safe to use: every path inside, everything readable, and it
    reads back as itself when written again."""
    for rel, digest in record.outputs:
        store.layout.inside(rel)  # ValueError: an output outside the output folder was accepted
        assert isinstance(digest, str)
    if not record.legacy:
        assert not relative_problem(record.article), f"article {record.article!r} accepted"
        assert store.source_of(record) is not None
    store.outputs_problem(record)
    records.Stored(record).ours()
    assert isinstance(record.needs_review, int) and isinstance(record.unreviewed, int)
    record.by_hash()
    if record.legacy or head_only:
        return
    again = store.layout.folder / ".fuzz" / "again.json"
    again.parent.mkdir(exist_ok=True)
    again.write_text(records.dump(record), encoding="utf-8")
    Layout.sums(again).write_text(sidecar.dump(record), encoding="utf-8")
    back = records.load(again)
    shutil.rmtree(again.parent)
    assert back is not None
    differ = [f.name for f in dataclasses.fields(Record) if f.name != "merged" and getattr(back, f.name) != getattr(record, f.name)]
    assert not differ, f"written back, the record does not read as itself: {', '.join(differ)}"


def _check(seeds: Seeds) -> list[str]:
    """What `check` and `prune` read: every translation's state, each detail one line."""
    from pipeline.commands import freshness
    from pipeline.core.config import load
    from pipeline.workspace import Workspace

    here = Path.cwd()
    os.chdir(seeds.project)
    try:
        items, problems = freshness.check(Workspace.open(load(), "out"), ["src"])
    finally:
        os.chdir(here)
    for item in items:
        assert "\n" not in item.detail, f"check's detail is not one line: {item.detail!r}"
    return [str(p) for p in problems]


def _bilingual(seeds: Seeds, place: Path) -> list[str]:
    """An editor's file as import reads it, merged against the output folder (nothing is written)."""
    from pipeline.commands import exchange, importing
    from pipeline.core.config import load
    from pipeline.evaluate import scores
    from pipeline.workspace import Workspace

    refused = []
    if place.suffix == ".json":
        try:
            scores.checked_from_bilingual(place)
        except InputError as e:
            refused.append(str(e))
    here = Path.cwd()
    os.chdir(seeds.project)
    try:
        ws = Workspace.open(load(), "out")
        try:
            found = exchange.read_file(place)
            accepted = importing.accept(found, place.name, ws)
            refused += accepted.problems
        except InputError as e:
            refused.append(str(e))
    finally:
        os.chdir(here)
    return refused
