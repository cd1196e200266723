"""The argos engine on a Ray cluster (engines/cluster.py): a local Ray on loopback started by the
pipeline itself, two actors, the test packages; and a real two-node cluster in a loopback-only
network namespace (tests/ray_nodes.py). Outputs must be the bytes a local run writes."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.commands import run
from pipeline.core.config import Config, RayConfig
from pipeline.core.errors import ClusterError, ExitStatus
from pipeline.engines import argos_settings, cluster, packages
from pipeline.engines.argos import ArgosEngine
from pipeline.engines.argos_settings import ArgosConfig
from pipeline.engines.factory import create
from tests.conftest import EXAMPLES, ROOT

# not imported here: the pipeline's connect("local") must be first to import Ray (it binds Ray to loopback)
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the `ray` extra is not installed")
PIPELINE = str(Path(sys.executable).with_name("pipeline"))


@pytest.fixture(scope="module")
def ray():
    ray = cluster.connect("local")  # this machine's 2 CPUs, as `--cluster local` starts it
    try:
        yield ray
    finally:
        cluster._POOLS.clear()
        ray.shutdown()


def cluster_config(**argos) -> Config:
    # small batches: many of them per run, so ordering and retries are exercised
    return Config(memory=None, cluster="local", ray=RayConfig(actors=2), engines={"argos": ArgosConfig(max_batch_tokens=64, **argos)})


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_cluster_run_writes_the_bytes_of_a_local_run(installed, ray, tmp_path):
    articles = tmp_path / "articles"
    shutil.copytree(EXAMPLES, articles)
    config = cluster_config()
    local = dataclasses.replace(config, cluster=None)
    stats = {}
    for name, c in (("local", local), ("cluster", config)):
        request = run.Request(inputs=(str(articles),), out_dir=tmp_path / name, allow_download=False)
        stats[name] = run.translate(request, c)
    assert stats["cluster"].failed == 0 and stats["cluster"].translated > 300
    assert (stats["cluster"].articles, stats["cluster"].translated) == (stats["local"].articles, stats["local"].translated)
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")


def test_ray_listens_on_loopback_only(ray):
    """Every socket the pipeline's local Ray listens on (its processes are this one's children) is on 127.0.0.1."""
    from tests.ray_nodes import children

    ours = {os.getpid(), *children(os.getpid())}
    found = []
    for line in subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        pids = {int(p.split("=")[1]) for p in fields[-1].split(",") if p.startswith("pid=")} if "users:" in line else set()
        if pids & ours:
            found.append(fields[3])
    assert len(found) >= 3  # the GCS, the raylet, a worker at least
    assert all(address.rsplit(":", 1)[0] in ("127.0.0.1", "[::ffff:127.0.0.1]", "[::1]") for address in found), found


def test_caps_order_and_unordered_results_are_the_local_engines(argos_env, package_files, ray):
    """The looping model writes to the cap: the same cap per sentence, the same flags; unordered,
    every index exactly once."""
    config = cluster_config()
    pkg = packages.install_file(package_files["en_uk_loop"], argos_settings.of(config))
    texts = [("Hello world. " * n).strip() for n in (1, 9, 2, 5, 1, 14, 3)] + ["Short.", "Short."]
    engine = create(config, "en", "uk", allow_download=False)
    local = ArgosEngine(pkg.path, argos_settings.of(config))
    assert type(engine).__name__ == "RayEngine" and (engine.name, engine.settings) == ("argos", local.settings)
    expected = list(local.translate(texts))
    assert list(engine.translate(texts)) == expected
    unordered = list(engine.translate_unordered(texts))
    assert sorted(i for i, _ in unordered) == list(range(len(texts)))
    assert [out for _, out in sorted(unordered, key=lambda x: x[0])] == expected
    assert engine.package.archive is None  # every actor read the package by path: nothing was shipped
    assert list(engine.translate([])) == []


def test_a_killed_actor_costs_its_batches_a_retry_on_another(installed, ray):
    config = cluster_config()
    engine = create(config, "en", "uk", allow_download=False)
    texts = [f"Sentence number {i} of the run, {'with more words ' * (i % 7)}to decode." for i in range(600)]
    expected = list(ArgosEngine(engine.package_path, argos_settings.of(config)).translate(texts))
    engine.prepare()
    pool = cluster.pool(config)
    victim = pool.actors[0]
    before = ray.get(victim.pid.remote())
    results = engine.translate(texts)
    got = [next(results)]  # batches are queued on both actors now
    ray.kill(victim, no_restart=False)
    got.extend(results)
    assert got == expected
    assert engine.retried >= 1 and engine.decoded == len(texts) + 1  # + the one sentence prepare() decodes
    assert ray.get(victim.pid.remote()) != before  # Ray restarted it, and it loaded its model again


def test_a_busy_cluster_starts_with_what_is_free_and_grows(installed, ray):
    """Another job holds one of the two CPUs: the run starts on one actor, and uses the second
    once the CPU is free."""
    cluster._POOLS.clear()  # a pool of its own, started while the CPU is taken
    blocker = ray.remote(num_cpus=1)(cluster._Worker).remote()
    ray.get(blocker.pid.remote())
    config = dataclasses.replace(cluster_config(), ray=RayConfig(actors=2, threads=1))
    engine = create(config, "en", "uk", allow_download=False)
    started = time.monotonic()
    engine.prepare()
    assert time.monotonic() - started < 30
    pool = cluster.pool(config)
    assert len(pool.usable) == 1
    texts = [f"Sentence {i}, decoded while the other job runs." for i in range(300)]
    results = engine.translate_unordered(texts)
    got = [next(results)]
    ray.kill(blocker)
    got.extend(results)
    assert len(got) == len(texts)
    deadline = time.monotonic() + 30
    while len(pool.usable) < 2 and time.monotonic() < deadline:  # placed once the CPU was free
        list(engine.translate_unordered(texts[:20]))
    assert len(pool.usable) == 2
    cluster._POOLS.pop("local").close()


def test_a_device_the_cluster_lacks_is_refused_at_once_and_nothing_is_written(installed, ray, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text("# Title\n\nOne sentence here.\n")
    config = dataclasses.replace(cluster_config(device="cuda"), memory=str(tmp_path / "memory.sqlite"))
    started = time.monotonic()
    with pytest.raises(ClusterError, match="argos.device is cuda but the cluster has no GPU"):
        run.translate(run.Request(inputs=(str(tmp_path / "articles"),), out_dir=tmp_path / "out", allow_download=False), config)
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists() and not (tmp_path / "memory.sqlite").exists()


def test_the_package_reaches_a_worker_without_the_path(installed, ray, tmp_path):
    """A node that cannot read the driver's package folder asks for it; only then is it shipped."""
    from pipeline.engines import cluster_package
    from pipeline.engines.cluster_package import Package

    config = cluster_config()
    engine = create(config, "en", "uk", allow_download=False)
    package = Package(engine.package_path)
    package.path = str(tmp_path / "not-on-this-node")
    worker = ray.remote(num_cpus=0)(cluster._Worker).remote()
    tokens = engine.local._encode(["Hello there."])
    assert ray.get(worker.translate.remote(package, argos_settings.of(config), tokens, 20)) == cluster.SHIP
    package.archive = [ray.put(cluster_package.zip_folder(engine.package_path))]  # what ship() puts, from the real folder
    assert ray.get(worker.translate.remote(package, argos_settings.of(config), tokens, 20)) == [("Hello there.", False)]
    folder = Path(ray.get(worker.folders.remote())[0])
    assert folder.name == f"pipeline-package-{package.digest}"
    shutil.rmtree(folder, ignore_errors=True)
    ray.kill(worker)


