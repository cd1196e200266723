"""Word documents: the article-format contract, and what a .docx adds (runs merged and paired,
headers, footers, footnotes, text boxes, fields, the package rewritten part by part, hostile
packages). Documents are written here as their XML, so every byte of them is known."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.articles import office
from tests.articles.test_contract import MARK, FormatContract
from tests.helpers import document, translate

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = f'xmlns:w="{W}" xmlns:r="{R}"'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."


def run(text: str, props: str = "", attrs: str = "") -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f"<w:r{attrs}>{rpr}<w:t{space}>{text}</w:t></w:r>"


def paragraph(*runs: str, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def part(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{root} {NS}>{body}</w:{root}>'


def package(
    body: str,
    header: str | None = None,
    footer: str | None = None,
    footnotes: str | None = None,
    lang: str | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A .docx as Word writes one: the document, its relationships, styles, an image, and the
    header, footer and footnotes given (each a part's paragraphs)."""
    rels = [("rId1", "styles", "styles.xml"), ("rId2", "image", "media/image1.png")]
    overrides = [("/word/document.xml", "document.main+xml"), ("/word/styles.xml", "styles+xml")]
    parts: dict[str, str | bytes] = {}
    for rid, kind, text, root in (("rId3", "header", header, "hdr"), ("rId4", "footer", footer, "ftr")):
        if text is not None:
            rels.append((rid, kind, f"{kind}1.xml"))
            overrides.append((f"/word/{kind}1.xml", f"{kind}+xml"))
            parts[f"word/{kind}1.xml"] = part(root, text)
    if footnotes is not None:
        rels.append(("rId5", "footnotes", "footnotes.xml"))
        overrides.append(("/word/footnotes.xml", "footnotes+xml"))
        separator = '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        parts["word/footnotes.xml"] = part("footnotes", separator + footnotes)
    sect = "".join(f'<w:{k}Reference w:type="default" r:id="{rid}"/>' for rid, k, _ in rels if k in ("header", "footer"))
    lang_xml = f'<w:lang w:val="{lang}"/>' if lang else ""
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{CT}{t}"/>' for n, t in overrides)
        + "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": part("document", f"<w:body>{body}<w:sectPr>{sect}</w:sectPr></w:body>"),
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="{i}" Type="{REL}{k}" Target="{t}"/>' for i, k, t in rels)
        + f'<Relationship Id="rId9" Type="{REL}hyperlink" Target="https://www.reuters.com/" TargetMode="External"/>'
        + "</Relationships>",
        "word/styles.xml": part(
            "styles",
            f'<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/>{lang_xml}</w:rPr></w:rPrDefault></w:docDefaults>'
            '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>',
        ),
        "word/media/image1.png": PNG,
        **parts,
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(
                zipfile.ZipInfo(name, (2025, 2, 7, 10, 0, 0)),
                content,
                zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def drawing(inner: str) -> str:
    """A text box as Word writes one: a drawing whose shape holds paragraphs."""
    return (
        f'<w:r><w:drawing><wp:anchor xmlns:wp="{WP}"><a:graphic xmlns:a="{A}"><a:graphicData>'
        f'<wps:wsp xmlns:wps="{WPS}"><wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp>'
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"
    )


HYPERLINK = '<w:rStyle w:val="Hyperlink"/>'
FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
)


def news_body() -> str:
    return "".join(
        (
            paragraph(run("Zelensky confirms advance in Kursk region"), style="Heading1"),
            paragraph(
                '<w:bookmarkStart w:id="0" w:name="lead"/>',
                run("President Volodymyr Zelensky confirmed a "),
                run("new offensive", "<w:b/>"),
                run(" in Russia's "),
                run("Kursk", "<w:i/>"),
                run(" region."),
                '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="1"/></w:r>',
                '<w:bookmarkEnd w:id="0"/>',
            ),
            paragraph(
                run("In a statement to "),
                f'<w:hyperlink r:id="rId9">{run("the news agency", HYPERLINK)}</w:hyperlink>',
                run(", he said the operation began on Thursday. It is going well."),
            ),
            paragraph(run("My name "), run("is", "<w:b/>"), run(" Michael.")),
            '<w:tbl><w:tblGrid><w:gridCol w:w="4000"/><w:gridCol w:w="4000"/></w:tblGrid><w:tr><w:tc><w:p>'
            + run("Date")
            + "</w:p></w:tc><w:tc><w:p>"
            + run("Territory held")
            + "</w:p></w:tc></w:tr></w:tbl>",
            paragraph(run("A box beside the text."), drawing(paragraph(run("Inside the text box.")))),
        )
    )


