from __future__ import annotations

import datetime
import json
import tempfile
from pathlib import Path

import pytest
import tomlkit
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.articles import frontmatter, markdown, read
from pipeline.cli import main
from pipeline.core.config import Config
from pipeline.core.errors import InputError
from tests.conftest import SHARED
from tests.helpers import structure, translate


def fm(yaml_text: str, keys=("title",)):
    text = f"---\n{yaml_text}---\n"
    return frontmatter.parse(text, 4, len(text) - 4, keys), text


def test_regions_of_translated_keys_and_lang():
    parsed, text = fm("title: 'It''s here'\nlang: en\nslug: x\n")
    (block,) = parsed.blocks
    assert text[block.start : block.end] == "'It''s here'" and block.runs[0].text == "It's here"
    a, b = parsed.lang_field
    assert text[a:b] == "en"


@pytest.mark.parametrize(
    ("original", "value", "expected"),
    [
        ("Plain", "Новий заголовок", "Новий заголовок"),
        ("Plain", "Title: with colon", '"Title: with colon"'),
        ("'single'", "It's", "'It''s'"),
        ('"double"', 'Say "hi"', '"Say \\"hi\\""'),
        (">-\n  folded", "Two lines", '"Two lines"'),
        ("Plain", "yes", '"yes"'),
    ],
)
def test_scalar_keeps_style_and_round_trips(original, value, expected):
    out = frontmatter.scalar(value, original)
    assert out == expected
    assert yaml.safe_load("k: " + out) == {"k": value}


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("title: [unclosed\n", "not valid YAML"),
        ("a: !!python/object:os.system {}\n", "not valid YAML"),
        ("- a list\n", "not a YAML mapping"),
    ],
)
def test_bad_front_matter_is_refused_with_a_reason(yaml_text, message):
    with pytest.raises(frontmatter.FrontMatterError, match=message):
        fm(yaml_text)


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n" for prev, name in zip([None, *"abcdefgh"], "abcdefghi")
)


@pytest.mark.parametrize("key", ["lang", "title", "tags", "deep"])
def test_an_alias_bomb_is_refused_in_any_key_before_it_is_built(key):
    value = "[*i, *i, *i, *i, *i, *i, *i, *i, *i]" if key != "deep" else "{x: [{y: [*i, *i, *i, *i, *i, *i, *i, *i, *i]}]}"
    with pytest.raises(frontmatter.FrontMatterError, match=r"aliases expand to more than 10,000 extra nodes .*alias bomb"):
        fm(BOMB + f"{key}: {value}\n")


def test_a_few_aliases_are_fine():
    parsed, _ = fm("base: &b {a: 1, b: [x, y]}\none: *b\ntwo: *b\ntitle: Hello\n")
    assert parsed.data["one"] == parsed.data["two"] == {"a": 1, "b": ["x", "y"]}


@pytest.mark.parametrize("yaml_text", ["a: &a [*a]\n", "a: &a {x: *a}\n"])
def test_a_recursive_alias_is_refused(yaml_text):
    with pytest.raises(frontmatter.FrontMatterError, match=r"a recursive alias \(line 2\)"):
        fm(yaml_text)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("title: First\nslug: x\ntitle: Second\n", "front matter has the key 'title' twice (lines 2 and 4)"),
        ("meta:\n  a: 1\n  a: 2\n", "front matter has the key 'a' twice (lines 3 and 4)"),
        ("{title: x, title: y}\n", "front matter has the key 'title' twice (lines 2 and 2)"),
    ],
)
def test_duplicate_keys_are_refused_with_the_key_and_lines(yaml_text, message):
    with pytest.raises(frontmatter.FrontMatterError) as e:
        fm(yaml_text)
    assert str(e.value) == message


def test_same_text_under_different_types_is_not_a_duplicate():
    parsed, _ = fm("1: a\n'1': b\n")
    assert parsed.data == {1: "a", "1": "b"}


