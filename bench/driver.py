"""The driver's own ceiling: sentences per second through the whole pipeline with the pseudo engine
(no model), one process, as `pipeline translate` runs.

    .venv/bin/python bench/driver.py [--copies 1] [--runs 3] [--profile]
    PIPELINE_ROOT=../main .venv/bin/python bench/driver.py     # the same, as another checkout has it

The articles: the English NTREX-128 articles (123) and otel-blog posts (52) of ../shared/data,
copied `--copies` times under numbered folders (copies repeat sentences: the engine sees each
distinct one once, the driver still reads, segments, aligns and writes every article). Each run is
`pipeline translate ARTICLES --to uk --engine pseudo` in a fresh process with a fresh output folder
and memory; the fastest of `--runs` is reported (the least disturbed on a shared machine): wall
seconds, the process's CPU seconds (user + system, from wait4), sentences (the run's "segments":
every sentence of every article that needed translating) per wall second, and CPU ms per sentence.
With --profile, one more run in this process under cProfile: where the driver's time goes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("PIPELINE_ROOT") or BENCH.parent).resolve()
SHARED = BENCH.parents[1] / "shared" / "data"
SETS = (SHARED / "articles" / "ntrex128_en-uk" / "en", SHARED / "otel-blog" / "en")


def corpus(folder: Path, copies: int) -> int:
    n = 0
    for copy in range(copies):
        for source in SETS:
            for path in sorted(source.rglob("*.md")):
                target = folder / f"{copy:03d}" / source.parent.name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                n += 1
    return n


def command(articles: Path, out: Path) -> list[str]:
    boot = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from pipeline.cli import main; main()"
    return [sys.executable, "-c", boot, "translate", str(articles), "--to", "uk", "--engine", "pseudo", "--out", str(out)]


def once(work: Path, articles: Path):
    import resource

    sys.path.insert(0, str(BENCH))
    from proc import measure

    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / ".pipeline", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = measure(command(articles, out), cwd=work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if m.returncode not in (0, 1):  # 1: section pages without prose are reported, not failures of the bench
        raise SystemExit(f"the run exited {m.returncode}: {m.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = m.stdout.strip().splitlines()[-1] if m.stdout.strip() else m.stderr.strip().splitlines()[-1]
    found = re.search(r"(\d+) articles, (\d+) segments \((\d+) translated", line)
    if not found:
        raise SystemExit(f"no summary line in: {line!r}")
    return m.seconds, cpu, int(found[2]), int(found[3]), line


def profile(work: Path, articles: Path) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from pipeline.commands import run
    from pipeline.core.config import Config

    shutil.rmtree(work / "out", ignore_errors=True)
    config = Config(engine="pseudo", memory=str(work / "profile.sqlite"))
    request = run.Request(inputs=(str(articles),), out_dir=work / "out", target="uk", allow_download=False)
    profiler = cProfile.Profile()
    profiler.enable()
    run.translate(request, config)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--profile", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="pipeline-driver-bench-") as name:
        work = Path(name)
        files = corpus(work / "articles", args.copies)
        runs = [once(work, work / "articles") for _ in range(args.runs)]
        seconds, cpu, segments, translated, line = min(runs, key=lambda r: r[0])
        print(f"pipeline at {ROOT}; {files} article files ({args.copies} copies of NTREX en + otel-blog en), {os.cpu_count()} cores")
        print(f"fastest of {args.runs}: {line}")
        print("| wall s | CPU s | sentences | distinct | sentences/s (wall) | CPU ms/sentence |\n|---|---|---|---|---|---|")
        print(f"| {seconds:.2f} | {cpu:.2f} | {segments:,} | {translated:,} | {segments / seconds:,.0f} | {1000 * cpu / segments:.2f} |")
        print("all runs, wall s: " + ", ".join(f"{r[0]:.2f}" for r in runs))
        if args.profile:
            started = time.perf_counter()
            profile(work, work / "articles")
            print(f"profiled run: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
