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

`Document.text` is the text parts' XML one after another (the parts `parts` lists, in its
order); a block's region is the part of its paragraph that holds runs, so the paragraph's
properties and the anchors at its ends stay as they are. Rendering rebuilds a translated
paragraph's runs from its translation and rewrites only the parts whose characters changed
(`office.rewrite`). The declared language is `w:docDefaults`' `w:lang` in styles.xml.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.articles import office
from pipeline.articles.base import BinaryFormat, FormatError, Parsed, count_elements
from pipeline.articles.blocks import RawBlock
from pipeline.articles.office import Token
from pipeline.segment.protect import Atom, Close, Escape, Open, Run, Text

if TYPE_CHECKING:
    from pipeline.core.config import Config
    from pipeline.core.document import Document

WHAT = "a Word document"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
NOTES = {"footnotes": "footnote", "endnotes": "endnote"}
SIDES = ("header", "footer")
# Elements around runs inside a paragraph: paired codes (their kind names them for editors).
CONTAINERS = {
    "w:hyperlink": "link",
    "w:ins": "ins",
    "w:moveTo": "ins",
    "w:smartTag": "tag",
    "w:customXml": "tag",
    "w:sdt": "control",
    "w:sdtContent": "control",
    "w:dir": "dir",
    "w:bdo": "dir",
}
PROPERTIES = frozenset({"w:rPr", "w:sdtPr", "w:sdtEndPr", "w:smartTagPr", "w:customXmlPr"})
DROPPED = frozenset({"w:proofErr", "w:lastRenderedPageBreak"})  # spell-check and layout marks
ANCHORS = frozenset({"bookmark", "comment", "perm"})  # atoms kept outside the region at its ends
LEADING = ANCHORS | {"note", "tab"}  # and at its start: a footnote's own number and the tab after it
# What a run holds besides text; anything else inside a paragraph is an atom of its own.
RUN_CONTENT = {
    "w:tab": "tab",
    "w:ptab": "tab",
    "w:br": "break",
    "w:cr": "break",
    "w:drawing": "image",
    "w:pict": "image",
    "w:object": "image",
    "mc:AlternateContent": "image",
    "w:footnoteReference": "note",
    "w:endnoteReference": "note",
    "w:footnoteRef": "note",
    "w:endnoteRef": "note",
    "w:commentReference": "comment",
    "w:annotationRef": "comment",
    "w:sym": "symbol",
    "w:noBreakHyphen": "symbol",
    "w:softHyphen": "symbol",
    "w:separator": "note",
    "w:continuationSeparator": "note",
    "w:fldChar": "field",
    "w:instrText": "field",
    "w:delText": "xml",
    "w:pgNum": "field",
}
_ATOM_KINDS = {"w:bookmarkStart": "bookmark", "w:bookmarkEnd": "bookmark", "w:commentRangeStart": "comment"}
_ATOM_KINDS.update({"w:commentRangeEnd": "comment", "w:permStart": "perm", "w:permEnd": "perm", "w:fldSimple": "field"})
_ATOM_KINDS.update({"m:oMath": "math", "m:oMathPara": "math", "w:del": "xml", "w:moveFrom": "xml"})
# What is not formatting in run properties: spell-check and revision marks, and the language.
_NOT_FORMAT_RE = re.compile(r'\s+w:rsid\w*="[^"]*"|<w:lang\b[^>]*/>|<w:noProof(?:\s+w:val="[^"]*")?\s*/>')
_EMPTY_RE = re.compile(r"<w:rPr>\s*</w:rPr>|<w:rPr\s*/>")
_LANG_TAG_RE = re.compile(r"<w:lang\b[^>]*>")
_STYLE_RE = re.compile(r'<w:pStyle\s+w:val="([^"]*)"')
MARKUP = "\n"  # each paragraph and run counts as a line does: one more block or sentence


