"""Argos Translate packages: list, download from the package index, install from a file, remove.

Packages are the official ``.argosmodel`` files, read and described by the Argos library's own
package API (``argostranslate.package``: ``Package``, ``AvailablePackage``, ``uninstall``).
Installing from a file is done here rather than with ``install_from_path``: that one extracts in
place and silently rewrites unsafe member names, where a user should learn that an archive is not
a package, and an interrupted install must not leave half a model behind. Archives are checked
first (a zip, one top folder, metadata.json, model/, a tokenizer, no member escaping the folder),
extracted beside the packages folder, loaded with ``Package``, then moved in with one rename.

Where packages live: $ARGOS_PACKAGES_DIR, else ``argos.packages_dir`` in config.yaml, else the
Argos library's default. The index: $ARGOS_PACKAGE_INDEX, else ``argos.package_index``, else the
official argospm index.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.core.config import ArgosConfig
from pipeline.core.errors import ExitStatus, ModelMissing, PipelineError

OFFICIAL_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# Files of the official uk<->en packages (argospm index, 2025-06): a download that does not match
# is corrupt or tampered with and is not installed.
KNOWN_SHA256 = {
    "translate-en_uk-1_4.argosmodel": "037ebc690c0f7287bff01b09006f76707d7089134205a91ef3d823a3c73811e3",
    "translate-uk_en-1_4.argosmodel": "3254424c4196f13a7bd97e13cda008d04d5901cbe20739611e426bbacc131156",
}
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned
# Zip bombs: the archive's own directory is checked first, then every byte written is counted
# (a member's header can lie about its size). An official package has a few dozen members,
# compressed ~1:1 (int8 weights); a bomb has thousands, or compresses 1000:1.
MAX_MEMBERS = 2_000
MAX_RATIO = 100  # uncompressed : compressed, per large member and for the whole archive
_RATIO_FLOOR = 10_000_000  # below this many bytes, any ratio (metadata.json compresses well)
MAX_METADATA_BYTES = 1_000_000

# What metadata.json and the index may hold; anything else in them is refused or skipped.
_CODE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z]{2,8})?$")
_VERSION_RE = re.compile(r"^\d{1,6}(?:\.\d{1,6}){0,3}$")
_SHORT_TEXT = 200
_LISTS = ("from_codes", "to_codes", "languages", "dependencies", "source_languages", "target_languages")

Progress = Callable[[int, "int | None"], None]


class NotAPackage(PipelineError):
    """A file given to `models install` is not an installable Argos package."""

    status = ExitStatus.FILES_FAILED


@dataclass(frozen=True)
class InstalledPackage:
    name: str  # argospm name, e.g. translate-en_uk
    version: str
    from_code: str
    to_code: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def packages_dir(config: ArgosConfig) -> Path:
    configured = os.environ.get("ARGOS_PACKAGES_DIR") or config.packages_dir
    if configured:
        return Path(configured).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "argos-translate" / "packages"


def downloads_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".local" / "cache")
    return cache / "argos-translate" / "downloads"


def index_url(config: ArgosConfig) -> str:
    base = os.environ.get("ARGOS_PACKAGE_INDEX") or config.package_index or OFFICIAL_INDEX
    if base.endswith(".json"):
        return base
    return base.rstrip("/") + "/index.json"


def installed(config: ArgosConfig) -> list[InstalledPackage]:
    root = packages_dir(config)
    if not root.is_dir():
        return []
    from argostranslate.package import Package, argospm_package_name

    found = []
    for path in sorted(root.iterdir()):
        if _installed_metadata(path) is None:
            continue  # not a package, or metadata a translation could trip over: not usable
        try:
            pkg = Package(path)
        except (OSError, ValueError):
            continue
        found.append(InstalledPackage(argospm_package_name(pkg), pkg.package_version, pkg.from_code, pkg.to_code, path))
    return found


def _installed_metadata(folder: Path) -> dict | None:
    """The valid metadata of an installed package folder, else None."""
    try:
        with open(folder / "metadata.json", "rb") as f:
            raw = f.read(MAX_METADATA_BYTES + 1)
        metadata = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_METADATA_BYTES else None
    except (OSError, ValueError, RecursionError):
        return None
    return metadata if isinstance(metadata, dict) and metadata_problem(metadata) is None else None


def metadata_problem(metadata: dict, index: bool = False) -> str | None:
    """Why package metadata (metadata.json, or an index entry with ``index``) cannot be trusted,
    or None. Every field is checked for its type and size: a version of a million digits or a
    number where text belongs must not reach the code that reads packages."""
    if not isinstance(metadata, dict):
        return "not a JSON object"
    kind = metadata.get("type", "translate")
    if not isinstance(kind, str) or len(kind) > 40:
        return "type is not a short text"
    if not index and kind != "translate":
        return f"type is {kind!r}, not 'translate'"
    for key in ("from_code", "to_code"):
        value = metadata.get(key)
        if not isinstance(value, str) or not _CODE_RE.match(value):
            return f"no valid {key}"
    version = metadata.get("package_version")
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        return "package_version is not a version like 1.4"
    for key in ("argos_version", "code", "from_name", "to_name", "target_prefix"):
        value = metadata.get(key, "")
        if not isinstance(value, str) or len(value) > _SHORT_TEXT:
            return f"{key} is not a text of at most {_SHORT_TEXT} characters"
    for key in _LISTS:
        value = metadata.get(key, [])
        if not isinstance(value, list) or len(value) > 1000:
            return f"{key} is not a list"
    links = metadata.get("links", [])
    if not isinstance(links, list) or len(links) > 20 or not all(isinstance(u, str) and len(u) <= 2000 for u in links):
        return "links is not a list of URLs"
    if index and not links:
        return "no links"
    return None


def folder_name(metadata: dict) -> str:
    """Where a package is installed, from its validated metadata (never from the archive's own
    folder name, which could be another package's)."""
    version = metadata["package_version"].replace(".", "_")
    return f"translate-{metadata['from_code']}_{metadata['to_code']}-{version}"


def find(config: ArgosConfig, source: str, target: str) -> InstalledPackage | None:
    from packaging.version import InvalidVersion, Version

    def version(p: InstalledPackage):
        try:
            return Version(p.version)
        except (InvalidVersion, ValueError):
            return Version("0")

    matches = [p for p in installed(config) if (p.from_code, p.to_code) == (source, target)]
    return max(matches, key=version, default=None)


def install_hint(source: str, target: str) -> str:
    return (
        f"no {source}->{target} model is installed; install it with `pipeline models install` "
        f"(downloads ~100 MB once) or `pipeline models install FILE.argosmodel`"
    )


def ensure(config: ArgosConfig, source: str, target: str, allow_download: bool, progress: Progress | None = None) -> InstalledPackage:
    """The installed package for a direction, downloading the official one if allowed."""
    found = find(config, source, target)
    if found:
        return found
    if not allow_download or not config.auto_download:
        raise ModelMissing(install_hint(source, target))
    try:
        available = available_for(config, source, target)
        path = download(available, progress, config.max_download_bytes)
        try:
            return install_file(path, config)
        finally:
            path.unlink(missing_ok=True)  # installed or refused: the download is of no more use
    except PipelineError as e:
        raise ModelMissing(f"{install_hint(source, target)} (download failed: {e})") from None


# --- the package index and downloads -----------------------------------------------------------


def fetch_index(config: ArgosConfig, notice: Callable[[str], None] | None = None) -> list:
    """The package index as the Argos library's AvailablePackage objects.

    At most ``argos.max_index_bytes`` are read. Entries whose fields are not what a package's
    metadata must be are skipped, and ``notice`` (default: stderr) is told once how many.
    """
    from argostranslate.package import AvailablePackage

    url = index_url(config)
    limit = config.max_index_bytes
    try:
        with urllib.request.urlopen(_request(url), timeout=DOWNLOAD_TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and (len(length) >= 20 or int(length) > limit):
                raise _TooLarge(f"larger than {_mb(limit)} (argos.max_index_bytes)")
            raw = response.read(limit + 1)
            if len(raw) > limit:
                raise _TooLarge(f"larger than {_mb(limit)} (argos.max_index_bytes)")
        data = json.loads(raw.decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError, RecursionError, http.client.HTTPException) as e:
        raise PipelineError(f"cannot read the package index {url}: {_reason(e)}", ModelMissing.status) from None
    if not isinstance(data, list):
        raise PipelineError(f"the package index {url} is not a list of packages", ModelMissing.status)
    found = []
    valid = []
    skipped: list[str] = []
    for n, entry in enumerate(data, 1):
        problem = metadata_problem(entry, index=True)
        if problem:
            skipped.append(f"entry {n}: {problem}")
            continue
        valid.append(entry)
        pkg = AvailablePackage(entry)
        pkg.max_download_bytes = config.max_download_bytes  # download() without a config uses it
        found.append(pkg)
    _cache_index(config, valid)  # only entries that passed: the cache is read without these checks
    if skipped:
        (notice or _stderr)(
            f"package index {url}: {len(skipped)} invalid entr{'y' if len(skipped) == 1 else 'ies'} skipped ({skipped[0]}"
            + (", ..." if len(skipped) > 1 else "")
            + ")"
        )
    return found


def _stderr(message: str) -> None:
    print(f"pipeline: {message}", file=sys.stderr)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1_000_000 else f"{n:,} bytes"


class _TooLarge(OSError):
    pass


def _index_cache(config: ArgosConfig) -> Path:
    # one cache per index URL: a test index must not stand for the official one
    key = hashlib.sha256(index_url(config).encode()).hexdigest()[:16]
    return downloads_dir().parent / f"index-{key}.json"


def _cache_index(config: ArgosConfig, data: list) -> None:
    """Keep the last index read, so which languages exist is known without the network."""
    pairs = sorted(
        {(m.get("from_code"), m.get("to_code")) for m in data if isinstance(m, dict) and m.get("type", "translate") == "translate"}
        - {(None, None)},
        key=str,
    )
    try:
        path = _index_cache(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pairs), encoding="utf-8")
    except OSError:
        pass  # a cache only


def cached_pairs(config: ArgosConfig) -> set[tuple[str, str]]:
    """Directions the package index offered when last read; empty when never read."""
    try:
        data = json.loads(_index_cache(config).read_text(encoding="utf-8"))
        return {(str(a), str(b)) for a, b in data if a and b}
    except (OSError, ValueError, TypeError):
        return set()


def available_for(config: ArgosConfig, source: str, target: str):
    from packaging.version import InvalidVersion, Version

    def version(p) -> Version:
        try:
            return Version(p.package_version)
        except (InvalidVersion, ValueError):
            return Version("0")

    candidates = [p for p in fetch_index(config) if p.type == "translate" and (p.from_code, p.to_code) == (source, target) and p.links]
    if not candidates:
        raise PipelineError(f"the package index {index_url(config)} has no {source}->{target} package", ModelMissing.status)
    return max(candidates, key=version)


def download(available, progress: Progress | None = None, max_bytes: int | None = None) -> Path:
    """Download an AvailablePackage to the Argos downloads folder; returns the file.

    At most ``max_bytes`` (default: the ``argos.max_download_bytes`` of the index it came from);
    a download that fails or grows past it leaves no file behind.
    """
    from argostranslate.package import argospm_package_name

    limit = max_bytes or getattr(available, "max_download_bytes", None) or ArgosConfig().max_download_bytes
    name = f"{argospm_package_name(available)}-{available.package_version.replace('.', '_')}.argosmodel"
    folder = downloads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    errors = []
    for url in available.links:
        if not url.startswith(("http://", "https://")):
            continue  # ipfs:// links need a gateway the user may not have
        try:
            _fetch(url, target, progress, limit)
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            errors.append(f"{url}: {_reason(e)}")
            continue
        expected = KNOWN_SHA256.get(name)
        if expected and _sha256(target) != expected:
            target.unlink()
            errors.append(f"{url}: checksum mismatch (expected sha256 {expected})")
            continue
        return target
    raise PipelineError("; ".join(errors) or "no http(s) link in the index", ModelMissing.status)


def _fetch(url: str, target: Path, progress: Progress | None, limit: int) -> None:
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(_request(url), timeout=DOWNLOAD_TIMEOUT) as response, open(part, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() and len(length) < 20 else None
            if total is not None and total > limit:
                raise _TooLarge(f"{_mb(total)}, larger than {_mb(limit)} (argos.max_download_bytes)")
            done = 0
            while chunk := response.read(1 << 16):
                done += len(chunk)
                if done > limit:  # no Content-Length, or a wrong one: counted as it comes
                    raise _TooLarge(f"larger than {_mb(limit)} (argos.max_download_bytes); stopped")
                out.write(chunk)
                if progress:
                    progress(done, total)
            if total is not None and done != total:
                raise OSError(f"connection closed after {done} of {total} bytes")
        os.replace(part, target)
    except BaseException:
        target.unlink(missing_ok=True)  # no half-checked file stays in the cache
        raise
    finally:
        part.unlink(missing_ok=True)


def _request(url: str) -> urllib.request.Request:
    from pipeline import __version__

    return urllib.request.Request(url, headers={"User-Agent": f"uk-en-pipeline/{__version__}"})


def _reason(e: BaseException) -> str:
    return str(getattr(e, "reason", None) or e)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- installing from a file -------------------------------------------------------------------


def install_file(path: str | os.PathLike, config: ArgosConfig) -> InstalledPackage:
    """Install a .argosmodel file; replaces an installed package of the same name.

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
    root = packages_dir(config)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as archive:
            top = _check_archive(archive, name, path.stat().st_size, config.max_unpacked_bytes)
            metadata = _archive_metadata(archive, top, name)
            final = root / folder_name(metadata)
            if final.exists() and not _same_package(_installed_metadata(final), metadata):
                raise NotAPackage(
                    f"{name}: refused: {final} holds something else than this package "
                    f"({metadata['from_code']}->{metadata['to_code']} {metadata['package_version']}); remove it first"
                )
            staging = Path(tempfile.mkdtemp(prefix=".pipeline-install-", dir=root.parent))
            try:
                _extract(archive, staging, name, config.max_unpacked_bytes)
                _check_package(staging / top, name, metadata)
                if final.exists():
                    os.replace(final, staging / ".old")  # the same package, reinstalled
                os.replace(staging / top, final)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as e:
        raise NotAPackage(f"{name}: damaged archive: {e}") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as e:  # unsupported compression, encryption
        raise NotAPackage(f"{name}: cannot be unpacked: {e}") from None
    except OSError as e:
        raise PipelineError(f"cannot install {name} into {root}: {e.strerror or e}", ModelMissing.status) from None
    found = next((p for p in installed(config) if p.path == final), None)
    if found is None:
        raise NotAPackage(f"{name}: installed in {final} but the Argos library cannot read it")
    return found


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
            raise NotAPackage(f"{name}: refused: unpacks to more than {_mb(max_unpacked)} (argos.max_unpacked_bytes)")
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
            raise ValueError(f"larger than {_mb(MAX_METADATA_BYTES)}")
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
                    raise NotAPackage(f"{name}: refused: unpacks to more than {_mb(max_unpacked)} (argos.max_unpacked_bytes)")
                out.write(chunk)


def _check_package(folder: Path, name: str, metadata: dict) -> None:
    from argostranslate.package import Package

    if _installed_metadata(folder) != metadata:  # what was extracted is what was checked
        raise NotAPackage(f"{name}: not an Argos package (metadata.json changed while unpacking)")
    if not (folder / "model" / "model.bin").is_file():
        raise NotAPackage(f"{name}: not an Argos package (model/model.bin is missing)")
    try:
        Package(folder)  # reads it as the Argos library will
    except Exception as e:  # noqa: BLE001  the library's own errors are plain Exceptions
        raise NotAPackage(f"{name}: not an Argos package (the Argos library cannot read it: {' '.join(str(e).split())[:200]})") from None


def remove(config: ArgosConfig, names: list[str]) -> list[InstalledPackage]:
    """Remove installed packages given by argospm name (translate-en_uk) or direction (en-uk)."""
    from argostranslate.package import Package, uninstall

    present = installed(config)
    chosen: list[InstalledPackage] = []
    for wanted in names:
        match = [p for p in present if wanted in (p.name, f"{p.from_code}-{p.to_code}", p.path.name)]
        if not match:
            raise PipelineError(f"no installed package called {wanted!r} (see `pipeline models list`)")
        chosen.extend(m for m in match if m not in chosen)
    for pkg in chosen:
        uninstall(Package(pkg.path))
    return chosen
