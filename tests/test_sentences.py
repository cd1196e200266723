from __future__ import annotations

import re

import pytest

from pipeline.segment import sentences


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", 'He said. "I yelled at everyone." Then he left.', ["He said.", '"I yelled at everyone."', "Then he left."]),
        ("en", "St. Martin's was run by Mr. Adams in the U.S. Army.", ["St. Martin's was run by Mr. Adams in the U.S. Army."]),
        ("uk", "У 2025 р. було скоєно 5 тис. злочинів. Це багато.", ["У 2025 р. було скоєно 5 тис. злочинів.", "Це багато."]),
        ("uk", "Пан А. Лінд сказав: «Так». Потім пішов.", ["Пан А. Лінд сказав: «Так».", "Потім пішов."]),
        ("uk", "Він живе в м. Київ, вул. Хрещатик. Відомо.", ["Він живе в м. Київ, вул. Хрещатик.", "Відомо."]),
    ],
)
def test_library_splitters_per_language(lang, text, expected):
    assert sentences.split(text, lang) == expected


def test_a_pair_is_never_cut_between_sentences():
    text = "Read <g1>the docs. They help.</g1> Then go. Done."
    assert sentences.split(text, "en") == ["Read <g1>the docs. They help.</g1> Then go.", "Done."]


def test_pieces_cover_the_whole_text():
    text = "One.  Two?   Three!  «Чотири.» П'ять."
    for lang in ("en", "uk"):
        assert " ".join(sentences.split(text, lang)).split() == text.split()


def test_long_run_on_sentences_are_cut_at_clauses_then_words():
    text = ", ".join(f"clause number {i} of a list" for i in range(60)) + "."
    parts = sentences.split(text, "en")
    assert len(parts) > 1 and all(len(p) <= sentences.MAX_CHARS for p in parts)
    assert all(p.endswith((",", ".")) for p in parts)
    assert " ".join(parts) == text


def test_one_unbreakable_word_is_left_whole():
    word = "x" * (sentences.MAX_CHARS * 2)
    assert sentences.split(word, "en") == [word]


def test_a_long_ukrainian_paragraph_is_split_as_a_whole_but_only_around_punctuation():
    import time

    from pipeline.segment.sentences import LONG, _sentences, splitter

    sentence = "Президент заявив, що війська просунулися на 2,5 км. Це сталося вчора! Чи так? "
    words = " ".join(["слово"] * 3000)
    text = (sentence * 40 + words + " " + sentence * 10 + words + " Кінець.").strip()
    assert len(text) > LONG
    assert [s.strip() for s in _sentences(text, "uk") if s.strip()] == splitter("uk")(text)
    started = time.process_time()
    assert len(sentences.split(" ".join(["слово"] * 400_000) + ".", "uk")) > 1000  # 2.4 million characters
    assert time.process_time() - started < 3  # the whole text through tokenize-uk took ~5 s


def by_semicolons(text: str) -> list[str]:
    return re.split(r"(?<=;)\s+", text)


def test_a_language_registered_with_its_own_splitter_is_split_by_it(monkeypatch):
    monkeypatch.setitem(sentences.SPLITTERS, "eo", f"{__name__}:by_semicolons")
    sentences.splitter.cache_clear()
    try:
        assert sentences.split("Unu; du. Tri", "eo") == ["Unu;", "du. Tri"]  # sentencex would cut at the full stop
    finally:
        sentences.splitter.cache_clear()
