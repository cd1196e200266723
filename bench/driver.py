"""The driver's own ceiling: sentences per second through the whole pipeline with the pseudo engine
(no model), one process, as `pipeline translate` runs.

    .venv/bin/python bench/driver.py [--copies 1] [--runs 3] [--jobs 1] [--profile]
    PIPELINE_ROOT=../main .venv/bin/python bench/driver.py     # the same, as another checkout has it

The articles: the English NTREX-128 articles (123) and otel-blog posts (52) of ../shared/data,
copied `--copies` times under numbered folders (copies repeat sentences: the engine sees each
distinct one once, the driver still reads, segments, aligns and writes every article). Each run is
`pipeline translate ARTICLES --to uk --engine pseudo` in a fresh process with a fresh output folder
and memory; the fastest of `--runs` is reported (the least disturbed on a shared machine): wall
seconds, the CPU seconds of the run and the children it waited for (user + system, from wait4), the
driver's: the run's own process alone (read from /proc while it is a zombie), sentences (the run's "segments":
every sentence of every article that needed translating) per wall second, and CPU ms per sentence;
then every run's wall and CPU seconds and the least CPU (on a shared machine the run fastest by the
clock need not be the one least inflated in CPU by other processes' contention).
An untimed warm-up run first writes the bytecode and the user cache (py3langid's model copy) into
the work folder, as any second run of an installed pipeline finds them (see environment()).
With --profile, one more run in this process under cProfile: where the driver's time goes. With
--syscalls, one more run under `strace -f -c` counting the flushes (fsync, fdatasync, syncfs); with
--instructions, one under valgrind counting the instructions it executes (not moved by the load).
With --jobs N, the run reads and segments in N worker processes (`--jobs`): reading and segmenting as
an earlier stage, while the driver keeps aligning, rendering,
committing and writing.
The sum: how many decoders this driver could feed, each decoding `--decoder-rate` sentences/s (the
default, 52.71, is the pipeline's own rate with the benchmark model at its defaults on this 2-core
machine, docs/performance.md), from the driver process's sentences per CPU second (its cost,
whatever the machine's load; workers are not the driver).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
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


def command(articles: Path, out: Path, jobs: int = 1) -> list[str]:
    boot = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from pipeline.cli import main; main()"
    run = ["translate", str(articles), "--to", "uk", "--engine", "pseudo", "--out", str(out)]
    return [sys.executable, "-c", boot, *run, *(["--jobs", str(jobs)] if jobs > 1 else [])]


def environment(work: Path) -> dict[str, str]:
    """The runs' environment: bytecode and the user cache folder of the work folder's own, so every
    timed run finds both as an installed pipeline's second run does (the untimed warm-up run
    writes them). This machine sets PYTHONDONTWRITEBYTECODE=1, under which each run compiled
    every module of a checkout without a __pycache__ (0.2-0.4 s of CPU), and a checkout with one
    did not: not a cost of the driver, and unequal between two checkouts."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache"), "XDG_CACHE_HOME": str(work / "cache")}


