from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.articles import markdown, shortcodes
from pipeline.segment.protect import Atom, Close, Open, Text, has_words
from tests.conftest import EXAMPLES, SHARED
from tests.helpers import prose, structure, translate

UPPER = str.upper  # an "engine" that changes every letter, so kept text is easy to see


def runs(text: str):
    return [b.runs for b in markdown.parse(text).blocks]


def test_blocks_in_document_order_with_their_kinds():
    text = "# Title\n\nPara one.\n\n- item a\n- item b\n\n> quoted\n\n| h1 | h2 |\n|----|----|\n| c1 | c2 |\n"
    kinds = [(b.kind, text[b.start : b.end]) for b in markdown.parse(text).blocks]
    assert kinds == [
        ("heading", "Title"),
        ("paragraph", "Para one."),
        ("list_item", "item a"),
        ("list_item", "item b"),
        ("blockquote", "quoted"),
        ("table_cell", "h1"),
        ("table_cell", "h2"),
        ("table_cell", "c1"),
        ("table_cell", "c2"),
    ]


def test_atoms_are_sliced_byte_for_byte_from_the_source():
    text = (
        'See ``a ` b`` and <https://x.org/a?b=1> and <span class="k">raw</span> '
        'and [the docs](https://ex.com/p_(1) "Title *x*") and ![alt](img.png "t").\n'
    )
    (block,) = runs(text)
    atoms = [r.source for r in block if isinstance(r, Atom)]
    pairs = [(r.kind, r.source) for r in block if isinstance(r, (Open, Close))]
    assert atoms == ["``a ` b``", "<https://x.org/a?b=1>", '<span class="k">', "</span>"]
    assert pairs == [
        ("link", "["),
        ("link", '](https://ex.com/p_(1) "Title *x*")'),
        ("image", "!["),
        ("image", '](img.png "t")'),
    ]


def test_code_blocks_html_blocks_and_link_definitions_are_not_blocks():
    text = "Intro.\n\n```python\nprint('x')\n```\n\n<div>\nraw\n</div>\n\n    indented code\n\n[ref]: https://x.org\n"
    assert [b.kind for b in markdown.parse(text).blocks] == ["paragraph"]


def test_hard_wrapped_paragraph_is_one_text_and_one_line_out(tmp_path):
    text = "One sentence that is\nwrapped over lines.\nAnd another\none.\n"
    (block,) = runs(text)
    assert "".join(r.text for r in block) == "One sentence that is wrapped over lines. And another one."
    td = translate(tmp_path, text, UPPER)
    assert td.text == "ONE SENTENCE THAT IS WRAPPED OVER LINES. AND ANOTHER ONE.\n"


def test_hard_break_is_kept_as_an_atom(tmp_path):
    text = "> Roses are red,  \n> violets are blue.\n"
    (block,) = runs(text)
    assert Atom("break", "  \n> ") in block
    td = translate(tmp_path, text, UPPER)
    assert td.text == "> ROSES ARE RED,  \n> VIOLETS ARE BLUE.\n"


@pytest.mark.parametrize("line", ["\\# hash.", "\\> quote.", "\\- item.", "\\+ plus.", "1\\. one.", "\\==="])
@pytest.mark.parametrize("before", ["One.", "One. Two.", "1\\. One. Two."])
def test_text_after_a_hard_break_in_a_later_sentence_stays_literal(tmp_path, before, line):
    # a break inside the block's second sentence begins a line: what follows it must be escaped
    # there as in the first sentence (it was not: "# hash." became a heading)
    for brk in ("  \n", "\\\n"):
        text = f"{before}{brk}{line}\n"
        td = translate(tmp_path, text, lambda s: s)
        assert structure(td.text) == structure(text), td.text
        assert td.text == text


