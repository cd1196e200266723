"""XLIFF 2.0 exchange files, written and read with lxml.

translate-toolkit 3.20.4 has an XLIFF 2.0 store (`translate.storage.xliff2.Xliff2File`), but
its output does not follow the XLIFF 2.0 schema: it puts `<notes>` inside `<segment>` (they
belong to `<unit>`, before the segments) and `xml:space` on `<segment>` (not allowed there),
and it silently drops characters XML cannot hold. So the document is built here from the
spec; the tests read it back with `Xliff2File` as an independent check.

Layout: `<xliff version="2.0" srcLang trgLang>` / `<file id="f1" original=document>` /
`<unit id>` with an optional `<notes><note>`, an `<originalData>` when the unit has codes, and
one `<segment state>` holding `<source>` and `<target>` (always present, possibly empty, so an
editor can fill it in).

Codes (see `codes`): the Markdown of each goes into the unit's `<originalData>` as
`<data id="dN">` (a pair's closing as `<data id="dN-end">`), and each tag becomes an inline code
with id="N": `<xN/>` a `<ph dataRef="dN">`, a `<gN>...</gN>` that nests properly a
`<pc dataRefStart dataRefEnd>` around its text, and a pair that crosses another or lost its
partner `<sc>`/`<ec startRef>` (`isolated="yes"` for a lone one). `disp` (`dispStart`,
`dispEnd`) shows the Markdown shortened; `equiv` is left out, since Markdown syntax is not text
a word count or a match should see. `type`/`subType="pipeline:<kind>"` keep the kind. A tag
repeated in one text is written again with its own id ("N-2") and `copyOf="N"`, without data.
`canCopy="no"` goes on a code that appears once in the source and at most once in the target,
`canDelete="no"` on one the target holds: a file must not itself break the hints it gives.
Reading maps each id back to N through the source (an id the source does not define is an
error of the unit), takes `<sc>`/`<ec>` as tools may have turned a `<pc>` into them, keeps the
text of `<mrk>` and drops `<sm>`/`<em>`.

Characters XML 1.0 cannot hold: in source, target and `<data>` each becomes
`<cp hex="001B"/>` as the spec requires, and is read back exactly; a lone surrogate, which no
encoding can hold, is written as U+FFFD, and a `<cp>` naming one is an error of its unit.
`<note>` and attributes can only hold text, so there (note, document, id, disp) such a
character is written as U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from lxml import etree

from pipeline.formats.base import (
    STATES,
    Exchange,
    ExchangeError,
    InlineReader,
    Unit,
    UnitError,
    append_text,
    check_ids,
    check_state,
    check_target,
    code_point,
    label,
    local_name,
    normalise_lang,
    parse_xml,
    require_lang,
    serialize_xml,
    set_content,
    unit_error,
    unread,
    xml_safe,
)
from pipeline.formats.codes import (
    KIND_RE,
    AtomTag,
    CloseTag,
    Code,
    OpenTag,
    Piece,
    Text,
    code_problem,
    from_pieces,
    nested,
    occurrences,
    partners,
    shorten,
    to_pieces,
)

SUFFIX = ".xlf"
NS = "urn:oasis:names:tc:xliff:document:2.0"  # also the namespace of XLIFF 2.1
NS_22 = "urn:oasis:names:tc:xliff:document:2.2"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_LEAVES = frozenset(f"{{{NS}}}{name}" for name in ("source", "target", "note", "data"))
_IGNORED = frozenset({"sm", "em"})  # empty annotation markers
SUBTYPE = "pipeline:"  # subType="pipeline:<kind>": the kind, under a prefix naming who defines it
# XLIFF's own `type` values where a kind has one; any other kind is "other".
_TYPES = {"link": "link", "image": "image", "em": "fmt", "strong": "fmt", "s": "fmt"}
_NUMBER_RE = re.compile(r"[1-9][0-9]{0,3}")


def _q(name: str, ns: str = NS) -> str:
    return f"{{{ns}}}{name}"


def write(exchange: Exchange) -> bytes:
    root = etree.Element(
        _q("xliff"),
        nsmap={None: NS},
        version="2.0",
        srcLang=xml_safe(exchange.source_lang),
        trgLang=xml_safe(exchange.target_lang),
    )
    # canResegment="no": a unit is one sentence the caller tracks by id; a CAT tool must not split it.
    file = etree.SubElement(root, _q("file"), id="f1", original=xml_safe(exchange.document), canResegment="no")
    file.set(XML_SPACE, "preserve")
    for unit in exchange.units:
        file.append(_unit_element(unit))
    return serialize_xml(root, _LEAVES)


def _unit_element(unit: Unit) -> etree._Element:
    element = etree.Element(_q("unit"), id=xml_safe(unit.id))
    if unit.note:
        notes = etree.SubElement(element, _q("notes"))
        etree.SubElement(notes, _q("note")).text = xml_safe(unit.note)
    if unit.codes:
        original = etree.SubElement(element, _q("originalData"))
        for code in unit.codes:
            set_content(etree.SubElement(original, _q("data"), id=_data_id(code.n)), code.open, _cp)
            if code.paired:
                set_content(etree.SubElement(original, _q("data"), id=_data_id(code.n, end=True)), code.close or "", _cp)
    segment = etree.SubElement(element, _q("segment"), state=unit.state)
    source, target = to_pieces(unit.source), to_pieces(unit.target)
    writer = _CodeWriter({code.n: code for code in unit.codes}, _hints(unit.codes, source, target))
    writer.fill(etree.SubElement(segment, _q("source")), source)
    writer.fill(etree.SubElement(segment, _q("target")), target)
    return element


def _cp(parent: etree._Element, char: str) -> etree._Element:
    return etree.SubElement(parent, _q("cp"), hex=f"{ord(char):04X}")


def _data_id(n: int, end: bool = False) -> str:
    return f"d{n}-end" if end else f"d{n}"


def _hints(codes: Sequence[Code], source: Sequence[Piece], target: Sequence[Piece]) -> dict[int, dict[str, str]]:
    """The editing hints of each code, the same on all its elements (XLIFF wants a `<sc>` and its
    `<ec>`, and a code in source and target, to agree).

    canCopy="no" unless the unit itself holds a copy (a repeated tag): a copy of a code that
    must not be copied makes the file invalid. canDelete="no" only when the target holds every
    element the source has of the code (the same ids): a target that lacks one it must not
    lose is invalid too.
    """
    in_source, in_target = _appearances(source), _appearances(target)
    hints: dict[int, dict[str, str]] = {}
    for code in codes:
        hints[code.n] = {}
        if max(in_source.get(code.n, {1}) | in_target.get(code.n, {1})) == 1:
            hints[code.n]["canCopy"] = "no"
        if in_source.get(code.n, set()) <= in_target.get(code.n, set()):
            hints[code.n]["canDelete"] = "no"
    return hints


def _appearances(pieces: Sequence[Piece]) -> dict[int, set[int]]:
    """Code number -> the numbers of its appearances in a text (1, 2 for a repeat...): its ids."""
    found: dict[int, set[int]] = {}
    for index, count in occurrences(pieces, partners(pieces)).items():
        piece = pieces[index]
        if not isinstance(piece, Text):  # occurrences() counts tags only
            found.setdefault(piece.n, set()).add(count)
    return found


class _CodeWriter:
    """Writes a source's or target's pieces as text, `<cp>` and inline codes."""

    def __init__(self, codes: dict[int, Code], hints: dict[int, dict[str, str]]):
        self.codes = codes
        self.hints = hints

    def fill(self, element: etree._Element, pieces: Sequence[Piece]) -> None:
        pairs = partners(pieces)
        wrapping = nested(pieces, pairs)  # written as <pc> around their text
        counts = occurrences(pieces, pairs)
        ids: dict[int, str] = {}  # index of an opening tag -> the id its closing tag refers to
        parents = [element]
        for index, piece in enumerate(pieces):
            parent = parents[-1]
            if isinstance(piece, Text):
                append_text(parent, piece.text, _cp)
                continue
            code = self.codes[piece.n]
            if isinstance(piece, CloseTag) and index in pairs:
                if pairs[index] in wrapping:
                    parents.pop()
                else:
                    etree.SubElement(parent, _q("ec"), self._end(code, startRef=ids[pairs[index]], copy=counts[pairs[index]] > 1))
                continue
            code_id = str(piece.n) if counts[index] == 1 else f"{piece.n}-{counts[index]}"
            copy = counts[index] > 1
            if isinstance(piece, AtomTag):
                etree.SubElement(parent, _q("ph"), self._atom(code, code_id, copy))
            elif isinstance(piece, CloseTag):  # a closing tag without its opening
                etree.SubElement(parent, _q("ec"), self._end(code, id=code_id, isolated="yes", copy=copy))
            elif index in wrapping:
                ids[index] = code_id
                parents.append(etree.SubElement(parent, _q("pc"), self._pair(code, code_id, copy)))
            else:
                ids[index] = code_id
                lone = {} if index in pairs else {"isolated": "yes"}
                etree.SubElement(parent, _q("sc"), self._start(code, code_id, copy, **lone))

    def _atom(self, code: Code, code_id: str, copy: bool) -> dict[str, str]:
        data = {"copyOf": str(code.n)} if copy else {"dataRef": _data_id(code.n)}
        return {"id": code_id, **data, "disp": _disp(code.open, code.kind), **self._common(code)}

    def _pair(self, code: Code, code_id: str, copy: bool) -> dict[str, str]:
        data = {"copyOf": str(code.n)} if copy else {"dataRefStart": _data_id(code.n), "dataRefEnd": _data_id(code.n, end=True)}
        shown = {"dispStart": _disp(code.open, code.kind), "dispEnd": _disp(code.close or "", code.kind)}
        return {"id": code_id, **data, **shown, **self._common(code)}

    def _start(self, code: Code, code_id: str, copy: bool, **extra: str) -> dict[str, str]:
        data = {"copyOf": str(code.n)} if copy else {"dataRef": _data_id(code.n)}
        return {"id": code_id, **extra, **data, "disp": _disp(code.open, code.kind), **self._common(code)}

    def _end(self, code: Code, copy: bool, **where: str) -> dict[str, str]:
        # The end of a copied pair carries neither data nor copyOf: its <sc> (startRef) says it all.
        if copy and "startRef" in where:
            data = {}
        else:
            data = {"copyOf": str(code.n)} if copy else {"dataRef": _data_id(code.n, end=True)}
        return {**where, **data, "disp": _disp(code.close or "", code.kind), **self._common(code)}

    def _common(self, code: Code) -> dict[str, str]:
        kind = {"type": _TYPES.get(code.kind, "other"), "subType": SUBTYPE + code.kind} if code.kind else {}
        return {**kind, **self.hints[code.n]}


def _disp(markdown: str, kind: str) -> str:
    """What an editor sees for a code: its Markdown shortened, or its kind when that is blank."""
    return xml_safe(shorten(markdown, 32)) or kind or "code"


def read(data: bytes) -> Exchange:
    root = parse_xml(data)
    ns = _check_root(root)
    source_lang = require_lang(root.get("srcLang"), "source language (srcLang)")
    target_lang = require_lang(root.get("trgLang"), "target language (trgLang)")
    files = root.findall(_q("file", ns))
    if len(files) != 1:
        raise ExchangeError(f"expected one <file> (one article), found {len(files)}")
    document = files[0].get("original")
    if document is None:
        raise ExchangeError("<file> has no original attribute (the article's path)")
    units = [_read_unit(element, ns, (source_lang, target_lang)) for element in files[0].iter(_q("unit", ns))]
    return Exchange(document, source_lang, target_lang, check_ids(units))


def _check_root(root: etree._Element) -> str:
    """The document's XLIFF 2 namespace, or ExchangeError for anything that is not XLIFF 2.x."""
    qname = etree.QName(root)
    if qname.localname != "xliff":
        raise ExchangeError(f"root element is <{qname.localname}>, not <xliff>")
    version = root.get("version") or ""
    if not version.startswith("2."):
        raise ExchangeError(f"XLIFF version {label(version)} is not supported; expected 2.x")
    if qname.namespace not in (NS, NS_22):
        raise ExchangeError(f"<xliff> is not in the XLIFF 2 namespace ({label(qname.namespace or '')})")
    return qname.namespace


