"""py3langid's model, loaded from an uncompressed copy: the wheel ships it LZMA-compressed (4.5 MB),
and decompressing it took 0.5 s of every run that needed it, a tenth of a 175-article run with the
pseudo engine (bench/driver.py). The first such run keeps a copy of the arrays (68 MB) in the user's
cache folder; later runs read it in a few hundredths of a second.

The copy is untrusted like every file: read bounded and only if regular, in a format of our own
(a header, then the arrays' bytes, read into buffers of the stated types: no pickle can be in
it), the file's size checked against the header before any buffer is made, every array's type, shape and index
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
from array import array
from pathlib import Path
from typing import Any

from pipeline.core.errors import OutputError
from pipeline.store import fileio

FORMAT = b"pipeline py3langid model 1\n"
CACHE_BYTES = 100_000_000  # py3langid 0.4's model is 68 MB uncompressed
HEADER_BYTES = 4096
CACHE_ENV = "PIPELINE_CACHE_DIR"  # the folder of the copy, instead of $XDG_CACHE_HOME/uk-en-pipeline
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
    model = read(path) if path else None
    if model is None:
        model = _decompress(source)
        if model is None:  # a py3langid of another layout: its own loader, uncached
            return langid.LanguageIdentifier.from_modelpath(source, norm_probs=norm_probs)
        if path:
            write(path, model)
    ptc, pc, classes, nextmove, row, out = (model[name] for name, _, _ in _ARRAYS)
    # the types py3langid's own loader hands its constructor (modelio.load_model, from_model_file)
    return langid.LanguageIdentifier(ptc, pc, classes.tolist(), nextmove, out.tolist(), norm_probs=norm_probs, tk_row=row)


def cache_path(source: Path) -> Path | None:
    """Where the copy of this model file goes; None when there is no cache folder or no model file."""
    import py3langid

    try:
        folder = Path(os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uk-en-pipeline")
        info = os.stat(source)
    except (OSError, RuntimeError, KeyError):  # no home folder, or the model file is gone
        return None
    stamp = f"{source.resolve()}\0{info.st_size}\0{info.st_mtime_ns}\0{getattr(py3langid, '__version__', '')}\0"
    key = hashlib.sha256(stamp.encode("utf-8", "surrogateescape") + FORMAT).hexdigest()[:16]
    return folder / f"py3langid-{key}.model"


def read(path: Path) -> dict[str, Any] | None:
    """The model of a sound copy, or None (missing, damaged, hostile: the caller rebuilds it).

    Like fileio.read_bytes (a FIFO or device refused before and after the open, the size bounded),
    but each array is read straight into the buffer the identifier keeps: reading 68 MB into
    bytes and copying it out again cost more than the reading."""
    try:
        if fileio.not_regular(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if fileio.not_regular(info.st_mode) or info.st_size > CACHE_BYTES:
            return None
        layout = _layout(os.pread(fd, HEADER_BYTES, 0))
        if layout is None:
            return None
        offset, specs, digest = layout
        if offset + sum(_size(dtype, shape) for _, dtype, shape in specs) != info.st_size:
            return None
        model = {name: _empty(dtype, shape) for name, dtype, shape in specs}
        for a in model.values():
            offset = _fill(fd, _bytes(a), offset)
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return model if _digest(model) == digest and _consistent(model) else None


def _layout(head: bytes):
    """(where the arrays start, [(name, dtype, shape)], digest) from a copy's first bytes, or None."""
    if not head.startswith(FORMAT):
        return None
    end = head.find(b"\n", len(FORMAT))
    if end < 0:
        return None
    try:
        header = fileio.load_json(head[len(FORMAT) : end])
        specs, digest = header["arrays"], header["sha256"]
        if not isinstance(specs, list) or len(specs) != len(_ARRAYS) or not isinstance(digest, str):
            return None
        return (
            end + 1,
            [(name, *_spec(spec, name, dtypes, ndim)) for (name, dtypes, ndim), spec in zip(_ARRAYS, specs, strict=True)],
            digest,
        )
    except (ValueError, TypeError, KeyError, IndexError):  # not JSON, or not the header of a copy
        return None


