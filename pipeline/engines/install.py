"""Installing a package from a .argosmodel file.

Done here rather than with the Argos library's ``install_from_path``: that one extracts in place
and silently rewrites unsafe member names, where a user should learn that an archive is not a
package, and an interrupted install must not leave half a model behind. Archives are checked
first (a zip, one top folder, metadata.json, model/, a tokenizer, no member escaping the folder),
extracted beside the packages folder, loaded with ``Package``, then moved in with one rename.

Killed at any moment (SIGKILL, a power cut aside), an install leaves either the package as it was
or the new one, never half of one in the packages folder, and at most its staging folder
(``.pipeline-install-*``, beside the packages folder), which the next install, `models list` or
`translate` removes (clean_staging). Each install holds a lock on its staging folder while it
lives, so that only abandoned ones are removed; a reinstall killed between its two renames (the
old package moved aside, the new one not yet in) gets the old package back from there.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from pipeline.core.errors import ExitStatus, InputError, ModelMissing, PipelineError
from pipeline.engines import package_files
from pipeline.engines.package_files import MAX_METADATA_BYTES, folder_name, installed_metadata, mb, metadata_problem
from pipeline.store import fileio

# Zip bombs: the archive's own directory is checked first, then every byte written is counted
# (a member's header can lie about its size). An official package has a few dozen members,
# compressed ~1:1 (int8 weights); a bomb has thousands, or compresses 1000:1.
MAX_MEMBERS = 2_000
MAX_RATIO = 100  # uncompressed : compressed, per large member and for the whole archive
_RATIO_FLOOR = 10_000_000  # below this many bytes, any ratio (metadata.json compresses well)


class NotAPackage(PipelineError):
    """A file given to `models install` is not an installable Argos package."""

    status = ExitStatus.FILES_FAILED


def install_archive(path: str | os.PathLike, root: Path, max_unpacked: int) -> Path:
    """Install a .argosmodel file into the packages folder root; returns the package's folder.
    Replaces an installed package of the same name.

    Everything is checked before anything is moved: the archive's directory (names, links,
    member count, sizes, compression ratios), then metadata.json (every field), then what
    extraction actually writes. The package's folder is named from its validated metadata, and a
    folder of that name holding anything but the same package is never replaced.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise NotAPackage(f"{name}: no such file")
    if not zipfile.is_zipfile(path):
        raise NotAPackage(f"{name}: not an Argos package (not a zip archive)")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as archive:
            top = _check_archive(archive, name, path.stat().st_size, max_unpacked)
            metadata = _archive_metadata(archive, top, name)
            final = root / folder_name(metadata)
            if final.exists() and not _same_package(installed_metadata(final), metadata):
                raise NotAPackage(
                    f"{name}: refused: {final} holds something else than this package "
                    f"({metadata['from_code']}->{metadata['to_code']} {metadata['package_version']}); remove it first"
                )
            clean_staging(root)
            with _staging(root) as staging:
                _extract(archive, staging, name, max_unpacked)
                _check_package(staging / top, name, metadata, max_unpacked)
                (staging / TARGET).write_text(final.name, encoding="utf-8")  # where .old belongs, if it must go back
                with _locked(root.parent):  # no clean_staging between the two renames
                    if final.exists():
                        os.replace(final, staging / OLD)  # the same package, reinstalled
                    os.replace(staging / top, final)
    except zipfile.BadZipFile as e:
        raise NotAPackage(f"{name}: damaged archive: {e}") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as e:  # unsupported compression, encryption
        raise NotAPackage(f"{name}: cannot be unpacked: {e}") from None
    except OSError as e:
        raise PipelineError(f"cannot install {name} into {root}: {e.strerror or e}", ModelMissing.status) from None
    return final


# --- staging folders: one per install, locked while it lives, removed once abandoned ---------------

STAGING_PREFIX = ".pipeline-install-"
TARGET = ".target"  # in a staging folder: the name of the package folder it installs
OLD = ".old"  # in a staging folder: the package it replaces, moved aside for the last rename
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")


@contextlib.contextmanager
def _locked(folder: Path, blocking: bool = True, follow: bool = True) -> Iterator[int]:
    """An flock on a folder, held in the block; BlockingIOError at once when not ``blocking``.
    ``follow`` False: a folder that is a symbolic link is refused (OSError), not locked."""
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0) | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(folder, flags)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        yield fd
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _staging(root: Path) -> Iterator[Path]:
    """A new staging folder beside the packages folder, locked by this install until it is removed.
    Made and locked under the parent's lock, so clean_staging never sees it unlocked."""
    with _locked(root.parent):
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root.parent))
        fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(fd)


def clean_staging(root: Path) -> int:
    """Remove the staging folders interrupted installs left beside the packages folder root (each
    one only when no live install holds its lock), first putting back a package one of them had
    moved aside; how many were removed. Never raises: a folder that cannot be cleaned stays."""
    parent = root.parent
    try:
        names = [n for n in os.listdir(parent) if n.startswith(STAGING_PREFIX)]
    except OSError:
        return 0
    removed = 0
    with contextlib.suppress(OSError), _locked(parent):
        for name in names:
            staging = parent / name
            try:
                if not stat.S_ISDIR(os.lstat(staging).st_mode):
                    continue  # not one of ours (mkdtemp makes folders): left alone
                with _locked(staging, blocking=False, follow=False):  # BlockingIOError: a live install's
                    _put_back(staging, root)
                    shutil.rmtree(staging)
                removed += 1
            except OSError:
                continue
    return removed