def test_packages_with_equal_metadata_but_other_weights_have_other_digests(installed, tmp_path):
    from pipeline.engines import cluster_package

    folder = next(p for p in installed.iterdir() if p.name.startswith("translate-en_uk"))
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    first = cluster_package.digest(copy)
    model = copy / "model" / "model.bin"
    data = bytearray(model.read_bytes())
    data[-1] ^= 0xFF  # other weights, same size and metadata
    model.write_bytes(bytes(data))
    os.utime(model, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert cluster_package.digest(copy) != first
    cache = json.loads((Path(os.environ["XDG_CACHE_HOME"]) / "uk-en-pipeline" / "package-digests.json").read_text())
    assert first in cache.values() and len(cache) == 2  # cached: a run does not hash the files again


def test_cluster_settings_are_checked():
    from pipeline.core.config import validate
    from pipeline.core.errors import ConfigError

    with pytest.raises(ConfigError, match="cluster"):
        validate(Config(cluster="head:10001"))
    with pytest.raises(ConfigError, match="ray.threads"):
        validate(Config(ray=RayConfig(threads=0)))


def test_an_unreachable_cluster_fails_fast_and_writes_nothing(installed, runner, tmp_path):
    from pipeline.cli import main

    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text("# Title\n\nOne sentence here. Another one there.\n")
    bad = runner.invoke(main, ["translate", "articles", "--to", "uk", "--cluster", "head:10001"])
    assert bad.exit_code == 2 and "ray://" in bad.output
    started = time.monotonic()  # a process of its own: this one has a Ray initialised already
    result = _pipeline(["translate", "articles", "--to", "uk", "--out", "out", "--cluster", "ray://127.0.0.1:1"], tmp_path)
    assert result.returncode == ExitStatus.CLUSTER and time.monotonic() - started < 20
    assert result.stderr.splitlines() == [
        "pipeline: error: cluster ray://127.0.0.1:1: cannot connect (Connection refused); is the cluster's head running "
        "(`ray start --head`) with its client server on that port?"
    ]
    assert not (tmp_path / "out").exists() and not (tmp_path / ".pipeline").exists()


def _pipeline(args: list[str], cwd: Path, prefix: list[str] | None = None, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*(prefix or []), PIPELINE, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )


ROOT_AND_UNSHARE = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare"), reason="a network namespace of its own (unshare -n) needs root and unshare"
)


