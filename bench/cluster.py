"""The Ray engine against the local one, side by side in one run on this machine, and the driver's
own cost per sentence.

    .venv/bin/python bench/cluster.py [--articles 20] [--length 48]

Arms, on the same NTREX articles, en->uk, with the benchmark model (bench/model.py: random-weight
transformer-base, forced to decode --length tokens per sentence; its outputs are noise, never
translations), translation memory off, outputs written to a temporary folder:

- local: `pipeline.commands.run.translate` with the argos engine at the defaults (inter_threads = cores,
  intra_threads 1); the model load is not timed.
- ray: the same run with `cluster: local` and two single-thread actors (ray.actors 2, ray.threads
  1) on a Ray started here with num_cpus = cores; actors started and models loaded before timing.
  Also the driver's CPU time (this process) during the run.
- pseudo: the pipeline with the pseudo engine: its own work without a model, per sentence;
  with --jobs 1 and 2 (`workers:`) when the pipeline has them.

Outputs of the local and ray arms are compared byte for byte.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import model  # noqa: E402
from arms import watch_translators  # noqa: E402
from corpus import Corpus, article_paths  # noqa: E402


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def translate(config, articles: list[Path], out: Path, root: Path | None = None):
    from pipeline.commands import run
    from pipeline.core import paths

    request = run.Request(
        inputs=(str(root or articles[0].parent),),
        out_dir=out,
        target="uk",
        allow_download=False,
        only=frozenset(paths.real(a) for a in articles),
    )
    started, cpu = time.perf_counter(), cpu_seconds()
    stats = run.translate(request, config)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if stats.failed or stats.articles != len(articles):
        raise SystemExit(f"not every article was translated: {stats.line()}")
    return seconds, cpu, stats


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=20)
    p.add_argument("--length", type=int, default=48)
    p.add_argument("--pseudo-articles", type=int, default=1000, help="copies of the articles for the pseudo arms")
    args = p.parse_args()
    archive = model.package_file(lambda m: print(m, file=sys.stderr))
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="pipeline-cluster-bench-") as name:
        tmp = Path(name)
        installed = model.install(archive, tmp / "packages")
        articles = article_paths(args.articles)
        sentences = len(Corpus.load(articles).sentences)
        from pipeline.core.config import ArgosConfig, Config, RayConfig

        local = Config(memory=None, argos=ArgosConfig(force_length=args.length))
        rows = []
        log = watch_translators()
        seconds, cpu, stats = translate(local, articles, tmp / "local")
        seconds -= log["load_seconds"]
        rows.append(("local engine (inter_threads = cores, intra 1)", seconds, cpu - log["load_seconds"], stats))

        import ray

        ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
        from pipeline.engines import cluster

        clustered = dataclasses.replace(local, cluster="local", ray=RayConfig(actors=2, threads=1))
        actors = cluster.pool(clustered)
        package = cluster._Package(installed.path).ship(ray)
        ray.get(
            [a.translate.remote(package, cluster.worker_config(clustered), [["▁a"]], args.length) for a in actors]
        )  # models loaded, not timed
        seconds, cpu, stats = translate(clustered, articles, tmp / "ray")
        rows.append(("Ray, 2 actors x 1 thread", seconds, cpu, stats))
        ray.shutdown()
        same = tree(tmp / "local") == tree(tmp / "ray")

        pseudo = []
        many = []
        for i in range(args.pseudo_articles):  # the NTREX articles again under numbered folders
            source = article_paths()[i % len(article_paths())]
            target = tmp / "many" / f"{i // len(article_paths()):04d}" / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
            many.append(target)
        for jobs in (1, 2):
            config = dataclasses.replace(local, engine="pseudo")
            if hasattr(config, "workers"):
                config = dataclasses.replace(config, workers=jobs)
            elif jobs > 1:
                break
            shutil.rmtree(tmp / "pseudo", ignore_errors=True)
            seconds, cpu, stats = translate(config, many, tmp / "pseudo", root=tmp / "many")
            pseudo.append((jobs, seconds, cpu, stats))

    print(
        f"{len(articles)} NTREX articles, {sentences:,} sentences ({rows[0][3].translated:,} distinct segments), {cores} cores, "
        f"decoding {args.length} tokens per sentence (random weights: not translations)\n"
    )
    print("| arm | wall s | sentences/s | driver CPU s | driver CPU ms/sentence |")
    print("|---|---|---|---|---|")
    for label, seconds, cpu, st in rows:
        print(f"| {label} | {seconds:.1f} | {st.translated / seconds:.1f} | {cpu:.1f} | {1000 * cpu / st.translated:.2f} |")
    for jobs, seconds, cpu, st in pseudo:
        print(
            f"| pipeline only (pseudo engine, {args.pseudo_articles} articles), workers {jobs} | {seconds:.2f} | {st.translated / seconds:.0f} | {cpu:.2f} | "
            f"{1000 * cpu / st.translated:.2f} |"
        )
    (_, local_s, _, st), (_, ray_s, ray_cpu, _) = rows
    if pseudo:
        print(f"\npipeline only, workers 1: {1000 * pseudo[0][1] / pseudo[0][3].segments:.2f} ms wall per segment")
    print(f"\nRay / local throughput: {local_s / ray_s:.2f}; outputs byte-identical: {same}")
    per_node = st.translated / ray_s
    driver = st.translated / ray_cpu
    print(
        f"driver capacity with Ray: {driver:.0f} sentences/s (1 / driver CPU per sentence); one {cores}-core node "
        f"decodes {per_node:.1f} sentences/s: the driver saturates at about {driver / per_node:.0f} such nodes"
    )
    if len(pseudo) == 2:
        print(f"pipeline-only throughput, workers 2 / workers 1: {pseudo[0][1] / pseudo[1][1]:.2f}")


if __name__ == "__main__":
    main()