def test_shortcodes_are_atoms_and_keep_their_own_lines(tmp_path):
    text = '{{% alert title="Note" %}}\nThe text inside.\n{{% /alert %}}\n\nSee {{< ref "x.md" >}} now.\n'
    blocks = runs(text)
    assert Atom("shortcode", '{{% alert title="Note" %}}') in blocks[0]
    assert Atom("shortcode", '{{< ref "x.md" >}}') in blocks[1]
    td = translate(tmp_path, text, UPPER)
    assert td.text == '{{% alert title="Note" %}}\nTHE TEXT INSIDE.\n{{% /alert %}}\n\nSEE {{< ref "x.md" >}} NOW.\n'


def test_table_cells_with_escaped_pipes(tmp_path):
    text = "| Name | Note |\n| --- | --: |\n| a \\| b | `x\\|y` |\n"
    td = translate(tmp_path, text, UPPER)
    assert td.text == "| NAME | NOTE |\n| --- | --: |\n| A \\| B | `x\\|y` |\n"
    assert structure(td.text) == structure(text)


def test_nested_lists_and_quotes_keep_their_prefixes(tmp_path):
    text = "- one\n  - two\n    > three\n    > continued\n1. four\n"
    td = translate(tmp_path, text, UPPER)
    assert td.text == "- ONE\n  - TWO\n    > THREE CONTINUED\n1. FOUR\n"


def test_setext_and_closed_atx_headings(tmp_path):
    text = "Title here\n==========\n\n## Sub ##\n"
    td = translate(tmp_path, text, UPPER)
    assert td.text == "TITLE HERE\n==========\n\n## SUB ##\n"


def test_front_matter_values_replaced_in_place(tmp_path):
    text = "---\n# a comment\ntitle: Hello world\ndescription: >-\n  Folded\n  text\ndate: 2025-01-01\nlang: en\n---\n\nBody.\n"
    td = translate(tmp_path, text, UPPER)
    assert td.text == ('---\n# a comment\ntitle: HELLO WORLD\ndescription: "FOLDED TEXT"\ndate: 2025-01-01\nlang: uk\n---\n\nBODY.\n')


@pytest.mark.parametrize(
    "text",
    [
        "Use *stars* and _under_ and [brackets] and `ticks` and <tags> and &amp; and a\\b.",
        "# not a heading",
        "1. not a list",
        "- not a list",
        "> not a quote",
        "a | pipe",
        "snake_case_name stays",
    ],
)
def test_escape_keeps_translated_text_literal(text):
    escaped = markdown.escape(text, at_line_start=True)
    assert prose(escaped) == " ".join(text.split())
    kinds = {t[0] for t in structure(escaped)}
    assert kinds <= {"paragraph_open", "paragraph_close", "inline"}


def test_escape_leaves_intraword_underscores_alone():
    assert markdown.escape("snake_case and _emph_", False) == "snake_case and \\_emph\\_"


def _corpus():
    files = sorted(p for p in EXAMPLES.rglob("*.md") if p.name not in ("README.md", "LICENSE-NTREX.md"))
    if SHARED.is_dir():
        files += sorted((SHARED / "otel-blog").rglob("*.md"))
    return files


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: str(p.relative_to(p.parents[3])))
def test_real_articles_keep_structure_code_and_links(path, tmp_path):
    """Every block translated (upper-cased): code, links, images, shortcodes and HTML unchanged."""
    text = path.read_text(encoding="utf-8")
    lang = "uk" if "/uk/" in str(path) or path.name.endswith(".uk.md") else "en"
    td = translate(tmp_path, text, lambda s: "«" + s.upper() + "»", source=lang, target="en" if lang == "uk" else "uk", name=path.name)
    assert structure(td.text) == structure(text)
    translated = [b for b in td.blocks if b.target != b.source]
    with_words = [b for b in td.document.blocks if not b.keep and b.lang is None and any(has_words(s.text) for s in b.segments)]
    assert len(translated) >= len(with_words)  # and blocks of numbers only are localised, if that changes them


