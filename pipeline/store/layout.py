"""Every path of the record store, decided here and nowhere else.

    <out>/records/<target>/<path>.json          an article's record (one sentence per line)
    <out>/records/<target>/<path>.json.new      a pending record: a write in progress
    <out>/records/<target>/<path>.outputs       its sidecar: output hashes and counts (merged by union)
    <out>/records/sources.txt                   the source folders, relative to <out> (merged by union)
    <out>/records/.gitattributes                the union merges above
    <out>/.pipeline/records/<target>/<path>.json  records of format 1 (read, then replaced)

Paths read back from the store (a record's outputs, its source folder) come from files that pull
requests change: ``inside`` is the one check that a relative path names a file of the output folder.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FOLDER = "records"
SOURCES = "sources.txt"
GITATTRIBUTES = ".gitattributes"
PENDING = ".new"
SUMS = ".outputs"
LEGACY_FOLDER = ".pipeline/records"
NAME_MAX, PATH_MAX = 255, 4096  # bytes of a file name and of a path on Linux file systems
# What the pipeline needs in records/.gitattributes; other lines there are the user's and are kept.
ATTRIBUTES = (f"{SOURCES} merge=union", f"*{SUMS} merge=union")


def relative_problem(rel: str, allow_parent: bool = False) -> str:
    """Why a POSIX path read from a record cannot be used as one relative to its folder, or ""."""
    if not rel or "\x00" in rel:  # (a backslash is part of a POSIX file name, not a separator)
        return f"{rel!r} is not a relative path"
    path = PurePosixPath(rel)
    if not path.parts:  # "." names the folder itself, never a file of it
        return f"{rel!r} is not a relative path"
    if path.is_absolute():
        return f"{rel!r} is an absolute path"
    if len(rel.encode("utf-8", "surrogatepass")) > PATH_MAX or any(len(p.encode("utf-8", "surrogatepass")) > NAME_MAX for p in path.parts):
        return f"{rel[:40]!r}... is longer than a file system allows"
    if not allow_parent and ".." in path.parts:
        return f"{rel!r} climbs out of its folder"
    return ""


def _is_link(path: str) -> bool:
    """Path.is_symlink() of a path as a string (no Path made): False when it is missing, as there."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError as e:
        if e.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            raise
        return False
    except ValueError:
        return False


@dataclass(frozen=True)
class Layout:
    out: Path  # the output folder, as the user named it

    @functools.cached_property  # every record's path starts with it
    def folder(self) -> Path:
        return self.out / FOLDER

    @property
    def sources_file(self) -> Path:
        return self.folder / SOURCES

    @property
    def gitattributes(self) -> Path:
        return self.folder / GITATTRIBUTES

    def record(self, target: str, rel: str) -> Path:
        return self.folder / target / (PurePosixPath(rel).as_posix() + ".json")

    def legacy(self, target: str, rel: str) -> Path:
        return self.out / LEGACY_FOLDER / target / (rel + ".json")

    @staticmethod
    def pending(record: Path) -> Path:
        return record.with_name(record.name + PENDING)

    @staticmethod
    def sums(record: Path) -> Path:
        return record.with_name(record.name.removesuffix(".json") + SUMS)

    def rel(self, path: Path) -> str:
        """A path of the output folder as records name it (POSIX, relative to the output folder)."""
        full, out = os.path.abspath(path), os.path.abspath(self.out)
        if full.startswith(out + "/"):  # what relpath gives for a path below out (both normalized), without its work
            return full[len(out) + 1 :]
        return Path(os.path.relpath(full, out)).as_posix()

    def inside(self, rel: str, checked: set[str] | None = None) -> Path:
        """The output folder's file named by rel; ValueError when rel names anything else (an absolute
        path, a climb out, the records themselves, or a folder of the output folder that is a
        symbolic link: writes and deletions never follow one out). ``checked``: folders found no
        link just before (an article's other outputs), not asked again; those found are added."""
        problem = relative_problem(rel)
        if problem:
            raise ValueError(problem)
        parts = PurePosixPath(rel).parts
        if parts[0] == FOLDER:
            raise ValueError(f"{rel!r} is inside the records")
        path = self.out.joinpath(*parts)
        checked = set() if checked is None else checked
        folder = os.fspath(self.out)
        for part in parts[:-1]:
            folder = os.path.join(folder, part)  # str(Path(folder) / part): a part holds no slash
            if folder in checked:
                continue
            if _is_link(folder):
                raise ValueError(f"{rel!r} goes through {self.rel(Path(folder))}, a symbolic link")
            checked.add(folder)
        return path

    def record_files(self) -> Iterator[tuple[str, Path]]:
        """(target language, file) of every record and pending record, without reading them. Folders
        that are symbolic links are never entered: what they hold is not the output folder's."""
        if not self.folder.is_dir() or self.folder.is_symlink():
            return
        for lang_dir in sorted(p for p in self.folder.iterdir() if p.is_dir() and not p.is_symlink()):
            for folder, dirs, files in os.walk(lang_dir):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith((".json", ".json" + PENDING)):
                        yield lang_dir.name, Path(folder) / name
