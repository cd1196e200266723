"""Word documents (.docx) behind the article-format interface, over the package's XML parts
(`office`: bounded zip, lxml-checked XML tokenized with offsets).

Every paragraph (`w:p`) of the body, its tables, the headers and footers, the footnotes and
endnotes and the text boxes is a block; comments are left alone. Inside a paragraph, text whose
run properties (`w:rPr`) are the paragraph's most common ones is plain text; a run formatted
otherwise is a paired code (its `<w:r><w:rPr>..</w:rPr>` and `</w:r>`), and so is a hyperlink, an
insertion or a content control around runs, so `My name **is** Michael` stays one sentence. Runs
that differ only in what Word adds for spell-checking and revisions (`w:rsid*`, `w:lang`,
`w:noProof`, `w:proofErr` between them) are merged. Fields (from `fldChar begin` to `end`, and
`w:fldSimple`), bookmarks, comment anchors, images, drawings, footnote references, breaks and
tabs are atoms, copied byte for byte.

`Document.text` is the text parts' XML one after another (the parts `_package` finds, in its
order); a block's region is the part of its paragraph that holds runs, so the paragraph's
properties and the anchors at its ends stay as they are. Rendering rebuilds a translated
paragraph's runs from its translation (`docx_runs`) and rewrites only the parts whose characters changed
(`office.rewrite`). The declared language is `w:docDefaults`' `w:lang` in styles.xml.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.articles import docx_runs, office
from pipeline.articles.base import BinaryFormat, FormatError, Parsed, count_elements
from pipeline.articles.blocks import RawBlock
from pipeline.segment.protect import Escape

if TYPE_CHECKING:
    from pipeline.core.config import Config
    from pipeline.core.document import Document

WHAT = "a Word document"
NOTES = {"footnotes": "footnote", "endnotes": "endnote"}
SIDES = ("header", "footer")
_STYLE_RE = re.compile(r'<w:pStyle\s+w:val="([^"]*)"')


class Docx(BinaryFormat):
    name = "docx"
    suffixes = (".docx",)
    elements = "paragraphs, runs, numbers and sentence ends"
    declares = "a default language (w:lang in styles.xml)"

    def cost(self, content: bytes) -> int:
        """Paragraphs and runs, and the sentence ends and numbers of the text; 0 for a package
        `parse` refuses (it says why)."""
        try:
            package = _package(content)
        except FormatError:
            return 0
        total = 0
        for part in package.parts:
            if part.role != "styles":
                total += part.text.count("<w:p>") + part.text.count("<w:p ") + part.text.count("<w:r>") + part.text.count("<w:r ")
                total += count_elements(" ".join(re.findall(r">([^<]+)<", part.text)))
        return total

    def parse(self, content: bytes, config: Config) -> Parsed:
        package = _package(content)
        blocks: list[RawBlock] = []
        base = 0
        lang: str | None = None
        lang_field: tuple[int, int] | None = None
        for part in package.parts:
            if part.role == "styles":
                found = _default_lang(part.text)
                if found:
                    lang, (a, b) = found[0], found[1:]
                    lang_field = (base + a, base + b)
            else:
                blocks += _blocks(part, base)
            base += len(part.text)
        return Parsed(tuple(blocks), lang, lang_field, text="".join(p.text for p in package.parts))

    def escape(self, doc: Document, syntax: str) -> Escape:
        return lambda text, at_line_start: office.escape(text)

    def render(self, doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> bytes:
        if not targets and not (target_lang and doc.lang_field):
            return doc.data
        package = _package(doc.data)
        changed: dict[str, bytes] = {}
        base = 0
        for part in package.parts:
            end = base + len(part.text)
            edits = [
                office.Edit(b.start - base, b.end - base, targets[b.index], True)
                for b in doc.blocks
                if base <= b.start < end and b.index in targets
            ]
            if target_lang and doc.lang_field and base <= doc.lang_field[0] < end:
                a, b = doc.lang_field
                edits.append(
                    office.Edit(a - base, b - base, office.escape_attribute(docx_runs.lang_value(doc.text[a:b], target_lang)), False)
                )
            text = (
                office.edited(part.text, edits, lambda region, target: docx_runs.written(region, target, target_lang))
                if edits
                else part.text
            )
            if text != part.text:
                changed[part.name] = text.encode("utf-8")
            base = end
        return office.rewrite(doc.data, changed)


# --- the package ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    name: str
    role: str  # document | header | footer | footnote | endnote | styles
    text: str


@dataclass(frozen=True)
class _Package:
    parts: tuple[_Part, ...]


@functools.lru_cache(maxsize=2)
def _package(content: bytes) -> _Package:
    """The text parts (the document, headers, footers, footnotes, endnotes) and styles.xml, found
    through the package's relationships, each checked and decoded."""
    archive = office.open_zip(content, WHAT)
    names = set(archive.namelist())
    main = _targets(archive, "_rels/.rels", "").get("officeDocument", [])
    if not main:
        raise FormatError("not a Word document (no main document part in _rels/.rels)")
    document = main[0]
    folder = posixpath.dirname(document)
    rels = posixpath.join(folder, "_rels", posixpath.basename(document) + ".rels")
    related = _targets(archive, rels, folder) if rels in names else {}
    wanted = [(document, "document")]
    wanted += [(n, side) for side in SIDES for n in sorted(related.get(side, [])) if n in names]
    wanted += [(n, NOTES[kind]) for kind in NOTES for n in related.get(kind, [])[:1] if n in names]
    wanted += [(n, "styles") for n in related.get("styles", [])[:1] if n in names]
    parts = []
    for name, role in wanted:
        text = office.parse_xml(office.read_member(archive, name), name)
        parts.append(_Part(name, role, text))
    return _Package(tuple(parts))