def test_an_anchored_value_is_translated_once_at_its_anchor():
    parsed, text = fm("description: &d Hello there\ntitle: *d\n", keys=("title", "description"))
    (block,) = parsed.blocks  # the alias follows its anchor: translating both would write the text twice
    assert (block.key, text[block.start : block.end]) == ("description", "Hello there")


def test_an_alias_of_an_untranslated_value_is_kept_and_flagged():
    parsed, text = fm("slug: &s the-slug\ntitle: *s\n")
    (block,) = parsed.blocks
    assert block.key == "title" and not block.mapped and block.start == block.end == text.index(": *s")


@pytest.mark.parametrize(
    ("yaml_text", "region"),
    [
        ("title: &t Hello\n", "Hello"),
        ("title: !!str Hello\n", "Hello"),
        ("title: &t !!str 'Hello'\n", "'Hello'"),
        ("title: &t # a note\n  Hello\n", "Hello"),
        ("title: &t |\n  Hello\n", "|\n  Hello"),
        ("{title: &t Hello, x: *t}\n", "Hello"),
    ],
)
def test_anchors_and_tags_stay_outside_the_translated_region(yaml_text, region):
    parsed, text = fm(yaml_text)
    (block,) = parsed.blocks
    assert text[block.start : block.end] == region


def test_an_alias_as_lang_is_refused():
    with pytest.raises(frontmatter.FrontMatterError, match=r"lang: is an alias \(line 3\)"):
        fm("code: &c en\nlang: *c\n")


# --- TOML and JSON ------------------------------------------------------------------------------

KEYS = ("title", "linkTitle", "description", "summary")
TOML = """+++
# Hugo front matter
title = "Sunsetting \\"OpenCensus\\""   # shown in lists
linkTitle = 'Sunsetting OC'
description = \"\"\"
A long description
over two lines.\"\"\"
summary = '''C:\\path is literal'''
date = 2023-05-01T10:00:00+02:00
draft = false
weight = -2023
tags = ["news", "world",]
author.name = "Aaron"
"cSpell:ignore" = "Krohling"
menu = { main = { weight = 50, title = "not top-level" } }
lang = 'en'

[params]
  title = "in a table: not translated"

[[resources]]
  src = "a.png"
+++

Body text here.
"""
JSON = """{
  "title": "Hello \\"world\\" \\\\ \\u00e9",
  "slug": "hello",
  "date": "2023-05-01",
  "draft": true,
  "tags": ["a", "b"],
  "weight": 5,
  "lang": "en",
  "params": {"summary": "nested: not translated"}
}

Body text here.
"""


def head(text: str, keys=KEYS):
    parsed = markdown.parse(text, keys)
    return parsed, {b.key: text[b.start : b.end] for b in parsed.blocks if b.kind == "front_matter"}


