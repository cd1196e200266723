from __future__ import annotations

import pytest

from pipeline.core.errors import ConfigError
from pipeline.localize import fidelity, glossary
from pipeline.segment.protect import Atom, mask, renumber, restore

UK = """terms:
  - source: Kursk region
    target: Курська область
    forms: [Курської області, Курській області]
  - source: drone
    target: дрон
keep: [Reuters]
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "uk").mkdir()
    (tmp_path / "uk" / "glossary.yaml").write_text(UK)
    return tmp_path


def test_each_entry_works_in_both_directions(folder):
    g = glossary.load(folder)
    into = {(t.source, t.target, t.enforced) for t in g.for_source("en")}
    out_of = {(t.source, t.target, t.enforced) for t in g.for_source("uk")}
    assert into == {(("Kursk region",), "Курська область", False), (("drone",), "дрон", True)}
    assert out_of == {
        (("Курська область", "Курської області", "Курській області"), "Kursk region", True),
        (("дрон",), "drone", True),
    }
    assert g.keep == ("Reuters",)


def test_enforced_terms_and_kept_names_are_protected(folder):
    scan = glossary.scanner(glossary.load(folder), "en")
    runs = scan("A Drone seen by Reuters in the Kursk region.")
    assert [r.source if isinstance(r, Atom) else r.text for r in runs] == ["A ", "Drone", " seen by ", "Reuters", " in the Kursk region."]
    text, spans = mask(runs)
    assert restore("Біля <x2/> помічено <x1/>.", renumber(text, spans), render=glossary.render)[0] == "Біля Reuters помічено дрон."
    uk = glossary.scanner(glossary.load(folder), "uk")("Бої в Курській області тривають.")
    text, spans = mask(uk)
    assert restore(text, renumber(text, spans), render=glossary.render)[0] == "Бої в Kursk region тривають."


def test_inflecting_terms_are_checked_in_the_output(folder):
    g = glossary.load(folder)
    (term,) = glossary.expected(g, "en", "Fighting in the Kursk region goes on.")
    seg = renumber("Fighting in the Kursk region goes on.", ())
    assert fidelity.check(seg, (), seg.text, "Бої в Курській області тривають.", [term]) == set()
    assert fidelity.check(seg, (), seg.text, "Бої на Курщині тривають.", [term]) == {"glossary"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("terms: [{source: a}]\n", "terms[0] needs source and target"),
        ("terms: [{source: a, target: b, form: [c]}]\n", "terms[0] has the key 'form'; an entry has source, target, forms and from"),
        ("keep: [1, 2]\n", "keep[0] must be a non-empty string, not a number (1)"),
        ("words: []\n", "a glossary has two keys, terms and keep"),
        ("terms: [\n", "the glossary is not valid YAML"),
        ("terms:\n  - source: 5\n    target: x\n", "terms[0].source must be a non-empty string, not a number (5)"),
        ("terms:\n  - source: a\n    target: [b]\n", "terms[0].target must be a non-empty string, not a list"),
        ("terms:\n  - source: a\n    target: ' '\n", "terms[0].target must be a non-empty string, not empty"),
        ("terms:\n  - source: a\n    target: b\n    forms: c\n", "terms[0].forms must be a list of the target's forms, not 'c'"),
        ("terms:\n  - source: a\n    target: b\n    forms: [c, null]\n", "terms[0].forms[1] must be a non-empty string, not empty"),
        (
            "terms:\n  - source: a\n    target: b\n    from: en\n",
            "terms[0].from must be the code of the source language, not 'en' (the glossary's own language)",
        ),
        (
            "terms:\n  - source: a\n    target: b\n    from: 7\n",
            "terms[0].from must be the code of the source language, not a number (7)",
        ),
        ("terms: {source: a, target: b}\n", "terms must be a list of entries (source, target, forms), not a mapping"),
        ("terms: [drone]\n", "terms[0] must be a mapping with source and target (and optionally forms, from), not 'drone'"),
        (
            "terms:\n  - source: Drone\n    target: b\n  - source: drone\n    target: c\n",
            "terms[1] ('drone') has the same source as terms[0] ('Drone')",
        ),
        ('keep: [""]\n', "keep[0] must be a non-empty string, not empty"),
        ("keep: Reuters\n", "keep must be a list of names never translated, not 'Reuters'"),
        ("keep: [{a: b}]\n", "keep[0] must be a non-empty string, not a mapping"),
        ("keep: [ISW]\nterms:\n  - source: a\n    target: isw\n  - source: isw\n    target: b\n", "keep[0] ('ISW') is also a term"),
        ("keep: [" + "x" * 201 + "]\n", "keep[0] is longer than 200 characters"),
        ("terms: []\nterms: []\n", "the glossary has the key 'terms' twice (lines 1 and 2)"),
        ("keep: [1" + "0" * 5000 + "]\n", "the glossary holds a value that cannot be read"),
        ("keep: !!python/name:os.system\n", "the glossary is not valid YAML: could not determine a constructor"),
    ],
)
def test_glossary_mistakes_name_the_file(tmp_path, text, message):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "glossary.yaml").write_text(text)
    with pytest.raises(ConfigError) as e:
        glossary.load(tmp_path)
    assert str(e.value).startswith(str(tmp_path / "en" / "glossary.yaml")) and message in str(e.value)


def test_a_folder_that_is_not_a_language_is_a_mistake(tmp_path):
    (tmp_path / "Ukrainian").mkdir()
    (tmp_path / "Ukrainian" / "glossary.yaml").write_text(UK)
    with pytest.raises(ConfigError, match=r"Ukrainian/glossary.yaml: the folder 'Ukrainian' is not a language code"):
        glossary.load(tmp_path)


def test_an_entry_for_a_direction_wins_over_another_glossarys_entry_reversed(tmp_path):
    """The shipped pair: into English ЗСУ is "Armed Forces of Ukraine"; into Ukrainian "Armed Forces
    of Ukraine" inflects (Збройні Сили України...). Reversed, the first would make every English
    "Armed Forces of Ukraine" a fixed "ЗСУ" in Ukrainian: the entry written for en->uk wins."""
    from tests.conftest import ROOT

    g = glossary.load(ROOT / "locales")
    assert "Reuters" in g.keep and any(t.target == "Курська область" for t in g.terms)
    (term,) = [t for t in g.for_source("en") if "Armed Forces of Ukraine" in t.source]
    assert (term.target, term.enforced) == ("Збройні Сили України", False)
    into_en = {p: t.target for t in g.for_source("uk") for p in t.source}
    assert into_en["ЗСУ"] == into_en["Збройних Сил України"] == "Armed Forces of Ukraine"


def test_the_first_of_two_reversed_entries_wins(folder):
    (folder / "uk" / "glossary.yaml").write_text("terms:\n  - source: drone\n    target: дрон\n  - source: UAV\n    target: Дрон\n")
    g = glossary.load(folder)
    assert [(t.source, t.target) for t in g.for_source("uk")] == [(("дрон",), "drone")]
    assert {t.target for t in g.for_source("en")} == {"дрон", "Дрон"}  # both directions written for en->uk stay


def test_a_term_in_two_target_languages_is_refused(tmp_path):
    """One protected atom is written the same into every target: a German term would appear in the
    Ukrainian translation (it did), so the second glossary is refused until terms are per target."""
    for lang, target in (("uk", "дрон"), ("de", "Drohne")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "glossary.yaml").write_text(f"terms:\n  - source: drone\n    target: {target}\n")
    with pytest.raises(ConfigError) as e:
        glossary.load(tmp_path)
    assert str(e.value) == (
        f"{tmp_path / 'de' / 'glossary.yaml'}: terms[0] ('drone') is also a term in {tmp_path / 'uk' / 'glossary.yaml'} "
        "(terms[0] ('drone')); a term may be in one target language's glossary only"
    )


def test_load_checked_is_what_later_calls_return(folder):
    from pipeline.core.config import Config

    config = Config(glossary=str(folder), root=str(folder))
    assert glossary.load_checked(config) is glossary.for_folder(config.glossary_dir)
    (folder / "uk" / "glossary.yaml").write_text("keep: [1]\n")  # changed: read again, and refused
    with pytest.raises(ConfigError, match="keep\\[0\\] must be a non-empty string"):
        glossary.for_folder(config.glossary_dir)


def test_the_longest_term_wins_whatever_the_case_of_the_shorter(tmp_path):
    (tmp_path / "uk").mkdir()
    (tmp_path / "uk" / "glossary.yaml").write_text(
        "terms:\n  - source: Drone\n    target: дрон\n  - source: drone strike\n    target: удар дрона\n  - source: dr\n    target: д-р\n"
    )
    scan = glossary.scanner(glossary.load(tmp_path), "en")
    atoms = [(r.source, r.value.target) for r in scan("A drone strike, a DRONE, dr. Drones.") if isinstance(r, Atom)]
    assert atoms == [("drone strike", "удар дрона"), ("DRONE", "дрон"), ("dr", "д-р")]


def test_a_name_matched_through_dotless_or_dotted_i_is_still_that_name(tmp_path):
    """re.IGNORECASE takes ı and İ for i, casefold() does not: found by bench/fuzz.py (KeyError)."""
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "glossary.yaml").write_text("keep: [ISW]\n")
    runs = glossary.scanner(glossary.load(tmp_path), "en")("ıSW and İSW")
    assert [(r.source, r.value) for r in runs if isinstance(r, Atom)] == [("ıSW", None), ("İSW", None)]
