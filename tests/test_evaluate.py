"""pipeline evaluate: sacrebleu's figures through the articles' structure, comparisons, checks, the report."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from pipeline.cli import main
from pipeline.evaluate import scores
from tests import wmt
from tests.conftest import EXAMPLES

OTEL = EXAMPLES / "otel-blog"
needs_wmt = pytest.mark.skipif(not wmt.WMT.is_dir(), reason="shared/data/wmt22 is not beside the checkout")


def damaged(text: str, every: int) -> str:
    """Every n-th word of each paragraph dropped: a worse translation, deterministically."""
    return "\n".join(" ".join(w for k, w in enumerate(line.split(" ")) if k % every != every - 1) for line in text.split("\n"))


def run_json(runner, *args):
    result = runner.invoke(main, ["evaluate", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@needs_wmt
@pytest.mark.parametrize("pair", ["en-uk", "uk-en"])
def test_wmt_documents_score_exactly_as_sacrebleu_scores_their_lines(runner, tmp_path, pair):
    target = pair.split("-")[1]
    refs = wmt.lines(wmt.WMT / f"generaltest2022.{pair}.ref.A.{target}")
    hyps = [" ".join(w for k, w in enumerate(r.split()) if (k + i) % 5) for i, r in enumerate(refs)]
    ids = wmt.docids(pair)
    ref_lines = wmt.write_documents(tmp_path / "ref", refs, ids, limit=30)
    hyp_lines = wmt.write_documents(tmp_path / "hyp", hyps, ids, limit=30)
    report = run_json(runner, str(tmp_path / "hyp"), "--reference", str(tmp_path / "ref"), "--worst", "0")
    (system,) = report["systems"]
    assert system["segments"] == len(ref_lines)
    expected = {"BLEU": BLEU(), "chrF": CHRF(), "TER": TER()}
    for name, metric in expected.items():
        score = metric.corpus_score(hyp_lines, [ref_lines])
        assert system["corpus"][name]["score"] == round(score.score, 4)
        assert system["corpus"][name]["signature"] == str(metric.get_signature())


@pytest.mark.parametrize(("pair", "bleu", "chrf"), [("en-uk", 32.5, 59.3), ("uk-en", 44.4, 67.2)])
def test_wmt22_online_b_gets_the_published_figures(runner, tmp_path, pair, bleu, chrf):
    target = pair.split("-")[1]
    hyp_file = wmt.WMT / f"generaltest2022.{pair}.hyp.Online-B.{target}"
    if not hyp_file.is_file():
        pytest.skip(f"{hyp_file.name} is not in shared/data/wmt22 (it holds sources and references only)")
    ids = wmt.docids(pair)
    wmt.write_documents(tmp_path / "ref", wmt.lines(wmt.WMT / f"generaltest2022.{pair}.ref.A.{target}"), ids)
    wmt.write_documents(tmp_path / "hyp", wmt.lines(hyp_file), ids)
    corpus = run_json(runner, str(tmp_path / "hyp"), "--reference", str(tmp_path / "ref"), "--worst", "0")["systems"][0]["corpus"]
    assert (round(corpus["BLEU"]["score"], 1), round(corpus["chrF"]["score"], 1)) == (bleu, chrf)


@pytest.fixture
def three(tmp_path):
    """The bundled Ukrainian otel posts as references, and two damaged copies as systems."""
    shutil.copytree(OTEL / "uk", tmp_path / "ref")
    for name, every in (("good", 9), ("bad", 3)):
        for file in (tmp_path / "ref").rglob("*.md"):
            out = tmp_path / name / file.relative_to(tmp_path / "ref")
            out.parent.mkdir(parents=True, exist_ok=True)
            head, _, body = file.read_text().partition("\n---\n")
            out.write_text(head + "\n---\n" + damaged(body, every))
    return tmp_path


def test_two_systems_the_better_one_significantly(argos_env, runner, three):
    report = run_json(runner, str(three / "bad"), str(three / "good"), "--reference", str(three / "ref"), "--bootstrap", "200")
    good, bad = str(three / "good"), str(three / "bad")
    for metric in ("BLEU", "chrF", "TER"):
        verdict = report["comparison"][metric]
        assert verdict["better"] == good and verdict["significant"], metric
        assert "bs:200" in verdict["signature"]
    by_name = {s["name"]: s for s in report["systems"]}
    assert by_name[good]["corpus"]["chrF"]["score"] > by_name[bad]["corpus"]["chrF"]["score"]
    assert by_name[good]["segments"] == by_name[bad]["segments"]
    text = runner.invoke(main, ["evaluate", bad, good, "--reference", str(three / "ref"), "--bootstrap", "200"]).stdout
    assert f"chrF: {good} is better (significant" in text


def test_the_html_report_is_self_contained_and_escapes_article_text(argos_env, runner, three):
    from pipeline.evaluate import report as reporting

    page = three / "report.html"
    result = runner.invoke(main, ["evaluate", str(three / "good"), "--reference", str(three / "ref"), "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "<svg" in html and "Worst sentences" in html and "chrF per article" in html and "otel-graduates.md" in html
    assert "<script" not in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=""", html)  # no external resource of any kind
    # whatever an article holds is text on the page
    data = run_json(runner, str(three / "good"), "--reference", str(three / "ref"))
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> & "'
    data["systems"][0]["worst"][0].update(hypothesis=hostile, reference=hostile, article=hostile)
    data["systems"][0]["articles"][0]["path"] = hostile
    html = reporting.render(data)
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_checks_without_a_reference_read_the_bilingual_json(argos_env, runner, tmp_path):
    result = runner.invoke(main, ["translate", str(OTEL / "en"), "--out", str(tmp_path / "out"), "--engine", "pseudo", "--to", "uk"])
    assert result.exit_code == 0, result.output
    report = run_json(runner, str(tmp_path / "out/uk"), "--reference", str(OTEL / "uk"))
    (system,) = report["systems"]
    assert system["checks_from"] == "bilingual JSON"
    checks = system["checks"]
    # the pseudo engine keeps the English words: most sentences are in the wrong language
    assert checks["wrong_language"] > 0.6 * checks["sentences"] and checks["placeholders"] == 0
    assert sum(a["checks"]["sentences"] for a in system["articles"]) == checks["sentences"]


