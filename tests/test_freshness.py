from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.conftest import ROOT
from tests.helpers import correct
from tests.test_run import ARTICLE


@pytest.fixture
def project(installed, tmp_path, runner):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kursk.md").write_text(ARTICLE)
    (tmp_path / "articles" / "other.md").write_text("# Other\n\nSomething else happened today.\n")
    assert runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"]).exit_code == 0
    return tmp_path


def check(runner, *extra):
    return runner.invoke(main, ["check", "articles", "--out", "out", *extra])


def report(runner):
    result = check(runner, "--json")
    return result.exit_code, {(t["source"], t["target_lang"]): t for t in json.loads(result.stdout)["translations"]}


def test_fresh_after_translation_even_without_the_memory(project, runner):
    shutil.rmtree(project / ".pipeline")  # a fresh CI clone has the outputs and their records only
    result = check(runner)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 fresh, 0 stale, 0 missing, 0 orphan, 0 needs-review"


def test_stale_says_which_blocks(project, runner):
    path = project / "articles" / "kursk.md"
    path.write_text(path.read_text().replace("divert resources", "divert troops") + "\nA new paragraph.\n")
    code, items = report(runner)
    item = items[("articles/kursk.md", "uk")]
    assert code == ExitStatus.NOT_FRESH
    assert (item["status"], item["changed_blocks"], item["detail"]) == ("stale", [4, 7], "blocks 4, 7 changed or new")
    assert items[("articles/other.md", "uk")]["status"] == "fresh"


def test_missing_and_orphan(project, runner):
    (project / "articles" / "new.md").write_text("A brand new article.\n")
    (project / "articles" / "other.md").unlink()
    code, items = report(runner)
    assert code == ExitStatus.NOT_FRESH
    assert items[("articles/new.md", "uk")]["status"] == "missing"
    orphan = items[("articles/other.md", "uk")]
    assert (orphan["status"], orphan["translation"]) == ("orphan", "uk/other.md")
    (project / "out/uk/kursk.md").unlink()
    assert report(runner)[1][("articles/kursk.md", "uk")]["detail"] == "the translated article is gone"


def test_stale_human_correction_needs_review(project, runner):
    assert correct(runner, project / "out", "articles", {"Forces advanced quickly.": "Війська швидко просунулися."}).exit_code == 0
    assert "Війська швидко просунулися." in (project / "out/uk/kursk.md").read_text()
    path = project / "articles" / "kursk.md"
    path.write_text(path.read_text().replace("Forces advanced quickly.", "Forces advanced fast."))
    code, items = report(runner)
    assert items[("articles/kursk.md", "uk")]["detail"] == "block 3 changed or new; 1 corrected by an editor"
    runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out"])
    code, items = report(runner)
    assert code == ExitStatus.NOT_FRESH
    assert items[("articles/kursk.md", "uk")]["status"] == "needs-review"
    data = json.loads((project / "out/bilingual/kursk.en-uk.json").read_text())
    (sentence,) = [s for b in data["blocks"] for s in b["sentences"] if s.get("flags")]
    assert sentence["flags"] == ["stale-review"] and sentence["origin"] == "machine"
    assert sentence["suggestion"] == {"source": "Forces advanced quickly.", "target": "Війська швидко просунулися."}
    # the editor's version is neither reused for the new source nor thrown away
    assert "Війська швидко просунулися." not in (project / "out/uk/kursk.md").read_text()
    assert "stale-review" in (project / "out/bilingual/kursk.en-uk.html").read_text()


def test_check_imports_neither_ctranslate2_nor_argostranslate(project):
    code = (
        "import sys; from pipeline.cli import main\n"
        "try: main(['check', 'articles', '--out', 'out'])\n"
        "except SystemExit as e: status = e.code\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('ctranslate2', 'argostranslate', 'sentencepiece')]\n"
        "print(status, heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""}
    )
    assert out.stdout.strip().endswith("0 []"), out.stdout + out.stderr


# --- freshness.check and prune on a workspace, directly (no CLI) ------------------------------------


@pytest.fixture
def translated(tmp_path, monkeypatch):
    from tests.helpers import OTHER_ARTICLE, pseudo_project

    monkeypatch.chdir(tmp_path)
    config = pseudo_project(tmp_path, {"kursk.md": ARTICLE, "other.md": OTHER_ARTICLE})
    config = replace(config, languages=("en", "uk"))
    return tmp_path, config


def _states(translated, inputs=("articles",)):
    from pipeline.commands import freshness
    from pipeline.workspace import Workspace

    root, config = translated
    ws = Workspace.open(config, None, inputs)
    items, problems = freshness.check(ws)
    return {(i.rel or i.source, i.target_lang): i for i in items}, problems, ws


def test_freshness_of_pseudo_output_is_pseudo_never_fresh_and_needs_no_memory(translated):
    states, problems, _ = _states(translated)
    assert {k: i.status for k, i in states.items()} == {("kursk.md", "uk"): "pseudo", ("other.md", "uk"): "pseudo"}
    assert problems == []


def test_freshness_names_the_changed_block_and_its_line(translated):
    root, _ = translated
    source = root / "articles" / "kursk.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Forces advanced quickly.", "Forces stopped."), encoding="utf-8")
    item = _states(translated)[0][("kursk.md", "uk")]
    assert (item.status, item.changed_blocks, item.line) == ("stale", (3,), 8)  # the title, the heading, then this paragraph


def test_freshness_tells_missing_modified_and_orphaned_translations(translated):
    root, _ = translated
    (root / "articles" / "new.md").write_text("# New\n\nA new article.\n", encoding="utf-8")
    (root / "translations" / "uk" / "other.md").write_text("edited by hand\n", encoding="utf-8")
    (root / "articles" / "kursk.md").unlink()
    states, _, ws = _states(translated)
    assert states[("new.md", "uk")].status == "missing"
    assert states[("other.md", "uk")].status == "modified"
    orphan = next(i for i in states.values() if i.status == "orphan")
    assert orphan.translation == "uk/kursk.md"
    from pipeline.commands import freshness

    removed, kept = freshness.prune(ws, list(states.values()))
    assert not (root / "translations" / "uk" / "kursk.md").exists() and kept == []
    assert (root / "translations" / "uk" / "other.md").read_text(encoding="utf-8") == "edited by hand\n"  # never pruned
    assert root / "translations" / "uk" / "kursk.md" in removed
