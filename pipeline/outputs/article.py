"""The translated article: the source with each block's region replaced by its translation."""

from __future__ import annotations

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
    out: list[str] = []
    pos = 0
    for start, end, text in edits:
        out.append(doc.text[pos:start])
        out.append(text)
        pos = end
    out.append(doc.text[pos:])
    result = "".join(out)
    if doc.newline != "\n":
        result = result.replace("\n", doc.newline)
    return ("\ufeff" if doc.bom else "") + result
