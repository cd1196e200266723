"""Which languages the pipeline works in: data, not code.

A language is usable when an Argos package installed here covers it, or the package index lists
one (the index as last cached, so validating needs no network), or it is one of the official
defaults (en, uk), which `translate` downloads on first use. With no direct package a direction
X->Y runs through English (X->en, en->Y), as the Argos library does.
"""

from __future__ import annotations

import functools
import re

from pipeline.core.config import LANGUAGES, Config
from pipeline.engines.registry import ENGINES

PIVOT = "en"
_CODE_RE = re.compile(r"[a-z]{2,3}")


def normalise(code: object) -> str:
    """ "de-DE", "pl_PL", "UK" -> the primary language subtag in lower case."""
    return str(code).strip().replace("_", "-").split("-")[0].lower()


def well_formed(code: str) -> bool:
    return bool(_CODE_RE.fullmatch(code))  # (not match with $: "en\n" is no code)


def known(config: Config) -> set[str]:
    """Codes that `--to`, `--from`, `languages:` and `models install` accept. The pseudo engine
    needs no package: any language Babel has a locale for will do."""
    from pipeline.engines import packages

    codes = set(LANGUAGES)
    for p in packages.installed(config.argos):
        codes.update((p.from_code, p.to_code))
    codes.update(c for pair in packages.cached_pairs(config.argos) for c in pair)
    if not ENGINES[config.engine].models:
        codes.update(c for c in config.languages if _babel_knows(c))
    return {normalise(c) for c in codes}


def pairs(config: Config) -> set[tuple[str, str]]:
    """Directions a package exists for, installed or indexed (as cached), plus the official two."""
    from pipeline.engines import packages

    found = {(p.from_code, p.to_code) for p in packages.installed(config.argos)}
    found.update(packages.cached_pairs(config.argos))
    found.update({("en", "uk"), ("uk", "en")})
    return found


def route(config: Config, source: str, target: str) -> tuple[tuple[str, str], ...]:
    """The packages a direction needs: itself when a package exists, else through English."""
    available = pairs(config)
    if (source, target) in available or PIVOT in (source, target):
        return ((source, target),)
    return ((source, PIVOT), (PIVOT, target))


def check(config: Config, codes, what: str) -> None:
    """Refuse (exit 2, one line) a code no package covers, naming what is available."""
    from pipeline.core.errors import PipelineError

    for code in codes:
        if code is None:
            continue
        if not ENGINES[config.engine].models and _babel_knows(code):
            continue
        usable = known(config)
        if code not in usable:
            usable |= _from_index(config)  # the index, only now, and only when reachable
        if code not in usable:
            raise PipelineError(
                f"{what}: {code!r} is not a language of any installed or indexed package; available: {', '.join(sorted(usable))}"
            )


def _from_index(config: Config) -> set[str]:
    from pipeline.core.errors import PipelineError
    from pipeline.engines import packages

    try:
        packages.fetch_index(config.argos)
    except PipelineError:
        return set()
    return {c for pair in packages.cached_pairs(config.argos) for c in pair}


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
