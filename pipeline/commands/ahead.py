"""Keep the next window in flight (issue 24): while the run assembles and writes window k, one
background thread decodes window k+1's new sentences, so the decoders do not wait for the driver.

The main thread decides what to decode: what window k+1's records and the memory lack, as they
stand once window k is translated. The thread runs the engine (CTranslate2 releases the GIL while
it decodes; a cluster engine waits on Ray futures) and commits each result to the memory as it
comes, through its own SQLite connection: sqlite3 connections belong to one thread, and SQLite
itself lets one writer at a time in (BEGIN IMMEDIATE, the memory's busy timeout), so a kill keeps
what was decoded exactly as before. The engine is never used by both threads at once: the main
thread asks it for anything only while the thread is idle.

Once window k is written, window k+1 is looked up again exactly as a sequential run does; when
that asks the engine for the very sentences the thread decoded (the usual case), the thread's
results stand for the engine's (same engine, same texts in the same order, so the same batches
and the same bytes), else the engine is asked again as before. A window's records are read ahead
only when no article of window k has the same path (two source folders' articles share a record).
At most one window is ahead: its documents and its decoded sentences, a window being at most
WINDOW_FILES articles and about WINDOW_BYTES of source.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pipeline.assemble import align
from pipeline.commands.plan import Job
from pipeline.commands.stats import Stats
from pipeline.core.document import Document
from pipeline.core.identity import HUMAN
from pipeline.core.reporting import Reporter
from pipeline.engines.base import Translated
from pipeline.lookup import Direction, Layered, Lookup
from pipeline.store.memory import Memory

ENV = "PIPELINE_AHEAD"  # "0": windows one after another, as before (the measurements' baseline)
JOIN_SECONDS = 30.0  # how long a stopped run waits for the thread to hand back its last batch
Key = tuple[str, str]  # (source, target) language
Docs = list[tuple[Document, Mapping[str, Translated]]]  # a direction's documents and what their records hold
A = TypeVar("A")
R = TypeVar("R")


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip() != "0"


@dataclass
class Decoded:
    """What the thread decoded for one direction of a window."""

    texts: list[str]  # what it was asked, in order
    results: dict[str, Translated] = field(default_factory=dict)
    error: BaseException | None = None  # raised where the sequential run would have met it

    def stands_for(self, new: list[str]) -> bool:
        return self.error is None and self.texts == new and len(self.results) == len(new)


class Ahead(Generic[A]):
    """The background thread and the windows it works ahead for."""

    def __init__(self, lookup: Lookup, directions: Mapping[Key, Direction], advance: Callable[[int], None]):
        self.lookup, self.directions, self.advance = lookup, directions, advance
        memory = lookup.memory
        self.path: Path | None = memory.path if memory is not None else None
        self.on = enabled() and (memory is None or memory.path is not None)  # a memory in RAM has one connection
        self.todo: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.waiting = False  # a window handed over and not taken back yet

    def windows(
        self,
        windows: Iterable[list[Job]],
        prepare: Callable[[list[Job]], A],
        docs: Callable[[A], dict[Key, Docs]],
        translate: Callable[[A, dict[Key, Decoded]], R],
    ) -> Iterator[tuple[A, R]]:
        """Each window prepared (its articles read) and translated, for the caller to assemble
        and write: meanwhile, the window after it is being decoded."""
        todo = iter(windows)
        window = next(todo, None)
        ready = prepare(window) if window is not None else None
        while window is not None:
            assert ready is not None
            done = translate(ready, self.take())
            following = next(todo, None)
            early = None
            if following is not None and self.on and not _shared_paths(window, following):
                early = prepare(following)
                self.submit(docs(early))
            yield ready, done
            if early is None and following is not None:
                early = prepare(following)  # read only now, after this window's records are written
            window, ready = following, early

    def submit(self, docs: dict[Key, Docs]) -> None:
        """Hand the window's new sentences, as the memory now stands, to the thread."""
        work = []
        for key, items in docs.items():
            direction = self.directions[key]
            wanted = wanted_texts(direction, items)
            remembered = self.lookup.remembered(direction, wanted)
            new = [t for t in wanted if t not in remembered]
            if new:
                work.append((direction, new))
        if not work:
            return
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, name="pipeline-window-ahead", daemon=True)
            self.thread.start()
        self.todo.put(work)
        self.waiting = True

    def take(self) -> dict[Key, Decoded]:
        if not self.waiting:
            return {}
        self.waiting = False
        return self.done.get()

    def close(self) -> None:
        """Stop the thread at its next result (what it decoded is committed) and wait for it."""
        self.stop.set()
        if self.thread is not None:
            self.todo.put(None)
            self.thread.join(JOIN_SECONDS)

    def _work(self) -> None:
        memory: Memory | None = None
        try:
            while (work := self.todo.get()) is not None:
                out: dict[Key, Decoded] = {}
                for direction, texts in work:
                    decoded = out[(direction.source, direction.target)] = Decoded(texts)
                    try:
                        if memory is None and self.path is not None:
                            memory = Memory(self.path, lock=False)  # this thread's own connection
                        for text, result in self.lookup.decode(direction, texts, memory, self.advance, self.stop):
                            decoded.results[text] = result
                    except BaseException as e:  # handed to the main thread, raised there
                        decoded.error = e
                        break
                self.done.put(out)
        finally:
            if memory is not None:
                memory.close()


