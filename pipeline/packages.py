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
import json
import os
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.config import ArgosConfig
from pipeline.errors import ExitStatus, ModelMissing, PipelineError

OFFICIAL_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# Files of the official uk<->en packages (argospm index, 2025-06): a download that does not match
# is corrupt or tampered with and is not installed.
KNOWN_SHA256 = {
    "translate-en_uk-1_4.argosmodel": "037ebc690c0f7287bff01b09006f76707d7089134205a91ef3d823a3c73811e3",
    "translate-uk_en-1_4.argosmodel": "3254424c4196f13a7bd97e13cda008d04d5901cbe20739611e426bbacc131156",
}
MAX_UNPACKED_BYTES = 4 * 1024**3  # an official package unpacks to ~150 MB; refuse zip bombs
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned
_CODE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z]+)?$")

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
        if not (path / "metadata.json").is_file():
            continue
        try:
            pkg = Package(path)
        except (OSError, ValueError):
            continue  # unreadable metadata: not ours to judge, and not usable
        if pkg.type != "translate" or not pkg.from_code or not pkg.to_code:
            continue
        found.append(
            InstalledPackage(argospm_package_name(pkg), pkg.package_version, pkg.from_code, pkg.to_code, path)
        )
    return found


def find(config: ArgosConfig, source: str, target: str) -> InstalledPackage | None:
    from packaging.version import InvalidVersion, Version

    def version(p: InstalledPackage):
        try:
            return Version(p.version)
        except InvalidVersion:
            return Version("0")

    matches = [p for p in installed(config) if (p.from_code, p.to_code) == (source, target)]
    return max(matches, key=version, default=None)


def install_hint(source: str, target: str) -> str:
    return (
        f"no {source}->{target} model is installed; install it with `pipeline models install` "
        f"(downloads ~100 MB once) or `pipeline models install FILE.argosmodel`"
    )


def ensure(
    config: ArgosConfig, source: str, target: str, allow_download: bool, progress: Progress | None = None
) -> InstalledPackage:
    """The installed package for a direction, downloading the official one if allowed."""
    found = find(config, source, target)
    if found:
        return found
    if not allow_download or not config.auto_download:
        raise ModelMissing(install_hint(source, target))
    try:
        available = available_for(config, source, target)
        return install_file(download(available, progress), config)
    except PipelineError as e:
        raise ModelMissing(f"{install_hint(source, target)} (download failed: {e})") from None


# --- the package index and downloads -----------------------------------------------------------


def fetch_index(config: ArgosConfig) -> list:
    """The package index as the Argos library's AvailablePackage objects."""
    from argostranslate.package import AvailablePackage

    url = index_url(config)
    try:
        with urllib.request.urlopen(_request(url), timeout=DOWNLOAD_TIMEOUT) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise PipelineError(f"cannot read the package index {url}: {_reason(e)}", ModelMissing.status) from None
    if not isinstance(data, list):
        raise PipelineError(f"the package index {url} is not a list of packages", ModelMissing.status)
    _cache_index(config, data)
    return [AvailablePackage(m) for m in data if isinstance(m, dict)]


def _index_cache(config: ArgosConfig) -> Path:
    # one cache per index URL: a test index must not stand for the official one
    key = hashlib.sha256(index_url(config).encode()).hexdigest()[:16]
    return downloads_dir().parent / f"index-{key}.json"


def _cache_index(config: ArgosConfig, data: list) -> None:
    """Keep the last index read, so which languages exist is known without the network."""
    pairs = sorted({(m.get("from_code"), m.get("to_code")) for m in data if isinstance(m, dict) and m.get("type", "translate") == "translate"}
                   - {(None, None)}, key=str)
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
        except InvalidVersion:
            return Version("0")

    candidates = [
        p
        for p in fetch_index(config)
        if p.type == "translate" and (p.from_code, p.to_code) == (source, target) and p.links
    ]
    if not candidates:
        raise PipelineError(f"the package index {index_url(config)} has no {source}->{target} package", ModelMissing.status)
    return max(candidates, key=version)