def test_each_check():
    pairs = [
        scores.Checked("We saw 1,100 birds.", "Ми бачили 1 100 птахів."),
        scores.Checked("We saw 1,100 birds.", "Ми бачили 1 000 птахів."),
        scores.Checked("Run the tests now please.", "Запустіть <x1/> тести зараз."),
        scores.Checked("This sentence stays English.", "This sentence stays English."),
        scores.Checked("A flagged one here.", "Позначене тут.", ("number-missing",)),
    ]
    found = scores.check(pairs, "uk")
    assert found == {
        "sentences": 5,
        "flagged": 1,
        "numbers": 1,
        "placeholders": 1,
        "wrong_language": 1,
        "length_outliers": 0,
        "untranslated": 1,
    }


def test_a_block_only_in_the_translation_is_scored_with_the_one_before(argos_env, tmp_path):
    from pipeline.core.config import Config

    (tmp_path / "ref.md").write_text("# Заголовок\n\nПерший абзац.\n\nДругий абзац.\n")
    (tmp_path / "hyp.md").write_text("# Заголовок\n\nПерший абзац.\n\nВставка перекладача, довга.\n\nДругий абзац.\n")
    config = Config()
    ref = scores.load(tmp_path / "ref.md", config, "uk")
    hyp = scores.load(tmp_path / "hyp.md", config, "uk")
    article = scores.pair_article("a.md", hyp, ref)
    assert [s.reference for s in article.segments] == ["Заголовок", "Перший абзац.", "Другий абзац."]
    assert article.segments[1].hypothesis == "Перший абзац. Вставка перекладача, довга."
    assert "has no counterpart in the reference" in article.divergence


def test_checks_without_a_reference_align_the_source_when_there_is_no_bilingual_json(argos_env, runner, tmp_path):
    shutil.copytree(OTEL / "uk", tmp_path / "human")
    report = run_json(runner, str(tmp_path / "human"), "--reference", str(OTEL / "uk"), "--source", str(OTEL / "en"))
    (system,) = report["systems"]
    assert system["checks_from"] == "--source"
    assert system["corpus"]["chrF"]["score"] == 100.0
    checks = system["checks"]
    assert checks["sentences"] > 250 and checks["wrong_language"] < 0.02 * checks["sentences"]
