"""Where a sentence's translation comes from, first found wins:

    an import's corrections -> the article's record (pending, then committed) -> the memory -> the engine

decided here once, as layers over each other (the Argos library composes its CachedTranslation the
same way), so no command can reach around a rule:
- an editor's correction is never replaced by machine text unless its source changed;
- pseudo output is never a translation: it is used again only by the pseudo engine, and any real
  engine translates over it;
- with ``retranslate_machine``, machine output from another model or settings is translated again;
- the memory is a cache of the records, so it can add speed, never truth (store/memory.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pipeline.core.errors import ModelMissing
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, MACHINE, ModelId
from pipeline.engines.base import Engine, Translated
from pipeline.engines.registry import is_translation
from pipeline.store import records
from pipeline.store.memory import LEGACY_HUMAN, Entry, Memory
from pipeline.store.records import Stored

CHUNK = 256  # engine results between two commits to the memory...
COMMIT_SECONDS = 2.0  # ...or this long, whichever comes first

Overrides = Mapping[str, Translated]  # source hash -> an editor's translation an import brings


@dataclass
class Direction:
    """What a run needs for one language pair: the engine (created only when something is new)."""

    source: str
    target: str
    missing: set[str] = field(default_factory=set)  # hashes of sentences nothing holds
    pieces: set[str] = field(default_factory=set)  # ...of which pieces of sentences whose tags a translation lost
    engine: Engine | None = None
    identity: ModelId | None = None  # of the engine, when there is one
    fresh: set[str] = field(default_factory=set)  # texts the engine translated in this run


class KnownByHash(dict):
    """An article's known translations, looked up by source text through its hash."""

    def __contains__(self, text: object) -> bool:
        return bool(self) and isinstance(text, str) and dict.__contains__(self, text_hash(text))

    def __getitem__(self, text: str) -> Translated:
        return dict.__getitem__(self, text_hash(text))

    def get(self, text, default=None):
        return dict.get(self, text_hash(text), default) if self and isinstance(text, str) else default

    def __iter__(self):  # no texts are kept, only hashes: set(known) would be meaningless
        raise TypeError("an article's known translations are looked up by text, not listed")


class Layered(Mapping):
    """The article's own translations first, then what the run found for every article. Each
    layer is asked once per text (get), an empty one not at all: a new article has no record."""

    def __init__(self, first: Mapping[str, Translated], second: Mapping[str, Translated]):
        self.first, self.second = first, second

    def __getitem__(self, text: str) -> Translated:
        found = self.first.get(text) if self.first else None
        return self.second[text] if found is None else found

    def __contains__(self, text: object) -> bool:
        return bool(self.first) and text in self.first or text in self.second

    def __iter__(self):
        return iter(self.second)

    def __len__(self) -> int:
        return len(self.second)


@dataclass
class Lookup:
    engine: str  # the run's engine name (config.engine)
    memory: Memory | None = None
    retranslate_machine: bool = False

    def usable(self, model: ModelId | None, current: ModelId | None) -> bool:
        """Whether machine output of this model may stand for this run's engine."""
        if model is not None and not is_translation(model.engine) and model.engine != self.engine:
            return False
        return not (self.retranslate_machine and current is not None and model != current)

    def known(self, stored: Stored, direction: Direction, overrides: Overrides | None = None, root: str | None = None) -> KnownByHash:
        """What the output folder holds for this article, by source text: an import's corrections,
        the pending record (an interrupted write), then the committed one. A record of another
        article with the same path (another source folder than ``root``) holds nothing for it."""
        by_hash: dict[str, Translated] = {}
        for record in (stored.record, stored.pending):
            if record is None or record.target_lang != direction.target or root is not None and record.root != root and not record.legacy:
                continue
            for h, s in record.by_hash().items():
                if s.target is None:
                    continue
                if s.origin == MACHINE and not self.usable(s.model, direction.identity):
                    continue
                by_hash[h] = Translated(
                    s.target,
                    s.flags if s.origin == MACHINE else (),
                    s.origin,
                    s.model,
                    markdown=records.FINAL_MARKDOWN in s.flags,
                )
        by_hash.update(overrides or {})
        return KnownByHash(by_hash)

    def remembered(self, direction: Direction, texts: Iterable[str]) -> dict[str, Translated]:
        texts = list(texts)
        if self.memory is None or not texts:
            return {}
        out = {}
        for text, entry in self.memory.lookup(direction.source, direction.target, texts, self.engine).items():
            if entry.origin == MACHINE and not self.usable(entry.model, direction.identity):
                continue
            out[text] = translated(entry)
        return out

    def translate(self, direction: Direction, texts: list[str], results: dict, advance: Callable[[int], None] | None = None) -> None:
        """Engine output for texts into results, committed to the memory as it comes (see decode)."""
        for text, result in self.decode(direction, texts, self.memory, advance):
            results[text] = result
            direction.fresh.add(text)

    def decode(
        self,
        direction: Direction,
        texts: list[str],
        memory: Memory | None,
        advance: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[tuple[str, Translated]]:
        """(text, engine output) for texts, committed to ``memory`` as it comes: every CHUNK results
        or every COMMIT_SECONDS, whichever is first, so a killed run loses at most that much. With
        ``stop`` set, it ends at the next result (what was decoded is committed)."""
        if not texts:
            return
        if direction.engine is None:  # planning found everything; the sources changed since
            raise ModelMissing(
                f"{direction.source}->{direction.target}: {len(texts)} sentences changed during the run and no model is installed; run again"
            )
        engine, identity = direction.engine, direction.identity
        assert identity is not None  # set with the engine
        pending: list[Entry] = []
        last = time.monotonic()

        def commit() -> None:
            if memory is not None:
                memory.add(pending)
            if advance is not None:
                advance(len(pending))
            pending.clear()

        # a cluster engine hands results on as its batches finish; any other, in order
        unordered = getattr(engine, "translate_unordered", None)
        produced: Iterable = unordered(texts) if unordered is not None else engine.translate(texts)
        outputs: Iterable[tuple[int, Translated]] = produced if unordered is not None else enumerate(produced)
        try:
            for i, out in outputs:
                text = texts[i]
                result = Translated(out.text, out.flags, MACHINE, identity)
                pending.append(Entry.of(direction.source, direction.target, text, result))
                yield text, result
                if len(pending) >= CHUNK or time.monotonic() - last >= COMMIT_SECONDS:
                    commit()
                    last = time.monotonic()
                if stop is not None and stop.is_set():
                    break
        finally:
            close = getattr(produced, "close", None)
            if close is not None:
                close()  # a cluster engine's batches still flying are let go
            commit()  # what an engine decoded before it failed (a cluster lost) is kept


def translated(entry: Entry) -> Translated:
    if entry.origin == HUMAN:
        return Translated(entry.target_text, (), HUMAN, None, markdown=entry.engine == LEGACY_HUMAN)
    return Translated(entry.target_text, entry.flags, MACHINE, entry.model)
