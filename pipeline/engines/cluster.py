"""The argos engine spread over a Ray cluster: the same package, settings and results as
``ArgosEngine``, decoded by a pool of Ray actors.

The driver (the `pipeline translate` process) keeps everything else: reading, the memory, the
records, the outputs. Its engine tokenizes the run's sentences with one SentencePiece call, groups
them into exactly the length buckets (and decoding caps) the local engine uses, cuts each bucket into
batches of at most ``argos.max_batch_tokens`` tokens, and hands the batches to the actors. Each actor
loads the CTranslate2 model once and returns the decoded sentences of one batch. Results are
yielded in input order as soon as every batch before them is back, so the run commits them to the
memory and writes outputs exactly as in a local run.

Where the package comes from: the installed package folder, by path, when a worker's node can read
it (one machine, or shared storage mounted at the same path); otherwise the driver's copy, zipped
once into Ray's object store and unpacked on that node.

Faults: actors are restarted by Ray (``max_restarts``) and the batch they held is run again
(``max_task_retries``): a killed worker costs a retry, never a sentence. The driver is the run:
killed, it is resumed like any killed run.

Ray is imported here only, and only when a cluster is asked for (extra ``ray``).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core import flags
from pipeline.core.config import Config
from pipeline.engines.argos import ArgosEngine, _batches, _buckets
from pipeline.engines.base import Translated

if TYPE_CHECKING:
    from ray import ObjectRef

PLACEMENT_SECONDS = 300  # an autoscaling cluster may need minutes to add nodes; then it is an error
RESTARTS = 4  # per actor; a node that keeps dying is a cluster problem, reported as an error
IN_FLIGHT = 4  # batches queued per actor: enough to keep it busy, little memory held in the store


def connect(address: str):
    """ray.init for `cluster:`: "local" starts Ray on this machine; "auto" joins the Ray this job
    runs in; "ray://host:port" connects as a client. A Ray already initialised is used as is."""
    try:
        import ray
    except ImportError:
        from pipeline.core.errors import ConfigError

        raise ConfigError("cluster: Ray is not installed; pip install 'uk-en-pipeline[ray]'") from None
    if not ray.is_initialized():
        # address None (Ray's default) starts a local Ray
        ray.init(address=None if address == "local" else address, include_dashboard=False, log_to_driver=False)
    return ray


def _package_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(str(path.stat().st_size).encode())
    h.update((folder / "metadata.json").read_bytes())
    return h.hexdigest()[:16]


def _zip_folder(folder: Path) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as z:  # the model is already compressed
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return data.getvalue()


class _Package:
    """How an actor finds a package: its folder by path, else the driver's copy in the object store."""

    def __init__(self, path: Path):
        self.path = str(path.resolve())
        self.digest = _package_digest(path)
        self.archive: list[ObjectRef[bytes]] | None = None  # [ObjectRef]: in a list, so it is fetched only where needed

    def ship(self, ray) -> _Package:
        if self.archive is None:
            self.archive = [ray.put(_zip_folder(Path(self.path)))]
        return self


class _Worker:
    """One actor: decodes one batch at a time, for any package it is given; each model is loaded
    once (and again after a restart, on the first batch that needs it)."""

    def __init__(self) -> None:
        self.engines: dict[tuple, ArgosEngine] = {}

    def translate(self, package: _Package, config, tokens: list[list[str]], cap: int) -> list[tuple[str, bool]]:
        engine = self.engines.get((package.digest, config))
        if engine is None:
            folder = Path(package.path)
            if not (folder / "metadata.json").is_file() or _package_digest(folder) != package.digest:
                folder = self._unpack(package)
            engine = self.engines[(package.digest, config)] = ArgosEngine(folder, config)
        return engine.translate_tokens(tokens, cap)

    @staticmethod
    def _unpack(package: _Package) -> Path:
        """The driver's copy from the object store, unpacked once per node (a rename publishes it)."""
        import ray

        target = Path(tempfile.gettempdir()) / f"pipeline-package-{package.digest}"
        if not (target / "metadata.json").is_file():
            assert package.archive is not None  # RayEngine ships every package it hands out
            data = ray.get(package.archive[0])
            work = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                z.extractall(work)
            try:
                os.rename(work, target)
            except OSError:  # another actor on this node was first
                pass
        return target

    def folders(self) -> list[str]:
        return [str(e.package.package_path) for e in self.engines.values()]

    def pid(self) -> int:
        return os.getpid()


_POOLS: dict = {}  # Ray address -> (shape, actors): one pool per process, shared by both directions


def worker_config(config: Config):
    """What an actor decodes with: the run's argos settings, one batch at a time on its own threads."""
    import dataclasses

    return dataclasses.replace(config.argos, inter_threads=1, intra_threads=config.ray.threads)