HEADER = paragraph(run("Rubryka news service"))
FOOTER = paragraph(run("Page "), FIELD, run(" of the report."))
FOOTNOTES = '<w:footnote w:id="1">' + paragraph(run("Reported by the Office of the President.")) + "</w:footnote>"


def news_docx(**kw) -> bytes:
    return package(news_body(), HEADER, FOOTER, FOOTNOTES, **kw)


def xml(data: bytes, name: str = "word/document.xml") -> str:
    return dict(office.members(data))[name].decode("utf-8")


def sentences(tmp_path, body: str) -> list[str]:
    doc = document(tmp_path, package(body), "a.docx")
    return [s.text for b in doc.blocks if not b.keep for s in b.segments]


def pseudo(tmp_path, body: str, fn=lambda s: MARK + s, **kw) -> str:
    return xml(translate(tmp_path, package(body, **kw), fn, name="a.docx").text)


def test_a_sentence_with_one_bold_word_is_one_sentence_and_comes_back_with_its_run(tmp_path):
    body = paragraph(run("My name "), run("is", "<w:b/>"), run(" Michael."))
    doc = document(tmp_path, package(body), "a.docx")
    (block,) = doc.blocks
    assert [s.text for s in block.segments] == ["My name <g1>is</g1> Michael."]
    assert (block.segments[0].spans[0].source, block.segments[0].spans[0].close) == ("<w:r><w:rPr><w:b/></w:rPr>", "</w:r>")
    out = pseudo(tmp_path, body, lambda s: "Мене <g1>звуть</g1> Михайло.")
    assert (
        '<w:p><w:r><w:t xml:space="preserve">Мене </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>звуть</w:t></w:r><w:r><w:t xml:space="preserve"> Михайло.</w:t></w:r></w:p>'
        in out
    )


def test_runs_split_by_spell_checking_and_revisions_are_one_text(tmp_path):
    body = paragraph(
        run("The offen", attrs=' w:rsidR="00A1" w:rsidRPr="00B2"'),
        '<w:proofErr w:type="spellStart"/>',
        run("sive began", "<w:noProof/>", attrs=' w:rsidR="00C3"'),
        '<w:proofErr w:type="spellEnd"/><w:r><w:lastRenderedPageBreak/></w:r>',
        run(" on Thursday.", '<w:lang w:val="en-GB"/>', attrs=' w:rsidR="00D4"'),
    )
    assert sentences(tmp_path, body) == ["The offensive began on Thursday."]
    out = pseudo(tmp_path, body)
    assert f'<w:p><w:r w:rsidR="00A1" w:rsidRPr="00B2"><w:t>{MARK}The offensive began on Thursday.</w:t></w:r></w:p>' in out


def test_what_a_sentence_holds_besides_text_is_one_atom_each_and_kept(tmp_path):
    body = paragraph(
        run("See the chart"),
        "<w:r><w:tab/></w:r><w:r><w:br/></w:r>",
        run("on page "),
        FIELD,
        run(" and the photo"),
        '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"/></w:drawing></w:r>',
        run(" below. "),
        '<w:bookmarkStart w:id="3" w:name="mid"/><w:bookmarkEnd w:id="3"/>',
        run("It was taken in "),
        '<m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"><m:r><m:t>x</m:t></m:r></m:oMath>',
        run("."),
    )
    assert sentences(tmp_path, body) == [
        "See the chart<x1/><x2/>on page <x3/> and the photo<x4/> below.",
        "<x1/><x2/>It was taken in <x3/>.",
    ]
    out = pseudo(tmp_path, body, lambda s: s.replace("photo", "picture"))
    for kept in (
        FIELD,
        "<w:r><w:tab/></w:r>",
        "<w:r><w:br/></w:r>",
        '<w:bookmarkStart w:id="3" w:name="mid"/>',
        "<m:t>x</m:t>",
        "<wp:inline",
    ):
        assert kept in out, kept
    assert "and the picture" in out


