"""Every pair: languages as data, the pivot through English, language identification per article
and per block, German and Polish conventions. Copy packages (tests/fixtures): their output is the
source text itself, never a translation, so what is asserted is the plumbing."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from pipeline.core import flags
from pipeline.core.errors import ExitStatus

UK_ARTICLE = """---
title: Новини з фронту
lang: uk
---

# Поїздка до *Берліна*

Делегація проїхала 1 100,5 км 6 лютого 2025 року, див. [звіт](https://example.org/zvit) і `config.yaml`.

Ціни зросли на 39% за рік, повідомили у відомстві.
"""

RU_BLOCK = "Вчера вечером в Москве прошла большая встреча представителей разных стран и организаций."

MIXED = {
    "uk.md": (
        "# Звіт про поїздку\n\nДелегація приїхала до міста у четвер і провела там кілька важливих зустрічей з місцевою владою.\n\n"
        f"{RU_BLOCK}\n\nПісля цього вона повернулася додому, а звіт опублікують наступного тижня.\n"
    ),
    "ru.md": "# Отчёт\n\nДелегация приехала в город в четверг и провела там несколько важных встреч с местными властями.\n",
    "en.md": "# Trip report\n\nThe delegation arrived in the city on Thursday and held several important meetings with local officials.\n",
    "de.md": "# Reisebericht\n\nDie Delegation kam am Donnerstag in die Stadt und führte dort mehrere wichtige Gespräche mit den Behörden.\n",
}


@pytest.fixture
def multi(argos_env, package_files, more_package_files, runner):
    """uk<->en, en<->de and en<->pl copy packages installed through `pipeline models install FILE`."""
    files = [package_files["en_uk"], package_files["uk_en"], *more_package_files.values()]
    result = runner.invoke(main, ["models", "install", *map(str, files)])
    assert result.exit_code == 0, result.output
    return argos_env


def test_uk_to_de_and_pl_run_through_english(multi, runner, tmp_path):
    (tmp_path / "config.yaml").write_text("languages: [uk, de, pl]\n", encoding="utf-8")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text(UK_ARTICLE, encoding="utf-8")
    for target, date, number in (("de", "6. Februar 2025", "1.100,5 km"), ("pl", "6 lutego 2025", "1\u00a0100,5 km")):
        result = runner.invoke(main, ["translate", "articles", "--to", target, "--out", "out"])
        assert result.exit_code == 0, result.output
        article = (tmp_path / "out" / target / "a.md").read_text(encoding="utf-8")
        assert f"lang: {target}" in article
        # structure, link target, inline code and the emphasis survive both legs (as placeholders)
        assert "# Поїздка до *Берліна*" in article and "[звіт](https://example.org/zvit)" in article and "`config.yaml`" in article
        assert date in article and number in article, article
        data = json.loads((tmp_path / "out" / "bilingual" / f"a.uk-{target}.json").read_text(encoding="utf-8"))
        assert data["model"] == {"package": f"translate-uk_en+translate-en_{target}", "version": "1.0+1.0"}
        assert not any(set(s.get("flags", ())) & flags.PROBLEMS for b in data["blocks"] for s in b["sentences"])
        record = (tmp_path / "out" / "records" / target / "a.md.json").read_text(encoding="utf-8")
        assert f"translate-uk_en+translate-en_{target}" in record
        html = (tmp_path / "out" / "bilingual" / f"a.uk-{target}.html").read_text(encoding="utf-8")
        assert "Українська → " + {"de": "Deutsch", "pl": "Polski"}[target] in html
    check = runner.invoke(main, ["check", "articles", "--out", "out"])
    assert check.exit_code == 0, check.output


def test_a_new_version_of_either_leg_makes_the_chain_stale(multi, runner, tmp_path, more_package_files):
    from tests.conftest import GERMAN, POLISH, corpus_texts
    from tests.fixtures.argos_package import build_package

    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text(UK_ARTICLE, encoding="utf-8")
    assert runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out"]).exit_code == 0
    newer = build_package(tmp_path / "newer", "en", "de", corpus_texts() + GERMAN + POLISH, version="1.1")
    assert runner.invoke(main, ["models", "install", str(newer)]).exit_code == 0
    again = runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out", "--retranslate-machine"])
    assert again.exit_code == 0, again.output
    assert " 0 reused" in again.stdout
    data = json.loads((tmp_path / "out" / "bilingual" / "a.uk-de.json").read_text(encoding="utf-8"))
    assert data["model"]["version"] == "1.0+1.1"


def test_mixed_folder_each_article_by_its_own_language(multi, runner, tmp_path):
    (tmp_path / "config.yaml").write_text("languages: [uk, en, de]\n", encoding="utf-8")
    (tmp_path / "articles").mkdir()
    for name, text in MIXED.items():
        (tmp_path / "articles" / name).write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["translate", "articles", "--out", "out"])
    # the Russian article is reported, not pushed through the Ukrainian model; the others are written
    assert result.exit_code == ExitStatus.FILES_FAILED, result.output
    assert "ru.md: is in Русский (ru), which no installed or indexed package translates" in result.stderr
    out = tmp_path / "out"
    written = sorted(p.relative_to(out / "bilingual").as_posix() for p in (out / "bilingual").glob("*.json"))
    assert written == ["de.de-en.json", "de.de-uk.json", "en.en-de.json", "en.en-uk.json", "uk.uk-de.json", "uk.uk-en.json"]
    for name in ("de.de-uk", "uk.uk-de"):  # no direct package: through English
        assert "+" in json.loads((out / "bilingual" / f"{name}.json").read_text(encoding="utf-8"))["model"]["package"]
    # the Russian block of the Ukrainian article: kept as it is and flagged, in both translations
    for target in ("en", "de"):
        data = json.loads((out / "bilingual" / f"uk.uk-{target}.json").read_text(encoding="utf-8"))
        (block,) = [b for b in data["blocks"] if b["source"] == RU_BLOCK]
        assert flags.OTHER_LANGUAGE in block.get("flags", ())
        assert RU_BLOCK in (out / target / "uk.md").read_text(encoding="utf-8")


def test_languages_are_what_packages_cover(multi, runner, tmp_path):
    (tmp_path / "a.md").write_text("Hello there, this is a short English article.\n", encoding="utf-8")
    bad = runner.invoke(main, ["translate", "a.md", "--to", "xx", "--out", "out"])
    assert bad.exit_code == ExitStatus.USAGE
    (line,) = [x for x in bad.stderr.splitlines() if "xx" in x]
    assert "available: de, en, pl, uk" in line
    (tmp_path / "config.yaml").write_text("languages: [en, fr]\n", encoding="utf-8")
    assert runner.invoke(main, ["translate", "a.md", "--out", "out"]).exit_code == ExitStatus.USAGE
    (tmp_path / "config.yaml").write_text("languages: [en, pl]\n", encoding="utf-8")
    ok = runner.invoke(main, ["translate", "a.md", "--out", "out"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "pl" / "a.md").is_file()


def test_models_install_a_pair_installs_both_legs(argos_env, package_files, more_package_files, runner, http_server):
    import shutil

    root, base = http_server
    index = []
    for key in ("uk_en", "en_de"):
        shutil.copy(more_package_files.get(key) or package_files[key], root / f"{key}.argosmodel")
        s, t = key.split("_")
        index.append(
            {
                "from_code": s,
                "to_code": t,
                "package_version": "1.0",
                "argos_version": "1.9",
                "type": "translate",
                "from_name": s,
                "to_name": t,
                "code": f"translate-{s}_{t}",
                "links": [f"{base}{key}.argosmodel"],
            }
        )
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    env = {"ARGOS_PACKAGE_INDEX": base}
    listed = runner.invoke(main, ["models", "list", "--available"], env=env)
    assert listed.exit_code == 0 and "en->de" in listed.output and "uk->en" in listed.output
    result = runner.invoke(main, ["models", "install", "uk", "de"], env=env)
    assert result.exit_code == 0, result.output
    assert "installed translate-uk_en 1.0 (uk->en)" in result.output and "installed translate-en_de 1.0 (en->de)" in result.output