@dataclass
class _Item:
    kind: str  # text | atom | open | close
    start: int  # where it is in the part
    end: int
    level: int  # the container it is in (its number in the paragraph), -1: the paragraph itself
    source: str = ""  # as written: an atom's element, a container's opening or closing markup
    text: str = ""  # a text's characters
    fmt: str | None = None  # a run's formatting, as compared; None: not in a run
    run: str = ""  # the run's start tag and properties, as written
    atom: str = "xml"  # an atom's kind, a container's


@dataclass
class _Walk:
    """A paragraph's content as items: text and atoms with the run and container each is in."""

    items: list[_Item] = field(default_factory=list)
    containers: int = 0
    depth: int = 0  # complex fields open at the end
    continued: bool = False  # it starts inside a field that an earlier paragraph began


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
                edits.append(office.Edit(a - base, b - base, office.escape_attribute(_lang_value(doc.text[a:b], target_lang)), False))
            text = office.edited(part.text, edits, lambda region, target: _paragraph(region, target, target_lang)) if edits else part.text
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
    main = _targets(archive, "_rels/.rels", "", names).get("officeDocument", [])
    if not main:
        raise FormatError("not a Word document (no main document part in _rels/.rels)")
    document = main[0]
    folder = posixpath.dirname(document)
    rels = posixpath.join(folder, "_rels", posixpath.basename(document) + ".rels")
    related = _targets(archive, rels, folder, names) if rels in names else {}
    wanted = [(document, "document")]
    wanted += [(n, side) for side in SIDES for n in sorted(related.get(side, [])) if n in names]
    wanted += [(n, NOTES[kind]) for kind in NOTES for n in related.get(kind, [])[:1] if n in names]
    wanted += [(n, "styles") for n in related.get("styles", [])[:1] if n in names]
    parts = []
    for name, role in wanted:
        text = office.parse_xml(office.read_member(archive, name), name)
        parts.append(_Part(name, role, text))
    return _Package(tuple(parts))


def _targets(archive, rels: str, folder: str, names: set[str]) -> dict[str, list[str]]:
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
    m = _LANG_TAG_RE.search(styles, at, end)
    value = office.attribute(m.group(0), "w:val") if m else None
    if m is None or value is None or not value[0].strip():
        return None
    return value[0], m.start() + value[1], m.start() + value[2]


def _lang_value(declared: str, target: str) -> str:
    """The target as the file writes languages: with a region ("uk-UA") where it wrote one."""
    if "-" in target or "-" not in declared:
        return target
    from babel.core import get_global

    likely = str(get_global("likely_subtags").get(target, "")).split("_")
    return f"{target}-{likely[-1]}" if len(likely) > 1 and likely[-1].isupper() else target


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
        walk = _walk(text, toks, ends, k + 1, ends[k], 0 if nested else depth)
        if not nested:
            depth = walk.depth
        closes.append(ends[k])
        block = _block(text, toks, k, ends, walk, part, base, cells > 0)
        if block is not None:
            out.append(block)
    return out


def _walk(text: str, toks: list[Token], ends: list[int], lo: int, hi: int, depth: int) -> _Walk:
    """The items of a paragraph's content, toks[lo:hi]; ``depth``: complex fields open before it."""
    walk = _Walk(depth=depth, continued=depth > 0)
    levels: list[tuple[int, int, _Item]] = []  # open containers: number, token that ends it, its close
    k = lo
    while k < hi:
        while levels and k >= levels[-1][1]:
            walk.items.append(levels.pop()[2])
        t = toks[k]
        level = levels[-1][0] if levels else -1
        if t.kind in ("text", "other", "end") or t.name == "w:pPr" or t.name in DROPPED:
            k = (ends[k] if t.kind == "start" else k) + 1
            continue
        end = ends[k] if t.kind == "start" else k
        if t.name == "w:r":
            _run(walk, text, toks, ends, k, level)
        elif t.name not in CONTAINERS or walk.depth or t.kind == "empty":
            kind = "field" if walk.depth else _ATOM_KINDS.get(t.name, "xml")
            walk.items.append(_Item("atom", t.start, toks[end].end, level, text[t.start : toks[end].end], atom=kind))
        else:
            opened = _container(walk, text, toks, ends, k, level)
            if opened is None:
                walk.items.append(_Item("atom", t.start, toks[end].end, level, text[t.start : toks[end].end], atom="control"))
            else:
                levels.append(opened[1:])
                k = opened[0]
                continue
        k = end + 1
    while levels:
        walk.items.append(levels.pop()[2])
    walk.items = _fields_merged(walk.items, text)
    return walk


