"""The translated article: the source with each block's region replaced by its translation."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping

from pipeline import frontmatter
from pipeline.document import Document


def render(doc: Document, targets: Mapping[int, str], target_lang: str | None = None) -> str:
    """Replace the regions of the blocks in ``targets`` (block index -> translated text)."""
    edits: list[tuple[int, int, str]] = []
    for block in doc.blocks:
        if block.index not in targets:
            continue
        text = targets[block.index]
        if block.syntax == "yaml":
            text = frontmatter.scalar(text, doc.text[block.start : block.end])
        edits.append((block.start, block.end, text))
    if target_lang and doc.lang_field:
        a, b = doc.lang_field
        edits.append((a, b, frontmatter.scalar(target_lang, doc.text[a:b])))
    edits.sort()
    out: list[str] = ["\ufeff"] if doc.bom else []
    pos = 0
    for start, end, text in edits:
        out.append(_as_written(doc, pos, start))
        out.append(text if doc.newline == "\n" else text.replace("\n", doc.newline))
        pos = end
    out.append(_as_written(doc, pos, len(doc.text)))
    return "".join(out)


def _as_written(doc: Document, start: int, end: int) -> str:
    """doc.text[start:end] with each line ending as the file has it (a file may mix them)."""

    def native(text: str) -> str:
        return text if doc.newline == "\n" else text.replace("\n", doc.newline)

    pieces: list[str] = []
    pos = start
    for at, ending in doc.endings[bisect_left(doc.endings, start, key=lambda e: e[0]) :]:
        if at >= end:
            break
        pieces += [native(doc.text[pos:at]), ending]
        pos = at + 1
    pieces.append(native(doc.text[pos:end]))
    return "".join(pieces)
