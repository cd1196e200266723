"""Units with codes: each format writes the tags as its own inline codes and reads them back.

Round trips of articles and of generated units (any text, any tag order: repeated, lost,
crossed), the XML a CAT tool sees, what translate-toolkit makes of it, what a CAT tool may do
to the codes, and codes that cost only their unit when they are broken.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from translate.storage import pypo, tmx, xliff2

from pipeline.core.placeholders import TAG_RE
from pipeline.formats import Code, Exchange, ExchangeError, Unit, from_pieces, read, to_pieces, write
from pipeline.formats.codes import AtomTag, CloseTag, OpenTag, Text

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
CODE_FORMATS = ["po", "tmx", "xliff"]

LINK = Code(1, "link", "[", "](https://www.reuters.com/world/?a=1&b=2)")
CODED = Exchange(
    document="news/zelensky-kursk-advance.md",
    source_lang="en",
    target_lang="uk",
    units=(
        Unit(
            "s2-0-77a0b1c2d3e4",
            "In an interview with <g1>Reuters</g1>, Zelensky stated that the operation began on Thursday, "
            "February 6, and that Ukrainian forces have advanced <x2/>.",
            "В інтерв'ю <g1>Reuters</g1> Зеленський заявив, що операція розпочалася в четвер, 6 лютого, "
            "і українські сили просунулися на <x2/>.",
            "translated",
            "paragraph",
            (LINK, Code(2, "quantity", "2.5 kilometers")),
        ),
        Unit(
            "s3-1-0c1d2e3f4a5b",
            "Ukrainian forces hold <x1/> at first, <g2>460 km²</g2> by the end of the year.",
            "Українські сили утримують спершу <x1/>, <g2>460 km²</g2> наприкінці року.",
            "reviewed",
            "flag: numbers",
            (Code(1, "code", "`1,100 km²`"), Code(2, "strong", "**", "**")),
        ),
        Unit(
            "s5-0-dd44ee55ff66",
            '<x1/> and <x2/>: "quoted" ]]> &amp; <script>',
            "<x2/> і <x1/>",
            "final",
            "",
            (Code(1, "html", '<script>alert("x")</script>'), Code(2, "code", "`a]]>b\x1b'\"&amp;`")),
        ),
        # What an engine may do to tags: a lost closing tag, a repeated atom, crossed pairs.
        Unit(
            "s6-0-000000000006",
            "<g1>a</g1> <x2/>",
            "<g1>а <x2/><x2/>",
            "translated",
            "",
            (Code(1, "em", "*", "*"), Code(2, "url", "https://x.org")),
        ),
        Unit(
            "s7-0-000000000007",
            "<g1>a <g2>b</g1> c</g2>",
            "<g2>в <g1>б</g2> а</g1>",
            "initial",
            "",
            (Code(1, "em", "_", "_"), Code(2, "strong", "__", "__")),
        ),
        Unit("s8-0-000000000008", "<x1/> caption", "", "initial", "", (Code(1, "image", "![](photo.jpg)"),)),
    ),
)


def flat(text: str) -> str:
    """The text without its tags: what a reader that flattens inline codes keeps."""
    return "".join(piece.text for piece in to_pieces(text) if isinstance(piece, Text))


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", CODE_FORMATS)
def test_round_trip_of_units_with_codes(fmt):
    data = write(CODED, fmt)
    assert read(data, fmt) == expected_codes_after(CODED, fmt)
    assert read(data) == expected_codes_after(CODED, fmt)


def _q(name: str) -> str:
    return f"{{{XLIFF_NS}}}{name}"


def _xliff_unit(data: bytes, unit_id: str) -> etree._Element:
    return etree.fromstring(data).find(f".//{_q('unit')}[@id='{unit_id}']")


def test_xliff_writes_codes_as_inline_elements_with_their_markdown_in_original_data():
    data = write(CODED, "xliff")
    root = etree.fromstring(data)
    for unit in root.iter(_q("unit")):
        for text in (unit.find(f"{_q('segment')}/{_q('source')}"), unit.find(f"{_q('segment')}/{_q('target')}")):
            assert not TAG_RE.search("".join(text.itertext()))  # no tag left as text
        assert [etree.QName(child).localname for child in unit] in (["originalData", "segment"], ["notes", "originalData", "segment"])
    unit = _xliff_unit(data, "s2-0-77a0b1c2d3e4")
    assert {d.get("id"): d.text for d in unit.iter(_q("data"))} == {"d1": "[", "d1-end": LINK.close, "d2": "2.5 kilometers"}
    source = unit.find(f"{_q('segment')}/{_q('source')}")
    [pc] = source.findall(_q("pc"))
    assert dict(pc.attrib) == {
        "id": "1",
        "dataRefStart": "d1",
        "dataRefEnd": "d1-end",
        "dispStart": "[",
        "dispEnd": "](https://www.reuters.com/world…",
        "type": "link",
        "subType": "pipeline:link",
        "canCopy": "no",
        "canDelete": "no",
    }
    assert pc.text == "Reuters"
    [ph] = source.findall(_q("ph"))
    assert dict(ph.attrib) == {
        "id": "2",
        "dataRef": "d2",
        "disp": "2.5 kilometers",
        "type": "other",
        "subType": "pipeline:quantity",
        "canCopy": "no",
        "canDelete": "no",
    }
    # characters XML cannot hold, inside a code's Markdown: <cp> inside <data>
    unit = _xliff_unit(data, "s5-0-dd44ee55ff66")
    assert etree.tostring(unit.find(f".//{_q('data')}[@id='d2']"), encoding="unicode", with_tail=False).endswith(
        '>`a]]&gt;b<cp hex="001B"/>\'"&amp;amp;`</data>'
    )


def test_xliff_writes_broken_and_crossed_pairs_as_start_and_end_codes():
    data = write(CODED, "xliff")
    target = _xliff_unit(data, "s6-0-000000000006").find(f"{_q('segment')}/{_q('target')}")
    assert [(etree.QName(e).localname, e.get("id"), e.get("isolated"), e.get("copyOf")) for e in target] == [
        ("sc", "1", "yes", None),
        ("ph", "2", None, None),
        ("ph", "2-2", None, "2"),
    ]
    assert target[2].get("dataRef") is None  # a copy refers to its original, not to data
    # a code the target repeats may be copied; one an empty target lacks may be deleted
    assert all(e.get("canCopy") is None for e in target.iter(_q("ph")))
    [ph] = _xliff_unit(data, "s8-0-000000000008").iter(_q("ph"))
    assert (ph.get("canCopy"), ph.get("canDelete")) == ("no", None)
    source = _xliff_unit(data, "s7-0-000000000007").find(f"{_q('segment')}/{_q('source')}")
    assert etree.tostring(source, encoding="unicode").count("<sc ") == 1
    [sc] = source.iter(_q("sc"))
    [ec] = source.iter(_q("ec"))
    assert (sc.get("id"), ec.get("startRef"), ec.get("dataRef"), ec.getparent().tag) == ("1", "1", "d1-end", _q("pc"))
    assert sc.get("type") == ec.get("type") == "fmt" and sc.get("canCopy") == ec.get("canCopy") == "no"


def _inline_codes(rich) -> list[tuple[str, str]]:
    found = []
    for sub in rich.sub:
        if hasattr(sub, "xml_node"):
            found.append((etree.QName(sub.xml_node).localname, sub.id))
        if hasattr(sub, "sub"):
            found.extend(_inline_codes(sub))
    return found


def test_translate_toolkit_keeps_the_text_and_sees_the_codes_in_the_xliff():
    store = xliff2.Xliff2File.parsestring(write(CODED, "xliff"))
    # its plain source and target flatten the codes: the text between them stays
    assert [(u.getid(), u.source, u.target) for u in store.units] == [(u.id, flat(u.source), flat(u.target)) for u in CODED.units]
    assert _inline_codes(store.units[0].rich_source[0]) == [("pc", "1"), ("ph", "2")]
    assert _inline_codes(store.units[1].rich_target[0]) == [("ph", "1"), ("pc", "2")]


def _seg(data: bytes, unit_id: str, lang: str) -> etree._Element:
    return etree.fromstring(data).find(f".//tu[@tuid='{unit_id}']/tuv[@{{http://www.w3.org/XML/1998/namespace}}lang='{lang}']/seg")


def _seg_text(seg: etree._Element) -> str:
    """The text of a <seg> outside its inline elements (their content is native code)."""
    return (seg.text or "") + "".join(child.tail or "" for child in seg)


def test_tmx_writes_codes_as_inline_elements_around_their_markdown():
    data = write(CODED, "tmx")
    for seg in etree.fromstring(data).iter("seg"):
        assert not TAG_RE.search(_seg_text(seg))
    seg = _seg(data, "s2-0-77a0b1c2d3e4", "en")
    assert [(e.tag, dict(e.attrib), e.text) for e in seg] == [
        ("bpt", {"i": "1", "x": "1", "type": "x-pipeline-link"}, "["),
        ("ept", {"i": "1"}, LINK.close),
        ("ph", {"x": "2", "type": "x-pipeline-quantity"}, "2.5 kilometers"),
    ]
    seg = _seg(data, "s6-0-000000000006", "uk")  # a lost </g1>, a repeated <x2/>
    assert [(e.tag, dict(e.attrib)) for e in seg] == [
        ("it", {"pos": "begin", "x": "1", "type": "x-pipeline-em"}),
        ("ph", {"x": "2", "type": "x-pipeline-url"}),
        ("ph", {"x": "2", "type": "x-pipeline-url"}),
    ]
    seg = _seg(data, "s7-0-000000000007", "en")  # crossed pairs: <bpt>/<ept> are markers, so no problem
    assert [(e.tag, e.get("i")) for e in seg] == [("bpt", "1"), ("bpt", "2"), ("ept", "1"), ("ept", "2")]
    repeated = write(replace(CODED, units=(Unit("u", "<g1>a</g1> <g1>b</g1>", "", codes=(Code(1, "em", "*", "*"),)),)), "tmx")
    assert [e.get("i") for e in _seg(repeated, "u", "en")] == ["1", "1", "10000", "10000"]  # i is unique in a <seg>


def _rendered(text: str, codes: tuple[Code, ...]) -> str:
    """The text with each tag replaced by its Markdown, as a tool that keeps native codes shows it."""
    by_number = {code.n: code for code in codes}
    parts = []
    for piece in to_pieces(text):
        if isinstance(piece, Text):
            parts.append(piece.text)
        else:
            code = by_number[piece.n]
            parts.append(code.close if isinstance(piece, CloseTag) else code.open)
    return "".join(parts)


def test_translate_toolkit_reads_the_tmx_codes_as_their_markdown():
    store = tmx.tmxfile.parsestring(write(CODED, "tmx"))
    expected = expected_codes_after(CODED, "tmx")
    assert [(u.getid(), u.source, u.target) for u in store.units] == [
        (u.id, _rendered(u.source, u.codes), _rendered(u.target, u.codes)) for u in expected.units
    ]


def _po_entry(data: bytes, unit_id: str) -> pypo.pounit:
    return next(u for u in pypo.pofile.parsestring(data).units if u.getcontext() == unit_id)


def test_po_keeps_the_tags_as_text_and_describes_each_code_in_an_extracted_comment():
    data = write(CODED, "po")
    # translate-toolkit reads msgid and msgstr as they are: the tags are text in PO
    store = pypo.pofile.parsestring(data)
    assert [(u.getcontext(), u.source, u.target) for u in store.units if not u.isheader()] == [
        (u.id, u.source, u.target) for u in CODED.units
    ]
    assert _po_entry(data, "s2-0-77a0b1c2d3e4").getnotes("developer") == (
        "<g1>…</g1> link: […](https://www.reuters.com/world/?a=1&b=2)\n<x2/> quantity: 2.5 kilometers"
    )
    assert _po_entry(data, "s3-1-0c1d2e3f4a5b").getnotes("developer") == "<x1/> code: `1,100 km²`\n<g2>…</g2> strong: **…**"
    assert "#. <x2/> code: `a]]>b\\x1b'\"&amp;`\n" in data.decode()  # invisible characters escaped
    assert _po_entry(data, "s2-0-77a0b1c2d3e4").getnotes("translator") == "paragraph"  # the note stays apart


def test_po_comment_lines_keep_any_markdown_exactly():
    tricky = Unit(
        "u",
        "<x1/><g2>a</g2><x3/>",
        "",
        codes=(
            Code(1, "", "  "),
            Code(2, "em", "a…\\b\n ", " \t"),
            Code(3, "break", "\\\n"),
        ),
    )
    data = write(replace(CODED, units=(tricky,)), "po")
    assert all(not line.endswith((" ", "\t")) for line in data.decode().splitlines() if line.startswith("#."))
    assert read(data).units == (tricky,)


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        (lambda c: c.replace("#. <x1/> code: `1,100 km²`\n", ""), (Code(1, "", ""), Code(2, "strong", "**", "**"))),
        (lambda c: c.replace("#. <x1/> code: `1,100 km²`", "#. <x1/> code: `\\q`"), (Code(1, "", ""), Code(2, "strong", "**", "**"))),
        (lambda c: c.replace("**…**", "**"), (Code(1, "code", "`1,100 km²`"), Code(2, "", "", ""))),
        (lambda c: c.replace("<x1/> code:", "<g1>…</g1> code:"), (Code(1, "", ""), Code(2, "strong", "**", "**"))),
        (
            lambda c: c.replace("#. <x1/>", "#. a developer's note\n#. <x1/>"),
            (Code(1, "code", "`1,100 km²`"), Code(2, "strong", "**", "**")),
        ),
    ],
)
def test_po_codes_whose_comment_is_gone_or_garbled_come_back_empty(change, codes):
    unit = read(change(write(CODED, "po").decode()).encode()).units[1]
    assert unit.error == "" and unit.codes == codes
    assert (unit.source, unit.target) == (CODED.units[1].source, CODED.units[1].target)


def test_po_tags_an_editor_mangles_come_back_canonical():
    data = write(CODED, "po").replace(
        "Українські сили утримують спершу <x1/>, <g2>".encode(), "Українські сили утримують спершу < X 1 / >, <G2>".encode()
    )
    assert read(data).units[1] == CODED.units[1]


# --- what a CAT tool or an editor may do -----------------------------------------------------


def _pc_to_sc_ec(element: etree._Element) -> None:
    """What tools may do to a <pc>: a <sc>/<ec> pair around the same content."""
    for pc in list(element.iter(_q("pc"))):
        attributes = dict(pc.attrib)
        start = {k: v for k, v in attributes.items() if k not in ("dataRefStart", "dataRefEnd", "dispStart", "dispEnd")}
        sc = etree.Element(_q("sc"), {**start, **({"dataRef": attributes["dataRefStart"]} if "dataRefStart" in attributes else {})})
        ec = etree.Element(
            _q("ec"),
            {"startRef": attributes["id"], **({"dataRef": attributes["dataRefEnd"]} if "dataRefEnd" in attributes else {})},
        )
        parent, index = pc.getparent(), pc.getparent().index(pc)
        sc.tail, ec.tail = pc.text, pc.tail
        children = list(pc)
        parent.remove(pc)
        for offset, node in enumerate([sc, *children, ec]):
            parent.insert(index + offset, node)


def test_xliff_start_and_end_codes_a_tool_made_of_paired_codes_read_the_same():
    root = etree.fromstring(write(CODED, "xliff"))
    _pc_to_sc_ec(root)
    assert not list(root.iter(_q("pc")))
    assert read(etree.tostring(root), "xliff") == CODED


def test_xliff_annotations_around_codes_are_flattened():
    root = etree.fromstring(write(CODED, "xliff"))
    target = root.find(f".//{_q('unit')}[@id='s3-1-0c1d2e3f4a5b']/{_q('segment')}/{_q('target')}")
    mrk = etree.Element(_q("mrk"), id="m1", translate="yes")
    for child in list(target):
        mrk.append(child)
    mrk.text, target.text = target.text, None
    target.append(mrk)
    etree.SubElement(target, _q("sm"), id="m2").tail = "!"
    unit = read(etree.tostring(root), "xliff").units[1]
    assert unit.target == CODED.units[1].target + "!"


def test_xliff_a_tag_an_editor_types_as_text_stays_text():
    data = write(CODED, "xliff").replace("<target>Українські сили утримують спершу ".encode(), b"<target>&lt;x1/&gt; &lt;g2&gt;")
    unit = read(data, "xliff").units[1]
    assert unit.error == "" and unit.target.startswith("\u2039x1/> \u2039g2><x1/>")


def test_xliff_an_editor_who_moves_or_deletes_codes():
    root = etree.fromstring(write(CODED, "xliff"))
    target = root.find(f".//{_q('unit')}[@id='s3-1-0c1d2e3f4a5b']/{_q('segment')}/{_q('target')}")
    ph = target.find(_q("ph"))
    target.remove(ph)  # its tail goes with it
    target.text = "Утримують "
    moved = copy.deepcopy(ph)
    moved.tail = None
    target.append(moved)  # ... and puts it at the end
    unit = read(etree.tostring(root), "xliff").units[1]
    assert unit.target == "Утримують <g2>460 km²</g2> наприкінці року.<x1/>"
    assert unit.codes == CODED.units[1].codes


def test_xliff_codes_from_another_tool_without_original_data():
    data = (
        f'<xliff xmlns="{XLIFF_NS}" version="2.0" srcLang="en" trgLang="uk"><file id="f" original="a.md"><unit id="u">'
        '<segment><source>a <pc id="1">b</pc> <ph id="2" subType="okp:x"/></source><target><ph id="2"/> б</target></segment>'
        "</unit></file></xliff>"
    ).encode()
    assert read(data).units[0] == Unit("u", "a <g1>b</g1> <x2/>", "<x2/> б", "initial", codes=(Code(1, "", "", ""), Code(2, "", "")))


def test_tmx_a_code_point_stays_a_code_point_when_a_tool_numbers_it():
    unit = Unit("u", "a\x1b <x1/>", "", codes=(Code(1, "code", "`x`"),))
    data = write(replace(CODED, units=(unit,)), "tmx").replace(b'<ph type="x-cp">', b'<ph type="x-cp" x="7">')
    assert read(data).units == (unit,)


def test_tmx_codes_from_another_tool_without_our_types():
    data = (
        '<tmx version="1.4"><header srclang="en"><prop type="x-document">a.md</prop></header><body><tu tuid="u">'
        '<tuv xml:lang="en"><seg>a <bpt i="5" x="1">&lt;b&gt;</bpt>b<ept i="5">&lt;/b&gt;</ept> <ph x="2" type="index">{0}</ph></seg></tuv>'
        '<tuv xml:lang="uk"><seg><ph x="2">{0}</ph> <hi>б</hi></seg></tuv></tu></body></tmx>'
    ).encode()
    assert read(data).units[0] == Unit("u", "a <g1>b</g1> <x2/>", "<x2/> б", codes=(Code(1, "", "<b>", "</b>"), Code(2, "", "{0}")))


# --- arbitrary units -------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
TRICKY = ["]]>", "<script>", "&amp;", '"', "'", "\x00", "\x1b", "\ufffe", "\ud800", "\r\n", "<x1/>", "</g2>", "🙂", "ї", "\\"]
TEXT = st.lists(st.characters(codec=None, exclude_categories=()) | st.sampled_from(TRICKY), max_size=6).map("".join)
KINDS = st.sampled_from(["", "code", "url", "link", "em", "strong", "image", "quantity", "term", "html", "break"])


@st.composite
def coded_units(draw, unit_id: str) -> Unit:
    count = draw(st.integers(0, 4))
    codes = []
    for n in range(1, count + 1):
        paired = draw(st.booleans())
        codes.append(Code(n, draw(KINDS), draw(TEXT), draw(TEXT) if paired else None))
    own = [tag for code in codes for tag in ([OpenTag(code.n), CloseTag(code.n)] if code.paired else [AtomTag(code.n)])]
    extra = st.lists(st.sampled_from(own), max_size=len(own) + 2) if own else st.just([])
    source_tags = draw(st.permutations(own + draw(extra)[:2]))
    target_tags = draw(extra)
    return Unit(
        unit_id,
        _text(draw, source_tags),
        re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", _text(draw, target_tags)),  # a control character costs its unit
        draw(st.sampled_from(["initial", "translated", "reviewed", "final"])),
        draw(TEXT),
        tuple(codes),
    )


def _text(draw, tags) -> str:
    pieces = [Text(draw(TEXT))]
    for tag in tags:
        pieces += [tag, Text(draw(TEXT))]
    return from_pieces(pieces)


CODED_EXCHANGES = (
    st.integers(0, 3)
    .flatmap(lambda count: st.tuples(*[coded_units(f"u{i}") for i in range(count)]))
    .map(lambda units: Exchange("doc.md", "en", "uk", units))
)


def _fix(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _xml_text(text: str) -> str:
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd", text)


def expected_codes_after(exchange: Exchange, fmt: str) -> Exchange:
    """What comes back: lone surrogates as U+FFFD everywhere, XML's text-only notes, and TMX's
    text-only native data (XLIFF's <data> and PO's comments keep a code's Markdown exact)."""
    fix = _fix
    fix_markdown = _xml_text if fmt == "tmx" else _fix

    def fix_code(code: Code) -> Code:
        return replace(code, open=fix_markdown(code.open), close=None if code.close is None else fix_markdown(code.close))

    units = []
    for unit in exchange.units:
        note = fix(unit.note) if fmt == "po" else _xml_text(unit.note)
        units.append(replace(unit, source=fix(unit.source), target=fix(unit.target), note=note, codes=tuple(map(fix_code, unit.codes))))
    return replace(exchange, units=tuple(units))


@pytest.mark.parametrize("fmt", CODE_FORMATS)
@settings(max_examples=150, deadline=None)
@given(exchange=CODED_EXCHANGES)
def test_round_trip_of_arbitrary_units_with_codes(fmt, exchange):
    data = write(exchange, fmt)
    assert read(data, fmt) == expected_codes_after(exchange, fmt)


# The attributes XLIFF 2.0 core allows on each inline code element (its schema, less the modules').
_ALLOWED = {
    "ph": {"canCopy", "canDelete", "canReorder", "copyOf", "disp", "equiv", "id", "dataRef", "subFlows", "subType", "type"},
    "pc": {
        "canCopy",
        "canDelete",
        "canOverlap",
        "canReorder",
        "copyOf",
        "dispEnd",
        "dispStart",
        "equivEnd",
        "equivStart",
        "id",
        "dataRefEnd",
        "dataRefStart",
        "subFlowsEnd",
        "subFlowsStart",
        "subType",
        "type",
        "dir",
    },
    "sc": {
        "canCopy",
        "canDelete",
        "canOverlap",
        "canReorder",
        "copyOf",
        "dataRef",
        "dir",
        "disp",
        "equiv",
        "id",
        "isolated",
        "subFlows",
        "subType",
        "type",
    },
    "ec": {
        "canCopy",
        "canDelete",
        "canOverlap",
        "canReorder",
        "copyOf",
        "dataRef",
        "dir",
        "disp",
        "equiv",
        "id",
        "isolated",
        "startRef",
        "subFlows",
        "subType",
        "type",
    },
    "cp": {"hex"},
}
_HINTS = ("type", "subType", "canCopy", "canDelete")


def _check_xliff_codes(content: etree._Element, data_ids: set[str]) -> None:
    """The XLIFF 2.0 constraints on inline codes that a schema alone does not check."""
    ids = []
    starts: dict[str, etree._Element] = {}
    for element in content.iter():
        if element is content:
            continue
        name = etree.QName(element).localname
        assert set(element.attrib) <= _ALLOWED[name], (name, dict(element.attrib))
        if name == "cp":
            continue
        refs = [element.get(key) for key in ("dataRef", "dataRefStart", "dataRefEnd") if element.get(key)]
        assert set(refs) <= data_ids
        if element.get("copyOf"):
            assert not refs  # a copy has no data of its own
        if element.get("subType"):
            assert re.fullmatch(r"[^\s:]+:[^\s]+", element.get("subType")) and element.get("type")
        if name == "ec" and element.get("isolated") != "yes":
            assert element.get("id") is None and element.get("startRef") in starts
            start = starts.pop(element.get("startRef"))
            assert [start.get(k) for k in _HINTS] == [element.get(k) for k in _HINTS]  # an <ec> agrees with its <sc>
            continue
        assert element.get("id") and element.get("startRef") is None
        ids.append(element.get("id"))
        if name == "sc" and element.get("isolated") != "yes":
            starts[element.get("id")] = element
    assert not starts  # every <sc> that is not isolated has its <ec>
    assert len(ids) == len(set(ids))  # ids are unique in a source or a target


def _tag_of(element: etree._Element, starts: dict[str, str]):
    if element.tag == "ept":
        return CloseTag(int(starts[element.get("i")]))
    n = int(element.get("x"))
    if element.tag == "it":
        return OpenTag(n) if element.get("pos") == "begin" else CloseTag(n)
    return {"ph": AtomTag, "bpt": OpenTag}[element.tag](n)


@settings(max_examples=100, deadline=None)
@given(exchange=CODED_EXCHANGES)
def test_tmx_codes_are_always_elements(exchange):
    root = etree.fromstring(write(exchange, "tmx"))
    for unit, tu in zip(exchange.units, root.iter("tu")):
        for text, seg in zip((unit.source, unit.target), tu.iter("seg")):
            assert not TAG_RE.search(_seg_text(seg))
            tags = [p for p in to_pieces(text) if not isinstance(p, Text)]
            codes = [e for e in seg if not (e.tag == "ph" and e.get("type") == "x-cp")]
            starts = {e.get("i"): e.get("x") for e in codes if e.tag == "bpt"}
            assert [_tag_of(e, starts) for e in codes] == tags
            i_values = [e.get("i") for e in seg if e.tag == "bpt"]
            assert len(i_values) == len(set(i_values))
            assert sorted(i_values) == sorted(e.get("i") for e in seg if e.tag == "ept")


@settings(max_examples=100, deadline=None)
@given(exchange=CODED_EXCHANGES)
def test_xliff_codes_are_always_elements_that_follow_the_spec(exchange):
    root = etree.fromstring(write(exchange, "xliff"))
    for unit, element in zip(exchange.units, root.iter(_q("unit"))):
        segment = element.find(_q("segment"))
        data_ids = {data.get("id") for data in element.iter(_q("data"))}
        for text, content in ((unit.source, segment.find(_q("source"))), (unit.target, segment.find(_q("target")))):
            assert not TAG_RE.search("".join(content.itertext()))
            _check_xliff_codes(content, data_ids)
            names = [etree.QName(e).localname for e in content.iter() if e is not content and etree.QName(e).localname != "cp"]
            tags = [p for p in to_pieces(text) if not isinstance(p, Text)]
            assert names.count("ph") == sum(isinstance(p, AtomTag) for p in tags)
            assert names.count("pc") * 2 + names.count("sc") + names.count("ec") == len(tags) - names.count("ph")
        # no copy of a code the file says must not be copied, no code missing that must not be deleted
        codes = {}
        for content in (segment.find(_q("source")), segment.find(_q("target"))):
            for code in content.iter(_q("ph"), _q("pc"), _q("sc")):
                codes.setdefault(code.get("copyOf") or code.get("id"), []).append(code)
        for elements in codes.values():
            if any(e.get("copyOf") for e in elements):
                assert all(e.get("canCopy") != "no" for e in elements)
        target_ids = {e.get("id") for e in segment.find(_q("target")).iter()} | {
            e.get("startRef") for e in segment.find(_q("target")).iter()
        }
        for code in segment.find(_q("source")).iter(_q("ph"), _q("pc"), _q("sc"), _q("ec")):
            if code.get("canDelete") == "no":
                assert (code.get("id") or code.get("startRef")) in target_ids


DAMAGE = [
    b"<",
    b">",
    b'"',
    b"/",
    b"\\",
    b"\n",
    b"\x00",
    b"1",
    b"0",
    b"-2",
    b"<x1/>",
    b"</g2>",
    b"\xe2\x80\xa6",
    b'<ph id="9"/>',
    b"<pc id=",
    b"</pc>",
    b'<sc id="1"/>',
    b'<ec startRef="1"/>',
    b' copyOf="1"',
    b' dataRef="d9"',
    b' isolated="yes"',
    b'<ph x="1">',
    b"</ph>",
    b'<bpt i="1" x="1">',
    b'<ept i="1">',
    b'<it pos="end" x="2">',
    b"</it>",
    b"#. <x1/> code: ",
    b"#. <g2>\xe2\x80\xa6</g2>: ",
    b"\\u0000",
]


@pytest.mark.parametrize("fmt", CODE_FORMATS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_damaged_files_with_codes_give_units_or_an_exchange_error(fmt, data):
    content = bytearray(write(CODED, fmt))
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(content) - 1))
        end = position + data.draw(st.integers(0, 12))
        content[position:end] = data.draw(st.sampled_from(DAMAGE) | st.binary(max_size=3))
    try:
        result = read(bytes(content), fmt)
    except ExchangeError as error:
        assert "\n" not in str(error)
    else:
        for unit in result.units:
            assert "\n" not in unit.error
            if unit.error:
                assert unit.target == ""
            for text in (unit.source, unit.target, unit.note, *(c.open for c in unit.codes)):
                text.encode("utf-8")  # never a lone surrogate