def _size(dtype, shape: tuple[int, ...]) -> int:
    size = dtype.itemsize
    for n in shape:
        size *= n
    return size


def _empty(dtype, shape: tuple[int, ...]):
    """A buffer for one array: the stdlib array py3langid walks for the transitions, else numpy."""
    import numpy as np

    if dtype.kind == "u":
        return array({2: "H", 4: "I"}[dtype.itemsize], [0]) * (_size(dtype, shape) // dtype.itemsize)
    return np.empty(shape, dtype)


def _fill(fd: int, buffer: memoryview, offset: int) -> int:
    """Read the file from offset into the whole buffer (ValueError if it ends first); the next offset."""
    done = 0
    while done < len(buffer):
        n = os.preadv(fd, [buffer[done:]], offset + done)
        if n == 0:
            raise ValueError("the file ended early")
        done += n
    return offset + done


def _bytes(a) -> memoryview:
    return memoryview(a).cast("B") if isinstance(a, array) else memoryview(a.reshape(-1).view("u1"))


def _numpy(a):
    """A numpy view of a stdlib array (for the checks), or the numpy array itself."""
    import numpy as np

    return np.frombuffer(a, f"<u{a.itemsize}") if isinstance(a, array) else a


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


def _consistent(model: dict[str, Any]) -> bool:
    """The arrays fit together: every index the identifier follows is in range."""
    a = {name: _numpy(v) for name, v in model.items()}
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


def _digest(model: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name, value in model.items():
        a = _numpy(value)
        h.update(f"{name} {a.dtype.str} {list(a.shape)}\0".encode())
        h.update(_bytes(value))
    return h.hexdigest()


def dump(model: dict[str, Any]) -> bytes:
    """The bytes of a copy (read back by read)."""
    specs = [[name, _numpy(model[name]).dtype.str, list(_numpy(model[name]).shape)] for name, _, _ in _ARRAYS]
    header = json.dumps({"arrays": specs, "sha256": _digest(model)}).encode()
    return b"".join([FORMAT, header, b"\n", *(_bytes(model[name]) for name, _, _ in _ARRAYS)])


def write(path: Path, model: dict[str, Any]) -> None:
    """Write the copy atomically, and remove the copies of other model files or versions. Not
    flushed to disk: a copy a power cut damaged fails its digest and is rebuilt, and an fsync of
    68 MB would cost the first run more than the copy saves it."""
    try:
        fileio.make_dirs(path.parent)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except (OSError, OutputError):
        return  # a cache only
    try:
        tmp = fileio.write_temp(folder, path, dump(model), sync=False)
        os.replace(tmp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        for old in path.parent.glob("py3langid-*.model"):
            if old.name != path.name:
                os.unlink(old.name, dir_fd=folder)
    except OSError:
        pass  # a cache only: the next run tries again
    finally:
        os.close(folder)


def _decompress(source: Path) -> dict[str, Any] | None:
    """The model from py3langid's own loader (0.4's layout), or None for another layout."""
    import numpy as np
    from py3langid import modelio

    loaded = modelio.load_model(source)
    if len(loaded) != len(_ARRAYS):
        return None
    ptc, pc, classes, nextmove, row, out = loaded
    model = {
        "ptc": np.ascontiguousarray(ptc),
        "pc": np.ascontiguousarray(pc),
        "classes": np.array(classes),
        "nextmove": nextmove,
        "nextmove_row": row,
        "out_feat": np.asarray(out, dtype=np.int32),
    }
    if not all(isinstance(model[name], array) == (dtypes is not None and dtypes[0].startswith("<u")) for name, dtypes, _ in _ARRAYS):
        return None
    return model if all(_fits(_numpy(model[name]), dtypes) for name, dtypes, _ in _ARRAYS) else None


def _fits(a, dtypes: tuple[str, ...] | None) -> bool:
    return a.dtype.str in dtypes if dtypes else a.dtype.kind == "U"
