"""Start-up, `pipeline check` at scale, and memory at scale: each in fresh subprocesses.

- cold start: `python -m pipeline --help` and `pipeline check` on a small translated folder,
  best of 5, and `python -X importtime` to show neither imports ctranslate2 nor argostranslate;
- a tree of many articles (copies of the shared NTREX and WMT22 en and uk articles), translated
  once with the pseudo engine and no memory so records exist; its peak RSS is compared with the
  same run over a tenth of the tree (the pipeline streams in windows: it should not grow ~10x);
- `pipeline check` over the whole tree, best of 3.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from proc import best_of, measure

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "articles"
HEAVY = ("ctranslate2", "argostranslate")
PSEUDO_CONFIG = "engine: pseudo\nmemory: null\n"


def pipeline_cmd() -> list[str]:
    """The `pipeline` console script of this interpreter's environment (else python -m pipeline)."""
    script = Path(sys.executable).with_name("pipeline")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline"]


def make_tree(root: Path, count: int, part_size: int) -> list[Path]:
    """count articles under root/part-NN/{en,uk}/, cycling through the shared en and uk articles."""
    sources = sorted(DATA.glob("*/en/*.md")) + sorted(DATA.glob("*/uk/*.md"))
    parts = []
    for i in range(count):
        src = sources[i % len(sources)]
        part = root / f"part-{i // part_size:02d}"
        if i % part_size == 0:
            parts.append(part)
        target = part / src.parent.name / f"{i:05d}-{src.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return parts


def imported_modules(importtime_stderr: str) -> list[tuple[str, int]]:
    """(module, cumulative µs) from `python -X importtime` output."""
    found = []
    for line in importtime_stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if cumulative.strip().isdigit():
            found.append((name.strip(), int(cumulative)))
    return found


def heavy_imports(modules: list[tuple[str, int]]) -> list[str]:
    return sorted({m for m, _ in modules if m.split(".")[0] in HEAVY})


def importtime(args: list[str], env: dict) -> dict:
    r = measure([sys.executable, "-X", "importtime", "-m", "pipeline", *args], env)
    modules = imported_modules(r.stderr)
    top = sorted((m for m in modules if "." not in m[0]), key=lambda m: -m[1])[:3]
    return {"modules": len(modules), "heavy": heavy_imports(modules), "slowest": top, "returncode": r.returncode}


def cold_start(work: Path, env: dict) -> dict:
    small = work / "small"
    for src in sorted((DATA / "ntrex128_en-uk" / "en").glob("*.md"))[:5]:
        (small / src.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, small / src.name)
    config = work / "pseudo.yaml"
    out = work / "small-out"
    check_args = ["check", str(small), "--out", str(out), "--config", str(config)]
    r = measure(pipeline_cmd() + ["translate", str(small), "--out", str(out), "--config", str(config)], env)
    if r.returncode != 0:
        raise RuntimeError(f"pseudo translation of the small folder failed: {r.stderr[-2000:]}")
    help_run = best_of(5, [sys.executable, "-m", "pipeline", "--help"], env)
    check_run = best_of(5, pipeline_cmd() + check_args, env)
    return {
        "help_seconds": help_run.seconds,
        "check_seconds": check_run.seconds,
        "check_articles": 5,
        "help_imports": importtime(["--help"], env),
        "check_imports": importtime(check_args, env),
    }


def at_scale(work: Path, count: int, env: dict) -> dict:
    """Translate count articles once with the pseudo engine (peak RSS), the same for a tenth of
    them in a fresh process, then time `pipeline check` over all of them."""
    part_size = max(count // 10, 1)
    tree = work / "tree"
    parts = make_tree(tree, count, part_size)
    config = str(work / "pseudo.yaml")
    out_all, out_part = work / "tree-out", work / "part-out"
    print(f"  translating {part_size:,} articles with the pseudo engine ...", file=sys.stderr, flush=True)
    small = measure(pipeline_cmd() + ["translate", str(parts[0]), "--out", str(out_part), "--config", config], env)
    print(f"  translating {count:,} articles with the pseudo engine (takes a while) ...", file=sys.stderr, flush=True)
    large = measure(pipeline_cmd() + ["translate", str(tree), "--out", str(out_all), "--config", config], env)
    for r in (small, large):
        if r.returncode != 0:
            raise RuntimeError(f"pseudo translation failed ({r.returncode}): {r.stderr[-2000:]}")
    check = best_of(3, pipeline_cmd() + ["check", str(tree), "--out", str(out_all), "--config", config], env)
    return {
        "articles": count,
        "part_articles": part_size,
        "translate_seconds": large.seconds,
        "translate_summary": _last_line(large.stderr + large.stdout, "articles"),
        "peak_rss_mb": large.peak_rss_mb,
        "part_peak_rss_mb": small.peak_rss_mb,
        "part_translate_seconds": small.seconds,
        "check_seconds": check.seconds,
        "check_summary": _last_line(check.stdout, "fresh"),
    }


def _last_line(text: str, word: str) -> str:
    lines = [line.strip() for line in text.splitlines() if word in line]
    return lines[-1] if lines else ""


def run_all(work: Path, count: int, env: dict) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    (work / "pseudo.yaml").write_text(PSEUDO_CONFIG, encoding="utf-8")
    return {"cold_start": cold_start(work, env), "scale": at_scale(work, count, env)}
