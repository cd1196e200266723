"""The Ray engine against the local one on this machine, start-up included; the driver's own cost
per sentence; what shipping the package costs; and the long versions of the cluster's fault tests.

    .venv/bin/python bench/cluster.py [--articles 20] [--length 48]   # local / Ray 1 actor / Ray 2 actors
    .venv/bin/python bench/cluster.py --ray-data                      # + Ray core actors vs Ray Data (pip install pyarrow pandas)
    .venv/bin/python bench/cluster.py --ship                          # the package's digest and shipping
    .venv/bin/python bench/cluster.py --nodes [--articles 20]         # a node killed, then the cluster stopped (root)

Throughput arms, en->uk on the same NTREX articles, with the benchmark model (bench/model.py:
random-weight transformer-base forced to decode --length tokens per sentence; its outputs are
noise, never translations), translation memory off. Each arm is a fresh process running
`pipeline.commands.run.translate`, timed from before the engine exists to the last output, so
model loads, Ray's start (`cluster: local`, bound to loopback) and actor placement are all in:

- local: the argos engine at the defaults (inter_threads = cores, intra_threads 1);
- Ray, 1 actor and 2 actors (ray.threads 1): `cluster: local` on a Ray the run starts.

"driver CPU" is the arm process's own CPU (user + system): for Ray that excludes the actors and
Ray's daemons (its child processes), for the local arm it includes the decoding. Outputs of every
arm are compared byte for byte with the local one.

--ray-data: the engine alone (no reading or writing) on the run's sentences, cut into the same
batches, through Ray core actors (RayEngine.translate_unordered) and through Ray Data
(`map_batches` over an actor pool, `concurrency=(1, N)`, one of our batches per call), each in a
fresh process with Ray's start included.

--nodes: tests/ray_nodes.py in a loopback-only network namespace with this model and articles:
`ray start --head` + a second node, `ray.actors: 3`; the raylet holding actors SIGKILLed after the
first result (the run must finish with the bytes of a local run), then on a new second node the
whole cluster killed mid-run (one line, exit 8, what was decoded kept).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import model  # noqa: E402
from corpus import article_paths  # noqa: E402


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _config(arm: str, length: int):
    from pipeline.core.config import Config, RayConfig
    from pipeline.engines.argos_settings import ArgosConfig

    local = Config(memory=None, engines={"argos": ArgosConfig(force_length=length)})
    if arm == "local":
        return local
    return dataclasses.replace(local, cluster="local", ray=RayConfig(actors=int(arm.split("-")[1]), threads=1))


def arm_run(arm: str, work: Path, count: int, length: int) -> dict:
    """One throughput arm, in this (fresh) process."""
    from pipeline.commands import run
    from pipeline.core import paths

    articles = article_paths(count)
    request = run.Request(
        inputs=(str(articles[0].parent),),
        out_dir=work / arm,
        target="uk",
        allow_download=False,
        only=frozenset(paths.real(a) for a in articles),
    )
    started, cpu = time.perf_counter(), cpu_seconds()
    stats = run.translate(request, _config(arm, length))
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if stats.failed or stats.articles != len(articles):
        raise SystemExit(f"not every article was translated: {stats.line()}")
    return {"arm": arm, "seconds": seconds, "cpu": cpu, "translated": stats.translated, "segments": stats.segments}


def arm_engine(arm: str, work: Path, count: int, length: int) -> dict:
    """The engine alone on the run's distinct sentences: Ray core actors or Ray Data."""
    from corpus import Corpus

    texts = list(dict.fromkeys(Corpus.load(article_paths(count)).sentences))
    kind, actors = arm.split("-")[0], int(arm.split("-")[1])
    from pipeline.core.config import Config
    from pipeline.engines.factory import create

    config = _config(f"ray-{actors}", length)
    assert isinstance(config, Config)
    started, cpu = time.perf_counter(), cpu_seconds()
    engine = create(config, "en", "uk", allow_download=False)
    if kind == "core":
        got = dict(engine.translate_unordered(texts))  # type: ignore[attr-defined]
    else:
        got = _ray_data(engine, texts, actors)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert sorted(got) == list(range(len(texts)))
    import hashlib

    digest = hashlib.sha256(json.dumps([got[i].text for i in range(len(texts))]).encode()).hexdigest()
    return {"arm": arm, "seconds": seconds, "cpu": cpu, "translated": len(texts), "outputs": digest}


