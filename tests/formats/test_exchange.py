"""Exchange files for editors: XLIFF 2.0, TMX 1.4 and PO.

Round trips (a real article and arbitrary Unicode), what translate-toolkit's own readers see,
an editor's change coming back, hostile input, and format detection.
"""

from __future__ import annotations

import io
import re
import string
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from translate.storage import factory, pypo, tmx, xliff2

from pipeline import formats
from pipeline.formats import FORMATS, MAX_BYTES, STATES, Exchange, ExchangeError, Unit, codes, detect, from_pieces, read, write

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
ALL = sorted(FORMATS)
XML_FORMATS = ["tmx", "xliff"]

# Sentences from ../shared/data/seed/zelensky-kursk-advance.md, with Markdown added, and Ukrainian.
KURSK = Exchange(
    document="news/zelensky-kursk-advance.md",
    source_lang="en",
    target_lang="uk",
    units=(
        Unit(
            "s1-0-3fa9c1d2e4b5",
            "President Volodymyr Zelensky confirmed that the Ukrainian Armed Forces have launched a new "
            "offensive in Russia's Kursk region.",
            "Президент Володимир Зеленський підтвердив, що Збройні сили України розпочали новий наступ у Курській області Росії.",
            "reviewed",
            "paragraph\nearlier human translation: Президент Зеленський підтвердив наступ.",
        ),
        Unit(
            "s2-0-77a0b1c2d3e4",
            "In an interview with [Reuters](https://www.reuters.com/world/?a=1&b=2), Zelensky stated that "
            "the operation began on Thursday, February 6, and that Ukrainian forces have advanced 2.5 kilometers.",
            "В інтерв'ю [Reuters](https://www.reuters.com/world/?a=1&b=2) Зеленський заявив, що операція "
            "розпочалася в четвер, 6 лютого, і українські сили просунулися на 2,5 кілометра.",
            "translated",
        ),
        Unit(
            "s3-1-0c1d2e3f4a5b",
            'As of February 6, Ukrainian forces continue to hold "hundreds of square kilometers of the '
            'buffer zone" in Russia — `1,100 km²` at first, **460 km²** by the end of the year.',
            "Станом на 6 лютого українські сили продовжують утримувати «сотні квадратних кілометрів "
            "буферної зони» в Росії — спершу `1,100 km²`, **460 km²** наприкінці року.",
            "initial",
            "flag: numbers",
        ),
        Unit("s4-0-aa11bb22cc33", "Фото: Офіс Президента", "", "initial", "  caption  "),
        Unit("s5-0-dd44ee55ff66", "  <b>Sudzha</b> &amp; \\n ]]> <script>alert(1)</script>  ", "Суджа", "final"),
    ),
)


def example(**changes) -> Exchange:
    return Exchange(**{**KURSK.__dict__, **changes})


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALL)
def test_round_trip_of_an_article(fmt):
    data = write(KURSK, fmt)
    assert read(data, fmt) == KURSK
    assert read(data) == KURSK  # detected from the content
    assert read(data, name=f"kursk{FORMATS[fmt].SUFFIX}") == KURSK


@pytest.mark.parametrize("fmt", ALL)
def test_round_trip_uk_to_en_and_no_units(fmt):
    reverse = example(source_lang="uk", target_lang="en", units=(Unit("a", "Привіт, `світе`", "Hello, `world`"),))
    assert read(write(reverse, fmt)) == reverse
    empty = example(units=())
    assert read(write(empty, fmt)) == empty


@pytest.mark.parametrize("fmt", ALL)
def test_writing_is_deterministic(fmt):
    assert write(KURSK, fmt) == write(KURSK, fmt)


# --- what translate-toolkit's own readers see ------------------------------------------------


def test_translate_toolkit_reads_the_xliff2():
    # translate-toolkit 3.20.4 reads XLIFF 2.0 with xliff2.Xliff2File; its factory sends .xlf to the 1.x store.
    store = xliff2.Xliff2File.parsestring(write(KURSK, "xliff"))
    assert (store.getsourcelanguage(), store.gettargetlanguage()) == ("en", "uk")
    assert [(u.getid(), u.source, u.target) for u in store.units] == [(u.id, u.source, u.target) for u in KURSK.units]
    assert [u.isfuzzy() for u in store.units] == [u.state == "initial" and bool(u.target) for u in KURSK.units]
    assert [u.isapproved() for u in store.units] == [u.state in ("reviewed", "final") for u in KURSK.units]


