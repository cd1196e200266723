"""`workers: N`: articles read and segmented in a pool of processes; the same outputs and errors."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from pipeline.commands import run
from pipeline.core.config import Config
from tests.conftest import EXAMPLES


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_pool_of_readers_writes_what_one_process_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    articles = tmp_path / "articles"
    shutil.copytree(EXAMPLES, articles)
    (articles / "broken.md").write_bytes(b"\xff\xfe\x00not text")
    (articles / "empty.md").write_text("```\ncode only\n```\n")
    one = Config(engine="pseudo", memory=None)
    lines = {}
    for name, config in (("one", one), ("two", dataclasses.replace(one, workers=2))):
        stats = run.translate(run.Request(inputs=(str(articles),), out_dir=tmp_path / name), config)
        stats.seconds = 0
        lines[name] = stats.line()
    assert lines["one"] == lines["two"] and "1 failed" in lines["one"]
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
