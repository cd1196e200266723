"""An outside attack on the pipeline's state (issues 19 and 25), run as a user would: the CLI in
subprocesses with timeouts, in temporary projects, each with a victim folder beside it that must
stay byte-identical. Every call's exit status and stderr are recorded; a call that hangs, exits 70
or prints a traceback fails its scenario whatever the scenario expected.

    .venv/bin/python bench/attack_state.py [--only WORD] [--keep] [--markdown FILE]

The scenarios are in bench/attack_cases*.py, one function per scenario, grouped by class. The
pseudo engine translates unless a scenario installs the suite's copy (or lossy) Argos package
(tests/fixtures/argos_package.py), built once into bench/.cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PIPELINE = [sys.executable, "-m", "pipeline"]
TIMEOUT = 90.0  # seconds: a call still running after this is a hang
CACHE = ROOT / "bench/.cache/attack"

ARTICLE = """---
title: Kursk operation
lang: en
---

# What is known

The offensive began on Thursday. Forces advanced *quickly* with [support](https://example.org).

It forced Russia to divert resources.
"""
OTHER = "# Other\n\nSomething else happened today.\n"
CORRECTION = ("It forced Russia to divert resources.", "Це змусило Росію перекинути ресурси.")


@dataclass
class Call:
    args: tuple[str, ...]
    rc: int | None  # None: hung (killed after the timeout)
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def generic_problem(self) -> str:
        """What no call may ever do: hang, exit 70, print a traceback."""
        if self.rc is None:
            return f"hung ({' '.join(self.args[:2])})"
        if self.rc == 70:
            return f"exit 70 ({' '.join(self.args[:2])}): {self.lines[-1][:160] if self.lines else ''}"
        if "Traceback" in self.stderr or "Traceback" in self.stdout:
            return f"traceback ({' '.join(self.args[:2])})"
        return ""

    def short(self) -> str:
        err = " | ".join(self.lines)[:300]
        return f"{self.args[0]}: {self.rc}" + (f" `{err}`" if err else "")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under folder: kind, mode, bytes (files) or target (links)."""
    out: dict[str, tuple] = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(dirpath) / name
            info = os.lstat(p)
            rel = p.relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(info.st_mode):
                out[rel] = ("file", stat.S_IMODE(info.st_mode), p.read_bytes())
            else:
                out[rel] = ("other", stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode))
    return out


class Lab:
    """One temporary project (src/a.md, src/b.md, config.yaml with the pseudo engine) and, beside
    it, a victim folder and the lab's own environment (packages, caches, HOME)."""

    def __init__(self, base: Path, name: str, engine: str = "pseudo", packages: Path | None = None):
        self.dir = base / name
        self.project = self.dir / "project"
        self.victim = self.dir / "victim"
        self.calls: list[Call] = []
        self.notes: list[str] = []
        (self.project / "src").mkdir(parents=True)
        self.victim.mkdir()
        (self.victim / "keep.txt").write_text("the victim's file\n")
        (self.victim / "secret.md").write_text("# Secret\n\nThe victim's secret sentence.\n")
        (self.victim / "sub").mkdir()
        (self.victim / "sub/deep.txt").write_text("deep\n")
        (self.project / "src/a.md").write_text(ARTICLE)
        (self.project / "src/b.md").write_text(OTHER)
        (self.project / "config.yaml").write_text(f"engine: {engine}\nmemory: .pipeline/memory.sqlite\n")
        self.env = {
            **os.environ,
            "HOME": str(self.dir / "home"),
            "XDG_CACHE_HOME": str(self.dir / "cache"),
            "XDG_DATA_HOME": str(self.dir / "data"),
            "XDG_CONFIG_HOME": str(self.dir / "config"),
            "ARGOS_PACKAGES_DIR": str(packages or self.dir / "packages"),
            "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("PIPELINE_DEBUG", None)
        self.before = snapshot(self.victim)
        self.beside = sorted(p.name for p in self.dir.iterdir())

    def path(self, rel: str) -> Path:
        return self.project / rel

    def write(self, rel: str, text: str | bytes) -> Path:
        p = self.path(rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode() if isinstance(text, str) else text)
        return p

    def run(self, *args: str, timeout: float = TIMEOUT, cwd: Path | None = None) -> Call:
        started = time.monotonic()
        proc = subprocess.Popen(
            [*PIPELINE, *args],
            cwd=cwd or self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
        )
        try:
            out, err = proc.communicate(timeout=timeout)
            rc: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()  # this call's own process, by its PID
            out, err = proc.communicate()
            rc = None
        call = Call(tuple(args), rc, out, err, time.monotonic() - started)
        self.calls.append(call)
        return call

    def translate(self, *extra: str, src: str = "src") -> Call:
        return self.run("translate", src, "--to", "uk", "--out", "out", *extra)

    def check(self, *extra: str, src: str = "src") -> Call:
        return self.run("check", *([src] if src else []), "--out", "out", *extra)

    def states(self, src: str = "src") -> dict[str, str]:
        call = self.check("--json", src=src)
        try:
            return {t["source"]: t["status"] for t in json.loads(call.stdout)["translations"]}
        except (ValueError, KeyError, TypeError):
            return {}

    def git(self, *args: str, cwd: Path | None = None) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "init.defaultBranch=main", *args],
            cwd=cwd or self.project,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def correct(self, source: str = CORRECTION[0], target: str = CORRECTION[1], rel: str = "a.md") -> Call:
        """An editor's correction of one sentence, through an exported XLIFF and `pipeline import`."""
        self.run("export", "src", "--out", "out", "--format", "xliff", "--force")
        xlf = self.path(f"out/exchange/{Path(rel).with_suffix('')}.en-uk.xlf")
        text = xlf.read_text()
        start = text.index(f"<source>{source}</source>")
        head, tail = text[:start], text[start:]
        a = tail.index("<target>") + len("<target>")
        b = tail.index("</target>")
        xlf.write_text(head + tail[:a] + target + tail[b:])
        return self.run("import", str(xlf), "--out", "out")

    def outside(self) -> str:
        """What changed outside the project: the victim folder, or new entries beside the project."""
        after = snapshot(self.victim)
        if after != self.before:
            changed = sorted(k for k in set(after) | set(self.before) if after.get(k) != self.before.get(k))
            return f"victim changed: {changed[:5]}"
        beside = sorted(p.name for p in self.dir.iterdir() if p.name not in ("home", "cache", "data", "config", "packages", "peer"))
        extra = sorted(set(beside) - set(self.beside))
        return f"new beside the project: {extra}" if extra else ""

    def cleanup(self) -> None:
        subprocess.run(["chattr", "-R", "-i", str(self.dir)], capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Row:
    klass: str
    what: str
    expected: str
    got: str
    ok: bool
    seconds: float = 0.0
    calls: list[str] = field(default_factory=list)


Scenario = Callable[[Lab], tuple[str, str, bool]]  # -> (expected, got, passed)
SCENARIOS: list[tuple[str, str, Scenario, dict]] = []


def scenario(klass: str, what: str, **lab_options):
    """Register a scenario: it returns what was expected, what happened, and whether that matches."""

    def register(fn: Scenario) -> Scenario:
        SCENARIOS.append((klass, what, fn, lab_options))
        return fn

    return register


def packages(kind: str = "copy") -> Path:
    """An Argos packages folder holding en->uk and uk->en packages of this kind, built once."""
    folder = CACHE / f"packages-{kind}"
    if (folder / ".done").exists():
        return folder
    from tests.conftest import corpus_texts
    from tests.fixtures.argos_package import build_package

    archives = CACHE / f"archives-{kind}"
    texts = corpus_texts()
    files = [build_package(archives, s, t, texts, kind=kind) for s, t in (("en", "uk"), ("uk", "en"))]
    shutil.rmtree(folder, ignore_errors=True)
    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(folder), "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/", "PYTHONPATH": str(ROOT)}
    subprocess.run([*PIPELINE, "models", "install", *map(str, files)], env=env, check=True, capture_output=True)
    (folder / ".done").write_text("")
    return folder


