"""Sentence alignment: structure first, then Gale-Church with anchors, with confidences that mean something."""

from __future__ import annotations

import importlib.util
import random
import sys

import pytest

from pipeline.evaluate.align import DEFAULT_THRESHOLD, align_documents, align_texts
from pipeline.evaluate.anchors import name_key
from tests.conftest import ROOT, SHARED
from tests.helpers import document


def bench():
    spec = importlib.util.spec_from_file_location("align_eval", ROOT / "bench" / "align_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["align_eval"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("en", "uk"), [("Sturridge", "Старрідж"), ("Jones", "Джонс"), ("Chelsea", "Челсі"), ("Paltrow", "Пелтроу")])
def test_names_match_across_scripts_by_their_consonants(en, uk):
    assert name_key(en) == name_key(uk) != ""


def test_one_to_one_two_to_one_and_one_to_two():
    source = ["The avalanche killed one man.", "It was reported at 10:50.", "Five others were trapped.", "All wore beacons."]
    target = [
        "Лавина вбила одного чоловіка. Про неї повідомили о 10:50.",  # two sentences merged
        "Ще п'ятеро опинилися в пастці.",
        "Усі мали при собі маячки.",
    ]
    beads = align_texts(source, target)
    assert [(b.source, b.target) for b in beads] == [((0, 1), (0,)), ((2,), (1,)), ((3,), (2,))]
    assert all(b.confidence > 0.5 for b in beads)
    split = align_texts(
        ["Sims, 20, was shot near the campus on Friday and died later."], ["Сімса, 20 років, застрелили в п'ятницю.", "Згодом він помер."]
    )
    assert [(b.source, b.target) for b in split] == [((0,), (0, 1))]


def test_anchors_raise_or_lower_confidence():
    """Same lengths either way: a number and a name the translation shares make the pair surer."""
    source = ["Kante paid 25 dollars for it.", "Nobody else paid anything."]
    shared = align_texts(source, ["Канте заплатив за це 25 доларів.", "Ніхто інший не платив."])
    other = align_texts(source, ["Петро заплатив за це 40 доларів.", "Ніхто інший не платив."])
    assert [b.kind for b in shared] == [b.kind for b in other] == ["1-1", "1-1"]
    assert shared[0].confidence > other[0].confidence


def test_structure_pairs_blocks_and_says_where_it_diverges(tmp_path):
    source = document(tmp_path, "# Title\n\nOne.\n\n```\ncode\n```\n\nTwo.\n", "en.md", "en")
    same = document(tmp_path, "# Заголовок\n\nОдин.\n\n```\ncode\n```\n\nДва.\n", "uk.md", "uk")
    alignment = align_documents(source, same)
    assert alignment.matches and [(p.source, p.target) for p in alignment.pairs] == [(0, 0), (1, 1), (2, 2)]
    no_code = document(tmp_path, "# Заголовок\n\nОдин.\n\nДва.\n", "uk2.md", "uk")
    alignment = align_documents(source, no_code)
    assert (
        alignment.divergence
        == "code block at line 5 of the source has no counterpart in the translation (after paragraph at line 3 of the translation)"
    )


@pytest.mark.skipif(not (SHARED / "wmt22").is_dir(), reason="shared/data/wmt22 is not beside the checkout")
def test_adopt_stores_right_pairs_on_perturbed_ukrainian_news():
    """bench/align_eval.py on a sample of Ukrainian originals made news-like (datelines,
    multi-sentence quotations) and edited: the pairs adopt stores are right and verbatim."""
    module = bench()
    source, target, docs = module.corpora(SHARED)["wmt22 uk-en"]
    counts = module.run("wmt22 uk-en", (source, target), docs[:30], module.RATES["realistic"], 1, DEFAULT_THRESHOLD)
    assert counts["right"] / counts["stored"] >= 0.98, counts
    assert counts["verbatim later"] == counts["verbatim"] == counts["right"], counts
    assert counts["covered"] / counts["with a target"] >= 0.85, counts


def test_perturbation_truth_is_consistent():
    module = bench()
    rng = random.Random(3)
    source = [f"Sentence number {i}. It has two parts." for i in range(30)]
    target = [f"Речення номер {i}. Воно має дві частини." for i in range(30)]
    src, tgt, truth = module.perturb(source, target, rng, module.RATES["3x"])
    assert sorted(i for s, _ in truth for i in s) == list(range(len(src)))
    assert sorted(j for _, t in truth for j in t) == list(range(len(tgt)))
    assert {(len(s), len(t)) for s, t in truth} >= {(1, 1), (2, 1), (1, 2)}


def test_glossary_terms_anchor_across_languages(tmp_path):
    from pipeline.core.config import Config
    from pipeline.evaluate.anchors import unit_of

    (tmp_path / "uk").mkdir()
    (tmp_path / "uk/glossary.yaml").write_text("terms:\n  - source: Collector\n    target: Колектор\n")
    config = Config(glossary=str(tmp_path), root=str(tmp_path))
    en = document(tmp_path, "Run the Collector today.\n", "en.md", "en", config)
    uk = document(tmp_path, "Запустіть Колектор сьогодні.\n", "uk.md", "uk", config)
    a, b = unit_of(en.blocks[0].segments[0]), unit_of(uk.blocks[0].segments[0])
    assert a.weak & b.weak == {"t:collector|колектор": 1}


def segments(tmp_path, text: str, lang: str):
    return document(tmp_path, text + "\n", f"{lang}.md", lang).blocks[0].segments


def test_boundaries_only_one_splitter_makes_are_soft(tmp_path):
    from pipeline.evaluate.boundaries import ABBREVIATED, DATED, QUOTATION, kinds

    uk = "«Ми встигли. Зараз туди прибула техніка», – сказав він. Потім усе стихло. Землетрус - DW - 08.02.2023. За словами ген. Залужного, все гаразд."
    assert kinds(segments(tmp_path, uk, "uk")) == [QUOTATION, "", "", DATED, ABBREVIATED]
    speech = "– Ми встигли провести мітинг. Зараз туди прибула техніка, – розповів він. Потім усе стихло."
    assert kinds(segments(tmp_path, speech, "uk")) == [QUOTATION, ""]
    listed = "– Підключіть зарядний пристрій. Натисніть кнопку живлення."  # a dash before a list item opens no speech
    assert kinds(segments(tmp_path, listed, "uk")) == [""]


def test_a_translation_is_cut_inside_quotations_only_where_the_sources_splitter_cuts(tmp_path):
    from pipeline.evaluate.boundaries import cuts_quotations, pieces

    assert cuts_quotations("uk") and not cuts_quotations("en")
    en = segments(tmp_path, "Flood - BBC - 09.02.2023 “We came. We left,” he said. It rained.", "en")
    cut = [en[p.segment].text[p.start : p.end] for p in pieces(en, quotes=True)]
    assert cut == ["Flood - BBC - <x1/>", "“We came.", "We left,” he said.", "It rained."]
    kept = [en[p.segment].text[p.start : p.end] for p in pieces(en, quotes=False)]
    assert kept == ["Flood - BBC - <x1/>", "“We came. We left,” he said.", "It rained."]


def test_quantities_anchor_by_value_whatever_their_writing():
    from pipeline.evaluate.anchors import unit_of_text

    def anchors(text, lang):
        from pipeline.localize import quantities
        from pipeline.segment.protect import mask, scan_text, split_runs

        runs = scan_text(split_runs(text, []), [quantities.scanner(lang)])
        masked, spans = mask(runs)
        return set(unit_of_text(masked, spans).strong)

    assert anchors("Загинули 11 тисяч людей 03.12.2023.", "uk") == anchors("11,000 people died on December 3, 2023.", "en")
    assert anchors("Це сталося 11/03/2023.", "en") & anchors("Це сталося 03.11.2023.", "uk")  # month first or day first


def test_a_sentence_the_translation_adds_is_not_stored_inside_a_sure_pair():
    source = ["The storm hit the coast on Monday morning.", "Thousands of homes lost power."]
    target = ["Шторм ударив по узбережжю в понеділок вранці.", "Це було страшно.", "Тисячі будинків залишилися без світла."]
    beads = align_texts(source, target)
    assert all(b.confidence < DEFAULT_THRESHOLD for b in beads if 1 in b.target and b.source), beads
