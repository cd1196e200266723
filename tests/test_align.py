from __future__ import annotations

import re

from pipeline.core import flags
from tests.helpers import structure, translate

TAGS = re.compile(r"</?[xg]\d+/?>")


def test_sentence_pairs_face_each_other(tmp_path):
    td = translate(tmp_path, "One here. Two there.\n\n## Head\n", lambda s: s.upper())
    pairs = [[(p.source, p.target) for p in b.sentences] for b in td.blocks]
    assert pairs == [[("One here.", "ONE HERE."), ("Two there.", "TWO THERE.")], [("Head", "HEAD")]]


def test_engine_that_loses_every_tag_still_keeps_links_and_code(tmp_path):
    text = "Read [the docs](https://d.org/x) and run `make` with **care**.\n"
    td = translate(tmp_path, text, lambda s: TAGS.sub("", s).upper())
    assert structure(td.text) == structure(text)
    assert "[THE DOCS](https://d.org/x)" in td.text and "`make`" in td.text and "**CARE**" in td.text
    (sentence,) = td.blocks[0].sentences
    assert set(sentence.flags) == {flags.MARKUP_SPLIT, flags.PLACEHOLDER_RESTORED}


def test_blocks_already_in_the_target_language_are_kept_and_flagged(tmp_path):
    text = "English text here.\n\nФото: Офіс Президента\n"
    td = translate(tmp_path, text, lambda s: "X")
    caption = td.blocks[1]
    assert caption.target == caption.source == "Фото: Офіс Президента"
    assert caption.flags == (flags.TARGET_LANGUAGE,)
    assert td.text == "X\n\nФото: Офіс Президента\n"


def test_engine_flags_reach_the_sentence(tmp_path):
    from pipeline.assemble import align
    from pipeline.engines.base import Translated
    from tests.helpers import FakeEngine, document

    doc = document(tmp_path, "Loops here.\n")
    results = {"Loops here.": Translated("loops loops loops", (flags.DECODING_CAPPED,))}
    td = align.translate_document(doc, "uk", results, FakeEngine(str))
    assert td.blocks[0].sentences[0].flags == (flags.DECODING_CAPPED,)
