"""py3langid's model, loaded from an uncompressed copy: the wheel ships it LZMA-compressed (4.5 MB),
and decompressing it took 0.5 s of every run that needed it, a tenth of a 175-article run with the
pseudo engine (bench/driver.py). The first such run keeps a copy of the arrays (68 MB) in the user's
cache folder; later runs read it in a few hundredths of a second.

The copy is untrusted like every file: read bounded and only if regular, in a format of our own
(a header, then the arrays' bytes; numpy builds views of them, no pickle can be in it), the total
size checked against the header before any array is made, every array's type, shape and index
range checked (an index out of range would crash the identifier's walk), and a digest of the
arrays compared (a flipped bit in range would change decisions silently). Anything wrong or
missing, and the model is decompressed from the wheel as before and the copy written again. Its
name carries the wheel's model file (path, size, modification time) and py3langid's version, so
an upgrade never reads an old copy.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pipeline.core.errors import InputError, OutputError
from pipeline.store import fileio

FORMAT = b"pipeline py3langid model 1\n"
CACHE_BYTES = 100_000_000  # py3langid 0.4's model is 68 MB uncompressed
HEADER_BYTES = 4096
# (name, allowed dtypes, dimensions): the arrays of py3langid.modelio.load_model, in its order
_ARRAYS = (
    ("ptc", ("<f2",), 2),
    ("pc", ("<f4",), 1),
    ("classes", None, 1),  # unicode, "<U" of any width
    ("nextmove", ("<u2", "<u4"), 1),
    ("nextmove_row", ("<u2", "<u4"), 1),
    ("out_feat", ("<i4",), 1),
)


def identifier(norm_probs: bool = True):
    """py3langid's LanguageIdentifier, from the cached copy when it is sound."""
    from py3langid import langid

    source = Path(langid.MODEL_DIR) / langid.MODEL_FILE
    path = cache_path(source)
    arrays = read(path) if path else None
    if arrays is None:
        arrays = _decompress(source)
        if arrays is None:  # a py3langid of another layout: its own loader, uncached
            return langid.LanguageIdentifier.from_modelpath(source, norm_probs=norm_probs)
        if path:
            write(path, arrays)
    ptc, pc, classes, nextmove, row, out = (arrays[name] for name, _, _ in _ARRAYS)
    # the types py3langid's own loader hands its constructor (modelio.load_model, from_model_file)
    return langid.LanguageIdentifier(
        ptc.copy(), pc.copy(), classes.tolist(), _stdlib(nextmove), out.tolist(), norm_probs=norm_probs, tk_row=_stdlib(row)
    )


def cache_path(source: Path) -> Path | None:
    """Where the copy of this model file goes; None when there is no cache folder or no model file."""
    import py3langid

    try:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uk-en-pipeline"
        info = os.stat(source)
    except (OSError, RuntimeError, KeyError):  # no home folder, or the model file is gone
        return None
    stamp = f"{source.resolve()}\0{info.st_size}\0{info.st_mtime_ns}\0{getattr(py3langid, '__version__', '')}\0"
    key = hashlib.sha256(stamp.encode("utf-8", "surrogateescape") + FORMAT).hexdigest()[:16]
    return folder / f"py3langid-{key}.model"


def read(path: Path) -> dict[str, Any] | None:
    """The arrays of a sound copy, or None (missing, damaged, hostile: the caller rebuilds it)."""
    try:
        raw = fileio.read_bytes(path, "language model cache", CACHE_BYTES, "")
    except InputError:
        return None
    return parse(raw)


def parse(raw: bytes) -> dict[str, Any] | None:
    """The checked arrays of a copy's bytes, or None."""
    import numpy as np

    if not raw.startswith(FORMAT):
        return None
    end = raw.find(b"\n", len(FORMAT), HEADER_BYTES)
    try:
        if end < 0:
            return None
        header = fileio.load_json(raw[len(FORMAT) : end])
        specs, digest = header["arrays"], header["sha256"]
        if not isinstance(specs, list) or len(specs) != len(_ARRAYS) or not isinstance(digest, str):
            return None
        arrays, offset = {}, end + 1
        for (name, dtypes, ndim), spec in zip(_ARRAYS, specs, strict=True):
            dtype, shape = _spec(spec, name, dtypes, ndim)
            count = int(np.prod(shape, dtype=np.int64))
            size = count * dtype.itemsize
            if offset + size > len(raw):
                return None
            arrays[name] = np.frombuffer(raw, dtype, count, offset).reshape(shape)
            offset += size
    except (ValueError, TypeError, KeyError, IndexError):  # not JSON, or not the header of a copy
        return None
    if offset != len(raw) or _digest(arrays) != digest or not _consistent(arrays):
        return None
    return arrays


