"""What the readers (markdown, front matter, plain text) hand to segmenting: a block of runs and
the region of the document its translation replaces. A module of its own so the readers need not
import each other."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.segment.protect import Run


@dataclass(frozen=True)
class RawBlock:
    kind: str
    runs: tuple[Run, ...]
    start: int  # region of the document the translation replaces
    end: int
    syntax: str = "markdown"
    key: str = ""
    mapped: bool = True  # False: the region could not be located; the block is kept as is
