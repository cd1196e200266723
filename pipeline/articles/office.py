"""What Word (.docx) and OpenDocument (.odt) files share: a zip of XML parts, read within bounds
and rewritten with every member it does not change as it was, and XML read as text with the
source offsets of its tags (the formats replace a paragraph's characters, nothing else).

The zip is checked from its directory before anything is unpacked (member count, the declared
sizes, the ratio of each large member and of the whole), and each part read is read to at most
its declared size, since a header can lie. An XML part is checked well-formed by lxml with no
DTD, no entity and no network (a DOCTYPE is refused before lxml sees it), nested at most
libxml2's 256 levels; only then is it tokenized here, by one linear regular expression.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pipeline.articles.base import FormatError

MAX_MEMBERS = 5_000  # a Word file has a few dozen members, a few hundred with many images
MAX_UNPACKED = 512_000_000  # bytes, all members as their headers declare them
MAX_PART = 64_000_000  # bytes, one XML part read (a 200-page document.xml is ~10 MB)
MAX_RATIO = 100  # unpacked : packed, for a member over RATIO_FLOOR and for the whole archive
RATIO_FLOOR = 10_000_000  # below this, any ratio (XML compresses 10-30 times)
XML_DEPTH = 256  # libxml2's limit without XML_PARSE_HUGE
# Tags in one part: each costs ~100 bytes and ~5 µs tokenized (a 200-page document.xml has ~70,000)
MAX_TAGS = 1_000_000

_TOKEN_RE = re.compile(
    r"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|!DOCTYPE|(/?)([^\s/>!?]+)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>)|[^<]+",
    re.S,
)
_ATTR_RE = r'\s{}\s*=\s*(?:"([^"]*)"|\'([^\']*)\')'
_REFERENCE_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
# What XML 1.0 cannot hold: a translation with one of these would make the part unreadable.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # start | end | empty | text | other (a comment, a processing instruction, CDATA)
    name: str  # the tag's qualified name ("w:p"); "" for text and other
    start: int
    end: int


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tags and text of well-formed XML (checked by `parse_xml` first), with their offsets."""
    out = []
    for m in _TOKEN_RE.finditer(text, start, len(text) if end is None else end):
        if m.group(2):
            kind = "end" if m.group(1) else "empty" if m.group(3) else "start"
            out.append(Token(kind, sys.intern(m.group(2)), m.start(), m.end()))
        elif text.startswith("<![CDATA[", m.start()):
            out.append(Token("text", "", m.start(), m.end()))
        else:
            out.append(Token("text" if text[m.start()] != "<" else "other", "", m.start(), m.end()))
    return out


def text_of(text: str, token: Token) -> str:
    """A text token's characters, references decoded (CDATA as it is)."""
    raw = text[token.start : token.end]
    if raw.startswith("<![CDATA["):
        return raw[9:-3]
    return _REFERENCE_RE.sub(_decoded, raw) if "&" in raw else raw


def _decoded(m: re.Match[str]) -> str:
    if m.group(3):
        return _NAMED[m.group(3)]
    n = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    return chr(n) if n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF else "\ufffd"


def attribute(tag: str, name: str) -> tuple[str, int, int] | None:
    """An attribute's value in a tag's source, and where the value is in it; None if absent."""
    m = re.search(_ATTR_RE.format(re.escape(name)), tag)
    if m is None:
        return None
    group = 1 if m.group(1) is not None else 2
    return text_of(m.group(group), Token("text", "", 0, len(m.group(group)))), m.start(group), m.end(group)


def escape(text: str) -> str:
    """Text as XML character data; characters XML cannot hold are left out."""
    text = _NOT_XML_RE.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;")


Rebuild = Callable[[str, str], "str | None"]  # (a block's region, its translation) -> its new markup


@dataclass
class Edit:
    start: int  # in the part
    end: int
    text: str  # a block's translation, or a value as it is written
    block: bool
    inner: list[Edit] = field(default_factory=list)  # edits inside its region (a text box's paragraphs)


def edited(text: str, edits: list[Edit], rebuild: Rebuild) -> str:
    """The part with each edit made: a block's translation rebuilt into its region's markup by
    ``rebuild`` (None: the region as it was), a value as it is. An edit inside another's region (a
    text box's paragraph, a footnote's) is made in the outer one's translation, where the atom
    holding it carries it over as it was."""
    roots: list[Edit] = []
    stack: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        while stack and edit.start >= stack[-1].end:
            stack.pop()
        (stack[-1].inner if stack else roots).append(edit)
        stack.append(edit)
    return _spliced(text, 0, len(text), roots, rebuild)


def _spliced(text: str, lo: int, hi: int, edits: list[Edit], rebuild: Rebuild) -> str:
    out, pos = [], lo
    for edit in edits:
        out += [text[pos : edit.start], _final(text, edit, rebuild)]
        pos = edit.end
    out.append(text[pos:hi])
    return "".join(out)


