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
    ],
)
def test_glossary_mistakes_name_the_file(tmp_path, text, message):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "glossary.yaml").write_text(text)
    with pytest.raises(ConfigError) as e:
        glossary.load(tmp_path)
    assert str(e.value).startswith(str(tmp_path / "en" / "glossary.yaml")) and message in str(e.value)


def test_shipped_glossaries_load():
    from tests.conftest import ROOT

    g = glossary.load(ROOT / "locales")
    assert "Reuters" in g.keep and any(t.target == "Курська область" for t in g.terms)
