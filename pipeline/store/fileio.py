"""Writing files atomically: a reader sees the old file or the new one, never half of one.

Temporary files are named ``.<name>.<random>.pipeline-tmp`` beside their target, so a run can
recognise and remove what an interrupted run left behind (``clean_temp``). Files get the
permissions the umask gives, as any editor's files would. One run at a time writes an output
folder (``lock``).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from pipeline.core.errors import ExitStatus, InputError, OutputError, PipelineError

TEMP_SUFFIX = ".pipeline-tmp"
# ours, and those of versions before this suffix: ".<name>.<8 characters of mkstemp>.tmp"
_TEMP_ROOM = 255 - len(".") - len(".0123456789abcdef") - len(TEMP_SUFFIX)  # a file name is at most 255 bytes


def temp_stem(name: str) -> str:
    """The part of a temporary file's name that says whose it is: the file's name, cut so that
    the temporary name fits where the file's own name fits."""
    data = name.encode("utf-8", "surrogateescape")
    return name if len(data) <= _TEMP_ROOM else data[:_TEMP_ROOM].decode("utf-8", "ignore")


_TEMP_RE = re.compile(r"^\..+\.(?:[0-9a-f]{16}\.pipeline-tmp|[a-z0-9_]{8}\.tmp)$")


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be read as an article, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "an unknown kind of file")
    return f"not a regular file ({kind})"


def _too_large(size: int | None, max_bytes: int, setting: str) -> str:
    amount = f"{size / 1e6:.1f} MB" if size is not None else f"more than {max_bytes / 1e6:.1f} MB"
    return f"too large ({amount}; the limit is {max_bytes / 1e6:.1f} MB{setting and ', see ' + setting})"