def test_a_hyperlink_an_insertion_and_a_content_control_are_pairs_around_their_words(tmp_path):
    body = paragraph(
        run("Read "),
        f'<w:hyperlink r:id="rId9">{run("the full ", HYPERLINK)}{run("report", HYPERLINK + "<w:b/>")}</w:hyperlink>',
        run(" and "),
        '<w:ins w:id="1" w:author="Olena" w:date="2025-02-07T10:00:00Z">' + run("the new") + "</w:ins>",
        run(" note in "),
        '<w:sdt><w:sdtPr><w:alias w:val="Place"/></w:sdtPr><w:sdtContent>' + run("Kyiv") + "</w:sdtContent></w:sdt>",
        run("."),
    )
    assert sentences(tmp_path, body) == ["Read <g1>the full <g2>report</g2></g1> and <g3>the new</g3> note in <g4>Kyiv</g4>."]
    out = pseudo(tmp_path, body, lambda s: s.replace("the full", "all the"))
    assert f'<w:hyperlink r:id="rId9"><w:r><w:rPr>{HYPERLINK}</w:rPr><w:t xml:space="preserve">all the </w:t></w:r>' in out
    assert f"<w:r><w:rPr>{HYPERLINK}<w:b/></w:rPr><w:t>report</w:t></w:r></w:hyperlink>" in out
    assert '<w:ins w:id="1" w:author="Olena" w:date="2025-02-07T10:00:00Z"><w:r><w:t>the new</w:t></w:r></w:ins>' in out
    assert '<w:sdt><w:sdtPr><w:alias w:val="Place"/></w:sdtPr><w:sdtContent><w:r><w:t>Kyiv</w:t></w:r></w:sdtContent></w:sdt>' in out


def test_a_table_of_contents_field_across_paragraphs_is_kept(tmp_path):
    begin = '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    body = (
        paragraph(begin, run("Introduction\t1"))
        + paragraph(run("Findings\t2"))
        + paragraph(run("Sources\t3"), '<w:r><w:fldChar w:fldCharType="end"/></w:r>', run(" After the index."))
        + paragraph(run("The report follows."))
    )
    assert sentences(tmp_path, body) == ["After the index.", "The report follows."]
    out = pseudo(tmp_path, body)
    assert "<w:t>Findings\t2</w:t>" in out and f"{MARK}After the index." in out


def test_an_engines_markup_is_text_in_the_document(tmp_path):
    out = pseudo(tmp_path, paragraph(run("Fish &amp; chips.")), lambda s: "Риба & <w:t>чіпси</w:t> ]]> \x01.")
    assert "<w:t>Риба &amp; &lt;w:t&gt;чіпси&lt;/w:t&gt; ]]&gt; .</w:t>" in out
    from lxml import etree

    etree.fromstring(out.encode())


def test_tags_an_engine_lost_are_translated_in_pieces_and_the_runs_kept(tmp_path):
    body = paragraph(run("My name "), run("is", "<w:b/>"), run(" Michael."))
    out = pseudo(tmp_path, body, lambda s: MARK + s.replace("<g1>", "").replace("</g1>", ""))
    assert out.count("<w:b/>") == 1 and "<w:t>" + MARK + "is</w:t>" in out


def test_the_declared_language_and_each_runs_language_are_set_to_the_target(tmp_path):
    body = paragraph(run("Hello there, friends.", '<w:lang w:val="en-GB" w:eastAsia="zh-CN"/>'))
    data = package(body, lang="en-US")
    doc = document(tmp_path, data, "a.docx", lang=None)
    assert doc.source_lang == "en"
    out = translate(tmp_path, data, lambda s: MARK + s, name="a.docx").text
    assert '<w:lang w:val="uk-UA" w:eastAsia="zh-CN"/>' in xml(out)
    assert '<w:lang w:val="uk-UA"/>' in xml(out, "word/styles.xml")


def test_a_paragraph_translated_as_it_was_keeps_its_runs_as_they_were(tmp_path):
    body = paragraph(run("Split ", attrs=' w:rsidR="00A1"'), run("here.", attrs=' w:rsidR="00B2"')) + paragraph(run("Changed."))
    data = package(body)
    out = translate(tmp_path, data, lambda s: s.replace("Changed", "Змінено"), name="a.docx").text
    assert paragraph(run("Split ", attrs=' w:rsidR="00A1"'), run("here.", attrs=' w:rsidR="00B2"')) in xml(out)
    assert translate(tmp_path, data, lambda s: s, name="a.docx").text == data