def _fields_merged(items: list[_Item], text: str) -> list[_Item]:
    """A complex field's runs (begin, instruction, separate, result, end) as one atom."""
    out: list[_Item] = []
    for item in items:
        last = out[-1] if out else None
        if last and item.atom == last.atom == "field" and item.kind == last.kind == "atom" and item.level == last.level:
            if not text[last.end : item.start].strip():
                out[-1] = _Item("atom", last.start, item.end, item.level, text[last.start : item.end], atom="field")
                continue
        out.append(item)
    return out


def _container(walk: _Walk, text: str, toks: list[Token], ends: list[int], k: int, level: int):
    """A container's opening (its start tag and properties) as an item; the token to read next,
    its number, the token ending it and its closing item. None: a w:sdt without content."""
    t, end = toks[k], ends[k]
    j = k + 1
    while j < end and (toks[j].kind in ("text", "other") or toks[j].name in PROPERTIES):
        j = (ends[j] if toks[j].kind == "start" else j) + 1
    close_at = end
    if t.name == "w:sdt":  # its runs are in w:sdtContent: the pair opens after that start tag
        if j >= end or toks[j].name != "w:sdtContent" or toks[j].kind != "start":
            return None
        close_at = ends[j]
        j += 1
    opened = toks[j - 1].end
    number = walk.containers
    walk.containers += 1
    kind = CONTAINERS[t.name]
    walk.items.append(_Item("open", t.start, opened, level, text[t.start : opened], atom=kind))
    a, b = toks[close_at].start, toks[end].end
    return j, number, close_at, _Item("close", a, b, level, text[a:b], atom=kind)


def _run(walk: _Walk, text: str, toks: list[Token], ends: list[int], k: int, level: int) -> None:
    """A run: its text in pieces with its formatting, and what else it holds as atoms; a run
    with no text, or inside a complex field, is one atom."""
    end = ends[k]
    if end == k:  # <w:r/>
        return
    start_tag = text[toks[k].start : toks[k].end]
    props = ""
    pieces: list[_Item] = []
    in_field = walk.depth > 0
    j = k + 1
    while j < end:
        t = toks[j]
        if t.kind in ("text", "other", "end"):
            j += 1
            continue
        stop = ends[j] if t.kind == "start" else j
        source = text[t.start : toks[stop].end]
        if t.name == "w:rPr":
            props = source
        elif t.name == "w:t":
            words = "".join(office.text_of(text, x) for x in toks[j + 1 : stop] if x.kind == "text")
            pieces.append(_Item("text", t.start, toks[stop].end, level, source, text=words))
        elif t.name == "w:fldChar":
            found = office.attribute(text[t.start : t.end], "w:fldCharType")
            change = {"begin": 1, "end": -1}.get(found[0] if found else "", 0)
            walk.depth = max(0, walk.depth + change)
            in_field = True
        elif t.name not in DROPPED:
            pieces.append(_Item("atom", t.start, toks[stop].end, level, source, atom=RUN_CONTENT.get(t.name, "xml")))
        j = stop + 1
    whole = text[toks[k].start : toks[end].end]
    if in_field or walk.depth > 0:
        walk.items.append(_Item("atom", toks[k].start, toks[end].end, level, whole, atom="field"))
    elif not any(p.kind == "text" for p in pieces):
        walk.items.append(_Item("atom", toks[k].start, toks[end].end, level, whole, atom=pieces[0].atom if pieces else "xml"))
    else:
        fmt = _EMPTY_RE.sub("", _NOT_FORMAT_RE.sub("", props))
        for p in pieces:  # a block's region is whole runs
            p.fmt, p.run, p.start, p.end = fmt, start_tag + props, toks[k].start, toks[end].end
        walk.items.extend(pieces)