def _shared_paths(window: list[Job], following: list[Job]) -> bool:
    return bool({j.source.rel for j in window} & {j.source.rel for j in following})


def wanted_texts(direction: Direction, docs: Docs, texts: list[list[str]] | None = None) -> list[str]:
    """The distinct sentences of these documents that their records lack, in order (``texts``: each
    document's align.segments_to_translate, when the caller has them)."""
    if texts is None:
        texts = [align.segments_to_translate(doc, direction.target) for doc, _ in docs]
    return list(dict.fromkeys(t for (_, known), found in zip(docs, texts) for t in found if t not in known))


def results(
    lookup: Lookup, direction: Direction, docs: Docs, stats: Stats, advance: Callable[[int], None], decoded: Decoded | None
) -> dict[str, Translated]:
    """Every sentence of these documents for one direction that their records lack: from the
    memory, else from the engine (or what the thread decoded for exactly those sentences)."""
    texts = [align.segments_to_translate(doc, direction.target) for doc, _ in docs]
    wanted = wanted_texts(direction, docs, texts)
    occurrences = sum(len(found) for found in texts)
    stats.segments += occurrences
    found: dict[str, Translated] = lookup.remembered(direction, wanted)
    if decoded is not None:  # the thread's own entries are in the memory now: only an editor's stand
        found = {t: r for t, r in found.items() if t not in decoded.results or r.origin == HUMAN}
    new = [t for t in wanted if t not in found]
    if decoded is not None and decoded.error is not None:
        raise decoded.error  # what the engine said in the thread: the run ends as it would have
    if decoded is not None and decoded.stands_for(new):
        found.update((t, decoded.results[t]) for t in new)
        direction.fresh.update(new)
    else:
        already = len(decoded.results) if decoded is not None else 0  # counted by the progress bar
        lookup.translate(direction, new, found, None if already else advance)
        if already:
            advance(max(0, len(new) - already))
    stats.translated += len(new)
    stats.reused += occurrences - len(new)
    chunks: dict[str, None] = {}
    for doc, known in docs:
        layered = Layered(known, found)
        chunks.update(dict.fromkeys(c for c in align.fallback_chunks(doc, direction.target, layered) if c not in layered))
    pieces = lookup.remembered(direction, list(chunks))
    found.update(pieces)
    lookup.translate(direction, [c for c in chunks if c not in pieces], found)
    return found


class Serialized(Reporter):
    """A reporter two threads may call (the thread advances the progress bar)."""

    def __init__(self, reporter: Reporter):
        self.reporter, self.lock = reporter, threading.Lock()

    def error(self, message: str) -> None:
        with self.lock:
            self.reporter.error(message)

    def notice(self, message: str) -> None:
        with self.lock:
            self.reporter.notice(message)

    def output(self, message: str) -> None:
        with self.lock:
            self.reporter.output(message)

    def begin(self, total: int) -> None:
        with self.lock:
            self.reporter.begin(total)

    def advance(self, n: int = 1) -> None:
        with self.lock:
            self.reporter.advance(n)

    def end(self) -> None:
        with self.lock:
            self.reporter.end()

    def download(self, label: str, done: int, total: int | None) -> None:
        with self.lock:
            self.reporter.download(label, done, total)
