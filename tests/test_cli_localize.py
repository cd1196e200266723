"""Numbers, dates, units and glossary terms through the whole pipeline (issue: locale formatting)."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.core.placeholders import TAG_RE
from pipeline.engines.pseudo import PseudoEngine
from tests.conftest import EXAMPLES, ROOT, SHARED

SEED = EXAMPLES / "news" / "zelensky-kursk-advance.md"
SEED_IN_UKRAINIAN = [
    "четвер, 6 лютого",
    "2,5 кілометра",
    "1\u00a0100 км²",
    "460 км²",
    "As of 6 лютого,",
    "60\u00a0000",
]


def translate(runner, source, *extra, out="out"):
    result = runner.invoke(main, ["translate", str(source), "--out", out, *extra])
    return result


def sentences(path):
    data = json.loads(path.read_text())
    return [s for b in data["blocks"] for s in b["sentences"]]


@pytest.mark.parametrize("engine", ["pseudo", "argos"])
def test_seed_article_numbers_in_ukrainian(engine, installed, runner, tmp_path):
    result = translate(runner, SEED, "--to", "uk", "--engine", engine)
    assert result.exit_code == 0, result.output
    article = (tmp_path / "out/uk/zelensky-kursk-advance.md").read_text()
    for expected in SEED_IN_UKRAINIAN:
        assert expected in article, expected
    assert "2.5 kilometers" not in article and "February 6" not in article
    flagged = [s for s in sentences(tmp_path / "out/bilingual/zelensky-kursk-advance.en-uk.json") if s.get("flags")]
    assert flagged == []  # the fidelity check finds every number


UKRAINIAN = "---\nlang: uk\n---\n\nСтаном на 8 лютого 2025 р. втрати склали 8 574 особи, а збитки — 1 234,50 грн.\n\nЦіна зросла на 39%.\n"


@pytest.mark.parametrize(("locale", "date"), [("en_US", "February 8, 2025"), ("en_GB", "8 February 2025")])
def test_ukrainian_numbers_in_english_for_the_configured_locale(argos_env, runner, tmp_path, locale, date):
    (tmp_path / "a.md").write_text(UKRAINIAN)
    (tmp_path / "c.yaml").write_text(f"locales: {{en: {locale}, uk: uk_UA}}\n")
    result = translate(runner, tmp_path / "a.md", "--engine", "pseudo", "--config", str(tmp_path / "c.yaml"))
    assert result.exit_code == 0, result.output
    article = (tmp_path / "out/en/a.md").read_text()
    assert date in article and "8,574" in article and "39%" in article


def dropping_engine(monkeypatch, pattern):
    """The pseudo engine, made to lose placeholders as real models sometimes do."""
    original = PseudoEngine.translate

    def lossy(self, texts):
        for result in original(self, texts):
            yield type(result)(TAG_RE.sub(lambda m: "" if pattern in m.group(0) else m.group(0), result.text))

    monkeypatch.setattr(PseudoEngine, "translate", lossy)


def test_a_lost_number_is_put_back_flagged_counted_and_fails_strict(argos_env, runner, tmp_path, monkeypatch):
    dropping_engine(monkeypatch, "x")
    src = tmp_path / "a.md"
    src.write_text("Forces advanced 2.5 kilometers on Thursday, February 6.\n")
    result = translate(runner, src, "--engine", "pseudo", "--to", "uk")
    assert result.exit_code == 0
    assert ", 1 flagged (number-missing 1)," in result.stdout
    (sentence,) = sentences(tmp_path / "out/bilingual/a.en-uk.json")
    assert sentence["flags"] == ["number-missing"]
    assert "2,5 кілометра" in sentence["target"] and "четвер, 6 лютого" in sentence["target"]
    assert "number-missing" in (tmp_path / "out/bilingual/a.en-uk.html").read_text()
    strict = translate(runner, src, "--engine", "pseudo", "--to", "uk", "--strict", out="out2")
    assert strict.exit_code == ExitStatus.PROBLEMS


def test_absurd_numbers_are_left_as_written_and_flagged(argos_env, runner, tmp_path):
    src = tmp_path / "a.md"
    text = "Values 1e308 and 1234567890123456789012345678901234567890 on February 30 and 1,234.567,8 were seen."
    src.write_text(text + "\n")
    result = translate(runner, src, "--engine", "pseudo", "--to", "uk")
    assert result.exit_code == 0, result.output
    (sentence,) = sentences(tmp_path / "out/bilingual/a.en-uk.json")
    assert sentence["target"] == "\u27e6uk\u27e7 " + text
    assert sentence["flags"] == ["number-unparsed"]


def test_glossary_terms_in_both_directions(argos_env, runner, tmp_path):
    shutil.copytree(ROOT / "locales", tmp_path / "locales")  # the command runs in tmp_path
    (tmp_path / "en.md").write_text("Reuters reported fighting in the Kursk region.\n")
    (tmp_path / "uk.md").write_text("---\nlang: uk\n---\n\nЗСУ просунулися в Курській області, повідомляє Reuters.\n")
    result = translate(runner, tmp_path / "en.md", "--engine", "pseudo", "--to", "uk")
    (sentence,) = sentences(tmp_path / "out/bilingual/en.en-uk.json")
    assert sentence["flags"] == ["glossary"]  # the pseudo "translation" has no Курська область
    assert "Reuters" in sentence["target"]
    result = translate(runner, tmp_path / "uk.md", "--engine", "pseudo", "--to", "en")
    assert result.exit_code == 0, result.output
    (sentence,) = sentences(tmp_path / "out/bilingual/uk.uk-en.json")
    assert sentence["target"] == "\u27e6en\u27e7 Armed Forces of Ukraine просунулися в Kursk region, повідомляє Reuters."
    assert "flags" not in sentence


def shared_sample():
    if not SHARED.is_dir():
        return []
    out = []
    for lang in ("en", "uk"):
        out += sorted((SHARED / "articles/ntrex128_en-uk" / lang).glob("*.md"))[:12]
        out += sorted((SHARED / "articles/wmt22_en-uk_news" / lang).glob("*.md"))[:6]
    return out


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared evaluation data is beside the checkout in CI and dev")
def test_no_number_is_lost_on_real_articles_in_both_directions(argos_env, runner, tmp_path):
    for path in shared_sample():
        lang = path.parent.name
        dest = tmp_path / "src" / lang / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    result = translate(runner, tmp_path / "src", "--engine", "pseudo")
    assert result.exit_code == 0, result.output
    flags = [f for p in (tmp_path / "out/bilingual").rglob("*.json") for s in sentences(p) for f in s.get("flags", [])]
    assert not {"number-missing", "number-changed"} & set(flags)
    localised = [s for p in (tmp_path / "out/bilingual").rglob("*.json") for s in sentences(p) if any(c.isdigit() for c in s["source"])]
    assert len(localised) > 100  # the sample is full of numbers
    assert len(list((tmp_path / "out/bilingual").rglob("*.json"))) == len(shared_sample())