def _block(text: str, toks: list[Token], k: int, ends: list[int], walk: _Walk, part: _Part, base: int, cell: bool) -> RawBlock | None:
    """The paragraph's block: its items between the anchors at its ends, as runs with pairs."""
    items = walk.items
    first = 0
    while (
        first < len(items)
        and items[first].kind == "atom"
        and (items[first].atom in LEADING or walk.continued and items[first].atom == "field")
    ):
        first += 1
    last = len(items)
    while last > first and items[last - 1].kind == "atom" and items[last - 1].atom in ANCHORS:
        last -= 1
    items = items[first:last]
    if not any(i.kind == "text" and i.text.strip() for i in items):
        return None
    if first and items[0].level != -1:
        return None  # a field ends inside a container: the paragraph is kept as it is
    runs = _runs(items, _bases(items))
    props = text[toks[k].end : items[0].start]
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


def _bases(items: list[_Item]) -> dict[int, str]:
    """Each level's most common formatting (by characters), the first of a tie: its text is plain."""
    counts: dict[int, dict[str, int]] = {}
    for item in items:
        if item.kind == "text" and item.fmt is not None:
            level = counts.setdefault(item.level, {})
            level[item.fmt] = level.get(item.fmt, 0) + len(item.text.strip()) + 1
    return {level: max(c, key=lambda f: c[f]) for level, c in counts.items()}


def _runs(items: list[_Item], bases: dict[int, str]) -> list[Run]:
    """Items as runs: text in its level's base formatting is plain, other formatting a pair."""
    out: list[Run] = []
    key = 0
    open_run: tuple[int, str, int] | None = None  # level, formatting, key
    stack: list[int] = []  # open containers' keys

    def close_run() -> None:
        nonlocal open_run
        if open_run is not None:
            out.append(Close(_format_kind(open_run[1]), "</w:r>", open_run[2]))
            open_run = None

    for item in items:
        if item.kind == "open":
            close_run()
            key += 1
            stack.append(key)
            out.append(Open(item.atom, item.source, key))
        elif item.kind == "close":
            close_run()
            out.append(Close(item.atom, item.source, stack.pop()))
        elif item.fmt is None or item.fmt == bases.get(item.level) and (open_run is None or item.kind == "text"):
            close_run()  # a base-formatted atom between two formatted texts stays outside their pairs
            out.append(Text(item.text) if item.kind == "text" else Atom(item.atom, item.source))
        else:
            if open_run is None or open_run[:2] != (item.level, item.fmt):
                close_run()
                key += 1
                open_run = (item.level, item.fmt, key)
                out.append(Open(_format_kind(item.fmt), item.run, key))
            out.append(Text(item.text) if item.kind == "text" else Atom(item.atom, item.source))
    close_run()
    return out


def _format_kind(fmt: str) -> str:
    for pattern, kind in _KINDS:
        if pattern.search(fmt):
            return kind
    return "format"


_KINDS = [
    (re.compile(rf'<w:{tag}(?:\s+w:val="(?:1|true|on)")?\s*/>'), kind)
    for tag, kind in (("b", "strong"), ("i", "em"), ("strike", "s"), ("u", "u"))
]


# --- writing paragraphs ----------------------------------------------------------------------


@dataclass
class _Frame:
    kind: str  # para | cont (a container) | run
    run: str  # the run's start tag and properties; for para and cont, their base run's
    open: bool = False  # a run is open: a base run in para and cont, the run itself in run