def test_xliff_follows_the_xliff2_structure():
    root = etree.fromstring(write(KURSK, "xliff"))
    q = lambda name: f"{{{XLIFF_NS}}}{name}"  # noqa: E731
    assert root.tag == q("xliff") and root.nsmap[None] == XLIFF_NS
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.0", "en", "uk")
    [file] = root
    assert file.tag == q("file") and file.get("id") and file.get("original") == KURSK.document
    units = file.findall(q("unit"))
    ids = [unit.get("id") for unit in units]
    assert len(set(ids)) == len(ids) == len(KURSK.units)
    assert all(re.fullmatch(r"[\w.:-]+", unit_id) for unit_id in ids)  # NMTOKEN
    for unit in units:
        children = [etree.QName(child).localname for child in unit]
        assert children in (["segment"], ["notes", "segment"])  # notes belong to the unit, before segments
        segment = unit.find(q("segment"))
        assert set(segment.attrib) <= {"id", "canResegment", "state", "subState"}
        assert segment.get("state") in STATES
        assert [etree.QName(child).localname for child in segment] == ["source", "target"]


def test_translate_toolkit_reads_the_tmx():
    data = write(KURSK, "tmx")
    for store in (tmx.tmxfile.parsestring(data), factory.getobject(_named(data, "kursk.tmx"))):
        assert isinstance(store, tmx.tmxfile)
        assert [(u.getid(), u.source, u.target) for u in store.units] == [(u.id, u.source, u.target) for u in KURSK.units]
        assert [u.getnotes() for u in store.units] == [u.note for u in KURSK.units]
    header = etree.fromstring(data).find("header")
    assert {k: header.get(k) for k in ("srclang", "adminlang", "segtype", "datatype")} == {
        "srclang": "en",
        "adminlang": "en",
        "segtype": "sentence",
        "datatype": "plaintext",
    }
    assert header.get("o-tmf") and header.get("creationtool") and header.get("creationtoolversion")


def test_translate_toolkit_reads_the_po():
    data = write(KURSK, "po")
    for store in (pypo.pofile.parsestring(data), factory.getobject(_named(data, "kursk.po"))):
        units = [u for u in store.units if not u.isheader()]
        assert [(u.getcontext(), u.source, u.target) for u in units] == [(u.id, u.source, u.target) for u in KURSK.units]
        assert [u.isfuzzy() for u in units] == [u.state == "initial" and bool(u.target) for u in KURSK.units]
        assert [u.getnotes("translator") for u in units] == [u.note for u in KURSK.units]
        assert store.gettargetlanguage() == "uk"
        header = store.parseheader()
        assert (header["X-Source-Language"], header["X-Document"]) == ("en", KURSK.document)


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


# --- an editor changes a target --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "old", "new"),
    [
        ("xliff", "<target>Суджа</target>", '<target>Суджа &amp; <cp hex="FFFE"/>Курськ</target>'),
        ("tmx", "<seg>Суджа</seg>", '<seg>Суджа &amp; <ph type="x-cp">FFFE</ph>Курськ</seg>'),
        ("po", 'msgstr "Суджа"', 'msgstr "Суджа & \ufffeКурськ"'),
    ],
)
def test_an_edit_in_a_text_editor_comes_back(fmt, old, new):
    data = write(KURSK, fmt)
    assert data.count(old.encode()) == 1
    edited = read(data.replace(old.encode(), new.encode()))
    changed = KURSK.units[-1]
    assert edited.units[-1] == Unit(changed.id, changed.source, "Суджа & \ufffeКурськ", changed.state, changed.note)
    assert edited.units[:-1] == KURSK.units[:-1]


@pytest.mark.parametrize(
    ("fmt", "old", "new"),
    [
        ("xliff", "<target>Суджа</target>", '<target>Суджа<cp hex="0007"/></target>'),
        ("tmx", "<seg>Суджа</seg>", '<seg>Суджа<ph type="x-cp">0007</ph></seg>'),
        ("po", 'msgstr "Суджа"', 'msgstr "Суджа\x07"'),
    ],
)
def test_a_control_character_in_a_target_costs_only_its_unit(fmt, old, new):
    edited = read(write(KURSK, fmt).replace(old.encode(), new.encode()))
    changed = KURSK.units[-1]
    assert edited.units[-1] == Unit(
        changed.id, changed.source, "", changed.state, changed.note, error="the target has the control character U+0007"
    )
    assert edited.units[:-1] == KURSK.units[:-1]


def test_an_edit_in_a_cat_tool_comes_back_xliff():
    root = etree.fromstring(write(KURSK, "xliff"))
    segment = root.find(f".//{{{XLIFF_NS}}}unit[@id='s3-1-0c1d2e3f4a5b']/{{{XLIFF_NS}}}segment")
    segment.find(f"{{{XLIFF_NS}}}target").text = "Нова ціль із `кодом`"
    segment.set("state", "final")
    unit = read(etree.tostring(root, xml_declaration=True, encoding="UTF-8")).units[2]
    assert (unit.target, unit.state, unit.source) == ("Нова ціль із `кодом`", "final", KURSK.units[2].source)