def read_bytes(path: str | os.PathLike, name: str, max_bytes: int, setting: str = "max_file_bytes", follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputError (naming ``name``) otherwise.

    A FIFO, a device or a socket is refused before it is opened (opening some devices has side
    effects), and again on the open descriptor, so a file swapped in between cannot slip through;
    O_NONBLOCK keeps the open itself from waiting for a FIFO's writer. The size is bounded by what
    is actually read, not by what stat() says (0 for /dev/zero, and a file may grow meanwhile).
    ``setting`` names the limit in the message ("" when it is not a setting). ``follow`` False: a
    symbolic link is refused, not followed (the pipeline's own files are never links).
    """
    try:
        info = os.stat(path) if follow else os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            raise InputError(name, "a symbolic link (the pipeline's own files are never links); not read")
        why = not_regular(info.st_mode)
        if why:
            raise InputError(name, why)
        fd = os.open(path, _READ_FLAGS | (0 if follow else os.O_NOFOLLOW))
    except PermissionError:
        raise InputError(name, "cannot read: permission denied") from None
    except OSError as e:
        raise InputError(name, _unreadable(e)) from None
    return _read_fd(fd, name, max_bytes, setting)


_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


def _unreadable(e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "a symbolic link (or a link loop); not read"
    return f"cannot read: {e.strerror or e}"


def _read_fd(fd: int, name: str, max_bytes: int, setting: str) -> bytes:
    """Everything an open descriptor holds, bounded; the descriptor is closed."""
    try:
        info = os.fstat(fd)
        why = not_regular(info.st_mode)
        if why:
            raise InputError(name, why)
        if info.st_size > max_bytes:
            raise InputError(name, _too_large(info.st_size, max_bytes, setting))
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(max_bytes + 1 - total, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise InputError(name, _too_large(None, max_bytes, setting))
        return b"".join(chunks)
    except PermissionError:
        raise InputError(name, "cannot read: permission denied") from None
    except OSError as e:
        raise InputError(name, _unreadable(e)) from None
    finally:
        os.close(fd)


def read_within(root: Path, parts: tuple[str, ...], name: str, max_bytes: int, setting: str = "max_file_bytes") -> bytes:
    """The file root/parts... read without following any symbolic link below root, also when one
    is swapped in while the pipeline runs: each folder is opened relative to the one above it."""
    try:
        folder = open_folder(root, parts[:-1], create=False)
    except OSError as e:
        raise InputError(name, "a folder on its path became a symbolic link; not read" if e.errno in _LINKED else _unreadable(e)) from None
    try:
        info = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            raise InputError(name, "a symbolic link leading out of its folder; not read")
        why = not_regular(info.st_mode)
        if why:
            raise InputError(name, why)
        fd = os.open(parts[-1], _READ_FLAGS | os.O_NOFOLLOW, dir_fd=folder)
    except PermissionError:
        raise InputError(name, "cannot read: permission denied") from None
    except OSError as e:
        raise InputError(name, _unreadable(e)) from None
    finally:
        os.close(folder)
    return _read_fd(fd, name, max_bytes, setting)


_LINKED = (errno.ELOOP, errno.ENOTDIR)


def open_folder(root: Path, parts: tuple[str, ...] | list[str], create: bool) -> int:
    """A descriptor of the folder root/parts..., opened one component at a time without following
    a symbolic link (ELOOP/ENOTDIR when one is in the way), created where missing if ``create``.
    The root itself is opened as named: the user chose it."""
    fd = open_root(root)
    try:
        for part in parts:
            child = open_child(fd, part, create)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_root(root: Path) -> int:
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))


_CHILD_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def open_child(fd: int, part: str, create: bool) -> int:
    """A descriptor of the folder ``part`` of the open folder fd, never through a symbolic link
    (ELOOP/ENOTDIR), created where missing if ``create``."""
    try:
        return os.open(part, _CHILD_FLAGS, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
        try:
            os.mkdir(part, 0o777, dir_fd=fd)
        except FileExistsError:
            pass
        return os.open(part, _CHILD_FLAGS, dir_fd=fd)


MAX_JSON_DEPTH = 64
_JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")


def load_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH):
    """json.loads, refusing (ValueError) nesting deeper than max_depth before parsing: the
    parser recurses, and a file of 200,000 brackets must cost one line, not a RecursionError."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    brackets = _JSON_NOT_BRACKET_RE.sub("", _JSON_STRING_RE.sub("", text))
    depth = 0
    for c in brackets:
        depth += 1 if c in "[{" else -1
        if depth > max_depth:
            raise ValueError(f"nested deeper than {max_depth} levels")
    data = json.loads(text, parse_constant=_no_constant)
    if _SURROGATE_RE.search(text):  # JSON lets "\ud800" stand alone; it is no text, and no file can hold it
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise LoneSurrogate("holds a lone surrogate (an escape such as \\ud800 that is no character)") from None
    return data


class LoneSurrogate(ValueError):
    """JSON that escapes half a UTF-16 pair: it parses, but no file can hold the text."""


def _no_constant(name: str):
    raise ValueError(f"holds {name}, which JSON does not allow (Python's json reads it)")


_SURROGATE_RE = re.compile(r"\\u[dD][89a-fA-F]")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # read once: os.umask can only be read by setting it


def make_dirs(folder: Path, shown: Path | None = None) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(p for p in [folder, *folder.parents] if p.exists() and not p.is_dir())
        raise OutputError(f"{shown or folder}: cannot write: {blocker} is a file, not a folder") from None
    except OSError as e:
        raise OutputError(f"{shown or folder}: cannot write: {e.strerror or e}") from None


def write_atomic(path: Path, data: str | bytes, sync_folder: bool = True, root: Path | None = None) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, rename it over ``path``, and
    flush the folder, so the new name survives a power cut too (sync_folder False: the caller
    flushes the folders of several files at once, see sync_dirs).

    With ``root`` (a folder holding path), no symbolic link below root is followed: the folders are
    opened one by one relative to each other (and created), so a link planted in the output folder
    can never lead a write outside it; OutputError names the link."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if root is None:
        make_dirs(path.parent, path)
        folder_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    else:
        folder_fd = folder_within(root, path)
    try:
        tmp = write_temp(folder_fd, path, raw, sync=True)
        try:
            os.replace(tmp, path.name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        except OSError:
            _unlink_quietly(tmp, folder_fd)
            raise
        if sync_folder:
            os.fsync(folder_fd)
    except OSError as e:
        raise failed(path, e) from None
    finally:
        os.close(folder_fd)


def write_temp(folder_fd: int, path: Path, raw: bytes, sync: bool) -> str:
    """A new temporary file beside path (in the open folder) holding raw, flushed to disk if
    ``sync``; its name. OSError, with nothing left behind, if it cannot be written."""
    tmp = f".{temp_stem(path.name)}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), FILE_MODE, dir_fd=folder_fd)
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        _unlink_quietly(tmp, folder_fd)
        raise
    return tmp


def _unlink_quietly(name: str, folder_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=folder_fd)
    except OSError:
        pass


def folder_within(root: Path, path: Path) -> int:
    """A descriptor of path's folder, reached from root without following links (created if missing)."""
    parts = path.parent.relative_to(root).parts
    try:
        return open_folder(root, parts, create=True)
    except OSError as e:
        raise unreachable(root, path, parts, e) from None


def unreachable(root: Path, path: Path, parts: tuple[str, ...], e: OSError) -> OutputError:
    """Why path's folder (root/parts...) could not be opened to write path."""
    if e.errno in _LINKED:
        return OutputError(f"{path}: cannot write: {_in_the_way(root, parts)}")
    return failed(path, e)


def _in_the_way(root: Path, parts: tuple[str, ...]) -> str:
    """What stops a folder of root/parts from being opened: a file, or a symbolic link."""
    here = root
    for part in parts:
        here = here / part
        if here.is_symlink():
            return f"{here} is a symbolic link; the pipeline writes only inside {root}"
        if here.exists() and not here.is_dir():
            return f"{here} is a file, not a folder"
    return f"a folder on its way changed while it was written; the pipeline writes only inside {root}"


def failed(path: Path, e: OSError, verb: str = "write") -> OutputError:
    error = OutputError(f"{path}: cannot {verb}: {e.strerror or e}")
    error.errno = e.errno
    return error


# The file system, not one file, failed: no other article would fare better.
DEVICE_ERRORS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO})


def remove_within(root: Path, path: Path) -> bool:
    """Delete root/.../path without following a link below root; False when it was not there."""
    try:
        folder = open_folder(root, path.parent.relative_to(root).parts, create=False)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise unremovable(root, path, e) from None
    try:
        return unlink_in(folder, path)
    finally:
        os.close(folder)


def unlink_in(folder: int, path: Path) -> bool:
    """Delete path's name from its open folder (descriptor folder); False when it was not there."""
    try:
        os.unlink(path.name, dir_fd=folder)
        return True
    except FileNotFoundError:
        return False
    except OSError as e:
        raise failed(path, e, "remove") from None


def unremovable(root: Path, path: Path, e: OSError) -> OutputError:
    """Why path's folder could not be opened to remove path."""
    if e.errno in _LINKED:
        return OutputError(f"{path}: not removed: a folder on its path is a symbolic link; the pipeline removes only inside {root}")
    return failed(path, e, "remove")


def sync_dirs(folders) -> None:
    try:
        for folder in set(folders):
            sync_dir(folder)
    except OSError as e:
        raise failed(folder, e) from None


def sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def same_content(path: Path, data: str | bytes) -> bool:
    """Whether path is a regular file (not a link) holding exactly data."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):  # most often: not there yet (data is then not encoded)
            return False
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if info.st_size != len(raw):
            return False
        return read_bytes(path, str(path), len(raw), "", follow=False) == raw
    except (OSError, InputError):
        return False


def clean_temp(folders: Iterable[Path], root: Path | None = None, of: str = "") -> int:
    """Remove the temporary files interrupted runs left in these folders (the caller holds the lock).
    With root, a folder is reached from it without following links (see write_atomic). With of,
    only those of the file of that name (a folder that is not the pipeline's alone: exchange files)."""
    pattern = re.compile(re.escape(f".{temp_stem(of)}.") + r"[0-9a-f]{16}" + re.escape(TEMP_SUFFIX)) if of else _TEMP_RE
    removed = 0
    for folder in set(folders):
        try:
            fd = open_folder(root, folder.relative_to(root).parts, create=False) if root else open_folder(folder, (), create=False)
        except (OSError, ValueError):
            continue
        try:
            for name in os.listdir(fd):
                if pattern.fullmatch(name):
                    try:
                        os.unlink(name, dir_fd=fd)
                        removed += 1
                    except OSError:
                        pass
        finally:
            os.close(fd)
    return removed


class Busy(PipelineError):
    status = ExitStatus.BUSY


class FolderLock:
    """An exclusive lock on a folder (flock on the folder itself: no lock file to commit or clean).
    Re-entrant within a process: an import holds it while the runs it starts write."""

    _held: dict[str, int] = {}  # real path -> how many FolderLocks of this process hold it

    def __init__(self, folder: Path, what: str = "output folder"):
        self.folder, self.what = folder, what
        self.fd: int | None = None
        self.shared = False

    def acquire(self) -> FolderLock:
        if self.fd is not None or self.shared:
            return self
        key = os.path.realpath(self.folder)
        if FolderLock._held.get(key):
            FolderLock._held[key] += 1
            self.shared = True
            return self
        try:
            fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as e:
            raise OutputError(f"{self.folder}: cannot open the {self.what}: {e.strerror or e}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Busy(f"{self.folder}: another run is writing this {self.what}; wait for it to finish") from None
        self.fd = fd
        FolderLock._held[key] = 1
        return self

    def release(self) -> None:
        if self.fd is None and not self.shared:
            return
        key = os.path.realpath(self.folder)
        FolderLock._held[key] = FolderLock._held.get(key, 1) - 1
        if not FolderLock._held[key]:
            del FolderLock._held[key]
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.shared = False

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
