"""OpenDocument text (.odt) behind the article-format interface, over the package's XML parts
(`office`: bounded zip, lxml-checked XML tokenized with offsets).

Every paragraph and heading (`text:p`, `text:h`) of content.xml (the body, its tables, lists,
frames and text boxes, footnotes and endnotes) and of styles.xml (the master pages' headers and
footers) is a block; paragraphs in comments (`office:annotation`) and in tracked deletions are
left alone. Inside one, a `text:span` whose style formats the text and a `text:a` link are paired
codes; a span whose automatic style only marks a revision (`officeooo:rsid`) or the language is
not, and neighbouring spans formatted alike are one pair, so a sentence is never cut at a
boundary LibreOffice left there. Notes, frames, fields, bookmarks, tabs and line breaks are
atoms, copied byte for byte. Text is read with ODF's white space rules (runs folded to one
space; `text:s` is spaces) and written with them.

`Document.text` is content.xml's and styles.xml's XML one after the other; a block's region is
the part of its paragraph between the anchors at its ends. The declared language is the default
paragraph style's `fo:language` (and `fo:country`) in styles.xml.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.articles import office
from pipeline.articles.base import BinaryFormat, FormatError, Parsed, count_elements
from pipeline.articles.blocks import RawBlock
from pipeline.articles.office import Token
from pipeline.segment.protect import Atom, Close, Escape, Open, Run, Text

if TYPE_CHECKING:
    from pipeline.core.config import Config
    from pipeline.core.document import Document

WHAT = "an OpenDocument text"
MIMETYPE = b"application/vnd.oasis.opendocument.text"
PARTS = ("content.xml", "styles.xml")
PARAGRAPHS = frozenset({"text:p", "text:h"})
LEFT_ALONE = frozenset({"office:annotation", "text:tracked-changes", "text:deletion"})
DROPPED = frozenset({"text:soft-page-break"})  # a layout mark: the translation's breaks fall elsewhere
ATOMS = {
    "text:tab": "tab",
    "text:line-break": "break",
    "text:note": "note",
    "office:annotation": "comment",
    "office:annotation-end": "comment",
    "text:bookmark": "bookmark",
    "text:bookmark-start": "bookmark",
    "text:bookmark-end": "bookmark",
    "text:reference-mark": "bookmark",
    "text:reference-mark-start": "bookmark",
    "text:reference-mark-end": "bookmark",
    "text:change": "xml",
    "text:change-start": "xml",
    "text:change-end": "xml",
}
ANCHORS = frozenset({"bookmark"})  # atoms kept outside the region at its ends
# Properties that do not format: revision marks and the language.
_NOT_FORMAT_RE = re.compile(
    r"\s(?:officeooo:[\w-]*rsid|fo:language|fo:country|fo:script|style:language-\w+|style:country-\w+|style:rfc-language-tag[\w-]*)=\"[^\"]*\""
)
_SPACE_RE = re.compile(r"[ \t\n\r]+")
_SPACES_RE = re.compile(r"  +")


class Odt(BinaryFormat):
    name = "odt"
    suffixes = (".odt",)
    elements = "paragraphs, spans, numbers and sentence ends"
    declares = "a default language (fo:language in styles.xml)"

    def cost(self, content: bytes) -> int:
        """Paragraphs and spans, and the sentence ends and numbers of the text; 0 for a package
        `parse` refuses (it says why)."""
        try:
            parts = _parts(content)
        except FormatError:
            return 0
        total = 0
        for _, text in parts:
            total += sum(text.count(f"<{name}") for name in ("text:p", "text:h", "text:span", "text:a "))
            total += count_elements(" ".join(re.findall(r">([^<]+)<", text)))
        return total

    def parse(self, content: bytes, config: Config) -> Parsed:
        parts = _parts(content)
        blocks: list[RawBlock] = []
        base = 0
        lang: str | None = None
        lang_field: tuple[int, int] | None = None
        for name, text in parts:
            blocks += _blocks(text, base, name)
            if name == "styles.xml":
                found = _default_lang(text)
                if found:
                    lang, lang_field = found[0], (base + found[1], base + found[2])
            base += len(text)
        return Parsed(tuple(blocks), lang, lang_field, text="".join(text for _, text in parts))

    def escape(self, doc: Document, syntax: str) -> Escape:
        return lambda text, at_line_start: office.escape(text)

    def render(self, doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> bytes:
        if not targets and not (target_lang and doc.lang_field):
            return doc.data
        changed: dict[str, bytes] = {}
        base = 0
        for name, text in _parts(doc.data):
            end = base + len(text)
            edits = [
                office.Edit(b.start - base, b.end - base, targets[b.index], True)
                for b in doc.blocks
                if base <= b.start < end and b.index in targets
            ]
            if target_lang and doc.lang_field and base <= doc.lang_field[0] < end:
                edits += _lang_edits(text, doc.lang_field[0] - base, doc.lang_field[1] - base, target_lang)
            styles = _styles(text)
            new = office.edited(text, edits, functools.partial(_paragraph, styles=styles)) if edits else text
            if new != text:
                changed[name] = new.encode("utf-8")
            base = end
        return office.rewrite(doc.data, changed)


@functools.lru_cache(maxsize=2)
def _parts(content: bytes) -> tuple[tuple[str, str], ...]:
    """content.xml and styles.xml, checked and decoded, once the package is an ODF text."""
    archive = office.open_zip(content, WHAT)
    names = archive.namelist()
    if "mimetype" in names:
        mimetype = office.read_member(archive, "mimetype").strip()
        if mimetype != MIMETYPE:
            shown = mimetype[:60].decode("ascii", "replace")
            raise FormatError(f"not an OpenDocument text (its mimetype is {shown!r})")
    elif "content.xml" not in names:
        raise FormatError("not an OpenDocument text (no mimetype, no content.xml)")
    return tuple(
        (name, office.parse_xml(office.read_member(archive, name), name)) for name in PARTS if name in names or name == "content.xml"
    )


def _default_lang(styles: str) -> tuple[str, int, int] | None:
    """The default paragraph style's fo:language (with fo:country), and where fo:language is."""
    for m in re.finditer(r"<style:default-style\b[^>]*>", styles):
        if 'style:family="paragraph"' not in m.group(0):
            continue
        end = styles.find("</style:default-style>", m.end())
        props = re.search(r"<style:text-properties\b[^>]*>", styles[m.end() : end if end > 0 else len(styles)])
        if props is None:
            return None
        tag = props.group(0)
        language, country = office.attribute(tag, "fo:language"), office.attribute(tag, "fo:country")
        if language is None or language[0] in ("", "none", "zxx"):
            return None
        at = m.end() + props.start()
        said = language[0] + (f"-{country[0]}" if country and country[0] not in ("", "none") else "")
        return said, at + language[1], at + language[2]
    return None


