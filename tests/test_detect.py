from __future__ import annotations

from pipeline.articles import markdown
from pipeline.segment import blocks as segment
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
