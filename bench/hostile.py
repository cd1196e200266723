"""Time and peak memory of `pipeline translate` on each hostile file, one process per file.

    .venv/bin/python bench/hostile.py

The files are those of tests/bad_files plus the large ones the test makes (a 20 MB file, a 1 MB
paragraph without a full stop, 10,000 one-word lines). Each runs alone with the pseudo engine, so
the figures are the pipeline's own cost, and the baseline row (a normal article) shows the fixed
cost of starting Python and the pipeline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = [sys.executable, "-m", "pipeline"]


def files(folder: Path) -> list[Path]:
    for path in sorted((ROOT / "tests/bad_files").glob("*.md")):
        if path.name != "README.md":
            shutil.copy(path, folder / path.name)
    (folder / "huge.md").write_bytes(b"word " * 4_000_000)
    (folder / "long-paragraph.md").write_text("word, " * 170_000 + "end")
    (folder / "many-lines.md").write_text("word\n" * 10_000)
    shutil.copy(ROOT / "examples/news/zelensky-kursk-advance.md", folder / "baseline-article.md")
    return sorted(folder.glob("*.md"))


def measure(path: Path, out: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit status of one `pipeline translate` process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*PIPELINE, "translate", str(path), "--engine", "pseudo", "--to", "uk", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=out.parent,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "src"
        folder.mkdir()
        print(f"`{' '.join(['.venv/bin/python', 'bench/hostile.py'])}` on {os.cpu_count()} cores\n")
        print("| file | size | exit | seconds | peak RSS MB |")
        print("|---|---:|---:|---:|---:|")
        for path in files(folder):
            seconds, rss, code = measure(path, Path(tmp) / "out")
            print(f"| {path.name} | {path.stat().st_size:,} B | {code} | {seconds:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
