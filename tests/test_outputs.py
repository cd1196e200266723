from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from importlib import resources

import jsonschema
import pytest

from pipeline.assemble import alignment_json, review_html
from pipeline.core.flags import Ack
from tests.helpers import translate

HOSTILE = (
    "---\ntitle: \"<script>alert('t')</script>\"\n---\n\n"
    "Click <img src=x onerror=alert(1)> and [here](javascript:alert(2)) or <script>alert(3)</script> ]]> now.\n"
)


def schema():
    return alignment_json.schema()


def test_schema_names_every_engine():
    # a bilingual JSON names the engine that wrote it: one the schema refuses breaks every validating reader
    import re

    from pipeline.engines.registry import names

    assert schema()["properties"]["engine"]["enum"] == [*names(), "human"]
    # the shipped file names none (an engine is added with its registry line), but allows every registered name
    shipped = json.loads(resources.files("pipeline.assemble").joinpath("alignment.schema.json").read_text())["properties"]["engine"]
    assert "enum" not in shipped
    assert all(re.fullmatch(shipped["pattern"].strip("^$"), name) for name in [*names(), "human"])


def test_alignment_json_follows_its_schema(tmp_path):
    td = translate(tmp_path, "# Title\n\nOne. Two.\n\n- item\n", str.upper, engine_name="pseudo")
    data = json.loads(alignment_json.render(td))
    jsonschema.validate(data, schema())
    assert (data["source_lang"], data["target_lang"], data["engine"]) == ("en", "uk", "pseudo")
    assert data["model"] == {"package": "fake", "version": "0"}
    assert [b["kind"] for b in data["blocks"]] == ["heading", "paragraph", "list_item"]
    one, two = data["blocks"][1]["sentences"]
    assert (one["source"], one["target"], one["origin"]) == ("One.", "ONE.", "machine")
    assert (two["source"], two["target"]) == ("Two.", "TWO.")
    assert one["id"].startswith("s1-0-") and two["id"].startswith("s1-1-")


@pytest.mark.parametrize("blocks", ["all", "none"])
def test_alignment_json_is_exactly_what_json_dumps_writes(tmp_path, blocks):
    text = '---\ntitle: T "q" \u00e9\n---\n# H\n\nPara *x* 2.5 km. Two \u2028 lines.\n\n| a | b |\n|---|---|\n| 1 | c |\n'
    td = translate(tmp_path, text, lambda s: s + ' \\ "\u0000"')
    b = td.blocks[1]
    first = dataclasses.replace(
        b.sentences[0],
        flags=("glossary", "stale-review"),
        suggestion=('a"', "b\n"),
        details=('glossary: Kursk "region" → Курська область', "stale-review: \u2028"),
        acks=(Ack("glossary", "0123abcd", 'Олена "О"', "2026-05-01T10:00:00Z"), Ack("stale-review", "0123abcd", "b", "c")),
    )
    td = dataclasses.replace(
        td,
        blocks=(
            dataclasses.replace(b, sentences=(first, *b.sentences[1:]), flags=("x",)),
            *td.blocks,
            dataclasses.replace(b, sentences=()),
        ),
    )
    if blocks == "none":
        td = dataclasses.replace(td, blocks=())
    else:
        jsonschema.validate({**json.loads(alignment_json.render(td)), "engine": "pseudo"}, schema())  # the fake engine has no name there
    assert alignment_json.render(td) == json.dumps(alignment_json.to_dict(td), ensure_ascii=False, indent=2) + "\n"


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_review_page_escapes_everything_from_the_article(tmp_path):
    td = translate(tmp_path, HOSTILE, lambda s: s)
    page = review_html.render(td)
    parsed = Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "a" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert "<script>alert(3)</script>" in "".join(parsed.text)  # shown as text, for the reviewer
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_review_page_shows_numbered_sentence_pairs_and_flags(tmp_path):
    td = translate(tmp_path, "One. Two.\n\nФото: Офіс\n", str.upper)
    page = review_html.render(td)
    assert page.count('class="s p1"') == 4 and page.count('class="s p2"') == 2
    assert "already-target-language" in page and 'class="kept"' in page


def test_article_keeps_line_endings_and_bom(tmp_path):
    td = translate(tmp_path, b"\xef\xbb\xbf# Title\r\n\r\nText.\r\n", str.upper)
    assert td.text == "\ufeff# TITLE\r\n\r\nTEXT.\r\n"
