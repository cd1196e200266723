from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.articles import markdown
from pipeline.segment import blocks as segment
from pipeline.segment import detect
from pipeline.segment.detect import block_language, document_language
from tests.conftest import EXAMPLES


def test_document_language_tolerates_latin_names_in_ukrainian():
    text = "Доповіді: Taming Telemetry at Scale by Nancy Chauhan; OpenTelemetry Contribfest. Вівторок, 11 листопада."
    assert document_language(text) == "uk"
    seed = (EXAMPLES / "news" / "zelensky-kursk-advance.md").read_text(encoding="utf-8")
    assert document_language(segment.prose(markdown.parse(seed).blocks)) == "en"  # has a Ukrainian caption


def test_block_language_needs_a_clear_majority():
    assert block_language("Фото: Офіс Президента") == "uk"
    assert block_language("Project Lightning Talk: Fluent Bit") == "en"
    assert block_language("OpenTelemetry Collector та його конфігурація") is None
    assert block_language("2025 — 42") is None


def _fresh_identifier() -> None:
    detect._identifier.cache_clear()
    detect._classify.cache_clear()


def test_a_block_in_another_script_is_decided_by_its_script_without_the_identifier():
    _fresh_identifier()
    quote = "«Ми продовжуємо наступ на Курщині, і ворог несе значні втрати», — сказав головнокомандувач."
    assert block_language(quote, "en") == "uk"
    title = "OpenTelemetry: Unpacking 2025, Charting 2026 by Alolita Sharma; Trask Stalnaker; Josh Suereth; Austin Parker"
    assert block_language(title, "uk") == "en"
    assert detect._identifier.cache_info().currsize == 0  # never loaded


def test_an_article_that_declares_its_language_loads_no_identifier_for_blocks_in_other_scripts():
    _fresh_identifier()
    text = "---\nlang: en\n---\n# Kursk\n\nФото: Офіс Президента України, Київ, лютий 2025 року, пресслужба.\n\nShort one.\n"
    doc = markdown.parse(text)
    blocks = segment.build_blocks(doc.blocks, "en", (), ("en", "uk"))
    assert [b.lang for b in blocks] == [None, "uk", None]
    assert detect._identifier.cache_info().currsize == 0


def test_same_script_blocks_go_to_the_identifier_once_per_text():
    _fresh_identifier()
    german = "Die Bundesregierung hat am Mittwoch neue Hilfen für die Ukraine beschlossen, teilte ein Sprecher mit."
    assert block_language(german, "en") == "de"
    assert block_language(german, "en") == "de"
    info = detect._classify.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    long = "Supports lexicographical, numerical comparison. " * 200  # only the first BLOCK_CHARS are read
    assert block_language(long, "en") is None
    assert detect._classify.cache_info().misses == 2


def test_a_block_full_of_the_articles_commonest_words_is_not_identified():
    """Running prose in the article's language: no identifier asked, none loaded; a block of
    another language of the same script still goes to it, also when it holds a Ukrainian name."""
    _fresh_identifier()
    english = "The offensive began on Thursday, and the forces that crossed the border have advanced quickly."
    ukrainian = "Підписи під світлинами зроблено журналістами агенції, які працювали на місці подій."
    assert block_language(english, "en") is None and block_language(ukrainian, "uk") is None
    assert detect._identifier.cache_info().currsize == 0  # never loaded
    russian = "Вчера вечером президент прилетел в Київ, чтобы обсудить с министрами обороны поставки оружия."
    assert block_language(russian, "uk") == "ru"
    assert block_language("Die Bundesregierung hat am Mittwoch neue Hilfen für die Ukraine beschlossen.", "en") == "de"
    assert detect._classify.cache_info().misses == 2


def test_only_the_words_the_identifier_reads_are_collected():
    """A long paragraph's words are looked at as far as the identifier reads, and those are the same."""
    text = "Київ, 5 лютого. " + "Forces advanced quickly near Kursk — сили просунулися. " * 300
    every = " ".join(w for w in detect._WORD_RE.findall(text) if detect._word_script(w) == "LATIN")
    some = detect._only(text, "LATIN", detect.BLOCK_CHARS)
    assert every.startswith(some) and detect.BLOCK_CHARS <= len(some) < detect.BLOCK_CHARS + 20


def test_an_ascii_text_is_counted_and_cut_into_words_as_any_other():
    """The ASCII shortcut (letters counted in C, every word Latin) decides as the per-character path."""
    for text in ("Fluent Bit 3.2: faster, and 50% smaller!", "x_1 = y2 + _z", "2025 -- 42", "", "A" * 300 + " b" * 80):
        slow = Counter()
        for ch in text:
            if ch.isalpha():
                slow[detect._script(ch)] += 1
        assert detect._scripts(text) == slow
        words, size = [], -1
        for w in detect._WORD_RE.findall(text):
            if size >= 40:
                break
            if detect._word_script(w) == "LATIN":
                words.append(w)
                size += len(w) + 1
        assert detect._only(text, "LATIN", 40) == " ".join(words)[:40]  # as far as the identifier reads
        assert detect._only(text, "CYRILLIC", 40) == ""
    assert detect._scripts("naïve café") == Counter({"LATIN": 9})  # not ASCII: the per-character path


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=600), st.integers(1, 300))
def test_ascii_words_are_the_regex_words(text, limit):
    """The C split of an ASCII text reads the very words the regex finds, as far as ``limit``."""
    assert detect._ascii_words(text, limit) == " ".join(detect._WORD_RE.findall(text))[:limit]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_an_ascii_block_has_the_script_its_counts_give(text):
    """_block_script's ASCII shortcut: the script and letters the per-script counts give."""
    counts = detect._scripts(text)
    total = sum(counts.values())
    expected = None if total < detect.MIN_LETTERS else ("LATIN", counts["LATIN"])
    assert detect._block_script(text) == expected
