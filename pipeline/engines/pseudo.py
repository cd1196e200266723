"""A deterministic pseudo-translation for checking layouts without a model.

It keeps every word, marks each segment with the target language ("⟦uk⟧ ..."), and goes through
every other step of the pipeline: placeholders, localisation, alignment, outputs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pipeline.engines.base import Translated


class PseudoEngine:
    name = "pseudo"
    model = "pseudo"
    model_version = "1"
    settings: dict[str, object] = {}

    def __init__(self, source_lang: str, target_lang: str):
        self.source_lang = source_lang
        self.target_lang = target_lang

    def translate(self, texts: Sequence[str]) -> Iterator[Translated]:
        for t in texts:
            yield Translated(f"\u27e6{self.target_lang}\u27e7 {t}")


def create(config, source_lang: str, target_lang: str, **_options) -> PseudoEngine:
    """The registry's factory (engines/registry.py): no model, nothing to download."""
    return PseudoEngine(source_lang, target_lang)
