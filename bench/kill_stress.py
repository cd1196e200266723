"""Kill every writing command at random moments of its write phase, then let the next run finish.

Modes, each from a committed state of its own:
  translate  every article translated, one editor's correction imported; every source edited, so
             every article must be written again: `pipeline translate src`.
  adopt      a folder of existing human translations (the first NTREX-128 articles, en and uk) not
             adopted yet: `pipeline adopt src`; the translator's files must stay as they were.
  import     every article translated and exported as PO, each file corrected by an editor (one
             sentence per article): `pipeline import FILES`; every correction must reach its article.
  export     every article exported (XLIFF, TMX, PO), one PO file then edited in place by an editor
             and not imported, every source edited and translated again: `pipeline export src`; the
             edited file must never be lost (export names it and keeps it: exit 1 uninterrupted too).
  review     every article translated; an editor saves one sentence per article in the review app
             (pipeline.review.project.Project.save, in a subprocess: this file's --review-saves).

A trial copies the mode's start, starts the command, waits for its first write in the output folder,
sends SIGKILL (or SIGINT) after a random delay within the length of an uninterrupted run's write
phase, then runs the same command again and then `translate`. It passes when the next run of the same
command exits as an uninterrupted run does, `translate` exits 0, no temporary or pending file is left,
the output folder equals an uninterrupted run's (the command, then `translate`) byte for byte (the
times of editors' changes, which records and pages keep, read as one), `check` finds every
translation as recorded, and every editor's correction and the translator's text are still there.
With SIGINT the interrupted command must also end without a traceback.

    .venv/bin/python bench/kill_stress.py [--mode translate|adopt|import|export|review|all]
        [--trials 40] [--signal KILL|INT] [--articles 60] [--seed 1] [--window-files N]

--window-files N runs every command with commands/plan.py's WINDOW_FILES forced to N, so that a
translate run has many windows and the next one is decoded while one is written (commands/ahead.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = [sys.executable, "-m", "pipeline"]
NTREX = ROOT.parent / "shared" / "data" / "articles" / "ntrex128_en-uk"
CORRECTION = ("The offensive began on Thursday.", "Наступ почався в четвер.")
ARTICLE = "---\ntitle: Article {n}\nlang: en\n---\n\n# Part {n}\n\nThe offensive began on Thursday. Forces advanced {n} km.\n\n{body}\n"
LEFT_BEHIND = (".pipeline-tmp", ".new")
_TIME_RE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # when an editor changed a sentence


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PIPELINE, *args], cwd=cwd, capture_output=True, text=True, check=False)


def must(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    result = run(cwd, *args)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): _TIME_RE.sub(b"<time>", p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


def stamps(folder: Path) -> set[tuple[str, int, int]]:
    """What the output folder holds, cheaply: (path, mtime, size) of each file."""
    found = set()
    for where, _, files in os.walk(folder):
        for name in files:
            try:
                info = os.lstat(os.path.join(where, name))
            except FileNotFoundError:
                continue
            found.add((os.path.join(where, name), info.st_mtime_ns, info.st_size))
    return found


def corrected(n: int) -> str:
    return f"{CORRECTION[1][:-1]}, стаття {n}."


# --- the committed states ----------------------------------------------------------------------


def translated(project: Path, articles: int) -> None:
    """Generated articles translated with the pseudo engine."""
    (project / "src").mkdir(parents=True)
    body = " ".join(f"Sentence number {i} of a long paragraph about the war." for i in range(40))
    for n in range(articles):
        (project / "src" / f"a{n:03d}.md").write_text(ARTICLE.format(n=n, body=body))
    (project / "config.yaml").write_text("engine: pseudo\n")
    must(project, "translate", "src", "--to", "uk", "--out", "out")


def edit_po(po: Path, text: str) -> None:
    """An editor's correction of the sentence CORRECTION[0] in a PO file."""
    before = po.read_text()
    after = before.replace(f'msgid "{CORRECTION[0]}"\nmsgstr "⟦uk⟧ {CORRECTION[0]}"', f'msgid "{CORRECTION[0]}"\nmsgstr "{text}"')
    assert after != before, f"the sentence was not found in {po}"
    po.write_text(after)


def edit_sources(project: Path) -> None:
    for source in (project / "src").iterdir():  # every article must be written again
        source.write_text(source.read_text().replace("Forces advanced", "Forces moved"))


def prepare_translate(project: Path, articles: int) -> list[str]:
    translated(project, articles)
    exported = must(project, "export", "src/a000.md", "--out", "out", "--format", "po").stdout.split()[0]
    edit_po(project / exported, CORRECTION[1])
    must(project, "import", exported, "--out", "out")
    shutil.rmtree(project / "out" / "exchange")
    edit_sources(project)
    return ["translate", "src", "--to", "uk", "--out", "out"]


