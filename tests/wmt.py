"""WMT22 test sets as folders of articles: one plain-text file per document, one segment per paragraph."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from tests.conftest import SHARED

WMT = SHARED / "wmt22"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def docids(pair: str) -> list[str]:
    return [line.split("\t")[1] for line in lines(WMT / f"generaltest2022.{pair}.docids.tsv")[1:]]


def write_documents(folder: Path, segments: list[str], ids: list[str], limit: int = 0) -> list[str]:
    """The segments grouped by document into folder/NNN.txt; returns the segments written, in order."""
    folder.mkdir(parents=True)
    written: list[str] = []
    groups = [list(g) for _, g in groupby(zip(ids, segments), key=lambda r: r[0])]
    for n, group in enumerate(groups[:limit] if limit else groups):
        (folder / f"{n:03d}.txt").write_text("\n\n".join(s for _, s in group) + "\n", encoding="utf-8")
        written.extend(s for _, s in group)
    return written
