"""What an installed Argos package folder must hold: its metadata.json, checked field by field.

Shared by the installer (engines/install.py), which checks an archive's metadata before anything
is moved, and by the listing of installed packages (engines/packages.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

MAX_METADATA_BYTES = 1_000_000

# What metadata.json and the index may hold; anything else in them is refused or skipped.
_CODE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z]{2,8})?$")
_VERSION_RE = re.compile(r"^\d{1,6}(?:\.\d{1,6}){0,3}$")
_SHORT_TEXT = 200
_LISTS = ("from_codes", "to_codes", "languages", "dependencies", "source_languages", "target_languages")


def mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def installed_metadata(folder: Path) -> dict | None:
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
