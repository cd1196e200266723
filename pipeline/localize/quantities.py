"""Numbers, percentages, money, units, dates and times in running text, read in the source
language's own conventions ("1,100.5" in English, "1 100,5" in Ukrainian).

Each quantity found becomes an atom the translation model does not touch; ``render`` then writes
it for the target locale with CLDR (Babel), so separators, month names, unit words and their
plural agreement come out right without asking the model. Recognition is conservative: a span is
taken only when it cannot plausibly be something else. Years standing alone, ordinals, versions,
phone numbers, identifiers ("COVID-19", "F-16", "ISO 27001"), numbers glued to letters, fractions
and clock readings without a time cue (sports clocks, scores) stay plain text. A span that looks
like a quantity but cannot be read safely ("1e308", forty digits, "February 30", "1,234.567,8") is
returned with ``valid=False`` and is rendered exactly as written.

Word lists (months, units, currencies, scales) come from Babel, see ``vocab``.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from pipeline.localize import regex_starts
from pipeline.localize.vocab import day_dot, normalize_name, number_symbols, vocab
from pipeline.segment.protect import Atom, Prefiltered, Run, Text, split_runs

LANGS = ("en", "uk")  # tuned by hand; any other language is read by its CLDR conventions
MAX_INT_DIGITS = 15  # beyond this a "number" is an identifier or a mistake; never reformat it


@dataclass(frozen=True)
class Quantity:
    kind: str  # "number" | "percent" | "money" | "unit" | "date" | "time"
    text: str  # exactly as written in the source
    value: decimal.Decimal | None = None  # percent: 39 for "39%"; money: the amount; unit: the magnitude
    unit: str | None = None  # CLDR unit id, e.g. "length-kilometer"
    currency: str | None = None  # ISO 4217
    date: tuple | None = None  # (year or None, month, day or None, weekday written: bool)
    time: tuple | None = None  # (hour, minute), 24 h
    style: str = ""  # how it was written, kept in the output
    valid: bool = True  # False: quantity-like but not safely readable; rendered as written
    weekday: int | None = None  # the weekday written (0 = Monday, as Babel), needed when there is no year


# --- building blocks of the patterns ---------------------------------------------------------

SP = "[ \u00a0\u202f]"
DASHES = "-\u2010\u2011\u2013\u2014"
DAY = r"(?:3[01]|[12]\d|0?[1-9])"
EN_ORDINAL = r"(?:st|nd|rd|th)?"
# Not inside a word, a decimal, a path, a hashtag or "COVID-19"; "10-13" is a range and allowed.
NUM_START = (
    r"(?:(?<![^\s(\[])[-\u2212](?=\d)"  # a minus sign only after a space or a bracket
    rf"|(?<![\w.,:/#№+@'’$€£₴¥%=&?^\\])(?<![^\W\d_][{DASHES}]))"
)
# Not "5G", "1st", "30-year-old", "5-й", "1990's", "24/7", "5:3", "km²"-less "5²".
NUM_END = rf"(?![\w²³°%‰]|[{DASHES}][^\W\d_]|['’]\w|/\d|:\d)"
YEAR = rf"\d{{4}}(?![\w]|[.,:]\d|[{DASHES}]\d)"

_DIGIT_RE = re.compile(r"\d")
_SPACES_RE = re.compile(SP)
_EN_NUMBER_RE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_UK_NUMBER_RE = re.compile(r"\d+(?:,\d+)?")
_DOT_GROUPED_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_YEAR_LIKE_RE = re.compile(r"1\d{3}|20\d{2}|2100")
# Words after which a bare number is a name, a version or a reference, not an amount.
_IDENT_BEFORE_RE = re.compile(
    r"(?:(?<!\w)(?:[A-ZА-ЯІЇЄҐ]{2,}|No\.?|Nr\.?|№|#|[Vv]\.?|[Vv]ersions?|[Rr]elease|Python|Java|Windows|"
    r"iOS|Android|macOS|Node\.js|Go|[Ss]ection|[Cc]hapter|[Aa]rticle|[Pp]age|[Pp]p?\.|[Pp]art|[Ss]tep|"
    r"[Вв]ерсі[яїюєй]|[Рр]озділу?|[Пп]ункту?|[Сс]татт[яіюі]|[Сс]\.|[Чч]астин[аи]|Apache|[Pp]orts?|[Пп]орт[уіа]?|"
    r"[Ii]ssues?|PR|ID|[Ff]light|[Cc]ode|[Nn]umber|[Рр]ейс[уі]?|[Кк]од[уі]?|[Нн]омер(?:ом|і|у)?)[ \u00a0]?"
    r"|[A-Za-z_][\w.-]*\"?[:=][ \u00a0]?)$"  # "port: 4317", "issue: 8039", '"temp": 78.4'
)
_LETTER_RE = re.compile(r"[^\W\d_]")
_VERSION_AFTER_RE = re.compile(
    r"\+|[ \u00a0]?(?:releases?|versions?|beta|alpha|rc\d*|LTS|SP\d|update|реліз\w*|верс\w*)(?!\w)", re.IGNORECASE
)
TIME_CUES = {
    "en": r"at|by|from|until|till|to|before|after|around|about|since|between|and|approximately|@",
    "uk": r"о|об|до|з|із|від|після|близько|між|та|і|й|по|на",
}
_TIME_ZONE_RE = re.compile(rf"{SP}?(?:[A-Z]{{1,4}}T|UTC|GMT|MSK|Z)(?![A-Za-z])")


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _number(name: str, lang: str, guarded: bool = True) -> str:
    """A number token, read loosely; ``parse_number`` decides what it means."""
    # a decimal point groups with commas, so spaces group only SI-style (non-breaking); a decimal comma with any space
    group_space = "[\u00a0\u202f]" if _dot_decimal(lang) else SP
    start = NUM_START if guarded else r"[-\u2212]?"
    return (
        rf"(?P<{name}>{start}(?:\d{{1,3}}(?:{group_space}\d{{3}})+(?!\d)|\d+)"
        r"(?:[.,]\d+)*(?:[eE][+-]?\d+(?![\w]))?)"
    )


def _names_alt(names: dict[str, tuple[int, str]], lang: str) -> str:
    """Month or weekday names; English abbreviations also with a dot ("Feb.", "Thu."), as AP writes them."""
    dotted = [n + "." for n, (_, width) in names.items() if width == "abbreviated"] if lang == "en" else []
    return _alt(list(names) + dotted)


@functools.cache
def _pattern(lang: str) -> re.Pattern[str]:
    v = vocab(lang)
    months = _names_alt(v.months, lang)
    month_year = _names_alt(v.month_year, lang)
    weekdays = _names_alt(v.weekdays, lang)
    ordinal = EN_ORDINAL if lang == "en" else (r"\.?" if day_dot(lang) else "")
    year_word = rf"(?:{SP}?(?:{_alt(v.year_words)})(?!\w))?" if v.year_words else ""
    symbols = _alt(v.currency_symbols)
    codes = _alt(v.currency_codes)
    names = _alt(v.currency_names)
    units = _alt(v.units)
    glued_units = _alt(w for w, (_, length) in v.units.items() if length == "short" and len(w) > 1)
    end = rf"(?![\w]|[.,:]\d|{SP}?[{DASHES}]{SP}?\d)"

    alternatives = {
        "iso": rf"(?<![\w.,:/{DASHES}])(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{2}})-(?P<iso_d>\d{{2}})(?![\w:]|[.,]\d|[{DASHES}]\d)",
        "numeric": rf"(?<![\w.,:/])(?P<nd_d>\d{{1,2}})\.(?P<nd_m>\d{{1,2}})\.(?P<nd_y>{YEAR}){year_word}",
        "skip": (
            rf"(?<![\w+])\+\d[\d \u00a0().{DASHES}]{{6,}}\d(?!\w)"  # +380 44 123 4567
            r"|(?<![\w.,])0\d{0,4}(?:[ \u00a0-]\d{2,4}){2,5}(?![\w.,]?\d)"  # 044 123 45 67, 0 800 500 123
            r"|(?<![\w(])\(\d{2,5}\)[ \u00a0]?\d{2,4}(?:[ \u00a0-]\d{2,4}){1,3}(?!\w)"  # (044) 123-45-67
            r"|(?<![\w.-])\d{3}-\d{2,3}-\d{2,4}(?:-\d{2,4})?(?![\w-])"  # 555-123-4567
            r"|(?<![\w.])\d+(?:\.\d+){2,}(?![\w.])"  # versions, addresses: 1.9.0, 10.0.0.1
            r"|(?<![\w./])\d+(?:/\d+)+(?![\w/])"  # 24/7, 1/2, 2/6/2025 (month or day first?)
            r"|(?<![\w:])\d{1,2}:\d{2}:\d{2}(?![\w:])"  # 1:10:23, a race time
        ),
        "mdy": (
            rf"(?<!\w)(?:(?P<a_wd>{weekdays}),?{SP}+)?(?P<a_m>{months}){SP}+(?P<a_d>{DAY}){ordinal}"
            rf"{end}(?:,?{SP}+(?P<a_y>{YEAR}))?"
        )
        if lang == "en"
        else None,
        "dmy": (
            rf"(?<!\w)(?<!\d[{DASHES}])(?<!\d{SP}[{DASHES}]{SP})(?:(?P<b_wd>{weekdays}),?{SP}+)?"
            rf"(?P<b_d>{DAY}){ordinal}{SP}+(?P<b_m>{months})(?!\w)(?:,?{SP}+(?P<b_y>{YEAR}){year_word})?"
        ),
        "my": rf"(?<!\w)(?P<c_m>{month_year}){SP}+(?P<c_y>{YEAR}){year_word}",
        "t12": (
            rf"(?<![\w.:,])(?P<t_h>\d{{1,2}})(?:[:.](?P<t_m>\d{{2}}))?{SP}?(?P<t_ap>[aApP]\.?{SP}?[mM]\.?)(?!\w)" if lang == "en" else None
        ),
        "t24": r"(?<![\w.:,])(?P<tt_h>\d{1,2}):(?P<tt_m>\d{2})(?![\d:]|[.,]\d)(?!\w)",
        "money_pre": (
            rf"(?<![^\W\d_])(?P<ma_c>{symbols}|(?:{codes})(?={SP}?\d))(?P<ma_sp>{SP}?){_number('ma_n', lang, False)}"
            rf"(?:{SP}?(?P<ma_s>{_alt(v.currency_scales)})(?!\w))?(?![\w]|[.,]\d)"
        ),
        "money_post": (
            rf"{_number('mb_n', lang)}(?:{SP}(?P<mb_s>{_alt(v.scales)})(?!\w))?"
            rf"(?:{SP}?(?P<mb_sym>{symbols})|{SP}(?P<mb_w>{names}|{codes}))(?![^\W\d_])"
        ),
        "percent": rf"{_number('p_n', lang)}(?:{SP}?(?P<p_sym>%)|{SP}(?P<p_w>{_alt(v.percent)}))(?![^\W\d_])",
        "unit": rf"{_number('u_n', lang)}(?:{SP}(?P<u_w>{units})|(?P<u_g>{glued_units}))(?![\w²³/])",
        "scaled": rf"{_number('s_n', lang)}{SP}(?P<s_w>{_alt(v.scales)})(?![^\W\d_])",
        "number": rf"{_number('n_n', lang)}{NUM_END}",
    }
    return re.compile("|".join(f"(?P<{k}>{p})" for k, p in alternatives.items() if p))


# --- reading what matched --------------------------------------------------------------------


def parse_number(token: str, lang: str) -> Decimal | None:
    """The value of a number token in the language's conventions, or None if it is not clean.

    en: "," groups thousands, "." is the decimal point, non-breaking spaces may group too;
    uk: spaces group, "," is the decimal comma. A dot in Ukrainian ("2.5") is ambiguous (a
    decimal, a date, a time) and so is not read.
    """
    negative = token[:1] in "-\u2212"
    body = token.lstrip("-\u2212")
    if "e" in body.lower():
        return None
    body_nospace = _SPACES_RE.sub("", body)
    if body_nospace != body:  # space-grouped: the regex checked the groups, now the decimal part
        rest = re.sub(r"^\d+", "", body_nospace)
        if rest and not re.fullmatch(r"\.\d+" if lang == "en" else r",\d+", rest):
            return None
        body = body_nospace.replace(",", ".")
    elif _dot_decimal(lang):
        if not _EN_NUMBER_RE.fullmatch(body):
            return None
        body = body.replace(",", "")
    elif number_symbols(lang)[1] == "." and _DOT_GROUPED_RE.fullmatch(body):  # de "1.100,5"
        body = body.replace(".", "").replace(",", ".")
    else:
        if not _UK_NUMBER_RE.fullmatch(body):
            return None
        body = body.replace(",", ".")
    integer = body.split(".")[0]
    if len(integer) > MAX_INT_DIGITS or len(body) > 2 * MAX_INT_DIGITS:
        return None
    return Decimal(("-" if negative else "") + body)


@functools.cache
def _names(lang: str) -> dict[str, dict[str, tuple[int, str]]]:
    """Month and weekday tables keyed by ``normalize_name`` ("Feb." -> "feb", "П'ятниця" -> "пʼятниця")."""
    v = vocab(lang)
    out: dict[str, dict[str, tuple[int, str]]] = {}
    for key, table in (("months", v.months), ("month_year", v.month_year), ("weekdays", v.weekdays)):
        out[key] = {}
        for word, meaning in table.items():
            out[key].setdefault(normalize_name(word), meaning)
    return out


def _date(text: str, m: re.Match[str], p: str, table: str, lang: str) -> Quantity:
    g = m.groupdict()
    day = int(g[f"{p}_d"]) if g.get(f"{p}_d") else None
    year = int(g[f"{p}_y"]) if g.get(f"{p}_y") else None
    if not table:  # numeric or ISO
        month, style = int(g[f"{p}_m"]), "iso" if p == "iso" else "numeric"
    else:
        month, style = _names(lang)[table][normalize_name(g[f"{p}_m"])]
    weekday = None
    if g.get(f"{p}_wd"):
        weekday = _names(lang)["weekdays"][normalize_name(g[f"{p}_wd"])][0]
    valid = _date_exists(year, month, day, weekday)
    return Quantity(
        "date",
        text,
        date=(year, month, day, weekday is not None),
        style=style,
        valid=valid,
        weekday=weekday,
    )


def _date_exists(year: int | None, month: int, day: int | None, weekday: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    try:
        date = datetime.date(year or 2000, month, day or 1)  # 2000: a leap year, "February 29" exists
    except ValueError:
        return False
    # a weekday that contradicts the year would be silently "corrected" by rendering: keep as written
    return weekday is None or year is None or day is None or date.weekday() == weekday


def _time_cued(text: str, start: int, end: int, lang: str) -> bool:
    """Whether "15:30" is a time of day: after "at"/"о", before a time zone, or alone."""
    if not text[:start].strip() and not text[end:].strip():
        return True
    if _TIME_ZONE_RE.match(text, end):
        return True
    return bool(_time_cue_re(lang).search(text, max(0, start - 20), start))


@functools.cache
def _time_cue_re(lang: str) -> re.Pattern[str]:
    cues = TIME_CUES.get(lang, "(?!)")  # no cue words known: a time is recognised alone or before a zone
    return re.compile(rf"(?<!\w)(?:{cues}){SP}+$", re.IGNORECASE)


def _bare_number_skipped(text: str, start: int, end: int, token: str, lang: str) -> bool:
    """A number standing alone that is a year, a version, a name or a code rather than an amount."""
    body = token.lstrip("-\u2212")
    if _YEAR_LIKE_RE.fullmatch(body):
        return True
    if re.match(r"0[\d \u00a0\u202f]", body):  # "007", "044 123 45 67", "0 800 500 123"
        return True
    # English groups thousands ("4,317"), so "4317" is a port, an issue or a model number; Ukrainian
    # leaves 4-digit numbers ungrouped ("4396 повідомлень") but groups longer ones.
    grouped = bool(_SPACES_RE.search(body)) or (_dot_decimal(lang) and "," in body)
    if not grouped and len(re.split("[.,]", body)[0]) >= (4 if _dot_decimal(lang) else 5):
        return True
    if re.fullmatch(r"\d+\.0", body) or _VERSION_AFTER_RE.match(text, end):  # "1.0", "3.5 SP1", "2.21+"
        return True
    if _LETTER_RE.search(_chunk_around(text, start, end)):  # "12f3-4321", "Temp=83.9"
        return True
    return bool(_IDENT_BEFORE_RE.search(text, max(0, start - 24), start))


def _unreadable(token: str) -> bool:
    return "e" in token.lower() or sum(ch.isdigit() for ch in token) > MAX_INT_DIGITS


def _chunk_around(text: str, start: int, end: int) -> str:
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


def _scaled(value: Decimal | None, power: int) -> Decimal | None:
    return None if value is None else value.scaleb(power)


def _build(m: re.Match[str], text: str, lang: str) -> Quantity | None:
    kind = m.lastgroup
    span = m.group(0)
    v = vocab(lang)
    if kind == "skip":
        return None
    if kind in ("iso", "numeric"):
        return _date(span, m, "iso" if kind == "iso" else "nd", "", lang)
    if kind == "mdy":
        return _date(span, m, "a", "months", lang)
    if kind == "dmy":
        return _date(span, m, "b", "months", lang)
    if kind == "my":
        return _date(span, m, "c", "month_year", lang)
    if kind == "t12":
        hour, minute = int(m.group("t_h")), int(m.group("t_m") or 0)
        pm = m.group("t_ap")[0] in "pP"
        valid = 1 <= hour <= 12 and minute <= 59
        hour24 = (hour % 12) + (12 if pm else 0)
        style = "12h" if m.group("t_m") else "hour"
        return Quantity("time", span, time=(hour24, minute) if valid else None, style=style, valid=valid)
    if kind == "t24":
        hour, minute = int(m.group("tt_h")), int(m.group("tt_m"))
        if hour > 23 or minute > 59 or not _time_cued(text, m.start(), m.end(), lang):
            return None  # a score, a sports clock, a Bible verse
        return Quantity("time", span, time=(hour, minute), style="24h")
    if kind == "money_pre":
        code = v.currency_symbols.get(m.group("ma_c")) or v.currency_codes[m.group("ma_c")]
        return _money(span, m.group("ma_n"), m.group("ma_s"), v.currency_scales, code, "symbol", lang)
    if kind == "money_post":
        if m.group("mb_sym"):
            code, style = v.currency_symbols[m.group("mb_sym")], "symbol"
        elif m.group("mb_w") in v.currency_codes:
            code, style = m.group("mb_w"), "symbol"
        else:
            code, style = v.currency_names[m.group("mb_w")], "name"
        return _money(span, m.group("mb_n"), m.group("mb_s"), v.scales, code, style, lang)
    if kind == "percent":
        value = parse_number(m.group("p_n"), lang)
        style = "symbol" if m.group("p_sym") else "long"
        return Quantity("percent", span, value=value, style=style, valid=value is not None)
    if kind == "unit":
        value = parse_number(m.group("u_n"), lang)
        unit, length = v.units[m.group("u_w") or m.group("u_g")]
        return Quantity("unit", span, value=value, unit=unit, style=length, valid=value is not None)
    if kind == "scaled":
        power, length = v.scales[m.group("s_w")]
        value = _scaled(parse_number(m.group("s_n"), lang), power)
        style = "scaled-long" if length == "long" else "scaled"
        return Quantity("number", span, value=value, style=style, valid=value is not None)
    token = m.group("n_n")
    value = parse_number(token, lang)
    if value is None and _unreadable(token):  # "1e308", forty digits: say so, even where a code might be
        return Quantity("number", span, valid=False)
    if _bare_number_skipped(text, m.start(), m.end(), token, lang):
        return None
    return Quantity("number", span, value=value, valid=value is not None)


def _money(span: str, number: str, scale: str | None, scales: dict, code: str, style: str, lang: str) -> Quantity:
    value = parse_number(number, lang)
    if scale:
        power, length = scales[scale]
        value = _scaled(value, power)
        style = "scaled-long" if length == "long" else "scaled"
    return Quantity("money", span, value=value, currency=code, style=style, valid=value is not None)


def _trim_final_dot(text: str, start: int, end: int) -> int:
    """ "…6 лютого 2025 р." or "…at 10 a.m." closing a sentence: that dot also ends the sentence, so
    it stays in the text (a quantity standing alone, like a table cell, keeps it)."""
    if text[end - 1] == "." and end - 1 > start and not text[end:].strip() and _LETTER_RE.search(text, 0, start):
        return end - 1
    return end


def _normalize_lang(lang: str) -> str:
    from babel import UnknownLocaleError

    base = lang.replace("-", "_").split("_")[0].lower()
    try:
        number_symbols(base)
    except (UnknownLocaleError, ValueError) as e:
        raise ValueError(f"quantities are read in languages CLDR knows, not {lang!r}") from e
    return base


def _dot_decimal(lang: str) -> bool:
    return number_symbols(lang)[0] == "."


def find(text: str, lang: str) -> list[tuple[int, int, Quantity]]:
    """Quantities in text, as (start, end, quantity): in order, not overlapping, text[start:end] == q.text."""
    lang = _normalize_lang(lang)
    if not _DIGIT_RE.search(text):
        return []
    pattern, starts = _pattern(lang), _starts(lang)
    out: list[tuple[int, int, Quantity]] = []
    pos = 0
    while m := _next(pattern, starts, text, pos):
        q = _build(m, text, lang)
        pos = m.end()
        if q is None:
            continue
        end = _trim_final_dot(text, m.start(), m.end())
        if end != m.end():
            q = replace(q, text=text[m.start() : end])
        out.append((m.start(), end, q))
    return out


def _next(pattern: re.Pattern[str], starts: re.Pattern[str] | None, text: str, pos: int) -> re.Match[str] | None:
    """pattern.search(text, pos), tried only where a match can begin (a character of ``starts``):
    the pattern's many alternatives tried at every character cost 0.26 s on the 905 bench
    sentences with digits, where it rarely matches (bench/driver.py)."""
    if starts is None:
        return pattern.search(text, pos)
    while c := starts.search(text, pos):
        m = pattern.match(text, c.start())  # as search does at that position: lookbehinds see the text before it
        if m:
            return m
        pos = c.start() + 1
    return None


@functools.cache
def _starts(lang: str) -> re.Pattern[str] | None:
    return regex_starts.starts(_pattern(lang))


def _scan(lang: str, text: str) -> list[Run]:
    if not _DIGIT_RE.search(text):  # every quantity has a digit
        return [Text(text)]
    return split_runs(text, ((start, end, Atom("quantity", q.text, q)) for start, end, q in find(text, lang)))


@functools.cache
def scanner(lang: str) -> Prefiltered:
    """A scanner for ``protect.scan_text``: Text runs and Atom("quantity", source, value=Quantity)."""
    lang = _normalize_lang(lang)
    vocab(lang)  # fail early on a missing locale, and warm the tables
    _pattern(lang)
    return Prefiltered(functools.partial(_scan, lang), _DIGIT_RE.search)  # every quantity has a digit
