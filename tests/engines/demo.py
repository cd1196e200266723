"""A test engine, added the way docs/architecture.md says an engine is added: this one module (a
class, ``create``, a settings dataclass and a languages hook) and one registry line, ``SPEC``,
which tests/engines/test_demo.py puts in engines/registry.py's ENGINES (monkeypatch).

It does en<->de only. Its "model" swaps a few words from a table and leaves the rest, placeholders
included, as it is; ``demo.repeat`` (1 to 3, a bounded number) says how many times each sentence is
marked, so a setting visibly reaches the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pipeline.core.config import Config, bounded, shown
from pipeline.core.errors import ModelMissing
from pipeline.engines.base import Translated
from pipeline.engines.registry import EngineSpec

WORDS = {("en", "de"): {"Hello": "Hallo", "world": "Welt", "house": "Haus", "The": "Das"}}
WORDS[("de", "en")] = {v: k for k, v in WORDS[("en", "de")].items()}
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class DemoConfig:
    repeat: int = bounded(1, 1, 3)  # marks before each sentence
    marker: str = "DEMO"

    def problems(self) -> str | None:
        if not self.marker.isalpha():
            return f"marker: {shown(self.marker)} is not a word"
        return None


def pairs(config: Config, refresh: bool = False) -> set[tuple[str, str]]:
    """The languages hook: the directions a word table exists for."""
    return set(WORDS)


class DemoEngine:
    name = "demo"
    model = "demo-words"
    model_version = "1"

    def __init__(self, source_lang: str, target_lang: str, settings: DemoConfig):
        self.source_lang, self.target_lang = source_lang, target_lang
        self.words = WORDS[(source_lang, target_lang)]
        self.options = settings

    @property
    def settings(self) -> dict[str, object]:
        return {"repeat": self.options.repeat, "marker": self.options.marker}

    def translate(self, texts: Sequence[str]) -> Iterator[Translated]:
        mark = f"{self.options.marker}:{self.target_lang} " * self.options.repeat
        for text in texts:
            yield Translated(mark + _WORD_RE.sub(lambda m: self.words.get(m.group(), m.group()), text))


def create(config: Config, source_lang: str, target_lang: str, *, allow_download=True, progress=None, load=False) -> DemoEngine:
    if (source_lang, target_lang) not in WORDS:
        raise ModelMissing(f"the demo engine has no model for {source_lang}->{target_lang}")
    return DemoEngine(source_lang, target_lang, config.section("demo"))


SPEC = EngineSpec(
    "demo",
    "tests.engines.demo",
    True,
    True,
    "a test engine: a few words, en<->de",
    settings="tests.engines.demo:DemoConfig",
    languages="tests.engines.demo:pairs",
)