def _lang_edits(text: str, a: int, b: int, target: str) -> list[office.Edit]:
    """fo:language set to the target, and fo:country to its likely region (or "none")."""
    tag_start = text.rfind("<", 0, a)
    tag_end = text.find(">", b)
    tag = text[tag_start:tag_end]
    language, _, region = target.partition("-")
    if not region:
        from babel.core import get_global

        likely = str(get_global("likely_subtags").get(language, "")).split("_")
        region = likely[-1] if len(likely) > 1 and likely[-1].isupper() else "none"
    edits = [office.Edit(a, b, office.escape_attribute(language), False)]
    country = office.attribute(tag, "fo:country")
    if country is not None:
        edits.append(office.Edit(tag_start + country[1], tag_start + country[2], office.escape_attribute(region), False))
    return edits


# --- reading paragraphs ----------------------------------------------------------------------


def _styles(text: str) -> dict[str, str]:
    """Automatic text styles' formatting, as compared: what is left of their properties without
    revision marks and language ("" for a span that does not format)."""
    out: dict[str, str] = {}
    for m in re.finditer(r'<style:style\b[^>]*style:family="text"[^>]*?(/?)>', text):
        name = office.attribute(m.group(0), "style:name")
        if name is None:
            continue
        if m.group(1):
            out[name[0]] = ""
            continue
        end = text.find("</style:style>", m.end())
        body = text[m.end() : end if end > 0 else m.end()]
        parent = office.attribute(m.group(0), "style:parent-style-name")
        props = "".join(re.findall(r"<style:text-properties\b[^>]*>", body))
        kept = _NOT_FORMAT_RE.sub("", props)
        kept = "" if re.fullmatch(r"(?:<style:text-properties\s*/?>)*", kept) else kept
        out[name[0]] = (f"parent={parent[0]};" if parent else "") + kept
    return out


