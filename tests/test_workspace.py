"""Workspace.open, directly: what a project may touch, and its sources discovered once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.core.config import Config, OutputConfig
from pipeline.core.errors import ConfigError
from pipeline.workspace import Workspace
from tests.helpers import KURSK, pseudo_project


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kursk.md").write_text(KURSK, encoding="utf-8")
    return tmp_path


def config(project: Path, **settings) -> Config:
    return Config(**{"engine": "pseudo", "root": str(project), "memory": None, "source": str(project / "config.yaml"), **settings})


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"output": OutputConfig(dir="../published")}, "output.dir"),
        ({"memory": "../../tmp/memory.sqlite"}, "memory"),
        ({"glossary": "/etc"}, "glossary"),
        ({"sources": ("../other-project",)}, "sources: ../other-project"),
    ],
)
def test_a_path_config_yaml_gives_outside_the_project_is_refused_in_one_line(project, settings, key):
    with pytest.raises(ConfigError) as e:
        Workspace.open(config(project, **settings))
    message = str(e.value)
    assert message.startswith(f"{project / 'config.yaml'}: {key}: ") and "\n" not in message
    assert message.endswith(f"outside the project ({project}); name it on the command line")


def test_a_link_planted_in_the_project_is_judged_by_where_it_leads(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (project / "published").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match=f"output.dir: .*published leads to {elsewhere}, outside the project"):
        Workspace.open(config(project, output=OutputConfig(dir="published")))


def test_an_output_folder_named_on_the_command_line_may_be_anywhere(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "translations"
    ws = Workspace.open(config(project), out, ("articles",))
    assert ws.out == out and ws.root == project.resolve()


def test_the_sources_are_discovered_once(project):
    ws = Workspace.open(config(project), None, ("articles",))
    first = ws.sources()
    assert [s.rel for s in first[0]] == ["kursk.md"] and first[1] == []
    (project / "articles" / "later.md").write_text("# Later\n", encoding="utf-8")
    assert ws.sources() is first  # every step of one command sees the same articles
    assert [s.rel for s in ws.sources(["articles"])[0]] == ["kursk.md", "later.md"]  # asked for anew: read anew


def test_without_named_sources_the_recorded_source_folders_are_used(project):
    pseudo_project(project, {})
    ws = Workspace.open(config(project))
    assert ws.recorded() == ["articles"]
    assert [s.rel for s in ws.sources()[0]] == ["kursk.md"]


def test_the_records_source_folder_outside_the_project_is_not_read(project, tmp_path_factory):
    pseudo_project(project, {})
    victim = tmp_path_factory.mktemp("victim")
    (victim / "secret.md").write_text("# Secret\n", encoding="utf-8")
    sources = project / "translations" / "records" / "sources.txt"
    sources.write_text(f"../articles\n{os.path.relpath(victim, project / 'translations')}\n", encoding="utf-8")
    ws = Workspace.open(config(project))
    found, problems = ws.sources()
    assert [s.rel for s in found] == ["kursk.md"]
    assert [str(p) for p in problems] == [
        f"{sources}: line 2: {os.path.relpath(victim, project / 'translations')!r} is not a source folder inside the project; ignored"
    ]


def test_the_writer_protects_the_discovered_sources(project):
    ws = Workspace.open(config(project), None, ("articles",))
    ws.sources()
    assert ws.writer().protected == {(project / "articles" / "kursk.md").resolve()}
