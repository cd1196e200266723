"""Time and peak memory of `pipeline translate` on each hostile file, one process per file.

    .venv/bin/python bench/hostile.py [NAME...]

The files are those of tests/bad_files plus large ones made here: what the tests make (a 20 MB
file, a 1 MB paragraph without a full stop, 10,000 one-word lines), files whose cost grows with
their structure rather than their bytes (tables of 50,000 and 150,000 rows, 4 MB of front matter,
5 MB of words in one paragraph, in English and in Ukrainian), the costliest shapes found per
element just under `max_file_elements` (table rows, list items, unclosed "[^"), a FIFO, and text
full of private-use characters. Each runs alone with the pseudo engine and a fresh output folder,
so the figures are the pipeline's own cost; the baseline row (a normal article) shows the fixed
cost of starting Python and the pipeline. CPU seconds are the process's own (user + system): on a
shared machine wall time also counts waiting for a core.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PIPELINE = [sys.executable, "-m", "pipeline"]
TIMEOUT = 300  # seconds: a file that takes longer is killed and reported as such
BUDGET = 40_000  # Config().max_file_elements, the shapes below are made just under it


def _fill(unit: str, head: str = "") -> str:
    """head, then unit as many times as fit just under the element budget."""
    from pipeline.articles import registry

    cost = registry.get("markdown").cost
    return head + unit * ((BUDGET - 100 - cost(head)) // cost(unit))


def files(folder: Path) -> list[Path]:
    for path in sorted((ROOT / "tests/bad_files").glob("*.md")):
        shutil.copy(path, folder / path.name)
    (folder / "README.md").unlink(missing_ok=True)
    (folder / "huge.md").write_bytes(b"word " * 4_000_000)
    (folder / "long-paragraph.md").write_text("word, " * 170_000 + "end")
    (folder / "many-lines.md").write_text("word\n" * 10_000)
    head = "| Name | Value | Note |\n|---|---|---|\n"
    (folder / "table-150k-rows.md").write_text(head + "| item 1 | word 2 | text |\n" * 150_000)  # 4.8 MB
    (folder / "table-50k-rows.md").write_text(head + "| item 1 | word 2 | text |\n" * 50_000)
    (folder / "front-matter-4mb.md").write_text(
        "---\ntitle: Hello\n" + "".join(f"key{i}: some value number {i} here\n" for i in range(120_000)) + "---\nBody text.\n"
    )
    (folder / "words-5mb.md").write_text("word " * 980_000)
    (folder / "words-uk-4mb.md").write_text("слово " * 408_000)
    (folder / "private-use.md").write_text("\ue000\ue001 Text \ue100 with {{< figure >}} private-use \uf8ff characters.\n\n" * 2000)
    # just under the element budget: the costliest shapes per element measured
    (folder / "budget-table-rows.md").write_text(_fill("| item 1 | word 2 | text |\n", head))
    (folder / "budget-list-items.md").write_text(_fill("- w\n"))
    (folder / "budget-footnote-refs.md").write_text(_fill("[^"))
    (folder / "budget-uk-sentences.md").write_text(_fill("Привіт світ. "))
    (folder / "budget-links.md").write_text(_fill("[a](b) "))
    shutil.copy(ROOT / "examples/news/zelensky-kursk-advance.md", folder / "baseline-article.md")
    os.mkfifo(folder / "fifo.md")
    return sorted(folder.glob("*.md"))


def measure(path: Path, out: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS in MB and exit status of one `pipeline translate`."""
    shutil.rmtree(out, ignore_errors=True)
    lang = "en" if "-uk-" in path.name else "uk"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*PIPELINE, "translate", str(path), "--engine", "pseudo", "--to", lang, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=out.parent,
    )
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    wanted = set(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "src"
        folder.mkdir()
        print(f"`{' '.join(['.venv/bin/python', 'bench/hostile.py', *sys.argv[1:]])}` on {os.cpu_count()} cores\n")
        print("| file | size | exit | wall s | CPU s | peak RSS MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for path in files(folder):
            if wanted and path.name not in wanted:
                continue
            size = path.stat().st_size if path.is_file() else 0
            wall, cpu, rss, code = measure(path, Path(tmp) / "out")
            shown = "killed" if code == -9 else code
            print(f"| {path.name} | {size:,} B | {shown} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
