"""What a re-run costs: `check`, a no-op `translate`, and `translate` after one article changed,
on one folder of N articles, each command timed in its own process, best of --repeat.

    .venv/bin/python bench/rerun.py [--articles 10000] [--repeat 3]

The articles are the NTREX-128 English documents (../shared/data/articles), repeated under
numbered folders until there are N; the first translation uses the pseudo engine.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "articles" / "ntrex128_en-uk" / "en"
PIPELINE = [sys.executable, "-m", "pipeline"]


def timed(cwd: Path, *args: str) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run([*PIPELINE, *args], cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if result.returncode not in (0, 5):
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr[-500:]}")
    return seconds, result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def best(cwd: Path, repeat: int, *args: str) -> tuple[float, str]:
    runs = [timed(cwd, *args) for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    docs = sorted(DATA.glob("*.md"))
    if not docs:
        raise SystemExit(f"no articles in {DATA}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "config.yaml").write_text("engine: pseudo\n")
        for i in range(args.articles):
            folder = project / "src" / f"{i // len(docs):04d}"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(docs[i % len(docs)], folder / docs[i % len(docs)].name)
        first, line = timed(project, "translate", "src", "--to", "uk", "--out", "out")
        print(f"first translation of {args.articles} articles: {first:.1f} s ({line})")
        timed(project, "translate", "src", "--to", "uk", "--out", "out")  # the memory absorbs the new records once
        check, _ = best(project, args.repeat, "check", "src", "--out", "out")
        noop, line = best(project, args.repeat, "translate", "src", "--to", "uk", "--out", "out")
        print(f"check: {check:.2f} s")
        print(f"no-op translate: {noop:.2f} s ({line}); {noop / check:.2f}x check")
        changed = []
        for n in range(args.repeat):
            article = next((project / "src" / "0000").glob("*.md"))
            article.write_text(article.read_text() + f"\nOne more paragraph, edit {n}.\n")
            changed.append(timed(project, "translate", "src", "--to", "uk", "--out", "out"))
        seconds, line = min(changed)
        alone, _ = timed(project, "translate", str(article.relative_to(project)), "--to", "uk", "--out", "out")
        print(f"one article changed: {seconds:.2f} s ({line}); {seconds / check:.2f}x check")
        print(f"(that article alone, nothing changed: {alone:.2f} s)")


if __name__ == "__main__":
    main()