def _paragraph(region: str, target: str, lang: str | None) -> str | None:
    """A paragraph's runs rebuilt from its translation (text, and the markup of its pairs and
    atoms); None when the translation is its source."""
    toks = office.tokens(region)
    walk = _walk(region, toks, office.element_ends(toks), 0, len(toks), 0)
    bases = _bases(walk.items)
    runs = _runs(walk.items, bases)
    source = "".join(office.escape(r.text) if isinstance(r, Text) else r.source for r in runs)
    if " ".join(source.split()) == " ".join(target.split()):
        return None
    base_runs: dict[int, str] = {}
    for item in walk.items:
        if item.kind == "text" and item.fmt == bases.get(item.level):
            base_runs.setdefault(item.level, item.run)
    top = base_runs.get(-1, "<w:r>")
    opens = [i for i in walk.items if i.kind == "open"]
    by_open = {item.source: base_runs.get(n, top) for n, item in enumerate(opens)}
    return _rebuilt(target, top, by_open, lang)


def _rebuilt(target: str, top: str, by_open: dict[str, str], lang: str | None) -> str:
    """The state machine that puts text into runs: text outside a formatted run goes into its
    container's base run, an atom that is run content into a run, any other atom between runs."""
    toks = office.tokens(target)
    ends = office.element_ends(toks)
    out: list[str] = []
    words: list[str] = []
    stack = [_Frame("para", _with_lang(top, lang))]

    def flush() -> None:
        if words:
            s = "".join(words)
            out.append('<w:t xml:space="preserve">' if s[:1].isspace() or s[-1:].isspace() else "<w:t>")
            out.extend((s, "</w:t>"))
            words.clear()

    def into_run() -> None:
        frame = stack[-1]
        if not frame.open:
            out.append(frame.run)
            frame.open = True

    def out_of_run() -> None:
        flush()
        frame = stack[-1]
        if frame.open:
            out.append("</w:r>")
            frame.open = False

    k = 0
    while k < len(toks):
        t = toks[k]
        piece = target[t.start : t.end]
        if t.kind == "text":
            into_run()
            words.append(piece)
        elif t.kind == "end":
            out_of_run()
            if stack[-1].kind == "cont":
                out.append(piece)
            stack.pop()
        elif t.kind == "start" and t.name == "w:r" and _holds_text(target, toks, ends, k):
            out_of_run()
            stack.append(_Frame("run", piece, True))
            out.append(piece)
        elif t.kind == "start" and t.name in CONTAINERS and _holds_text(target, toks, ends, k):
            out_of_run()
            inherited = stack[-1].run if t.name == "w:sdtContent" else _with_lang(by_open.get(piece, top), lang)
            stack.append(_Frame("cont", inherited))
            out.append(piece)
        elif t.kind in ("start", "empty"):
            element = target[t.start : toks[ends[k]].end] if t.kind == "start" else piece
            k = ends[k] if t.kind == "start" else k
            if t.name == "w:rPr" and stack[-1].kind == "run":
                element = _with_lang(element, lang)
                stack[-1].run += element
                out.append(element)
            elif t.name in PROPERTIES:
                out.append(element)
            elif t.name in RUN_CONTENT:
                flush()
                into_run()
                out.append(element)
            else:
                out_of_run()
                out.append(element)
        k += 1
    while stack:
        out_of_run()
        stack.pop()
    return "".join(out)


def _holds_text(target: str, toks: list[Token], ends: list[int], k: int) -> bool:
    """Whether an element has words of the translation directly in it: a pair's markup around
    them, not an atom (a whole run or hyperlink as the source has it, copied as it is)."""
    j = k + 1
    while j < ends[k]:
        t = toks[j]
        if t.kind == "text" and target[t.start : t.end].strip():
            return True
        j = (ends[j] if t.kind == "start" else j) + 1
    return False


def _with_lang(markup: str, lang: str | None) -> str:
    """Run properties with each w:lang's w:val set to the target."""
    if not lang or "<w:lang" not in markup:
        return markup

    def one(m: re.Match[str]) -> str:
        tag = m.group(0)
        value = office.attribute(tag, "w:val")
        if value is None:
            return tag
        return tag[: value[1]] + office.escape_attribute(_lang_value(value[0], lang)) + tag[value[2] :]

    return _LANG_TAG_RE.sub(one, markup)