def test_an_edit_in_a_cat_tool_comes_back_po():
    store = pypo.pofile.parsestring(write(KURSK, "po"))
    entry = next(u for u in store.units if u.getcontext() == "s3-1-0c1d2e3f4a5b")
    entry.target = "Нова ціль"
    entry.markfuzzy(False)  # what Poedit does when the editor confirms the entry
    entry = next(u for u in store.units if u.getcontext() == "s4-0-aa11bb22cc33")
    entry.target = "Фото: Офіс Президента України"
    result = read(bytes(store), "po")
    assert (result.units[2].target, result.units[2].state) == ("Нова ціль", "translated")
    assert (result.units[3].target, result.units[3].state) == ("Фото: Офіс Президента України", "translated")
    assert result.units[0].state == "reviewed"  # our own flag survives a CAT tool's rewrite


def test_po_fuzzy_wins_over_our_state_flag():
    data = write(example(units=(Unit("a", "x", "y", "final"),)), "po")
    assert b"x-state-final" in data
    assert read(data.replace(b"#, x-state-final", b"#, fuzzy, x-state-final")).units[0].state == "initial"


# --- arbitrary text --------------------------------------------------------------------------

TRICKY = [
    *"\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\x85\x9f\ufffe\uffff\ud800\udbff\udc00\udfff\ufeff",
    *"\r\n\t \u00a0\u2028\u2029\u200f\u202e\u0301",
    *"\\\"'<>&%#;:,~|`*[]()",
    "]]>",
    "\r\n",
    "<script>",
    "&amp;",
    "%25",
    '\nmsgid "x"',
    "\n# ",
    "🙂",
    "ї",
    "Ґ",
    "\U0001fffe",
]
TEXT = st.lists(st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(TRICKY)), max_size=24).map("".join)
# Source and target: a typed tag is text (the masker's escape), and a target holds no C0 control
# (a reader reports one as the unit's error; see test_a_control_character_in_a_target_costs_only_its_unit).
SOURCES = TEXT.map(lambda text: from_pieces([codes.Text(text)]))
TARGETS = SOURCES.map(lambda text: re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text))
IDS = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=16)
UNITS = st.lists(
    st.builds(Unit, id=IDS, source=SOURCES, target=TARGETS, state=st.sampled_from(STATES), note=TEXT),
    max_size=4,
    unique_by=lambda unit: unit.id,
).map(tuple)
EXCHANGES = st.builds(
    lambda document, langs, units: Exchange(document, *langs, units),
    TEXT,
    st.sampled_from([("en", "uk"), ("uk", "en")]),
    UNITS,
)
FAST = settings(max_examples=150, deadline=None)

_SURROGATE = re.compile("[\ud800-\udfff]")


def expected_after(exchange: Exchange, fmt: str) -> Exchange:
    """What each format promises to give back (see the module docstrings)."""
    fix = lambda text: _SURROGATE.sub("\ufffd", text)  # noqa: E731  (lone surrogates cannot be encoded)
    if fmt == "po":  # the header value is percent-encoded, so exact
        units = tuple(replace(u, id=fix(u.id), source=fix(u.source), target=fix(u.target), note=fix(u.note)) for u in exchange.units)
        return Exchange(exchange.document, exchange.source_lang, exchange.target_lang, units)
    # XML: <cp>/<ph> keep source and target exact; notes and attributes hold text only
    units = tuple(replace(u, source=fix(u.source), target=fix(u.target), note=formats.xml_safe(u.note)) for u in exchange.units)
    return Exchange(formats.xml_safe(exchange.document), exchange.source_lang, exchange.target_lang, units)


@pytest.mark.parametrize("fmt", ALL)
@FAST
@given(exchange=EXCHANGES)
def test_round_trip_of_arbitrary_text(fmt, exchange):
    data = write(exchange, fmt)
    assert read(data, fmt) == expected_after(exchange, fmt)
    assert detect(data) == fmt


@pytest.mark.parametrize("fmt", XML_FORMATS)
@FAST
@given(exchange=EXCHANGES)
def test_xml_output_is_always_well_formed(fmt, exchange):
    etree.fromstring(write(exchange, fmt), parser=etree.XMLParser(resolve_entities=False, recover=False))


@FAST
@given(exchange=EXCHANGES)
def test_po_output_is_always_utf8_that_pypo_reads(exchange):
    data = write(exchange, "po")
    data.decode("utf-8")
    assert len([u for u in pypo.pofile.parsestring(data).units if not u.isheader()]) == len(exchange.units)


@FAST
@given(text=TARGETS.map(lambda text: formats.XML_INVALID.sub("", text)))
def test_text_xml_can_hold_is_exact_in_every_field(text):
    exchange = Exchange(text, "en", "uk", (Unit("a", text, text, "final", text),))
    assert all(read(write(exchange, fmt), fmt) == exchange for fmt in ALL)


CONTROL = "a\x00b\x1b\x0bc\ud800\ufffe"
CONTROL_BACK = "a\x00b\x1b\x0bc\ufffd\ufffe"  # a lone surrogate cannot be encoded: U+FFFD in every format


