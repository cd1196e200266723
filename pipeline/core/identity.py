"""Who or what a translation is from, defined once: the origin of a sentence's translation
(machine, human, kept) and the identity of a model (`ModelId`), as sacrebleu's signatures name a
metric's settings. The records, the memory, the engines and the outputs all use these."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

MACHINE, HUMAN, KEPT = "machine", "human", "kept"  # an engine's output | a person's | not translated
ORIGINS = (MACHINE, HUMAN, KEPT)


@dataclass(frozen=True)
class ModelId:
    """What produced a translation: the engine, the model package and its version, and the
    decoding settings that change the output."""

    engine: str  # argos | pseudo | ... ; "human" for an editor
    package: str = ""
    version: str = ""
    settings: str = "{}"  # canonical JSON (settings_key)


HUMAN_ID = ModelId(HUMAN)


def settings_key(settings: Mapping[str, object]) -> str:
    """Decoding settings as the identity keeps them: canonical JSON."""
    return json.dumps(dict(settings), sort_keys=True, separators=(",", ":"))