def _ray_data(engine, texts: list[str], actors: int) -> dict:
    """The same batches as the engine's, through Ray Data's map_batches over an actor pool."""
    import ray

    from pipeline.engines import argos_settings, cluster
    from pipeline.engines.argos import ArgosEngine, _batches, _buckets
    from pipeline.engines.base import Translated

    cluster.connect("local")
    import ray.data

    tokens = engine.local._encode(texts)
    items = []
    for group in _buckets(tokens):
        cap = argos_settings.of(engine.config).force_length or engine.local.cap(max(len(tokens[i]) for i in group))
        for batch in _batches(group, tokens, argos_settings.of(engine.config).max_batch_tokens):
            items.append({"indices": json.dumps(batch), "tokens": json.dumps([tokens[i] for i in batch]), "cap": cap})
    path, argos = str(engine.package_path), cluster.worker_config(engine.config)

    class Decode:
        def __init__(self):
            self.engine = ArgosEngine(Path(path), argos)

        def __call__(self, batch):
            out = self.engine.translate_tokens(json.loads(batch["tokens"][0]), int(batch["cap"][0]))
            return {"indices": [batch["indices"][0]], "out": [json.dumps(out)]}

    ds = ray.data.from_items(items).map_batches(Decode, concurrency=(1, actors), batch_size=1, num_cpus=1)
    got = {}
    for row in ds.iter_rows():
        for i, (text, capped) in zip(json.loads(row["indices"]), json.loads(row["out"])):
            got[i] = Translated(text, ("decoding-capped",) if capped else ())
    ray.shutdown()
    return got


def ship(installed: Path) -> dict:
    """The package's digest (cold, then cached) and what shipping it costs the driver."""
    import ray

    from pipeline.engines import cluster, cluster_package

    size = sum(p.stat().st_size for p in installed.rglob("*") if p.is_file())
    started = time.perf_counter()
    cold = cluster_package.Package(installed)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    cluster_package.Package(installed)
    warm_s = time.perf_counter() - started
    cluster.connect("local")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    cold.ship(ray)
    ship_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ray.shutdown()
    return {"mb": size / 1e6, "digest_cold": cold_s, "digest_warm": warm_s, "ship": ship_s, "rss_before": rss, "rss_after": after}


def child(kind: str, arm: str, work: Path, args, env: dict) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, arm, str(work), str(args.articles), str(args.length)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env})
    if done.returncode:
        raise SystemExit(f"{kind} {arm} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def nodes(work: Path, count: int) -> dict:
    articles = work / "articles"
    articles.mkdir()
    for path in article_paths(count):
        shutil.copy(path, articles / path.name)
    short = Path(tempfile.mkdtemp(prefix="pn-", dir="/tmp"))  # Ray's socket paths must fit in 107 bytes
    try:
        done = subprocess.run(
            ["unshare", "-n", sys.executable, "-m", "tests.ray_nodes", str(short), str(articles)],
            cwd=BENCH.parent,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(short, ignore_errors=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


def report(rows: list[dict], same: bool, count: int, length: int) -> None:
    cores = os.cpu_count() or 1
    print(f"{count} NTREX articles, {rows[0]['translated']:,} distinct sentences, {cores} cores, decoding {length} tokens per sentence")
    print("(random weights: not translations); each arm a fresh process, start-up included\n")
    print("| arm | wall s | sentences/s | / local | driver CPU s | driver CPU ms/sentence |\n|---|---|---|---|---|---|")
    base = rows[0]["translated"] / rows[0]["seconds"]
    for r in rows:
        rate = r["translated"] / r["seconds"]
        print(
            f"| {r['arm']} | {r['seconds']:.1f} | {rate:.1f} | {rate / base:.2f} | {r['cpu']:.1f} | {1000 * r['cpu'] / r['translated']:.2f} |"
        )
    print(f"\noutputs byte-identical to the local arm's: {same}")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        kind, arm, work, count, length = sys.argv[2], sys.argv[3], Path(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        result = arm_run(arm, work, count, length) if kind == "run" else arm_engine(arm, work, count, length)
        print(json.dumps(result))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=20)
    p.add_argument("--length", type=int, default=48)
    p.add_argument("--ray-data", action="store_true", help="also: the engine alone through Ray core actors and through Ray Data")
    p.add_argument("--ship", action="store_true", help="only: the package's digest and shipping cost")
    p.add_argument("--nodes", action="store_true", help="only: a node killed, then the cluster stopped, on two real nodes")
    args = p.parse_args()
    archive = model.package_file(lambda m: print(m, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="pipeline-cluster-bench-") as name:
        work = Path(name)
        installed = model.install(archive, work / "packages")
        env = {"ARGOS_PACKAGES_DIR": str(work / "packages"), "XDG_CACHE_HOME": str(work / "cache")}
        os.environ.update(env)
        if args.ship:
            print(json.dumps(ship(Path(installed.path)), indent=1))
            return
        if args.nodes:
            print(json.dumps(nodes(work, args.articles), indent=1))
            return
        rows = [child("run", arm, work, args, env) for arm in ("local", "ray-1", "ray-2")]
        same = all(tree(work / r["arm"]) == tree(work / "local") for r in rows)
        report(rows, same, args.articles, args.length)
        if args.ray_data:
            engine_rows = [child("engine", arm, work, args, env) for arm in ("core-2", "data-2")]
            print(
                "\nthe engine alone, 2 actors, start-up included:\n\n| path | wall s | sentences/s | driver CPU ms/sentence |\n|---|---|---|---|"
            )
            for r in engine_rows:
                print(
                    f"| {r['arm']} | {r['seconds']:.1f} | {r['translated'] / r['seconds']:.1f} | {1000 * r['cpu'] / r['translated']:.2f} |"
                )
            print(f"same outputs: {len({r['outputs'] for r in engine_rows}) == 1}")


if __name__ == "__main__":
    main()