def test_xliff_writes_cp_for_characters_xml_cannot_hold():
    exchange = example(units=(Unit("a", CONTROL, "\uffff", "translated", CONTROL),))
    data = write(exchange, "xliff")
    assert re.findall(rb'<cp hex="([0-9A-F]+)"/>', data) == [b"0000", b"001B", b"000B", b"FFFE", b"FFFF"]
    back = read(data)
    assert (back.units[0].source, back.units[0].target) == (CONTROL_BACK, "\uffff")
    assert back.units[0].note == "a\ufffdb\ufffd\ufffdc\ufffd\ufffd"  # <note> is text only


def test_tmx_writes_a_placeholder_for_characters_xml_cannot_hold():
    exchange = example(units=(Unit("a", CONTROL, "\uffff", "translated", CONTROL),))
    data = write(exchange, "tmx")
    assert data.count(b'<ph type="x-cp">') == 5
    back = read(data)
    assert (back.units[0].source, back.units[0].target) == (CONTROL_BACK, "\uffff")
    assert back.units[0].note == "a\ufffdb\ufffd\ufffdc\ufffd\ufffd"


def test_po_keeps_control_characters_and_replaces_lone_surrogates():
    exchange = example(document="news/\x00 odd\n%path\ud800.md", units=(Unit("a", CONTROL, "\uffff", "final", CONTROL),))
    back = read(write(exchange, "po"))
    assert back.document == exchange.document
    assert back.units[0] == Unit("a", CONTROL_BACK, "\uffff", "final", CONTROL_BACK)


@pytest.mark.parametrize("fmt", ALL)
@pytest.mark.parametrize(("state", "target"), [(s, t) for s in STATES for t in ("", "x")])
def test_every_state_survives_with_and_without_target(fmt, state, target):
    exchange = example(units=(Unit("a", "x", target, state),))
    assert read(write(exchange, fmt)) == exchange


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "normal"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("uk-UA", "uk"),
        ("UK", "uk"),
        ("uk_UA", "uk"),
        ("de-DE", "de"),
        ("pl_PL", "pl"),
        ("ukr", "ukr"),
    ],
)
def test_language_codes_are_normalised(code, normal):
    assert formats.normalise_lang(code) == normal


def test_region_variants_in_files_are_read_as_en_and_uk():
    xliff = write(KURSK, "xliff").replace(b'srcLang="en" trgLang="uk"', b'srcLang="en-US" trgLang="UK-ua"')
    tmx_data = write(KURSK, "tmx").replace(b'xml:lang="uk"', b'xml:lang="uk-UA"').replace(b'srclang="en"', b'srclang="EN"')
    po = write(KURSK, "po").replace(b"Language: uk\\n", b"Language: uk_UA\\n")
    for data in (xliff, tmx_data, po):
        assert read(data) == KURSK


# --- hostile input ---------------------------------------------------------------------------

PASSWD = Path("/etc/passwd")
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'.encode() for i in range(1, 10))
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE doc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _xliff(body: str, root: str = 'version="2.0" srcLang="en" trgLang="uk"') -> bytes:
    return f'<xliff xmlns="{XLIFF_NS}" {root}><file id="f1" original="a.md">{body}</file></xliff>'.encode()


def _unit(uid: str = "u", source: str = "x", target: str = "y") -> str:
    return f'<unit id="{uid}"><segment><source>{source}</source><target>{target}</target></segment></unit>'


def _tmx(body: str, header: str = 'srclang="en"', props: str = '<prop type="x-document">a.md</prop>') -> bytes:
    return f'<tmx version="1.4"><header {header}>{props}</header><body>{body}</body></tmx>'.encode()


def _tu(uid: str = "u", *tuvs: tuple[str, str]) -> str:
    tuvs = tuvs or (("en", "x"), ("uk", "y"))
    return f'<tu tuid="{uid}">' + "".join(f'<tuv xml:lang="{lang}"><seg>{seg}</seg></tuv>' for lang, seg in tuvs) + "</tu>"


PO_HEADER = 'msgid ""\nmsgstr ""\n"Language: uk\\n"\n"X-Source-Language: en\\n"\n"X-Document: a.md\\n"\n\n'
JUNK = bytes((i * 151 + 17) % 256 for i in range(4096))
DEEP = "<mrk>" * 50_000 + "x" + "</mrk>" * 50_000