def _final(text: str, edit: Edit, rebuild: Rebuild) -> str:
    rebuilt = rebuild(text[edit.start : edit.end], edit.text) if edit.block else edit.text
    if rebuilt is None:  # translated as it was: the source's own characters
        return _spliced(text, edit.start, edit.end, edit.inner, rebuild)
    pos = 0
    for inner in edit.inner:
        original = text[inner.start : inner.end]
        at = rebuilt.find(original, pos)
        if at >= 0:
            new = _final(text, inner, rebuild)
            rebuilt = rebuilt[:at] + new + rebuilt[at + len(original) :]
            pos = at + len(new)
    return rebuilt


# --- the zip -----------------------------------------------------------------------------


def open_zip(content: bytes, what: str) -> zipfile.ZipFile:
    """The archive, once its directory shows it is within bounds; FormatError (one line) if it is
    not a zip or is a bomb. ``what`` names the format ("a Word document")."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise FormatError(f"not {what} (not a zip archive)") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise FormatError(f"refused: {len(infos):,} members in the zip (the limit is {MAX_MEMBERS:,})")
    total = 0
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise FormatError(f"refused: member {_shown(info.filename)} unpacks {ratio:,} times its size (a zip bomb?)")
        total += info.file_size
        if total > MAX_UNPACKED:
            raise FormatError(f"refused: unpacks to more than {MAX_UNPACKED // 1_000_000:,} MB (a zip bomb?)")
    if total > RATIO_FLOOR and total > MAX_RATIO * len(content):
        raise FormatError(f"refused: unpacks to {total // max(len(content), 1):,} times its size (a zip bomb?)")
    return archive


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes, at most its declared size (and MAX_PART); FormatError if it is missing,
    larger than declared, or cannot be unpacked."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise FormatError(f"no {_shown(name)} in the package (a damaged file?)") from None
    if info.file_size > MAX_PART:
        raise FormatError(f"refused: {_shown(name)} unpacks to {info.file_size:,} bytes (the limit is {MAX_PART:,})")
    try:
        with archive.open(info) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as e:
        raise FormatError(f"cannot unpack {_shown(name)}: {' '.join(str(e).split())[:120]}") from None
    if len(data) > info.file_size:
        raise FormatError(f"refused: {_shown(name)} unpacks to more than its header says (a zip bomb?)")
    return data


def rewrite(content: bytes, changed: Mapping[str, bytes]) -> bytes:
    """The archive with the ``changed`` members' new bytes; every other member's bytes, and every
    member's name, order, compression method, time stamp, attributes and comment, as they were.
    The file's bytes themselves when nothing changed."""
    source = zipfile.ZipFile(io.BytesIO(content))
    if all(read_member(source, name) == data for name, data in changed.items()):
        return content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.comment = source.comment
        for info in source.infolist():
            data = changed[info.filename] if info.filename in changed else read_member(source, info.filename)
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = (
                info.compress_type if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) else zipfile.ZIP_DEFLATED
            )
            copy.external_attr, copy.internal_attr, copy.create_system = info.external_attr, info.internal_attr, info.create_system
            copy.comment = info.comment
            target.writestr(copy, data)
    return out.getvalue()


def members(content: bytes) -> list[tuple[str, bytes]]:
    """Every member's name and bytes, in order (what tests compare)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    return [(info.filename, archive.read(info)) for info in archive.infolist()]


# --- XML ---------------------------------------------------------------------------------


def parse_xml(data: bytes, name: str) -> str:
    """An XML part as text, after lxml has found it well-formed (no DTD, no entity expanded, no
    network, nested at most XML_DEPTH deep); FormatError (one line) otherwise."""
    from lxml import etree

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{_shown(name)} is not UTF-8 (invalid byte at offset {e.start})") from None
    if text.count("<") > MAX_TAGS:
        raise FormatError(f"{_shown(name)} has more than {MAX_TAGS:,} XML tags (the limit for one part); split the document")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # markup only: "<" in text is always "&lt;"
        raise FormatError(f"{_shown(name)} has a DOCTYPE or an entity declaration (refused, never expanded)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False)
    try:
        etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as e:
        reason = " ".join(str(e).split())[:160]
        if "depth" in reason.lower():
            raise FormatError(f"{_shown(name)} is nested deeper than {XML_DEPTH} levels") from None
        raise FormatError(f"{_shown(name)} is not well-formed XML ({reason})") from None
    return text


def _shown(name: str) -> str:
    return repr(name if len(name) <= 80 else name[:79] + "…")


def element_ends(toks: list[Token]) -> list[int]:
    """For each token, the index of the token that ends the element it starts (itself for any
    other token), found with a stack: no recursion however deep."""
    ends = list(range(len(toks)))
    stack: list[int] = []
    for k, t in enumerate(toks):
        if t.kind == "start":
            stack.append(k)
        elif t.kind == "end" and stack:
            ends[stack.pop()] = k
    return ends