def test_shortcut_and_collapsed_references_keep_their_label(tmp_path):
    text = "See [Our year  in review][], [the site] and ![a logo][] and [full][ref].\n\n[our year in review]: https://a.b/1\n[the site]: https://a.b/2\n[a logo]: l.png\n[ref]: https://a.b/3\n"
    td = translate(tmp_path, text, lambda s: s.replace("year", "рік").replace("site", "сайт").replace("logo", "лого"))
    assert td.text.splitlines()[0] == (
        "See [Our рік  in review][Our year in review], [the сайт][the site] and ![a лого][a logo] and [full][ref]."
    )
    assert structure(td.text) == structure(text)


def test_shortcodes_are_hidden_behind_characters_the_text_does_not_use():
    every_bmp_private_use = "".join(chr(c) for c in range(0xE000, 0xF900))
    text = f'Text {every_bmp_private_use} and {{{{< figure src="a.png" >}}}} here.\n'
    _, hidden = shortcodes.hide_shortcodes(text)
    assert ord(hidden.start) >= 0xF0000 and ord(hidden.fill) >= 0xF0000
    (block,) = markdown.parse(text).blocks
    assert [r.source for r in block.runs if isinstance(r, Atom)] == ['{{< figure src="a.png" >}}']
    assert "".join(r.text for r in block.runs if isinstance(r, Text)) == f"Text {every_bmp_private_use} and  here."


def test_a_text_using_every_candidate_character_is_refused(tmp_path, monkeypatch):
    from pipeline.articles.read import load
    from pipeline.core.config import Config
    from pipeline.core.errors import InputError

    monkeypatch.setattr(shortcodes, "_SENTINEL_RANGES", ((0xE000, 0xE003),))
    (tmp_path / "a.md").write_text("\ue000\ue001\ue002\ue003 {{< x >}} words.\n")
    with pytest.raises(InputError, match="its shortcodes cannot be hidden"):
        load(tmp_path / "a.md", "a.md", Config())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("> " * 101 + "x\n", "nested 101 levels deep (line 1)"),
        ("Intro.\n\n" + "> - " * 60 + "x\n", "nested 120 levels deep (line 3)"),
        ("".join("  " * i + f"- item {i}\n" for i in range(150)), "nested 101 levels deep (line 101)"),
        ("[^1]: " + "> " * 120 + "x\n\nA[^1]\n", "nested 121 levels deep (line 1)"),
    ],
)
def test_nesting_past_the_limit_is_refused_not_dropped(text, message):
    with pytest.raises(markdown.NestingError, match=re.escape(message) + "; the limit is 100 levels"):
        markdown.parse(text)


def test_nesting_at_the_limit_is_parsed_whole():
    (block,) = markdown.parse("> " * 100 + "Deep words.\n").blocks
    assert block.runs == (Text("Deep words."),)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.sampled_from(["{{<", "{{%", ">}}", "%}}", "{", "}", "<", ">", "%", "a", "\n", "{{", "}}", "x" * 1990]), max_size=30).map(
        "".join
    )
)
def test_find_shortcodes_finds_what_the_regular_expression_defines(text):
    assert shortcodes.find_shortcodes(text) == [m.span() for m in shortcodes.SHORTCODE_RE.finditer(text)]


def test_unclosed_shortcodes_take_linear_time():
    import time

    started = time.process_time()
    assert shortcodes.find_shortcodes("{{<" * 300_000) == []  # the regular expression rescans 4,000 characters each time
    assert time.process_time() - started < 2


def test_inline_footnotes_are_text_as_hugo_renders_them():
    import time

    (block,) = markdown.parse("A claim^[with a note] here.\n").blocks
    assert block.runs == (Text("A claim^[with a note] here."),)
    started = time.process_time()
    markdown.parse("[^" * 25_000)  # each "^[" scanned to the end of the paragraph: 9 s
    assert time.process_time() - started < 3
