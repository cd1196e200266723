"""The argos engine spread over a Ray cluster: the same package, settings and results as
``ArgosEngine``, decoded by a pool of Ray actors.

The driver (the `pipeline translate` process) keeps everything else: reading, the memory, the
records, the outputs. Its engine tokenizes the run's sentences with one SentencePiece call, groups
them into exactly the length buckets (and decoding caps) the local engine uses, and cuts each
bucket into batches of at most ``argos.max_batch_tokens`` tokens: the same batches, so the same
bytes. Ray's core actors decode them; results are handed on as batches finish
(``translate_unordered``), so the run commits each to the memory at once.

The pool follows the cluster (docs/cluster.md): it asks for ``ray.actors`` actors and uses each as
soon as Ray places it, so a busy cluster starts with what is free and grows as more frees up. A
batch whose actor died (a killed process, a lost node) goes to another actor; Ray restarts the
dead one where resources allow (``max_restarts``), and one Ray gave up on is replaced by a fresh
actor. What the cluster cannot do at all (unreachable, no node that fits an actor, no GPU for
``device: cuda``, a model that does not load) is a ``ClusterError`` before the run writes; a cluster
lost mid-run is one too, after every result already decoded was handed on (and committed).

Ray is imported here only, and only when a cluster is asked for (extra ``ray``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import socket
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.core import flags
from pipeline.core.config import Config
from pipeline.core.errors import ClusterError, ConfigError, PipelineError
from pipeline.engines import argos_settings
from pipeline.engines.argos import ArgosEngine, _batches, _buckets
from pipeline.engines.base import Translated
from pipeline.engines.cluster_package import Package

PLACEMENT_SECONDS = 300  # no actor placed in this long: an autoscaler had its minutes; an error
LOST_SECONDS = 60  # no actor usable for this long in mid-run: the cluster is lost
RESTARTS = 4  # per actor, by Ray; then the actor is replaced by a fresh one...
REPLACEMENTS = 3  # ...at most this many times per actor wanted: a cluster that keeps killing them is broken
IN_FLIGHT = 2  # batches queued per actor: one decoding, one waiting; little held in the object store
CONNECT_ATTEMPTS = 3  # Ray Client set-up fails now and then on a healthy cluster; tried again after 1 s, 2 s
PROBE_SECONDS = 1.0  # an actor Ray calls unavailable is asked again after this long
SHIP = "ship"  # a worker's answer when its node holds no copy of the package
LOOPBACK = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray treats this machine as one without a network


class _Worker:
    """One actor: decodes one batch at a time, for any package it is given; each model is loaded
    once (and again after a restart, on the first batch that needs it)."""

    def __init__(self) -> None:
        self.engines: dict[tuple, ArgosEngine] = {}

    def load(self, package: Package, config) -> ArgosEngine | str:
        engine = self.engines.get((package.digest, config))
        if engine is None:
            folder = package.local_folder()
            if folder is None:
                if package.archive is None:
                    return SHIP
                folder = package.unpack()
            engine = ArgosEngine(folder, config)
            engine.translator  # noqa: B018 -- load it now: a model that cannot load fails here
            self.engines[(package.digest, config)] = engine
        return engine

    def translate(self, package: Package, config, tokens: list[list[str]], cap: int) -> list[tuple[str, bool]] | str:
        engine = self.load(package, config)
        if isinstance(engine, str):
            return engine
        return engine.translate_tokens(tokens, cap)

    def folders(self) -> list[str]:
        return [str(e.package.package_path) for e in self.engines.values()]

    def pid(self) -> int:
        return os.getpid()


def _quiet_ray() -> None:
    """Ray's own notices ("Started a local Ray instance", token and reconnection warnings) stay off
    the user's stderr: the run says what matters in its own words."""
    for name in ("ray", "ray.util.client", "ray.util.client.logsclient", "ray.util.client.worker", "ray._private"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"ray(\.|$)")
    threading.excepthook = _thread_died


def _thread_died(args) -> None:
    """A thread of Ray's own (its client's channels) that dies when the cluster goes away must not
    print a traceback: the run itself notices the loss and says it in one line (exit 8). Shown
    with PIPELINE_DEBUG=1."""
    if os.environ.get("PIPELINE_DEBUG"):
        threading.__excepthook__(args)


