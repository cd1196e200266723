"""The data every format converts to and from, and what the readers share.

`Exchange` and `Unit` are the plain data; the rest is the hostile-input toolkit the XLIFF,
TMX and PO modules use: a size cap, one-line errors, language codes, and XML parsing with no
DOCTYPE (nothing to expand or fetch) and the parser's own depth and text limits.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Iterable
from dataclasses import dataclass, replace

from lxml import etree

from pipeline.formats.codes import Code, Piece, Text, code_problem

STATES = ("initial", "translated", "reviewed", "final")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Unit:
    """One sentence: source and target in placeholder syntax (see `codes`), and what its tags are.

    A reader that meets a problem confined to one unit (a bad character reference, an unknown
    inline element or code, a broken target...) returns the unit with `error` set to a one-line
    reason instead of failing the whole file; such a unit keeps what could be read (its target
    is always "") and is not checked against its codes.
    """

    id: str  # stable segment id; unique within a file
    source: str
    target: str  # "" if none
    state: str = "translated"  # one of STATES (XLIFF 2 states); "reviewed"/"final": a human checked it
    note: str = ""  # free text for the editor; may be multi-line
    codes: tuple[Code, ...] = ()  # what each tag stands for, in number order
    error: str = ""  # why the unit could not be read; "" for a good unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(sorted(self.codes, key=lambda code: code.n)))
        if self.state not in STATES:
            raise ValueError(f"unit {self.id!r}: state {self.state!r} is not one of {', '.join(STATES)}")
        problem = "" if self.error else code_problem(self.source, self.target, self.codes)
        if problem:
            raise ValueError(f"unit {self.id!r}: {problem}")


@dataclass(frozen=True)
class Exchange:
    document: str  # the article's path, e.g. "news/kursk.md"
    source_lang: str  # "en" or "uk"
    target_lang: str
    units: tuple[Unit, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(self.units))
        duplicate = first_duplicate(unit.id for unit in self.units)
        if duplicate is not None:
            raise ValueError(f"duplicate unit id {duplicate!r}")


class ExchangeError(ValueError):
    """An exchange file that cannot be read; the message is one line (the caller adds the file name)."""

    def __init__(self, message: str):
        super().__init__(_one_line(message))


class UnitError(Exception):
    """A problem confined to one unit: its reader reports it on that unit and reads on."""

    def __init__(self, message: str):
        super().__init__(_one_line(message))


def _one_line(message: str, limit: int = 300) -> str:
    line = " ".join(str(message).split())
    line = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def label(text: str, limit: int = 60) -> str:
    """A value from the file, quoted and shortened for an error message."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def first_duplicate(ids: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for unit_id in ids:
        if unit_id in seen:
            return unit_id
        seen.add(unit_id)
    return None


def check_ids(units: list[Unit] | tuple[Unit, ...]) -> tuple[Unit, ...]:
    """The units as a tuple, or ExchangeError if an id is missing or repeated."""
    if any(not unit.id for unit in units):
        raise ExchangeError("a unit has no id")
    duplicate = first_duplicate(unit.id for unit in units)
    if duplicate is not None:
        raise ExchangeError(f"duplicate unit id {label(duplicate)}")
    return tuple(units)


def check_state(state: str) -> str:
    if state not in STATES:
        raise UnitError(f"unknown state {label(state)}")
    return state


# C0 controls but tab, line feed and carriage return (a CAT tool's line ends): in a target they
# are an editor's or a tool's accident, and no article should get them.
_TARGET_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_target(text: str) -> str:
    control = _TARGET_CONTROL.search(text)
    if control:
        raise UnitError(f"the target has the control character U+{ord(control.group()):04X}")
    return text


def unread(unit_id: str) -> Unit:
    """A unit about to be read: readers fill it in step by step and clear `error` last,
    so a problem midway leaves what was read so far (see `unit_error`)."""
    return Unit(unit_id, "", "", STATES[0], error="not read")


def unit_error(unit: Unit, problem: Exception) -> Unit:
    """`unit` as far as it was read, marked with `problem`; a target is never kept from a unit in error."""
    return replace(unit, target="", error=_one_line(str(problem)) or type(problem).__name__)


def normalise_lang(code: str) -> str:
    """'en-US', 'UK', 'de_DE' -> the primary language subtag in lower case ('en', 'uk', 'de'): files
    tag languages with regions, the pipeline by language alone. Whether it is supported is the caller's call."""
    return re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()


def require_lang(code: str | None, what: str) -> str:
    lang = normalise_lang(code or "")
    if not lang:
        raise ExchangeError(f"missing {what}")
    return lang


def check_size(data: bytes) -> None:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"exchange data must be bytes, not {type(data).__name__}")
    if len(data) > MAX_BYTES:
        raise ExchangeError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")


# --- XML: characters XML 1.0 cannot hold, safe parsing, layout ---------------------------------

# Everything outside XML 1.0's Char production (lone surrogates included).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_INVALID_SPLIT = re.compile(f"({XML_INVALID.pattern})")


_SURROGATE = re.compile("[\ud800-\udfff]")


