"""Recognising quantities in English and Ukrainian source text (pipeline.localize.find / scanner)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.localize import Quantity, find, render, scanner
from pipeline.segment.protect import Atom, Text, scan_text
from tests.conftest import EXAMPLES

SEED = EXAMPLES / "news" / "zelensky-kursk-advance.md"  # the shared seed article, bundled with its licence


def texts(text: str, lang: str) -> list[str]:
    return [q.text for _, _, q in find(text, lang)]


def only(text: str, lang: str) -> Quantity:
    """The single quantity text consists of."""
    found = find(text, lang)
    assert [(a, b) for a, b, _ in found] == [(0, len(text))], found
    return found[0][2]


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("2.5", "2.5"),
        ("1,100", "1100"),
        ("60,000", "60000"),
        ("1,234,567.89", "1234567.89"),
        ("2.50", "2.50"),
        ("60\u00a0000", "60000"),
        ("0.5", "0.5"),
        ("-3.5", "-3.5"),
    ],
)
def test_english_numbers(text, value):
    q = only(text, "en")
    assert (q.kind, q.valid, q.style) == ("number", True, "")
    assert str(q.value) == value  # exact, trailing zeros kept


@pytest.mark.parametrize(
    "text, value",
    [
        ("2,5", "2.5"),
        ("8 574", "8574"),
        ("1 100", "1100"),
        ("1 234,50", "1234.50"),
        ("8\u00a0574", "8574"),
        ("8\u202f574", "8574"),
        ("1 234 567,891", "1234567.891"),
        ("4396", "4396"),
    ],
)
def test_ukrainian_numbers(text, value):
    q = only(text, "uk")
    assert (q.kind, q.valid) == ("number", True)
    assert str(q.value) == value


def test_space_groups_must_have_three_digits():
    assert texts("від 12 5 до 7", "uk") == ["12", "5", "7"]
    assert texts("у 2020 100 людей", "uk") == ["100"]  # "2020" is a year, not "2020100"


def test_scaled_numbers_keep_the_exact_value():
    q = only("5.69 million", "en")
    assert (q.kind, q.value, q.style) == ("number", Decimal(5690000), "scaled-long")
    q = only("30 тис.", "uk")
    assert (q.value, q.style) == (Decimal(30000), "scaled")


# --- percentages, money, units ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang, value, style",
    [
        ("39%", "en", "39", "symbol"),
        ("39 %", "en", "39", "symbol"),
        ("2.5 percent", "en", "2.5", "long"),
        ("6.6 per cent", "en", "6.6", "long"),
        ("39 відсотків", "uk", "39", "long"),
        ("4,8%", "uk", "4.8", "symbol"),
    ],
)
def test_percentages(text, lang, value, style):
    q = only(text, lang)
    assert (q.kind, str(q.value), q.style) == ("percent", value, style)


@pytest.mark.parametrize(
    "text, lang, value, currency, style",
    [
        ("$26,750", "en", "26750", "USD", "symbol"),
        ("£30", "en", "30", "GBP", "symbol"),
        ("USD 100", "en", "100", "USD", "symbol"),
        ("$5 million", "en", "5000000", "USD", "scaled-long"),
        ("$5m", "en", "5000000", "USD", "scaled"),
        ("€5m", "en", "5000000", "EUR", "scaled"),
        ("$3.5 billion", "en", "3500000000", "USD", "scaled-long"),
        ("5 million dollars", "en", "5000000", "USD", "scaled-long"),
        ("100 hryvnias", "en", "100", "UAH", "name"),
        ("1 234,50 грн", "uk", "1234.50", "UAH", "symbol"),
        ("200 гривень", "uk", "200", "UAH", "name"),
        ("5 млн доларів", "uk", "5000000", "USD", "scaled"),
        ("$5 млн", "uk", "5000000", "USD", "scaled"),
        ("3,1 млрд євро", "uk", "3100000000", "EUR", "scaled"),
        ("100 USD", "uk", "100", "USD", "symbol"),
        ("33 долари США", "uk", "33", "USD", "name"),
    ],
)
def test_money(text, lang, value, currency, style):
    q = only(text, lang)
    assert (q.kind, q.value, q.currency, q.style) == ("money", Decimal(value), currency, style)


def test_currency_signs_need_a_clean_left_edge():
    assert texts("C$5 and 5 pounds", "en") == ["5"]  # not USD; "pounds" is a weight as much as money


@pytest.mark.parametrize(
    "text, lang, value, unit, style",
    [
        ("2.5 kilometers", "en", "2.5", "length-kilometer", "long"),
        ("5 kilometres", "en", "5", "length-kilometer", "long"),
        ("1,100 km²", "en", "1100", "area-square-kilometer", "short"),
        ("460 km²", "en", "460", "area-square-kilometer", "short"),
        ("300 square kilometers", "en", "300", "area-square-kilometer", "long"),
        ("5 km", "en", "5", "length-kilometer", "short"),
        ("5km", "en", "5", "length-kilometer", "short"),
        ("10 meters", "en", "10", "length-meter", "long"),
        ("45 miles", "en", "45", "length-mile", "long"),
        ("90mph", "en", "90", "speed-mile-per-hour", "short"),
        ("20 kg", "en", "20", "mass-kilogram", "short"),
        ("5 t", "en", "5", "mass-tonne", "short"),
        ("-5°C", "en", "-5", "temperature-celsius", "short"),
        ("80 °F", "en", "80", "temperature-fahrenheit", "short"),
        ("27 degrees Celsius", "en", "27", "temperature-celsius", "long"),
        ("2,5 кілометра", "uk", "2.5", "length-kilometer", "long"),
        ("5 кілометрів", "uk", "5", "length-kilometer", "long"),
        ("72 кілометри", "uk", "72", "length-kilometer", "long"),
        ("1 кілометр", "uk", "1", "length-kilometer", "long"),
        ("1,6\u00a0км", "uk", "1.6", "length-kilometer", "short"),
        ("460 км²", "uk", "460", "area-square-kilometer", "short"),
        ("10 метрів", "uk", "10", "length-meter", "long"),
        ("5 тонн", "uk", "5", "mass-tonne", "long"),
        ("45 миль", "uk", "45", "length-mile", "long"),  # uk CLDR has only these forms: full words
        ("27 градусів Цельсія", "uk", "27", "temperature-celsius", "long"),
        ("25,4 см", "uk", "25.4", "length-centimeter", "short"),
    ],
)
def test_units_value_and_unit_are_one_quantity(text, lang, value, unit, style):
    q = only(text, lang)
    assert (q.kind, q.value, q.unit, q.style) == ("unit", Decimal(value), unit, style)


def test_single_letter_unit_symbols_need_a_space():
    assert texts("5m views and 5 m of rope", "en") == ["5 m"]
    assert texts("у 1990 г. було", "uk") == []  # a Russian-style year, not grams


# --- dates and times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang, date, style, weekday",
    [
        ("February 6", "en", (None, 2, 6, False), "wide", None),
        ("Feb. 6, 2025", "en", (2025, 2, 6, False), "abbreviated", None),
        ("Feb 6", "en", (None, 2, 6, False), "abbreviated", None),
        ("Thursday, February 6", "en", (None, 2, 6, True), "wide", 3),
        ("Thursday, February 6, 2025", "en", (2025, 2, 6, True), "wide", 3),
        ("6 February 2025", "en", (2025, 2, 6, False), "wide", None),
        ("Sunday, 30 September", "en", (None, 9, 30, True), "wide", 6),
        ("February 6th", "en", (None, 2, 6, False), "wide", None),
        ("February 2025", "en", (2025, 2, None, False), "wide", None),
        ("06.02.2025", "en", (2025, 2, 6, False), "numeric", None),
        ("2025-02-06", "en", (2025, 2, 6, False), "iso", None),
        ("6 лютого", "uk", (None, 2, 6, False), "wide", None),
        ("6 лютого 2025 р.", "uk", (2025, 2, 6, False), "wide", None),
        ("6 лютого 2025\u202fр.", "uk", (2025, 2, 6, False), "wide", None),
        ("6 лютого 2025 року", "uk", (2025, 2, 6, False), "wide", None),
        ("6 лют. 2025 р.", "uk", (2025, 2, 6, False), "abbreviated", None),
        ("четвер, 6 лютого", "uk", (None, 2, 6, True), "wide", 3),
        ("П'ятниця, 7 лютого", "uk", (None, 2, 7, True), "wide", 4),  # typed apostrophe, CLDR has ʼ
        ("лютий 2025", "uk", (2025, 2, None, False), "wide", None),
        ("06.02.2025", "uk", (2025, 2, 6, False), "numeric", None),
        ("2025-02-06", "uk", (2025, 2, 6, False), "iso", None),
    ],
)
def test_dates(text, lang, date, style, weekday):
    q = only(text, lang + "")
    assert (q.kind, q.date, q.style, q.weekday, q.valid) == ("date", date, style, weekday, True)


def test_a_sentence_final_abbreviation_dot_stays_with_the_sentence():
    text = "Це сталося 6 лютого 2025 р."
    [(a, b, q)] = find(text, "uk")
    assert q.text == "6 лютого 2025 р" and text[b:] == "."
    assert texts("It started at 10 a.m.", "en") == ["10 a.m"]


@pytest.mark.parametrize(
    "text, lang, found, time, style",
    [
        ("at 10:50 a.m. on Friday", "en", "10:50 a.m.", (10, 50), "12h"),
        ("at 10:50 am", "en", "10:50 am", (10, 50), "12h"),
        ("from 9pm on Sunday", "en", "9pm", (21, 0), "hour"),
        ("at 5.30pm", "en", "5.30pm", (17, 30), "12h"),
        ("12 am", "en", "12 am", (0, 0), "hour"),
        ("at 15:30", "en", "15:30", (15, 30), "24h"),
        ("about 09:30 BST on Sunday", "en", "09:30", (9, 30), "24h"),
        ("15:30", "en", "15:30", (15, 30), "24h"),
        ("о 10:50 ранку", "uk", "10:50", (10, 50), "24h"),
        ("О 14:00 два поліцейських", "uk", "14:00", (14, 0), "24h"),
    ],
)
def test_times(text, lang, found, time, style):
    [(_, _, q)] = find(text, lang)
    assert (q.kind, q.text, q.time, q.style) == ("time", found, time, style)


def test_clock_readings_without_a_time_cue_are_not_times():
    # hockey goal times, scores and Bible verses look like times of day
    assert texts("a goal on 13:10 and a 5:3 win, John 3:16", "en") == []
    assert texts("(13:10) Салліван", "uk") == []


# --- what is not a quantity ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang",
    [
        ("in 2025", "en"),
        ("since 1918", "en"),
        ("2025 року", "uk"),
        ("у 2016 році", "uk"),
        ("1st", "en"),
        ("the 5th", "en"),
        ("5-й", "uk"),
        ("21-го", "uk"),
        ("30-year-old", "en"),
        ("30-річний", "uk"),
        ("1.9.0", "en"),
        ("v2", "en"),
        ("Python 3.11", "en"),
        ("version 3.11", "en"),
        ("the 1.0 release", "en"),
        ("Apache 2.0", "en"),
        ("Java agent 2.21+", "en"),
        ("версія 3.11", "uk"),
        ("COVID-19", "en"),
        ("F-16", "en"),
        ("Су-27", "uk"),
        ("5G", "en"),
        ("x86", "en"),
        ("B2B", "en"),
        ("ISO 8601", "en"),
        ("ISO 27001", "en"),
        ("abc123def", "en"),
        ("mp3", "en"),
        ("the 1990s", "en"),
        ("+380 44 123 4567", "uk"),
        ("044 123 45 67", "uk"),
        ("(555) 123-4567", "en"),
        ("555-123-4567", "en"),
        ("24/7", "en"),
        ("2/6/2025", "en"),
        ("port 4317", "en"),
        ("issue: 8039", "en"),
        ("рейс 6321", "uk"),
        ("Temp=83.9", "en"),
        ("3e530f5c-12f3-4321-836a", "en"),
        ("1:10:23", "en"),
        ("007", "en"),
    ],
)
def test_not_quantities(text, lang):
    assert find(text, lang) == []


def test_ranges_are_never_garbled_into_a_date():
    # "13 November" must not become a date: en_US would write "10-November 13"
    assert texts("10-13 November", "en") == ["10", "13"]
    assert texts("November 10-13", "en") == ["10", "13"]
    assert texts("10–13 листопада", "uk") == ["10", "13"]
    assert texts("70–90%", "uk") == ["70", "90%"]
    assert texts("від 5–7,6 см", "uk") == ["5", "7,6 см"]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang, kind",
    [
        ("1e308", "en", "number"),
        ("4" * 40, "en", "number"),
        ("1,234.567,8", "en", "number"),
        ("1,5", "en", "number"),  # not an English number: a list? a Ukrainian decimal?
        ("2.5", "uk", "number"),  # a decimal, a date, a time: ambiguous in Ukrainian
        ("February 30", "en", "date"),
        ("30 лютого", "uk", "date"),
        ("31.04.2025", "uk", "date"),
        ("2025-13-01", "en", "date"),
        ("Friday, February 6, 2025", "en", "date"),  # it was a Thursday
        ("1,5 km", "en", "unit"),
        ("$1e308", "en", "money"),
    ],
)
def test_unreadable_quantities_are_invalid_and_render_as_written(text, lang, kind):
    q = only(text, lang)
    assert (q.kind, q.valid) == (kind, False)
    assert render(q, "uk_UA") == text
    assert render(q, "en_US") == text


# --- the seed article ------------------------------------------------------------------------


def test_seed_article_quantities():
    body = SEED.read_text(encoding="utf-8").split("---\n", 2)[2]
    found = [q.text for para in body.split("\n\n") if not para.startswith("![") for _, _, q in find(para, "en")]
    assert found == ["Thursday, February 6", "2.5 kilometers", "1,100 km²", "460 km²", "February 6", "60,000"]


# --- scanner ---------------------------------------------------------------------------------


def test_scanner_splits_text_into_runs_and_quantity_atoms():
    runs = scanner("en")("advanced 2.5 kilometers on February 6.")
    assert [type(r) for r in runs] == [Text, Atom, Text, Atom, Text]
    assert [r.text if isinstance(r, Text) else r.source for r in runs] == ["advanced ", "2.5 kilometers", " on ", "February 6", "."]
    assert runs[1].kind == "quantity" and runs[1].value.unit == "length-kilometer"


def test_scanner_plugs_into_scan_text():
    runs = scan_text([Text("8 574 військових"), Atom("code", "`x`"), Text("без чисел")], [scanner("uk")])
    assert runs[0] == Atom("quantity", "8 574", only("8 574", "uk"))
    assert runs[1:] == [Text(" військових"), Atom("code", "`x`"), Text("без чисел")]


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError):
        find("5", "xx")


def test_any_language_is_read_in_its_cldr_conventions():
    assert [q.text for _, _, q in find("Am 6. Februar 2025 fuhren wir 1.100,5 km.", "de")] == ["6. Februar 2025", "1.100,5 km"]
    assert [q.value for _, _, q in find("Przejechaliśmy 1 100,5 km.", "pl")] == [Decimal("1100.5")]


# --- properties ------------------------------------------------------------------------------

PIECES = [
    "0",
    "1",
    "5",
    "21",
    "2.5",
    "2,5",
    "1,100",
    "8 574",
    "60\u00a0000",
    " ",
    ", ",
    ".",
    "-",
    "–",
    ":",
    "/",
    "%",
    "$",
    "€",
    "£",
    "km",
    "km²",
    " km",
    "°C",
    "m",
    "t",
    "million",
    "млн",
    "тис.",
    "грн",
    "доларів",
    "кілометрів",
    "February",
    "Feb.",
    "лютого",
    "лютий",
    "Thursday, ",
    "четвер, ",
    "2025",
    " р.",
    "року",
    "a.m.",
    "pm",
    "at ",
    "о ",
    "10:50",
    "x",
    "COVID-",
    "1e308",
    "4" * 40,
    "\u202f",
    "+380",
    "(",
    ")",
    "1.9.0",
    "’",
    "ʼ",
    "\n",
]
texts_strategy = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(PIECES), max_size=25).map("".join))


@settings(max_examples=300, deadline=None)
@given(texts_strategy, st.sampled_from(["en", "uk"]))
def test_find_spans_are_ordered_disjoint_and_exact(text, lang):
    found = find(text, lang)
    end = 0
    for a, b, q in found:
        assert end <= a < b <= len(text)
        assert text[a:b] == q.text
        end = b
    for _, _, q in found:  # and every quantity renders, valid or not
        for locale in ("uk_UA", "en_US", "en_GB"):
            assert isinstance(render(q, locale), str)


_PIECES = st.sampled_from(
    ["5", "2025", "12.5", "1,000", "-3", "\u22124", "$", "€", "USD", "грн", "Feb.", "February", "лютого", "лютий", "Monday",
     "понеділок", "р.", "km", "%", "million", "млн", "a.m.", "14:30", "+380 44 123 4567", "(044)", " ", "\u00a0", ", ", ".",
     "-", "\u2013", "/", "word", "Kyiv", "у", "v", "#", "№", "version", "(", ")", "'", "_"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(_PIECES, max_size=14).map("".join), st.sampled_from(["en", "uk", "de"]))
def test_matches_are_tried_only_where_one_can_begin_and_found_as_by_searching_everywhere(text, lang):
    """The first-character class read from the pattern's parse never skips a match."""
    from pipeline.localize import quantities

    pattern, starts = quantities._pattern(lang), quantities._starts(lang)
    assert starts is not None  # the pattern stays one the parse is understood for
    everywhere, skipping = [], []
    for found, use in ((everywhere, None), (skipping, starts)):
        pos = 0
        while m := quantities._next(pattern, use, text, pos):
            found.append((m.start(), m.end(), m.lastgroup))
            pos = m.end()
    assert skipping == everywhere
