"""What an installed Argos package folder must hold, checked before any library opens it.

The Argos library, SentencePiece and CTranslate2 open their files with plain reads: a FIFO there
waits for ever, /dev/zero never ends, and a damaged file surfaces as an error of theirs in the
middle of a run. So every file of a package is checked here first, with bounded reads of regular
files only (``fileio.read_bytes``): metadata.json field by field, the tokenizer, the vocabularies,
the model's config.json and model.bin's header. ``check`` says what is wrong, naming the file.

Shared by the installer (engines/install.py), which checks an archive's metadata before anything
is moved, by the listing of installed packages (engines/packages.py) and by the argos engine.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import struct
from pathlib import Path

from pipeline.core.errors import InputError, ModelMissing
from pipeline.store import fileio

MAX_METADATA_BYTES = 1_000_000
# Generous bounds: the whole official en->uk 1.4 archive is 119,889,246 bytes (model.bin is bounded
# by argos.max_unpacked_bytes), so a tokenizer or vocabulary beyond these is not a package's.
MAX_TOKENIZER_BYTES = 50_000_000
MAX_VOCABULARY_BYTES = 50_000_000  # and any other file of model/ but model.bin
MAX_SMALL_BYTES = 1_000_000  # config.json
MODEL_BINARY_VERSIONS = range(1, 100)  # CTranslate2 4.x writes 6; garbage reads as a huge number
TOKENIZERS = ("sentencepiece.model", "bpe.model")
# The vocabularies CTranslate2 looks for in model/ (shared, or one per side; older models: .txt)
VOCABULARIES = tuple(f"{kind}_vocabulary.{ext}" for kind in ("shared", "source", "target") for ext in ("json", "txt"))


class DamagedPackage(ModelMissing):
    """An installed package that cannot be used (exit 3, a needed model is not usable)."""

    def __init__(self, folder: Path, why: str):
        super().__init__(f"{folder}: damaged package: {why}; remove it (`pipeline models remove {folder.name}`) and install it again")
        self.folder, self.why = folder, why


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
        return read_metadata(folder)
    except Damaged:
        return None


class Damaged(Exception):
    """What is wrong with a package folder, naming the file; ``metadata`` when that was readable."""

    def __init__(self, why: str, metadata: dict | None = None):
        super().__init__(why)
        self.metadata = metadata


class OtherKind(Damaged):
    """A valid package of another type than translate (a sentence splitter...): not for us."""


def read_metadata(folder: Path) -> dict:
    """metadata.json, read bounded and validated; Damaged otherwise."""
    data = _read(folder, "metadata.json", MAX_METADATA_BYTES)
    try:
        metadata = fileio.load_json(data)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise Damaged(f"metadata.json: not JSON ({' '.join(str(e).split())[:120]})") from None
    kind = metadata.get("type", "translate") if isinstance(metadata, dict) else None
    if isinstance(kind, str) and kind != "translate" and len(kind) <= 40:
        raise OtherKind(f"metadata.json: type is {kind!r}, not 'translate'")
    why = metadata_problem(metadata)
    if why:
        raise Damaged(f"metadata.json: {why}")
    return metadata


def check(folder: Path, max_model_bytes: int, deep: bool = False) -> dict:
    """An installed package folder's metadata, once the folder is found usable; Damaged (naming
    the file and what is wrong) otherwise.

    Without ``deep``, what stat() and metadata.json tell (cheap enough for every listing); with it,
    also the contents: the tokenizer parses, the vocabularies are not empty, config.json is a JSON
    object, model.bin's header and variable table are CTranslate2's and fit in the file. What only
    loading the model can tell (a variable missing, a vocabulary that does not fit the model) the
    engine finds by loading it (ArgosEngine.load).
    """
    try:
        info = os.stat(folder)
    except OSError as e:
        raise Damaged(f"the folder cannot be opened ({e.strerror or e})") from None  # e.g. a symbolic link loop
    if not stat.S_ISDIR(info.st_mode):
        raise Damaged("not a folder")
    metadata = read_metadata(folder)
    try:
        _check_model(folder / "model", max_model_bytes, deep)
        tokenizer = next((name for name in TOKENIZERS if os.path.lexists(folder / name)), None)
        if tokenizer is None:
            raise Damaged("no sentencepiece.model or bpe.model")
        data = _read(folder, tokenizer, MAX_TOKENIZER_BYTES, content=deep)
        if deep and tokenizer == "sentencepiece.model":
            _check_sentencepiece(data)
    except Damaged as e:
        e.metadata = metadata
        raise
    return metadata


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


def _check_model(model: Path, max_model_bytes: int, deep: bool) -> None:
    """model/: a folder of regular files of bounded size, with model.bin and a vocabulary."""
    try:
        if not stat.S_ISDIR(os.stat(model).st_mode):
            raise Damaged("model/ is not a folder")
        names = sorted(os.listdir(model))
    except FileNotFoundError:
        raise Damaged("no model/ folder") from None
    except OSError as e:
        raise Damaged(f"model/ cannot be opened ({e.strerror or e})") from None
    if "model.bin" not in names:
        raise Damaged("model/model.bin is missing")
    vocabularies = [n for n in names if n in VOCABULARIES]
    if not vocabularies:
        raise Damaged("model/ has no vocabulary (shared_vocabulary.json or source_ and target_vocabulary)")
    for name in names:  # CTranslate2 may open any file there (vmap.txt, ...): each must be safe to read
        known = name in ("model.bin", "config.json", *VOCABULARIES)
        with contextlib.suppress(OSError):
            if not known and stat.S_ISDIR(os.stat(model / name).st_mode):
                continue  # it opens no folder of its own
        limit = max_model_bytes if name == "model.bin" else MAX_SMALL_BYTES if name == "config.json" else MAX_VOCABULARY_BYTES
        what = f"model/{name}"
        if name == "model.bin":
            _regular(model / name, what, limit, "argos.max_unpacked_bytes")
            if deep:
                _check_model_header(model / name)
        else:
            data = _read(model, name, limit, content=deep, shown=what)
            if deep and name in VOCABULARIES:
                _check_vocabulary(data, what)
            elif deep and name == "config.json" and not isinstance(_json(data, what), dict):
                raise Damaged(f"{what}: not a JSON object")


def _regular(path: Path, what: str, limit: int, setting: str = "") -> int:
    """The size of a regular file (links followed) of 1..limit bytes; Damaged otherwise."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise Damaged(f"{what} is missing") from None
    except OSError as e:
        raise Damaged(f"{what}: cannot be read ({e.strerror or e})") from None
    why = fileio.not_regular(info.st_mode)
    if why:
        raise Damaged(f"{what}: {why}")
    if info.st_size == 0:
        raise Damaged(f"{what}: empty file")
    if info.st_size > limit:
        raise Damaged(f"{what}: too large ({mb(info.st_size)}; the limit is {mb(limit)}{setting and ', see ' + setting})")
    return info.st_size


