"""The translated article: the source with each block's region replaced by its translation."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping

from pipeline.articles import frontmatter
from pipeline.core.document import Block, Document

WRAPPED_KINDS = ("paragraph", "list_item", "blockquote", "footnote")
MIN_WIDTH = 40  # a source whose lines are all shorter is broken by hand (a poem, an address): not wrapped
# Never split: code spans, shortcodes, HTML tags, link destinations.
_UNBREAKABLE_RE = re.compile(r"(`+).*?\1|\{\{[<%].*?[%>]\}\}|<[^<>\n]*>|\]\([^)\n]*\)")
# A line starting like this would be read as new Markdown structure: a heading, a list item, a
# quote, a fence, a table row, a setext underline, HTML. Such a word stays on the line before.
_STRUCTURE_START_RE = re.compile(r"(#{1,6}|[-+*]|\d{1,9}[.)])$|[>|<]|`{3}|~{3}|=+$|-+$")


def render(doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> str:
    """Replace the regions of the blocks in ``targets`` (block index -> translated text). With
    ``wrap``, a translated paragraph whose source is hard-wrapped is wrapped to the same width."""
    edits: list[tuple[int, int, str]] = []
    for block in doc.blocks:
        if block.index not in targets:
            continue
        text = targets[block.index]
        if wrap:
            text = wrapped(doc, block, text)
        if block.syntax in frontmatter.SYNTAXES:
            text = frontmatter.scalar(text, doc.text[block.start : block.end], block.syntax)
        edits.append((block.start, block.end, text))
    if target_lang and doc.lang_field:
        a, b = doc.lang_field
        edits.append((a, b, frontmatter.scalar(target_lang, doc.text[a:b], frontmatter.head_syntax(doc.text))))
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


def source_width(doc: Document, block: Block) -> tuple[int, int, str] | None:
    """How a block's source is wrapped: the width of its lines (the last one aside), the column
    its text starts at, and what starts each continuation line ("  " in a list item, "> " in a
    quote); None when it is one line or broken by hand."""
    region = doc.text[block.start : block.end]
    if "\n" not in region or block.syntax != "markdown" or block.kind not in WRAPPED_KINDS:
        return None
    line_start = doc.text.rfind("\n", 0, block.start) + 1
    line_end = doc.text.find("\n", block.end)
    lines = doc.text[line_start : len(doc.text) if line_end < 0 else line_end].split("\n")
    width = max(len(line) for line in lines[:-1])
    if width < MIN_WIDTH:
        return None
    prefix = re.match(r"[ \t>]*", region.split("\n")[1]).group(0)  # type: ignore[union-attr]  # [ \t>]* matches every string
    return width, block.start - line_start, prefix


def wrapped(doc: Document, block: Block, text: str) -> str:
    """The translated text wrapped as its source is (see source_width); unchanged when the source is
    one line or the translation holds a line break of its own (a hard break)."""
    shape = source_width(doc, block)
    if shape is None or "\n" in text:
        return text
    width, column, prefix = shape
    words = _words(text)
    lines: list[list[str]] = [[]]
    used = column
    for word in words:
        line = lines[-1]
        fits = used + len(word) + (1 if line else 0) <= width
        # a word that would begin a line as Markdown structure, or follow a backslash (a hard
        # break), stays where it is, whatever the width
        if line and not fits and not _STRUCTURE_START_RE.match(word) and not line[-1].endswith("\\"):
            lines.append([word])
            used = len(prefix) + len(word)
            continue
        line.append(word)
        used += len(word) + (1 if len(line) > 1 else 0)
    return ("\n" + prefix).join(" ".join(line) for line in lines)


def _words(text: str) -> list[str]:
    """Words split at single spaces, never inside code, shortcodes, tags or link destinations."""
    protected = _UNBREAKABLE_RE.sub(lambda m: m.group(0).replace(" ", "\x00"), text)
    return [w.replace("\x00", " ") for w in protected.split(" ") if w]
