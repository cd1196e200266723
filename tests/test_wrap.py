"""Wrapping translated paragraphs as their source is wrapped (otel posts: about 80 columns)."""

from __future__ import annotations

import pytest

from pipeline.assemble import align
from tests.conftest import EXAMPLES
from tests.helpers import FakeEngine, document, prose, structure

POSTS = sorted((EXAMPLES / "otel-blog/en").rglob("*.md"))


def translated(tmp_path, text: str, fn, wrap: bool) -> str:
    doc = document(tmp_path, text, "a.md", "en")
    engine = FakeEngine(fn)
    texts = list(dict.fromkeys(align.segments_to_translate(doc, "uk")))
    results = dict(zip(texts, engine.translate(texts)))
    return align.translate_document(doc, "uk", results, engine, align.Assembly(wrap=wrap)).text


def longer(text: str) -> str:
    """A stand-in for a Ukrainian translation: longer words, tags kept."""
    return " ".join(w if "<" in w else w + "ію" for w in text.split(" "))


@pytest.mark.parametrize("post", POSTS, ids=lambda p: p.name)
def test_wrapped_translation_has_the_same_structure_words_and_width(tmp_path, post):
    source = post.read_text()
    flat = translated(tmp_path, source, longer, wrap=False)
    wrapped = translated(tmp_path, source, longer, wrap=True)
    assert structure(wrapped) == structure(flat)
    assert prose(wrapped) == prose(flat)
    width = max(len(line) for line in source.splitlines() if not line.startswith(("http", "[", "|", "{{", "<", "```")))
    body = wrapped.split("\n---\n", 1)[1]
    long_lines = [line for line in body.splitlines() if len(line) > width and " " in line.strip() and "`" not in line and "](" not in line]
    assert len(long_lines) <= 2, long_lines[:3]
    assert wrapped.count("\n") > flat.count("\n")


def test_what_is_not_wrapped(tmp_path):
    text = "# A heading that is long enough to be worth wrapping if it were a paragraph\n\nOne line only.\n\nShort\nlines\nby hand.\n"
    assert translated(tmp_path, text, longer, wrap=True) == translated(tmp_path, text, longer, wrap=False)


def test_a_word_that_would_start_markdown_structure_stays_on_the_line_before(tmp_path):
    source = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron\npi rho sigma.\n"
    out = translated(tmp_path, source, lambda t: "Слово " * 13 + "- 1. # > кінець.", wrap=True)
    assert structure(out) == structure(translated(tmp_path, source, lambda t: "Слово " * 13 + "- 1. # > кінець.", wrap=False))
    assert all(not line.startswith(("-", "#", ">", "1.")) for line in out.splitlines())
