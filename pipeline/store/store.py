"""The record store: the one reader of the records folder (its layout is in layout.py, its format in
records.py). Everything it reads comes from a folder that pull requests change, so every record is
checked before it is used: it must sit at the path of the article it names, its source folder
must be one the project allows, and its outputs must be files of the output folder. A record that
fails is *damaged*: one line naming the file, costing that article only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.core import paths
from pipeline.core.errors import InputError
from pipeline.core.hashes import file_sha256
from pipeline.core.languages import well_formed
from pipeline.store import fileio, files, records
from pipeline.store.files import Damaged
from pipeline.store.layout import Layout, relative_problem
from pipeline.store.records import Record, Stored

MAX_SOURCES_BYTES = 1_000_000


@dataclass
class RecordStore:
    out: Path  # the output folder, as named
    allowed: Sequence[Path] = ()  # folders a record's source may lie in (real paths); empty: any
    problems: list[str] = field(default_factory=list)  # one line each: what was refused while reading
    _owners: dict[str, list[tuple[str, str]]] | None = None  # output -> (target, rel) of the records listing it
    _verified: set[Path] = field(default_factory=set)  # folders of the records known not to be links
    _allowed_real: tuple[Path, ...] | None = None
    _layout: Layout | None = field(default=None, repr=False, compare=False)

    @property
    def layout(self) -> Layout:
        if self._layout is None or self._layout.out is not self.out:  # made once; again if out is reassigned
            self._layout = Layout(self.out)
        return self._layout

    # --- one article ---------------------------------------------------------------------------------

    def stored(self, target: str, rel: str, head_only: bool = False, legacy_root: Path | None = None) -> Stored:
        """An article's committed and pending records. A damaged one is left out and named in
        Stored.damaged (the article then fails, with that line). target and rel may come from an
        editor's file: one that names no article of the output folder is damaged too."""
        problem = _name_problem(target, rel)
        if problem:
            return Stored(None, None, f"{paths.shown(rel)} ({target}): {problem}; it names no article of {self.out}")
        file = self.layout.record(target, rel)
        pending_file = Layout.pending(file)
        damaged: list[str] = []
        record = self._load(file, target, rel, damaged, head_only and not os.path.lexists(pending_file))
        if record is None and legacy_root is not None and not damaged:
            legacy = self._load(self.layout.legacy(target, rel), target, rel, [], False)
            record = legacy if legacy is not None and Path(legacy.root) == legacy_root else None
        pending = self._load(pending_file, target, rel, damaged, False)
        if pending is not None and pending.legacy:
            pending = None
        return Stored(record, pending, damaged[0] if damaged else "")

    def _load(self, file: Path, target: str, rel: str, damaged: list[str], head_only: bool) -> Record | None:
        linked = self._linked(file.parent)
        if linked:
            damaged.append(f"{file}: {linked} is a symbolic link; the records are read only inside {self.out}")
            return None
        try:
            record = records.load(file, head_only=head_only)
        except Damaged as e:
            damaged.append(str(e))
            return None
        if record is None:
            return None
        problem = self.problem(record, target, rel)
        if problem:
            damaged.append(f"{file}: {problem}")
            return None
        return record

    def _linked(self, folder: Path) -> str:
        """The first folder between the output folder and this one that is a symbolic link, or ""."""
        if folder in self._verified:  # so was every folder above it: each article's record is looked for 3 times
            return ""
        parts = folder.relative_to(self.out).parts
        here = self.out
        for part in parts:
            here = here / part
            if here in self._verified:
                continue
            if here.is_symlink():
                return self.layout.rel(here)
            self._verified.add(here)
        return ""

    def problem(self, record: Record, target: str, rel: str) -> str:
        """Why a record read from the file of (target, rel) cannot be that article's, or ""."""
        if record.target_lang != target:
            return f"is a record of a translation into {record.target_lang!r}, not {target}"
        if record.legacy:
            return ""  # format 1 named absolute roots; it is only read to be replaced
        if record.rel != PurePosixPath(rel).as_posix():
            return f"names the article {record.rel!r}, not {rel!r} whose place it holds"
        if self.source_of(record) is None:
            return f"its source folder {record.root!r} is outside the project"
        return ""

    def source_of(self, record: Record) -> Path | None:
        """The source file a record names, or None when its folder is not one the project allows."""
        root = self.root_path(record.root)
        return None if root is None else Path(os.path.normpath(root / record.rel))

    def root_path(self, root: str) -> Path | None:
        """A source folder as records name it (relative to the output folder), or None when it is
        not one the project allows (outside the project, not a relative path)."""
        if relative_problem(root, allow_parent=True):
            return None
        folder = Path(os.path.normpath(paths.real(self.out) / root))
        records = paths.real(self.layout.folder)
        if folder == paths.real(self.out) or folder == records or folder.is_relative_to(records):
            return None  # the output folder's own files are never sources
        if self.allowed:
            # by real paths: a link planted in the project (lnk -> ../victim) names the folder it leads to
            real, allowed = Path(os.path.realpath(folder)), self._real_allowed()
            if not any(real == a or real.is_relative_to(a) for a in allowed):
                return None
        return folder

    def _real_allowed(self) -> tuple[Path, ...]:
        if self._allowed_real is None:
            self._allowed_real = tuple(Path(os.path.realpath(a)) for a in self.allowed)
        return self._allowed_real

    def outputs_problem(self, record: Record) -> str:
        """Whether the outputs are what the record says the pipeline wrote (a hash of each): "", or
        the first that is not, and how."""
        for rel, digest in record.outputs:
            name = paths.shown(rel)  # a name may hold a newline: the message stays one line
            try:
                path = self.layout.inside(rel)
            except ValueError as e:
                return f"{name}: {e}"
            try:
                data = fileio.read_bytes(path, name, records.MAX_RECORD_BYTES, "", follow=False)
            except InputError as e:
                return f"{name}: {'is gone' if not os.path.lexists(path) else e.reason}"
            if file_sha256(data) != digest:
                return f"{name}: {'was emptied' if not data.strip() else 'was changed since the pipeline wrote it'}"
        return ""

    # --- the whole store ------------------------------------------------------------------------------

    def records(self) -> Iterator[tuple[str, Path, Record | None, str]]:
        """(target, file, record, damaged) for every committed record file: the record, or None and
        the one line that says why it cannot be used."""
        for target, file in self.layout.record_files():
            if not file.name.endswith(".json"):
                continue
            rel = file.relative_to(self.layout.folder / target).as_posix().removesuffix(".json")
            damaged: list[str] = []
            record = self._load(file, target, rel, damaged, False)
            yield target, file, record, damaged[0] if damaged else ""

    def owner(self, output: str) -> tuple[str, str] | None:
        """(target, article) of the record that lists this output (a path relative to the output
        folder), or None."""
        found = self.owners(output)
        return found[0] if found else None

    def owners(self, output: str) -> list[tuple[str, str]]:
        """(target, article) of every record that lists this output. Built on first use: only a
        refused write, or a translation kept at a path of its own, needs it."""
        if self._owners is None:
            self._owners = {}
            for target, _, record, _ in self.records():
                if record is not None and not record.legacy:
                    for p, _ in record.outputs:
                        self._owners.setdefault(p, []).append((target, record.rel))
        return self._owners.get(output, [])

    def roots(self) -> list[str]:
        """The source folders this output folder recorded, relative to it. Lines git left around a
        conflict are read too (both sides' folders are real); a line naming a folder outside the
        project is refused (named in problems)."""
        file = self.layout.sources_file
        if self._linked(file.parent):
            self.problems.append(f"{file}: {self.layout.rel(file.parent)} is a symbolic link; not read")
            return []
        try:
            text = files.read_file(file, MAX_SOURCES_BYTES)
        except Damaged as e:
            self.problems.append(str(e))
            return []
        found = set()
        for n, line in enumerate(files.lines(text or ""), 1):
            line = line.strip()
            if not line or line.startswith(files.CONFLICT_MARKERS):
                continue
            if self.root_path(line) is None:
                self.problems.append(f"{file}: line {n}: {files.short(line)} is not a source folder inside the project; ignored")
                continue
            found.add(line)
        return sorted(found)

    def root_paths(self) -> list[Path]:
        return [p for r in self.roots() if (p := self.root_path(r)) is not None]


def _name_problem(target: str, rel: str) -> str:
    """Why a target language and an article path (from an editor's file) name no record, or ""."""
    try:
        (target + rel).encode("utf-8")
    except UnicodeEncodeError:
        return "not text (a lone surrogate)"
    if not well_formed(target):
        return f"{target!r} is not a language"
    return relative_problem(rel)