def with_members(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The package with members replaced, added or (None) removed, compressed as the rest."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            if info.filename in changes:
                content = changes.pop(info.filename)
                if content is not None:
                    z.writestr(info, content)
            else:
                z.writestr(info, source.read(info))
        for name, content in changes.items():
            if content is not None:
                z.writestr(name, content)
    return out.getvalue()


def declared_sizes(data: bytes, size: int) -> bytes:
    """The package with every member's size in the central directory said to be ``size``: a
    header that lies, as a bomb's may."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        out[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


PLAIN = package(paragraph(run("One short paragraph of plain text.")))
ENTITIES = (
    '<?xml version="1.0"?>\n<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    f"<w:document {NS}><w:body><w:p><w:r><w:t>&b;&b;&b;</w:t></w:r></w:p></w:body></w:document>"
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f"<w:document {NS}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)
DEEP = (
    f'<?xml version="1.0"?>\n<w:document {NS}><w:body>'
    + "<w:sdt><w:sdtContent>" * 300
    + "</w:sdtContent></w:sdt>" * 300
    + "</w:body></w:document>"
)


def hostile_docx() -> tuple[tuple[str, bytes, str], ...]:
    many = with_members(PLAIN, {f"word/media/x{n}.bin": b"" for n in range(office.MAX_MEMBERS)})
    bomb = with_members(PLAIN, {"word/media/zeros.bin": bytes(30_000_000)})
    return (
        ("text.docx", b"This is a plain text file saved as .docx, not a zip.", "not a Word document (not a zip archive)"),
        ("truncated.docx", PLAIN[: len(PLAIN) // 2], "not a Word document (not a zip archive)"),
        ("many.docx", many, f"refused: {office.MAX_MEMBERS + len(office.members(PLAIN)):,} members in the zip"),
        ("ratio.docx", bomb, "unpacks 1,0"),  # 30 MB of zeros packed into ~29 KB
        ("total.docx", declared_sizes(with_members(PLAIN, {f"m{n}": b"x" for n in range(60)}), 9_000_000), "unpacks to more than 512 MB"),
        ("lies.docx", declared_sizes(PLAIN, 5), "cannot unpack '_rels/.rels': Bad CRC-32"),  # read to its declared size only
        ("entities.docx", with_members(PLAIN, {"word/document.xml": ENTITIES.encode()}), "has a DOCTYPE or an entity declaration"),
        ("external.docx", with_members(PLAIN, {"word/document.xml": EXTERNAL.encode()}), "refused, never expanded"),
        ("deep.docx", with_members(PLAIN, {"word/document.xml": DEEP.encode()}), "'word/document.xml' is nested deeper than 256 levels"),
        (
            "tags.docx",
            with_members(PLAIN, {"word/document.xml": part("document", "<w:p/>" * office.MAX_TAGS).encode()}),
            "more than 1,000,000 XML tags",
        ),
        ("nodoc.docx", with_members(PLAIN, {"word/document.xml": None}), "no 'word/document.xml' in the package"),
        ("norels.docx", with_members(PLAIN, {"_rels/.rels": None}), "no '_rels/.rels' in the package"),
        ("latin1.docx", with_members(PLAIN, {"word/document.xml": "<w:document>caf\xe9</w:document>".encode("latin-1")}), "is not UTF-8"),
        ("broken.docx", with_members(PLAIN, {"word/document.xml": b"<w:document><w:body>"}), "is not well-formed XML"),
    )


class TestDocxContract(FormatContract):
    name = "docx"
    samples = {"news.docx": news_docx(), "plain.docx": package(paragraph(run("One short paragraph of plain text.")))}
    translatable = {
        "news.docx": (
            "Zelensky confirms advance in Kursk region",
            "President Volodymyr Zelensky confirmed a <g1>new offensive</g1> in Russia's <g2>Kursk</g2> region.",
            "In a statement to <g1>the news agency</g1>, he said the operation began on Thursday.",
            "My name <g1>is</g1> Michael.",
            "Territory held",
            "Inside the text box.",
            "Rubryka news service",
            "Page <x1/> of the report.",
            "Reported by the Office of the President.",
        )
    }
    untouched = {"news.docx": ("PAGE", "footnoteReference", "bookmarkStart", "fldChar")}
    hostile = hostile_docx()
    costly = ("cells.docx", package("".join(paragraph(run(f"Line {n}. More.")) for n in range(200))))
    declared = ("de.docx", package(paragraph(run("Hallo und guten Tag, liebe Freunde.")), lang="de-DE"), "de", b'<w:lang w:val="uk-UA"/>')
    edit = ("news.docx", "Territory held", "Territory still held")

    def contents(self, data: bytes) -> bytes:
        return b"\n".join(name.encode() + b"\n" + content for name, content in office.members(data))

    def change(self, data: bytes, old: str, new: str) -> bytes:
        files = office.members(data)
        assert sum(content.count(old.encode()) for _, content in files) == 1, old
        return office.rewrite(data, {n: c.replace(old.encode(), new.encode()) for n, c in files if old.encode() in c})


PIECES = st.sampled_from(
    [
        run("Troops moved "),
        run("far", "<w:b/>"),
        run(" east", "<w:i/>"),
        run(" and ", attrs=' w:rsidR="00A1"'),
        run("held. ", '<w:lang w:val="en-GB"/>'),
        run("It ended", "<w:b/><w:i/>"),
        run("."),
        '<w:proofErr w:type="spellStart"/>',
        '<w:bookmarkStart w:id="1" w:name="b"/>',
        '<w:bookmarkEnd w:id="1"/>',
        "<w:r><w:tab/></w:r>",
        '<w:r><w:t xml:space="preserve">Then </w:t><w:br/><w:t>more</w:t></w:r>',
        FIELD,
        f'<w:hyperlink r:id="rId9">{run("the report", HYPERLINK)}{run(" today", HYPERLINK + "<w:b/>")}</w:hyperlink>',
        '<w:ins w:id="2" w:author="A">' + run(" new words") + "</w:ins>",
        '<w:del w:id="3" w:author="A"><w:r><w:delText>old words</w:delText></w:r></w:del>',
        drawing(paragraph(run("In a box, "), run("bold", "<w:b/>"), run("."))),
    ]
)


def texts_of(xml_text: str) -> list[tuple[str, str]]:
    """Each w:t's text (the pseudo mark and spaces left out) with its run's formatting, in order;
    what a reader sees, whatever the runs' boundaries."""
    from lxml import etree

    root = etree.fromstring(xml_text.encode())
    out = []
    for t in root.iter(f"{{{W}}}t"):
        props = t.getparent().find(f"{{{W}}}rPr")
        fmt = (
            "".join(sorted(c.tag.split("}")[1] for c in props if c.tag.split("}")[1] not in ("lang", "noProof")))
            if props is not None
            else ""
        )
        for ch in (t.text or "").replace(MARK.strip(), ""):
            if not ch.isspace():
                out.append((ch, fmt))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(PIECES, min_size=1, max_size=8), min_size=1, max_size=4))
