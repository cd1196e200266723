"""The translation memory: a cache, in SQLite, of every translated sentence, so that a sentence
translated (or corrected) in one article is not translated again in another.

The truth is in the output folder (records.py); the memory is refilled from it whenever it is
missing or behind (``sync``), so a fresh clone without it loses nothing and translates nothing
the output folder holds.

Machine entries keep the engine's output with its placeholders, so they are restored (and numbers
localised) afresh on every run. Human entries keep the editor's final text. Each entry records the
engine, the model package and version, and the decoding settings that produced it, as sacrebleu's
signatures do, so a model upgrade can be told apart from a repeat.

Writes happen in short transactions (one per batch of engine output), so a run killed at any
moment loses at most the batch it was translating. One run at a time holds the memory's lock;
another run fails at once instead of interleaving with it.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pipeline.core.errors import ExitStatus, OutputError, PipelineError
from pipeline.core.hashes import text_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    source_lang    TEXT NOT NULL,
    target_lang    TEXT NOT NULL,
    source_hash    TEXT NOT NULL,
    source_text    TEXT NOT NULL,   -- the sentence with placeholders
    target_text    TEXT NOT NULL,   -- machine: output with placeholders; human: final text
    origin         TEXT NOT NULL CHECK (origin IN ('machine', 'human')),
    engine         TEXT NOT NULL,   -- argos | pseudo | human
    model          TEXT NOT NULL,
    model_version  TEXT NOT NULL,
    settings       TEXT NOT NULL,   -- canonical JSON of what else changes the output
    flags          TEXT NOT NULL,
    source_display TEXT NOT NULL,   -- human: the source as the editor saw it
    created_at     TEXT NOT NULL,
    PRIMARY KEY (source_lang, target_lang, source_hash, origin, engine, model, model_version, settings)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS absorbed (   -- record files already copied in: path -> size and mtime
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
) WITHOUT ROWID;
"""
VERSION = 2
# Format 1 stored an editor's text as final Markdown; format 2 keeps placeholders, so it is restored
# and escaped like machine output. Old human entries are marked with this engine name and used as they are.
LEGACY_HUMAN = "human-markdown"


