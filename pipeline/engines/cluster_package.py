"""How a Ray worker finds the run's package: by its content digest, from its own path when its node
can read it, else from the driver's copy shipped once through Ray's object store (engines/cluster.py).

The digest is a hash of the package's file names and bytes, so two packages with the same
metadata but other weights are never confused. Hashing 100 MB costs a fraction of a second; the
result is cached per folder, keyed by every file's path, size and modification time, so a run
re-hashes only a package that changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core.errors import InputError, OutputError
from pipeline.store import fileio

if TYPE_CHECKING:
    from ray import ObjectRef

CACHE_ENTRIES = 64  # digests kept in the cache file
CACHE_BYTES = 1_000_000
CHUNK = 1 << 20


def _cache_file() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "uk-en-pipeline" / "package-digests.json"


def _files(folder: Path) -> list[tuple[str, Path]]:
    return sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())


def digest(folder: Path) -> str:
    """The content digest of a package folder (file names and bytes), cached by path, size, mtime."""
    files = _files(folder)
    stamp = [str(folder.resolve())] + [[rel, (s := p.stat()).st_size, s.st_mtime_ns] for rel, p in files]
    key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()
    cache = _read_cache()
    if key in cache:
        return cache[key]
    h = hashlib.sha256()
    for rel, path in files:
        h.update(rel.encode() + b"\0")
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
        h.update(b"\0")
    found = h.hexdigest()[:32]
    cache[key] = found
    _write_cache(dict(list(cache.items())[-CACHE_ENTRIES:]))
    return found


def _read_cache() -> dict[str, str]:
    try:
        data = fileio.load_json(fileio.read_bytes(_cache_file(), "package digest cache", CACHE_BYTES, ""))
    except (InputError, ValueError, FileNotFoundError):
        return {}  # a cache only: missing or unreadable, the package is hashed again
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _write_cache(cache: dict[str, str]) -> None:
    try:
        fileio.write_atomic(_cache_file(), json.dumps(cache))
    except OutputError:
        pass  # a cache only


def zip_folder(folder: Path) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as z:  # the model is already compressed
        for rel, path in _files(folder):
            z.write(path, rel)
    return data.getvalue()


class Package:
    """What an actor is handed: the driver's path and digest; the archive only once a node asked."""

    def __init__(self, path: Path):
        self.path = str(path.resolve())
        self.digest = digest(path)
        self.archive: list[ObjectRef[bytes]] | None = None  # [ObjectRef]: in a list, so it is fetched only where needed

    def ship(self, ray) -> Package:
        if self.archive is None:
            self.archive = [ray.put(zip_folder(Path(self.path)))]
        return self

    def local_folder(self) -> Path | None:
        """Where this node holds the package: its path (same content), a copy unpacked earlier, or None."""
        folder = Path(self.path)
        if (folder / "metadata.json").is_file() and digest(folder) == self.digest:
            return folder
        unpacked = self._unpacked()
        return unpacked if (unpacked / "metadata.json").is_file() else None

    def _unpacked(self) -> Path:
        return Path(tempfile.gettempdir()) / f"pipeline-package-{self.digest}"

    def unpack(self) -> Path:
        """The driver's copy from the object store, unpacked once per node (a rename publishes it)."""
        import ray

        target = self._unpacked()
        if not (target / "metadata.json").is_file():
            assert self.archive is not None  # asked for only once the driver shipped it
            data = ray.get(self.archive[0])
            work = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                z.extractall(work)
            try:
                os.rename(work, target)  # replaces an empty leftover folder too
            except OSError:  # another actor on this node was first, or something else is in the way
                if not (target / "metadata.json").is_file():
                    return work  # a complete copy of this actor's own
                shutil.rmtree(work, ignore_errors=True)
        return target