def _blocks(text: str, base: int, part: str) -> list[RawBlock]:
    toks = office.tokens(text)
    ends = office.element_ends(toks)
    styles = _styles(text)
    out: list[RawBlock] = []
    skip_to = -1
    open_in = {"table:table-cell": 0, "text:note-body": 0, "text:list-item": 0}  # how many are open
    for k, t in enumerate(toks):
        if k <= skip_to:
            continue
        if t.kind == "start" and t.name in LEFT_ALONE:
            skip_to = ends[k]
            continue
        if t.name in open_in and t.kind in ("start", "end"):
            open_in[t.name] += 1 if t.kind == "start" else -1
        if t.kind != "start" or t.name not in PARAGRAPHS:
            continue
        items = _walk(text, toks, ends, k + 1, ends[k], styles)
        kind = "footnote" if open_in["text:note-body"] else "heading" if t.name == "text:h" else "paragraph"
        kind = "table_cell" if kind == "paragraph" and open_in["table:table-cell"] else kind
        kind = "list_item" if kind == "paragraph" and open_in["text:list-item"] else kind
        key = "" if part == "content.xml" else "header" if _in_header(text, t.start) else "footer"
        block = _block(items, kind, key, base)
        if block is not None:
            out.append(block)
    return out


def _in_header(text: str, at: int) -> bool:
    header = max(text.rfind("<style:header", 0, at), text.rfind("<style:header-left", 0, at), text.rfind("<style:header-first", 0, at))
    footer = max(text.rfind("<style:footer", 0, at), text.rfind("<style:footer-left", 0, at), text.rfind("<style:footer-first", 0, at))
    return header > footer


@dataclass
class _Pair:
    fmt: str | None  # None: a span that does not format (left out)
    key: int


# A run (None: the tag of a span that formats nothing, left out but inside the region), where it
# is, whether it is ODF's hard spaces (text:s).
Item = tuple["Run | None", int, int, bool]


def _walk(text: str, toks: list[Token], ends: list[int], lo: int, hi: int, styles: dict[str, str]) -> list[Item]:
    """A paragraph's content, toks[lo:hi], as runs with where each is in the text."""
    items: list[Item] = []
    stack: list[_Pair] = []
    formats: dict[int, str] = {}  # a pair's formatting, by key
    k = lo
    while k < hi:
        t = toks[k]
        end = ends[k] if t.kind == "start" else k
        source = text[t.start : toks[end].end]
        if t.kind == "text":
            items.append((Text(office.text_of(text, t)), t.start, t.end, False))
        elif t.kind == "end":
            pair = stack.pop() if stack else None
            if pair is not None and pair.fmt is not None:
                items.append((Close(_kind(pair.fmt), source, pair.key), t.start, t.end, False))
            else:
                items.append((None, t.start, t.end, False))
        elif t.kind == "start" and t.name in ("text:span", "text:a"):
            tag = text[t.start : t.end]
            style = office.attribute(tag, "text:style-name")
            fmt = "link:" + tag if t.name == "text:a" else styles.get(style[0], style[0]) if style else ""
            last = items[-1][0] if items else None
            if not fmt:
                stack.append(_Pair(None, 0))
                items.append((None, t.start, t.end, False))
            elif isinstance(last, Close) and formats.get(last.key) == fmt and t.name == "text:span":
                items.pop()  # a span formatted as the one just closed: the same pair goes on
                stack.append(_Pair(fmt, last.key))
            else:
                key = len(formats) + 1
                formats[key] = fmt
                stack.append(_Pair(fmt, key))
                items.append((Open(_kind(fmt), tag, key), t.start, t.end, False))
            k += 1
            continue
        elif t.name == "text:s":
            count = office.attribute(source, "text:c")
            n = int(count[0]) if count and count[0].isdigit() and len(count[0]) < 5 else 1
            items.append((Text(" " * n), t.start, toks[end].end, True))
        elif t.kind in ("start", "empty") and t.name not in DROPPED:
            kind = ATOMS.get(t.name) or ("image" if t.name.startswith("draw:") else "field" if t.name.startswith("text:") else "xml")
            items.append((Atom(kind, source), t.start, toks[end].end, False))
        k = end + 1
    return items