def once(work: Path, articles: Path, jobs: int = 1):
    import resource

    sys.path.insert(0, str(BENCH))
    from proc import measure

    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / ".pipeline", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = measure(command(articles, out, jobs), env=environment(work), cwd=work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if m.returncode not in (0, 1):  # 1: section pages without prose are reported, not failures of the bench
        raise SystemExit(f"the run exited {m.returncode}: {m.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = m.stdout.strip().splitlines()[-1] if m.stdout.strip() else m.stderr.strip().splitlines()[-1]
    found = re.search(r"(\d+) articles, (\d+) segments \((\d+) translated", line)
    if not found:
        raise SystemExit(f"no summary line in: {line!r}")
    return m.seconds, cpu, int(found[2]), int(found[3]), line, m.own_cpu


def syscalls(work: Path, articles: Path) -> str:
    """The flushes of one run, as `strace -f -c` counts them: "fsync 6, fdatasync 29, syncfs 9"."""
    out, report = work / "out", work / "strace.txt"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / ".pipeline", ignore_errors=True)
    trace = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,syncfs", "-o", str(report)]
    subprocess.run([*trace, *command(articles, out)], env=environment(work), cwd=work, capture_output=True, check=False)
    counts = dict.fromkeys(("fsync", "fdatasync", "syncfs"), 0)
    for line in report.read_text().splitlines():
        fields = line.split()
        if fields and fields[-1] in counts:
            counts[fields[-1]] = int(fields[3] if len(fields) == 6 else fields[-2])
    return ", ".join(f"{name} {n:,}" for name, n in counts.items())


def instructions(work: Path, articles: Path) -> int:
    """The instructions one run executes (valgrind's cachegrind, no cache simulation: "I refs"):
    unlike seconds, the same on a busy machine as on an idle one, so two versions compare to a
    fraction of a per cent (one run takes about 30x as long)."""
    out, log = work / "out", work / "cachegrind.txt"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / ".pipeline", ignore_errors=True)
    grind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={work / 'cachegrind.out'}", f"--log-file={log}"]
    subprocess.run([*grind, *command(articles, out)], env=environment(work), cwd=work, capture_output=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", log.read_text())
    if not found:
        raise SystemExit(f"no instruction count in {log}")
    return int(found[1].replace(",", ""))


def profile(work: Path, articles: Path) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from pipeline.commands import run
    from pipeline.core.config import Config

    shutil.rmtree(work / "out", ignore_errors=True)
    config = Config(engine="pseudo", memory="profile.sqlite", root=str(work))  # the work folder is the project
    request = run.Request(inputs=(str(articles),), out_dir=work / "out", target="uk", allow_download=False)
    profiler = cProfile.Profile()
    profiler.enable()
    run.translate(request, config)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--syscalls", action="store_true", help="one more run under strace, counting fsync/fdatasync/syncfs")
    p.add_argument("--instructions", action="store_true", help="one more run under valgrind, counting its instructions")
    p.add_argument("--jobs", type=int, default=1, help="processes reading and segmenting (`--jobs N`): the driver keeps the rest")
    p.add_argument("--decoder-rate", type=float, default=52.71, help="sentences/s of one decoder, for the sum")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="pipeline-driver-bench-") as name:
        work = Path(name)
        files = corpus(work / "articles", args.copies)
        once(work, work / "articles", args.jobs)  # the warm-up: bytecode and caches written, not timed
        runs = [once(work, work / "articles", args.jobs) for _ in range(args.runs)]
        seconds, cpu, segments, translated, line, own = min(runs, key=lambda r: r[0])
        print(f"pipeline at {ROOT}; {files} article files ({args.copies} copies of NTREX en + otel-blog en), {os.cpu_count()} cores")
        if args.jobs > 1:
            # the workers are children of multiprocessing's fork server, which is not waited for: no rusage counts them
            print(f"--jobs {args.jobs}: reading and segmenting in {args.jobs} worker processes, whose CPU neither CPU column counts")
        print(f"fastest of {args.runs}: {line}")
        print(
            "| wall s | CPU s | driver's CPU s | sentences | distinct | sentences/s (wall) | CPU ms/sentence |\n|---|---|---|---|---|---|---|"
        )
        print(
            f"| {seconds:.2f} | {cpu:.2f} | {own:.2f} | {segments:,} | {translated:,} | {segments / seconds:,.0f} | {1000 * cpu / segments:.2f} |"
        )
        print("all runs, wall s: " + ", ".join(f"{r[0]:.2f}" for r in runs))
        # the least CPU of the runs: on a shared machine the fastest run by wall time need not be the least disturbed in CPU
        print("all runs, CPU s: " + ", ".join(f"{r[1]:.2f}" for r in runs) + f"; least {min(r[1] for r in runs):.2f}")
        print("all runs, the driver's CPU s: " + ", ".join(f"{r[5]:.2f}" for r in runs))
        per_cpu = segments / own  # the driver process's own CPU: what one core of the driver sustains
        print(
            f"the sum: {per_cpu:,.0f} sentences per CPU second of the driver process / {args.decoder_rate:g} sentences/s per decoder "
            f"= {per_cpu / args.decoder_rate:,.0f} decoders fed by one driver core"
        )
        if args.syscalls:
            print("flushes of one run (strace -f -c): " + syscalls(work, work / "articles"))
        if args.instructions:
            n = instructions(work, work / "articles")
            print(f"instructions of one run (valgrind --tool=cachegrind): {n:,} ({n / segments:,.0f} per sentence)")
        if args.profile:
            started = time.perf_counter()
            profile(work, work / "articles")
            print(f"profiled run: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