def _spec(spec, name: str, dtypes: tuple[str, ...] | None, ndim: int):
    """An array's dtype and shape from its header entry; ValueError unless it is the one expected."""
    import numpy as np

    stated, dtype_str, shape = spec
    if stated != name or not isinstance(dtype_str, str) or not isinstance(shape, list) or len(shape) != ndim:
        raise ValueError(name)
    if not all(type(n) is int and 0 < n < CACHE_BYTES for n in shape):
        raise ValueError(name)
    allowed = dtype_str in dtypes if dtypes else dtype_str.startswith("<U") and dtype_str[2:].isdigit() and 0 < int(dtype_str[2:]) <= 16
    if not allowed:
        raise ValueError(name)
    return np.dtype(dtype_str), tuple(shape)


def _consistent(a: dict[str, Any]) -> bool:
    """The arrays fit together: every index the identifier follows is in range."""
    features, classes = a["ptc"].shape
    states = a["nextmove_row"].shape[0]
    rows, remainder = divmod(a["nextmove"].shape[0], 256)
    return (
        a["pc"].shape == (classes,)
        and a["classes"].shape == (classes,)
        and a["out_feat"].shape == (states,)
        and remainder == 0
        and int(a["nextmove_row"].max()) < rows
        and int(a["nextmove"].max()) < states
        and int(a["out_feat"].min()) >= -1
        and int(a["out_feat"].max()) < features
    )


def _digest(arrays: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name, a in arrays.items():
        h.update(f"{name} {a.dtype.str} {list(a.shape)}\0".encode())
        h.update(a.tobytes() if a.dtype.kind == "U" else a.reshape(-1).view("u1"))
    return h.hexdigest()


def dump(arrays: dict[str, Any]) -> bytes:
    """The bytes of a copy (read back by parse)."""
    specs = [[name, arrays[name].dtype.str, list(arrays[name].shape)] for name, _, _ in _ARRAYS]
    header = json.dumps({"arrays": specs, "sha256": _digest(arrays)}).encode()
    return b"".join([FORMAT, header, b"\n", *(arrays[name].tobytes() for name, _, _ in _ARRAYS)])


def write(path: Path, arrays: dict[str, Any]) -> None:
    """Write the copy atomically, and remove the copies of other model files or versions. Not
    flushed to disk: a copy a power cut damaged fails its digest and is rebuilt, and an fsync of
    68 MB would cost the first run more than the copy saves it."""
    try:
        fileio.make_dirs(path.parent)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except (OSError, OutputError):
        return  # a cache only
    try:
        tmp = fileio.write_temp(folder, path, dump(arrays), sync=False)
        os.replace(tmp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        for old in path.parent.glob("py3langid-*.model"):
            if old.name != path.name:
                os.unlink(old.name, dir_fd=folder)
    except OSError:
        pass  # a cache only: the next run tries again
    finally:
        os.close(folder)


def _decompress(source: Path) -> dict[str, Any] | None:
    """The arrays from py3langid's own loader (0.4's layout), or None for another layout."""
    import numpy as np
    from py3langid import modelio

    model = modelio.load_model(source)
    if len(model) != len(_ARRAYS):
        return None
    ptc, pc, classes, nextmove, row, out = model
    arrays = {
        "ptc": np.ascontiguousarray(ptc),
        "pc": np.ascontiguousarray(pc),
        "classes": np.array(classes),
        "nextmove": np.asarray(nextmove),
        "nextmove_row": np.asarray(row),
        "out_feat": np.asarray(out, dtype=np.int32),
    }
    return arrays if all(_fits(arrays[name], dtypes) for name, dtypes, _ in _ARRAYS) else None


def _fits(a, dtypes: tuple[str, ...] | None) -> bool:
    return a.dtype.str in dtypes if dtypes else a.dtype.kind == "U"


def _stdlib(a):
    """A numpy unsigned array as the stdlib array py3langid walks (its own loader's type)."""
    from array import array

    out = array({2: "H", 4: "I", 8: "L"}[a.dtype.itemsize])
    out.frombytes(memoryview(a).cast("B"))
    return out