def _read_unit(element: etree._Element, ns: str, langs: tuple[str, str]) -> Unit:
    """The unit, or the unit with `error` set when a problem is confined to it."""
    unit_id = element.get("id") or ""
    if not unit_id:
        raise ExchangeError("a <unit> has no id")
    unit = unread(unit_id)
    try:
        notes = element.find(_q("notes", ns))
        note_elements = notes.findall(_q("note", ns)) if notes is not None else []
        unit = replace(unit, note="\n".join(_plain(note, ns) for note in note_elements))
        segment, source, target = _segment(element, ns, langs)
        unit = replace(unit, state=check_state(segment.get("state", STATES[0])))  # the spec's default is "initial"
        reader = _CodeReader(ns, _original_data(element, ns))
        source_text = from_pieces(reader.pieces(source))
        unit = replace(unit, source=source_text, codes=reader.codes())
        reader.in_source = False
        target_text = from_pieces(reader.pieces(target)) if target is not None else ""
        codes = reader.codes()  # the target may name Markdown the source did not (a lone pair's end)
        problem = code_problem(source_text, check_target(target_text), codes)
        if problem:
            raise UnitError(problem)
        return replace(unit, target=target_text, codes=codes, error="")
    except ExchangeError:
        raise
    except (UnitError, ValueError) as problem:
        return unit_error(unit, problem)