def no_surrogates(text: str) -> str:
    """Lone surrogates as U+FFFD: no encoding can hold them, so no file gets one and no reader returns one."""
    return _SURROGATE.sub("\ufffd", text)


def xml_safe(text: str) -> str:
    """Text for an attribute or a text-only element: characters XML cannot hold become U+FFFD."""
    return XML_INVALID.sub("\ufffd", text)


def set_content(element: etree._Element, text: str, code_point_element) -> None:
    """Fill `element` with `text`, each XML-invalid character as a child made by `code_point_element(parent, char)`."""
    element.text = None
    append_text(element, text, code_point_element)


def append_text(element: etree._Element, text: str, code_point_element) -> None:
    """Add `text` after everything `element` holds so far, XML-invalid characters as `set_content` writes them.

    Lone surrogates become U+FFFD rather than a code point element: read back, that element
    would be a string no encoding can hold.
    """
    pieces = _XML_INVALID_SPLIT.split(no_surrogates(text))
    _add_text(element, pieces[0])
    for char, tail in zip(pieces[1::2], pieces[2::2]):
        code_point_element(element, char)
        _add_text(element, tail)


def _add_text(element: etree._Element, text: str) -> None:
    if not text:
        return
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def code_point(hex_digits: str | None) -> str:
    """The character a `<cp hex=..>` (XLIFF) or `<ph type="x-cp">` (TMX) stands for; UnitError if none.

    Surrogates are refused: a lone one in a str fails later, wherever the text is encoded.
    """
    digits = (hex_digits or "").strip()
    if not re.fullmatch(r"[0-9A-Fa-f]{1,6}", digits) or int(digits, 16) > 0x10FFFF:
        raise UnitError(f"bad code point {label(digits)}")
    if 0xD800 <= int(digits, 16) <= 0xDFFF:
        raise UnitError(f"code point {label(digits)} is a surrogate, not a character")
    return chr(int(digits, 16))


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


class _Stop(Exception):
    def __init__(self, root: str | None):
        self.root = root


def xml_root_name(data: bytes) -> str:
    """The root element's name ('{namespace}local'), read with expat only as far as the root's start tag.

    A DOCTYPE is rejected before its internal subset is even read, so entity declarations
    (billion laughs, external entities) never reach a parser that could expand or fetch them.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def on_doctype(*_args) -> None:
        raise _Stop(None)

    def on_start(name: str, _attributes) -> None:
        raise _Stop(name)

    parser.StartDoctypeDeclHandler = on_doctype
    parser.StartElementHandler = on_start
    try:
        parser.Parse(bytes(data), True)
    except _Stop as stop:
        if stop.root is None:
            raise ExchangeError("DOCTYPE declarations are not allowed in exchange files") from None
        return "{" + stop.root if "}" in stop.root else stop.root
    except (xml.parsers.expat.ExpatError, LookupError, UnicodeError, ValueError) as error:
        raise ExchangeError(f"malformed XML: {error}") from None
    raise ExchangeError("malformed XML: no root element")


def parse_xml(data: bytes) -> etree._Element:
    """The root of a hostile XML document: size cap, no DOCTYPE, no entities, libxml2's depth limit."""
    check_size(data)
    xml_root_name(data)
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(bytes(data), parser=parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ExchangeError(f"malformed XML: {error}") from None
    if root is None:
        raise ExchangeError("malformed XML: no root element")
    if root.getroottree().docinfo.doctype:  # expat saw none; lxml must agree
        raise ExchangeError("DOCTYPE declarations are not allowed in exchange files")
    return root


def indent(element: etree._Element, leaves: frozenset[str], level: int = 0) -> None:
    """Line breaks and indentation between structural elements only.

    lxml's pretty printer would also indent inside a `<source>` that holds only `<cp/>`
    children and so change its text; `leaves` are never touched.
    """
    if element.tag in leaves or len(element) == 0:
        return
    element.text = "\n" + "  " * (level + 1)
    for child in element:
        indent(child, leaves, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    element[-1].tail = "\n" + "  " * level


def serialize_xml(root: etree._Element, leaves: frozenset[str]) -> bytes:
    indent(root, leaves)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


class InlineReader:
    """Reads an element's mixed content into pieces: its text, each child as the format says
    (``_inline``), and each child's tail. XLIFF's and TMX's readers differ only in ``_inline`` and
    in how they name a pair left open (``_unclosed``)."""

    def pieces(self, element: etree._Element) -> list[Piece]:
        started: dict[str, int] = {}  # the id of an opening code whose closing one has not come yet -> N
        out = self._walk(element, started)
        if started:
            raise UnitError(self._unclosed(next(iter(started))))
        return out

    def _unclosed(self, started: str) -> str:
        raise NotImplementedError

    def _walk(self, element: etree._Element, started: dict[str, int]) -> list[Piece]:
        out: list[Piece] = [Text(element.text)] if element.text else []
        for child in element:
            out.extend(self._inline(child, started))
            if child.tail:
                out.append(Text(child.tail))
        return out

    def _inline(self, child: etree._Element, started: dict[str, int]) -> list[Piece]:
        raise NotImplementedError
