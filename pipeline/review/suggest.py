"""Suggestions beside the editor: translation-memory matches from the other articles, the
machine translation, the glossary terms of the sentence. No web framework here.

The memory is the output folder itself: every other article's bilingual JSON (what its sentences
say now, editors' corrections included). Each file is read once and again only when its size or
time changes, bounded like any input; rapidfuzz scores the similarity in C, and a page stops
looking for matches after ``BUDGET`` seconds, so a large project cannot make it slow.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.document import Segment, Span
from pipeline.core.errors import InputError
from pipeline.core.identity import HUMAN, MACHINE
from pipeline.localize import glossary
from pipeline.segment.protect import unmask
from pipeline.store import fileio
from pipeline.store.store import RecordStore

BUDGET = 1.0  # seconds of matching per page
MIN_SCORE = 60  # per cent
MAX_ENTRIES = 200_000  # sentences the memory holds at most
MAX_FILE = 20_000_000  # bytes of one bilingual JSON
MEMORY_MATCHES = 2
CHUNK = 32  # sentences scored together between two looks at the clock
_MARKDOWN_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|(\*\*|__|\*|_|~~)(.+?)\2")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # memory | machine | glossary
    text: str  # what goes into the editor: a whole translation in placeholder form, or a term to insert
    about: str  # where it comes from, for the editor
    score: int = 0  # memory: similarity of the sources, per cent
    source: str = ""  # memory: the other sentence's source


@dataclass(frozen=True)
class Entry:
    source: str  # as the article shows it (Markdown)
    target: str
    human: bool
    where: str  # the other article: "uk/news/other.md"
    key: str = ""  # the source as it is compared: rapidfuzz's default_process, done once per file read

    def __post_init__(self) -> None:
        if not self.key:
            from rapidfuzz import utils

            object.__setattr__(self, "key", utils.default_process(self.source))


class Memory:
    """The other articles' sentences, by file, read again only when a file's size or time changes."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[tuple[int, int], object]] = {}
        self._lock = threading.Lock()

    def entries(self, store: RecordStore, target: str, exclude: str) -> tuple[list[Entry], tuple]:
        """The sentences of every other article into target, and a version that changes when any of their files does."""
        found: list[Entry] = []
        version: list[tuple] = []
        for lang, file in store.layout.record_files():
            if lang != target or not file.name.endswith(".json"):
                continue
            head = self._cached(file, functools.partial(_head, store=store, target=target))
            if head is None or head[0] == exclude:
                continue
            where = f"{target}/{head[0]}"
            try:
                bilingual = store.layout.inside(head[1])
            except ValueError:
                continue
            found.extend(self._cached(bilingual, functools.partial(_sentences, where=where)) or ())
            version.append((head[1], _stamp(bilingual)))
            if len(found) >= MAX_ENTRIES:
                break
        return found[:MAX_ENTRIES], tuple(version)

    def _cached(self, file: Path, read: Callable[[Path], Any]) -> Any:
        stamp = _stamp(file)
        if stamp is None:
            return None
        with self._lock:
            cached = self._files.get(file)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        value = read(file)
        with self._lock:
            if len(self._files) > 4 * MAX_ENTRIES:
                self._files.clear()
            self._files[file] = (stamp, value)
        return value


def _stamp(file: Path) -> tuple[int, int] | None:
    try:
        st = file.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _head(file: Path, store: RecordStore, target: str) -> tuple[str, str] | None:
    """A record's article and its bilingual JSON, relative to the output folder (through the store:
    checked like every record; a damaged one holds no suggestion)."""
    rel = file.relative_to(store.layout.folder / target).as_posix().removesuffix(".json")
    record = store.stored(target, rel, head_only=True).record
    if record is None or record.legacy:
        return None
    return next(((record.rel, p) for p, _ in record.outputs if p.endswith(".json")), None)


def _sentences(file: Path, where: str) -> tuple[Entry, ...]:
    try:
        data = fileio.load_json(fileio.read_bytes(file, str(file), MAX_FILE, setting="", follow=False))
        return tuple(
            Entry(str(s["source"]), str(s["target"]), s.get("origin") == HUMAN, where)
            for b in data["blocks"]
            for s in b["sentences"]
            if s.get("origin") in (HUMAN, MACHINE) and str(s.get("source", "")).strip()
        )
    except (InputError, ValueError, KeyError, TypeError, AttributeError):  # an unusable file holds no suggestion
        return ()


