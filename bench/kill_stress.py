"""Kill `pipeline translate` at random moments of its write phase, then let the next run finish.

Each trial starts from one committed state (every article translated, one editor's correction
imported), edits every source so every article must be written again, starts a run, sends it
SIGKILL (or SIGINT) after a random delay within the length of an uninterrupted run, and runs
again to completion. It passes when the second run exits 0, the output folder is byte-identical to
an uninterrupted run's, no temporary file is left, `check` finds every translation as recorded, and the
editor's correction is still there.

    .venv/bin/python bench/kill_stress.py [--trials 40] [--signal KILL|INT] [--articles 60]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = [sys.executable, "-m", "pipeline"]
CORRECTION = ("The offensive began on Thursday.", "Наступ почався в четвер.")
ARTICLE = "---\ntitle: Article {n}\nlang: en\n---\n\n# Part {n}\n\nThe offensive began on Thursday. Forces advanced {n} km.\n\n{body}\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PIPELINE, *args], cwd=cwd, capture_output=True, text=True, check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def prepare(base: Path, articles: int) -> Path:
    """The committed state every trial starts from."""
    project = base / "start"
    (project / "src").mkdir(parents=True)
    body = " ".join(f"Sentence number {i} of a long paragraph about the war." for i in range(40))
    for n in range(articles):
        (project / "src" / f"a{n:03d}.md").write_text(ARTICLE.format(n=n, body=body))
    (project / "config.yaml").write_text("engine: pseudo\n")
    assert run(project, "translate", "src", "--to", "uk", "--out", "out").returncode == 0
    exported = run(project, "export", "src/a000.md", "--out", "out", "--format", "po").stdout.split()[0]
    po = Path(project / exported)
    text = po.read_text()
    marked = text.replace(f'msgid "{CORRECTION[0]}"\nmsgstr "⟦uk⟧ {CORRECTION[0]}"', f'msgid "{CORRECTION[0]}"\nmsgstr "{CORRECTION[1]}"')
    assert marked != text, "the correction was not found in the export"
    po.write_text(marked)
    result = run(project, "import", exported, "--out", "out")
    assert result.returncode == 0, result.stderr
    shutil.rmtree(project / "out" / "exchange")
    for source in (project / "src").iterdir():  # every article must be written again
        source.write_text(source.read_text().replace("Forces advanced", "Forces moved"))
    return project


def trial(start: Path, work: Path, expected: dict[str, bytes], duration: float, sig: int, rng: random.Random) -> str:
    """'' when the trial passed, else what went wrong."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(start, work)
    process = subprocess.Popen(
        [*PIPELINE, "translate", "src", "--to", "uk", "--out", "out"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(rng.uniform(0.1, duration))
    process.send_signal(sig)
    process.wait()
    again = run(work, "translate", "src", "--to", "uk", "--out", "out")
    if again.returncode != 0:
        return f"the next run failed ({again.returncode}): {again.stderr.strip()[:300]}"
    left = [p for p in (work / "out").rglob("*") if p.name.endswith((".pipeline-tmp", ".new"))]
    if left:
        return f"left behind: {left[0]}"
    got = snapshot(work / "out")
    if got != expected:
        diff = sorted(set(got) ^ set(expected)) or [k for k in got if got[k] != expected[k]]
        return f"outputs differ from an uninterrupted run: {diff[:3]}"
    if not consistent(work):
        return "check does not say every translation is as recorded"
    if CORRECTION[1] not in (work / "out/uk/a000.md").read_text():
        return "the editor's correction was lost"
    return ""


def consistent(work: Path) -> bool:
    """`check` finds every translation as recorded: fresh, or (pseudo engine) pseudo output, which
    check never calls fresh; nothing stale, missing, modified or damaged."""
    report = json.loads(run(work, "check", "src", "--out", "out", "--json").stdout or "{}")
    states = {t["status"] for t in report.get("translations", [])}
    return bool(states) and states <= {"fresh", "pseudo"}


def stress(trials: int, sig: int = signal.SIGKILL, articles: int = 60, seed: int = 1) -> tuple[int, list[str], float]:
    """(trials that hit a run still working, failures, seconds of an uninterrupted run)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        start = prepare(base, articles)
        reference = base / "reference"
        shutil.copytree(start, reference)
        began = time.perf_counter()
        assert run(reference, "translate", "src", "--to", "uk", "--out", "out").returncode == 0
        duration = time.perf_counter() - began
        expected = snapshot(reference / "out")
        failures = []
        for i in range(trials):
            problem = trial(start, base / "work", expected, duration, sig, rng)
            if problem:
                failures.append(f"trial {i + 1}: {problem}")
        return trials, failures, duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--signal", choices=["KILL", "INT"], default="KILL")
    parser.add_argument("--articles", type=int, default=60)
    args = parser.parse_args()
    n, failures, duration = stress(args.trials, getattr(signal, f"SIG{args.signal}"), args.articles)
    print(f"uninterrupted run: {duration:.2f} s; {n} trials with SIG{args.signal} at random moments; {len(failures)} failed")
    for failure in failures:
        print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
