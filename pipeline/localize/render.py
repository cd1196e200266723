"""A quantity written for the target locale, with Babel (CLDR) doing all the formatting.

The source's precision is kept ("2.50" stays "2,50"; "$26,750" gets no ".00"), and so is how it was
written: a long unit name stays long ("kilometers" -> "кілометрів", with CLDR's plural agreement),
a symbol stays a symbol ("km" -> "км"), a date without a year gets no year. A quantity that could
not be read safely (``valid=False``) comes back exactly as written.
"""

from __future__ import annotations

import copy
import datetime
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar, cast

from babel.dates import format_date, format_time, match_skeleton, tokenize_pattern, untokenize_pattern
from babel.numbers import (
    NumberPattern,
    UnknownCurrencyError,
    format_currency,
    format_percent,
    get_currency_name,
    get_currency_unit_pattern,
)
from babel.units import format_unit

from pipeline.core.document import Span
from pipeline.core.locales import parse_locale
from pipeline.localize.quantities import Quantity
from pipeline.localize.vocab import UnitLength, unit_forms

SCALE_POWERS = (12, 9, 6, 3)

T = TypeVar("T")


def render(q: Quantity, locale: str) -> str:
    if not q.valid:
        return q.text
    try:
        return _render_cached(q, locale, str(q.value))
    except TypeError:  # a value that cannot be hashed (a signalling NaN): written afresh
        return _render(q, locale)


@functools.lru_cache(maxsize=4096)
def _render_cached(q: Quantity, locale: str, value: str) -> str:
    """Cached: each atom is written for the article, the bilingual JSON and the review page, and
    the same date or amount recurs; Babel's formatting is the same every time. ``value`` as
    written, since equal Decimals may differ in precision ("2.5" and "2.50")."""
    return _render(q, locale)


def _render(q: Quantity, locale: str) -> str:
    loc = str(parse_locale(locale))
    try:
        return _RENDERERS[q.kind](q, loc)
    except (ValueError, LookupError, ArithmeticError, TypeError, UnknownCurrencyError):
        # a value Babel cannot write (e.g. a unit this locale lacks): the source is never wrong
        return q.text


def _present(field: T | None, q: Quantity) -> T:
    """A field the quantity's kind always has once parsed (a valid number has a value, a date its date)."""
    if field is None:
        raise TypeError(f"incomplete {q.kind} quantity")  # render() then writes it as in the source
    return field


# --- numbers ---------------------------------------------------------------------------------