def test_toml_values_are_found_exactly_and_the_rest_is_data():
    parsed, regions = head(TOML)
    assert regions == {
        "title": '"Sunsetting \\"OpenCensus\\""',
        "linkTitle": "'Sunsetting OC'",
        "description": '"""\nA long description\nover two lines."""',
        "summary": "'''C:\\path is literal'''",
    }
    texts = {b.key: b.runs[0].text for b in parsed.blocks if b.kind == "front_matter"}
    assert texts["title"] == 'Sunsetting "OpenCensus"' and texts["description"] == "A long description\nover two lines."
    assert TOML[slice(*parsed.lang_field)] == "'en'"
    meta = parsed.meta
    assert meta["date"] == datetime.datetime(2023, 5, 1, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert (meta["draft"], meta["weight"], meta["tags"], meta["author"]) == (False, -2023, ["news", "world"], {"name": "Aaron"})
    assert meta["params"]["title"] == "in a table: not translated" and meta["cSpell:ignore"] == "Krohling"
    assert [b.kind for b in parsed.blocks][-1] == "paragraph"  # the body is still Markdown, the front matter is not


def test_json_values_are_found_exactly_and_the_rest_is_data():
    parsed, regions = head(JSON)
    assert regions == {"title": '"Hello \\"world\\" \\\\ \\u00e9"'}
    assert parsed.blocks[0].runs[0].text == 'Hello "world" \\ é'
    assert JSON[slice(*parsed.lang_field)] == '"en"'
    assert parsed.meta["params"] == {"summary": "nested: not translated"} and parsed.meta["draft"] is True
    assert [(b.kind, JSON[b.start : b.end]) for b in parsed.blocks][1:] == [("paragraph", "Body text here.")]


@pytest.mark.parametrize(
    "text",
    [
        "+++\ntitle = 2023\nweight = 1\n+++\nBody.\n",  # not a string (Hugo section titles like "2023" are numbers)
        "+++\ntitle.main = 'x'\n+++\nBody.\n",  # a dotted key: a table, not a title
        "+++\n[params]\ntitle = 'x'\n+++\nBody.\n",
        '{"title": ["x"], "params": {"title": "x"}}\nBody.\n',
    ],
)
def test_only_top_level_strings_are_translated(text):
    assert head(text)[1] == {}


@pytest.mark.parametrize(
    "text",
    ['{{< figure src="a.png" >}}\n\nBody.\n', "{.lead} Body.\n", "++ not TOML\n", "{}x\n"],
)
def test_a_start_that_is_no_front_matter_stays_markdown(text):
    parsed = markdown.parse(text, KEYS)
    assert parsed.meta == {} and parsed.blocks and all(b.kind != "front_matter" for b in parsed.blocks)


def test_text_after_a_json_front_matter_on_its_line_is_a_paragraph():
    text = '{"title": "T"}  A *first* line\nand a second.\n'
    parsed, regions = head(text)
    (body,) = [b for b in parsed.blocks if b.kind == "paragraph"]
    assert regions == {"title": '"T"'} and text[body.start : body.end] == "A *first* line\nand a second."


@pytest.mark.parametrize(
    ("original", "value", "expected"),
    [
        ('"basic"', 'Say "hi" \\ now', '"Say \\"hi\\" \\\\ now"'),
        ('"basic"', "tab\there\x7f\x01", '"tab\\there\\u007f\\u0001"'),
        ("'literal'", "Заголовок", "'Заголовок'"),
        ("'literal'", "It's", '"It\'s"'),  # a literal string cannot hold a quote
        ("'literal'", "two\nlines", '"two\\nlines"'),
        ('"""\nmulti"""', 'Two\nlines "q"', '"""\nTwo\nlines \\"q\\""""'),
        ('"""multi"""', "One", '"""One"""'),
        ("'''\nraw'''", "Raw \\d\nnext", "'''\nRaw \\d\nnext'''"),
        ("'''raw'''", "has ''' in it", "\"has ''' in it\""),
        ("'''raw'''", "ends in '", "'''ends in ''''"),
    ],
)
def test_toml_scalar_keeps_style_and_round_trips(original, value, expected):
    out = frontmatter.scalar(value, original, "toml")
    assert out == expected
    assert tomlkit.parse("k = " + out).unwrap() == {"k": value}


@pytest.mark.parametrize("value", ['q"uote', "back\\slash", "line\nbreak", "\x00\x1f", "é ї \u2028"])
def test_json_scalar_round_trips(value):
    assert json.loads(frontmatter.scalar(value, '"x"', "json")) == value


TOML_REFUSED = [
    (
        'title = "x\n',
        "front matter is not valid TOML: Control characters (codes less than 0x1f and 0x7f) are not allowed in strings, use \\u000a instead (line 2, column 11)",
    ),
    ("a = [1,\n", "front matter is not valid TOML: Unexpected character: the end of the front matter (line 2, column 1)"),
    ('title = "x"\nslug = "s"\ntitle = "y"\n', "front matter has the key 'title' twice (line 4, column 1)"),
    ("menu = {a = 1, a = 2}\n", "front matter has the key 'a' twice"),
    ("x.y = 1\n[x]\ny = 2\n", "front matter is not valid TOML: Redefinition of an existing table (line 4, column 1)"),
    ("a = " + "[" * 1000 + "]" * 1000 + "\n", "front matter is nested deeper than 100 levels (line 2, column 105)"),
    ("a" + ".a" * 500 + " = 1\n", "front matter is nested deeper than 100 levels (line 2, column 200)"),
    (
        "a = [" + '"",' * 10_001 + "]\n",
        "front matter is refused: 10,001 commas (array items and inline table entries); the limit is 10,000",
    ),
    ("a = " + "1" * 5000 + "\n", "front matter is not valid TOML: Invalid number (line 2, column 5005)"),
    ('title = "\\uD800"\n', "front matter is not valid TOML: Invalid unicode value (line 2, column 11)"),
]
JSON_REFUSED = [
    ('{"title": "x",}\n', "front matter is not valid JSON: expected a key in double quotes (line 1, column 15)"),
    ('{\n"title": "x",\n"slug": "s",\n"title": "y"\n}\n', "front matter has the key 'title' twice (lines 2 and 4)"),
    ('{\n"params": {"a": 1, "a": 2}\n}\n', "front matter has the key 'a' twice in the value of 'params' (line 2)"),
    ('{"a": ' + "[" * 101 + "]" * 101 + "}\n", "front matter is nested deeper than 100 levels in the value of 'a'"),
    ('{"a": ' + "[" * 200_000 + "]" * 200_000 + "}\n", "front matter is nested deeper than 100 levels in the value of 'a'"),
    (
        '{"title": "x",\n"slug": "y"\n\n# A heading\nText.\n',
        "front matter is not valid JSON: expected ',' or '}' after the value of 'slug' (line 4, column 1)",
    ),
    (
        '{"title": "x",\n"slug": "y"',
        "front matter is not valid JSON: the file ends before its object closes (expected ',' or '}' after the value of 'slug')",
    ),
    ('{"title": "x\n\nText.\n', "front matter is not valid JSON: invalid control character (line 1, column 13)"),
    ('{"a": ' + "1" * 5000 + "}\n", "front matter is not valid JSON: a number with too many digits (line 1, column 7)"),
    ('{"title": "\\ud800"}\n', "front matter's title: holds a lone surrogate (U+D800), not text"),
    ('{"lang": "\\udfff"}\n', "front matter's lang: holds a lone surrogate (U+DFFF), not text"),
]


@pytest.mark.parametrize(("text", "message"), [(f"+++\n{t}+++\nBody.\n", m) for t, m in TOML_REFUSED] + JSON_REFUSED)
def test_hostile_toml_and_json_are_refused_in_one_line(text, message):
    with pytest.raises(frontmatter.FrontMatterError) as e:
        markdown.parse(text, KEYS)
    assert str(e.value) == message


def test_a_toml_front_matter_that_never_closes_is_refused():
    with pytest.raises(frontmatter.FrontMatterError, match=r"^front matter opened by \+\+\+ on line 1 is never closed"):
        markdown.parse('+++\ntitle = "x"\n\nThe article, which Hugo would refuse too.\n', KEYS)


def test_the_depth_at_the_limit_is_read():
    toml_text = "+++\na = " + "[" * 100 + "]" * 100 + "\n+++\nx\n"
    json_text = '{"a": ' + "[" * 100 + "]" * 100 + "}\nx\n"
    assert markdown.parse(toml_text).meta and markdown.parse(json_text).meta


def test_hostile_front_matter_costs_its_article_only_and_is_counted(tmp_path):
    """Through read.load: one InputError naming the file; the element count sees the front matter."""
    (tmp_path / "lang.md").write_text("+++\nlang = 5\n+++\nText.\n")
    (tmp_path / "lines.md").write_text("+++\n" + "".join(f"k{i} = 1\n" for i in range(15_000)) + "+++\nText.\n")
    (tmp_path / "good.md").write_text('+++\ntitle = "A title"\n+++\nText.\n')
    config = Config()
    with pytest.raises(InputError, match=r"^lang\.md: front matter's lang: is int, not a language code$"):
        read.load(tmp_path / "lang.md", "lang.md", config)
    with pytest.raises(InputError, match=r"^lines\.md: too many elements to translate in one piece \(60,0\d\d lines"):
        read.load(tmp_path / "lines.md", "lines.md", config)
    doc = read.load(tmp_path / "good.md", "good.md", config, "en")
    assert [b.kind for b in doc.blocks] == ["front_matter", "paragraph"]


def test_when_no_mark_is_left_the_values_are_kept_and_flagged(tmp_path):
    """Regions come from marks the front matter does not use; one that uses them all is kept whole."""
    every = "".join(map(chr, range(0xE000, 0xF900)))
    text = f'+++\n# {every}\ntitle = "A title"\nlang = "en"\n+++\n\nThe body.\n'
    td = translate(tmp_path, text, str.upper)
    assert td.text == text.replace("The body.", "THE BODY.")
    (block,) = [b for b in td.blocks if b.kind == "front_matter"]
    assert block.flags == ("unsupported-markup",)


HOSTILE_OUTPUT = ['Quote " and \\ back', "It's", "'''", '"""', "line\nbreak", "tab\tand \x7f", "}{,]["]


@pytest.mark.parametrize("syntax", ["toml", "json"])
def test_whatever_the_engine_writes_the_front_matter_parses_with_the_same_keys(tmp_path, syntax):
    outputs = iter(HOSTILE_OUTPUT * 3)
    td = translate(tmp_path, TOML if syntax == "toml" else JSON, lambda s: next(outputs))
    before, after = _front_matter(TOML if syntax == "toml" else JSON, syntax), _front_matter(td.text, syntax)
    translated = {b.key: b.target for b in td.blocks if b.kind == "front_matter"}
    assert translated and set(translated.values()) <= set(HOSTILE_OUTPUT)
    assert after == {**before, **translated, "lang": "uk"}


def _front_matter(text: str, syntax: str) -> dict:
    if syntax == "toml":
        return tomlkit.parse(text.split("+++\n")[1]).unwrap()
    return json.JSONDecoder().raw_decode(text)[0]


OTEL = SHARED / "otel-blog" / "en" / "blog"
POSTS = {"sunsetting-opencensus.md": ("2023", "toml"), "dart-flutter-opentelemetry.md": ("2026", "json")}


def _hugo_post(name: str) -> tuple[str, dict, str]:
    """An otel-blog post with its YAML front matter written as TOML or JSON (and `lang` added)."""
    year, syntax = POSTS[name]
    _, yaml_text, body = (OTEL / year / name).read_text(encoding="utf-8").split("---\n", 2)
    data = {**yaml.safe_load(yaml_text), "lang": "en"}
    if syntax == "toml":
        return "+++\n# converted from the post's YAML\n" + tomlkit.dumps(data) + "+++\n" + body, data, body
    data = json.loads(json.dumps(data, default=str))  # dates as strings, as JSON has them
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n" + body, data, body


@pytest.mark.skipif(not OTEL.is_dir(), reason="shared/data/otel-blog is not beside the checkout")
def test_hugo_posts_in_toml_and_json_round_trip_through_the_cli(tmp_path, runner, argos_env):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for name in POSTS:
        (src / name).write_text(_hugo_post(name)[0], encoding="utf-8")
    result = runner.invoke(main, ["translate", str(src), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name, (_, syntax) in POSTS.items():
        _, before, body = _hugo_post(name)
        translated = (out / "uk" / name).read_text(encoding="utf-8")
        after = _front_matter(translated, syntax)
        assert list(after) == list(before), name  # every key, in order
        changed = {k for k in after if after[k] != before[k]}
        assert changed == {"lang"} | (set(KEYS) & set(before)), name
        assert after["lang"] == "uk" and all(after[k].startswith("\u27e6uk\u27e7 ") for k in changed - {"lang"})
        end = json.JSONDecoder().raw_decode(translated)[1] + 1 if syntax == "json" else translated.index("+++\n", 4) + 4
        assert structure(translated[end:]) == structure(body), name  # code, links, shortcodes as they were
    check = runner.invoke(main, ["check", str(src), "--out", str(out), "--json"])
    states = [t["status"] for t in json.loads(check.stdout)["translations"]]
    assert states == ["pseudo", "pseudo"], check.output  # as recorded (pseudo output is never "fresh")
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = runner.invoke(main, ["translate", str(src), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files


STRINGS = ['"Hello world"', '"q \\"x\\" \\\\ \\u00e9 \ue000"', '"Заголовок: «ї»"']
TOML_VALUES = {
    **dict.fromkeys(KEYS, [*STRINGS, "'It is literal'", "'''C:\\raw\nnext'''", '"""\nTwo\nlines"""', "2023"]),
    "lang": ['"en"', "'en'", "5"],
    "tags": ['["a", "b",]', "[\n  1, # one\n  2,\n]"],
    "menu": ["{ main = { weight = 1, title = 'x' } }"],
    "author.name": ["'A'"],
    '"cSpell:ignore"': ['"x"'],
    "date": ["2023-05-01T10:00:00Z", "2023-05-01"],
}
JSON_VALUES = {
    **dict.fromkeys(KEYS, [*STRINGS, '"s\\nt \\/ \\ud83d\\ude00"', "2023", '["x"]']),
    "lang": ['"en"', "5"],
    "tags": ['["a", "}"]'],
    "params": ['{"title": "x", "n": [1, {"b": null}]}'],
    "n": ["1e999", "-0.0"],
}
HOSTILE_TOML = ["bad =\n", 'title = "unclosed\n', 'title = "\\uD800"\n', "+++\n", "deep = " + "[" * 120 + "]" * 120 + "\n", "tags = 1\n"]
HOSTILE_JSON = ['"description": "\\ud800"', '"d": {"a": 1, "a": 2}', '"x": ' + "[" * 120 + "]" * 120, '"x" 1', '"y": tru', '"tags": 1']
OUTPUTS = ['Q"uote \\ back', "It's", "'''", '"""', "two\nlines", "\x7f\t", "}", "Плюс +++"]


@st.composite
def hugo_articles(draw) -> tuple[str, str]:
    """A Hugo article: mostly a valid front matter (unique keys, values in every style), sometimes
    with one hostile line or member."""
    toml = draw(st.booleans())
    values = TOML_VALUES if toml else JSON_VALUES
    keys = draw(st.lists(st.sampled_from(sorted(values)), unique=True, max_size=8))
    fields = [(k, draw(st.sampled_from(values[k]))) for k in keys]
    hostile = [draw(st.sampled_from(HOSTILE_TOML if toml else HOSTILE_JSON))] if draw(st.integers(0, 4)) == 0 else []
    body = draw(st.sampled_from(["\nBody text.\n", "Text right after.\n", "\n# Heading\n\n- item\n"]))
    if toml:
        lines = draw(st.permutations([f"{k} = {v}\n" for k, v in fields] + hostile))
        tables = draw(st.sampled_from(["", "[params]\ntitle = 'x'\n[[res]]\nsrc = 'a'\n"]))
        return "toml", "+++\n# front matter\n" + "".join(lines) + tables + "+++\n" + body
    members = draw(st.permutations([f'"{k}": {v}' for k, v in fields] + hostile))
    return "json", "{\n  " + ",\n  ".join(members) + "\n}" + draw(st.sampled_from(["\n", " "])) + body


@settings(max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(hugo_articles())
def test_any_toml_or_json_front_matter_is_refused_in_one_line_or_keeps_its_keys(article):
    syntax, text = article
    outputs = iter(OUTPUTS * 10)
    with tempfile.TemporaryDirectory() as folder:
        try:
            td = translate(Path(folder), text, lambda s: next(outputs))
        except InputError as e:
            assert "\n" not in str(e) and "Traceback" not in str(e)
            return
    if not any(b.kind == "front_matter" for b in td.blocks) and not markdown.parse(text, KEYS).meta:
        return  # an empty front matter, or none: nothing to compare
    before, after = _front_matter(text, syntax), _front_matter(td.text, syntax)
    translated = {b.key: b.target for b in td.blocks if b.kind == "front_matter"}
    expected = {**before, **translated, **({"lang": "uk"} if isinstance(before.get("lang"), str) else {})}
    assert after == expected
