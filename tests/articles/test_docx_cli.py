"""Word and OpenDocument files through the command line, as a user runs it: every Markdown
guarantee holds for them (records and `check`, re-runs, export/import, the review app, --dry-run,
language identification, numbers in the target's locale), with the pseudo engine and with the
suite's genuine tiny Argos package; the outputs open in python-docx, odfpy and LibreOffice."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import zipfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from pipeline import formats
from pipeline.articles import office
from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.articles import test_docx as d
from tests.articles import test_odt as o
from tests.articles.test_contract import MARK
from tests.helpers import check_states

TEXT_PARTS = {
    "word/document.xml",
    "word/header1.xml",
    "word/footer1.xml",
    "word/footnotes.xml",
    "word/styles.xml",
    "content.xml",
    "styles.xml",
}


def news_docx(old: str = "", new: str = "") -> bytes:
    """The news document with what Word adds: a sentence cut into runs by spell-checking and
    revision ids, and figures for the locale."""
    split = d.paragraph(
        d.run("It also forced Russia to withdraw ", attrs=' w:rsidR="00A1"'),
        '<w:proofErr w:type="spellStart"/>',
        d.run("60,000", attrs=' w:rsidR="00B2"'),
        '<w:proofErr w:type="spellEnd"/>',
        d.run(" troops, and held ", '<w:lang w:val="en-GB"/>', attrs=' w:rsidR="00C3"'),
        d.run("460 km²", "<w:b/>"),
        d.run("."),
    )
    return d.package(
        (d.news_body() + split).replace(old, new) if old else d.news_body() + split, d.HEADER, d.FOOTER, d.FOOTNOTES, lang="en-US"
    )


@pytest.fixture
def office_site(argos_env, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/news.docx").write_bytes(news_docx())
    (tmp_path / "src/report.odt").write_bytes(o.news_odt(lang="en-US"))
    return tmp_path


def translate(runner, *extra: str):
    result = runner.invoke(main, ["translate", "src", "--out", "out", *extra])
    assert result.exit_code == 0, result.output
    return result


def runs(data: bytes) -> list[tuple[str, bool, bool]]:
    """Every run of the body with text, as python-docx reads it: its text (the pseudo mark left
    out), bold, italic; merged where two neighbours are formatted alike."""
    import docx

    out: list[tuple[str, bool, bool]] = []
    for p in docx.Document(io.BytesIO(data)).paragraphs:
        for r in p.runs:
            if not r.text:
                continue
            item = (r.text.replace(MARK, ""), bool(r.bold), bool(r.italic))
            if out and out[-1][1:] == item[1:]:
                out[-1] = (out[-1][0] + item[0], *item[1:])
            else:
                out.append(item)
    return out


def test_a_word_file_is_translated_wherever_people_read_and_keeps_the_rest(office_site, runner):
    import docx

    translate(runner, "--engine", "pseudo", "--to", "uk")
    source, out = news_docx(), (office_site / "out/uk/news.docx").read_bytes()
    document = docx.Document(io.BytesIO(out))  # the output opens
    texts = [p.text for p in document.paragraphs if p.text] + [c.text for t in document.tables for c in t._cells]
    texts += [p.text for s in document.sections for p in (*s.header.paragraphs, *s.footer.paragraphs)]
    assert texts and all(t.startswith(MARK) for t in texts), texts
    assert "Page 7 of the report." in texts[-1].replace(MARK, "")  # the field is there, as it was
    for name, root in (("word/footnotes.xml", "footnotes"), ("word/document.xml", "txbxContent")):
        assert f"{MARK}Reported by" in d.xml(out, name) or f"{MARK}Inside the text box." in d.xml(out, name), root
    # no sentence was cut at a run boundary: the spell-checked sentence is one sentence
    assert f"{MARK}It also forced Russia to withdraw 60\u00a0000 troops, and held " in d.xml(out) and "proofErr" not in d.xml(out)
    # formatting: the same bold and italic words, in the same order
    assert [r for r in runs(out) if r[1] or r[2]] == [r for r in runs(source) if r[1] or r[2]]
    # every other part byte for byte, members in the same order, compressed the same way
    before, after = zipfile.ZipFile(io.BytesIO(source)).infolist(), zipfile.ZipFile(io.BytesIO(out)).infolist()
    assert [(i.filename, i.compress_type, i.date_time) for i in before] == [(i.filename, i.compress_type, i.date_time) for i in after]
    kept = {n: c for n, c in office.members(source) if n not in TEXT_PARTS}
    assert {n: c for n, c in office.members(out) if n not in TEXT_PARTS} == kept and "word/media/image1.png" in kept
    assert '<w:lang w:val="uk-UA"/>' in d.xml(out, "word/styles.xml")


def test_an_odt_file_is_translated_wherever_people_read_and_keeps_the_rest(office_site, runner):
    from odf import opendocument, teletype
    from odf.text import H, P

    translate(runner, "--engine", "pseudo", "--to", "uk")
    source, out = o.news_odt(lang="en-US"), (office_site / "out/uk/report.odt").read_bytes()
    document = opendocument.load(io.BytesIO(out))  # the output opens
    body = [teletype.extractText(e) for e in document.text.getElementsByType(P) + document.text.getElementsByType(H)]
    skipped = {"An editor wrote this comment."}  # a comment is left alone
    assert all(t.startswith(MARK) for t in body if t and t not in skipped and not t.startswith("1")), body
    styles = o.xml(out, "styles.xml")
    assert f"{MARK}Rubryka news service" in styles and f"{MARK}Page <text:page-number" in styles
    assert 'fo:language="uk" fo:country="UA"' in styles
    content = o.xml(out)
    assert f"{MARK}Split by LibreOffice for revisions; " + '<text:span text:style-name="T1">bold</text:span> kept whole.' in content
    kept = {n: c for n, c in office.members(source) if n not in TEXT_PARTS}
    assert {n: c for n, c in office.members(out) if n not in TEXT_PARTS} == kept and office.members(out)[0] == (
        "mimetype",
        b"application/vnd.oasis.opendocument.text",
    )
    assert zipfile.ZipFile(io.BytesIO(out)).infolist()[0].compress_type == zipfile.ZIP_STORED


def test_the_bilingual_file_and_the_review_show_each_block_as_text_with_chips(office_site, runner):
    from pipeline.core.config import load as load_config
    from pipeline.review.pages import source_html
    from pipeline.review.project import Project
    from pipeline.workspace import Workspace

    translate(runner, "--engine", "pseudo", "--to", "uk")
    schema = json.loads(resources.files("pipeline.assemble").joinpath("alignment.schema.json").read_text())
    for name in ("news.docx", "report.odt"):
        data = json.loads((office_site / f"out/bilingual/{Path(name).stem}.en-uk.json").read_text())
        jsonschema.validate(data, schema)
        assert {b["kind"] for b in data["blocks"]} >= {"heading", "paragraph", "table_cell", "footnote"}
        assert {b.get("key", "") for b in data["blocks"]} >= {"", "header", "footer"}
    project = Project(Workspace.open(load_config(), office_site / "out"), [], wait=0.3)
    for rel in ("news.docx", "report.odt"):
        sentence = next(s for s in project.article("uk", rel).sentences() if s.segment.text == "My name <g1>is</g1> Michael.")
        assert [c.label for c in sentence.chips] == ["⟨strong", "strong⟩"]
        assert source_html(sentence.segment) == "My name <strong>is</strong> Michael."


def test_check_is_fresh_after_a_run_a_second_run_writes_nothing_and_an_edit_makes_it_stale(office_site, runner):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    written = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (office_site / "out").rglob("*") if p.is_file()}
    assert check_states(runner, "src", "--out", "out") == ["pseudo", "pseudo"]  # as recorded (pseudo is never "fresh")
    again = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "2 unchanged" in again.stdout
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in written} == written  # nothing written again
    (office_site / "src/news.docx").write_bytes(news_docx("Territory held", "Territory still held"))
    check = runner.invoke(main, ["check", "src", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "src/news.docx -> uk/news.docx: block 6 changed or new\n" in check.stdout
    assert check_states(runner, "src", "--out", "out") == ["stale", "pseudo"]
    third = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "1 translated" in third.stdout and "1 unchanged" in third.stdout, third.stdout
    assert f"{MARK}Territory still held" in d.xml((office_site / "out/uk/news.docx").read_bytes())


def test_dry_run_reads_the_files_and_writes_nothing(office_site, runner):
    result = runner.invoke(main, ["translate", "src", "--out", "out", "--to", "uk", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would translate src/news.docx into uk" in result.stdout and "would translate src/report.odt into uk" in result.stdout
    assert not (office_site / "out").exists()


@pytest.mark.parametrize("name", ["news.docx", "report.odt"])
def test_an_editors_correction_comes_back_through_xliff_with_the_files_own_markup(office_site, runner, name):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    exported = runner.invoke(main, ["export", f"src/{name}", "--out", "out", "--format", "xliff"])
    assert exported.exit_code == 0, exported.output
    (path,) = [Path(p) for p in exported.stdout.split() if p]
    exchange = formats.read(path.read_bytes(), "xliff")
    (unit,) = [u for u in exchange.units if u.source == "My name <g1>is</g1> Michael."]
    bold = ("<w:r><w:rPr><w:b/></w:rPr>", "</w:r>") if name.endswith("docx") else ('<text:span text:style-name="T1">', "</text:span>")
    assert [(c.kind, c.open, c.close) for c in unit.codes] == [("strong", *bold)]
    units = tuple(dataclasses.replace(u, target="Мене <g1>звуть</g1> Михайло & ко <x>.") if u.id == unit.id else u for u in exchange.units)
    path.write_bytes(formats.write(formats.Exchange(exchange.document, exchange.source_lang, exchange.target_lang, units), "xliff"))
    imported = runner.invoke(main, ["import", str(path), "--out", "out"])
    assert imported.exit_code == 0, imported.output
    assert "1 corrected" in imported.stdout
    main_part = "word/document.xml" if name.endswith("docx") else "content.xml"
    text = dict(office.members((office_site / f"out/uk/{name}").read_bytes()))[main_part].decode()
    if name.endswith("docx"):
        assert '<w:r><w:t xml:space="preserve">Мене </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>звуть</w:t></w:r>' in text
        assert '<w:r><w:t xml:space="preserve"> Михайло &amp; ко &lt;x&gt;.</w:t></w:r>' in text
    else:
        assert 'Мене <text:span text:style-name="T1">звуть</text:span> Михайло &amp; ко &lt;x&gt;.</text:p>' in text
    translate(runner, "--engine", "pseudo", "--to", "uk")  # a later run keeps the editor's text
    assert "Михайло" in dict(office.members((office_site / f"out/uk/{name}").read_bytes()))[main_part].decode()


def test_a_file_without_a_declared_language_is_identified_and_translated_the_other_way(argos_env, runner, tmp_path):
    (tmp_path / "src").mkdir()
    body = d.paragraph(
        d.run("Президент Володимир Зеленський підтвердив, що втрати ворога склали "), d.run("8 574 особи", "<w:b/>"), d.run(".")
    )
    (tmp_path / "src/news.docx").write_bytes(d.package(body))
    result = runner.invoke(main, ["translate", "src", "--out", "out", "--engine", "pseudo"])
    assert result.exit_code == 0, result.output
    out = d.xml((tmp_path / "out/en/news.docx").read_bytes())
    assert "⟦en⟧ Президент" in out and "<w:t>8,574 особи</w:t>" in out  # the number in English


def test_a_bad_office_file_costs_its_article_only(office_site, runner):
    (office_site / "src/broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (office_site / "src/bomb.odt").write_bytes(d.with_members(o.PLAIN, {"Pictures/zeros.bin": bytes(30_000_000)}))
    result = runner.invoke(main, ["translate", "src", "--out", "out", "--engine", "pseudo", "--to", "uk"])
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    assert "src/broken.docx: not a Word document (not a zip archive)" in result.output and "Traceback" not in result.output
    assert "src/bomb.odt: refused: member 'Pictures/zeros.bin' unpacks" in result.output
    assert (office_site / "out/uk/news.docx").exists() and (office_site / "out/uk/report.odt").exists()


def test_the_genuine_tiny_argos_package_translates_word_and_odt_files_and_check_says_fresh(installed, runner, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/news.docx").write_bytes(news_docx())
    (tmp_path / "src/report.odt").write_bytes(o.news_odt())
    result = runner.invoke(main, ["translate", "src", "--out", "out", "--to", "uk"])
    assert result.exit_code == 0, result.output
    for name in ("news.docx", "report.odt"):
        out = (tmp_path / f"out/uk/{name}").read_bytes()
        assert {n for n, _ in office.members(out)} == {n for n, _ in office.members((tmp_path / f"src/{name}").read_bytes())}
    assert "60\u00a0000" in d.xml((tmp_path / "out/uk/news.docx").read_bytes())
    assert check_states(runner, "src", "--out", "out") == ["fresh", "fresh"]
    assert runner.invoke(main, ["check", "src", "--out", "out"]).exit_code == ExitStatus.OK


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (Debian's libreoffice-writer-nogui) is not installed")
def test_libreoffice_opens_the_translations_with_every_text_and_the_bold_word(office_site, runner, tmp_path):
    """LibreOffice reads each output and writes it in the other format; read back, every block is
    there translated (headers, footers, footnotes and text boxes too), the bold word still bold."""
    from tests.helpers import document

    translate(runner, "--engine", "pseudo", "--to", "uk")
    converted = tmp_path / "converted"
    for name, to in (("news.docx", "odt"), ("report.odt", "docx")):
        command = [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            to,
            "--outdir",
            str(converted),
        ]
        subprocess.run([*command, str(office_site / f"out/uk/{name}")], check=True, capture_output=True, timeout=300)
        doc = document(converted, (converted / f"{Path(name).stem}.{to}").read_bytes(), f"read.{to}", "uk")
        sentences = [s.text for b in doc.blocks for s in b.segments]
        for text in ("Rubryka news service", "Reported by the Office of the President.", "Inside the text box.", "Territory held"):
            assert any(f"{MARK}{text}" in s for s in sentences), (name, text, sentences)
        assert f"{MARK}My name <g1>is</g1> Michael." in sentences, (name, sentences)


def test_a_word_translation_beside_its_source_is_adopted_and_kept_when_the_source_changes(argos_env, runner, tmp_path):
    def write(path: Path, first: tuple[str, str, str], second: str) -> None:
        path.write_bytes(d.package(d.paragraph(d.run(first[0]), d.run(first[1], "<w:b/>"), d.run(first[2])) + d.paragraph(d.run(second))))

    (tmp_path / "src").mkdir()
    (tmp_path / "out/uk").mkdir(parents=True)
    write(tmp_path / "src/news.docx", ("My name ", "is", " Michael."), "The report came in the morning.")
    write(tmp_path / "out/uk/news.docx", ("Мене ", "звуть", " Михайло."), "Звіт надійшов уранці.")
    adopted = runner.invoke(main, ["adopt", "src", "--out", "out", "--to", "uk"])
    assert adopted.exit_code == 0 and "2 sentences adopted, 0 for review" in adopted.stdout, adopted.output
    assert check_states(runner, "src", "--out", "out") == ["fresh"]
    write(tmp_path / "src/news.docx", ("My name ", "is", " Michael."), "The report came at night.")
    translate(runner, "--engine", "pseudo", "--to", "uk")
    out = d.xml((tmp_path / "out/uk/news.docx").read_bytes())
    assert "<w:rPr><w:b/></w:rPr><w:t>звуть</w:t>" in out and f"{MARK}The report came at night." in out


def test_a_document_written_by_python_docx_is_translated_everywhere_with_its_formatting(argos_env, runner, tmp_path):
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "The weekly bulletin"
    document.sections[0].footer.paragraphs[0].text = "Printed in Kyiv."
    document.add_heading("Forces advance in the east", level=1)
    p = document.add_paragraph("President Zelensky confirmed a ")
    p.add_run("new offensive").bold = True
    p.add_run(" in the ")
    p.add_run("Kursk").italic = True
    p.add_run(" region. It began on Thursday.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Date", "Territory held"
    (tmp_path / "src").mkdir()
    document.save(str(tmp_path / "src/bulletin.docx"))
    translate(runner, "--engine", "pseudo", "--to", "uk")
    source = (tmp_path / "src/bulletin.docx").read_bytes()
    out = docx.Document(str(tmp_path / "out/uk/bulletin.docx"))
    texts = [p.text for p in out.paragraphs if p.text] + [c.text for c in out.tables[0]._cells]
    texts += [out.sections[0].header.paragraphs[0].text, out.sections[0].footer.paragraphs[0].text]
    assert all(t.startswith(MARK) for t in texts) and len(texts) == 6, texts
    lead = out.paragraphs[1]
    assert lead.text == f"{MARK}President Zelensky confirmed a new offensive in the Kursk region. {MARK}It began on Thursday."
    assert [(r.text, r.bold, r.italic) for r in lead.runs if r.bold or r.italic] == [("new offensive", True, None), ("Kursk", None, True)]
    assert runs(source) == runs((tmp_path / "out/uk/bulletin.docx").read_bytes())
    assert 'w:val="uk-UA"' in d.xml((tmp_path / "out/uk/bulletin.docx").read_bytes(), "word/styles.xml")


def test_a_document_written_by_odfpy_is_translated_with_its_formatting(argos_env, runner, tmp_path):
    from odf import opendocument, teletype
    from odf.style import Header as OdfHeader
    from odf.style import MasterPage, Style, TextProperties
    from odf.text import P, Span

    document = opendocument.OpenDocumentText()
    bold = Style(name="Bold", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    page = MasterPage(name="Standard", pagelayoutname="pm1")
    header = OdfHeader()
    header.addElement(P(text="The weekly bulletin"))
    page.addElement(header)
    document.masterstyles.addElement(page)
    lead = P(text="My name ")
    lead.addElement(Span(stylename=bold, text="is"))
    lead.addText(" Michael. The report came at night.")
    document.text.addElement(lead)
    (tmp_path / "src").mkdir()
    document.save(str(tmp_path / "src/bulletin.odt"))
    translate(runner, "--engine", "pseudo", "--to", "uk")
    out = opendocument.load(str(tmp_path / "out/uk/bulletin.odt"))
    (paragraph,) = out.text.getElementsByType(P)
    assert teletype.extractText(paragraph) == f"{MARK}My name is Michael. {MARK}The report came at night."
    assert [teletype.extractText(s) for s in paragraph.getElementsByType(Span)] == ["is"]
    assert f"{MARK}The weekly bulletin" in o.xml((tmp_path / "out/uk/bulletin.odt").read_bytes(), "styles.xml")
