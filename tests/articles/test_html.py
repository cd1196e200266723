"""HTML pages: the article-format contract, and what HTML adds (attributes, kept elements,
entities, tags that are never closed, hostile markup)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.articles import html_tokens, registry
from pipeline.core.config import Config
from pipeline.core.errors import InputError
from tests.articles.test_contract import MARK, FormatContract
from tests.helpers import document, translate

PAGE = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Forces advanced &amp; held</title>
  <meta name="description" content="A short report, with numbers.">
  <style>p { color: red; }</style>
  <script>var a = "<p>not text</p>";</script>
</head>
<body>
  <h1 class=title>The <em>first</em> report</h1>
  <p>Troops moved <b>far</b> east, said <a href="https://example.org/r" title="The report">the ministry</a> &mdash; a&nbsp;source.</p>
  <p>Run <code>pipeline translate</code> to see it. <img src="map.png" alt='A map of the area'> Then stop.</p>
  <ul>
    <li>An item with <i>emphasis</i> here.
    <li>Another item.</li>
  </ul>
  <div translate="no">Brand Name Inc.</div>
  <pre>keep   this   text</pre>
  <!-- a comment -->
  <p>Tom &amp; Jerry said &quot;hi&quot; to <span class="notranslate">Acme Corp</span>.</p>
  <input type="submit" value="Send">
</body>
</html>
"""


class TestHtmlContract(FormatContract):
    name = "html"
    samples = {
        "page.html": PAGE.encode(),
        "crlf.htm": "\ufeff<p>A paragraph\r\nwritten on Windows.</p>\r\n<p>And a second one.</p>\r\n".encode().replace(
            b"\r\nwritten", b" written"
        ),
    }
    translatable = {
        "page.html": (
            "Forces advanced & held",
            "A short report, with numbers.",
            "The <g1>first</g1> report",
            "Troops moved <g1>far</g1> east, said <g2>the ministry</g2> — a\u00a0source.",
            "The report",
            "A map of the area",
            "An item with <g1>emphasis</g1> here.",
            "Another item.",
            'Tom & Jerry said "hi" to <x1/>.',
            "Send",
        )
    }
    untouched = {
        "page.html": (
            "p { color: red; }",
            '"<p>not text</p>"',
            "Brand Name Inc.",
            "keep   this   text",
            "<!-- a comment -->",
            "pipeline translate",
            "Acme Corp",
        )
    }
    hostile = (
        ("nul.html", b"<p>text\x00more</p>", "binary file (NUL byte at offset 7)"),
        ("utf16.html", "\ufeff<p>hello</p>".encode("utf-16-le"), "UTF-16 text (byte order mark); save it as UTF-8"),
        ("nested.html", b"<div>" * 100_000 + b"Deep text." + b"</div>" * 100_000, "too many elements to translate in one piece"),
        ("huge.html", b"<p>" + b"Words and more words. " * 500_000 + b"</p>", "too large"),
        ("lang.html", b'<html lang="' + b"x" * 500 + b'"><p>Some text here.</p></html>', "`<html lang>` says 'xxxx"),
    )
    costly = ("cells.html", b"<table>" + b"<tr><td>1</td><td>2</td></tr>" * 200 + b"</table>")
    declared = ("de.html", b'<html lang="de"><body><p>Hello there, friends.</p></body></html>', "de", b'<html lang="uk">')
    edit = ("page.html", "Another item.", "Another changed item.")


def blocks(tmp_path, page: str, name: str = "a.html"):
    doc = document(tmp_path, page, name)
    return doc, [(b.kind, b.key, " ".join(s.text for s in b.segments)) for b in doc.blocks if not b.keep]


def pseudo(tmp_path, page: str) -> str:
    return str(translate(tmp_path, page, lambda s: MARK + s, name="a.html").text)


def test_a_sentence_with_one_bold_word_is_one_sentence_with_its_tags(tmp_path):
    _, found = blocks(tmp_path, "<p>My name <b>is</b> Michael.</p>")
    assert found == [("paragraph", "", "My name <g1>is</g1> Michael.")]
    out = translate(tmp_path, "<p>My name <b>is</b> Michael.</p>", lambda s: s.replace("name", "NAME"), name="a.html").text
    assert out == "<p>My NAME <b>is</b> Michael.</p>"


