"""What quantities look like in each source language, read from Babel's CLDR data.

Month and weekday names come from ``Locale.months`` / ``Locale.days``; unit, percent and currency
words are obtained by formatting one sample number per plural category with Babel and cutting the
number off, so every inflected form ("кілометр", "кілометри", "кілометрів", "кілометра") is CLDR's,
not typed here. Only the few surface forms CLDR does not have ("грн", "sq km", the press's "$5m")
are listed by hand, in the ``EXTRA_*`` tables. Everything is computed once per language.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from babel import Locale
from babel.dates import tokenize_pattern
from babel.numbers import format_decimal, get_currency_name
from babel.units import UnknownUnitError, format_unit

from pipeline.core.locales import parse_locale

UnitLength = Literal["short", "long", "narrow"]  # Babel's format_unit lengths
LENGTHS: tuple[UnitLength, ...] = ("long", "short")  # the ones a source may write

# Several locales per language so that both spellings are recognised ("kilometers"/"kilometres",
# "percent"/"per cent", "Sep"/"Sept").
SOURCE_LOCALES = {"en": ("en_US", "en_GB"), "uk": ("uk_UA",)}  # any other language: its own CLDR locale

# The units we recognise, in priority order: a surface form claimed by two units goes to the first.
UNITS = (
    "length-kilometer",
    "length-meter",
    "length-centimeter",
    "length-millimeter",
    "length-mile",
    "length-foot",
    "length-inch",
    "area-square-kilometer",
    "area-square-meter",
    "area-square-mile",
    "area-hectare",
    "area-acre",
    "mass-kilogram",
    "mass-gram",
    "mass-tonne",
    "mass-ton",
    "temperature-celsius",
    "temperature-fahrenheit",
    "speed-kilometer-per-hour",
    "speed-mile-per-hour",
    "volume-liter",
    "volume-cubic-meter",
)
PERCENT_UNIT = "concentr-percent"
CURRENCIES = ("USD", "EUR", "UAH", "GBP", "RUB", "PLN", "CHF", "JPY")
SCALE_POWERS = (3, 6, 9, 12)

# CLDR symbols that are ordinary words or years in running text: "5 in" (inch), "1990 г." (a
# Russian-style year, not grams).
AMBIGUOUS_SYMBOLS = frozenset({"in", "г"})
# Words that name a currency and a unit at once ("5 pounds"): recognised as neither.
AMBIGUOUS_UNITS = ("mass-pound",)

# Surface forms CLDR lacks, mapped to CLDR ids; style "short".
EXTRA_UNITS = {
    "en": {
        "sq km": "area-square-kilometer",
        "sq. km": "area-square-kilometer",
        "km2": "area-square-kilometer",
        "square km": "area-square-kilometer",
        "kph": "speed-kilometer-per-hour",
    },
    "uk": {
        "кв. км": "area-square-kilometer",
        "кв км": "area-square-kilometer",
        "км2": "area-square-kilometer",
        "кв. м": "area-square-meter",
        "м2": "area-square-meter",
    },
}
# CLDR's uk names for the US ton ("тонна", "т") are what Ukrainian writes for the metric tonne.
UNIT_MEANS = {"uk": {"mass-ton": "mass-tonne"}, "en": {}}
EXTRA_CURRENCY_SYMBOLS = {"en": {}, "uk": {"грн.": "UAH", "грн": "UAH", "дол. США": "USD", "дол.": "USD"}}
# Press abbreviations of scales ("$5m", "€2bn"), allowed only right after a currency amount.
EXTRA_SCALES = {"en": {"m": 6, "mn": 6, "bn": 9, "tn": 12, "k": 3}, "uk": {}}
# CLDR writes the year as "2025 р."; prose also says "2025 року".
EXTRA_YEAR_WORDS = {"en": (), "uk": ("року", "рік", "р")}

APOSTROPHES = "ʼ'’"
SPACES = " \u00a0\u202f"


@dataclass(frozen=True)
class Vocab:
    """Surface form -> meaning, for one source language."""

    months: dict[str, tuple[int, str]]  # in "6 February" / "February 6": month, "wide" | "abbreviated"
    month_year: dict[str, tuple[int, str]]  # in "February 2025" / "лютий 2025" (stand-alone too)
    weekdays: dict[str, tuple[int, str]]  # weekday (0 = Monday, as Babel), width
    year_words: tuple[str, ...]  # "р.", "року" after a year
    units: dict[str, tuple[str, str]]  # unit id, "long" | "short"
    percent: dict[str, str]  # "%" -> "symbol", "percent" -> "long"
    currency_symbols: dict[str, str]  # "$", "US$", "грн" -> ISO code
    currency_codes: dict[str, str]  # "USD" -> "USD"
    currency_names: dict[str, str]  # "dollars", "гривень" -> ISO code
    scales: dict[str, tuple[int, str]]  # "million", "млн" -> (6, "long" | "short")
    currency_scales: dict[str, tuple[int, str]]  # also "M", "m", "bn": only after "$5"


def source_locales(lang: str) -> tuple[str, ...]:
    return SOURCE_LOCALES.get(lang, (lang,))


@functools.cache
def number_symbols(lang: str) -> tuple[str, str]:
    """The decimal and group symbols of the language's CLDR locale: en (".", ","), uk (",", " "), de (",", ".")."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = parse_locale(source_locales(lang)[0])
    return get_decimal_symbol(locale), get_group_symbol(locale)