def _read(folder: Path, name: str, limit: int, content: bool = True, shown: str = "") -> bytes:
    """A file's bytes through the bounded regular-file reader (b"" with content False: checked only)."""
    what = shown or name
    _regular(folder / name, what, limit)
    if not content:
        return b""
    try:
        return fileio.read_bytes(folder / name, what, limit, setting="")
    except InputError as e:
        raise Damaged(f"{what}: {e.reason}") from None


def _json(data: bytes, what: str):
    try:
        return fileio.load_json(data)
    except (ValueError, RecursionError) as e:
        raise Damaged(f"{what}: not JSON ({' '.join(str(e).split())[:120]})") from None


def _check_vocabulary(data: bytes, what: str) -> None:
    if what.endswith(".json"):
        tokens = _json(data, what)
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise Damaged(f"{what}: not a list of tokens")
        empty = not tokens
    else:
        empty = not data.strip()
    if empty:
        raise Damaged(f"{what}: an empty vocabulary")


def _check_sentencepiece(data: bytes) -> None:
    import sentencepiece

    try:
        pieces = sentencepiece.SentencePieceProcessor(model_proto=data).get_piece_size()
    except (RuntimeError, OSError, ValueError, TypeError):
        raise Damaged("sentencepiece.model: not a SentencePiece model (SentencePiece cannot parse it)") from None
    if pieces < 2:
        raise Damaged("sentencepiece.model: an empty vocabulary")


def _check_model_header(path: Path) -> None:
    """model.bin begins like a CTranslate2 model: its binary version (uint32) and, from version 2,
    the name of its spec. In the layout of version 6 (what CTranslate2 4 writes: ctranslate2/specs/
    model_spec.py, _serialize), the variables' headers are walked too, without reading their data,
    so that a truncated file is found without loading the model."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            why = fileio.not_regular(info.st_mode)  # swapped since it was checked
            if why:
                raise Damaged(f"model/model.bin: {why}")
            version = _unpack(f, "<I")
            name = _string(f) if version >= 2 else b"Spec"
            if version not in MODEL_BINARY_VERSIONS or not re.fullmatch(rb"[A-Za-z0-9_]{1,200}", name):
                raise Damaged("model/model.bin: not a CTranslate2 model (its header is not one)")
            if version == 6:
                _walk_variables(f, info.st_size)
    except (struct.error, _Short):
        raise Damaged("model/model.bin: truncated (it ends inside its header)") from None
    except OSError as e:
        raise Damaged(f"model/model.bin: cannot be read ({e.strerror or e})") from None


MAX_VARIABLES = 100_000  # a translation model has a few hundred


class _Short(Exception):
    pass


def _unpack(f, fmt: str) -> int:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise _Short
    return struct.unpack(fmt, data)[0]


def _string(f) -> bytes:
    length = _unpack(f, "<H")
    data = f.read(length)
    if len(data) != length:
        raise _Short
    return data.rstrip(b"\0")


def _walk_variables(f, size: int) -> None:
    _unpack(f, "<I")  # the spec's revision
    count = _unpack(f, "<I")
    if count > MAX_VARIABLES:
        raise Damaged(f"model/model.bin: not a CTranslate2 model ({count:,} variables)")
    for _ in range(count):
        _string(f)
        rank = _unpack(f, "<B")
        f.seek(4 * rank + 1, os.SEEK_CUR)  # the dimensions, the data type
        nbytes = _unpack(f, "<I")
        end = f.tell() + nbytes
        if end > size:
            raise Damaged(f"model/model.bin: truncated ({size:,} bytes; its variables need more than {end:,})")
        f.seek(nbytes, os.SEEK_CUR)
