"""The argos engine on a Ray cluster (engines/cluster.py): a local Ray on loopback, two actors,
the test packages. Outputs must be the bytes a local run writes."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from pipeline.commands import run
from pipeline.core.config import ArgosConfig, Config, RayConfig
from pipeline.engines import packages
from pipeline.engines.argos import ArgosEngine
from pipeline.engines.factory import create
from tests.conftest import EXAMPLES

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_cluster():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no usage report
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def cluster_config(**argos) -> Config:
    # small batches: many of them per run, so ordering and retries are exercised
    return Config(memory=None, cluster="local", ray=RayConfig(actors=2), argos=ArgosConfig(max_batch_tokens=64, **argos))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_cluster_run_writes_the_bytes_of_a_local_run(installed, ray_cluster, tmp_path):
    articles = tmp_path / "articles"
    shutil.copytree(EXAMPLES, articles)
    cluster = cluster_config()
    local = dataclasses.replace(cluster, cluster=None)
    stats = {}
    for name, config in (("local", local), ("cluster", cluster)):
        request = run.Request(inputs=(str(articles),), out_dir=tmp_path / name, allow_download=False)
        stats[name] = run.translate(request, config)
    assert stats["cluster"].failed == 0 and stats["cluster"].translated > 300
    assert (stats["cluster"].articles, stats["cluster"].translated) == (stats["local"].articles, stats["local"].translated)
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")


def test_caps_and_order_are_the_local_engines(argos_env, package_files, ray_cluster):
    """The looping model writes to the cap: the same cap per sentence, the same flags, in input order."""
    config = cluster_config()
    pkg = packages.install_file(package_files["en_uk_loop"], config.argos)
    texts = [("Hello world. " * n).strip() for n in (1, 9, 2, 5, 1, 14, 3)] + ["Short.", "Short."]
    engine = create(config, "en", "uk", allow_download=False)
    assert type(engine).__name__ == "RayEngine" and (engine.name, engine.settings) == (
        "argos",
        ArgosEngine(pkg.path, config.argos).settings,
    )
    assert list(engine.translate(texts)) == list(ArgosEngine(pkg.path, config.argos).translate(texts))
    assert list(engine.translate([])) == []


def test_a_killed_actor_costs_a_retry_not_a_sentence(installed, ray_cluster):
    config = cluster_config()
    engine = create(config, "en", "uk", allow_download=False)
    texts = [f"Sentence number {i} of the run, {'with more words ' * (i % 7)}to decode." for i in range(600)]
    expected = list(ArgosEngine(engine.package_path, config.argos).translate(texts))
    victim = engine.actors[0]
    list(engine.translate(texts[:50]))  # the model loaded on both
    before = ray.get(victim.pid.remote())
    results = engine.translate(texts)
    got = [next(results)]  # batches are queued on both actors now
    ray.kill(victim, no_restart=False)
    got.extend(results)
    assert got == expected
    assert ray.get(victim.pid.remote()) != before  # Ray restarted it, and it loaded its model again


def test_the_package_reaches_a_worker_without_the_path(installed, ray_cluster, tmp_path):
    """A node that cannot read the driver's package folder gets it from the object store."""
    from pipeline.engines import cluster

    config = cluster_config()
    engine = create(config, "en", "uk", allow_download=False)
    package = cluster._Package(engine.package_path).ship(ray)
    package.path = str(tmp_path / "not-on-this-node")
    worker = ray.remote(num_cpus=0)(cluster._Worker).remote()
    tokens = engine.local._encode(["Hello there."])
    assert ray.get(worker.translate.remote(package, config.argos, tokens, 20)) == [("Hello there.", False)]
    folder = Path(ray.get(worker.folders.remote())[0])
    assert folder.name == f"pipeline-package-{package.digest}"
    shutil.rmtree(folder, ignore_errors=True)


def test_cluster_settings_are_checked():
    from pipeline.core.config import validate
    from pipeline.core.errors import ConfigError

    with pytest.raises(ConfigError, match="cluster"):
        validate(Config(cluster="head:10001"))
    with pytest.raises(ConfigError, match="ray.threads"):
        validate(Config(ray=RayConfig(threads=0)))


def test_the_command_line_takes_a_cluster(installed, ray_cluster, runner, tmp_path):
    from pipeline.cli import main

    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text("# Title\n\nOne sentence here. Another one there.\n")
    bad = runner.invoke(main, ["translate", "articles", "--to", "uk", "--cluster", "head:10001"])
    assert bad.exit_code == 2 and "ray://" in bad.output
    result = runner.invoke(main, ["translate", "articles", "--to", "uk", "--out", "out", "--cluster", "local"])
    assert result.exit_code == 0, result.output + result.stderr
    assert (tmp_path / "out" / "uk" / "a.md").read_text() == "# Title\n\nOne sentence here. Another one there.\n"
