"""The one interface every engine implements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.core.identity import MACHINE, ModelId


@dataclass(frozen=True)
class Translated:
    text: str
    flags: tuple[str, ...] = ()
    origin: str = MACHINE  # identity.ORIGINS: machine | human (an editor's text, placeholders and all)
    model: ModelId | None = None  # what produced it, when it comes from the records or the memory
    markdown: bool = False  # an editor's text saved before placeholders were kept (memory format 1): final Markdown


class Engine(Protocol):
    name: str  # "argos" | "pseudo"
    source_lang: str
    target_lang: str
    model: str  # what produced the output: the package name...
    model_version: str  # ...and its version

    # read-only here, so that an engine may keep its settings in a dict (a mutable Mapping attribute would be invariant)
    @property
    def settings(self) -> Mapping[str, object]:
        """Everything else that changes the output."""
        ...

    def translate(self, texts: Sequence[str]) -> Iterable[Translated]:
        """Translate sentences (with placeholders): one result per input, in order, possibly as a
        generator that yields each result as soon as it is ready."""
        ...
