"""Engines by name: the one list that configuration reads (each engine's `<name>:` section), the
languages check asks (core/languages.py), the CLI offers (`--engine`), the bilingual JSON schema
allows (assemble/alignment_json.schema) and the factory creates from.

An engine is added with one module and one line here (docs/architecture.md, "Where to add"). Its
module is imported only when an engine is made; its settings class and languages hook, named
"module:attribute", are imported when a configuration is read or a language checked, so they
must be light (no model library at the top of their module): `--help` and `check` stay instant.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.core.config import Config

# the languages hook: the directions the engine can do, or None for any language Babel has a
# locale for; ``refresh``: ask the source of its models again (the network) before answering
Pairs = Callable[["Config", bool], "set[tuple[str, str]] | None"]


@dataclass(frozen=True)
class EngineSpec:
    name: str  # also its section's key in config.yaml
    module: str  # the module holding create(config, source, target, *, allow_download, progress, load)
    models: bool  # translates with installed models (a missing one is exit 3); False: no model at all
    translation: bool  # its output is a translation; False (pseudo): never passes for one (check says so)
    about: str  # one line for --help and the docs
    # "module:Class": a frozen dataclass, the `<name>:` section of config.yaml (numbers with
    # config.bounded ranges, an optional problems() -> str | None); None: no settings
    settings: str | None = None
    languages: str | None = None  # "module:function", a Pairs; None: any language Babel has a locale for
    pivot: str | None = None  # a direction it has no model for goes through this language (X->en->Y)
    covers: str = ""  # what has its languages, in messages ("'ja' is not a language of ..."); default: its models


ENGINES: dict[str, EngineSpec] = {
    spec.name: spec
    for spec in (
        EngineSpec(
            "argos",
            "pipeline.engines.argos",
            True,
            True,
            "Argos Translate models through CTranslate2 (on a Ray cluster with `cluster:`)",
            settings="pipeline.engines.argos_settings:ArgosConfig",
            languages="pipeline.engines.argos_settings:pairs",
            pivot="en",
            covers="any installed or indexed package",
        ),
        EngineSpec(
            "pseudo",
            "pipeline.engines.pseudo",
            False,
            False,
            "marks each sentence with the target language: checks layouts without a model",
        ),
    )
}
DEFAULT = "argos"


def names() -> tuple[str, ...]:
    """The registered engines, read when asked (an engine registered after import counts)."""
    return tuple(ENGINES)


def is_translation(engine: str) -> bool:
    """Whether output of this engine counts as a translation (a person's does; pseudo's never)."""
    spec = ENGINES.get(engine)
    return spec is None or spec.translation


def settings_class(engine: str) -> type | None:
    """The dataclass of an engine's config.yaml section, or None when it has none."""
    where = ENGINES[engine].settings
    found = _resolve(where) if where else None
    if found is not None and not (isinstance(found, type) and dataclasses.is_dataclass(found)):
        raise TypeError(f"{where} is not a dataclass")  # a registry line gone wrong: a programming error
    return found


def sections() -> dict[str, type]:
    """Every registered engine's settings class by engine name (engines without settings left out)."""
    return {name: cls for name in ENGINES if (cls := settings_class(name)) is not None}


def languages_hook(engine: str) -> Pairs | None:
    where = ENGINES[engine].languages
    found: Pairs | None = _resolve(where) if where else None
    return found


def _resolve(where: str) -> Any:
    module, attribute = where.split(":")
    return getattr(importlib.import_module(module), attribute)


def covers(engine: str) -> str:
    """What holds an engine's languages, as a message names it."""
    spec = ENGINES[engine]
    return spec.covers or f"the {spec.name} engine's models"
