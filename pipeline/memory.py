"""The translation memory: every translated sentence, in SQLite, so that re-runs translate only
what changed and editors' corrections win over machine output.

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
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ExitStatus, OutputError, PipelineError

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
PRAGMA user_version = 1;
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


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

    @property
    def source_hash(self) -> str:
        return text_hash(self.source_text)


class Busy(PipelineError):
    status = ExitStatus.BUSY


class Memory:
    def __init__(self, path: Path, lock: bool = True):
        self.path = Path(path)
        self._lock_file = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if lock:
                self._lock()
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            self.close()
            raise OutputError(f"{self.path}: the translation memory cannot be used: {e}") from None
        except OSError as e:
            self.close()
            raise OutputError(f"{self.path}: cannot open the translation memory: {e.strerror or e}") from None

    def _lock(self) -> None:
        lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock_file = open(lock_path, "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "another process"
            self._lock_file.close()
            self._lock_file = None
            raise Busy(f"{self.path} is in use by another run ({holder}); wait for it to finish") from None
        self._lock_file.truncate(0)
        self._lock_file.write(f"pid {os.getpid()}")
        self._lock_file.flush()

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None
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
                if entry.origin == "machine" and model is not None and (
                    (entry.model, entry.model_version, entry.settings) != (model, model_version, settings)
                ):
                    continue
                if entry.source_text == by_hash[row[2]]:
                    found[entry.source_text] = entry
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
    )
