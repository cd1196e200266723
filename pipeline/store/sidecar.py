"""The sidecar of a record (`<path>.outputs`): what is derived from the outputs, kept apart so two
branches that corrected different paragraphs of one article merge cleanly (git merges it by
union). One output per line as sha256sum writes it (a name holding a newline or a backslash
escaped, as GNU sha256sum does), then the counts of flagged, needs-review and unreviewed
sentences. A path or count listed twice means git merged two versions: the next run checks the
article's outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.store.files import CONFLICT_MARKERS, Damaged, lines, read_file, short
from pipeline.store.layout import relative_problem

if TYPE_CHECKING:
    from pipeline.store.records import Record

MAX_SUMS_BYTES = 4_000_000


def dump(record: Record) -> str:
    """The sidecar: one output per line as sha256sum writes it, then the counts."""
    lines = [_sum_line(h, p) for p, h in record.outputs]
    lines += [f"flagged {flag or '*'} {n}" for flag, n in record.flagged]
    lines.append(f"needs-review {record.needs_review}")
    lines.append(f"unreviewed {record.unreviewed}")
    return "\n".join(lines) + "\n"


_SUM_RE = re.compile(r"^(\\?)([0-9a-f]{64})  (.+)$")


def _sum_line(digest: str, rel: str) -> str:
    """As GNU sha256sum writes it: a name holding a newline or a backslash is escaped, and the
    line starts with a backslash to say so (one output, one line, whatever its name)."""
    if "\n" in rel or "\\" in rel or "\r" in rel:  # (\r too: a CRLF checkout's line ends are dropped)
        return "\\" + digest + "  " + rel.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return f"{digest}  {rel}"


def _unescape(rel: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), rel)


_COUNT_RE = re.compile(r"^(flagged \S+|needs-review|unreviewed) (\d{1,9})$")


@dataclass(frozen=True)
class Sums:
    outputs: tuple[tuple[str, str], ...]
    flagged: tuple[tuple[str, int], ...]
    counts: dict[str, int | None]
    merged: bool  # a path or count listed twice: git merged two versions


def load(file: Path) -> Sums:
    """A sidecar; lines git left around a conflict are read too (a merged sidecar is checked by the
    next run). A line of another shape makes it Damaged."""
    text = read_file(file, MAX_SUMS_BYTES)
    if text is None:
        raise Damaged(file, "is missing (the record's outputs and counts are kept there)")
    outputs: list[tuple[str, str]] = []
    flagged: dict[str, int] = {}
    counts: dict[str, int | None] = {}
    seen: set[str] = set()
    merged = False
    for n, line in enumerate(lines(text), 1):
        if not line.strip() or line.startswith(CONFLICT_MARKERS):
            continue
        sum_match, count = _SUM_RE.match(line), _COUNT_RE.match(line)
        if count:
            key, value = count.group(1), int(count.group(2))
            merged |= key in seen
            seen.add(key)
            if key.startswith("flagged "):
                flag = key.removeprefix("flagged ")
                flagged["" if flag == "*" else flag] = value
            else:
                counts[key] = value
        elif sum_match:
            rel = _unescape(sum_match.group(3)) if sum_match.group(1) else sum_match.group(3)
            problem = relative_problem(rel)
            if problem:
                raise Damaged(file, f"line {n}: {problem}")
            merged |= rel in seen
            seen.add(rel)
            outputs.append((rel, sum_match.group(2)))
        else:
            raise Damaged(file, f"line {n} is not `SHA256  PATH` nor a count: {short(line)}")
    return Sums(tuple(outputs), tuple(sorted(flagged.items())), counts, merged)
