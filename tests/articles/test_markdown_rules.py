"""markdown_rules: the rules tried by character give the very parse markdown-it gives trying them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.articles import markdown, markdown_rules

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

# Lines made of what starts Markdown structure and inline markup, so every rule gets its chance.
PIECES = [
    "# ", "## ", "> ", "- ", "* ", "+ ", "1. ", "2) ", "    ", "\t", "---", "***", "___", "===", "```", "~~~",
    "| a | b |", "|---|---|", ":-:", "[^1]: ", "[^1]", "[x]: /u", "[x]", "](/u)", "![", "<div>", "</div>", "<a href='x'>",
    "<http://e.com>", "&amp;", "&#35;", "\\", "\\#", "`", "``", "*", "**", "_", "~~", "^[", "{{< x >}}", "word", "two words",
    " ", "\n", "\n\n", "---\ntitle: t\n---\n",
]  # fmt: skip


def _tokens(md, text: str) -> list:
    def flat(tokens):
        return [(t.type, t.tag, t.nesting, t.map, t.content, t.markup, t.info, t.meta, flat(t.children or [])) for t in tokens]

    return flat(md.parse(text))


@pytest.fixture(scope="module")
def parsers():
    plain = markdown.configured()
    fast = markdown.configured()
    markdown_rules.install(fast)
    return plain, fast


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_tokens_as_every_rule_tried(parsers, pieces):
    plain, fast = parsers
    text = "".join(pieces)
    assert _tokens(fast, text) == _tokens(plain, text)


def test_same_tokens_on_the_bench_articles(parsers):
    plain, fast = parsers
    files = sorted(SHARED.rglob("*.md"))[:400]
    if not files:
        pytest.skip("no shared articles")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _tokens(fast, text) == _tokens(plain, text), path


def test_every_rule_of_the_parser_is_known(parsers):
    """A rule markdown-it or a plugin adds is tried everywhere (correct, only slower): say so here."""
    plain, _ = parsers
    known = {"front_matter", "table", "code", "lheading", "paragraph"} | set(markdown_rules.BLOCK_STARTS)
    assert {r.name for r in plain.block.ruler.__rules__ if r.enabled} <= known
    inline = {r.name for r in plain.inline.ruler.__rules__ if r.enabled}
    assert inline <= {"text", "linkify"} | set(markdown_rules.INLINE_STARTS)
