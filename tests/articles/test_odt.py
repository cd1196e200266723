"""OpenDocument text: the article-format contract, and what an .odt adds (spans merged and
paired, ODF's white space, headers and footers in styles.xml, notes and frames, hostile
packages). Documents are written here as their XML, so every byte of them is known."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.articles import office
from tests.articles.test_contract import MARK, FormatContract
from tests.articles.test_docx import with_members
from tests.helpers import document, translate

NS = " ".join(
    f'xmlns:{p}="{u}"'
    for p, u in (
        ("office", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
        ("style", "urn:oasis:names:tc:opendocument:xmlns:style:1.0"),
        ("text", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
        ("table", "urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
        ("draw", "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"),
        ("fo", "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"),
        ("xlink", "http://www.w3.org/1999/xlink"),
        ("svg", "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"),
        ("officeooo", "http://openoffice.org/2009/office"),
    )
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
AUTOMATIC = (
    '<style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="T2" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>'
    '<style:style style:name="T3" style:family="text"><style:text-properties officeooo:rsid="0012ab34"/></style:style>'
    '<style:style style:name="T4" style:family="text"><style:text-properties fo:font-weight="bold" officeooo:rsid="0099ff00"/></style:style>'
)


def span(text: str, style: str) -> str:
    return f'<text:span text:style-name="{style}">{text}</text:span>'


def p(*content: str, heading: int = 0) -> str:
    if heading:
        return f'<text:h text:style-name="Heading_20_{heading}" text:outline-level="{heading}">{"".join(content)}</text:h>'
    return f'<text:p text:style-name="Standard">{"".join(content)}</text:p>'


def package(body: str, header: str | None = None, footer: str | None = None, lang: str | None = None) -> bytes:
    """An .odt as LibreOffice writes one: mimetype first and stored, the manifest, content,
    styles (the default style's language, a master page with the header and footer given), an
    image and meta.xml."""
    props = f'<style:text-properties fo:language="{lang.split("-")[0]}" fo:country="{lang.split("-")[1]}"/>' if lang else ""
    page = "".join(f"<style:{k}>{v}</style:{k}>" for k, v in (("header", header), ("footer", footer)) if v is not None)
    files = {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        + "".join(
            f'<manifest:file-entry manifest:full-path="{n}" manifest:media-type="{t}"/>'
            for n, t in (
                ("content.xml", "text/xml"),
                ("styles.xml", "text/xml"),
                ("meta.xml", "text/xml"),
                ("Pictures/image1.png", "image/png"),
            )
        )
        + "</manifest:manifest>",
        "content.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {NS} office:version="1.3">'
        f"<office:automatic-styles>{AUTOMATIC}</office:automatic-styles><office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>",
        "styles.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {NS} office:version="1.3"><office:styles>'
        f'<style:default-style style:family="paragraph">{props}</style:default-style></office:styles>'
        '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">'
        f"{page}</style:master-page></office:master-styles></office:document-styles>",
        "meta.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {NS}><office:meta/></office:document-meta>',
        "Pictures/image1.png": PNG,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            stored = name == "mimetype" or name.endswith(".png")
            z.writestr(zipfile.ZipInfo(name, (2025, 2, 7, 10, 0, 0)), content, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


NOTE = (
    '<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
    '<text:note-body><text:p text:style-name="Footnote">Reported by the Office of the President.</text:p></text:note-body></text:note>'
)
FRAME = (
    '<draw:frame draw:name="Box" text:anchor-type="paragraph" svg:width="5cm"><draw:text-box>'
    '<text:p text:style-name="Standard">Inside the text box.</text:p></draw:text-box></draw:frame>'
)
COMMENT = "<office:annotation><text:p>An editor wrote this comment.</text:p></office:annotation>"


def news_body() -> str:
    return "".join(
        (
            p("Zelensky confirms advance in Kursk region", heading=1),
            p(
                '<text:bookmark text:name="lead"/>President Volodymyr Zelensky confirmed a ',
                span("new offensive", "T1"),
                " in Russia's ",
                span("Kursk", "T2"),
                " region.",
                NOTE,
            ),
            p(
                'In a statement to <text:a xlink:type="simple" xlink:href="https://www.reuters.com/">the news agency</text:a>, '
                "he said the operation began on Thursday. It is going well."
            ),
            p("My name ", span("is", "T1"), " Michael."),
            p("Split by LibreOffice ", span("for ", "T3"), "revisions; ", span("bo", "T1"), span("ld", "T4"), " kept whole."),
            '<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/><table:table-row><table:table-cell><text:p>Date</text:p></table:table-cell>'
            "<table:table-cell><text:p>Territory held</text:p></table:table-cell></table:table-row></table:table>",
            p("A box beside the text.", FRAME, COMMENT, " Tabs<text:tab/>and <text:s/>spaces."),
        )
    )


HEADER = p("Rubryka news service")
FOOTER = p('Page <text:page-number text:select-page="current">7</text:page-number> of the report.')


def news_odt(**kw) -> bytes:
    return package(news_body(), HEADER, FOOTER, **kw)


def xml(data: bytes, name: str = "content.xml") -> str:
    return dict(office.members(data))[name].decode("utf-8")


PLAIN = package(p("One short paragraph of plain text."))
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE office:document-content [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    f"<office:document-content {NS}><office:body><office:text><text:p>&d;&d;&d;&d;</text:p></office:text></office:body></office:document-content>"
)
DEEP = (
    f'<?xml version="1.0"?>\n<office:document-content {NS}><office:body><office:text><text:p>'
    + "<text:span>" * 300
    + "Deep."
    + "</text:span>" * 300
)
DEEP += "</text:p></office:text></office:body></office:document-content>"


def hostile_odt() -> tuple[tuple[str, bytes, str], ...]:
    return (
        ("text.odt", b"A plain text file saved as .odt.", "not an OpenDocument text (not a zip archive)"),
        (
            "sheet.odt",
            with_members(PLAIN, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "its mimetype is 'application/vnd.oasis.opendocument.spreadsheet'",
        ),
        (
            "laughs.odt",
            with_members(PLAIN, {"content.xml": LAUGHS.encode()}),
            "'content.xml' has a DOCTYPE or an entity declaration (refused, never expanded)",
        ),
        ("deep.odt", with_members(PLAIN, {"content.xml": DEEP.encode()}), "'content.xml' is nested deeper than 256 levels"),
        ("nocontent.odt", with_members(PLAIN, {"content.xml": None}), "no 'content.xml' in the package"),
        ("ratio.odt", with_members(PLAIN, {"Pictures/zeros.bin": bytes(30_000_000)}), "(a zip bomb?)"),
    )


class TestOdtContract(FormatContract):
    name = "odt"
    samples = {
        # as LibreOffice writes it when no revision split a run (test_runs_split_for_revisions_are_merged)
        "news.odt": package(
            news_body().replace(span("for ", "T3"), "for ").replace(span("bo", "T1") + span("ld", "T4"), span("bold", "T1")), HEADER, FOOTER
        ),
        "plain.odt": package(p("One short paragraph of plain text.")),
    }
    translatable = {
        "news.odt": (
            "Zelensky confirms advance in Kursk region",
            "President Volodymyr Zelensky confirmed a <g1>new offensive</g1> in Russia's <g2>Kursk</g2> region.<x3/>",
            "In a statement to <g1>the news agency</g1>, he said the operation began on Thursday.",
            "My name <g1>is</g1> Michael.",
            "Split by LibreOffice for revisions; <g1>bold</g1> kept whole.",
            "Territory held",
            "Inside the text box.",
            "Reported by the Office of the President.",
            "Rubryka news service",
            "Page <x1/> of the report.",
        )
    }
    untouched = {"news.odt": ("An editor wrote this comment.", "text:page-number", "text:bookmark")}
    hostile = hostile_odt()
    costly = ("cells.odt", package("".join(p(f"Line {n}. More.") for n in range(200))))
    declared = ("de.odt", package(p("Hallo und guten Tag, liebe Freunde."), lang="de-DE"), "de", b'fo:language="uk" fo:country="UA"')
    edit = ("news.odt", "Territory held", "Territory still held")

    def contents(self, data: bytes) -> bytes:
        return b"\n".join(name.encode() + b"\n" + content for name, content in office.members(data))

    def change(self, data: bytes, old: str, new: str) -> bytes:
        files = office.members(data)
        assert sum(content.count(old.encode()) for _, content in files) == 1, old
        return office.rewrite(data, {n: c.replace(old.encode(), new.encode()) for n, c in files if old.encode() in c})


def sentences(tmp_path, body: str) -> list[str]:
    doc = document(tmp_path, package(body), "a.odt")
    return [s.text for b in doc.blocks if not b.keep for s in b.segments]


def pseudo(tmp_path, body: str, fn=lambda s: MARK + s) -> str:
    return xml(translate(tmp_path, package(body), fn, name="a.odt").text)


def test_runs_split_for_revisions_are_merged_and_spans_formatted_alike_are_one_pair(tmp_path):
    body = p("Split by LibreOffice ", span("for ", "T3"), "revisions; ", span("bo", "T1"), span("ld", "T4"), " kept whole.")
    assert sentences(tmp_path, body) == ["Split by LibreOffice for revisions; <g1>bold</g1> kept whole."]
    out = pseudo(tmp_path, body)
    assert f'{MARK}Split by LibreOffice for revisions; <text:span text:style-name="T1">bold</text:span> kept whole.</text:p>' in out


def test_a_named_style_and_a_link_are_pairs(tmp_path):
    body = p('Read <text:span text:style-name="Emphasis">the whole</text:span> <text:a xlink:href="https://example.org/">report</text:a>.')
    doc = document(tmp_path, package(body), "a.odt")
    (seg,) = doc.blocks[0].segments
    assert seg.text == "Read <g1>the whole</g1> <g2>report</g2>." and [s.kind for s in seg.spans] == ["em", "link"]


def test_white_space_is_read_and_written_as_odf_shows_it(tmp_path):
    body = p("  Two\n   lines  folded, ", "<text:s/>", "and", '<text:s text:c="3"/>', "four.")
    assert sentences(tmp_path, body) == ["Two lines folded,  and   four."]
    out = pseudo(tmp_path, body, lambda s: "  Тут   три\tі\nдва  пробіли.")
    assert '<text:p text:style-name="Standard">Тут <text:s text:c="2"/>три і два <text:s/>пробіли.</text:p>' in out


def test_an_engines_markup_is_text_in_the_document(tmp_path):
    out = pseudo(tmp_path, p("Fish &amp; chips."), lambda s: 'Риба & <text:span text:style-name="T1">чіпси</text:span>.')
    assert 'Риба &amp; &lt;text:span text:style-name="T1"&gt;чіпси&lt;/text:span&gt;.</text:p>' in out


def test_a_footnote_in_a_translated_paragraph_is_translated_in_it(tmp_path):
    out = pseudo(tmp_path, p("The report said so.", NOTE, " Then it ended."))
    assert f'<text:note-body><text:p text:style-name="Footnote">{MARK}Reported by the Office of the President.</text:p>' in out
    assert f"{MARK}The report said so.{NOTE.replace('>Reported', f'>{MARK}Reported')} Then it ended.</text:p>" in out  # one sentence


def test_a_comment_and_tracked_deletions_are_left_alone(tmp_path):
    changes = (
        '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info/>'
        "<text:p>Deleted words here.</text:p></text:deletion></text:changed-region></text:tracked-changes>"
    )
    body = changes + p("Kept ", COMMENT, "words.")
    assert sentences(tmp_path, body) == ["Kept <x1/>words."]
    assert "<text:p>An editor wrote this comment.</text:p>" in pseudo(tmp_path, body)


def test_each_paragraph_has_the_kind_of_block_it_is(tmp_path):
    body = (
        p("The title", heading=1)
        + "<text:list><text:list-item><text:p>An item of the list.</text:p></text:list-item></text:list>"
        + "<table:table><table:table-column/><table:table-row><table:table-cell><text:p>A cell.</text:p></table:table-cell></table:table-row></table:table>"
        + p("Said so.", NOTE)
    )
    doc = document(tmp_path, package(body, HEADER, FOOTER), "a.odt")
    assert [(b.kind, b.key) for b in doc.blocks] == [
        ("heading", ""),
        ("list_item", ""),
        ("table_cell", ""),
        ("paragraph", ""),
        ("footnote", ""),
        ("paragraph", "header"),
        ("paragraph", "footer"),
    ]


PIECES = st.sampled_from(
    [
        "Troops moved ",
        span("far", "T1"),
        span(" east", "T2"),
        span(" and ", "T3"),
        span("held. ", "T4"),
        "It ended.",
        "<text:s/>",
        '<text:bookmark text:name="b"/>',
        "<text:tab/>",
        "<text:line-break/>",
        "<text:soft-page-break/>",
        '<text:a xlink:href="https://example.org/">the <text:span text:style-name="T1">report</text:span></text:a>',
        NOTE,
        FRAME,
        COMMENT,
        '<text:page-number text:select-page="current">7</text:page-number>',
    ]
)


def texts_of(xml_text: str) -> list[tuple[str, str]]:
    """Each character a reader sees (the pseudo mark and spaces left out) with the formatting of
    the spans around it (revision-only spans format nothing), comments left out."""
    from lxml import etree

    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    root = etree.fromstring(xml_text.encode())
    formats = {"T1": "bold", "T2": "italic", "T3": "", "T4": "bold"}
    out = []
    for p_ in root.iter(f"{{{text_ns}}}p"):
        if any(a.tag.endswith("}annotation") for a in p_.iterancestors()):
            continue
        for node in p_.xpath(".//text()"):
            parent = node.getparent().getparent() if node.is_tail else node.getparent()  # a tail is its element's parent's
            if any(a is not p_ and a.tag.endswith("}p") for a in parent.iterancestors()) or parent.tag.endswith("}annotation"):
                continue
            if any(a.tag.endswith("}annotation") for a in parent.iterancestors()):
                continue
            fmt = "".join(
                sorted(
                    {
                        formats.get(a.get(f"{{{text_ns}}}style-name"), "?")
                        for a in [parent, *parent.iterancestors()]
                        if a.tag.endswith("}span")
                    }
                    - {""}
                )
            )
            for ch in str(node).replace(MARK.strip(), ""):
                if not ch.isspace():
                    out.append((ch, fmt))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(PIECES, min_size=1, max_size=8), min_size=1, max_size=4))
def test_any_paragraph_keeps_its_text_formatting_and_markup_through_a_translation(paragraphs):
    body = "".join(p(*pieces) for pieces in paragraphs)
    data = package(body)
    with tempfile.TemporaryDirectory() as tmp:
        out = xml(translate(Path(tmp), data, lambda s: MARK + s, name="a.odt").text)
    source = xml(data)
    assert texts_of(out) == texts_of(source)
    for kept in (
        "text:bookmark ",
        "text:tab/",
        "text:line-break",
        "text:note ",
        "draw:frame",
        "office:annotation>",
        "text:page-number",
        "text:a ",
    ):
        assert out.count(kept) == source.count(kept), kept