def connect(address: str):
    """ray.init for `cluster:`: "local" starts a Ray on this machine, bound to loopback; "auto" joins
    the Ray running here; "ray://host:port" connects as a client. A Ray already initialised is used as is.
    ClusterError (one line naming the address and what to do) when that fails."""
    if importlib.util.find_spec("ray") is None:
        raise ConfigError("cluster: Ray is not installed; pip install 'uk-en-pipeline[ray]'")
    loopback = address == "local" and "ray" not in sys.modules and LOOPBACK not in os.environ
    if loopback:
        # Ray takes the address other machines reach it at, and serves on every interface; a Ray
        # that is only this machine's must not: with this (read when Ray is imported, and by the
        # processes it starts), it advertises and serves 127.0.0.1 only.
        os.environ[LOOPBACK] = "0"
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no usage report
    import ray

    _quiet_ray()  # after the import, which sets Ray's loggers up
    if ray.is_initialized():
        return ray
    try:
        return _init(ray, address)
    finally:
        if loopback:  # Ray's processes have it; other processes this one starts (`ray start`...) must not
            os.environ.pop(LOOPBACK, None)


def _init(ray, address: str):
    """ray.init, after checking the address answers; Ray Client set-up tried CONNECT_ATTEMPTS times."""
    if address.startswith("ray://"):
        _reachable(address.removeprefix("ray://"), address)
    elif address == "auto":
        _auto()
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
            return ray
        except (ConnectionError, TimeoutError, RuntimeError, ValueError) as e:
            reason = " ".join(str(e).split())[:300]
            if address == "auto" or attempt == CONNECT_ATTEMPTS - 1:
                break
            time.sleep(2**attempt)
    if address == "auto":
        raise ClusterError(_NO_RAY)
    raise ClusterError(
        f"cluster {address}: cannot connect ({reason}); start the cluster (`ray start --head`), or use --cluster local or no --cluster"
    )


_NO_RAY = "cluster auto: no Ray is running on this machine; start the cluster (`ray start --head`), or use --cluster local or no --cluster"


def _reachable(host_port: str, address: str) -> None:
    """An address that refuses connections fails now, not after Ray's retries (half a minute for
    Ray Client, minutes for a GCS found among this machine's processes that cannot be reached)."""
    host, _, port = host_port.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except (OSError, ValueError) as e:
        where = "is the cluster's head running (`ray start --head`) with its client server on that port?"
        if address == "auto":
            where = f"Ray at {host_port} does not answer; start the cluster (`ray start --head`) or give its address"
        raise ClusterError(f"cluster {address}: cannot connect ({getattr(e, 'strerror', None) or e}); {where}") from None


def _auto() -> None:
    """The Ray that `auto` would join (RAY_ADDRESS, the last `ray start`, a GCS among this machine's
    processes), checked to answer before Ray is asked to connect to it."""
    try:
        from ray._private.services import get_ray_address_from_environment
    except ImportError:  # another Ray version: its own connection, as it is
        return
    try:  # host:port as found: resolving it would have Ray's C++ side warn on stderr without a network
        found = get_ray_address_from_environment("auto", None)
    except ConnectionError as e:
        if "Could not find any running Ray instance" in str(e):
            raise ClusterError(_NO_RAY) from None
        raise ClusterError(f"cluster auto: {_first_line(e)}; give the cluster's address (ray://HOST:PORT)") from None
    if found and found != "auto":
        _reachable(found.removeprefix("ray://"), "auto")


def worker_config(config: Config):
    """What an actor decodes with: the run's argos settings, one batch at a time on its own threads,
    on the one GPU Ray gives it (visible to it as device 0) when it has one."""
    return dataclasses.replace(argos_settings.of(config), inter_threads=1, intra_threads=config.ray.threads, device_index=(0,))


def _gpus(ray, config: Config) -> int:
    """GPUs per actor: one with device cuda (refused at once on a cluster without any), and with
    auto when the cluster has some."""
    has = ray.cluster_resources().get("GPU", 0) > 0
    if argos_settings.of(config).device == "cuda" and not has:
        raise ClusterError(
            f"cluster {config.cluster}: argos.device is cuda but the cluster has no GPU; set argos.device: cpu (or auto), or add GPU nodes"
        )
    device = argos_settings.of(config).device
    return 1 if device == "cuda" or (device == "auto" and has) else 0


def _check_fit(ray, config: Config, gpus: int) -> None:
    """One actor must fit on some live node, or no amount of waiting will place it."""
    threads = config.ray.threads
    for node in ray.nodes():
        r = node.get("Resources", {})
        if node.get("Alive") and r.get("CPU", 0) >= threads and r.get("GPU", 0) >= gpus:
            return
    need = f"{threads} CPUs" + (" and a GPU" if gpus else "")
    raise ClusterError(f"cluster {config.cluster}: no node has {need} for one actor; lower ray.threads or add a larger node")


def _lost(ray, e: BaseException) -> bool:
    """An error that costs the batch its actor (a killed process, a lost node), not a bug in it."""
    ex = ray.exceptions
    return isinstance(e, (ex.RayActorError, ex.WorkerCrashedError, ex.ObjectLostError, ex.NodeDiedError, ex.OutOfMemoryError))