def prepare_adopt(project: Path, articles: int) -> list[str]:
    (project / "src").mkdir(parents=True)
    (project / "out" / "uk").mkdir(parents=True)
    for source in sorted((NTREX / "en").glob("*.md"))[:articles]:
        shutil.copy(source, project / "src")
        shutil.copy(NTREX / "uk" / source.name, project / "out" / "uk")
    (project / "config.yaml").write_text("engine: pseudo\n")
    return ["adopt", "src", "--out", "out"]


def prepare_import(project: Path, articles: int) -> list[str]:
    translated(project, articles)
    files = must(project, "export", "src", "--out", "out", "--format", "po", "--dest", "exchange").stdout.split()
    for n, name in enumerate(sorted(files)):
        edit_po(project / name, corrected(n))
    return ["import", *sorted(files), "--out", "out"]


def prepare_export(project: Path, articles: int) -> list[str]:
    translated(project, articles)
    must(project, "export", "src", "--out", "out")
    edit_po(project / "out/exchange/a000.en-uk.po", CORRECTION[1])
    edit_sources(project)
    must(project, "translate", "src", "--to", "uk", "--out", "out")
    return ["export", "src", "--out", "out"]


def prepare_review(project: Path, articles: int) -> list[str]:
    translated(project, articles)
    return ["--review-saves"]


# --- what a person wrote is still there ------------------------------------------------------------


def corrections_kept(start: Path, work: Path) -> str:
    for n, article in enumerate(sorted((work / "out/uk").glob("*.md"))):
        if corrected(n) not in article.read_text():
            return f"the editor's correction of {article.name} was lost"
    return ""


def same_files(folder: str) -> Callable[[Path, Path], str]:
    def kept(start: Path, work: Path) -> str:
        for path in sorted((start / folder).rglob("*")):
            if path.is_file() and (work / path.relative_to(start)).read_bytes() != path.read_bytes():
                return f"{path.relative_to(start)} was changed: a person's work was lost"
        return ""

    return kept


def first_correction_kept(start: Path, work: Path) -> str:
    return "" if CORRECTION[1] in (work / "out/uk/a000.md").read_text() else "the editor's correction was lost"


@dataclass(frozen=True)
class Mode:
    prepare: Callable[[Path, int], list[str]]  # makes the start in a folder; the command's arguments
    kept: Callable[[Path, Path], str]  # (start, work): what of a person's work was lost, or ""


MODES = {
    "translate": Mode(prepare_translate, first_correction_kept),
    "adopt": Mode(prepare_adopt, same_files("out/uk")),
    "import": Mode(prepare_import, corrections_kept),
    "export": Mode(prepare_export, same_files("out/exchange/a000.en-uk.po")),
    "review": Mode(prepare_review, corrections_kept),
}


# --- the review app's saves ----------------------------------------------------------------------


