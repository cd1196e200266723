"""Writing quantities for the target locale (pipeline.localize.render) with Babel 2.18 / CLDR 47.

Expectations are Babel's actual output, with U+00A0 / U+202F written as escapes.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.numbers import parse_decimal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.localize import Quantity, find, locale_for, render
from tests.conftest import SHARED


def to(text: str, lang: str, locale: str) -> str:
    """The single quantity text consists of, rendered."""
    [(a, b, q)] = find(text, lang)
    assert (a, b) == (0, len(text))
    return render(q, locale)


# --- the examples the pipeline relies on ------------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("2.5 kilometers", "2,5 кілометра"),
        ("5 kilometers", "5 кілометрів"),
        ("21 kilometers", "21 кілометр"),
        ("1 kilometer", "1 кілометр"),
        ("2 kilometers", "2 кілометри"),
        ("2.50 kilometers", "2,50 кілометра"),  # precision as written
        ("1,100 km²", "1\u00a0100 км²"),
        ("460 km²", "460 км²"),
        ("5 km", "5 км"),  # a symbol stays a symbol
        ("60,000", "60\u00a0000"),
        ("1,234,567.89", "1\u00a0234\u00a0567,89"),
        ("2.5", "2,5"),
        ("February 6", "6 лютого"),
        ("Thursday, February 6", "четвер, 6 лютого"),
        ("Feb. 6, 2025", "6 лют. 2025\u202fр."),
        ("Feb 6", "6 лют."),
        ("February 6, 2025", "6 лютого 2025\u202fр."),
        ("Thursday, February 6, 2025", "четвер, 6 лютого 2025\u202fр."),
        ("February 2025", "лютий 2025\u202fр."),  # CLDR's uk yMMMM is "LLLL y 'р'.": nominative month
        ("06.02.2025", "06.02.2025"),
        ("2025-02-06", "2025-02-06"),
        ("39%", "39%"),  # uk CLDR percent pattern "#,##0%": no space
        ("2.5%", "2,5%"),
        ("39 percent", "39 відсотків"),
        ("2.5 percent", "2,5 відсотка"),
        ("$26,750", "26\u00a0750\u00a0USD"),  # uk CLDR writes USD, not $; no ".00" added
        ("$26,750.50", "26\u00a0750,50\u00a0USD"),
        ("$5 million", "5 мільйонів доларів США"),
        ("$2 billion", "2 мільярди доларів США"),
        ("€5m", "5\u00a0млн\u00a0EUR"),
        ("£30", "30\u00a0GBP"),
        ("100 hryvnias", "100 українських гривень"),
        ("5.69 million", "5,69 мільйона"),
        ("-5°C", "-5\u00a0°C"),
        ("27 degrees Celsius", "27 градусів Цельсія"),
        ("100 miles", "100 миль"),
        ("5 tons", "5 тонн"),
        ("10:50 a.m.", "10:50"),
        ("9pm", "21:00"),
    ],
)
def test_english_to_ukrainian(source, expected):
    assert to(source, "en", "uk_UA") == expected


@pytest.mark.parametrize(
    "source, en_us, en_gb",
    [
        ("8 574", "8,574", "8,574"),
        ("8 лютого", "February 8", "8 February"),
        ("2,5 кілометра", "2.5 kilometers", "2.5 kilometres"),
        ("72 кілометри", "72 kilometers", "72 kilometres"),
        ("1,6 км", "1.6 km", "1.6 km"),
        ("1 234,50 грн", "UAH1,234.50", "UAH1,234.50"),  # Babel: en CLDR has no symbol for UAH, no spacing
        ("200 гривень", "200 Ukrainian hryvnias", "200 Ukrainian hryvnias"),
        ("5 млн доларів", "5 million US dollars", "5 million US dollars"),
        ("30 тис.", "30 thousand", "30 thousand"),  # not "30K": one-letter compact forms are not prose
        ("39 відсотків", "39 percent", "39 per cent"),
        ("4,8%", "4.8%", "4.8%"),
        ("четвер, 6 лютого", "Thursday, February 6", "Thursday 6 February"),
        ("6 лютого 2025 р.", "February 6, 2025", "6 February 2025"),
        ("6 лютого 2025 року", "February 6, 2025", "6 February 2025"),
        ("лютий 2025", "February 2025", "February 2025"),
        ("06.02.2025", "2/6/2025", "06/02/2025"),
        ("45 миль", "45 miles", "45 miles"),
        ("5 тонн", "5 metric tons", "5 tonnes"),
        ("27 градусів Цельсія", "27 degrees Celsius", "27 degrees Celsius"),
        ("15:30", "3:30\u202fPM", "15:30"),
    ],
)
def test_ukrainian_to_english(source, en_us, en_gb):
    assert to(source, "uk", "en_US") == en_us
    assert to(source, "uk", "en_GB") == en_gb


def test_year_less_weekday_keeps_the_weekday_written():
    # no year: the weekday cannot be computed, it is carried over as written
    assert to("Friday, February 6", "en", "uk_UA") == "пʼятниця, 6 лютого"
    assert to("неділя, 29 лютого", "uk", "en_US") == "Sunday, February 29"


def test_hour_only_times_stay_hour_only_in_12_hour_locales():
    # CLDR 47's en skeleton "h" is "h a" with a plain space, while its short time "h:mm\u202fa" has U+202F
    assert to("10 a.m.", "en", "en_US") == "10 AM"
    assert to("10 a.m.", "en", "uk_UA") == "10:00"


def test_locale_ids_with_hyphens():
    assert to("8 лютого", "uk", "en-GB") == "8 February"


# --- invalid quantities and failures ---------------------------------------------------------


def test_invalid_quantity_is_returned_as_written():
    q = Quantity("number", "1,234.567,8", valid=False)
    assert render(q, "uk_UA") == "1,234.567,8"


def test_a_value_babel_cannot_write_falls_back_to_the_source():
    q = Quantity("unit", "5 furlongs", value=Decimal(5), unit="length-furlong-ish", style="long")
    assert render(q, "uk_UA") == "5 furlongs"


# --- locale_for ------------------------------------------------------------------------------


def test_locale_for_defaults_and_configuration():
    assert locale_for("uk") == "uk_UA"
    assert locale_for("en") == "en_US"
    assert locale_for("en", {"en": "en_GB"}) == "en_GB"
    assert locale_for("en", {"en": "en-GB"}) == "en_GB"
    assert locale_for("uk", {"uk": "uk"}) == "uk"
    assert locale_for("uk", {"en": "en_GB"}) == "uk_UA"


# --- properties ------------------------------------------------------------------------------

amounts = st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(0, 10**12), st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(amounts)
def test_numbers_round_trip_through_both_conventions(value):
    en_text = f"{value:,}"
    assume(not re.fullmatch(r"\d+\.0", en_text))  # "1.0", "3.0": read as versions, see test_quantities
    uk_text = en_text.replace(",", "\u00a0").replace(".", ",")
    for text, lang in ((en_text, "en"), (uk_text, "uk")):
        found = find(text, lang)
        assert len(found) == 1
        q = found[0][2]
        assert (q.kind, q.valid) == ("number", True)
        assert q.value.as_tuple() == value.as_tuple()  # same digits, same precision
        assert parse_decimal(render(q, "en_US"), locale="en_US") == value
        assert parse_decimal(render(q, "uk_UA"), locale="uk_UA") == value


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["5", "2.5", "1,100", "60,000", "0.25", "12", " ", "x", ", ", "-", "(", "%"]), max_size=12).map("".join))
def test_any_valid_plain_number_found_reads_back_from_its_english_rendering(text):
    for _, _, q in find(text, "en"):
        if q.kind == "number" and q.valid and not q.style:
            assert parse_decimal(render(q, "en_US"), locale="en_US") == q.value


# --- the corpus ------------------------------------------------------------------------------


def _articles():
    return sorted((SHARED / "articles").glob("*/*/*"))


@pytest.mark.skipif(not (SHARED / "articles").is_dir(), reason="shared evaluation data not present")
def test_corpus_quantities_render_in_the_other_language():
    seen = 0
    for path in _articles():
        lang = path.parent.name
        target = locale_for("en" if lang == "uk" else "uk")
        text = path.read_text(encoding="utf-8")
        for a, b, q in find(text, lang):
            assert text[a:b] == q.text
            out = render(q, target)
            assert out and (q.valid or out == q.text)
            seen += 1
    assert seen > 1000  # the corpus is full of numbers: recognition is not silently off


def test_a_remembered_rendering_keeps_each_value_s_own_precision():
    """Renderings are cached per quantity; equal Decimals of other precision are not confused."""
    same_text = [Quantity("number", "x", value=Decimal(v)) for v in ("2.5", "2.50", "2.500")]
    assert [render(q, "uk-UA") for q in same_text * 2] == ["2,5", "2,50", "2,500"] * 2
    assert to("2.50", "en", "uk-UA") == to("2.50", "en", "uk-UA") == "2,50"
