"""pipeline adopt: existing human translations become the record's human sentences."""

from __future__ import annotations

import json
import shutil
from importlib import resources

import jsonschema
import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.core.hashes import file_sha256
from pipeline.store import records
from pipeline.store.layout import Layout
from tests.conftest import EXAMPLES, SHARED

OTEL = EXAMPLES / "otel-blog"
EDITED = "blog/2026/otel-graduates.md"


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def site(argos_env, tmp_path):
    """English posts in en/, their Ukrainian translations where translate would write them (out/uk/)."""
    shutil.copytree(OTEL / "en", tmp_path / "en")
    shutil.copytree(OTEL / "uk", tmp_path / "out" / "uk")
    return tmp_path


def bilingual(site, rel):
    stem = rel.rsplit(".", 1)[0]
    return json.loads((site / "out/bilingual" / f"{stem}.en-uk.json").read_text())


def test_adopted_translations_are_human_fresh_and_never_rewritten(site, runner):
    before = snapshot(site / "out/uk")
    result = runner.invoke(main, ["adopt", "en", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "5 adopted" in result.stdout
    assert snapshot(site / "out/uk") == before  # nothing of the translations was written
    record = records.load(Layout(site / "out").record("uk", EDITED))
    origins = [s.origin for s in record.sentences()]
    assert origins.count("human") >= 10 and record.outputs[0] == ("uk/" + EDITED, file_sha256(before[EDITED]))
    assert (site / "out/records/sources.txt").read_text() == "../en\n"
    data = bilingual(site, EDITED)
    jsonschema.validate(data, json.loads(resources.files("pipeline.assemble").joinpath("alignment.schema.json").read_text()))
    title = next(b for b in data["blocks"] if b.get("key") == "title")
    assert title["sentences"][0]["origin"] == "human" and data["engine"] == "human"
    check = runner.invoke(main, ["check", "en", "--out", "out", "--json"])
    assert check.exit_code == 0, check.output
    assert json.loads(check.stdout)["summary"]["fresh"] == 5
    translate = runner.invoke(main, ["translate", "en", "--out", "out", "--engine", "pseudo"])
    assert translate.exit_code == 0, translate.output
    assert "5 unchanged" in translate.stdout and snapshot(site / "out/uk") == before
    again = runner.invoke(main, ["adopt", "en", "--out", "out"])
    assert again.exit_code == 0 and "5 already-recorded" in again.stdout


def test_an_edited_source_is_stale_and_only_its_changed_block_is_translated(site, runner):
    assert runner.invoke(main, ["adopt", "en", "--out", "out"]).exit_code == 0
    before = bilingual(site, EDITED)
    source = site / "en" / EDITED
    text = source.read_text()
    old = "This milestone belongs to the community."
    assert old in text
    source.write_text(text.replace(old, "This milestone belongs to all of us.", 1))
    check = runner.invoke(main, ["check", "en", "--out", "out", "--json"])
    (stale,) = [t for t in json.loads(check.stdout)["translations"] if t["status"] != "fresh"]
    assert stale["status"] == "stale" and len(stale["changed_blocks"]) == 1
    changed = stale["changed_blocks"][0] - 1
    result = runner.invoke(main, ["translate", "en", "--out", "out", "--engine", "pseudo", "--to", "uk"])
    assert result.exit_code == 0, result.output
    after = bilingual(site, EDITED)
    article = (site / "out/uk" / EDITED).read_text()
    for b_old, b_new in zip(before["blocks"], after["blocks"]):
        if b_new["index"] == changed:
            assert any("\u27e6uk\u27e7" in s["target"] for s in b_new["sentences"])
            continue
        assert "\u27e6" not in b_new["target"]  # untouched blocks keep the translator's sentences
        for s_old, s_new in zip(b_old["sentences"], b_new["sentences"]):
            assert (s_new["target"], s_new["origin"]) == (s_old["target"], s_old["origin"])
            if s_new["origin"] == "human":
                assert s_new["target"] in article
    assert article.count("\u27e6uk\u27e7") == 1


def test_nothing_is_overwritten_and_a_divergent_structure_is_reported_where(argos_env, runner, tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "out/uk").mkdir(parents=True)
    (tmp_path / "en/a.md").write_text("# Title\n\nFirst paragraph here.\n\nThe second one has 42 apples.\n")
    (tmp_path / "out/uk/a.md").write_text("# Заголовок\n\nДругий має 42 яблука.\n")
    (tmp_path / "en/b.md").write_text("# Other\n\nA sentence with `code` and a [link](https://example.org).\n")
    (tmp_path / "out/uk/b.md").write_text("# Інше\n\nРечення з `code` і [посиланням](https://example.org).\n")
    (tmp_path / "out/bilingual").mkdir()
    (tmp_path / "out/bilingual/b.en-uk.json").write_text("mine\n")
    before = snapshot(tmp_path / "out")
    result = runner.invoke(main, ["adopt", "en", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "diverges" in result.stdout and "paragraph at line 3 of the source has no counterpart in the translation" in result.stdout
    assert "b.en-uk.json exists and was not written by the pipeline" in result.stdout
    assert snapshot(tmp_path / "out") == before  # neither article was adopted: nothing written


def test_pairs_the_alignment_is_not_sure_of_are_listed_and_flagged(argos_env, runner, tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "out/uk").mkdir(parents=True)
    (tmp_path / "en/a.md").write_text("Run `make test` before you push. Then open a pull request.\n")
    (tmp_path / "out/uk/a.md").write_text("Запустіть тести перед надсиланням. Потім відкрийте запит на злиття.\n")
    result = runner.invoke(main, ["adopt", "en", "--out", "out", "--json"])
    assert result.exit_code == 0, result.output
    (article,) = json.loads(result.stdout)["articles"]
    assert article["human"] == 1 and article["uncertain"] == 1
    (review,) = article["review"]
    assert "'`make test`' is not in the translation" in review["reason"] and review["target"].startswith("Запустіть")
    record = records.load(Layout(tmp_path / "out").record("uk", "a.md"))
    first, second = record.blocks[0][1]
    assert first.origin == "machine" and first.model.engine == "adopted" and first.flags == ("alignment-uncertain",)
    assert second.origin == "human" and second.target == "Потім відкрийте запит на злиття."
    data = json.loads((tmp_path / "out/bilingual/a.en-uk.json").read_text())
    assert data["blocks"][0]["sentences"][0]["flags"] == ["alignment-uncertain", "placeholder-restored"]


def test_a_translation_in_the_wrong_language_is_not_adopted(argos_env, runner, tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "out/uk").mkdir(parents=True)
    text = "# Title\n\nThe first paragraph of the article.\n\nThe second paragraph of it.\n"
    (tmp_path / "en/a.md").write_text(text)
    (tmp_path / "out/uk/a.md").write_text(text)  # a copy, not a translation
    result = runner.invoke(main, ["adopt", "en", "--out", "out"])
    assert result.exit_code == ExitStatus.FILES_FAILED and "hardly any of it is in uk; not adopted" in result.stdout
    assert not (tmp_path / "out/records").exists()


def test_pairing_by_a_front_matter_key_copies_the_translation_in(argos_env, runner, tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "site/uk").mkdir(parents=True)
    (tmp_path / "en/launch.md").write_text("---\ntitle: The launch\ntranslationKey: launch\n---\n\nWe launched today.\n")
    (tmp_path / "site/uk/zapusk.md").write_text("---\ntitle: Запуск\ntranslationKey: launch\n---\n\nМи запустилися сьогодні.\n")
    result = runner.invoke(main, ["adopt", "en", "--translations", "site", "--key", "translationKey", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/uk/launch.md").read_bytes() == (tmp_path / "site/uk/zapusk.md").read_bytes()
    assert runner.invoke(main, ["check", "en", "--out", "out"]).exit_code == 0


@pytest.mark.skipif(not (SHARED / "otel-blog").is_dir(), reason="shared/data/otel-blog is not beside the checkout")
def test_all_otel_pairs_three_structures_diverge(argos_env, runner, tmp_path):
    shutil.copytree(SHARED / "otel-blog/en", tmp_path / "en")
    shutil.copytree(SHARED / "otel-blog/uk", tmp_path / "out/uk")
    result = runner.invoke(main, ["adopt", "en", "--out", "out", "--to", "uk", "--dry-run", "--json"])
    assert result.exit_code == ExitStatus.FILES_FAILED
    report = json.loads(result.stdout)
    diverging = sorted(a["source"] for a in report["articles"] if a["status"] == "diverges")
    assert diverging == [
        "en/blog/2025/day-opentelemetry-maintainer.md",
        "en/blog/2026/otel-collector-follow-up-survey-analysis/index.md",
        "en/blog/_index.md",
    ]
    assert report["summary"] == {"adopted": 49, "diverges": 3}
    assert not (tmp_path / "out/records").exists()  # a dry run writes nothing


def test_translations_elsewhere_are_copied_into_the_output_folder(argos_env, runner, tmp_path):
    shutil.copytree(OTEL / "en", tmp_path / "en")
    shutil.copytree(OTEL / "uk", tmp_path / "site/uk")
    before = snapshot(tmp_path / "site")
    result = runner.invoke(main, ["adopt", "en", "--translations", "site", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert snapshot(tmp_path / "site") == before and snapshot(tmp_path / "out/uk") == before_uk(before)
    assert runner.invoke(main, ["check", "en", "--out", "out"]).exit_code == 0


def before_uk(files):
    return {k.removeprefix("uk/"): v for k, v in files.items()}


# --- real translations: the two splitters disagree, the translator writes numbers their own way ---------


def adopted(tmp_path, runner, source_lang: str, source: str, translation: str) -> list[tuple[str, str | None]]:
    """Adopt one article (source in ./<lang>/, its translation where translate would write it):
    (origin, target) of each source sentence in the record."""
    target = "en" if source_lang == "uk" else "uk"
    (tmp_path / source_lang).mkdir(parents=True, exist_ok=True)
    (tmp_path / "out" / target).mkdir(parents=True, exist_ok=True)
    (tmp_path / source_lang / "a.md").write_text(source)
    (tmp_path / "out" / target / "a.md").write_text(translation)
    result = runner.invoke(main, ["adopt", str(tmp_path / source_lang), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    return [(s.origin, s.target) for s in records.load(Layout(tmp_path / "out").record(target, "a.md")).sentences()]


NEWS_EN = (
    "Earthquake in Turkey - DW - February 8, 2023 The death toll rose to 11,000. "
    "Prices rose by 25% in a year, and the debt reached 1.5 million hryvnias.\n\n"
    "Rescuers worked through the night.\n"
)
NEWS_UK = (
    "Землетрус у Туреччині - DW - 08.02.2023 Кількість загиблих зросла до 11 тисяч. "
    "Ціни зросли на 25 % за рік, а борг сягнув 1,5 млн гривень.\n\n"
    "Рятувальники працювали всю ніч.\n"
)


def test_a_translators_numbers_and_dates_stay_as_written_in_the_record_the_json_and_a_later_translate(argos_env, runner, tmp_path):
    first, second, third = adopted(tmp_path, runner, "en", NEWS_EN, NEWS_UK)
    assert first == ("human", "Землетрус у Туреччині - DW - 08.02.2023 Кількість загиблих зросла до 11 тисяч.")
    assert second == ("human", "Ціни зросли на 25 % за рік, а борг сягнув 1,5 млн гривень.")  # not "25%", "1,5 мільйона"
    shown = [s["target"] for b in bilingual(tmp_path, "a.md")["blocks"] for s in b["sentences"]]
    assert shown == [first[1], second[1], third[1]]
    # the source changes elsewhere: the article is written again from the record, the translator's text as it was
    (tmp_path / "en/a.md").write_text(NEWS_EN.replace("through the night", "all night"))
    result = runner.invoke(main, ["translate", "en", "--out", "out", "--engine", "pseudo"])
    assert result.exit_code == 0, result.output
    article = (tmp_path / "out/uk/a.md").read_text()
    assert article.startswith(f"{first[1]} {second[1]}\n\n") and "all night" in article
    again = [s for b in bilingual(tmp_path, "a.md")["blocks"] for s in b["sentences"]]
    assert [(s["origin"], s["target"]) for s in again[:2]] == [first, second] and not again[0].get("flags")


def test_numbers_the_translator_left_out_are_listed_for_review_not_adopted(argos_env, runner, tmp_path):
    first, second, _ = adopted(tmp_path, runner, "en", NEWS_EN, NEWS_UK.replace("1,5 млн гривень", "великої суми"))
    assert first[0] == "human" and second == ("machine", "Ціни зросли на 25 % за рік, а борг сягнув великої суми.")


def test_a_quotation_one_splitter_cuts_is_adopted_whole_or_sentence_by_sentence_as_the_source_is_cut(argos_env, runner, tmp_path):
    en = '"Our citizens do not need to worry. We will never leave them without shelter," the president said. Rescuers worked.\n'
    uk = "«Нашим громадянам не варто хвилюватися. Ми ніколи не залишимо їх без даху», – сказав президент. Рятувальники працювали.\n"
    # English keeps the quotation whole: the Ukrainian one, cut in two by tokenize-uk, is its translation whole
    assert adopted(tmp_path / "a", runner, "en", en, uk) == [
        ("human", "«Нашим громадянам не варто хвилюватися. Ми ніколи не залишимо їх без даху», – сказав президент."),
        ("human", "Рятувальники працювали."),
    ]
    # Ukrainian cuts inside it: the English quotation is cut there too, each sentence gets its own part
    assert adopted(tmp_path / "b", runner, "uk", uk, en.replace('"Our', "“Our").replace('shelter,"', "shelter,”")) == [
        ("human", "“Our citizens do not need to worry."),
        ("human", "We will never leave them without shelter,” the president said."),
        ("human", "Rescuers worked."),
    ]


def test_speech_a_dash_introduces_is_adopted_sentence_by_sentence(argos_env, runner, tmp_path):
    uk = "– Ми встигли провести мітинг. Зараз туди прибула техніка, – розповів один з учасників. Поліція мовчала.\n"
    en = "“We managed to hold a rally. Now equipment has arrived,” one of the participants said. The police kept silent.\n"
    assert adopted(tmp_path, runner, "uk", uk, en) == [
        ("human", "“We managed to hold a rally."),
        ("human", "Now equipment has arrived,” one of the participants said."),
        ("human", "The police kept silent."),
    ]


@pytest.mark.parametrize(
    ("uk", "en", "expected"),
    [
        # the translator ended the dateline with a full stop: both sentences are the one source sentence's
        (
            "Повінь у Карпатах - BBC - 09.02.2023 Вода піднялася на два метри.\n",
            "Flood in the Carpathians - BBC - 09.02.2023. The water rose by two metres.\n",
            [("human", "Flood in the Carpathians - BBC - 09.02.2023. The water rose by two metres.")],
        ),
        # the source did: the translation, whose dateline runs into its first sentence, is cut after it
        (
            "Землетрус у Туреччині - DW - 08.02.2023. Кількість загиблих зросла до 11 тисяч.\n",
            "Earthquake in Turkey - DW - 08.02.2023 The death toll rose to 11,000.\n",
            [("human", "Earthquake in Turkey - DW - 08.02.2023"), ("human", "The death toll rose to 11,000.")],
        ),
    ],
    ids=["full stop in the translation", "full stop in the source"],
)
def test_a_dateline_ended_on_one_side_only(argos_env, runner, tmp_path, uk, en, expected):
    assert adopted(tmp_path, runner, "uk", uk, en) == expected


@pytest.mark.parametrize("make", ["fifo", "folder"])
def test_a_translation_that_is_not_a_regular_file_is_one_failed_line_naming_it(tmp_path, runner, make):
    """Was: 'no file there' and exit 0 (a FIFO passed for a missing translation)."""
    import os

    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.md").write_text("# A\n\nOne sentence here.\n")
    (tmp_path / "tr/uk").mkdir(parents=True)
    os.mkfifo(tmp_path / "tr/uk/a.md") if make == "fifo" else (tmp_path / "tr/uk/a.md").mkdir()
    result = runner.invoke(
        main, ["adopt", str(tmp_path / "src"), "--out", str(tmp_path / "out"), "--translations", str(tmp_path / "tr"), "--to", "uk"]
    )
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    assert "tr/uk/a.md: not a regular file" in result.output
