"""XLIFF 2.0 exchange files, written and read with lxml.

translate-toolkit 3.20.4 has an XLIFF 2.0 store (`translate.storage.xliff2.Xliff2File`), but
its output does not follow the XLIFF 2.0 schema: it puts `<notes>` inside `<segment>` (they
belong to `<unit>`, before the segments) and `xml:space` on `<segment>` (not allowed there),
and it silently drops characters XML cannot hold. So the document is built here from the
spec; the tests read it back with `Xliff2File` as an independent check.

Layout: `<xliff version="2.0" srcLang trgLang>` / `<file id="f1" original=document>` /
`<unit id>` with an optional `<notes><note>` and one `<segment state>` holding `<source>`
and `<target>` (always present, possibly empty, so an editor can fill it in).

Characters XML 1.0 cannot hold: in source and target each becomes `<cp hex="001B"/>` as the
spec requires, and is read back exactly; a lone surrogate, which no encoding can hold, is
written as U+FFFD, and a `<cp>` naming one is an error of its unit. `<note>` and attributes can
only hold text, so there (note, document, id) such a character is written as U+FFFD.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from pipeline.formats.base import (
    STATES,
    Exchange,
    ExchangeError,
    Unit,
    UnitError,
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

SUFFIX = ".xlf"
NS = "urn:oasis:names:tc:xliff:document:2.0"  # also the namespace of XLIFF 2.1
NS_22 = "urn:oasis:names:tc:xliff:document:2.2"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_LEAVES = frozenset(f"{{{NS}}}{name}" for name in ("source", "target", "note"))
_FLATTENED = frozenset({"mrk", "pc"})  # annotations and paired codes around text: keep the text
_IGNORED = frozenset({"sm", "em"})  # empty annotation markers


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
    segment = etree.SubElement(element, _q("segment"), state=unit.state)
    set_content(etree.SubElement(segment, _q("source")), unit.source, _cp)
    set_content(etree.SubElement(segment, _q("target")), unit.target, _cp)
    return element


def _cp(parent: etree._Element, char: str) -> etree._Element:
    return etree.SubElement(parent, _q("cp"), hex=f"{ord(char):04X}")


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
        unit = replace(unit, note="\n".join(_content(note, ns) for note in note_elements))
        segment, source, target = _segment(element, ns, langs)
        unit = replace(unit, state=check_state(segment.get("state", STATES[0])))  # the spec's default is "initial"
        unit = replace(unit, source=_content(source, ns))
        return replace(unit, target=check_target(_content(target, ns)) if target is not None else "", error="")
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


def _content(element: etree._Element, ns: str) -> str:
    """The text of a `<source>`, `<target>` or `<note>`, `<cp>` decoded."""
    parts = [element.text or ""]
    for child in element:
        parts.append(_inline(child, ns))
        parts.append(child.tail or "")
    return "".join(parts)


def _inline(child: etree._Element, ns: str) -> str:
    if not isinstance(child.tag, str):  # a comment
        return ""
    name = local_name(child)
    if etree.QName(child).namespace == ns:
        if name == "cp":
            return code_point(child.get("hex"))
        if name in _FLATTENED:
            return _content(child, ns)
        if name in _IGNORED:
            return ""
    # <ph>, <sc>, <ec> stand for original codes this pipeline never writes; dropping them would lose text.
    raise UnitError(f"unsupported inline element <{name}>")
