"""What a user of click tools expects: --config anywhere, -q, --dry-run, a no-model message that helps."""

from __future__ import annotations

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
    assert runner.invoke(main, ["--config", "pseudo.yaml", "check", "src", "--out", "out"]).exit_code == 0


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