def _article(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text("# Title\n\nOne sentence here. Another one there.\n")


@ROOT_AND_UNSHARE
def test_auto_without_ray_is_one_line_and_writes_nothing(installed, tmp_path):
    """A real process: what reaches the user's stderr (fd 2) is the pipeline's line only. Ray looks for
    a running cluster under its temporary folder (none here) and among this machine's processes
    (this module's own Ray, other people's): in a network namespace of its own none can be reached."""
    _article(tmp_path)
    no_ray = tmp_path / "no-ray"
    no_ray.mkdir()
    argv = ["translate", "articles", "--to", "uk", "--out", "out", "--cluster", "auto"]
    started = time.monotonic()
    auto = _pipeline(argv, tmp_path, ["unshare", "-n"], RAY_TMPDIR=str(no_ray))
    assert auto.returncode == ExitStatus.CLUSTER, auto.stderr
    assert time.monotonic() - started < 60  # a Ray found among the processes but out of reach is not waited for
    lines = auto.stderr.splitlines()
    # none found; or this module's Ray found among the processes, out of this namespace's reach
    assert len(lines) == 1 and re.fullmatch(
        r"pipeline: error: cluster auto: (no Ray is running on this machine; .*|cannot connect \(.*\); Ray at \S+ does not answer; .*)",
        lines[0],
    ), lines
    assert not (tmp_path / "out").exists()


def test_a_damaged_model_is_one_line_and_writes_nothing(installed, tmp_path):
    """A real process with `--cluster local`: one line on fd 2 (no remote traceback, nothing of Ray's).
    The driver's own package check finds the damage before any actor loads the model."""
    _article(tmp_path)
    folder = next(p for p in installed.iterdir() if p.name.startswith("translate-en_uk"))
    (folder / "model" / "model.bin").write_bytes(b"not a model")
    broken = _pipeline(["translate", "articles", "--to", "uk", "--out", "out", "--cluster", "local"], tmp_path)
    assert broken.returncode == ExitStatus.NO_MODEL, broken.stderr
    lines = broken.stderr.splitlines()
    assert len(lines) == 1 and "damaged package: model/model.bin" in lines[0], lines
    assert not (tmp_path / "out").exists()


@ROOT_AND_UNSHARE
def test_a_real_two_node_cluster_loses_a_node_and_then_stops(installed, tmp_path):
    """`ray start --head` and a second node in a network namespace with only `lo`; ray.actors 3.
    The second node is SIGKILLed (its processes) while one of its actors decodes: the run finishes with the bytes of
    a local run and no result received twice. Then, on a new second node, the whole cluster is
    killed mid-run: one line, exit 8, what was decoded is in the memory and the next run (without
    the cluster) translates only the rest."""
    articles = tmp_path / "articles"
    shutil.copytree(EXAMPLES, articles)
    work = Path(f"/tmp/pipeline-nodes-{os.getpid()}")  # short: Ray's socket paths must fit in 107 bytes
    work.mkdir()
    try:
        done = subprocess.run(
            ["unshare", "-n", sys.executable, "-m", "tests.ray_nodes", str(work), str(articles)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        seen = json.loads(done.stdout.splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    killed, stopped, total = seen["kill-node"], seen["stop-cluster"], seen["local"]
    translated = int(total["stdout"].split("(")[1].split()[0])
    assert killed["exit"] == 0 and killed["errors"] == [] and killed["identical"], killed
    assert killed.get("actors_on_victim", 0) >= 1 and killed["retried"] >= 1, killed  # killed while decoding: a batch lost in flight
    assert killed["decoded"] == translated + 1 == killed["memory_rows"] + 1  # + prepare()'s one sentence: nothing twice
    assert stopped["exit"] == ExitStatus.CLUSTER and len(stopped["errors"]) == 1, stopped
    assert stopped["errors"][0].startswith("pipeline: error: cluster ray://127.0.0.1:10001: lost")
    assert 0 < stopped["memory_rows"] == stopped["decoded"] - 1 < translated  # every decoded sentence kept
    assert seen["resumed"]["exit"] == 0 and f"({translated - stopped['memory_rows']} translated" in seen["resumed"]["stdout"]
    assert stopped["identical"]


def test_a_thread_that_dies_with_the_cluster_prints_no_traceback(capfd, monkeypatch):
    """Ray Client's threads die when the cluster goes away; the run says so in one line itself
    (the two-node test above). PIPELINE_DEBUG=1 shows them."""
    import threading

    from pipeline.engines import cluster

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)  # restored after the test
    cluster._quiet_ray()

    def die():
        raise ConnectionError("the channel closed")

    for debug in ("", "1"):
        monkeypatch.setenv("PIPELINE_DEBUG", debug)
        thread = threading.Thread(target=die)
        thread.start()
        thread.join()
        err = capfd.readouterr().err
        assert ("Traceback" in err and "the channel closed" in err) == bool(debug), err
