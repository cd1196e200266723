"""Engines by name: the one list that configuration checks, the CLI offers (`--engine`), the
bilingual JSON schema allows (test_schema_names_every_engine) and the factory creates from.

An engine is added with one module (a class with the engines.base.Engine attributes and a
``create(config, source, target, allow_download, progress)`` function) and one line here. Its module
is imported only when an engine is made, so `--help` and `check` stay instant.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSpec:
    name: str
    module: str  # pipeline.engines.<module>: holds create(...)
    models: bool  # translates with installed models (a missing one is exit 3); False: no model at all
    translation: bool  # its output is a translation; False (pseudo): never passes for one (check says so)
    about: str  # one line for --help and the docs


ENGINES: dict[str, EngineSpec] = {
    spec.name: spec
    for spec in (
        EngineSpec("argos", "argos", True, True, "Argos Translate models through CTranslate2 (on a Ray cluster with `cluster:`)"),
        EngineSpec("pseudo", "pseudo", False, False, "marks each sentence with the target language: checks layouts without a model"),
    )
}
DEFAULT = "argos"
NAMES = tuple(ENGINES)


def is_translation(engine: str) -> bool:
    """Whether output of this engine counts as a translation (a person's does; pseudo's never)."""
    spec = ENGINES.get(engine)
    return spec is None or spec.translation