class _Pool:
    """The actors of one cluster address, shared by every engine (both directions) of a process.
    Each is usable once it answered a probe; one that failed is probed again, one Ray gave up on is
    replaced by a fresh one, up to REPLACEMENTS per actor wanted."""

    def __init__(self, ray, config: Config):
        c = config.ray
        self.ray, self.address = ray, config.cluster
        self.shape = (c, argos_settings.of(config).device)
        gpus = _gpus(ray, config)
        _check_fit(ray, config, gpus)
        count = c.actors
        if count == 0:  # as many as the cluster holds
            resources = ray.cluster_resources()
            count = int(resources.get("GPU", 0)) if gpus else int(resources.get("CPU", 1)) // c.threads
        self.wanted = max(count, 1)
        self.remote = ray.remote(
            num_cpus=c.threads, num_gpus=gpus, max_restarts=RESTARTS, max_task_retries=0, scheduling_strategy="SPREAD"
        )(_Worker)
        self.actors: list = []
        self.usable: set[int] = set()  # indices into actors
        self.probes: dict = {}  # ObjectRef -> actor index
        self.later: list[tuple[float, int]] = []  # (when, actor index): probe again then
        self.replacements = REPLACEMENTS * self.wanted
        self.last_usable = time.monotonic()
        for _ in range(self.wanted):
            self._add()

    def _add(self) -> None:
        self.actors.append(self.remote.remote())
        self._probe(len(self.actors) - 1)

    def _probe(self, a: int) -> None:
        self.probes[self.actors[a].pid.remote()] = a

    def down(self, a: int) -> None:
        """An actor's batch failed: out of use until it answers again."""
        if a in self.usable:
            self.usable.discard(a)
            self._probe(a)

    def refs(self) -> list:
        now = time.monotonic()
        for when, a in [x for x in self.later if x[0] <= now]:
            self.later.remove((when, a))
            self._probe(a)
        if self.usable:
            self.last_usable = now
        return list(self.probes)

    def answered(self, ref) -> None:
        a = self.probes.pop(ref, None)
        if a is None:  # handled already, by another translate call on this pool
            return
        try:
            self.ray.get(ref)
        except self.ray.exceptions.ActorDiedError:  # Ray will not restart it: a fresh one, while allowed
            self.actors[a] = None
            if self.replacements > 0:
                self.replacements -= 1
                self._add()
            return
        except Exception as e:
            if not _lost(self.ray, e):
                raise
            self.later.append((time.monotonic() + PROBE_SECONDS, a))
            return
        self.usable.add(a)

    def check(self, started: float, done: int) -> None:
        """ClusterError when nothing can run: no actor placed at the start, or none usable for LOST_SECONDS."""
        if self.usable:
            return
        now = time.monotonic()
        if not done and now - started > PLACEMENT_SECONDS:
            raise ClusterError(
                f"cluster {self.address}: no actor could be placed in {PLACEMENT_SECONDS} s (the cluster has "
                f"{_resources(self.ray)} free); free some, or lower ray.threads"
            )
        if done and now - self.last_usable > LOST_SECONDS:
            raise ClusterError(f"cluster {self.address}: no actor has been usable for {LOST_SECONDS} s; " + _KEPT)
        if not any(a is not None for a in self.actors):
            raise ClusterError(f"cluster {self.address}: every actor died and Ray gave up on them; " + _KEPT)

    def close(self) -> None:
        for actor in self.actors:
            if actor is not None:
                self.ray.kill(actor)


_KEPT = "the sentences already decoded are kept (in the memory); run again, on the cluster or without --cluster, to finish"


def _resources(ray) -> str:
    try:
        free = ray.available_resources()
    except Exception:  # the cluster is going away: the message says so anyway
        return "?"
    return ", ".join(f"{k} {v:g}" for k, v in sorted(free.items()) if k in ("CPU", "GPU"))


_POOLS: dict[str, _Pool] = {}  # Ray address -> its pool: one per process, shared by both directions


def pool(config: Config) -> _Pool:
    """The actors: started once, on first use (a run with nothing new starts none)."""
    assert config.cluster is not None  # a pool exists only for a run with `cluster:`
    ray = connect(config.cluster)
    existing = _POOLS.get(config.cluster)
    if existing is not None and existing.ray.is_initialized():
        if existing.shape == (config.ray, argos_settings.of(config).device):
            return existing
        existing.close()  # another shape: these would hold the CPUs the new ones need
    _POOLS[config.cluster] = _Pool(ray, config)
    return _POOLS[config.cluster]