def download(available, progress: Progress | None = None) -> Path:
    """Download an AvailablePackage to the Argos downloads folder; returns the file."""
    from argostranslate.package import argospm_package_name

    name = f"{argospm_package_name(available)}-{available.package_version.replace('.', '_')}.argosmodel"
    folder = downloads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    errors = []
    for url in available.links:
        if not url.startswith(("http://", "https://")):
            continue  # ipfs:// links need a gateway the user may not have
        try:
            _fetch(url, target, progress)
        except (urllib.error.URLError, OSError) as e:
            errors.append(f"{url}: {_reason(e)}")
            continue
        expected = KNOWN_SHA256.get(name)
        if expected and _sha256(target) != expected:
            target.unlink()
            errors.append(f"{url}: checksum mismatch (expected sha256 {expected})")
            continue
        return target
    raise PipelineError("; ".join(errors) or "no http(s) link in the index", ModelMissing.status)


def _fetch(url: str, target: Path, progress: Progress | None) -> None:
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(_request(url), timeout=DOWNLOAD_TIMEOUT) as response, open(part, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            if total is not None and done != total:
                raise OSError(f"connection closed after {done} of {total} bytes")
        os.replace(part, target)
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
    """Install a .argosmodel file; replaces an installed package of the same name."""
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
            top = _check_archive(archive, name)
            staging = Path(tempfile.mkdtemp(prefix=".pipeline-install-", dir=root.parent))
            try:
                archive.extractall(staging)
                _check_package(staging / top, name)
                final = root / top
                old = None
                if final.exists():
                    old = staging / ".old"
                    os.replace(final, old)
                os.replace(staging / top, final)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as e:
        raise NotAPackage(f"{name}: damaged archive: {e}") from None
    except OSError as e:
        raise PipelineError(f"cannot install {name} into {root}: {e.strerror or e}", ModelMissing.status) from None
    return next(p for p in installed(config) if p.path == final)


def _check_archive(archive: zipfile.ZipFile, name: str) -> str:
    """The archive's single top folder, after checking that no member can land outside it."""
    tops = set()
    size = 0
    names = set()
    for info in archive.infolist():
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
        size += info.file_size
        if size > MAX_UNPACKED_BYTES:
            raise NotAPackage(f"{name}: refused: unpacks to more than {MAX_UNPACKED_BYTES >> 30} GB")
        tops.add(pure.parts[0])
        names.add(str(pure))
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


def _check_package(folder: Path, name: str) -> None:
    from argostranslate.package import Package

    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise NotAPackage(f"{name}: not an Argos package (metadata.json: {e})") from None
    if not isinstance(metadata, dict):
        raise NotAPackage(f"{name}: not an Argos package (metadata.json is not an object)")
    for key in ("from_code", "to_code"):
        if not isinstance(metadata.get(key), str) or not _CODE_RE.match(metadata[key]):
            raise NotAPackage(f"{name}: not an Argos package (metadata.json has no valid {key})")
    if not (folder / "model" / "model.bin").is_file():
        raise NotAPackage(f"{name}: not an Argos package (model/model.bin is missing)")
    Package(folder)  # reads it as the Argos library will


def remove(config: ArgosConfig, names: list[str]) -> list[InstalledPackage]:
    """Remove installed packages given by argospm name (translate-en_uk) or direction (en-uk)."""
    from argostranslate.package import Package, uninstall

    present = installed(config)
    chosen = []
    for wanted in names:
        match = [p for p in present if wanted in (p.name, f"{p.from_code}-{p.to_code}", p.path.name)]
        if not match:
            raise PipelineError(f"no installed package called {wanted!r} (see `pipeline models list`)")
        chosen.extend(m for m in match if m not in chosen)
    for pkg in chosen:
        uninstall(Package(pkg.path))
    return chosen
