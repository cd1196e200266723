"""Plain text articles: paragraphs are separated by blank lines; lines inside one are joined."""

from __future__ import annotations

import re

from pipeline.articles.blocks import RawBlock
from pipeline.segment.protect import Text

_PARAGRAPH_RE = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


def parse(text: str) -> tuple[RawBlock, ...]:
    blocks = []
    for m in _PARAGRAPH_RE.finditer(text):
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        end = m.start() + len(m.group(0).rstrip())
        joined = " ".join(line.strip() for line in text[start:end].split("\n"))
        blocks.append(RawBlock("paragraph", (Text(joined),), start, end, syntax="text"))
    return tuple(blocks)