@functools.cache
def day_dot(lang: str) -> bool:
    """Whether the language writes the day of a date with a dot ("6. Februar"), per its CLDR long date."""
    return "d." in str(parse_locale(source_locales(lang)[0]).date_formats["long"].pattern)


def normalize_name(word: str) -> str:
    """The key names are stored under: lower case, CLDR's apostrophe, no final dot."""
    for a in APOSTROPHES:
        word = word.replace(a, "ʼ")
    return word.lower().rstrip(".")


@functools.cache  # per locale (Babel's Locale hashes by its identifier): vocab asks for each unit and currency
def plural_samples(locale: Locale) -> tuple[Decimal, ...]:
    """One number per plural category of the locale (uk: 1 one, 2 few, 5 many, 1.5 other)."""
    found: dict[str, Decimal] = {}
    for s in ("1", "2", "5", "1.5", "0", "11", "21", "0.5"):
        found.setdefault(locale.plural_form(Decimal(s)), Decimal(s))
    return tuple(found.values())


@functools.cache  # vocab asks for a unit's long forms up to three times, render for every quantity
def unit_forms(unit: str, length: UnitLength, locale: Locale) -> tuple[str, ...]:
    """The words CLDR puts after a number for this unit, one per plural category ("км", "кілометрів")."""
    forms: list[str] = []
    for sample in plural_samples(locale):
        try:
            out = format_unit(sample, unit, length, locale=locale)
        except UnknownUnitError:  # a unit this locale does not know
            return ()
        number = format_decimal(sample, locale=locale)
        if unit in out or not out.startswith(number):  # Babel's fallback for a missing pattern
            continue
        word = out[len(number) :].strip(SPACES)
        if word and word not in forms:
            forms.append(word)
    return tuple(forms)


def _with_variants(word: str, capitalize: bool, dotless: bool = True) -> list[str]:
    """Spellings a writer may use for a CLDR word: other apostrophes, sentence-initial capital,
    an abbreviation without its dot ("тис" for "тис.")."""
    out = [word]
    if "ʼ" in word:
        out += [word.replace("ʼ", a) for a in APOSTROPHES[1:]]
    if capitalize:
        out += [w[:1].upper() + w[1:] for w in out]
    if dotless and word.endswith("."):
        out += [w[:-1] for w in out]
    return list(dict.fromkeys(out))


def _names(locales: list[Locale], attr: str, contexts: tuple[str, ...], lower: bool) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for width in ("wide", "abbreviated"):
        for locale in locales:
            for context in contexts:
                for index, name in getattr(locale, attr)[context][width].items():
                    # no "лист" for "лист.": without its dot it is an ordinary word
                    for variant in _with_variants(name, capitalize=lower, dotless=False):
                        out.setdefault(variant, (index, width))
    return out


