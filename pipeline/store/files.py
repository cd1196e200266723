"""Reading the store's own files (records, sidecars, sources.txt): they come from pull requests, so
each is read bounded, as a regular file (never through a link), as UTF-8, and a file git left
conflict markers in is named as such, with the command that resolves it. A file that is there
but unusable is `Damaged`: one line naming it, costing its article only."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.core.paths import shown
from pipeline.store import fileio


class Damaged(Exception):
    """A record (or its sidecar) that is there but cannot be used: the reason, one line, naming the file."""

    def __init__(self, file: Path, reason: str):
        super().__init__(f"{shown(str(file))}: {reason}")
        self.file, self.reason = file, reason


CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def lines(text: str) -> list[str]:
    """The lines of a file the pipeline writes one entry per line: split at line feeds only (a
    file name may hold a carriage return or a form feed, which str.splitlines splits at), a
    CRLF checkout's carriage returns dropped."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def conflict_line(text: str) -> int:
    """The 1-based line of the first git conflict marker in text, or 0."""
    for n, line in enumerate(lines(text), 1):
        if line.startswith(CONFLICT_MARKERS) and (len(line) == 7 or line[7] == " "):
            return n
    return 0


def conflict_reason(file: Path, line: int) -> str:
    return (
        f"has git merge conflict markers (line {line}): two branches changed the same sentences; keep one side with "
        f"`git checkout --ours -- {file}` (or --theirs; the article's outputs too, where git marked them), or edit the lines, "
        "then run `pipeline translate` again"
    )


def read_file(file: Path, limit: int) -> str | None:
    """A file of the store as text: None when absent; Damaged when it is not a small regular UTF-8 file."""
    try:
        os.lstat(file)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise Damaged(file, f"cannot be read ({e.strerror or e})") from None
    try:
        return fileio.read_bytes(file, str(file), limit, setting="", follow=False).decode("utf-8")
    except InputError as e:
        raise Damaged(file, e.reason) from None
    except UnicodeDecodeError as e:
        raise Damaged(file, f"not UTF-8 (at byte {e.start})") from None


def short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
