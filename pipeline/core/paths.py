"""Which files to translate, what each one is called, and where its outputs go.

An article's identity is its path inside its *source folder* (``rel``), the same however it is
named: through its folder or as a file, from any working directory, after the project was moved or
cloned. The source folder of a file is the deepest *known* source folder holding it (``sources:``
in config.yaml, and those the output folder has recorded), else the folder named on the command
line (a file named alone: its folder).
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.core.errors import InputError, PipelineError
from pipeline.store.fileio import not_regular
from pipeline.store.layout import FOLDER as RECORDS


@dataclass(frozen=True)
class Source:
    path: Path  # the file
    root: Path  # its source folder (absolute, symbolic links resolved)
    rel: str  # POSIX path inside root: the article's identity, used in output paths
    shown: str  # how the user named it, for messages (quoted when it holds unprintable characters)
    # the file itself inside root, links resolved (the file is read from root without following any
    # link, so one swapped in during a run cannot lead outside); None: a file the user named that
    # lies elsewhere (read as named)
    real_rel: str | None = None


def shown(name: str) -> str:
    """A path for a one-line message: as it is when printable, else quoted with escapes, so a
    newline or an undecodable byte in a file name cannot split or garble the line."""
    if name.isprintable() and not any("\udc80" <= c <= "\udcff" for c in name):
        return name
    try:
        return ascii(name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte (read from JSON, say)
        return ascii(name)


def real(path: str | Path) -> Path:
    """An absolute path with the symbolic links of its folders resolved, the file's own link kept."""
    p = Path(os.path.abspath(path))
    return Path(os.path.realpath(p.parent)) / p.name if p.name else Path(os.path.realpath(p))


def resolved(path: str | Path) -> Path:
    """Path.resolve() that never raises: a link loop planted in the output folder resolves to the
    loop's own path (which is then refused as a link), not to a RuntimeError."""
    return Path(os.path.realpath(path))


class Resolver:
    """real() and resolved() for one article's outputs, each folder's links resolved once: its
    three outputs share the output folder and one or two folders below it, and os.path.realpath
    is an lstat and a few path operations per component of every path (~4,400 per run). A path
    whose own name is no link resolves to its folder's real path and that name, as realpath gives."""

    def __init__(self) -> None:
        self.folders: dict[str, Path] = {}
        self.reals: dict[str, Path] = {}
        self.paths: dict[str, Path] = {}
        self.roots: dict[tuple[str, str], str] = {}  # relative_root's

    def folder(self, folder: str) -> Path:
        """os.path.realpath of an absolute, normalized folder: its parent's, and its name unless it is
        a link (one lstat per folder, not one per component of every path)."""
        found = self.folders.get(folder)
        if found is None:
            parent, name = os.path.split(folder)
            if name and parent != folder and not os.path.islink(folder):
                found = self.folder(parent) / name
            else:
                found = Path(os.path.realpath(folder))
            self.folders[folder] = found
        return found

    def real(self, path: str | Path) -> Path:
        key = os.fspath(path)
        found = self.reals.get(key)
        if found is None:
            p = os.path.abspath(key)
            parent, name = os.path.split(p)
            found = self.reals[key] = self.folder(parent) / name if name else self.folder(p)
        return found

    def resolved(self, path: str | Path) -> Path:
        key = os.fspath(path)
        found = self.paths.get(key)
        if found is None:
            # ".." after a link climbs from where the link leads: realpath resolves such a path itself
            found = self.paths[key] = resolved(path) if ".." in key or os.path.islink(path) else self.real(path)
        return found


def deepest(file: Path, roots: Iterable[Path]) -> Path | None:
    best = None
    for root in roots:
        if file.is_relative_to(root) and file != root and (best is None or len(root.parts) > len(best.parts)):
            best = root
    return best


def check_out_dir(inputs: Sequence[str], out_dir: Path) -> None:
    """The output folder itself, or its records, named as sources would feed a run its own outputs.
    A source folder inside the output folder is fine (a Hugo site translated in place: the site is
    the output folder, content/en the sources), and so is an output folder inside a source folder
    (it is skipped when reading); outputs never land inside a source folder (see run)."""
    out = real(out_dir)
    for given in inputs:
        here = real(given)
        if here == out or here.is_relative_to(out / RECORDS):
            raise PipelineError(f"{shown(given)} is the output folder {shown(str(out_dir))} or its records; choose another --out")


