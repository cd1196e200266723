from __future__ import annotations

import pytest
import yaml

from pipeline import frontmatter


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
