"""Peak memory and speed of the pipeline against its batch size, at beam 2 and 4.

    .venv/bin/python bench/batch_memory.py

Runs the benchmark's arm (b) (bench/arms.py: the pipeline end to end on the 123 NTREX articles,
memory off, 48 decoded tokens per sentence, the random-weight benchmark package) once per
setting, each in a fresh process, and prints sentences/s and the process's peak RSS. It shows
what `argos.max_batch_tokens` costs in memory; the figures are about six minutes of work.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import model
import run

SETTINGS = [(beam, tokens) for beam in (2, 4) for tokens in (2048, 1024, 512)]


def main() -> None:
    archive = model.package_file()
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as name:
        tmp = Path(name)
        installed = model.install(archive, tmp / "packages")
        env = run.worker_env(tmp, tmp / "packages")
        base = {"articles": None, "length": 48, "package": str(installed.path)}
        print("| beam | max_batch_tokens | sentences/s | peak RSS MB |\n|---|---|---|---|")
        for beam, tokens in SETTINGS:
            spec = {**base, "settings": {"beam_size": beam, "max_batch_tokens": tokens}}
            r = run.run_worker("pipeline_run", spec, env, tmp, f"beam{beam}-tokens{tokens}")
            print(f"| {beam} | {tokens} | {r['sentences'] / r['seconds']:.2f} | {r['peak_rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
