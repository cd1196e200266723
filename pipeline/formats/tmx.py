"""TMX 1.4 exchange files, written and read with lxml.

translate-toolkit's `tmxfile` is not used for writing: its skeleton carries a DOCTYPE (which
our reader rejects outright), it strips notes, and it silently drops characters XML cannot
hold. The tests read our output back with `tmxfile` as an independent check.

Layout: a `<header>` (srclang, adminlang, segtype="sentence", datatype="plaintext", o-tmf,
creationtool) with `<prop type="x-document">` and `<prop type="x-target-language">` (TMX has
no target language attribute, and a file without units must still name it); one
`<tu tuid=unit id>` per unit with an optional `<note>`, `<prop type="x-state">` and a source
and a target `<tuv xml:lang><seg>`. An empty target is an empty `<seg/>`.

Codes (see `codes`): TMX keeps a code's native data inside its inline element, so `<xN/>` is
`<ph x="N">` around the atom's Markdown and `<gN>...</gN>` is `<bpt i x="N">` and `<ept i>`
around the pair's two ends (i="N", or a number above 9999 for a repeat, so it stays unique in
the `<seg>`); an opening or closing tag without its partner is `<it pos="begin|end" x="N">`.
`type="x-pipeline-<kind>"` keeps the kind. Reading takes the codes from the source `<seg>`;
a `<ph>`, `<bpt>` or `<it>` without x (a tool's own code), an `<ept>` without its `<bpt>` or
the reverse, a `<sub>` or `<ut>`, and a tag the target has and the source has not are errors
of the unit. `<hi>` keeps its text.

Characters XML 1.0 cannot hold: in `<seg>` each becomes `<ph type="x-cp">001B</ph>` (a
placeholder whose native code is the code point in hex, never an x), read back exactly; a lone
surrogate, which no encoding can hold, is written as U+FFFD. `<note>`, `<prop>` and a code's
native data can only hold text, so there (note, document, id, a code's Markdown) such a
character is written as U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from lxml import etree

from pipeline import __version__
from pipeline.core.placeholders import MAX_CODE
from pipeline.formats.base import (
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
    normalise_lang,
    parse_xml,
    require_lang,
    serialize_xml,
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
    occurrences,
    partners,
    to_pieces,
)

SUFFIX = ".tmx"
TOOL = "uk-en-pipeline"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CP_TYPE = "x-cp"
KIND_TYPE = "x-pipeline-"  # type="x-pipeline-<kind>": TMX's own values name other things
_LEAVES = frozenset({"seg", "note", "prop"})
_NUMBER_RE = re.compile(r"[1-9][0-9]{0,3}")


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
    codes = {code.n: code for code in unit.codes}
    for lang, text in ((source_lang, unit.source), (target_lang, unit.target)):
        tuv = etree.SubElement(tu, "tuv")
        tuv.set(XML_LANG, xml_safe(lang))
        _fill_seg(etree.SubElement(tuv, "seg"), to_pieces(text), codes)
    return tu


def _fill_seg(seg: etree._Element, pieces: Sequence[Piece], codes: dict[int, Code]) -> None:
    pairs = partners(pieces)
    counts = occurrences(pieces, pairs)
    numbers: dict[int, str] = {}  # index of a <bpt> -> its i, for its <ept>
    repeats = MAX_CODE  # a repeated pair's i: above every tag number, so unique in the <seg>
    for index, piece in enumerate(pieces):
        if isinstance(piece, Text):
            append_text(seg, piece.text, _ph)
            continue
        code = codes[piece.n]
        if isinstance(piece, AtomTag):
            _native(seg, "ph", code.open, x=str(code.n), **_kind(code))
        elif isinstance(piece, OpenTag) and index in pairs:
            if counts[index] > 1:
                repeats += 1
            numbers[index] = str(code.n if counts[index] == 1 else repeats)
            _native(seg, "bpt", code.open, i=numbers[index], x=str(code.n), **_kind(code))
        elif isinstance(piece, CloseTag) and index in pairs:
            _native(seg, "ept", code.close or "", i=numbers[pairs[index]])
        else:  # a tag without its partner
            begin = isinstance(piece, OpenTag)
            markdown = code.open if begin else code.close or ""
            _native(seg, "it", markdown, pos="begin" if begin else "end", x=str(code.n), **_kind(code))


def _native(seg: etree._Element, name: str, markdown: str, **attributes: str) -> None:
    etree.SubElement(seg, name, attributes).text = xml_safe(markdown) or None


def _kind(code: Code) -> dict[str, str]:
    return {"type": KIND_TYPE + code.kind} if code.kind else {}


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
        reader = _SegReader()
        source = from_pieces(reader.pieces(source_seg))
        unit = replace(unit, source=source, codes=reader.codes())
        reader.in_source = False
        target = from_pieces(reader.pieces(target_seg)) if target_seg is not None else ""
        codes = reader.codes()  # the target may name Markdown the source did not (a lone pair's end)
        problem = code_problem(source, check_target(target), codes)
        if problem:
            raise UnitError(problem)
        state = state or ("translated" if target else "initial")
        return replace(unit, target=target, state=state, codes=codes, error=""), target_lang
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


class _SegReader(InlineReader):
    """Reads a source `<seg>` and then its target's into pieces; the source defines the codes."""

    def __init__(self) -> None:
        self.in_source = True
        self.found: dict[int, dict] = {}  # N -> what the source says of it (kind, open, close, paired)

    def _unclosed(self, started: str) -> str:
        return f"<bpt i={label(started)}> has no <ept>"

    def codes(self) -> tuple[Code, ...]:
        return tuple(
            Code(n, found["kind"], found["open"], found["close"] if found["paired"] else None) for n, found in sorted(self.found.items())
        )

    def _inline(self, child: etree._Element, started: dict[str, int]) -> list[Piece]:
        if not isinstance(child.tag, str):  # a comment
            return []
        if child.tag == "ph" and child.get("type") == CP_TYPE:
            return [Text(code_point(child.text))]
        if child.tag == "hi":  # highlighting around text
            return self._walk(child, started)
        if child.tag == "ph":
            n = self._number(child)
            self._define(n, child, paired=False, open=_markdown(child))
            return [AtomTag(n)]
        if child.tag == "bpt":
            n, i = self._number(child), child.get("i") or ""
            if i in started:
                raise UnitError(f"two open <bpt> with i={label(i)}")
            started[i] = n
            self._define(n, child, paired=True, open=_markdown(child))
            return [OpenTag(n)]
        if child.tag == "ept":
            i = child.get("i") or ""
            if i not in started:
                raise UnitError(f"<ept i={label(i)}> closes no open <bpt>")
            n = started.pop(i)
            self._define(n, child, paired=True, close=_markdown(child))
            return [CloseTag(n)]
        if child.tag == "it":
            n, pos = self._number(child), child.get("pos")
            if pos not in ("begin", "end"):
                raise UnitError(f"<it> has pos={label(pos or '')}, not begin or end")
            begin = pos == "begin"
            self._define(n, child, paired=True, **{"open" if begin else "close": _markdown(child)})
            return [OpenTag(n) if begin else CloseTag(n)]
        # <ut>, <sub> and anything else: native codes this pipeline never writes; dropping them would lose text.
        raise UnitError(f"unsupported inline element <{etree.QName(child).localname}>")

    def _number(self, child: etree._Element) -> int:
        x = child.get("x")
        if x is None:
            raise UnitError(f"a <{child.tag}> has no x: a code this pipeline did not write")
        if not _NUMBER_RE.fullmatch(x):
            raise UnitError(f"<{child.tag} x={label(x)}>: x is not a tag number (1 to 9999)")
        return int(x)

    def _define(self, n: int, child: etree._Element, paired: bool, open: str | None = None, close: str | None = None) -> None:
        """Record what the source says of code N; the target only fills in Markdown the source left out."""
        if self.in_source:
            found = self.found.setdefault(n, {"kind": _read_kind(child), "open": "", "close": "", "paired": paired})
            if found["paired"] != paired:
                raise UnitError(f"code {n} is both an atom and a pair")
        elif n in self.found and self.found[n]["paired"] == paired:
            found = self.found[n]
        else:
            return  # a tag the source does not have, or of the wrong sort: code_problem reports it
        found["kind"] = found["kind"] or _read_kind(child)
        found["open"] = found["open"] or open or ""
        found["close"] = found["close"] or close or ""


def _markdown(child: etree._Element) -> str:
    """The native data of an inline element: text only (no `<sub>`)."""
    if any(isinstance(grandchild.tag, str) for grandchild in child):
        raise UnitError(f"<{child.tag}> holds an element; <sub> is not supported")
    return child.text or ""


def _read_kind(child: etree._Element) -> str:
    kind_type = child.get("type") or ""
    kind = kind_type[len(KIND_TYPE) :] if kind_type.startswith(KIND_TYPE) else ""
    return kind if KIND_RE.fullmatch(kind) else ""


def _content(element: etree._Element) -> str:
    """The text of a `<note>` or `<prop>`, `<ph type="x-cp">` decoded."""
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
