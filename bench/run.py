"""Throughput benchmark of the pipeline against the Argos library's own translation path.

    .venv/bin/python bench/run.py            # the full run (see bench/README.md for its length)
    .venv/bin/python bench/run.py --quick    # a smoke run of every part on a few articles

One command, one report: the tuning grid on a subset, then three arms on the same corpus, each
in a fresh worker process (bench/worker.py) — (a) the Argos library per paragraph, (b) the
pipeline end to end, (c) one CTranslate2 translate_batch call — then start-up, `pipeline check`
and memory at scale. The report is printed and written to bench/RESULTS.md. Every figure in it
comes from this run. The model has random weights: its outputs are never translations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import checks
import model
import report
from corpus import Corpus, article_paths, tokenize
from proc import measure

BENCH = Path(__file__).resolve().parent
THREADS = [(2, 1), (1, 2), (1, 0)]  # (inter_threads, intra_threads) for 2 cores; 0 = CTranslate2's default
BATCH_TOKENS = [512, 1024, 2048, 4096]
BEAMS = [2, 4]

# (key, label, worker task, spec additions). Order: comparisons at equal beam run next to each other.
ARMS = [
    ("a", "(a) Argos library, per paragraph", "argos_library", {}),
    # the library at its best thread settings: one thread per batch, one batch per core
    (
        "a1",
        "(a1) Argos library, per paragraph, ARGOS_INTRA_THREADS=1, ARGOS_INTER_THREADS=cores",
        "argos_library",
        {"env": {"ARGOS_INTRA_THREADS": "1", "ARGOS_INTER_THREADS": str(os.cpu_count() or 1)}},
    ),
    ("b4", "(b) pipeline end to end, beam 4", "pipeline_run", {"settings": {"beam_size": 4}}),
    ("c4", "(c) one translate_batch, beam 4", "engine_limit", {"settings": {"beam_size": 4}}),
    ("bd", "(b) pipeline end to end, defaults", "pipeline_run", {"settings": {}}),
    ("cd", "(c) one translate_batch, defaults", "engine_limit", {"settings": {}}),
    ("b0", "pipeline, pseudo engine (no model)", "pipeline_run", {"engine": "pseudo"}),
]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, help="first N NTREX articles [default: all 123; --quick: 5]")
    p.add_argument("--length", type=int, default=48, help="decoded tokens per sentence, every arm [48]")
    p.add_argument("--tune-sentences", type=int, help="sentences in the tuning subset [300; --quick: 40]")
    p.add_argument("--tune-passes", type=int, help="passes over the tuning grid, best kept [2; --quick: 1]")
    p.add_argument("--scale-articles", type=int, help="articles for the check/memory test [10000; --quick: 1000]")
    p.add_argument("--quick", action="store_true", help="a fast smoke run of every part (figures not meaningful)")
    p.add_argument("--no-tuning", action="store_true", help="skip the settings grid")
    p.add_argument("--no-checks", action="store_true", help="skip start-up, check and memory at scale")
    p.add_argument("--output", type=Path, default=BENCH / "RESULTS.md", help="report file [bench/RESULTS.md]")
    args = p.parse_args(argv)
    args.articles = args.articles or (5 if args.quick else None)
    args.tune_sentences = args.tune_sentences or (40 if args.quick else 300)
    args.tune_passes = args.tune_passes or (1 if args.quick else 2)
    args.scale_articles = args.scale_articles or (1000 if args.quick else 10_000)
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def worker_env(tmp: Path, packages_dir: Path) -> dict:
    """The workers' environment: our packages folder, and the Argos library's defaults — no
    ARGOS_* variable and no settings.json of the user's (fresh XDG folders)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGOS_")}
    env["ARGOS_PACKAGES_DIR"] = str(packages_dir)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        folder = tmp / "xdg" / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    return env


def run_worker(task: str, spec: dict, env: dict, tmp: Path, name: str | None = None) -> dict:
    """One task in a fresh process; its result, with the process's wall time and peak RSS."""
    name = name or task
    spec_file, result_file = tmp / f"{name}.spec.json", tmp / f"{name}.result.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    load = os.getloadavg()[0]
    r = measure([sys.executable, str(BENCH / "worker.py"), task, str(spec_file), str(result_file)], env, capture_stderr=False)
    if r.returncode != 0:
        raise SystemExit(f"worker {task} failed with exit status {r.returncode}")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result.update(peak_rss_mb=r.peak_rss_mb, process_seconds=r.seconds, loadavg_before=load)
    return result


