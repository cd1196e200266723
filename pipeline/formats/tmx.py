"""TMX 1.4 exchange files, written and read with lxml.

translate-toolkit's `tmxfile` is not used for writing: its skeleton carries a DOCTYPE (which
our reader rejects outright), it strips notes, and it silently drops characters XML cannot
hold. The tests read our output back with `tmxfile` as an independent check.

Layout: a `<header>` (srclang, adminlang, segtype="sentence", datatype="plaintext", o-tmf,
creationtool) with `<prop type="x-document">` and `<prop type="x-target-language">` (TMX has
no target language attribute, and a file without units must still name it); one
`<tu tuid=unit id>` per unit with an optional `<note>`, `<prop type="x-state">` and a source
and a target `<tuv xml:lang><seg>`. An empty target is an empty `<seg/>`.

Characters XML 1.0 cannot hold: in `<seg>` each becomes `<ph type="x-cp">001B</ph>` (a
placeholder whose native code is the code point in hex), read back exactly; a lone surrogate,
which no encoding can hold, is written as U+FFFD. `<note>` and `<prop>` can only hold text, so
there (note, document, id) such a character is written as U+FFFD.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from pipeline import __version__
from pipeline.formats.base import (
    Exchange,
    ExchangeError,
    Unit,
    UnitError,
    check_ids,
    check_state,
    check_target,
    code_point,
    label,
    normalise_lang,
    parse_xml,
    require_lang,
    serialize_xml,
    set_content,
    unit_error,
    unread,
    xml_safe,
)

SUFFIX = ".tmx"
TOOL = "uk-en-pipeline"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CP_TYPE = "x-cp"
_LEAVES = frozenset({"seg", "note", "prop"})


def write(exchange: Exchange) -> bytes:
    root = etree.Element("tmx", version="1.4")
    header = etree.SubElement(root, "header")
    for name, value in (
        ("creationtool", TOOL),
        ("creationtoolversion", __version__),
        ("segtype", "sentence"),
        ("o-tmf", TOOL),
        ("adminlang", "en"),
        ("srclang", exchange.source_lang),
        ("datatype", "plaintext"),
    ):
        header.set(name, xml_safe(value))
    _prop(header, "x-document", exchange.document)
    _prop(header, "x-target-language", exchange.target_lang)
    body = etree.SubElement(root, "body")
    for unit in exchange.units:
        body.append(_tu(unit, exchange.source_lang, exchange.target_lang))
    return serialize_xml(root, _LEAVES)


def _prop(parent: etree._Element, kind: str, value: str) -> None:
    etree.SubElement(parent, "prop", type=kind).text = xml_safe(value)


def _tu(unit: Unit, source_lang: str, target_lang: str) -> etree._Element:
    tu = etree.Element("tu", tuid=xml_safe(unit.id))
    if unit.note:  # the DTD's order: notes and props, then the variants
        etree.SubElement(tu, "note").text = xml_safe(unit.note)
    _prop(tu, "x-state", unit.state)
    for lang, text in ((source_lang, unit.source), (target_lang, unit.target)):
        tuv = etree.SubElement(tu, "tuv")
        tuv.set(XML_LANG, xml_safe(lang))
        set_content(etree.SubElement(tuv, "seg"), text, _ph)
    return tu


def _ph(parent: etree._Element, char: str) -> etree._Element:
    ph = etree.SubElement(parent, "ph", type=CP_TYPE)
    ph.text = f"{ord(char):04X}"
    return ph


def read(data: bytes) -> Exchange:
    root = parse_xml(data)
    if root.tag != "tmx":
        raise ExchangeError(f"root element is <{etree.QName(root).localname}>, not <tmx>")
    version = root.get("version") or ""
    if version not in ("1.4", "1.4b"):
        raise ExchangeError(f"TMX version {label(version)} is not supported; expected 1.4")
    header, body = root.find("header"), root.find("body")
    if header is None or body is None:
        raise ExchangeError("TMX needs a <header> and a <body>")
    source_lang = require_lang(header.get("srclang"), "source language (srclang)")
    if source_lang == "*all*":
        raise ExchangeError('srclang="*all*": an exchange file has one source language')
    try:
        props = _props(header)
    except UnitError as problem:
        raise ExchangeError(f"header: {problem}") from None
    if "x-document" not in props:
        raise ExchangeError('the header has no <prop type="x-document"> (the article\'s path)')
    read_units = [_read_tu(tu, source_lang) for tu in body.iter("tu")]
    target_langs = {lang for _, lang in read_units if lang is not None}
    if "x-target-language" in props:
        target_langs.add(normalise_lang(props["x-target-language"]))
    if len(target_langs) > 1:
        raise ExchangeError(f"more than one target language: {', '.join(sorted(target_langs))}")
    target_lang = require_lang(next(iter(target_langs), ""), "target language (no x-target-language, no target <tuv>)")
    units = check_ids([unit for unit, _ in read_units])
    return Exchange(props["x-document"], source_lang, target_lang, units)


def _props(element: etree._Element) -> dict[str, str]:
    """Each prop type's first value; later duplicates are ignored."""
    props: dict[str, str] = {}
    for prop in element.findall("prop"):
        props.setdefault(prop.get("type") or "", _content(prop))
    return props