def _year_words(locale: Locale, lang: str) -> tuple[str, ...]:
    """What CLDR writes after the year in a long date (uk: "р."), plus the prose forms."""
    tokens = tokenize_pattern(str(locale.date_formats["long"].pattern))
    after_year = False
    words = []
    for kind, value in tokens:
        if kind == "field":
            after_year = value[0] == "y"
        elif after_year and isinstance(value, str) and value.strip(SPACES):  # not a field: its text
            words.append(value.strip(SPACES))
    return tuple(dict.fromkeys(words + list(EXTRA_YEAR_WORDS.get(lang, ()))))


def _unquote(pattern_text: str) -> str:
    return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", pattern_text)


def _scales(locales: list[Locale]) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for length in ("long", "short"):
        for locale in locales:
            for forms in locale.compact_decimal_formats[length].values():
                for power in SCALE_POWERS:
                    pattern = forms.get(str(10**power))
                    if pattern is None:
                        continue
                    word = _unquote(pattern.suffix[0]).strip(SPACES)
                    for variant in _with_variants(word, capitalize=False):
                        out.setdefault(variant, (power, length))
    return out


def _head_word(name: str) -> str | None:
    """The noun of a currency name: "US dollars" -> "dollars", "доларів США" -> "доларів"."""
    words = [w for w in name.split() if not w.isupper()]
    if len(name.split()) < 2 or not words:
        return None
    # en puts the noun last ("US dollars"); uk puts adjectives first and "США" last.
    return words[-1]


@functools.cache
def vocab(lang: str) -> Vocab:
    locales = [parse_locale(x) for x in source_locales(lang)]
    # uk, pl... write month names in lower case (CLDR too) and capitalise them at a sentence start
    lower = locales[0].months["format"]["wide"][1].islower()

    units: dict[str, tuple[str, str]] = {}
    for unit in UNITS:
        meaning = UNIT_MEANS.get(lang, {}).get(unit, unit)
        for length in LENGTHS:
            for locale in locales:
                # where CLDR has no long name (uk "mile"), the short forms are full words: "45 миль"
                style = "long" if not unit_forms(unit, "long", locale) else length
                for word in unit_forms(unit, length, locale):
                    if word not in AMBIGUOUS_SYMBOLS:
                        units.setdefault(word, (meaning, style))
    for word, unit in EXTRA_UNITS.get(lang, {}).items():
        units.setdefault(word, (unit, "short"))

    percent = {"%": "symbol"}
    for locale in locales:
        for word in unit_forms(PERCENT_UNIT, "long", locale):
            percent.setdefault(word, "long")

    ambiguous = {w.lower() for u in AMBIGUOUS_UNITS for loc in locales for ln in LENGTHS for w in unit_forms(u, ln, loc)}
    symbols: dict[str, str] = {}
    names: dict[str, str] = {}
    for code in CURRENCIES:
        # signs are shared across languages: Ukrainian news writes "$5 млн" although uk CLDR says "USD"
        for ident in SOURCE_LOCALES["en"] + SOURCE_LOCALES["uk"]:
            symbol = parse_locale(ident).currency_symbols.get(code)
            if symbol and symbol != code:
                symbols.setdefault(symbol, code)
        for locale in locales:
            forms = [get_currency_name(code, count, locale) for count in plural_samples(locale)]
            forms.append(locale.currencies.get(code, code))
            for form in forms:
                for name in (form, _head_word(form)):  # the head word may be None
                    if name and name.lower() not in ambiguous and name != code:
                        names.setdefault(name, code)
    symbols.update({k: v for k, v in EXTRA_CURRENCY_SYMBOLS.get(lang, {}).items() if k not in symbols})

    scales = _scales(locales)
    bare_scales = {w: v for w, v in scales.items() if v[1] == "long" or len(w.rstrip(".")) >= 3}
    currency_scales = dict(scales)
    for word, power in EXTRA_SCALES.get(lang, {}).items():
        currency_scales.setdefault(word, (power, "short"))

    return Vocab(
        months=_names(locales, "months", ("format",), lower),
        month_year=_names(locales, "months", ("stand-alone", "format"), lower),
        weekdays=_names(locales, "days", ("format", "stand-alone"), lower),
        year_words=_year_words(locales[0], lang),
        units=units,
        percent=percent,
        currency_symbols=symbols,
        currency_codes={c: c for c in CURRENCIES},
        currency_names=names,
        scales=bare_scales,
        currency_scales=currency_scales,
    )
