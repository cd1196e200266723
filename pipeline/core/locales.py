"""Which CLDR locale each target language is written in (numbers, dates, units): `locales:` in
config.yaml, else a default. Checked when the configuration is read; only Babel's core is
imported here, so `check` stays light (the formatting itself is localize/render.py)."""

from __future__ import annotations

import functools
import re

from babel import Locale, UnknownLocaleError

from pipeline.core.errors import ConfigError

DEFAULT_LOCALES = {"uk": "uk_UA", "en": "en_US"}
# language[_Script][_REGION][_variant] with "_" or "-": no path, no "@" keyword, nothing Babel
# would read from a file of another name
_IDENT_RE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}$")


@functools.cache
def parse_locale(ident: str) -> Locale:
    return Locale.parse(ident, sep="-" if "-" in ident else "_")


def locale_for(lang: str, configured: dict[str, str] | None = None) -> str:
    """The locale to render into for a target language: configured ("en_GB", "uk", "uk-UA") or the
    default. ConfigError (naming ``locales.<lang>``) when there is none Babel knows."""
    why = problem(lang, configured)
    if why:
        raise ConfigError(f"locales.{lang}: {why}")
    return str(parse_locale(_ident(lang, configured)))


def problem(lang: str, configured: dict[str, str] | None = None) -> str | None:
    """Why ``lang`` has no usable locale (one line, without the key), or None."""
    ident = _ident(lang, configured)
    shown = repr(ident if len(ident) <= 40 else ident[:39] + "…")
    if not _IDENT_RE.match(ident):
        return f"{shown} is not a locale (uk_UA, en_GB, pt-BR...)"
    try:
        locale = parse_locale(ident)
    except (UnknownLocaleError, ValueError):
        if not (configured or {}).get(lang):
            return f"no CLDR locale for the language {lang!r}; set locales.{lang} to one (pt_BR, zh_Hant...)"
        return f"{shown} is not a locale Babel (CLDR) knows (uk_UA, en_GB, pt-BR...)"
    try:
        own = parse_locale(lang).language
    except (UnknownLocaleError, ValueError):
        return None  # an Argos code without a CLDR locale of its own (pb, zt): any locale may serve
    if locale.language != own:
        return f"{shown} is a locale of {locale.language!r}, not of {lang!r}"
    return None


def _ident(lang: str, configured: dict[str, str] | None) -> str:
    return (configured or {}).get(lang) or DEFAULT_LOCALES.get(lang) or lang
