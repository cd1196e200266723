"""Reading and segmenting articles in a pool of processes (`workers:`, `--jobs N`).

Only read.load runs in the pool: it is pure (a file in, a Document out). The memory, the records
and the outputs are still written by the run's one process, in the order of the articles, so the
single-writer rule and every output stay as in a run with one process.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from pipeline.articles import read
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.document import Document
from pipeline.core.errors import ConfigError, InputError

AHEAD = 4  # articles read ahead per process: enough to keep them busy, few documents held


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
    except ConfigError:  # the glossary (changed during the run): the whole run's mistake, said once
        raise
    except Exception as e:  # a bug in reading one article must not cost the rest of the batch
        return InputError(source.shown, f"internal error while reading it ({type(e).__name__}: {e}); please report it")


def _load_in_worker(item: Item, config: Config) -> tuple[str, object]:
    try:
        result = load(item, config)
    except ConfigError as e:
        return ("config", str(e))
    if isinstance(result, InputError):  # rebuilt in the parent: its constructor takes two arguments
        return ("no-prose" if isinstance(result, read.NoProse) else "error", (result.path, result.reason))
    return ("ok", result)


def _rebuild(kind: str, value) -> Document | InputError:
    if kind == "ok":
        return value
    if kind == "config":
        raise ConfigError(value)
    return (read.NoProse if kind == "no-prose" else InputError)(*value)


class Loader:
    """Documents for items, in order: in this process with one worker, else from a pool."""

    def __init__(self, config: Config):
        self.config = config
        self.pool: ProcessPoolExecutor | None = None

    def __call__(self, items: Iterable[Item]) -> Iterator[Document | InputError]:
        if self.config.workers <= 1:
            for item in items:
                yield load(item, self.config)
            return
        if self.pool is None:
            # forkserver: no fork of a process that may hold threads (a progress bar, Ray's client)
            self.pool = ProcessPoolExecutor(self.config.workers, mp_context=multiprocessing.get_context("forkserver"))
        queue: deque[Future] = deque()
        for item in items:
            queue.append(self.pool.submit(_load_in_worker, item, self.config))
            if len(queue) >= AHEAD * self.config.workers:
                yield _rebuild(*queue.popleft().result())
        while queue:
            yield _rebuild(*queue.popleft().result())

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