HOSTILE = {
    "xliff": [
        ("malformed", _xliff(_unit())[:-10], "malformed XML"),
        ("wrong root", b"<html><body/></html>", "not <xliff>"),
        ("tmx instead", write(KURSK, "tmx"), "not <xliff>"),
        ("xliff 1.2", b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file/></xliff>', "version"),
        ("no version", _xliff(_unit(), 'srcLang="en" trgLang="uk"'), "version"),
        ("billion laughs", BILLION_LAUGHS + _xliff(_unit(source="&lol9;")), "DOCTYPE"),
        ("xxe", XXE + _xliff(_unit(source="&xxe;")), "DOCTYPE"),
        ("external dtd", b'<!DOCTYPE xliff SYSTEM "file:///etc/passwd">' + _xliff(_unit()), "DOCTYPE"),
        ("duplicate id", _xliff(_unit("a") + _unit("a")), "duplicate unit id 'a'"),
        ("missing id", _xliff(_unit("")), "no id"),
        ("two files", _xliff(_unit()).replace(b"</xliff>", b'<file id="f2" original="b.md"/></xliff>'), "one <file>"),
        ("missing target language", _xliff(_unit(), 'version="2.0" srcLang="en"'), "missing target"),
        ("missing source language", _xliff(_unit(), 'version="2.0" trgLang="uk"'), "missing source"),
        ("no original", _xliff(_unit()).replace(b' original="a.md"', b""), "original"),
        ("huge depth", _xliff(_unit(source=DEEP)), "depth"),
        ("junk", JUNK, "malformed XML"),
        ("empty", b"", "malformed XML"),
    ],
    "tmx": [
        ("malformed", _tmx(_tu())[:-7], "malformed XML"),
        ("wrong root", b"<html/>", "not <tmx>"),
        ("xliff instead", write(KURSK, "xliff"), "not <tmx>"),
        ("tmx 1.1", _tmx(_tu()).replace(b'version="1.4"', b'version="1.1"'), "version"),
        ("billion laughs", BILLION_LAUGHS + _tmx(_tu("u", ("en", "&lol9;"), ("uk", "y"))), "DOCTYPE"),
        ("xxe", XXE + _tmx(_tu("u", ("en", "&xxe;"))), "DOCTYPE"),
        ("tmx14 doctype", b'<!DOCTYPE tmx SYSTEM "tmx14.dtd">' + _tmx(_tu()), "DOCTYPE"),
        ("duplicate id", _tmx(_tu("a") + _tu("a")), "duplicate unit id 'a'"),
        ("missing id", _tmx(_tu("")), "no tuid"),
        ("two pairs", _tmx(_tu("a", ("en", "x"), ("uk", "y")) + _tu("b", ("en", "x"), ("de", "y"))), "more than one target"),
        (
            "pair against header",
            _tmx(_tu(), props='<prop type="x-document">a</prop><prop type="x-target-language">de</prop>'),
            "more than one target",
        ),
        ("missing source language", _tmx(_tu(), header='adminlang="en"'), "missing source"),
        ("all languages", _tmx(_tu(), header='srclang="*all*"'), "*all*"),
        ("missing target language", _tmx(_tu("u", ("en", "x"))), "missing target"),
        ("no document", _tmx(_tu(), props=""), "x-document"),
        ("no body", b'<tmx version="1.4"><header srclang="en"/></tmx>', "<body>"),
        ("bad header prop", _tmx(_tu(), props='<prop type="x-document">a<ph type="x-cp">zz</ph></prop>'), "header: bad code point"),
        ("huge depth", _tmx(_tu("u", ("en", DEEP.replace("mrk", "hi")), ("uk", "y"))), "depth"),
        ("junk", JUNK, "malformed XML"),
    ],
    "po": [
        ("no header", b'msgctxt "a"\nmsgid "x"\nmsgstr "y"\n', "no PO header"),
        ("no document", PO_HEADER.replace('"X-Document: a.md\\n"\n', "").encode(), "X-Document"),
        ("missing target language", PO_HEADER.replace('"Language: uk\\n"\n', "").encode(), "Language"),
        ("missing source language", PO_HEADER.replace('"X-Source-Language: en\\n"\n', "").encode(), "X-Source-Language"),
        ("empty language", PO_HEADER.replace("Language: uk", "Language: ").encode(), "missing target"),
        (
            "duplicate id",
            (PO_HEADER + 'msgctxt "a"\nmsgid "x"\nmsgstr ""\n\nmsgctxt "a"\nmsgid "y"\nmsgstr ""\n').encode(),
            "duplicate unit id 'a'",
        ),
        ("missing id", (PO_HEADER + 'msgid "x"\nmsgstr ""\n').encode(), "no msgctxt"),
        ("bad utf-8", (PO_HEADER + 'msgctxt "a"\nmsgid "').encode() + b'\xff\xfe"\nmsgstr ""\n', "not a readable PO file"),
        ("unknown charset", b'msgid ""\nmsgstr "Content-Type: text/plain; charset=bogus\\n"\n', "not a readable PO file"),
        ("junk", JUNK, "not a readable PO file"),
        ("xml", write(KURSK, "xliff"), "not a readable PO file"),
        ("nul", b"\x00" * 1000, "not a readable PO file"),
        ("empty", b"", "no PO header"),
    ],
}


@pytest.mark.parametrize(
    ("fmt", "data", "reason"),
    [pytest.param(fmt, data, reason, id=f"{fmt}-{case}") for fmt, cases in HOSTILE.items() for case, data, reason in cases],
)
def test_hostile_input_is_rejected_with_one_line(fmt, data, reason):
    started = time.monotonic()
    with pytest.raises(ExchangeError) as caught:
        read(data, fmt)
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message and message.isprintable()
    assert time.monotonic() - started < 2


# Problems confined to one unit: that unit comes back with `error` set, its neighbours intact.
UNIT_PROBLEMS = {
    "xliff": [
        ("other language", _unit("u").replace("<target>", '<target xml:lang="de">'), "xml:lang 'de' is not the file's language pair"),
        ("two targets", _unit("u", target="y</target><target>z"), "at most one <target>"),
        ("no source", '<unit id="u"><segment><target>y</target></segment></unit>', "one <source>"),
        ("two segments", '<unit id="u"><segment><source>a</source></segment><segment><source>b</source></segment></unit>', "one <segment>"),
        ("ignorable", '<unit id="u"><segment><source>a</source></segment><ignorable><source> </source></ignorable></unit>', "<ignorable>"),
        ("bad state", _unit("u").replace("<segment>", '<segment state="done">'), "unknown state 'done'"),
        ("bad cp", _unit("u", source='<cp hex="110000"/>'), "bad code point '110000'"),
        ("junk cp", _unit("u", source='<cp hex="-1"/>'), "bad code point '-1'"),
        ("surrogate cp", _unit("u", target='<cp hex="DBFF"/>'), "code point 'DBFF' is a surrogate"),
        (
            "bad cp in a note",
            '<unit id="u"><notes><note><cp hex="zz"/></note></notes><segment><source>x</source></segment></unit>',
            "bad code point",
        ),
        ("foreign element", _unit("u", source='<b xmlns="urn:x">x</b>'), "unsupported inline element <b>"),
        ("control in target", _unit("u", target='y<cp hex="001B"/>'), "the target has the control character U+001B"),
        ("nul in target", _unit("u", target='<cp hex="0"/>'), "control character U+0000"),
        # inline codes
        ("code the target invents", _unit("u", target='y<ph id="1"/>'), "the target has the code id '1', which the source does not have"),
        ("code id not a number", _unit("u", source='<ph id="a"/>'), "code id 'a' is not a tag number"),
        ("code id zero", _unit("u", source='<ph id="0"/>'), "code id '0' is not a tag number"),
        ("missing data", _unit("u", source='<ph id="1" dataRef="d9"/>'), "data reference 'd9' names no <data>"),
        ("end without start", _unit("u", source='a<ec startRef="1"/>'), "<ec startRef='1'> closes no open <sc>"),
        ("start without end", _unit("u", source='<sc id="1"/>a'), "<sc id='1'> has no <ec>"),
        ("two open starts", _unit("u", source='<sc id="1"/><sc id="1"/><ec startRef="1"/>'), "two open <sc> with id '1'"),
        ("atom and pair", _unit("u", source='<ph id="1"/><pc id="1">a</pc>'), "code 1 is both an atom and a pair"),
        (
            "wrong sort in target",
            _unit("u", source='<ph id="1"/>', target='<pc id="1">y</pc>'),
            "the target has the tag <g1>, but code 1 is an atom",
        ),
        ("unknown element in a code", _unit("u", source='<pc id="1"><b/></pc>'), "unsupported inline element <b>"),
        (
            "bad original data",
            '<unit id="u"><originalData><b/></originalData><segment><source>x</source></segment></unit>',
            "<originalData> holds",
        ),
        (
            "two data",
            '<unit id="u"><originalData><data id="d1"/><data id="d1"/></originalData><segment><source>x</source></segment></unit>',
            "two <data> with id 'd1'",
        ),
        (
            "surrogate in data",
            '<unit id="u"><originalData><data id="d1"><cp hex="D800"/></data></originalData><segment><source><ph id="1" dataRef="d1"/></source></segment></unit>',
            "surrogate",
        ),
    ],
    "tmx": [
        ("third language", _tu("u", ("en", "x"), ("uk", "y"), ("de", "z")), "more than one language pair"),
        ("no source variant", _tu("u", ("uk", "y")), "no <tuv> in the source language 'en'"),
        ("two source variants", _tu("u", ("en", "x"), ("en", "z"), ("uk", "y")), "two <tuv> for 'en'"),
        ("no lang", '<tu tuid="u"><tuv><seg>x</seg></tuv></tu>', "a <tuv> has no xml:lang"),
        ("no seg", '<tu tuid="u"><tuv xml:lang="en"/></tu>', "a <tuv> has no <seg>"),
        ("other srclang", _tu("u").replace('<tu tuid="u">', '<tu tuid="u" srclang="de">'), "srclang 'de' differs"),
        ("bad state", _tu("u").replace('<tu tuid="u">', '<tu tuid="u"><prop type="x-state">done</prop>'), "unknown state 'done'"),
        ("bad placeholder", _tu("u", ("en", '<ph type="x-cp">zz</ph>'), ("uk", "y")), "bad code point 'zz'"),
        ("surrogate placeholder", _tu("u", ("en", "x"), ("uk", '<ph type="x-cp">DC00</ph>')), "surrogate"),
        ("foreign element", _tu("u", ("en", "<ut>x</ut>"), ("uk", "y")), "unsupported inline element <ut>"),
        ("control in target", _tu("u", ("en", "x"), ("uk", 'y<ph type="x-cp">1B</ph>')), "control character U+001B"),
        # inline codes
        (
            "native code without x",
            _tu("u", ("en", '<bpt i="1">&lt;b&gt;</bpt>x<ept i="1">&lt;/b&gt;</ept>'), ("uk", "y")),
            "a <bpt> has no x",
        ),
        ("placeholder without x", _tu("u", ("en", "<ph>{0}</ph>"), ("uk", "y")), "a <ph> has no x"),
        ("isolated code without x", _tu("u", ("en", '<it pos="begin">*</it>x'), ("uk", "y")), "a <it> has no x"),
        ("x not a number", _tu("u", ("en", '<ph x="a">`a`</ph>'), ("uk", "y")), "x is not a tag number"),
        ("start without end", _tu("u", ("en", '<bpt i="1" x="1">*</bpt>x'), ("uk", "y")), "<bpt i='1'> has no <ept>"),
        ("end without start", _tu("u", ("en", 'x<ept i="1">*</ept>'), ("uk", "y")), "<ept i='1'> closes no open <bpt>"),
        (
            "two open starts",
            _tu("u", ("en", '<bpt i="1" x="1">*</bpt><bpt i="1" x="1">*</bpt><ept i="1">*</ept>'), ("uk", "y")),
            "two open <bpt> with i='1'",
        ),
        ("bad isolated position", _tu("u", ("en", '<it pos="middle" x="1">*</it>'), ("uk", "y")), "pos='middle'"),
        ("sub in native code", _tu("u", ("en", '<ph x="1">a<sub>b</sub></ph>'), ("uk", "y")), "<sub> is not supported"),
        (
            "code the target invents",
            _tu("u", ("en", "x"), ("uk", 'y<ph x="1">`a`</ph>')),
            "the target has the tag <x1/>, but the source has no code 1",
        ),
        (
            "atom and pair",
            _tu("u", ("en", '<ph x="1">a</ph><bpt i="1" x="1">*</bpt>b<ept i="1">*</ept>'), ("uk", "y")),
            "code 1 is both an atom and a pair",
        ),
        (
            "wrong sort in target",
            _tu("u", ("en", '<ph x="1">a</ph>'), ("uk", '<bpt i="1" x="1">*</bpt>y<ept i="1">*</ept>')),
            "the target has the tag <g1>, but code 1 is an atom",
        ),
    ],
    "po": [
        ("plural", 'msgctxt "u"\nmsgid "x"\nmsgid_plural "xs"\nmsgstr[0] ""\n', "plural entries are not supported"),
        ("two state flags", '#, x-state-final, x-state-reviewed\nmsgctxt "u"\nmsgid "x"\nmsgstr "y"\n', "conflicting state flags"),
        ("control in target", 'msgctxt "u"\nmsgid "x"\nmsgstr "y\x1b"\n', "control character U+001B"),
        # tags (text in PO)
        (
            "tag the target invents",
            'msgctxt "u"\nmsgid "x <x1/>"\nmsgstr "y <x1/> <g2>z</g2>"\n',
            "the target has the tag <g2>, but the source has no code 2",
        ),
        ("tag zero", 'msgctxt "u"\nmsgid "x <x0/>"\nmsgstr ""\n', "the source has the tag <x0/>; tag numbers start at 1"),
        ("atom and pair", 'msgctxt "u"\nmsgid "<x1/> <g1>x</g1>"\nmsgstr ""\n', "code 1 is both an atom and a pair"),
        (
            "wrong sort in target",
            'msgctxt "u"\nmsgid "<x1/> x"\nmsgstr "<g1>y</g1>"\n',
            "the target has the tag <g1>, but code 1 is an atom",
        ),
    ],
}
GOOD = {
    "xliff": (lambda bad: _xliff(_unit("ok") + bad), Unit("ok", "x", "y", "initial")),
    "tmx": (lambda bad: _tmx(_tu("ok") + bad), Unit("ok", "x", "y", "translated")),
    "po": (lambda bad: (PO_HEADER + 'msgctxt "ok"\nmsgid "x"\nmsgstr "y"\n\n' + bad).encode(), Unit("ok", "x", "y", "translated")),
}


@pytest.mark.parametrize(
    ("fmt", "bad", "reason"),
    [pytest.param(fmt, bad, reason, id=f"{fmt}-{case}") for fmt, cases in UNIT_PROBLEMS.items() for case, bad, reason in cases],
)
def test_a_bad_unit_costs_only_itself(fmt, bad, reason):
    build, good = GOOD[fmt]
    exchange = read(build(bad), fmt)
    assert [unit.id for unit in exchange.units] == ["ok", "u"]
    assert exchange.units[0] == good
    unit = exchange.units[1]
    assert reason in unit.error and "\n" not in unit.error and unit.error.isprintable()
    assert unit.target == ""


DAMAGE = [b"<", b">", b"&", b'"', b"\\", b"\n", b"\x00", b"\xff", b"]]>", b"<x>", b"&#1;", b"<cp hex='1'/>", b"#, fuzzy\n", b"msgctxt "]


@pytest.mark.parametrize("fmt", ALL)
@FAST
@given(data=st.data())
def test_damaged_files_give_an_exchange_or_an_exchange_error(fmt, data):
    content = bytearray(write(KURSK, fmt))
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(content) - 1))
        end = position + data.draw(st.integers(0, 12))
        content[position:end] = data.draw(st.sampled_from(DAMAGE) | st.binary(max_size=3))
    try:
        result = read(bytes(content), fmt)
    except ExchangeError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(result, Exchange)