def _read_tu(tu: etree._Element, source_lang: str) -> tuple[Unit, str | None]:
    """The unit (with `error` set when a problem is confined to it) and its target language,
    None if it has only the source variant or its variants could not be told apart."""
    unit_id = tu.get("tuid") or ""
    if not unit_id:
        raise ExchangeError("a <tu> has no tuid")
    unit, target_lang = unread(unit_id), None
    try:
        unit = replace(unit, note="\n".join(_content(note) for note in tu.findall("note")))
        state = _props(tu).get("x-state")
        if state:
            unit = replace(unit, state=check_state(state))
        source_seg, target_lang, target_seg = _variants(tu, source_lang)
        unit = replace(unit, source=_content(source_seg))
        target = check_target(_content(target_seg)) if target_seg is not None else ""
        return replace(unit, target=target, state=state or ("translated" if target else "initial"), error=""), target_lang
    except ExchangeError:
        raise
    except (UnitError, ValueError) as problem:
        return unit_error(unit, problem), target_lang


def _variants(tu: etree._Element, source_lang: str) -> tuple[etree._Element, str | None, etree._Element | None]:
    """The source `<seg>`, the target language and the target `<seg>` (None, None: no target variant)."""
    if tu.get("srclang") and normalise_lang(tu.get("srclang")) not in (source_lang, "*all*"):
        raise UnitError(f"srclang {label(tu.get('srclang'))} differs from the header's")
    segs: dict[str, etree._Element] = {}
    for tuv in tu.findall("tuv"):
        lang = normalise_lang(tuv.get(XML_LANG) or "")
        if not lang:
            raise UnitError("a <tuv> has no xml:lang")
        if lang in segs:
            raise UnitError(f"two <tuv> for {label(lang)}")
        seg = tuv.find("seg")
        if seg is None:
            raise UnitError("a <tuv> has no <seg>")
        segs[lang] = seg
    if source_lang not in segs:
        raise UnitError(f"no <tuv> in the source language {label(source_lang)}")
    source = segs.pop(source_lang)
    if len(segs) > 1:
        raise UnitError(f"more than one language pair ({', '.join(sorted(segs))})")
    target_lang, target = next(iter(segs.items()), (None, None))
    return source, target_lang, target


def _content(element: etree._Element) -> str:
    """The text of a `<seg>`, `<note>` or `<prop>`, `<ph type="x-cp">` decoded."""
    parts = [element.text or ""]
    for child in element:
        parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _inline(child: etree._Element) -> str:
    if not isinstance(child.tag, str):  # a comment
        return ""
    if child.tag == "ph" and child.get("type") == CP_TYPE:
        return code_point(child.text)
    if child.tag == "hi":  # highlighting around text
        return _content(child)
    # Other inline codes carry native markup a plaintext exchange never has; dropping it would lose text.
    raise UnitError(f"unsupported inline element <{etree.QName(child).localname}>")