def _put_back(staging: Path, root: Path) -> None:
    """The package a reinstall moved aside, back in place when the new one never arrived."""
    if not os.path.isdir(staging / OLD) or os.path.islink(staging / OLD):
        return
    try:
        target = fileio.read_bytes(staging / TARGET, str(staging / TARGET), 1000, setting="").decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return  # where it belongs is not known: it goes with the folder (it was being replaced)
    if _NAME_RE.match(target) and not os.path.lexists(root / target):
        os.replace(staging / OLD, root / target)


def _same_package(present: dict | None, new: dict) -> bool:
    keys = ("from_code", "to_code", "package_version")
    return present is not None and all(present[k] == new[k] for k in keys)


def _check_archive(archive: zipfile.ZipFile, name: str, archive_bytes: int, max_unpacked: int) -> str:
    """The archive's single top folder, after checking from its directory that no member can
    land outside it and that it does not unpack to too much (its headers are checked again, while
    extracting: they can lie)."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise NotAPackage(f"{name}: refused: {len(infos):,} members (an Argos package has a few dozen; the limit is {MAX_MEMBERS:,})")
    tops = set()
    size = 0
    names = set()
    for info in infos:
        member = info.filename
        pure = PurePosixPath(member)
        if (
            member.startswith(("/", "\\"))
            or "\\" in member
            or re.match(r"^[A-Za-z]:", member)
            or any(part in ("..", "") for part in pure.parts)
        ):
            raise NotAPackage(f"{name}: refused: member {member!r} would be written outside the packages folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise NotAPackage(f"{name}: refused: member {member!r} is a symbolic link")
        if str(pure) in names:
            raise NotAPackage(f"{name}: refused: member {member!r} appears twice")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise NotAPackage(
                f"{name}: refused: member {member!r} unpacks {info.file_size // max(info.compress_size, 1):,} times its size (a zip bomb?)"
            )
        size += info.file_size
        if size > max_unpacked:
            raise NotAPackage(f"{name}: refused: unpacks to more than {mb(max_unpacked)} (argos.max_unpacked_bytes)")
        tops.add(pure.parts[0])
        names.add(str(pure))
    if size > _RATIO_FLOOR and size > MAX_RATIO * max(archive_bytes, 1):
        raise NotAPackage(f"{name}: refused: unpacks to {size // max(archive_bytes, 1):,} times its size (a zip bomb?)")
    if len(tops) != 1:
        raise NotAPackage(f"{name}: not an Argos package (expected one top folder, found {len(tops)})")
    top = tops.pop()
    if top.startswith(".") or f"{top}/metadata.json" not in names:
        raise NotAPackage(f"{name}: not an Argos package (no {top}/metadata.json)")
    if not any(n.startswith(f"{top}/model/") for n in names) and f"{top}/model" not in names:
        raise NotAPackage(f"{name}: not an Argos package (no model/ folder)")
    if not ({f"{top}/sentencepiece.model", f"{top}/bpe.model"} & names):
        raise NotAPackage(f"{name}: not an Argos package (no sentencepiece.model or bpe.model)")
    return top


def _archive_metadata(archive: zipfile.ZipFile, top: str, name: str) -> dict:
    """metadata.json, read from the archive (at most MAX_METADATA_BYTES) and validated."""
    try:
        with archive.open(f"{top}/metadata.json") as f:
            raw = f.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            raise ValueError(f"larger than {mb(MAX_METADATA_BYTES)}")
        metadata = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise NotAPackage(f"{name}: not an Argos package (metadata.json: {' '.join(str(e).split())[:200]})") from None
    problem = metadata_problem(metadata)
    if problem:
        raise NotAPackage(f"{name}: not an Argos package (metadata.json: {problem})")
    return metadata


def _extract(archive: zipfile.ZipFile, staging: Path, name: str, max_unpacked: int) -> None:
    """Extract every member, counting the bytes actually written against what each header says
    and against the total limit (extractall trusts the headers)."""
    total = 0
    for info in archive.infolist():
        target = staging.joinpath(*PurePosixPath(info.filename).parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with archive.open(info) as src, open(target, "xb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                total += len(chunk)
                if written > info.file_size:
                    raise NotAPackage(f"{name}: refused: member {info.filename!r} unpacks to more than its header says")
                if total > max_unpacked:
                    raise NotAPackage(f"{name}: refused: unpacks to more than {mb(max_unpacked)} (argos.max_unpacked_bytes)")
                out.write(chunk)


def _check_package(folder: Path, name: str, metadata: dict, max_unpacked: int) -> None:
    """What was unpacked is a package the engine will take (package_files.check, deep), as the
    Argos library reads it: a package that would only be reported damaged is never installed."""
    from argostranslate.package import Package

    if installed_metadata(folder) != metadata:  # what was extracted is what was checked
        raise NotAPackage(f"{name}: not an Argos package (metadata.json changed while unpacking)")
    try:
        package_files.check(folder, max_unpacked, deep=True)
    except package_files.Damaged as e:
        raise NotAPackage(f"{name}: not an Argos package ({e})") from None
    try:
        Package(folder)  # reads it as the Argos library will
    except Exception as e:  # noqa: BLE001  the library's own errors are plain Exceptions
        raise NotAPackage(f"{name}: not an Argos package (the Argos library cannot read it: {' '.join(str(e).split())[:200]})") from None
