"""The documentation keeps up with the command: every command and option of `--help` is in
docs/commands.md under its command, every relative link of README.md and docs/*.md resolves (file
and heading), README's exit statuses are pipeline/core/errors.py's, and README stays a front page."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.conftest import ROOT

README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
COMMANDS = ROOT / "docs" / "commands.md"


def leaf_commands(group: click.Group = main, prefix: str = "pipeline") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(leaf_commands(command, f"{prefix} {name}"))
        else:
            found[f"{prefix} {name}"] = command
    return found


def options(command: click.Command) -> set[str]:
    return {o for p in command.params if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)}


def sections(text: str) -> dict[str, str]:
    """Level-2 sections of a page by heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_command_and_option_is_documented_under_its_command():
    pages = sections(COMMANDS.read_text())
    common = pages["Common options"]
    for name, command in leaf_commands().items():
        group = " ".join(name.split()[:2])  # `pipeline models list` is under `pipeline models`
        section = pages.get(name) or pages.get(group)
        assert section is not None, f"docs/commands.md has no section for {name}"
        assert name in section or name == group, name
        for option in options(command):
            assert f"`{option}" in section or f"`{option}" in common, f"{name} {option} is not in docs/commands.md"
    for option in options(main):
        assert f"`{option}" in common, option


def test_readme_names_every_command():
    readme = README.read_text()
    for name in leaf_commands():
        assert " ".join(name.split()[:2]) in readme, name


def test_readme_exit_statuses_are_the_defined_ones():
    table = sections(README.read_text())["Exit statuses"]
    documented = [int(n) for n in re.findall(r"^\| (\d+) \|", table, flags=re.M)]
    assert documented == [int(s) for s in ExitStatus]


def test_readme_is_a_front_page():
    assert len(README.read_bytes()) < 15_000
    for heading in ("Install", "A first run", "The two commands", "The commands", "Exit statuses", "Guarantees", "Performance"):
        assert heading in sections(README.read_text()), heading


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#+ (.+)$", without_code(page.read_text()), flags=re.M)}


def without_code(text: str) -> str:
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    text = re.sub(r"^(    |\t).*$", "", text, flags=re.M)  # indented code blocks
    return re.sub(r"`[^`\n]*`", "", text)


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    links = re.findall(r"\]\(([^)\s]+)\)", without_code(page.read_text()))
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue  # https://..., mailto:
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"{page.name}: {link} does not exist"
        assert target.is_relative_to(ROOT), f"{page.name}: {link} leaves the repository"
        if anchor:
            assert target.suffix == ".md" and anchor in anchors(target), f"{page.name}: {link}: no such heading"


def test_every_docs_page_is_linked_from_readme_or_another_page():
    linked = set()
    for page in [README, *PAGES]:
        for link in re.findall(r"\]\(([^)#\s]+)", page.read_text()):
            linked.add((page.parent / link).resolve())
    assert [p.name for p in PAGES if p.resolve() not in linked] == []
