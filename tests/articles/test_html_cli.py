"""HTML through the command line, as a user runs it: every Markdown guarantee holds for a page
(records and `check`, re-runs, export/import, --dry-run, language identification, numbers in the
target's locale), with the pseudo engine and with the suite's genuine tiny Argos package."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from lxml import html as lxml_html

from pipeline import formats
from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.articles.test_contract import MARK
from tests.helpers import check_states

SOURCE = "In an interview with Reuters, Zelensky stated that the operation began on Thursday, February 6."
EDITED = "В інтерв'ю Reuters Зеленський заявив, що операція почалася в четвер, 6 лютого."

NEWS = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Zelensky confirms advance in Kursk region &mdash; Rubryka</title>
<meta name="description" content="Ukrainian forces have advanced 2.5 kilometers, the President said.">
<link rel="stylesheet" href="/style.css">
<style>
  .lead { font-weight: bold; }
</style>
<script async src="/analytics.js"></script>
</head>
<body>
<header><nav><a href="/">Home</a> | <a href="/news/" title="All the news">News</a></nav></header>
<article>
<h1>Zelensky confirms Ukrainian defense forces&rsquo; advance in <em>Kursk</em> region</h1>
<figure><img src="/photo.jpg" alt="President Zelensky at a press conference"><figcaption>Photo: Office of the President</figcaption></figure>
<p class="lead">President Volodymyr Zelensky confirmed that the Ukrainian Armed Forces have launched a <b>new offensive</b> in Russia's Kursk region.</p>
<p>In an interview with <a href="https://www.reuters.com/">Reuters</a>, Zelensky stated that the operation began on Thursday, February 6.</p>
<p>It also forced Russia to withdraw 60,000 troops, and held approximately 460 km&sup2;.</p>
<table><tr><th>Date</th><th>Territory</th></tr><tr><td>August</td><td>1,100 km&sup2;</td></tr></table>
<pre><code>curl https://example.org/api --data "x"</code></pre>
</article>
<footer><p>&copy; 2025 Rubryka. All rights reserved.</p></footer>
<script>
  window.dataLayer = window.dataLayer || []; /* "</p>" is not markup here */
</script>
</body>
</html>
"""

UKRAINIAN = """<!DOCTYPE html>
<html>
<head><title>Новини дня</title></head>
<body>
<p>Президент Володимир Зеленський підтвердив, що Сили оборони України розпочали новий наступ у Курській області.</p>
<p>За його словами, втрати ворога склали <b>8 574 особи</b>.</p>
</body>
</html>
"""


def tree(text: str):
    return lxml_html.document_fromstring(text.encode())


def layout(text: str) -> list[tuple]:
    """Every element in order with its attributes, leaving out the translated ones: what must not change."""
    translated = {"alt", "title", "content", "lang"}
    return [
        (e.tag, sorted((k, v) for k, v in e.attrib.items() if k not in translated)) for e in tree(text).iter() if isinstance(e.tag, str)
    ]


