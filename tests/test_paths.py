"""core/paths, directly: which files are articles, what each one is called (its identity, the same
however it is named), and where its outputs go (never out of the output folder, never into its records)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.core import paths
from pipeline.core.errors import InputError, PipelineError

INCLUDE, EXCLUDE = ("*.md", "*.txt"), ("README*", "drafts/*")


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for rel in (
        "content/news/kursk.md",
        "content/about.txt",
        "content/README.md",
        "content/drafts/wip.md",
        "content/.hidden/x.md",
        "content/pic.png",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("# A\n", encoding="utf-8")
    return tmp_path


def rels(found) -> list[str]:
    return [s.rel for s in found[0]]


def test_articles_are_the_included_files_but_excluded_hidden_and_output_ones(site):
    (site / "content" / "out").mkdir()
    (site / "content" / "out" / "uk.md").write_text("# Б\n", encoding="utf-8")
    found = paths.discover(["content"], INCLUDE, EXCLUDE, [site / "content" / "out"])
    assert rels(found) == ["about.txt", "news/kursk.md"] and found[1] == []


def test_an_articles_identity_is_the_same_however_it_is_named(site):
    folder = paths.discover(["content"], INCLUDE, EXCLUDE)[0]
    file = paths.discover(["content/news/kursk.md"], INCLUDE, EXCLUDE, roots=[site / "content"])[0]
    absolute = paths.discover([str(site / "content" / "news" / "kursk.md")], INCLUDE, EXCLUDE, roots=[site / "content"])[0]
    kursk = next(s for s in folder if s.rel == "news/kursk.md")
    assert (
        (file[0].rel, file[0].root)
        == (absolute[0].rel, absolute[0].root)
        == (kursk.rel, kursk.root)
        == ("news/kursk.md", (site / "content").resolve())
    )
    alone = paths.discover(["content/news/kursk.md"], INCLUDE, EXCLUDE)[0]  # no known source folder: its own folder
    assert alone[0].rel == "kursk.md"


def test_one_file_named_twice_is_one_article(site):
    assert rels(paths.discover(["content", "content/news/kursk.md"], INCLUDE, EXCLUDE)) == ["about.txt", "news/kursk.md"]


def test_what_cannot_be_read_is_one_line_each_and_costs_only_itself(site, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.md"
    outside.write_text("# S\n", encoding="utf-8")
    (site / "content" / "leak.md").symlink_to(outside)
    (site / "content" / "loop.md").symlink_to(site / "content" / "loop.md")
    os.mkfifo(site / "content" / "pipe.md")
    found, errors = paths.discover(["content", "nowhere"], INCLUDE, EXCLUDE)
    assert rels((found, errors)) == ["about.txt", "news/kursk.md"]
    assert sorted(str(e) for e in errors) == [
        "content/leak.md: symbolic link to a file outside the source folder; skipped",
        "content/loop.md: a broken symbolic link (or a link loop); skipped",
        "content/pipe.md: not a regular file (a FIFO)",
        "nowhere: no such file or folder",
    ]


def test_a_name_that_would_split_a_message_is_shown_quoted():
    assert paths.shown("news/kursk.md") == "news/kursk.md"
    assert paths.shown("bad\nname.md") == "'bad\\nname.md'"


def test_outputs_follow_the_templates(site):
    source = paths.discover(["content"], INCLUDE, EXCLUDE)[0][1]
    out = site / "translations"
    assert paths.output_path(out, "{target}/{path}", source, "en", "uk") == out / "uk" / "news" / "kursk.md"
    assert (
        paths.output_path(out, "bilingual/{dir}/{stem}.{source}-{target}", source, "en", "uk", ".json")
        == out / "bilingual/news/kursk.en-uk.json"
    )


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("../{path}", "would leave the output folder"),
        ("/etc/{path}", "would leave the output folder"),
        ("records/{path}", "is inside the output folder's records/; change output templates"),
    ],
)
def test_an_output_never_leaves_the_output_folder_nor_lands_in_the_records(site, template, why):
    source = paths.discover(["content"], INCLUDE, EXCLUDE)[0][1]
    with pytest.raises(InputError, match=why):
        paths.output_path(site / "translations", template, source, "en", "uk")


def test_the_output_folder_or_its_records_are_never_sources(site):
    (site / "translations" / "records").mkdir(parents=True)
    for given in ("translations", "translations/records"):
        with pytest.raises(PipelineError) as e:
            paths.check_out_dir([given], site / "translations")
        assert str(e.value) == f"{given} is the output folder {site / 'translations'} or its records; choose another --out"
    paths.check_out_dir(["content"], site / "translations")  # anything else is fine


def test_a_source_folder_is_recorded_relative_to_the_output_folder(site):
    assert paths.relative_root(site / "content", site / "translations") == "../content"
    assert paths.relative_root(site / "translations" / "content", site / "translations") == "content"


def test_the_resolver_finds_what_realpath_finds_in_trees_of_links(tmp_path):
    # Resolver resolves each folder once and reuses it for the paths below: in random trees of
    # folders, links to folders and files, dangling links and link loops, every path it is asked
    # for must come out as os.path.realpath (resolved) and paths.real (real) give it
    import random

    rng = random.Random(7)
    for tree in range(40):
        root = tmp_path / f"t{tree}"
        folders = [root]
        root.mkdir()
        for i in range(12):
            parent = rng.choice(folders)
            kind = rng.choice(["dir", "dir", "file", "link", "link"])
            here = parent / f"n{i}"
            if kind == "dir":
                here.mkdir()
                folders.append(here)
            elif kind == "file":
                here.write_text("x")
            else:  # to anything in the tree, to nothing, or to itself (a loop)
                target = rng.choice([*folders, root / "gone", here, parent])
                here.symlink_to(os.path.relpath(target, parent) if rng.random() < 0.5 else target)
        names = [p for p in root.rglob("*")] + [root / "n1" / "new", root / "absent" / "x"]
        at = paths.Resolver()
        for p in rng.sample(names, len(names)) * 2:  # asked twice: the second from what it holds
            for q in (p, p / "child", Path(os.path.relpath(p))):
                assert at.real(q) == paths.real(q), q
                assert at.resolved(q) == paths.resolved(q), q
