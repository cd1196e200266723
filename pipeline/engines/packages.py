"""Argos Translate packages: list, download from the package index, install from a file, remove.

Packages are the official ``.argosmodel`` files, read and described by the Argos library's own
package API (``argostranslate.package``: ``Package``, ``AvailablePackage``, ``uninstall``).
Installing from a file is engines/install.py; what a package folder must hold, package_files.py.

Where packages live: $ARGOS_PACKAGES_DIR, else ``argos.packages_dir`` in config.yaml, else the
Argos library's default. The index: $ARGOS_PACKAGE_INDEX, else ``argos.package_index``, else the
official argospm index.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import ExitStatus, ModelMissing, PipelineError
from pipeline.engines import install, package_files
from pipeline.engines.argos_settings import ArgosConfig
from pipeline.engines.install import NotAPackage
from pipeline.engines.package_files import DamagedPackage, mb, metadata_problem

OFFICIAL_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# Files of the official uk<->en packages (argospm index, 2025-06): a download that does not match
# is corrupt or tampered with and is not installed.
KNOWN_SHA256 = {
    "translate-en_uk-1_4.argosmodel": "037ebc690c0f7287bff01b09006f76707d7089134205a91ef3d823a3c73811e3",
    "translate-uk_en-1_4.argosmodel": "3254424c4196f13a7bd97e13cda008d04d5901cbe20739611e426bbacc131156",
}
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class InstalledPackage:
    name: str  # argospm name, e.g. translate-en_uk (a damaged package without metadata: its folder's name)
    version: str
    from_code: str
    to_code: str
    path: Path
    problem: str = ""  # why it cannot be used (package_files.check); "" when it can

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()

    def damaged(self) -> DamagedPackage:
        return DamagedPackage(self.path, self.problem)


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


def scan(config: ArgosConfig, deep: bool = False) -> list[InstalledPackage]:
    """Every package in the packages folder, damaged ones included (with their ``problem``).

    A package is a folder (or a link to one) holding metadata.json or model/; hidden entries and
    packages of another type than translate are not listed. ``deep``: package_files.check's.
    """
    from argostranslate.package import IPackage, argospm_package_name

    root = packages_dir(config)
    install.clean_staging(root)  # what killed installs left (never a package: see install.py)
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        path = root / name
        if name.startswith(".") or not _may_be_package(path):
            continue
        problem, metadata = "", None
        try:
            metadata = package_files.check(path, config.max_unpacked_bytes, deep)
        except package_files.OtherKind:
            continue
        except package_files.Damaged as e:
            problem, metadata = str(e), e.metadata
        if metadata is None:
            found.append(InstalledPackage(name, "", "", "", path, problem))
            continue
        described = IPackage()  # the library's own reading of the metadata, without opening the file again
        described.load_metadata_from_json(metadata)
        found.append(
            InstalledPackage(
                argospm_package_name(described), metadata["package_version"], metadata["from_code"], metadata["to_code"], path, problem
            )
        )
    return found


def _may_be_package(path: Path) -> bool:
    try:
        if path.is_symlink():
            return True  # a link loop or a dangling link is a damaged package, not nothing
        return path.is_dir() and (os.path.lexists(path / "metadata.json") or os.path.lexists(path / "model"))
    except OSError:
        return True


def installed(config: ArgosConfig) -> list[InstalledPackage]:
    """The usable installed packages."""
    return [p for p in scan(config) if not p.problem]


def find(config: ArgosConfig, source: str, target: str) -> InstalledPackage | None:
    """The newest installed package for a direction, or None; DamagedPackage (exit 3) when that
    newest one is damaged: the user learns which folder and why, rather than getting an older one."""
    from packaging.version import InvalidVersion, Version

    def version(p: InstalledPackage):
        try:
            return Version(p.version)
        except (InvalidVersion, ValueError):
            return Version("0")

    present = scan(config)
    matches = [p for p in present if (p.from_code, p.to_code) == (source, target)]
    newest = max(matches, key=version, default=None)
    if newest is not None and newest.problem:
        raise newest.damaged()
    if newest is None:  # a damaged package whose metadata cannot be read: named like this direction's?
        name = f"translate-{source}_{target}"
        for p in present:
            if p.problem and not p.from_code and (p.name == name or p.name.startswith(name + "-")):
                raise p.damaged()
    return newest


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
                raise _TooLarge(f"larger than {mb(limit)} (argos.max_index_bytes)")
            raw = response.read(limit + 1)
            if len(raw) > limit:
                raise _TooLarge(f"larger than {mb(limit)} (argos.max_index_bytes)")
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
                raise _TooLarge(f"{mb(total)}, larger than {mb(limit)} (argos.max_download_bytes)")
            done = 0
            while chunk := response.read(1 << 16):
                done += len(chunk)
                if done > limit:  # no Content-Length, or a wrong one: counted as it comes
                    raise _TooLarge(f"larger than {mb(limit)} (argos.max_download_bytes); stopped")
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


def install_file(path: str | os.PathLike, config: ArgosConfig) -> InstalledPackage:
    """Install a .argosmodel file (see install.install_archive); the package as installed."""
    final = install.install_archive(path, packages_dir(config), config.max_unpacked_bytes)
    found = next((p for p in installed(config) if p.path == final), None)
    if found is None:
        raise NotAPackage(f"{path}: installed in {final} but the Argos library cannot read it")
    return found


def remove(config: ArgosConfig, names: list[str]) -> list[InstalledPackage]:
    """Remove installed packages given by argospm name (translate-en_uk), direction (en-uk) or
    folder name; damaged ones too. A package folder that is a link: the link is removed, never
    what it points to."""
    present = scan(config)
    chosen: list[InstalledPackage] = []
    for wanted in names:
        match = [p for p in present if wanted in (p.name, f"{p.from_code}-{p.to_code}", p.path.name)]
        if not match:
            raise PipelineError(f"no installed package called {wanted!r} (see `pipeline models list`)")
        chosen.extend(m for m in match if m not in chosen)
    for pkg in chosen:
        try:
            if pkg.path.is_symlink():
                pkg.path.unlink()
            else:
                shutil.rmtree(pkg.path)  # what the Argos library's uninstall does
        except OSError as e:
            raise PipelineError(f"cannot remove {pkg.path}: {e.strerror or e}", ExitStatus.OUTPUT_ERROR) from None
    return chosen