def test_the_attributes_people_read_are_translated_and_no_others(tmp_path):
    page = (
        '<a href="/a.html" title="Go home" class="nav link" data-x="Do not">Home</a>'
        '<input type="text" placeholder="Your name" value="kept value" aria-label="Name field">'
        '<input type="reset" value="Clear all"><select aria-label="Pick one"><option>First choice</option></select>'
        '<meta property="og:title" content="Shared title"><meta name="keywords" content="kept, words">'
        '<img src="x.png" alt="">'
    )
    out = pseudo(tmp_path, page)
    for said in ("Go home", "Your name", "Name field", "Clear all", "Pick one", "Shared title", '<a href="/a.html"'):
        assert f"{MARK}{said}" in out, said
    for kept in (
        'class="nav link"',
        'data-x="Do not"',
        'value="kept value"',
        'content="kept, words"',
        'alt=""',
        "<option>First choice</option>",
    ):
        assert kept in out, kept


def test_an_unquoted_attribute_gets_quotes_when_its_translation_needs_them(tmp_path):
    assert pseudo(tmp_path, "<p>See <img src=a.png alt=Map> here.</p>") == f'<p>{MARK}See <img src=a.png alt="{MARK}Map"> here.</p>'


def test_translate_no_and_notranslate_keep_everything_under_them_attributes_included(tmp_path):
    page = '<div translate="no"><p title="A tip">Kept <b>text</b> here.</p></div><p class="x notranslate">Also kept.</p><p>Translated.</p>'
    _, found = blocks(tmp_path, page)
    assert found == [("paragraph", "", "Translated.")]
    assert pseudo(tmp_path, page) == page.replace("<p>Translated.", f"<p>{MARK}Translated.")


def test_the_engines_markup_is_escaped_so_it_stays_text(tmp_path):
    page = '<p title="A title">Some words.</p><p>Other <img alt="A pic" src=x> words.</p>'
    out = translate(tmp_path, page, lambda s: s.replace("words", '<script>x("&")</script>'), name="a.html").text
    assert "<script>" not in out and '&lt;script>x("&amp;")&lt;/script>' in out
    out = translate(tmp_path, page, lambda s: s.replace("A pic", 'A "quoted" pic'), name="a.html").text
    assert 'alt="A &quot;quoted&quot; pic"' in out


def test_the_pages_own_entities_are_used_for_the_characters_it_writes_with_them(tmp_path):
    page = "<p>A &mdash; b&nbsp;c &#8217;d&#8217; &amp; e.</p>"
    out = translate(tmp_path, page, lambda s: s.replace("A", "Б"), name="a.html").text
    assert out == "<p>Б &mdash; b&nbsp;c &#8217;d&#8217; &amp; e.</p>"


def test_tags_never_closed_misnested_or_stray_are_kept_as_they_are(tmp_path):
    page = "<p>One <b>bold <i>both</b> italic</i> end.</p><p>Open <span>never closed.</p><p>Stray </em> end tag.</p>"
    out = pseudo(tmp_path, page)
    assert out.replace(MARK, "") == page
    _, found = blocks(tmp_path, page)
    assert [text for _, _, text in found] == [
        "One <x1/>bold <x2/>both<x3/> italic<x4/> end.",
        "Open <x1/>never closed.",
        "Stray <x1/> end tag.",
    ]


def test_identical_tags_with_translated_attributes_in_one_sentence(tmp_path):
    page = '<p>See <a title="More" href="#">this</a> and <a title="More" href="#">that</a> too.</p>'
    out = translate(tmp_path, page, lambda s: s.upper() if "<" not in s else s.replace("See", "Look at"), name="a.html").text
    assert out == '<p>Look at <a title="MORE" href="#">this</a> and <a title="MORE" href="#">that</a> too.</p>'


def test_an_attribute_is_translated_in_its_own_tag_not_in_a_kept_copy_of_it(tmp_path):
    page = "<p>See <style><img alt=Map></style> and <img alt=Map> here.</p>"
    out = translate(tmp_path, page, lambda s: s.upper(), name="a.html").text
    assert out == "<p>SEE <style><img alt=Map></style> AND <img alt=MAP> HERE.</p>"


def test_white_space_written_as_references_at_a_blocks_ends_stays_where_it_is(tmp_path):
    for page in ("<p>&nbsp;<b>x</b>&nbsp;</p>", "<p>&nbsp; &#160;Words here&#xA0; </p>", "<b>x<script>a &amp;&nbsp;"):
        assert translate(tmp_path, page, lambda s: s, name="a.html").text == page


def test_character_reference_tricks_are_decoded_in_bounded_time(tmp_path):
    page = (
        "<!DOCTYPE html [<!ENTITY a 'aaaaaaaaaa'>]><p>&a;&a; &#"
        + "9" * 5000
        + "; &#x"
        + "0" * 5000
        + "41; &#0; &#xD800; &bogus; &amp&lt</p>"
    )
    started = time.monotonic()
    _, found = blocks(tmp_path, page)
    assert time.monotonic() - started < 5
    assert found == [("paragraph", "", "&a;&a; \ufffd A \ufffd \ufffd &bogus; &<")]