def discover(
    inputs: Sequence[str],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    skip: Sequence[Path] = (),
    roots: Sequence[Path] = (),
) -> tuple[list[Source], list[InputError]]:
    """Article files under the given files and folders, in a stable order, each with its identity.

    Hidden folders, folders in ``skip`` (the output folder) and symbolic links that lead outside
    the folder being read are passed over; the links, files that are not regular files, and
    names that are not UTF-8 are reported, one line each.
    """
    found: list[Source] = []
    errors: list[InputError] = []
    skipped = {real(p) for p in skip}
    known = [Path(os.path.realpath(r)) for r in roots]  # folders: a folder's own link too (see Source.root)
    seen: set[Path] = set()

    def add(file: Path, named_root: Path, name_shown: str) -> None:
        identity = real(file)
        if identity in seen:
            return
        seen.add(identity)
        try:
            name_shown.encode("utf-8")
        except UnicodeEncodeError:
            errors.append(InputError(shown(name_shown), "its name is not valid UTF-8; rename it"))
            return
        try:
            mode = os.stat(file).st_mode
        except OSError as e:
            errors.append(InputError(shown(name_shown), f"cannot read: {e.strerror or e}"))
            return
        why = not_regular(mode)
        if why:
            errors.append(InputError(shown(name_shown), why))
            return
        root = deepest(identity, known) or named_root
        if not identity.is_relative_to(root):  # a folder on its way was swapped for a link while walking
            errors.append(InputError(shown(name_shown), "its folder leads outside the source folder (a symbolic link); skipped"))
            return
        target = Path(os.path.realpath(file))
        real_rel = target.relative_to(root).as_posix() if target.is_relative_to(root) else None
        found.append(Source(file, root, identity.relative_to(root).as_posix(), shown(name_shown), real_rel))

    for given in inputs:
        path = Path(given)
        if not path.is_dir():
            if os.path.lexists(path) and not path.exists():
                errors.append(InputError(shown(given), "a broken symbolic link (or a link loop)"))
            elif path.exists():
                add(path, real(path).parent, given)
            else:
                errors.append(InputError(shown(given), "no such file or folder"))
            continue
        root = Path(os.path.realpath(path))  # a folder named through a link is the folder it leads to
        for folder, dirs, files in os.walk(
            path, onerror=lambda e: errors.append(InputError(shown(str(e.filename)), f"cannot read: {e.strerror}"))
        ):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and real(here / d) not in skipped)
            for name in sorted(files):
                file = here / name
                rel = file.relative_to(path).as_posix()
                if not any(fnmatch.fnmatch(name, p) for p in include) or any(
                    fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in exclude
                ):
                    continue
                name_shown = str(Path(given) / rel)
                if file.is_symlink():
                    target = Path(os.path.realpath(file))
                    if not file.exists():
                        errors.append(InputError(shown(name_shown), "a broken symbolic link (or a link loop); skipped"))
                        continue
                    if not target.is_relative_to(root):
                        errors.append(InputError(shown(name_shown), "symbolic link to a file outside the source folder; skipped"))
                        continue
                add(file, root, name_shown)
    return found, errors


def source_at(root: Path, rel: str, name: str) -> Source:
    """The article at rel inside the source folder root (a record names it so)."""
    path = root / rel
    target = Path(os.path.realpath(path))
    return Source(path, root, rel, name, target.relative_to(root).as_posix() if target.is_relative_to(root) else rel)


def output_path(
    out_dir: Path, template: str, source: Source, source_lang: str, target_lang: str, suffix: str = "", at: Resolver | None = None
) -> Path:
    """Fill an output template; refuses any result that would leave the output folder (links
    resolved by ``at``, when given: the article's other outputs share its folders)."""
    path, folder, stem, ext = _fields(source.rel)
    filled = template.format(target=target_lang, source=source_lang, path=path, dir=folder, stem=stem, ext=ext)
    parts = [p for p in filled.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or filled.startswith("/"):  # (PurePosixPath(filled).is_absolute())
        raise InputError(source.shown, f"output path {filled!r} would leave the output folder")
    if parts[0] == RECORDS:
        raise InputError(source.shown, f"output path {filled!r} is inside the output folder's {RECORDS}/; change output templates")
    result = out_dir.joinpath(*parts[:-1], parts[-1] + suffix)  # (the last part is a name: with_name would take it)
    at = at or Resolver()
    if not at.resolved(result).is_relative_to(at.resolved(out_dir)):
        raise InputError(source.shown, f"output path {result} leads outside the output folder")
    return result


@functools.lru_cache(maxsize=256)  # an article's outputs fill their templates from the same fields
def _fields(rel: str) -> tuple[str, str, str, str]:
    """The template fields of an article's path: path, dir, stem, ext."""
    path = PurePosixPath(rel)
    parent = path.parent.as_posix()
    return path.as_posix(), "" if parent == "." else parent, path.stem, path.suffix


def relative_root(root: Path, out_dir: Path, at: Resolver | None = None) -> str:
    """A source folder as the output folder records it: relative to the output folder (``at``:
    once per folder while it lives; a run's articles share one or two source folders)."""
    if at is None:
        return PurePosixPath(os.path.relpath(root, real(out_dir))).as_posix()
    key = (os.fspath(root), os.fspath(out_dir))
    found = at.roots.get(key)
    if found is None:
        found = at.roots[key] = PurePosixPath(os.path.relpath(root, at.real(out_dir))).as_posix()
    return found