@pytest.mark.parametrize("fmt", ALL)
def test_files_over_the_size_cap_are_refused_before_parsing(fmt):
    data = write(KURSK, fmt)
    with pytest.raises(ExchangeError, match="larger than 50 MB"):
        read(data + b" " * (MAX_BYTES - len(data) + 1), fmt)
    with pytest.raises(ExchangeError, match="larger than 50 MB"):
        read(data + b" " * (MAX_BYTES - len(data) + 1))


@pytest.mark.skipif(not PASSWD.exists(), reason="needs /etc/passwd")
@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_external_entities_are_never_fetched_even_past_the_doctype_check(fmt, monkeypatch):
    secret = PASSWD.read_text(errors="replace").splitlines()[0]
    doc = XXE + (_xliff(_unit(source="&xxe;")) if fmt == "xliff" else _tmx(_tu("u", ("en", "&xxe;"), ("uk", "y"))))
    with pytest.raises(ExchangeError) as caught:
        read(doc, fmt)
    assert secret not in str(caught.value)
    # Defence in depth: without the expat pre-check, lxml's parser neither loads nor expands it.
    monkeypatch.setattr(formats.base, "xml_root_name", lambda data: "")
    with pytest.raises(ExchangeError) as caught:
        read(doc, fmt)
    assert secret not in str(caught.value)