def test_any_paragraph_keeps_its_text_formatting_and_markup_through_a_translation(paragraphs):
    body = "".join(paragraph(*pieces) for pieces in paragraphs)
    data = package(body)
    with tempfile.TemporaryDirectory() as tmp:
        out = xml(translate(Path(tmp), data, lambda s: MARK + s, name="a.docx").text)
    source = xml(data)
    assert texts_of(out) == texts_of(source)  # the characters, each with its formatting
    for kept in ("fldChar", "bookmarkStart", "bookmarkEnd", "w:tab/", "w:br/", "delText", "w:hyperlink r:id", "w:ins w:id", "txbxContent"):
        assert out.count(kept) == source.count(kept), kept


ENGINES = st.sampled_from(
    [
        lambda s: re.sub(r"</?g\d+>", "", s),  # loses every pair
        lambda s: re.sub(r"<x\d+/>", "", s),  # loses every atom
        lambda s: " ".join(reversed(s.split(" "))),  # moves tags about, maybe crossing them
        lambda s: s + " <g1>" + s,  # repeats a tag
        lambda s: "<x99/> & < > ]]> \x00 " + s,  # invents a tag, writes markup and what XML cannot hold
    ]
)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.lists(PIECES, min_size=1, max_size=8), min_size=1, max_size=3), ENGINES)
def test_whatever_an_engine_returns_the_document_is_well_formed_and_keeps_its_markup(paragraphs, engine):
    import docx
    from lxml import etree

    data = package("".join(paragraph(*pieces) for pieces in paragraphs))
    with tempfile.TemporaryDirectory() as tmp:
        out = translate(Path(tmp), data, engine, name="a.docx").text
    docx.Document(io.BytesIO(out))
    etree.fromstring(xml(out).encode())
    for kept in ("fldChar", "bookmarkStart", "w:tab/", "w:br/", "delText", "txbxContent"):
        assert xml(out).count(kept) == xml(data).count(kept), kept
