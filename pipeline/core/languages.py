"""Which languages the pipeline works in: data, not code, asked of the engine.

An engine's registry line (engines/registry.py) names its languages hook: the directions it can
do (for argos: a package installed here, or listed by the index as last cached, or one of the
official two, which `translate` downloads on first use; engines/argos_settings.pairs). An engine
without one (pseudo) takes any language Babel has a locale for. With no model for a direction
X->Y, an engine whose line names a pivot goes through it (X->en, en->Y), as the Argos library does.
"""

from __future__ import annotations

import functools
import re

from pipeline.core.config import LANGUAGES, Config
from pipeline.engines import registry

_CODE_RE = re.compile(r"[a-z]{2,3}")


def normalise(code: object) -> str:
    """ "de-DE", "pl_PL", "UK" -> the primary language subtag in lower case."""
    return str(code).strip().replace("_", "-").split("-")[0].lower()


def well_formed(code: str) -> bool:
    return bool(_CODE_RE.fullmatch(code))  # (not match with $: "en\n" is no code)


def pairs(config: Config, engine: str | None = None, refresh: bool = False) -> set[tuple[str, str]] | None:
    """The directions the engine (config.yaml's, unless named) can do; None: any language Babel
    has a locale for. ``refresh``: its source of models asked again first (the network)."""
    hook = registry.languages_hook(engine or config.engine)
    return None if hook is None else hook(config, refresh)


def known(config: Config, engine: str | None = None) -> set[str]:
    """Codes that `--to`, `--from`, `languages:` and `models install` accept: those of the
    engine's directions; for an engine without a languages hook (pseudo), the official two and
    those of `languages:` that Babel has a locale for."""
    found = pairs(config, engine)
    if found is None:
        codes = {*LANGUAGES, *(c for c in config.languages if _babel_knows(c))}
    else:
        codes = {c for pair in found for c in pair}
    return {normalise(c) for c in codes}


def route(config: Config, source: str, target: str, engine: str | None = None) -> tuple[tuple[str, str], ...]:
    """The models a direction needs: itself when the engine has one (or takes any language, or
    names no pivot), else through its pivot."""
    pivot = registry.ENGINES[engine or config.engine].pivot
    available = pairs(config, engine)
    if available is None or pivot is None or (source, target) in available or pivot in (source, target):
        return ((source, target),)
    return ((source, pivot), (pivot, target))


def check(config: Config, codes, what: str) -> None:
    """Refuse (exit 2, one line) a code the engine does not cover, naming what is available."""
    from pipeline.core.errors import PipelineError

    for code in codes:
        if code is None:
            continue
        if registry.languages_hook(config.engine) is None and _babel_knows(code):
            continue
        usable = known(config)
        if code not in usable:
            fresh = pairs(config, refresh=True)  # the index, only now, and only when reachable
            usable |= {normalise(c) for pair in fresh or () for c in pair}
        if code not in usable:
            raise PipelineError(
                f"{what}: {code!r} is not a language of {registry.covers(config.engine)}; available: {', '.join(sorted(usable))}"
            )


@functools.cache
def _babel_knows(code: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return well_formed(code)


@functools.cache
def name(code: str) -> str:
    """The language's own name ("Deutsch", "Українська"), from CLDR; the code if Babel lacks it."""
    from babel import Locale, UnknownLocaleError

    try:
        own = Locale.parse(code).get_display_name(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return own[:1].upper() + own[1:] if own else code


def default_source(config: Config, target: str) -> str | None:
    """The language assumed for an article without prose when translating into ``target``."""
    return next((lang for lang in (*config.languages, *LANGUAGES) if lang != target), None)
