"""The next window in flight (commands/ahead.py) against windows one after another, on a folder of
many small windows, with the benchmark model.

    .venv/bin/python bench/ahead.py [--articles 40] [--window-files 2] [--length 48] [--threads 0] [--runs 3] [--ray]

Each run is a fresh process running `pipeline.commands.run.translate` en->uk on the first N NTREX
articles with a fresh output folder and memory, `commands/plan.py`'s WINDOW_FILES forced to
--window-files, and PIPELINE_AHEAD=0 (sequential) or 1 (in flight); the arms alternate, and the
fastest of --runs is reported for each. The benchmark model (bench/model.py: random-weight
transformer-base forced to decode --length tokens per sentence; outputs are noise, never
translations); --threads is `argos.inter_threads` (0: one decoder per core). Wall time is from before the engine exists to the last output (model load in).
--ray adds the same pair on `cluster: local` with one actor (Ray started by the run, loopback).
The two arms' output folders are compared byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import model  # noqa: E402
from cluster import cpu_seconds, tree  # noqa: E402
from corpus import article_paths  # noqa: E402


def arm_run(arm: str, work: Path, count: int, length: int, window_files: int, threads: int) -> dict:
    """One arm, in this (fresh) process."""
    import dataclasses

    from pipeline.commands import plan, run
    from pipeline.core import paths
    from pipeline.core.config import Config, RayConfig
    from pipeline.engines.argos_settings import ArgosConfig

    plan.WINDOW_FILES = window_files
    config = Config(root=str(work), engines={"argos": ArgosConfig(force_length=length, inter_threads=threads)})
    if arm.startswith("ray"):
        config = dataclasses.replace(config, cluster="local", ray=RayConfig(actors=1, threads=1))
    articles = article_paths(count)
    request = run.Request(
        inputs=(str(articles[0].parent),),
        out_dir=work / "out",
        target="uk",
        allow_download=False,
        only=frozenset(paths.real(a) for a in articles),
    )
    started, cpu = time.perf_counter(), cpu_seconds()
    stats = run.translate(request, config)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if stats.failed or stats.articles != len(articles):
        raise SystemExit(f"not every article was translated: {stats.line()}")
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"arm": arm, "seconds": seconds, "cpu": cpu, "translated": stats.translated, "rss": rss}


def child(arm: str, work: Path, args, env: dict) -> dict:
    ahead = "0" if arm.endswith("sequential") else "1"
    cmd = [
        sys.executable,
        __file__,
        "--child",
        arm,
        str(work),
        str(args.articles),
        str(args.length),
        str(args.window_files),
        str(args.threads),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env, "PIPELINE_AHEAD": ahead})
    if done.returncode:
        raise SystemExit(f"{arm} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        arm, work, (count, length, files, threads) = sys.argv[2], Path(sys.argv[3]), map(int, sys.argv[4:8])
        print(json.dumps(arm_run(arm, work, count, length, files, threads)))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=40)
    p.add_argument("--window-files", type=int, default=2)
    p.add_argument("--length", type=int, default=48)
    p.add_argument("--threads", type=int, default=0, help="argos.inter_threads [0: one per core]")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--ray", action="store_true", help="also: the pair on a one-actor Ray cluster (loopback)")
    args = p.parse_args()
    archive = model.package_file(lambda m: print(m, file=sys.stderr))
    arms = ["local-sequential", "local-ahead"] + (["ray-sequential", "ray-ahead"] if args.ray else [])
    with tempfile.TemporaryDirectory(prefix="pipeline-ahead-bench-") as name:
        root = Path(name)
        model.install(archive, root / "packages")
        env = {"ARGOS_PACKAGES_DIR": str(root / "packages"), "XDG_CACHE_HOME": str(root / "cache")}
        best: dict[str, dict] = {}
        same = True
        for i in range(args.runs):
            for arm in arms:
                work = root / f"{arm}-{i}"
                row = child(arm, work, args, env)
                print(f"run {i + 1} {arm}: {row['seconds']:.2f} s", file=sys.stderr)
                if arm not in best or row["seconds"] < best[arm]["seconds"]:
                    best[arm] = row
            for pair in zip(arms[::2], arms[1::2], strict=True):
                same = same and tree(root / f"{pair[0]}-{i}" / "out") == tree(root / f"{pair[1]}-{i}" / "out")
        count = best[arms[0]]["translated"]
        print(
            f"{args.articles} NTREX articles, {count:,} distinct sentences, windows of {args.window_files} articles, {os.cpu_count()} cores, inter_threads {args.threads},"
        )
        print(f"decoding {args.length} tokens per sentence (random weights: not translations); fastest of {args.runs}, arms alternating\n")
        print("| arm | wall s | sentences/s | driver CPU s | peak RSS MB |\n|---|---|---|---|---|")
        for arm in arms:
            r = best[arm]
            print(f"| {arm} | {r['seconds']:.2f} | {r['translated'] / r['seconds']:.1f} | {r['cpu']:.1f} | {r['rss']:.0f} |")
        print(f"\noutputs byte-identical, in flight and sequential: {same}")


if __name__ == "__main__":
    main()