def settings_key(settings: Mapping[str, object]) -> str:
    return json.dumps(dict(settings), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Entry:
    """One remembered translation of one sentence (the pipeline's translation record)."""

    source_lang: str
    target_lang: str
    source_text: str
    target_text: str
    origin: str  # machine | human
    engine: str
    model: str
    model_version: str
    settings: str
    flags: tuple[str, ...] = ()
    source_display: str = ""
    created_at: str = ""
    hash: str = ""  # given when the text is not known (entries refilled from records)

    @property
    def source_hash(self) -> str:
        return self.hash or text_hash(self.source_text)


class Busy(PipelineError):
    status = ExitStatus.BUSY


class Memory:
    """``path`` None: a memory in RAM, for planning before anything may be written (see persist)."""

    def __init__(self, path: Path | None, lock: bool = True):
        self.path = Path(path) if path is not None else None
        self._lock_file: IO[str] | None = None
        try:
            if self.path is None:
                self.db = sqlite3.connect(":memory:", isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if lock:
                    self._lock()
                self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self.close()
            raise OutputError(f"{self.path}: the translation memory cannot be used: {e}") from None
        except OSError as e:
            self.close()
            raise OutputError(f"{self.path}: cannot open the translation memory: {e.strerror or e}") from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        self.db.executescript(SCHEMA)
        if version < 2:
            with self.db:
                self.db.execute("UPDATE translations SET engine=? WHERE origin='human' AND engine='human'", (LEGACY_HUMAN,))
                self.db.execute(f"PRAGMA user_version = {VERSION}")

    def copy_from(self, path: Path) -> None:
        """Fill this (RAM) memory from the one at path, read only."""
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(self.db)
            finally:
                source.close()
            self._migrate()
        except sqlite3.Error as e:
            raise OutputError(f"{path}: the translation memory cannot be read: {e}") from None

    def persist(self, path: Path) -> Memory:
        """This RAM memory written to ``path`` (created), opened and locked there."""
        disk = Memory(path)
        try:
            with disk.db:
                for row in self.db.execute("SELECT * FROM translations"):
                    disk.db.execute("INSERT OR REPLACE INTO translations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
                disk.db.executemany("INSERT OR REPLACE INTO absorbed VALUES (?,?,?)", self.db.execute("SELECT * FROM absorbed"))
        except sqlite3.Error as e:
            disk.close()
            raise OutputError(f"{path}: cannot write the translation memory: {e}") from None
        self.close()
        return disk

    def _lock(self) -> None:
        assert self.path is not None  # a memory in RAM is never locked
        lock_path = self.path.with_name(self.path.name + ".lock")
        lock_file = open(lock_path, "a+")  # noqa: SIM115  (held open: closing it releases the lock)
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "another process"
            lock_file.close()
            raise Busy(f"{self.path} is in use by another run ({holder}); wait for it to finish") from None
        lock_file.truncate(0)
        lock_file.write(f"pid {os.getpid()}")
        lock_file.flush()
        self._lock_file = lock_file

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            del self.db
        if self._lock_file is not None:
            self._lock_file.close()  # closing releases the flock
            self._lock_file = None

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def lookup(
        self,
        source_lang: str,
        target_lang: str,
        texts: Iterable[str],
        engine: str,
        model: str | None = None,
        model_version: str | None = None,
        settings: str | None = None,
    ) -> dict[str, Entry]:
        """The best remembered translation of each text: a human one, else a machine one from the
        same engine. With model (and version and settings) given, only machine entries from exactly
        that model and settings count; otherwise the newest machine entry is taken."""
        by_hash = {text_hash(t): t for t in texts}
        found: dict[str, Entry] = {}
        hashes = list(by_hash)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT * FROM translations WHERE source_lang=? AND target_lang=? AND source_hash IN ({marks}) "
                "AND (origin='human' OR engine=?) ORDER BY origin='human', created_at",
                (source_lang, target_lang, *chunk, engine),
            ).fetchall()
            for row in rows:  # later rows win: human after machine, newer after older
                entry = _entry(row)
                if (
                    entry.origin == "machine"
                    and model is not None
                    and ((entry.model, entry.model_version, entry.settings) != (model, model_version, settings))
                ):
                    continue
                if entry.source_text in ("", by_hash[row[2]]):  # "": refilled from a record, by hash
                    found[by_hash[row[2]]] = entry
        return found

    def human_by_hash(self, source_lang: str, target_lang: str, source_hash: str) -> Entry | None:
        """The latest editor's translation of the sentence with this hash."""
        row = self.db.execute(
            "SELECT * FROM translations WHERE source_lang=? AND target_lang=? AND source_hash=? AND origin='human' "
            "ORDER BY created_at DESC LIMIT 1",
            (source_lang, target_lang, source_hash),
        ).fetchone()
        return _entry(row) if row else None

    def add(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany(
                    "INSERT OR REPLACE INTO translations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            e.source_lang,
                            e.target_lang,
                            e.source_hash,
                            e.source_text,
                            e.target_text,
                            e.origin,
                            e.engine,
                            e.model,
                            e.model_version,
                            e.settings,
                            " ".join(e.flags),
                            e.source_display,
                            e.created_at or now,
                        )
                        for e in entries
                    ],
                )
        except sqlite3.Error as e:
            raise OutputError(f"{self.path}: cannot write the translation memory: {e}") from None

    def sync(self, out_dir: Path) -> int:
        """Copy in what the output folder's records hold and this memory lacks (records changed or
        added since the last sync, told by size and modification time). Returns the records read."""
        from pipeline.store import records

        seen = {p: (s, m) for p, s, m in self.db.execute("SELECT path, size, mtime_ns FROM absorbed")}
        changed: list[tuple[str, int, int]] = []
        entries: list[Entry] = []
        for _, file in records.record_files(out_dir):
            try:
                st = file.stat()
            except OSError:
                continue
            key = str(file.resolve())
            if seen.get(key) == (st.st_size, st.st_mtime_ns):
                continue
            record = records.load(file)
            changed.append((key, st.st_size, st.st_mtime_ns))
            if record is not None:
                entries.extend(entries_of(record))
            if len(entries) > 5000:
                self.add(entries)
                entries = []
        self.add(entries)
        if changed:
            try:
                with self.db:
                    self.db.executemany("INSERT OR REPLACE INTO absorbed VALUES (?,?,?)", changed)
            except sqlite3.Error as e:
                raise OutputError(f"{self.path}: cannot write the translation memory: {e}") from None
        return len(changed)


def entries_of(record) -> list[Entry]:
    """A record's translations as memory entries (known by hash: records keep no source text)."""
    out = []
    for s in record.by_hash().values():
        if s.origin == "human":
            engine, model, version, settings = "human", "", "", ""
            display = s.shown[0] if s.shown else ""
        elif s.model is not None:
            engine, model, version, settings = s.model.engine, s.model.package, s.model.version, s.model.settings
            display = ""
        else:
            continue
        out.append(
            Entry(
                record.source_lang,
                record.target_lang,
                "",
                s.target,
                s.origin,
                engine,
                model,
                version,
                settings,
                s.flags,
                display,
                "1970-01-01T00:00:00+00:00",
                hash=s.hash,
            )
        )
    return out


def _entry(row) -> Entry:
    return Entry(
        source_lang=row[0],
        target_lang=row[1],
        source_text=row[3],
        target_text=row[4],
        origin=row[5],
        engine=row[6],
        model=row[7],
        model_version=row[8],
        settings=row[9],
        flags=tuple(row[10].split()),
        source_display=row[11],
        created_at=row[12],
        hash=row[2],
    )
