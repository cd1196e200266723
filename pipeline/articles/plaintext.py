"""Plain text articles: paragraphs are separated by blank lines; lines inside one are joined."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.articles.base import Parsed, TextFormat, count_elements
from pipeline.articles.blocks import RawBlock
from pipeline.segment.protect import Text

if TYPE_CHECKING:
    from pipeline.core.config import Config

_PARAGRAPH_RE = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


def parse(text: str) -> tuple[RawBlock, ...]:
    blocks = []
    for m in _PARAGRAPH_RE.finditer(text):
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        end = m.start() + len(m.group(0).rstrip())
        joined = " ".join(line.strip() for line in text[start:end].split("\n"))
        blocks.append(RawBlock("paragraph", (Text(joined),), start, end, syntax="text"))
    return tuple(blocks)


class PlainText(TextFormat):
    """Text has no markup: nothing is escaped, and a file cannot declare its language."""

    name = "text"
    suffixes = (".txt", ".text")

    def cost(self, content: str) -> int:
        return count_elements(content)

    def parse(self, content: str, config: Config) -> Parsed:
        return Parsed(parse(content))