def _kind(fmt: str) -> str:
    if fmt.startswith("link:"):
        return "link"
    if 'font-weight="bold"' in fmt or "Strong" in fmt:
        return "strong"
    if 'font-style="italic"' in fmt or "Emphasis" in fmt:
        return "em"
    if 'line-through-style="solid"' in fmt:
        return "s"
    return "format"


def _block(items: list[Item], kind: str, key: str, base: int) -> RawBlock | None:
    """The paragraph's block: its items between the anchors at its ends, white space folded as
    ODF shows it (runs of it are one space, none at the start)."""
    first, last = 0, len(items)
    while first < last and _anchor(items[first][0]):
        first += 1
    while last > first and _anchor(items[last - 1][0]):
        last -= 1
    items = items[first:last]
    runs: list[Run] = []
    space = True
    for run, _, _, hard in items:
        if run is None:
            continue
        if isinstance(run, Text) and not hard:
            folded = _SPACE_RE.sub(" ", run.text)
            folded = folded[1:] if space and folded.startswith(" ") else folded
            if folded:
                runs.append(Text(folded))
                space = folded.endswith(" ")
            continue
        runs.append(run)
        if isinstance(run, Text) or isinstance(run, Atom) and run.kind not in ("bookmark", "comment"):
            space = isinstance(run, Atom) and run.kind == "break"
    if not any(isinstance(r, Text) and r.text.strip() for r in runs):
        return None
    return RawBlock(kind, tuple(runs), base + items[0][1], base + items[-1][2], syntax="odt", key=key)


def _anchor(run: Run | None) -> bool:
    return isinstance(run, Atom) and run.kind in ANCHORS or isinstance(run, Text) and not run.text.strip()


# --- writing paragraphs ----------------------------------------------------------------------


def _paragraph(region: str, target: str, *, styles: dict[str, str]) -> str | None:
    """A paragraph's content from its translation, its text written with ODF's white space rules;
    None when the translation is its source."""
    toks = office.tokens(region)
    block = _block(_walk(region, toks, office.element_ends(toks), 0, len(toks), styles), "", "", 0)
    if block is not None:
        source = "".join(office.escape(r.text) if isinstance(r, Text) else r.source for r in block.runs)
        if " ".join(source.split()) == " ".join(target.split()):
            return None
    target = target.strip()  # the region starts and ends where the paragraph's text does
    toks = office.tokens(target)
    ends = office.element_ends(toks)
    out: list[str] = []
    space = True  # a space here would be folded away: written as text:s
    k = 0
    while k < len(toks):
        t = toks[k]
        piece = target[t.start : t.end]
        if t.kind == "text":
            out.append(_spaces(re.sub(r"[\t\n\r]", " ", piece), space))
            space = piece.endswith(" ")
        elif t.kind == "start" and t.name not in ("text:span", "text:a"):
            out.append(target[t.start : toks[ends[k]].end])
            k = ends[k]
            space = False
        else:
            out.append(piece)
        k += 1
    return "".join(out)


def _spaces(text: str, space: bool) -> str:
    """Text with every space ODF would fold away written as text:s."""
    text = _SPACES_RE.sub(lambda m: " " + _s(len(m.group(0)) - 1), text)
    return _s(1) + text[1:] if space and text.startswith(" ") else text


def _s(n: int) -> str:
    return "<text:s/>" if n == 1 else f'<text:s text:c="{n}"/>'