@pytest.fixture
def site(argos_env, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site/kursk.html").write_text(NEWS, encoding="utf-8")
    return tmp_path


def translate(runner, *extra: str):
    result = runner.invoke(main, ["translate", "site", "--out", "out", *extra])
    assert result.exit_code == 0, result.output
    return result


def test_a_news_page_keeps_its_markup_and_translates_every_text_people_read(site, runner):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    out = (site / "out/uk/kursk.html").read_text(encoding="utf-8")
    assert layout(out) == layout(NEWS)
    page = tree(out)
    assert page.get("lang") == "uk"
    texts = [" ".join(e.text_content().split()) for e in page.iter("title", "h1", "p", "figcaption", "th", "td", "nav")]
    untranslated = [t for t in texts if not t.startswith(MARK.strip())]
    assert untranslated == ["1 100 км²"]  # a quantity alone: localised, no words for the engine
    assert page.find(".//img").get("alt") == f"{MARK}President Zelensky at a press conference"
    assert page.find(".//meta[@name='description']").get("content").startswith(MARK)
    assert page.find(".//a[@title]").get("title") == f"{MARK}All the news"
    # numbers in Ukrainian, written with the page's own references (&nbsp; is not one of them here)
    assert "60\u00a0000" in out and "2,5 кілометра" in out and "1\u00a0100 км&sup2;" in out
    # what is not text is the page's own bytes
    for kept in (
        "<style>\n  .lead { font-weight: bold; }\n</style>",
        '/* "</p>" is not markup here */',
        '<code>curl https://example.org/api --data "x"</code>',
    ):
        assert kept in out
    assert out.count("<b>") == NEWS.count("<b>") and "&rsquo;" in out and "&mdash;" in out
    review = (site / "out/bilingual/kursk.en-uk.json").read_text()
    assert "<b>new offensive</b>" in review
    schema = resources.files("pipeline.assemble").joinpath("alignment.schema.json").read_text()
    jsonschema.validate(json.loads(review), json.loads(schema))
    kinds = {(b["kind"], b.get("key", "")) for b in json.loads(review)["blocks"]}
    assert {("title", ""), ("attribute", "alt"), ("attribute", "content"), ("attribute", "title"), ("heading", "")} <= kinds


def test_check_is_fresh_after_a_run_a_second_run_changes_nothing_and_an_edit_makes_it_stale(site, runner):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    written = {p: p.read_bytes() for p in (site / "out").rglob("*") if p.is_file() and "records" not in p.parts}
    assert check_states(runner, "site", "--out", "out") == ["pseudo"]  # as recorded (pseudo is never "fresh")
    again = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "1 unchanged" in again.stdout
    assert {p: p.read_bytes() for p in written} == written
    source = site / "site/kursk.html"
    source.write_text(NEWS.replace("held approximately", "still held about"), encoding="utf-8")
    check = runner.invoke(main, ["check", "site", "--out", "out"])
    assert check.exit_code == ExitStatus.NOT_FRESH and "kursk.html" in check.stdout
    third = translate(runner, "--engine", "pseudo", "--to", "uk")
    assert "1 translated" in third.stdout or "translated" in third.stdout
    assert f"{MARK}It also forced Russia to withdraw 60\u00a0000 troops, and still held about" in (site / "out/uk/kursk.html").read_text()


def test_dry_run_reads_the_page_and_writes_nothing(site, runner):
    result = runner.invoke(main, ["translate", "site", "--out", "out", "--to", "uk", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would translate site/kursk.html into uk" in result.stdout and "nothing was written" in result.stdout
    assert not (site / "out").exists()


def test_an_editors_correction_comes_back_through_xliff_with_the_pages_own_markup(site, runner):
    translate(runner, "--engine", "pseudo", "--to", "uk")
    exported = runner.invoke(main, ["export", "site", "--out", "out", "--format", "xliff"])
    assert exported.exit_code == 0, exported.output
    (path,) = [Path(p) for p in exported.stdout.split() if p]
    exchange = formats.read(path.read_bytes(), "xliff")
    assert exchange.document == "kursk.html"
    (unit,) = [u for u in exchange.units if u.source.startswith("In an interview with")]
    assert unit.source == "In an interview with <g1>Reuters</g1>, Zelensky stated that the operation began on <x2/>."
    assert [(c.open, c.close) for c in unit.codes][0] == ('<a href="https://www.reuters.com/">', "</a>")
    correction = "В інтерв'ю <g1>Reuters</g1> Зеленський заявив, що операція почалася <x2/>."
    units = tuple(dataclasses.replace(u, target=correction) if u.id == unit.id else u for u in exchange.units)
    path.write_bytes(formats.write(formats.Exchange(exchange.document, exchange.source_lang, exchange.target_lang, units), "xliff"))
    imported = runner.invoke(main, ["import", str(path), "--out", "out"])
    assert imported.exit_code == 0, imported.output
    assert "1 corrected" in imported.stdout
    out = (site / "out/uk/kursk.html").read_text(encoding="utf-8")
    assert (
        '<p>В інтерв\'ю <a href="https://www.reuters.com/">Reuters</a> Зеленський заявив, що операція почалася четвер, 6 лютого.</p>' in out
    )
    translate(runner, "--engine", "pseudo", "--to", "uk")  # a later run keeps the editor's text
    assert "Зеленський заявив" in (site / "out/uk/kursk.html").read_text(encoding="utf-8")
    assert check_states(runner, "site", "--out", "out") == ["pseudo"]


def test_a_page_without_lang_is_identified_and_translated_the_other_way(argos_env, runner, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site/news.htm").write_text(UKRAINIAN, encoding="utf-8")
    result = runner.invoke(main, ["translate", "site", "--out", "out", "--engine", "pseudo"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out/bilingual/news.uk-en.json").read_text())
    assert data["source_lang"] == "uk" and data["target_lang"] == "en"
    out = (tmp_path / "out/en/news.htm").read_text(encoding="utf-8")
    assert "<b>8,574 особи</b>" in out  # the number in English, the words left to the engine
    assert out.startswith("<!DOCTYPE html>\n<html>\n<head><title>⟦en⟧ Новини дня</title>")


def test_a_folder_of_markdown_text_and_html_is_read_whole_by_default(argos_env, runner, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site/a.md").write_text("# A title\n\nSome words here.\n")
    (tmp_path / "site/b.txt").write_text("Plain words here.\n")
    (tmp_path / "site/c.html").write_text("<p>Page words here.</p>\n")
    result = runner.invoke(main, ["translate", "site", "--out", "out", "--engine", "pseudo", "--to", "uk"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "out/uk").iterdir()} == {"a.md", "b.txt", "c.html"}
    assert (tmp_path / "out/uk/c.html").read_text() == f"<p>{MARK}Page words here.</p>\n"


def test_the_genuine_tiny_argos_package_translates_a_page(installed, runner, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site/kursk.html").write_text(NEWS, encoding="utf-8")
    result = runner.invoke(main, ["translate", "site", "--out", "out", "--to", "uk"])
    assert result.exit_code == 0, result.output
    out = (tmp_path / "out/uk/kursk.html").read_text(encoding="utf-8")
    assert layout(out) == layout(NEWS)
    assert tree(out).get("lang") == "uk" and "60\u00a0000" in out
    data = json.loads((tmp_path / "out/bilingual/kursk.en-uk.json").read_text())
    assert data["engine"] == "argos"
    assert runner.invoke(main, ["check", "site", "--out", "out"]).exit_code == ExitStatus.OK