def _targets(archive, rels: str, folder: str) -> dict[str, list[str]]:
    """Relationship type (its last word) -> the parts it names, inside the package only."""
    text = office.parse_xml(office.read_member(archive, rels), rels)
    out: dict[str, list[str]] = {}
    for t in office.tokens(text):
        if t.kind not in ("start", "empty") or not t.name.endswith("Relationship"):
            continue
        tag = text[t.start : t.end]
        kind, target, mode = (office.attribute(tag, a) for a in ("Type", "Target", "TargetMode"))
        if kind is None or target is None or (mode and mode[0] == "External"):
            continue
        path = target[0].lstrip("/") if target[0].startswith("/") else posixpath.normpath(posixpath.join(folder, target[0]))
        if not path.startswith(".."):
            out.setdefault(kind[0].rsplit("/", 1)[-1], []).append(path)
    return out


def _default_lang(styles: str) -> tuple[str, int, int] | None:
    """w:docDefaults' w:lang w:val and where it is."""
    at = styles.find("<w:docDefaults")
    end = styles.find("</w:docDefaults>", at)
    if at < 0 or end < 0:
        return None
    m = docx_runs.LANG_TAG_RE.search(styles, at, end)
    value = office.attribute(m.group(0), "w:val") if m else None
    if m is None or value is None or not value[0].strip():
        return None
    return value[0], m.start() + value[1], m.start() + value[2]


# --- reading paragraphs ----------------------------------------------------------------------


def _blocks(part: _Part, base: int) -> list[RawBlock]:
    """The part's paragraphs with text, in document order (a text box's after the paragraph
    holding it); complex fields are followed across paragraphs (a table of contents)."""
    text = part.text
    toks = office.tokens(text)
    ends = office.element_ends(toks)
    out: list[RawBlock] = []
    cells = 0
    depth = 0  # complex fields open, through top-level paragraphs
    closes: list[int] = []
    for k, t in enumerate(toks):
        while closes and k > closes[-1]:
            closes.pop()
        if t.name == "w:tc":
            cells += 1 if t.kind == "start" else -1 if t.kind == "end" else 0
        if t.name != "w:p" or t.kind != "start":
            continue
        nested = bool(closes)
        walk = docx_runs.read(text, toks, ends, k + 1, ends[k], 0 if nested else depth)
        if not nested:
            depth = walk.depth
        closes.append(ends[k])
        block = _block(text, toks[k].end, walk, part, base, cells > 0)
        if block is not None:
            out.append(block)
    return out


def _block(text: str, opened: int, walk: docx_runs.Walk, part: _Part, base: int, cell: bool) -> RawBlock | None:
    """The paragraph's block: its items between the anchors at its ends, as runs with pairs."""
    items = walk.items
    first = 0
    while (
        first < len(items)
        and items[first].kind == "atom"
        and (items[first].atom in docx_runs.LEADING or walk.continued and items[first].atom == "field")
    ):
        first += 1
    last = len(items)
    while last > first and items[last - 1].kind == "atom" and items[last - 1].atom in docx_runs.ANCHORS:
        last -= 1
    items = items[first:last]
    if not any(i.kind == "text" and i.text.strip() for i in items):
        return None
    if first and items[0].level != -1:
        return None  # a field ends inside a container: the paragraph is kept as it is
    runs = docx_runs.runs_of(items, docx_runs.formats(items))
    props = text[opened : items[0].start]  # the paragraph's properties, and the anchors before its text
    return RawBlock(
        _kind(props, part.role, cell), tuple(runs), base + items[0].start, base + items[-1].end, syntax="docx", key=_key(part.role)
    )


def _kind(props: str, role: str, cell: bool) -> str:
    if role in ("footnote", "endnote"):
        return "footnote"
    style = _STYLE_RE.search(props)
    name = style.group(1).lower() if style else ""
    if name.startswith("heading") or name in ("subtitle",):
        return "heading"
    if name == "title":
        return "title"
    if cell:
        return "table_cell"
    if "<w:numPr>" in props or name.startswith("list"):
        return "list_item"
    return "paragraph"


def _key(role: str) -> str:
    return "" if role == "document" else role
