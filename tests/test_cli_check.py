"""`pipeline check` and `prune` as CI and pre-commit use them: the recorded sources by default, the
report formats, and the commands docs/ci.md gives, run in a fresh git clone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.conftest import ROOT
from tests.test_run import ARTICLE

CHANGED = "It forced Russia to divert troops."  # the paragraph "It forced Russia to divert resources."


@pytest.fixture
def project(installed, tmp_path, runner) -> Path:
    """Translated with the suite's copy model (pseudo output is never fresh)."""
    (tmp_path / "src/news").mkdir(parents=True)
    (tmp_path / "src/news/a.md").write_text(ARTICLE)
    (tmp_path / "src/b.md").write_text("# Other\n\nSomething else happened today.\n")
    (tmp_path / "config.yaml").write_text("# the default engine, argos: the copy packages are installed\n")
    assert runner.invoke(main, ["translate", "src"]).exit_code == 0
    return tmp_path


def change_a_paragraph(project: Path) -> int:
    """Edit one paragraph of src/news/a.md; the line it starts on."""
    path = project / "src/news/a.md"
    text = path.read_text().replace("It forced Russia to divert resources.", CHANGED)
    path.write_text(text)
    return text[: text.index(CHANGED)].count("\n") + 1


def test_check_and_prune_default_to_the_recorded_sources(project, runner):
    assert (project / "translations/records/sources.txt").read_text() == "../src\n"
    named = runner.invoke(main, ["check", "src", "--json"])
    default = runner.invoke(main, ["check", "--json"])
    assert default.exit_code == named.exit_code == 0 and default.stdout == named.stdout
    (project / "src/b.md").unlink()
    orphan = runner.invoke(main, ["check"])
    assert orphan.exit_code == ExitStatus.NOT_FRESH and "orphan       uk  src/b.md -> uk/b.md: its source is gone" in orphan.stdout
    pruned = runner.invoke(main, ["prune"])
    assert pruned.exit_code == 0 and "removed translations/uk/b.md" in pruned.stdout
    assert not (project / "translations/uk/b.md").exists() and runner.invoke(main, ["check"]).exit_code == 0


def test_check_defaults_to_the_configured_sources_before_anything_is_recorded(argos_env, tmp_path, runner):
    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.md").write_text(ARTICLE)
    (tmp_path / "config.yaml").write_text("sources: [content]\n")
    result = runner.invoke(main, ["check"])
    assert result.exit_code == ExitStatus.NOT_FRESH and "missing      uk  content/a.md: no translation" in result.stdout
    (tmp_path / "config.yaml").write_text("sources: []\n")
    nothing = runner.invoke(main, ["check"])
    assert nothing.exit_code == ExitStatus.USAGE and "no source folders known for translations" in nothing.stderr


def test_github_annotation_is_on_the_changed_paragraph(project, runner):
    line = change_a_paragraph(project)
    result = runner.invoke(main, ["check", "--format", "github"])
    assert result.exit_code == ExitStatus.NOT_FRESH
    annotation, summary = result.stdout.splitlines()
    assert annotation.startswith(f"::error file=src/news/a.md,line={line},title=stale translation (uk)::")
    assert summary == "1 fresh, 1 stale, 0 missing, 0 orphan, 0 needs-review"
    quiet = runner.invoke(main, ["-q", "check", "--format", "github"])
    assert quiet.stdout == result.stdout  # the annotations are what was asked for


def test_the_line_counts_lines_as_an_editor_does_with_crlf_and_front_matter(project, runner):
    path = project / "src/news/a.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert runner.invoke(main, ["translate", "src"]).exit_code == 0
    line = change_a_paragraph(project)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    data = json.loads(runner.invoke(main, ["check", "--json"]).stdout)
    assert [t["line"] for t in data["translations"]] == [None, line]
    path.write_bytes(path.read_bytes().replace(b"Kursk operation", b"Kursk offensive"))
    data = json.loads(runner.invoke(main, ["check", "--json"]).stdout)
    assert data["translations"][1]["line"] == 2  # the title, in the front matter


def test_junit_report_and_json_alias(project, runner):
    change_a_paragraph(project)
    junit = runner.invoke(main, ["check", "--format", "junit"])
    assert junit.exit_code == ExitStatus.NOT_FRESH
    suite = ElementTree.fromstring(junit.stdout).find("testsuite")
    assert [(c.get("name"), c.find("failure") is not None) for c in suite.findall("testcase")] == [
        ("src/b.md", False),
        ("src/news/a.md", True),
    ]
    assert runner.invoke(main, ["check", "--json"]).stdout == runner.invoke(main, ["check", "--format", "json"]).stdout


