"""Reading and segmenting articles in a pool of processes (`workers:`, `--jobs N`).

Only read.load runs in the pool: it is pure (a file in, a Document out). The memory, the records
and the outputs are still written by the run's one process, in the order of the articles, so the
single-writer rule and every output stay as in a run with one process.

Each worker reads one article at a time over a pipe of its own, so the parent always knows which
article a worker holds. A worker that dies (the OOM killer's SIGKILL) costs that article only: it
fails on one line (exit 1 at the end), a new worker takes the dead one's place and the run goes on.
(The standard library's ProcessPoolExecutor cannot do that: one dead worker breaks the pool, and
every article in it fails with BrokenProcessPool.) Workers end with the run, killed or not (_end_with_parent).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.articles import read
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.document import Document
from pipeline.core.errors import InputError

AHEAD = 4  # articles read ahead per process: enough to keep them busy, few documents held
START_FAILURES = 3  # workers dying in a row before reading anything: read in this process instead


@dataclass(frozen=True)
class Item:
    source: paths.Source
    lang: str | None = None  # --from, or the planned language
    default: str | None = None  # the language of an article without prose
    data: bytes | None = None  # its bytes, when they were read already


def load(item: Item, config: Config) -> Document | InputError:
    """read.load, with its errors returned (not raised), so they cross from a worker unchanged."""
    source = item.source
    try:  # errors name the file as the user did; outputs by its identity
        data = item.data if item.data is not None else read.read_source(source, config.max_file_bytes)
        return dataclasses.replace(read.load(source.path, source.shown, config, item.lang, item.default, data), path=source.rel)
    except InputError as e:
        return e
    except Exception as e:  # a bug in reading one article must not cost the rest of the batch
        return InputError(source.shown, f"internal error while reading it ({type(e).__name__}: {e}); please report it")


def _load_in_worker(item: Item, config: Config) -> tuple[str, object]:
    result = load(item, config)
    if isinstance(result, InputError):  # rebuilt in the parent: its constructor takes two arguments
        return ("no-prose" if isinstance(result, read.NoProse) else "error", (result.path, result.reason))
    return ("ok", result)


def _rebuild(kind: str, value) -> Document | InputError:
    if kind == "ok":
        return value
    return (read.NoProse if kind == "no-prose" else InputError)(*value)


def _serve(conn: multiprocessing.connection.Connection, config: Config) -> None:
    """A worker: (index, item) in, (index, kind, value) out, until None or the pipe closes. It
    says when it is ready first: dying before that is failing to start, which costs no article."""
    _end_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it stops the pool
    conn.send(READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        try:
            kind, value = _load_in_worker(item, config)
            conn.send((index, kind, value))
        except (EOFError, OSError):
            return  # the run is gone
        except Exception as e:  # a bug (or a result that cannot be pickled): this article's, not the worker's
            conn.send((index, "error", (item.source.shown, f"internal error while reading it ({type(e).__name__}: {e}); please report it")))


def _end_with_parent() -> None:
    """End this worker when the run's process ends, even by SIGKILL (which no handler sees): a
    thread waits on the pipe multiprocessing keeps open to the run, readable once the run is gone.
    Not PR_SET_PDEATHSIG: with the forkserver context a worker's parent is the fork server, which
    lives on while any worker holds its pipe (bench/worker_death.py measures both)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def wait_for_parent() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)  # the run is gone: what this worker reads has no reader

    threading.Thread(target=wait_for_parent, daemon=True, name="parent-watch").start()


READY = "ready"


@dataclasses.dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    ready: bool = False  # started and listening
    job: tuple[int, Item] | None = None  # the article it reads: (its place in the run, the item)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = "; the system may be out of memory" if exitcode == -signal.SIGKILL else ""
        return f"was killed by {name}{why}"
    return f"died (exit status {exitcode})"