class RayEngine:
    """The Engine protocol over Ray actors; name, model and settings are the local engine's, so its
    outputs are the same bytes and its translations the same memory entries."""

    def __init__(self, package_path: Path, config: Config):
        if importlib.util.find_spec("ray") is None:  # before anything is written, not at the first batch
            raise ConfigError("cluster: Ray is not installed; pip install 'uk-en-pipeline[ray]'")
        self.local = ArgosEngine(package_path, argos_settings.of(config))  # tokenizer, identity; its model never loads here
        self.name, self.model, self.model_version = self.local.name, self.local.model, self.local.model_version
        self.source_lang, self.target_lang = self.local.source_lang, self.local.target_lang
        self.settings = self.local.settings
        self.config = config
        self.package_path = Path(package_path)
        self._package: Package | None = None
        self.decoded = 0  # sentences received from actors...
        self.retried = 0  # ...and batches sent again because their actor was lost

    @property
    def package(self) -> Package:
        if self._package is None:
            self._package = Package(self.package_path)
        return self._package

    def prepare(self) -> None:
        """Connect, check the cluster can run this model, and load it on one actor: before the run
        writes anything, so every ClusterError of set-up leaves nothing behind."""
        for _ in self.translate_unordered(["."]):
            pass

    def translate(self, texts: Sequence[str]) -> Iterator[Translated]:
        """One result per text, in order, as the batches holding them come back."""
        held: dict[int, Translated] = {}
        emitted = 0
        for i, out in self.translate_unordered(texts):
            held[i] = out
            while emitted in held:
                yield held.pop(emitted)
                emitted += 1

    def translate_unordered(self, texts: Sequence[str]) -> Iterator[tuple[int, Translated]]:
        """(index, result) for every text, as the batches holding them finish."""
        if not texts:
            return
        tokens = self.local._encode(list(texts))
        argos = argos_settings.of(self.config)
        todo: deque[tuple[list[int], int]] = deque()  # (input indices, cap)
        for group in _buckets(tokens):
            cap = argos.force_length or self.local.cap(max(len(tokens[i]) for i in group))
            todo.extend((batch, cap) for batch in _batches(group, tokens, argos.max_batch_tokens))
        try:
            yield from self._stream(todo, tokens)
        except PipelineError:
            raise
        except Exception as e:  # the cluster itself went away (Ray Client's connection, the GCS)
            if e.__class__.__module__.split(".")[0] not in ("ray", "grpc") and not isinstance(e, ConnectionError):
                raise
            raise ClusterError(f"cluster {self.config.cluster}: lost ({type(e).__name__}: {_first_line(e)}); " + _KEPT) from None

    def _stream(self, todo: deque, tokens: list[list[str]]) -> Iterator[tuple[int, Translated]]:
        p = pool(self.config)
        ray, package, config = p.ray, self.package, worker_config(self.config)
        flying: dict = {}  # ObjectRef -> (batch, actor index)
        load = [0] * len(p.actors)
        started, done = time.monotonic(), 0
        p.last_usable = started  # a pause between two calls is not an outage
        while todo or flying:
            load += [0] * (len(p.actors) - len(load))
            for a in sorted(p.usable, key=lambda a: load[a]):  # the least busy first
                while todo and load[a] < IN_FLIGHT:
                    batch = todo.popleft()
                    ref = p.actors[a].translate.remote(package, config, [tokens[i] for i in batch[0]], batch[1])
                    flying[ref] = (batch, a)
                    load[a] += 1
            refs = list(flying) + p.refs()
            ready = ray.wait(refs, num_returns=1, timeout=PROBE_SECONDS)[0] if refs else []
            if not refs:  # every actor waits to be probed again
                time.sleep(0.1)
            for ref in ready:
                if ref not in flying:
                    p.answered(ref)
                    continue
                batch, a = flying.pop(ref)
                load[a] -= 1
                out = self._result(p, ref, a)
                if out is None or out == SHIP:
                    if out == SHIP:
                        package.ship(ray)  # a node without the package: the driver's copy, once
                    else:
                        self.retried += 1
                    todo.appendleft(batch)
                    continue
                for i, (text, capped) in zip(batch[0], out):
                    yield i, Translated(text, (flags.DECODING_CAPPED,) if capped else ())
                self.decoded += len(out)
                done += len(out)
            if not p.usable:
                p.check(started, done)

    def _result(self, p: _Pool, ref, a: int):
        """A batch's decoded sentences; None when its actor was lost (the batch goes to another)."""
        ray = p.ray
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as e:
            cause = e.cause if isinstance(getattr(e, "cause", None), BaseException) else None
            if isinstance(cause, PipelineError):  # a model that cannot load there: one line, not a remote traceback
                raise ClusterError(f"cluster {self.config.cluster}: on an actor: {cause}") from None
            raise RuntimeError(f"decoding failed on an actor: {type(cause or e).__name__}: {_first_line(cause or e)}") from None
        except Exception as e:
            if not _lost(ray, e):
                raise
            p.down(a)
            return None


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return " ".join(lines[0].split())[:300] if lines else ""
