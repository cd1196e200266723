from __future__ import annotations

import pytest
import yaml

from pipeline.articles import frontmatter


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