def run_one(base: Path, n: int, klass: str, what: str, fn: Scenario, options: dict, keep: bool) -> Row:
    kind = options.get("argos")
    lab = Lab(base, f"s{n:03d}", engine="argos" if kind else "pseudo", packages=packages(kind) if kind else None)
    started = time.monotonic()
    try:
        if options.get("translated", True):
            first = lab.translate()
            if first.rc != 0:
                raise RuntimeError(f"set-up translate failed: {first.short()}")
        expected, got, ok = fn(lab)
    except Exception as e:  # a broken scenario is reported as such, the others go on
        expected, got, ok = "(scenario ran)", f"harness error: {type(e).__name__}: {e}", False
    generic = [p for c in lab.calls if (p := c.generic_problem())]
    outside = lab.outside()
    if generic or outside:
        ok = False
        got = "; ".join([*generic[:2], *([outside] if outside else []), got])
    row = Row(klass, what, expected, got, ok, time.monotonic() - started, [c.short() for c in lab.calls])
    if not keep:
        lab.cleanup()
    return row


def markdown(rows: list[Row]) -> str:
    lines = ["| # | class | what | expected | got | |", "|---|---|---|---|---|---|"]
    for n, r in enumerate(rows, 1):
        cells = [str(n), r.klass, r.what, r.expected, r.got, "pass" if r.ok else "**FAIL**"]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    import bench.attack_cases_reads  # noqa: F401
    import bench.attack_cases_records  # noqa: F401  (they register their scenarios)
    import bench.attack_cases_seams  # noqa: F401
    from bench.attack_state import SCENARIOS as registered  # this file runs as __main__: the cases register there

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="run scenarios whose class or text holds this word")
    parser.add_argument("--keep", action="store_true", help="keep the labs (printed) for a look")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="attack-state-"))
    rows = []
    chosen = [s for s in registered if not args.only or any(w.lower() in f"{s[0]} {s[1]}".lower() for w in args.only)]
    for n, (klass, what, fn, options) in enumerate(chosen, 1):
        row = run_one(base, n, klass, what, fn, options, args.keep)
        rows.append(row)
        print(f"{'pass' if row.ok else 'FAIL'} {n:3d} [{klass}] {what}: {row.got} ({row.seconds:.0f} s)", flush=True)
        if not row.ok:
            for c in row.calls:
                print(f"        {c}", flush=True)
    failed = sum(not r.ok for r in rows)
    print(
        f"{len(rows) - failed} of {len(rows)} scenarios passed; labs in {base}"
        if args.keep
        else f"{len(rows) - failed} of {len(rows)} passed"
    )
    if args.markdown:
        args.markdown.write_text(markdown(rows))
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
