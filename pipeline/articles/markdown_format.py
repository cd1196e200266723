"""Markdown (with YAML, TOML or JSON front matter) behind the article-format interface.

`markdown` and `frontmatter` are the parsers; this says what a Markdown file costs, which language
its front matter declares, how translated text is escaped in a paragraph, a table cell or a front
matter value, and how translated paragraphs are wrapped and values quoted on output.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pipeline.articles import frontmatter, markdown
from pipeline.articles.base import Edit, FormatError, Parsed, TextFormat, count_elements, language_code
from pipeline.segment.protect import Escape, no_escape

if TYPE_CHECKING:
    from pipeline.core.config import Config
    from pipeline.core.document import Block, Document

# Counted besides lines, numbers and sentence ends (markdown-it-py took over a minute and 2 GB on
# 5 MB of "*a* ").
MARKUP = "*_`[]<>&\\~|{}#-+"

WRAPPED_KINDS = ("paragraph", "list_item", "blockquote", "footnote")
MIN_WIDTH = 40  # a source whose lines are all shorter is broken by hand (a poem, an address): not wrapped
# Never split: code spans, shortcodes, HTML tags, link destinations.
_UNBREAKABLE_RE = re.compile(r"(`+).*?\1|\{\{[<%].*?[%>]\}\}|<[^<>\n]*>|\]\([^)\n]*\)")
# A line starting like this would be read as new Markdown structure: a heading, a list item, a
# quote, a fence, a table row, a setext underline, HTML. Such a word stays on the line before.
_STRUCTURE_START_RE = re.compile(r"(#{1,6}|[-+*]|\d{1,9}[.)])$|[>|<]|`{3}|~{3}|=+$|-+$")


class Markdown(TextFormat):
    name = "markdown"
    suffixes = (".md", ".markdown")
    declares = "`lang:` in its front matter"

    def cost(self, content: str) -> int:
        return count_elements(content, MARKUP)

    def parse(self, content: str, config: Config) -> Parsed:
        try:
            parsed = markdown.parse(content, config.front_matter_keys)
        except (frontmatter.FrontMatterError, markdown.ParseError) as e:
            raise FormatError(str(e)) from None
        return Parsed(parsed.blocks, parsed.meta.get("lang"), parsed.lang_field)

    def language(self, declared: object) -> str:
        if not isinstance(declared, str):  # a list or a mapping: never printed whole (it may be huge)
            raise FormatError(f"front matter's lang: is {type(declared).__name__}, not a language code")
        return language_code(declared, "front matter says lang:")

    def escape(self, doc: Document, syntax: str) -> Escape:
        if syntax == "markdown":
            return markdown.escape
        if syntax == "table":
            return functools.partial(markdown.escape, table=True)
        # "text" has no markup; a front matter value ("yaml", "toml", "json": frontmatter.SYNTAXES) is
        # not escaped piece by piece but quoted whole, in its own syntax, by edits
        return no_escape

    def edits(self, doc: Document, targets: Mapping[int, str], target_lang: str | None, wrap: bool) -> list[Edit]:
        edits: list[Edit] = []
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
        return edits


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