def _fraction_digits(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@functools.cache
def _pattern(loc: str, kind: str, digits: int) -> NumberPattern:
    """The locale's own pattern, with exactly the fraction digits the source had."""
    locale = parse_locale(loc)
    base = {
        "decimal": locale.decimal_formats[None],
        "percent": locale.percent_formats[None],
        "currency": locale.currency_formats["standard"],
    }[kind]
    pattern = copy.copy(base)
    pattern.frac_prec = (digits, digits)
    return pattern


def _decimal(value: Decimal, loc: str) -> str:
    return _decimal_text(str(value), loc)  # keyed by text: Decimal("1.0") == Decimal("1.00")


@functools.lru_cache(maxsize=65536)
def _decimal_text(value: str, loc: str) -> str:
    # the pattern applied directly: format_decimal parses the locale again on every call, and a
    # table of numbers renders thousands of them (the same ones, often)
    number = Decimal(value)
    return _pattern(loc, "decimal", _fraction_digits(number)).apply(number, parse_locale(loc))


def _compact(value: Decimal, loc: str, length: str, currency: str | None = None) -> str | None:
    """CLDR's compact form ("5 мільйонів", "2,5 млн", "$5M") with the source's digits, or None under 1000."""
    power = next((p for p in SCALE_POWERS if abs(value) >= Decimal(10) ** p), None)
    if power is None:
        return None
    locale = parse_locale(loc)
    mantissa = value.scaleb(-power)
    formats = locale.compact_currency_formats["short"] if currency else locale.compact_decimal_formats[length]
    forms = formats.get(locale.plural_form(mantissa)) or formats["other"]
    pattern = copy.copy(forms[str(10**power)])
    pattern.frac_prec = (_fraction_digits(mantissa),) * 2
    return pattern.apply(mantissa, locale, currency=currency, currency_digits=False)


@functools.cache
def _prose_length(loc: str, length: str) -> str:
    """Short compact forms in prose only where they are words: uk "5 млн" yes, en "5M" no ("5 million")."""
    if length == "short":
        pattern = parse_locale(loc).compact_decimal_formats["short"]["other"][str(10**6)]
        if sum(ch.isalpha() for ch in pattern.suffix[0]) < 2:
            return "long"
    return length


def _number(q: Quantity, loc: str) -> str:
    value = _present(q.value, q)
    if q.style.startswith("scaled"):
        compact = _compact(value, loc, _prose_length(loc, "long" if q.style == "scaled-long" else "short"))
        if compact is not None:
            return compact
    return _decimal(value, loc)


def _percent(q: Quantity, loc: str) -> str:
    value = _present(q.value, q)
    if q.style == "long":
        return _unit_text(value, "concentr-percent", "long", loc)
    pattern = _pattern(loc, "percent", _fraction_digits(value))
    return format_percent(value.scaleb(-2), format=pattern, locale=loc)


def _money(q: Quantity, loc: str) -> str:
    value, code = _present(q.value, q), _present(q.currency, q)
    style = "scaled-long" if q.style == "scaled" and _prose_length(loc, "short") == "long" else q.style
    if style == "scaled":
        compact = _compact(value, loc, "short", currency=code)
        if compact is not None:
            return compact
    if style == "scaled-long":
        number = _compact(value, loc, "long")
        if number is not None:
            # CLDR's "{0} {1}" with the name in the plural the whole amount takes ("5 мільйонів доларів США")
            pattern = get_currency_unit_pattern(code, count=value, locale=loc)
            return pattern.format(number, get_currency_name(code, count=value, locale=loc))
    digits = _fraction_digits(value)
    if style in ("name", "scaled-long"):
        return format_currency(value, code, format=_pattern(loc, "decimal", digits), locale=loc, currency_digits=False, format_type="name")
    return format_currency(value, code, format=_pattern(loc, "currency", digits), locale=loc, currency_digits=False)


@functools.cache
def _unit_length(loc: str, unit: str, length: UnitLength) -> UnitLength:
    """The length asked for, or "short" where CLDR lacks it (uk has no long name for "mile")."""
    return length if unit_forms(unit, length, parse_locale(loc)) else "short"


def _unit_text(value: Decimal, unit: str, length: UnitLength, loc: str) -> str:
    pattern = _pattern(loc, "decimal", _fraction_digits(value))
    # Babel annotates ``format`` as str, but format_unit hands it to parse_pattern, which takes a NumberPattern
    return format_unit(value, unit, _unit_length(loc, unit, length), format=pattern, locale=loc)  # type: ignore[arg-type]


def _unit(q: Quantity, loc: str) -> str:
    # a unit's style is the length its word was read with (vocab.units: "long" or "short")
    length = cast(UnitLength, q.style or "short")
    return _unit_text(_present(q.value, q), _present(q.unit, q), length, loc)


# --- dates and times -------------------------------------------------------------------------


@functools.cache
def _skeleton_pattern(loc: str, skeleton: str) -> str:
    """The locale's pattern for a skeleton, with field widths adjusted as CLDR's matching says.

    Babel finds the closest skeleton ("MMMMEEEEd" -> uk "E, d MMMM") but keeps its widths; we widen
    month and weekday to what was asked ("EEEE, d MMMM": "четвер, 6 лютого").
    """
    locale = parse_locale(loc)
    best = match_skeleton(skeleton, locale.datetime_skeletons)
    pattern = locale.datetime_skeletons[best].pattern
    want = {c: skeleton.count(c) for c in "ME"}
    tokens = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "field" and isinstance(value, tuple):  # a field's value is (char, width), other tokens' text
            char, width = value
            if char in "ML" and width >= 3 and want["M"] >= 3:
                width = want["M"]
            elif char in "Ec" and want["E"] >= 4:
                width = want["E"]
            value = (char, width)
        tokens.append((kind, value))
    return untokenize_pattern(tokens)


@functools.cache
def _date_pattern(loc: str, has_year: bool, has_day: bool, weekday: bool, style: str) -> str:
    locale = parse_locale(loc)
    if style == "iso":
        return "yyyy-MM-dd"
    if style == "numeric":
        return _skeleton_pattern(loc, "yMEd" if weekday else "yMd")
    wide = style == "wide"
    if has_year and has_day:
        if wide:
            return str(locale.date_formats["full" if weekday else "long"].pattern)
        return _skeleton_pattern(loc, "yMMMEd") if weekday else str(locale.date_formats["medium"].pattern)
    if has_day:
        month = "MMMM" if wide else "MMM"
        return _skeleton_pattern(loc, month + ("EEEE" if wide else "E") * weekday + "d")
    return _skeleton_pattern(loc, "yMMMM" if wide else "yMMM")


def _reference_date(month: int, day: int | None, weekday: int | None) -> datetime.date:
    """A date to format a year-less "Thursday, February 6" with: any year where it is a Thursday."""
    if weekday is None:
        return datetime.date(2000, month, day or 1)  # a leap year, for "February 29"
    for year in range(2000, 2400):
        try:
            date = datetime.date(year, month, day or 1)
        except ValueError:
            continue
        if date.weekday() == weekday:
            return date
    raise ValueError(f"no year has {month}-{day} on weekday {weekday}")


def _date(q: Quantity, loc: str) -> str:
    year, month, day, has_weekday = _present(q.date, q)
    date = datetime.date(year, month, day or 1) if year else _reference_date(month, day, q.weekday)
    pattern = _date_pattern(loc, year is not None, day is not None, bool(has_weekday), q.style)
    return format_date(date, pattern, locale=loc)


def _time(q: Quantity, loc: str) -> str:
    value = datetime.time(*_present(q.time, q))
    locale = parse_locale(loc)
    short = str(locale.time_formats["short"].pattern)
    if q.style == "hour" and "h" in short and value.minute == 0:
        return format_time(value, _skeleton_pattern(loc, "h"), locale=loc)
    return format_time(value, "short", locale=loc)


_RENDERERS = {
    "number": _number,
    "percent": _percent,
    "money": _money,
    "unit": _unit,
    "date": _date,
    "time": _time,
}


def renderer(locale: str) -> Callable[[Span], str]:
    """How atoms are written in a translation into ``locale``: quantities by Babel, enforced glossary
    terms as the glossary says, everything else exactly as in the source."""
    import pipeline.localize.glossary as glossary  # lazily: the glossary module reads YAML

    def render_atom(span: Span) -> str:
        if span.kind == "quantity":
            return render(span.value, locale)
        if span.kind == "term":
            return glossary.render(span)
        return span.source

    return render_atom