def test_prune_json_and_quiet(project, runner):
    (project / "src/b.md").unlink()
    dry = runner.invoke(main, ["prune", "--dry-run", "--json"])
    data = json.loads(dry.stdout)
    assert dry.exit_code == 0 and data["dry_run"] and data["orphans"] == 1 and "translations/uk/b.md" in data["removed"]
    assert (project / "translations/uk/b.md").exists()
    quiet = runner.invoke(main, ["prune", "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and not (project / "translations/uk/b.md").exists()


# --- docs/ci.md, run as CI would: in a fresh clone ------------------------------------------------

DOC = ROOT / "docs" / "ci.md"


def documented() -> dict[str, dict]:
    """The YAML blocks of docs/ci.md, by what they are."""
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)]
    found = {}
    for b in blocks:
        if "jobs" in b:
            found["github"] = b
        elif "repos" in b:
            found["pre-commit"] = b
        else:
            (job,) = b.values()
            found["gitlab"] = job
    assert set(found) == {"github", "gitlab", "pre-commit"}
    return found


def commands(kind: str) -> list[str]:
    doc = documented()
    if kind == "github":
        lines = [s["run"] for job in doc["github"]["jobs"].values() for s in job["steps"] if "run" in s]
    else:
        lines = list(doc["gitlab"]["script"])
    installs = [c for c in lines if c.startswith("pip install ")]
    assert len(installs) == 1  # the one line a test cannot run offline; every other one it runs
    return [c for c in lines if c not in installs]


@pytest.fixture
def clone(project, tmp_path) -> Path:
    """The translated project committed, and cloned as CI checks it out: no memory, no cache."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    (project / ".gitignore").write_text(".pipeline/\n")
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "translated"], cwd=project, check=True)
    subprocess.run(["git", "clone", "-q", str(project), str(tmp_path / "ci")], check=True)
    return tmp_path / "ci"


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # this checkout's `pipeline`
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, env={**os.environ, "PATH": path, **env})


def test_the_github_workflow_commands_pass_then_annotate_the_change(clone):
    for command in commands("github"):
        assert shell(command, clone, GITHUB_WORKSPACE=str(clone)).returncode == 0
    line = change_a_paragraph(clone)
    for command in commands("github"):
        result = shell(command, clone, GITHUB_WORKSPACE=str(clone))
        assert result.returncode == ExitStatus.NOT_FRESH, result.stderr
        assert f"::error file=src/news/a.md,line={line},title=stale translation (uk)::" in result.stdout


def test_the_gitlab_job_commands_write_a_junit_report(clone):
    job = documented()["gitlab"]
    report = clone / job["artifacts"]["reports"]["junit"]
    for command in commands("gitlab"):
        assert shell(command, clone).returncode == 0
    assert ElementTree.parse(report).getroot().find("testsuite").get("failures") == "0"
    change_a_paragraph(clone)
    for command in commands("gitlab"):
        assert shell(command, clone).returncode == ExitStatus.NOT_FRESH
    assert job["artifacts"]["when"] == "always"  # the report of a failed check is kept
    (failed,) = [c for c in ElementTree.parse(report).getroot().iter("testcase") if c.find("failure") is not None]
    assert failed.get("name") == "src/news/a.md" and failed.find("failure").get("type") == "stale"


def test_the_pre_commit_hook_stops_a_commit_with_a_stale_translation(clone, tmp_path):
    from pre_commit.clientlib import load_manifest

    (manifest,) = load_manifest(ROOT / ".pre-commit-hooks.yaml")  # valid for pre-commit itself
    (local,) = documented()["pre-commit"]["repos"][0]["hooks"]
    for key in ("id", "entry", "pass_filenames", "always_run"):
        assert local[key] == manifest[key], key  # the local hook docs/ci.md gives is the shipped one
    (clone / ".pre-commit-config.yaml").write_text(yaml.safe_dump(documented()["pre-commit"]))
    subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=clone, check=True)  # pre-commit wants it staged
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    run = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    assert shell(" ".join(run), clone, **env).returncode == 0
    change_a_paragraph(clone)
    result = shell(" ".join(run), clone, **env)
    assert result.returncode == 1 and "stale        uk  src/news/a.md" in result.stdout