def _segment(element: etree._Element, ns: str, langs: tuple[str, str]) -> tuple[etree._Element, ...]:
    """The unit's one `<segment>`, its `<source>` and its `<target>` (None if absent)."""
    if element.find(_q("ignorable", ns)) is not None:
        raise UnitError("<ignorable> is not supported (one segment per unit)")
    segments = element.findall(_q("segment", ns))
    if len(segments) != 1:
        raise UnitError(f"expected one <segment>, found {len(segments)}")
    segment = segments[0]
    sources, targets = segment.findall(_q("source", ns)), segment.findall(_q("target", ns))
    if len(sources) != 1 or len(targets) > 1:
        raise UnitError("a <segment> needs one <source> and at most one <target>")
    source, target = sources[0], (targets[0] if targets else None)
    for node, lang in ((source, langs[0]), (target, langs[1])):
        if node is not None and node.get(XML_LANG) and normalise_lang(node.get(XML_LANG)) != lang:
            raise UnitError(f"xml:lang {label(node.get(XML_LANG))} is not the file's language pair")
    return segment, source, target


def _original_data(element: etree._Element, ns: str) -> dict[str, str]:
    """The unit's `<data>` by id: the native Markdown its codes refer to."""
    data: dict[str, str] = {}
    for original in element.findall(_q("originalData", ns)):
        for child in original:
            if not isinstance(child.tag, str):
                continue
            data_id = child.get("id") or ""
            if child.tag != _q("data", ns) or not data_id:
                raise UnitError("<originalData> holds something other than <data id>")
            if data_id in data:
                raise UnitError(f"two <data> with id {label(data_id)}")
            data[data_id] = _plain(child, ns)
    return data


