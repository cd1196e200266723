"""A real two-node Ray cluster on loopback for the cluster tests and bench/cluster.py: `ray start
--head` and a second `ray start --address=...`, each a process of its own, run inside a network
namespace that has only `lo` (`unshare -n`, as root), so nothing can listen beyond this machine.

    unshare -n python -m tests.ray_nodes WORK ARTICLES

runs the scenario (`scenario`): a node killed mid-run, then the whole cluster stopped mid-run, and
prints one JSON line of what it saw. Every process is stopped by its PID (the ones
`ray start` started, found by parent), never by name: other Ray clusters may run on this machine.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
HEAD = "127.0.0.1:6379"
CLIENT = "ray://127.0.0.1:10001"
STARTING = 180  # seconds for a node to start: minutes on a machine shared by many


def children(pid: int) -> list[int]:
    """Every descendant of pid, from /proc (ps by parent)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class Node:
    """One `ray start --block`: its process and what it started."""

    def __init__(self, temp: Path, cpus: int, head: bool):
        args = [RAY, "start", "--block", "--node-ip-address=127.0.0.1", f"--num-cpus={cpus}", "--disable-usage-stats"]
        if head:
            args += ["--head", "--port=6379", "--ray-client-server-port=10001", "--include-dashboard=false", f"--temp-dir={temp}"]
        else:
            args += [f"--address={HEAD}"]
        self.log = open(temp.parent / f"ray-start-{'head' if head else 'worker'}-{time.time_ns()}.log", "wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def raylet(self) -> int | None:
        return next((p for p in children(self.process.pid) if name(p) == "raylet"), None)

    def kill(self) -> None:
        for pid in [self.process.pid, *children(self.process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self.log.close()


class Cluster:
    """A head (with Ray Client's server) and a worker node, both on 127.0.0.1."""

    def __init__(self, work: Path, head_cpus: int = 2, worker_cpus: int = 2):
        temp = self.temp = work / "ray"  # short: Ray's socket paths must fit in 107 bytes
        temp.mkdir(parents=True, exist_ok=True)
        self.head = Node(temp, head_cpus, head=True)
        self.nodes = [self.head]
        try:
            _wait_for(lambda: _listening(10001), STARTING, "the head's client server", self.head)
            self.add(worker_cpus)
        except BaseException:
            self.stop()
            raise

    def add(self, cpus: int) -> None:
        """A second node (again, after one was killed)."""
        node = Node(self.temp, cpus, head=False)
        self.nodes.append(node)
        _wait_for(lambda: node.raylet() is not None, STARTING, "the second node's raylet", node)

    def all_pids(self) -> set[int]:
        return {p for n in self.nodes for p in (n.process.pid, *children(n.process.pid))}

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.kill()


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _wait_for(test, seconds: float, what: str, node: Node) -> None:
    deadline = time.monotonic() + seconds
    while not test():
        if time.monotonic() > deadline or node.process.poll() is not None:
            node.log.flush()
            log = Path(node.log.name).read_text(errors="replace")[-2000:]
            raise SystemExit(f"{what} did not start in {seconds} s (`ray start` exit {node.process.poll()}):\n{log}")
        time.sleep(0.2)


def loopback_only() -> None:
    """Inside `unshare -n`: bring lo up, and make sure there is nothing else."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout.splitlines()
    if len(links) != 1:
        raise SystemExit(f"not a loopback-only namespace: {links}")


def on_first_result(action) -> None:
    """Run action once, right after the cluster engine hands on its first result: mid-run, with
    batches queued on every actor."""
    from pipeline.engines import cluster

    original = cluster.RayEngine.translate_unordered
    fired = []

    def wrapped(self, texts):
        for item in original(self, texts):
            yield item
            if not fired and len(texts) > 1:
                fired.append(action(self))

    cluster.RayEngine.translate_unordered = wrapped  # type: ignore[method-assign]
    globals()["fired"] = fired


def every_actor_answering(work: Path) -> None:
    """The run's pool started, and each of its actors answering, before the kill-node run: on a
    loaded machine the second node's actors can take longer to start than the whole run does, and a
    node killed with none of its actors at work tests nothing. The run reuses this pool (one per
    process and address)."""
    import dataclasses

    from pipeline.core import config as configuration
    from pipeline.engines import cluster as engines

    config = dataclasses.replace(configuration.load(work / "config.yaml"), cluster=CLIENT)
    p = engines.pool(config)
    deadline = time.monotonic() + STARTING
    while len(p.usable) < p.wanted:
        if time.monotonic() > deadline:
            raise SystemExit(f"{p.wanted - len(p.usable)} of {p.wanted} actors did not answer in {STARTING} s")
        refs = p.refs()
        for ref in p.ray.wait(refs, num_returns=1, timeout=1)[0] if refs else []:
            p.answered(ref)
        if not refs:
            time.sleep(0.1)


def kill_when_decoding(node: Node, seen: dict, finished: threading.Event) -> None:
    """SIGKILL the node, as a machine that dies, at a moment one of its actors decodes a batch (Ray
    titles the process `ray::_Worker.translate` then): that actor first, so its batch is lost in
    flight (a worker outlives its raylet long enough to hand a batch on). Read from /proc while the
    run goes on: asking the actors (their pid) would queue behind their batches and find them idle,
    and an actor still starting would be restarted elsewhere with nothing lost."""
    raylet = node.raylet()
    assert raylet is not None
    actors: list[int] = []
    looked = 0.0
    while not finished.is_set():
        if time.monotonic() - looked > 0.2:  # actors start (and the list changes) slowly
            actors, looked = [p for p in children(raylet) if name(p).startswith("ray::_Worker")], time.monotonic()
        for pid in actors:
            try:
                decoding = Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::_Worker.translate")
            except OSError:
                continue
            if decoding:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:  # it ended since: the node is killed all the same
                    pass
                node.kill()
                seen["actors_on_victim"] = len(actors)
                return
        time.sleep(0.0005)


def tree(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def memory_rows(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from translations").fetchone()[0]


def _run(kind: str, cluster: Cluster, articles: Path) -> dict:
    """One cluster run: after the first result, a node killed (as one of its actors decodes) or the
    cluster stopped."""
    from click.testing import CliRunner

    from pipeline.cli import main

    seen: dict = {}
    engines: list = []
    finished = threading.Event()

    def act(engine) -> int:
        engines.append(engine)
        if kind == "stop-cluster":
            cluster.stop()
            return 0
        threading.Thread(target=kill_when_decoding, args=(cluster.nodes[-1], seen, finished), daemon=True).start()
        return 1

    on_first_result(act)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["translate", str(articles), "--to", "uk", "--out", kind, "--cluster", CLIENT])
    finished.set()
    seen.update(seconds=round(time.monotonic() - started, 1), exit=result.exit_code, stdout=result.stdout)
    seen["errors"] = [line for line in result.stderr.splitlines() if "skipped" not in line]
    seen["fired"] = bool(engines)
    if engines:
        seen.update(decoded=sum(e.decoded for e in engines), retried=sum(e.retried for e in engines))
    seen["memory_rows"] = memory_rows(Path("memory.sqlite"))
    return seen


def scenario(work: Path, articles: Path) -> dict:
    """A node killed mid-run, then (a new second node, a fresh memory) the cluster stopped mid-run;
    then the interrupted run finished without the cluster, and a local run from nothing."""
    from click.testing import CliRunner

    from pipeline.cli import main

    loopback_only()
    os.environ["RAY_CLIENT_RECONNECT_GRACE_PERIOD"] = "3"  # a lost client connection is reported after 3 s, not 30
    # Ray's token authentication, with a token of this cluster's own, handed to every node and the driver
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
    (work / "config.yaml").write_text("ray:\n  actors: 3\nargos:\n  max_batch_tokens: 64\nmemory: memory.sqlite\n")
    os.chdir(work)
    seen: dict = {}
    cluster = Cluster(work)
    try:
        every_actor_answering(work)
        seen["kill-node"] = _run("kill-node", cluster, articles)
        os.unlink("memory.sqlite")
        cluster.add(2)
        seen["stop-cluster"] = _run("stop-cluster", cluster, articles)
    finally:
        cluster.stop()
    runner = CliRunner()
    resumed = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", "stop-cluster"])
    seen["resumed"] = {"exit": resumed.exit_code, "stdout": resumed.stdout}
    os.unlink("memory.sqlite")
    local = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", "local"])
    seen["local"] = {"exit": local.exit_code, "stdout": local.stdout}
    for kind in ("kill-node", "stop-cluster"):
        seen[kind]["identical"] = tree(work / kind) == tree(work / "local")
    return seen


if __name__ == "__main__":
    print(json.dumps(scenario(Path(sys.argv[1]), Path(sys.argv[2]))))