def run_tuning(args, base: dict, env: dict, tmp: Path) -> dict:
    grid = [
        {"inter_threads": inter, "intra_threads": intra, "max_batch_tokens": tokens, "beam_size": beam}
        for beam in BEAMS
        for inter, intra in THREADS
        for tokens in BATCH_TOKENS
    ]
    log(f"tuning: {len(grid)} settings x {args.tune_passes} passes on {args.tune_sentences} sentences ...")
    spec = {**base, "sentences": args.tune_sentences, "grid": grid, "passes": args.tune_passes}
    return run_worker("tuning", spec, env, tmp)


def tuned_arm(tuning: dict, defaults: dict) -> tuple:
    """(b) again with the tuning's fastest settings at the default beam: does the subset's winner
    also win on the whole corpus? When the winner is the defaults, this is a plain repeat of (b),
    which shows the run-to-run noise of the arms."""
    beam = defaults["beam_size"]
    best = min((r for r in tuning["rows"] if r["beam_size"] == beam), key=lambda r: r["seconds"])
    settings = {k: best[k] for k in ("inter_threads", "intra_threads", "max_batch_tokens", "beam_size")}
    threads = (defaults["inter_threads"] or os.cpu_count(), defaults["intra_threads"])
    same = (best["inter_threads"], best["intra_threads"], best["max_batch_tokens"]) == (*threads, defaults["max_batch_tokens"])
    label = (
        f"(b) pipeline end to end, tuning's fastest at beam {beam} "
        f"(threads {best['inter_threads']}/{best['intra_threads']}, {best['max_batch_tokens']} tokens)"
        + (" = the defaults: a repeat" if same else "")
    )
    return ("bt", label, "pipeline_run", {"settings": settings})


def run_arms(arms: list[tuple], base: dict, env: dict, tmp: Path) -> dict:
    results = {}
    for key, label, task, extra in arms:
        log(f"{label} ...")
        started = time.perf_counter()
        extra = dict(extra)
        arm_env = {**env, **extra.pop("env", {})}
        results[key] = {"label": label, **run_worker(task, {**base, **extra}, arm_env, tmp, key)}
        log(f"  {results[key]['seconds']:.1f} s translating ({time.perf_counter() - started:.1f} s in all)")
    return results


def machine() -> dict:
    import ctranslate2

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from arms import argos_version

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "ctranslate2": ctranslate2.__version__,
        "argos": argos_version(),
    }


def command_line() -> str:
    """This command as typed from the current folder (the interpreter relative to it when inside)."""
    exe = os.path.relpath(sys.executable)
    return shlex.join([sys.executable if exe.startswith("..") else exe, os.path.relpath(sys.argv[0]), *sys.argv[1:]])


def main(argv=None) -> None:
    args = parse_args(argv)
    from pipeline.engines.argos_settings import ArgosConfig

    began = time.perf_counter()
    info = {
        "command": command_line(),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "defaults": report.settings_of(ArgosConfig()),
        "args": vars(args) | {"output": str(args.output)},
    }
    archive = model.package_file(log)
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as name:
        tmp = Path(name)
        installed = model.install(archive, tmp / "packages")
        env = worker_env(tmp, tmp / "packages")
        corpus = Corpus.load(article_paths(args.articles))
        info["model"] = {
            "vocabulary": model.vocabulary_size(installed.path),
            "shape": model.SHAPE,
            "quantization": model.QUANTIZATION,
            "archive_mb": archive.stat().st_size / 1e6,
        }
        info["corpus"] = {
            "articles": len(corpus.articles),
            "paragraphs": len(corpus.paragraphs),
            "sentences": len(corpus.sentences),
            "tokens": sum(len(t) for t in tokenize(corpus.sentences, installed.path)),
        }
        log(f"corpus: {info['corpus']}")
        base = {"articles": args.articles, "length": args.length, "package": str(installed.path)}
        tuning = None if args.no_tuning else run_tuning(args, base, env, tmp)
        plan = ARMS + ([tuned_arm(tuning, info["defaults"])] if tuning else [])
        arms = run_arms(plan, base, env, tmp)
        extra = None
        if not args.no_checks:
            log("start-up, check and memory at scale ...")
            extra = checks.run_all(tmp / "checks", args.scale_articles, env)
    info["total_seconds"] = time.perf_counter() - began
    text = report.render(info, arms, tuning, extra)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    log(f"written to {args.output}")


if __name__ == "__main__":
    main()