def _plain(element: etree._Element, ns: str) -> str:
    """The text of a `<note>` or `<data>`: text and `<cp>`, nothing else."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            if child.tag != _q("cp", ns):
                raise UnitError(f"unsupported element <{local_name(child)}> in <{local_name(element)}>")
            parts.append(code_point(child.get("hex")))
        parts.append(child.tail or "")
    return "".join(parts)


class _CodeReader(InlineReader):
    """Reads a `<source>` and then its `<target>` into pieces; the source defines the codes.

    An inline code's number is its id when the source defines it (id="N", or a copy of one);
    a target may use only ids the source has.
    """

    def __init__(self, ns: str, data: dict[str, str]):
        self.ns = ns
        self.data = data
        self.in_source = True
        self.numbers: dict[str, int] = {}  # code id in the source -> N
        self.found: dict[int, dict] = {}  # N -> what the source says of it (kind, open, close, paired)

    def _unclosed(self, started: str) -> str:
        return f"<sc id={label(started)}> has no <ec> (and is not isolated)"

    def codes(self) -> tuple[Code, ...]:
        """The codes the source defines, with their Markdown from the data their elements refer to,
        or else from the data this module names after them (a copy cannot refer to data, and a
        text may hold only a copy of a pair's end)."""
        codes = []
        for n, found in sorted(self.found.items()):
            open = found["open"] or self.data.get(_data_id(n), "")
            close = (found["close"] or self.data.get(_data_id(n, end=True), "")) if found["paired"] else None
            codes.append(Code(n, found["kind"], open, close))
        return tuple(codes)

    def _inline(self, child: etree._Element, started: dict[str, int]) -> list[Piece]:
        if not isinstance(child.tag, str):  # a comment
            return []
        name = local_name(child)
        if etree.QName(child).namespace != self.ns:
            raise UnitError(f"unsupported inline element <{name}>")
        if name == "cp":
            return [Text(code_point(child.get("hex")))]
        if name == "mrk":  # an annotation around text: keep the text
            return self._walk(child, started)
        if name in _IGNORED:
            return []
        if name == "ph":
            n = self._number(child)
            self._define(n, child, paired=False, open=self._data(child.get("dataRef")))
            return [AtomTag(n)]
        if name == "pc":
            n = self._number(child)
            self._define(n, child, paired=True, open=self._data(child.get("dataRefStart")), close=self._data(child.get("dataRefEnd")))
            return [OpenTag(n), *self._walk(child, started), CloseTag(n)]
        if name == "sc":
            return [OpenTag(self._start(child, started))]
        if name == "ec":
            return [CloseTag(self._end(child, started))]
        raise UnitError(f"unsupported inline element <{name}>")

    def _start(self, child: etree._Element, started: dict[str, int]) -> int:
        n = self._number(child)
        self._define(n, child, paired=True, open=self._data(child.get("dataRef")))
        if child.get("isolated") != "yes":
            if child.get("id") in started:
                raise UnitError(f"two open <sc> with id {label(child.get('id') or '')}")
            started[child.get("id") or ""] = n
        return n

    def _end(self, child: etree._Element, started: dict[str, int]) -> int:
        if child.get("isolated") == "yes":
            n = self._number(child)
        else:
            ref = child.get("startRef") or ""
            if ref not in started:
                raise UnitError(f"<ec startRef={label(ref)}> closes no open <sc>")
            n = started.pop(ref)
        self._define(n, child, paired=True, close=self._data(child.get("dataRef")))
        return n

    def _number(self, child: etree._Element) -> int:
        code_id, copy_of = child.get("id") or "", child.get("copyOf")
        if not self.in_source:
            for known in (code_id, copy_of):
                if known in self.numbers:
                    return self.numbers[known]
            raise UnitError(f"the target has the code id {label(code_id)}, which the source does not have")
        if copy_of is not None:
            n = self.numbers.get(copy_of) or _numeral(copy_of)
        else:
            n = _numeral(code_id)
        self.numbers.setdefault(code_id, n)
        return n

    def _data(self, ref: str | None) -> str | None:
        if ref is None:
            return None
        if ref not in self.data:
            raise UnitError(f"data reference {label(ref)} names no <data> of the unit")
        return self.data[ref]

    def _define(self, n: int, child: etree._Element, paired: bool, open: str | None = None, close: str | None = None) -> None:
        """Record what the source says of code N; the target only fills in Markdown the source left out."""
        if self.in_source:
            found = self.found.setdefault(n, {"kind": _kind(child), "open": "", "close": "", "paired": paired})
            if found["paired"] != paired:
                raise UnitError(f"code {n} is both an atom and a pair")
        else:
            found = self.found[n]  # _number() let only the source's codes through
            if found["paired"] != paired:
                return  # a tag of the wrong sort, which code_problem reports
        found["kind"] = found["kind"] or _kind(child)
        found["open"] = found["open"] or open or ""
        found["close"] = found["close"] or close or ""


def _numeral(code_id: str) -> int:
    if not _NUMBER_RE.fullmatch(code_id):
        raise UnitError(f"code id {label(code_id)} is not a tag number (1 to 9999)")
    return int(code_id)


def _kind(child: etree._Element) -> str:
    """The kind from our subType; a tool's own subType says nothing about it."""
    sub_type = child.get("subType") or ""
    kind = sub_type[len(SUBTYPE) :] if sub_type.startswith(SUBTYPE) else ""
    return kind if KIND_RE.fullmatch(kind) else ""