def test_text_is_not_accepted_instead_of_bytes():
    with pytest.raises(TypeError):
        read(write(KURSK, "po").decode(), "po")


def test_invalid_data_is_refused_when_building():
    with pytest.raises(ValueError, match="state"):
        Unit("a", "x", "y", "done")
    with pytest.raises(ValueError, match="duplicate"):
        Exchange("a.md", "en", "uk", (Unit("a", "x", "y"), Unit("a", "z", "w")))


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALL)
def test_format_is_detected_from_content_over_the_name(fmt):
    data = write(KURSK, fmt)
    assert detect(data) == fmt
    for other in ALL:
        assert detect(data, f"misnamed{FORMATS[other].SUFFIX}") == fmt


def test_detection_of_variants_and_hints():
    assert detect("\ufeff<?xml version='1.0'?>\n<tmx version='1.4'/>".encode()) == "tmx"
    assert detect(b"\n  <!-- exported -->\n<tmx version='1.4'/>") == "tmx"
    assert detect('<?xml version="1.0" encoding="UTF-16"?><xliff/>'.encode("utf-16")) == "xliff"
    assert detect(b'\xef\xbb\xbf# translator comment\nmsgid ""\nmsgstr ""\n') == "po"
    assert detect(JUNK, "article.po") == "po"  # the name decides only when the content cannot
    assert detect(b"", "article.XLF") == "xliff"
    with pytest.raises(ExchangeError, match="cannot tell"):
        detect(JUNK)
    with pytest.raises(ExchangeError, match="unknown XML root element <html>"):
        detect(b"<html/>", "article.xlf")
    with pytest.raises(ExchangeError, match="DOCTYPE"):
        detect(XXE + b"<tmx/>")


def test_formats_table():
    assert {name: module.SUFFIX for name, module in FORMATS.items()} == {"xliff": ".xlf", "tmx": ".tmx", "po": ".po"}
    assert formats.SUFFIXES == {"xliff": ".xlf", "tmx": ".tmx", "po": ".po"}
    with pytest.raises(ValueError, match="unknown exchange format"):
        write(KURSK, "docx")


def test_a_unit_read_with_an_error_is_not_written_again():
    broken = read(_xliff(_unit("ok") + _unit("u", source='<cp hex="zz"/>')))
    for fmt in ALL:
        with pytest.raises(ValueError, match="unit 'u' was read with an error"):
            write(broken, fmt)
