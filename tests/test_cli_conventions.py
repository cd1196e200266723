"""What a user of click tools expects: --config anywhere, -q, --dry-run, a no-model message that helps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.test_run import ARTICLE


@pytest.fixture
def folder(argos_env, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/en.md").write_text(ARTICLE)
    (tmp_path / "src/uk.md").write_text("---\nlang: uk\n---\n\nНаступ почався в четвер.\n")
    (tmp_path / "pseudo.yaml").write_text("engine: pseudo\n")
    return tmp_path


def test_config_on_the_group_or_on_the_command(folder, runner):
    group = runner.invoke(main, ["--config", "pseudo.yaml", "translate", "src", "--out", "out"])
    assert group.exit_code == 0, group.output
    assert "⟦uk⟧" in (folder / "out/uk/en.md").read_text()
    command = runner.invoke(main, ["translate", "src", "--out", "out2", "--config", "pseudo.yaml"])
    assert command.exit_code == 0, command.output
    # pseudo output is never a translation: check says so, read with the same configuration either way
    for args in (["--config", "pseudo.yaml", "check", "src", "--out", "out"], ["check", "src", "--out", "out2", "--config", "pseudo.yaml"]):
        result = runner.invoke(main, args)
        assert result.exit_code == ExitStatus.NOT_FRESH and "pseudo" in result.stdout, result.output


def test_quiet_prints_errors_only(folder, runner):
    result = runner.invoke(main, ["-q", "--config", "pseudo.yaml", "translate", "src", "--out", "out"])
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    (folder / "src/bad.md").write_bytes(b"\xff\xfe\x00")
    result = runner.invoke(main, ["translate", "-q", "src", "--out", "out", "--config", "pseudo.yaml"])
    assert result.exit_code == ExitStatus.FILES_FAILED and result.stdout == "" and "bad.md" in result.stderr


def test_dry_run_writes_nothing_and_needs_no_model(folder, runner):
    result = runner.invoke(main, ["translate", "src", "--out", "out", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would write 2 translations; 8 sentences need the engine; nothing was written" in result.stdout
    assert result.stdout.splitlines()[:2] == ["would translate src/en.md into uk", "would translate src/uk.md into en"]
    assert result.stderr == ""
    assert not (folder / "out").exists() and not (folder / ".pipeline").exists()


def test_the_no_model_message_names_every_direction_and_the_ways_out(folder, runner):
    result = runner.invoke(main, ["translate", "src", "--out", "out", "--no-download"])
    assert result.exit_code == ExitStatus.NO_MODEL
    (line,) = result.stderr.splitlines()
    assert "en->uk" in line and "uk->en" in line and "--engine pseudo" in line and "models install FILE.argosmodel" in line


def test_config_on_a_group_of_commands(folder, runner):
    (folder / "elsewhere.yaml").write_text("argos: {packages_dir: elsewhere-packages}\n")
    for argv in (["models", "--config", "elsewhere.yaml", "list"], ["--config", "elsewhere.yaml", "models", "list"]):
        result = runner.invoke(main, argv)
        assert result.exit_code == 0, result.output
    # $ARGOS_PACKAGES_DIR wins over the file (argos_env sets it), so the file's effect is seen by a bad one
    (folder / "bad.yaml").write_text("argos: {beam_size: 0}\n")
    bad = runner.invoke(main, ["models", "--config", "bad.yaml", "list"])
    assert bad.exit_code == ExitStatus.USAGE and "bad.yaml" in bad.stderr


def test_json_for_every_command_that_lists(folder, runner):
    assert runner.invoke(main, ["--config", "pseudo.yaml", "translate", "src", "--out", "out"]).exit_code == 0
    exported = runner.invoke(main, ["export", "src", "--out", "out", "--format", "po", "--json"])
    assert exported.exit_code == 0, exported.output
    written = json.loads(exported.stdout)["written"]
    assert sorted(Path(p).name for p in written) == ["en.en-uk.po", "uk.uk-en.po"] and all(Path(p).is_file() for p in written)
    po = Path(next(p for p in written if p.endswith("en.en-uk.po")))
    po.write_text(po.read_text().replace('msgstr "⟦uk⟧ ', 'msgstr "Виправлено ', 1))  # an editor corrects one sentence
    imported = runner.invoke(main, ["import", str(po), "--out", "out", "--json"])
    assert imported.exit_code == 0, imported.output
    (report,) = json.loads(imported.stdout)["files"]
    assert report["corrected"] == 1 and report["written"] and report["problems"] == [] and report["article"] == "uk/en.md"
    listed = json.loads(runner.invoke(main, ["models", "list", "--json"]).stdout)
    assert listed["installed"] == [] and listed["not_installed"] == [{"from": "en", "to": "uk"}, {"from": "uk", "to": "en"}]