def pool(config: Config) -> list:
    """The actors: started once, on first use (a run with nothing new starts none)."""
    assert config.cluster is not None  # a pool exists only for a run with `cluster:`
    c, argos = config.ray, config.argos
    shape = (c, argos.device)
    import ray

    if not ray.is_initialized():  # a Ray shut down since: its actors are gone
        _POOLS.clear()
    if config.cluster in _POOLS:
        old, actors = _POOLS[config.cluster]
        if old == shape:
            return actors
        for actor in actors:  # another shape: these would hold the CPUs the new ones need
            ray.kill(actor)
        del _POOLS[config.cluster]
    connect(config.cluster)
    gpus = 1 if argos.device == "cuda" else 0
    count = c.actors
    if count == 0:  # as many as the cluster holds
        resources = ray.cluster_resources()
        count = int(resources.get("GPU", 0)) if gpus else int(resources.get("CPU", 1)) // c.threads
    remote = ray.remote(num_cpus=c.threads, num_gpus=gpus, max_restarts=RESTARTS, max_task_retries=RESTARTS)(_Worker)
    actors = [remote.remote() for _ in range(max(count, 1))]
    try:
        ray.get([a.pid.remote() for a in actors], timeout=PLACEMENT_SECONDS)  # every actor placed, or an error now
    except ray.exceptions.GetTimeoutError:
        for actor in actors:
            ray.kill(actor)
        from pipeline.core.errors import ConfigError

        raise ConfigError(
            f"cluster: {len(actors)} actors of {c.threads} CPUs{' and a GPU' if gpus else ''} each could not be placed "
            f"in {PLACEMENT_SECONDS} s (the cluster has {ray.cluster_resources()}); lower ray.actors"
        ) from None
    _POOLS[config.cluster] = (shape, actors)
    return actors


class RayEngine:
    """The Engine protocol over Ray actors; name, model and settings are the local engine's, so its
    outputs are the same bytes and its translations the same memory entries."""

    def __init__(self, package_path: Path, config: Config):
        import importlib.util

        if importlib.util.find_spec("ray") is None:  # before anything is written, not at the first batch
            from pipeline.core.errors import ConfigError

            raise ConfigError("cluster: Ray is not installed; pip install 'uk-en-pipeline[ray]'")
        self.local = ArgosEngine(package_path, config.argos)  # tokenizer, identity; its model never loads here
        self.name, self.model, self.model_version = self.local.name, self.local.model, self.local.model_version
        self.source_lang, self.target_lang = self.local.source_lang, self.local.target_lang
        self.settings = self.local.settings
        self.config = config
        self.package_path = Path(package_path)
        self._package: _Package | None = None

    @property
    def actors(self) -> list:
        return pool(self.config)

    @property
    def package_ref(self) -> _Package:
        if self._package is None:
            assert self.config.cluster is not None  # create() makes a RayEngine only for `cluster:`
            self._package = _Package(self.package_path).ship(connect(self.config.cluster))
        return self._package

    def translate(self, texts: Sequence[str]) -> Iterator[Translated]:
        """One result per text, in order, as the batches holding them come back."""
        if not texts:
            return
        import ray

        tokens = self.local._encode(list(texts))
        argos = self.config.argos
        actors = self.actors
        batches: list[tuple[list[int], int]] = []  # (input indices, cap)
        for group in _buckets(tokens):
            cap = argos.force_length or self.local.cap(max(len(tokens[i]) for i in group))
            for batch in _batches(group, tokens, argos.max_batch_tokens):
                batches.append((batch, cap))
        batches.sort(key=lambda b: min(b[0]))  # the first sentences first: results stream in order
        package = self.package_ref
        config = worker_config(self.config)
        waiting: dict = {}  # ObjectRef -> (batch number, actor number)
        load = [0] * len(actors)  # batches queued per actor
        results: list = [None] * len(texts)
        following = 0  # next batch to submit
        emitted = 0
        while emitted < len(texts):
            while following < len(batches) and min(load) < IN_FLIGHT:
                # the least busy actor: one that is restarting does not hold up the others
                a = load.index(min(load))
                indices, cap = batches[following]
                waiting[actors[a].translate.remote(package, config, [tokens[i] for i in indices], cap)] = (following, a)
                load[a] += 1
                following += 1
            ready, _ = ray.wait(list(waiting), num_returns=1)
            for ref in ready:
                number, a = waiting.pop(ref)
                load[a] -= 1
                for i, out in zip(batches[number][0], ray.get(ref)):
                    results[i] = out
            while emitted < len(texts) and results[emitted] is not None:
                text, capped = results[emitted]
                results[emitted] = None  # let it go once handed on
                yield Translated(text, (flags.DECODING_CAPPED,) if capped else ())
                emitted += 1