def review_saves() -> int:
    """What an editor does in the review app: in each article under src/, the sentence
    CORRECTION[0] saved as corrected(n), through Project.save. 0 when every save was taken (saved,
    or unchanged: already there)."""
    from pipeline.assemble.align import sentence_id
    from pipeline.commands import exchange
    from pipeline.core.config import load
    from pipeline.core.hashes import text_hash
    from pipeline.review.project import Project
    from pipeline.review.saving import Place
    from pipeline.workspace import Workspace

    ws = Workspace.open(load(), "out")
    project = Project(ws, ["src"], wait=60)
    failed = 0
    for n, source in enumerate(sorted(Path("src").glob("*.md"))):
        t = exchange.open_translation(ws, "uk", source.name, source.name)
        sid, seg = next((sentence_id(b, j, s), s) for b in t.doc.blocks for j, s in enumerate(b.segments) if s.text == CORRECTION[0])
        saved = project.save(Place("uk", source.name, sid, exchange.base_of(t.targets()[text_hash(seg.text)])), corrected(n))
        if not saved.ok:
            print(f"{source}: {saved.status}: {saved.message}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def small_windows(files: int) -> list[str]:
    """The pipeline's command with at most `files` articles per window."""
    code = f"import sys; from pipeline.commands import plan; plan.WINDOW_FILES = {files}; sys.argv[0] = 'pipeline'; from pipeline.cli import main; main()"
    return [sys.executable, "-c", code]


def command(args: list[str]) -> list[str]:
    if args == ["--review-saves"]:
        return [sys.executable, str(Path(__file__).resolve()), "--review-saves"]
    return [*PIPELINE, *args]


# --- trials --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    expected: dict[str, bytes]  # the output folder after the command and `translate`
    status: int  # the command's exit status
    writing: float  # seconds from its first write to its end


def watch(process: subprocess.Popen, out: Path, deadline: float) -> float:
    """Wait for the process's first write in the output folder (or its end); when that came."""
    before = stamps(out)
    while process.poll() is None and time.monotonic() < deadline and stamps(out) == before:
        time.sleep(0.01)
    return time.monotonic()


def reference(start: Path, work: Path, args: list[str]) -> Reference:
    shutil.copytree(start, work)
    process = subprocess.Popen(command(args), cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = watch(process, work / "out", time.monotonic() + 600)
    status = process.wait()
    writing = time.monotonic() - began
    if args[0] != "translate":
        must(work, "translate", "src", "--to", "uk", "--out", "out")
    return Reference(snapshot(work / "out"), status, writing)


def trial(name: str, argv: list[str], start: Path, work: Path, ref: Reference, sig: int, rng: random.Random) -> tuple[str, bool]:
    """('' when the trial passed, else what went wrong; whether the signal reached the command running)."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(start, work)
    process = subprocess.Popen(command(argv), cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watch(process, work / "out", time.monotonic() + 600)
    time.sleep(rng.uniform(0, ref.writing * 0.8))  # (a loaded machine runs some trials faster than the reference)
    hit = process.poll() is None
    process.send_signal(sig)
    _, stderr = process.communicate()
    if sig == signal.SIGINT and hit and argv[0] != "--review-saves" and "Traceback" in stderr:
        return f"interrupted with a traceback: {stderr.strip()[-300:]}", hit
    again = subprocess.run(command(argv), cwd=work, capture_output=True, text=True, check=False)
    if again.returncode != ref.status:
        return f"the next {name} exited {again.returncode}, not {ref.status}: {again.stderr.strip()[:300]}", hit
    left = [p for p in (work / "out").rglob("*") if p.name.endswith(LEFT_BEHIND)]
    if left:
        return f"the next {name} left behind: {left[0].relative_to(work)}", hit
    if argv[0] != "translate":
        after = run(work, "translate", "src", "--to", "uk", "--out", "out")
        if after.returncode != 0:
            return f"translate then failed ({after.returncode}): {after.stderr.strip()[:300]}", hit
    got = snapshot(work / "out")
    if got != ref.expected:
        diff = sorted(set(got) ^ set(ref.expected)) or [k for k in got if got[k] != ref.expected[k]]
        return f"outputs differ from an uninterrupted run: {diff[:3]}", hit
    if not consistent(work):
        return "check does not say every translation is as recorded", hit
    return MODES[name].kept(start, work), hit


def consistent(work: Path) -> bool:
    """`check` finds every translation as recorded: fresh, or (pseudo engine) pseudo output, which
    check never calls fresh; nothing stale, missing, modified or damaged."""
    report = json.loads(run(work, "check", "src", "--out", "out", "--json").stdout or "{}")
    states = {t["status"] for t in report.get("translations", [])}
    return bool(states) and states <= {"fresh", "pseudo"}


@dataclass(frozen=True)
class Result:
    mode: str
    trials: int
    hits: int  # trials whose signal reached a command still running
    failures: list[str]
    writing: float  # seconds of an uninterrupted run's write phase


def stress(mode: str = "translate", trials: int = 40, sig: int = signal.SIGKILL, articles: int = 60, seed: int = 1) -> Result:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        start = base / "start"
        argv = MODES[mode].prepare(start, articles)
        ref = reference(start, base / "reference", argv)
        failures, hits = [], 0
        for i in range(trials):
            problem, hit = trial(mode, argv, start, base / "work", ref, sig, rng)
            hits += hit
            if problem:
                failures.append(f"trial {i + 1}: {problem}")
        return Result(mode, trials, hits, failures, ref.writing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=[*MODES, "all"], default="translate")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--signal", choices=["KILL", "INT"], default="KILL")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window-files", type=int, help="articles per window (default: the pipeline's own)")
    parser.add_argument("--review-saves", action="store_true", help=argparse.SUPPRESS)  # a trial's subprocess
    args = parser.parse_args()
    if args.review_saves:
        sys.exit(review_saves())
    if args.window_files:
        global PIPELINE
        PIPELINE = small_windows(args.window_files)
    failed = False
    for mode in MODES if args.mode == "all" else [args.mode]:
        r = stress(mode, args.trials, getattr(signal, f"SIG{args.signal}"), args.articles, args.seed)
        print(
            f"{mode}: write phase {r.writing:.2f} s uninterrupted; {r.trials} trials with SIG{args.signal} at random moments, "
            f"{r.hits} while it was running; {len(r.failures)} failed",
            flush=True,
        )
        for failure in r.failures:
            print("  " + failure, flush=True)
        failed |= bool(r.failures)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