@pytest.mark.parametrize("unit", ["<!--", "<a", "<![", "</", "<a b='", "<!", "&#", "<?", "<a\n", "x<"])
def test_markup_left_open_is_tokenized_in_linear_time(unit):
    """html.parser takes 6 s on 8,000 unclosed comments (Python 3.11), and fails on "<![": here 50,000 take well under a second each."""
    text = "<p>" + unit * 50_000
    started = time.monotonic()
    toks = html_tokens.tokens(text)
    assert time.monotonic() - started < 5
    assert toks[0].start == 0 and toks[-1].end == len(text)
    assert all(a.end <= b.start for a, b in zip(toks, toks[1:]))


def test_100000_nested_elements_are_read_without_recursion_when_the_limit_allows(tmp_path):
    page = "<div>" * 100_000 + "<p>Deep <b>text</b> here.</p>" + "</div>" * 100_000
    started = time.monotonic()
    doc = document(tmp_path, page, "a.html", config=Config(max_file_elements=10_000_000))
    assert time.monotonic() - started < 30
    assert [b.source for b in doc.blocks] == ["Deep <b>text</b> here."]


def test_the_cost_leaves_out_scripts_and_style_sheets():
    html = registry.get("html")
    words = "<p>Three words here.</p>"
    assert html.cost(words) == html.cost(words + "<script>" + "a.b(1); " * 1000 + "</script><style>x.y{z:1}</style>") - 2


def test_the_declared_language_decides_over_detection(tmp_path):
    doc = document(tmp_path, '<html lang="uk"><p>Hello there, friends, how are you?</p></html>', "a.html", lang=None)
    assert doc.source_lang == "uk"
    with pytest.raises(InputError, match="a.html: `<html lang>` says 'english!'; not a language code"):
        document(tmp_path, '<html lang="english!"><p>Hello there.</p></html>', "a.html", lang=None)


@pytest.mark.parametrize(("name", "text"), [("a.html", "<p>" + "a<br>" * 10_500 + "</p>"), ("a.md", "Text " + "`a` " * 10_500 + "\n")])
def test_a_block_with_more_placeholders_than_tags_can_number_is_kept_and_flagged(tmp_path, name, text):
    """Placeholders have four digits: past 9,999 in one block its markup could not come back, so
    the block is copied as it is (it was written with "<x10000/>" as text before)."""
    td = translate(tmp_path, text, lambda s: MARK + s, name=name)
    assert td.text == text
    (block,) = td.blocks
    assert "unsupported-markup" in block.flags


FRAGMENTS = [
    *(
        "<p> </p> <b> </b> <i> </i> <div> </div> <li> <ul> </ul> <br> <span> </span> <title> </title> <table> <tr> <td> </td> <h1> </h1>".split()
    ),
    *("<code> </code> <pre> </pre> <script> </script> <style> </style> <textarea> </textarea> <select> </select> </> </ x>".split()),
    "<a href='x' title=\"T t\">",
    "</a>",
    "<img alt=Map src=x>",
    "<img alt='A \"q\" pic'>",
    "<span translate=no>",
    "<html lang=en>",
    "<meta name=description content='Desc here'>",
    "<input type=submit value=Go>",
    "<option label=L>",
    "<svg><title>t</title></svg>",
    *("<!-- c --> <!-- --> <![CDATA[ ]]> <!DOCTYPE\u0020html> <?php\u0020x\u0020?>".split()),
    *("&amp; &nbsp; &mdash; &#8217; &#x41; &bogus; & < > \" '".split()),
    *(" ", " ", "\n", "Hello", "world", "Troops moved east.", "2.5 km", "60,000", "Привіт", "світ."),
]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=5, max_size=60).map("".join))
def test_any_page_keeps_every_tag_and_comment_through_a_translation(page):
    """Tags never closed, stray, misnested, inside kept elements: a translation changes text only."""

    def markup(text: str) -> list[tuple]:
        return [
            (t.kind, t.name, tuple(a.name for a in t.attributes)) for t in html_tokens.tokens(text) if t.kind != "text" and t.kind != "raw"
        ]

    with tempfile.TemporaryDirectory() as tmp:
        try:
            td = translate(Path(tmp), page, lambda s: MARK + s, name="a.html")
        except InputError:
            return
    out = str(td.text)
    assert markup(out) == markup(page)
