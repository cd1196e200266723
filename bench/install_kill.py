"""Kill `pipeline models install FILE` at random moments, then check what it left.

Each trial installs the suite's genuine test package (tests/fixtures/argos_package.py) into a
fresh packages folder, as a first install or as a reinstall over the same package (marked, so the
old and the new one can be told apart), and sends it SIGKILL after a random delay within the
length of an uninterrupted install. Right after the kill, every folder in the packages folder must
be a complete package (the archive's files, byte for byte). Then `pipeline models list` runs, as a
user's next command would: no staging folder (`.pipeline-install-*`) may be left, and a reinstall
must still have a package (the old one or the new one).

    .venv/bin/python bench/install_kill.py [--trials 12] [--seed 1] [--code DIR]

--code DIR runs the pipeline of another checkout (PYTHONPATH=DIR), e.g. to compare with main.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGING = ".pipeline-install-"
MARKER = "old-package-marker"


def pipeline(env: dict, *args: str) -> subprocess.Popen:
    # not run from this checkout: `python -m` puts the working directory first on sys.path (--code)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args], env=env, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def archive_files(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


def problems(root: Path, expected: dict[str, bytes]) -> list[str]:
    """What in the packages folder is not a complete package."""
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        files = {p.relative_to(root).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != MARKER}
        if files != expected:
            found.append(
                f"{folder.name}: {len(files)} of {len(expected)} files, {sum(files.get(k) != v for k, v in expected.items())} differ"
            )
    return found


def trial(base: Path, archive: Path, expected: dict[str, bytes], reinstall: bool, delay: float, env: dict) -> dict:
    shutil.rmtree(base, ignore_errors=True)
    root = base / "packages"
    root.mkdir(parents=True)
    env = {**env, "ARGOS_PACKAGES_DIR": str(root)}
    if reinstall:
        assert pipeline(env, "models", "install", str(archive)).wait() == 0
        for folder in root.iterdir():
            (folder / MARKER).write_text("old")
    proc = pipeline(env, "models", "install", str(archive))
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    code = proc.wait()
    left = sorted(p.name for p in base.iterdir() if p.name.startswith(STAGING))
    broken = problems(root, expected)
    listed = pipeline(env, "models", "list")
    listed.wait()
    after = sorted(p.name for p in base.iterdir() if p.name.startswith(STAGING))
    packages = [p for p in root.iterdir()]
    which = "none" if not packages else "old" if (packages[0] / MARKER).exists() else "new"
    return {"killed": code == -signal.SIGKILL, "left": left, "broken": broken, "after": after, "package": which}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", type=Path, help="the checkout whose pipeline runs (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.conftest import corpus_texts
    from tests.fixtures.argos_package import build_package

    env = {**os.environ, "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/"}
    if args.code:
        env["PYTHONPATH"] = str(args.code.resolve())
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env["XDG_CACHE_HOME"] = str(work / "cache")
        archive = build_package(work / "archives", "en", "uk", corpus_texts())
        expected = archive_files(archive)
        start = time.perf_counter()
        probe = {**env, "ARGOS_PACKAGES_DIR": str(work / "probe")}
        assert pipeline(probe, "models", "install", str(archive)).wait() == 0
        length = time.perf_counter() - start
        print(f"an uninterrupted install: {length:.2f} s; {len(expected)} files, {archive.stat().st_size:,} bytes")
        totals = {"killed": 0, "left": 0, "broken": 0, "after": 0, "lost": 0}
        for n in range(args.trials):
            reinstall = n % 2 == 1
            delay = rng.uniform(0, length)
            r = trial(work / "trial", archive, expected, reinstall, delay, env)
            lost = reinstall and r["package"] == "none"
            totals["killed"] += r["killed"]
            totals["left"] += bool(r["left"])
            totals["broken"] += bool(r["broken"])
            totals["after"] += bool(r["after"])
            totals["lost"] += lost
            print(
                f"trial {n + 1:2} {'reinstall' if reinstall else 'install  '} killed at {delay:.2f} s: "
                f"staging left {len(r['left'])}, after `models list` {len(r['after'])}; package: {r['package']}"
                + (f"; NOT COMPLETE: {r['broken']}" if r["broken"] else "")
                + ("; THE OLD PACKAGE IS LOST" if lost else "")
            )
        print(
            f"{args.trials} trials, {totals['killed']} killed before they ended: staging folder left by the kill in "
            f"{totals['left']}, still there after `models list` in {totals['after']}; incomplete package in "
            f"{totals['broken']}; reinstalls that lost the package: {totals['lost']}"
        )


if __name__ == "__main__":
    main()