class Loader:
    """Documents for items, in order: in this process with one worker, else from a pool."""

    def __init__(self, config: Config):
        self.config = config
        self.workers: list[_Worker] = []
        self.inline = config.workers <= 1  # also once workers cannot be started (START_FAILURES)
        self.start_failures = 0
        self._context = multiprocessing.get_context("forkserver")

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process.pid is not None]

    def busy(self) -> dict[int, str]:
        """The pid of each worker reading an article -> that article's name (for tests and stress)."""
        return {w.process.pid: w.job[1].source.shown for w in self.workers if w.job is not None and w.process.pid is not None}

    def __call__(self, items: Iterable[Item]) -> Iterator[Document | InputError]:
        if self.inline:
            for item in items:
                yield load(item, self.config)
            return
        yield from self._pooled(enumerate(items))

    def _pooled(self, items: Iterator[tuple[int, Item]]) -> Iterator[Document | InputError]:
        """In order, as the pool reads them: at most AHEAD articles per worker taken ahead."""
        waiting: deque[tuple[int, Item]] = deque()  # taken, not yet handed to a worker
        results: dict[int, Document | InputError] = {}
        following = taken = 0  # the next place to yield; how many items were taken
        exhausted = False
        while True:
            while not exhausted and taken - following < AHEAD * self.config.workers:
                job = next(items, None)
                if job is None:
                    exhausted = True
                else:
                    waiting.append(job)
                    taken += 1
            if self.inline:  # the pool could not be kept up: the rest here, in order
                waiting.extend(w.job for w in self._stop() if w.job is not None)
                for index, item in sorted(waiting, key=lambda job: job[0]):
                    results.setdefault(index, load(item, self.config))
                waiting.clear()
            self._hand_out(waiting)
            while following in results:
                yield results.pop(following)
                following += 1
            if exhausted and following == taken:
                return
            if not self.inline and (waiting or any(w.job is not None for w in self.workers)):
                self._collect(results)  # else nothing is being read: take the next items first

    def _hand_out(self, waiting: deque[tuple[int, Item]]) -> None:
        while waiting and not self.inline and len(self.workers) < self.config.workers:
            if self._start() is None:
                return
        for w in self.workers:
            if not waiting or self.inline:
                return
            if w.ready and w.job is None:
                w.job = waiting.popleft()
                try:
                    w.conn.send(w.job)
                except OSError:  # it died meanwhile: _collect finds it
                    pass

    def _start(self) -> _Worker | None:
        conn, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.config), daemon=True, name="pipeline-reader")
        try:
            process.start()
        except OSError:  # no more processes can be made: read in this process
            self.inline = True
            return None
        finally:
            child.close()
        worker = _Worker(process, conn)
        self.workers.append(worker)
        return worker

    def _collect(self, results: dict[int, Document | InputError]) -> None:
        """Wait until a worker is ready, returns an article or dies; a dead one's article fails,
        and the worker is dropped (_hand_out starts another)."""
        ready = set(multiprocessing.connection.wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]))
        for w in list(self.workers):
            if w.conn in ready or w.process.sentinel in ready:
                try:
                    while w.conn.poll():  # a result sent just before it died still counts
                        message = w.conn.recv()
                        if message == READY:
                            w.ready = True
                            self.start_failures = 0
                            continue
                        index, kind, value = message
                        results[index] = _rebuild(kind, value)
                        w.job = None
                except (EOFError, OSError):
                    pass
                if w.process.sentinel in ready or not w.process.is_alive():
                    self._lost(w, results)

    def _lost(self, worker: _Worker, results: dict[int, Document | InputError]) -> None:
        worker.process.join(1)
        worker.conn.close()
        self.workers.remove(worker)
        if worker.job is not None:
            index, item = worker.job
            results[index] = InputError(item.source.shown, f"not read: the worker process reading it {_death(worker.process.exitcode)}")
        elif not worker.ready:
            self.start_failures += 1
            if self.start_failures >= START_FAILURES:
                self.inline = True

    def _stop(self) -> list[_Worker]:
        """Stop every worker (those reading an article at once); the workers as they were."""
        stopped, self.workers = self.workers, []
        for w in stopped:
            try:
                if w.job is None:
                    w.conn.send(None)
                else:
                    w.process.kill()
            except OSError:
                pass
        for w in stopped:
            w.process.join(2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        return stopped

    def close(self) -> None:
        self._stop()