class Matcher:
    """Memory matches for the sentences of one page, within the page's time budget: the page's
    sentences are scored against the whole memory in C (rapidfuzz cdist, every core), a chunk at
    a time, until the budget is spent."""

    def __init__(self, entries: Sequence[Entry], budget: float = BUDGET, found: dict | None = None):
        self.entries = list(entries)
        self.keys = [e.key for e in self.entries]
        self.deadline = time.monotonic() + budget
        self.cut = False  # some sentences were not matched for lack of time
        # sentence -> its matches; handed from page to page while the memory is the same, so each
        # view of an article adds what the last one had no time for
        self.found: dict[str, list[tuple[Entry, int]]] = {} if found is None else found

    def prepare(self, queries: Sequence[str]) -> None:
        """Score these sentences (as the page shows them) at once."""
        todo = list(dict.fromkeys(q for q in queries if q not in self.found))
        if not self.keys:
            self.found.update((q, []) for q in todo)
            return
        import numpy
        from rapidfuzz import fuzz, process, utils

        for i in range(0, len(todo), CHUNK):
            if time.monotonic() > self.deadline:
                self.cut = True
                return
            chunk = todo[i : i + CHUNK]
            scores = process.cdist(
                [utils.default_process(q) for q in chunk],
                self.keys,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=MIN_SCORE,
                dtype=numpy.uint8,
                workers=-1,
            )
            for query, row in zip(chunk, scores):
                hits = numpy.flatnonzero(row)  # below the cutoff a score is 0
                best = hits[numpy.argsort(-row[hits], kind="stable")][: 4 * MEMORY_MATCHES]
                self.found[query] = [(self.entries[j], int(row[j])) for j in best]

    def __call__(self, shown_source: str, limit: int = MEMORY_MATCHES) -> list[tuple[Entry, int]]:
        if shown_source not in self.found:
            self.prepare([shown_source])
        ranked = sorted(self.found.get(shown_source, ()), key=lambda m: (-m[1], not m[0].human))
        out: list[tuple[Entry, int]] = []
        for entry, score in ranked:
            if all(entry.target != e.target for e, _ in out):
                out.append((entry, score))
            if len(out) == limit:
                break
        return out


def placeholders(target: str, seg: Segment, render: Callable[[Span], str]) -> str:
    """Another sentence's translation (Markdown) in this sentence's placeholder form: the pieces
    they share become chips; the rest of its markup is dropped, its words kept."""
    found = unmask(target, seg, render)
    if found is not None:
        return found
    return unmask(_MARKDOWN_RE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(3), target), seg, render) or target


def terms(gloss: glossary.Glossary, source_lang: str, seg: Segment) -> list[glossary.Term]:
    """The glossary terms of a sentence: the checked ones it contains and the enforced ones protected in it."""
    found = {id(t): t for t in glossary.expected(gloss, source_lang, seg.text)}
    for span in seg.spans:
        if span.kind == "term" and isinstance(span.value, glossary.Term):
            found.setdefault(id(span.value), span.value)
    return list(found.values())


def for_sentence(
    seg: Segment,
    shown_source: str,
    current: str,
    machine: str | None,
    match: Matcher | None,
    gloss_terms: Sequence[glossary.Term],
    render: Callable[[Span], str],
) -> tuple[Suggestion, ...]:
    """In the order Ctrl+1..3 take them: memory matches, the machine translation (when it is not
    the translation there now), glossary terms."""
    out = []
    for entry, score in match(shown_source) if match is not None else ():
        text = placeholders(entry.target, seg, render)
        if text.split() == current.split():
            continue  # what the sentence says already
        who = "an editor's translation" if entry.human else "machine translation"
        out.append(Suggestion("memory", text, f"{who} in {entry.where}", score, entry.source))
    if machine is not None and machine.split() != current.split():
        out.append(Suggestion("machine", machine, "machine translation of this sentence"))
    for term in gloss_terms:
        forms = [f for f in term.target_forms if f != term.target]
        about = f"glossary: {term.source[0]} → {term.target}" + (f" (also {', '.join(forms)})" if forms else "")
        out.append(Suggestion("glossary", term.target, about))
    return tuple(out)
