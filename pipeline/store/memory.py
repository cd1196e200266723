"""The translation memory: a cache, in SQLite, of every translated sentence, so that a sentence
translated (or corrected) in one article is not translated again in another.

The truth is in the output folder (records.py); the memory is refilled from it whenever it is
missing or behind (``sync``), so a fresh clone without it loses nothing and translates nothing
the output folder holds. It never holds more truth than the records: every editor's translation in
it names the record it came from and leaves with it (a record reverted by git, or deleted, takes its
corrections out of the memory at the next sync), so another article can never get back a correction
the committed folder no longer has.

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
import errno
import fcntl
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pipeline.core import paths
from pipeline.core.errors import ExitStatus, OutputError, PipelineError
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, HUMAN_ID, MACHINE, ModelId
from pipeline.store.fileio import not_regular

if TYPE_CHECKING:
    from pipeline.engines.base import Translated
    from pipeline.store.records import Record
    from pipeline.store.store import RecordStore

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
    record         TEXT NOT NULL DEFAULT '',  -- human: the record file it came from
    -- a rowid table: SQLite 3.40's integrity_check misreports NOT NULL columns of a WITHOUT ROWID
    -- table whose key ends with its last column
    PRIMARY KEY (source_lang, target_lang, source_hash, origin, engine, model, model_version, settings, record)
);
CREATE TABLE IF NOT EXISTS absorbed (   -- record files already copied in: path -> size and mtime
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
) WITHOUT ROWID;
-- the editors' entries by record file: absorbing a record deletes its old ones, which without this
-- read the whole table once per article written (bench/driver.py)
CREATE INDEX IF NOT EXISTS human_by_record ON translations (record) WHERE origin = 'human';
"""
VERSION = 3
# Format 1 stored an editor's text as final Markdown; format 2 keeps placeholders, so it is restored
# and escaped like machine output. Old human entries are marked with this engine name and used as they are.
LEGACY_HUMAN = "human-markdown"


def _make_folder(folder: Path) -> None:
    """The memory's folder; one the memory creates ignores itself in git (as pytest's cache does):
    it is a cache, never to be committed."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    from pipeline.store.fileio import write_atomic

    try:
        write_atomic(folder / ".gitignore", "# the translation memory is a cache of the output folder's records: never committed\n*\n")
    except OutputError:
        pass  # a courtesy to git users: the memory works without it


@dataclass(frozen=True)
class Entry:
    """One remembered translation of one sentence."""

    source_lang: str
    target_lang: str
    source_text: str
    target_text: str
    origin: str  # machine | human
    model: ModelId  # for an editor: engine "human" (LEGACY_HUMAN for format 1's final Markdown)
    flags: tuple[str, ...] = ()
    source_display: str = ""
    created_at: str = ""
    hash: str = ""  # given when the text is not known (entries refilled from records)
    record: str = ""  # human: the record file it came from

    @classmethod
    def of(cls, source_lang: str, target_lang: str, text: str, translated: Translated) -> Entry:
        """The engine's output for one sentence."""
        assert translated.model is not None  # machine output always names its model
        return cls(source_lang, target_lang, text, translated.text, translated.origin, translated.model, translated.flags)

    @property
    def source_hash(self) -> str:
        return self.hash or text_hash(self.source_text)

    @property
    def engine(self) -> str:
        return self.model.engine


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
                _make_folder(self.path.parent)
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
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(translations)")}
        with self.db:
            if columns and "record" not in columns:  # format 2: human entries named no record
                self.db.execute("ALTER TABLE translations RENAME TO translations_v2")
                self.db.executescript(SCHEMA)
                self.db.execute("INSERT INTO translations SELECT *, '' FROM translations_v2")
                self.db.execute("DROP TABLE translations_v2")
            self.db.executescript(SCHEMA)
            if version < 2:
                self.db.execute("UPDATE translations SET engine=? WHERE origin='human' AND engine='human'", (LEGACY_HUMAN,))
            if version < 3:
                # editors' entries of format 2 named no record: they come back from the records, named
                self.db.execute("DELETE FROM translations WHERE origin='human' AND engine!=? AND record=''", (LEGACY_HUMAN,))
                self.db.execute("DELETE FROM absorbed")
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
                    disk.db.execute("INSERT OR REPLACE INTO translations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
                disk.db.executemany("INSERT OR REPLACE INTO absorbed VALUES (?,?,?)", self.db.execute("SELECT * FROM absorbed"))
        except sqlite3.Error as e:
            disk.close()
            raise OutputError(f"{path}: cannot write the translation memory: {e}") from None
        self.close()
        return disk

    def _lock(self) -> None:
        assert self.path is not None  # a memory in RAM is never locked
        lock_path = self.path.with_name(self.path.name + ".lock")
        # never through a link (its target would be truncated), never a FIFO or a device
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(lock_path, flags, 0o666)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise OutputError(f"{lock_path}: a symbolic link; the memory's lock file is never one (remove it)") from None
            raise
        why = not_regular(os.fstat(fd).st_mode)
        if why:
            os.close(fd)
            raise OutputError(f"{lock_path}: {why}; the memory's lock file is a regular file (remove it)")
        lock_file = open(fd, "a+")  # noqa: SIM115  (held open: closing it releases the lock)
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
        exact: ModelId | None = None,
    ) -> dict[str, Entry]:
        """The best remembered translation of each text: a human one, else a machine one from the
        same engine. With ``exact``, only machine entries from exactly that model and settings count;
        otherwise the newest machine entry is taken."""
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
                if entry.origin == MACHINE and exact is not None and entry.model != exact:
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
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self._insert(entries)
        except sqlite3.Error as e:
            raise OutputError(f"{self.path}: cannot write the translation memory: {e}") from None

    def _insert(self, entries: Sequence[Entry]) -> None:
        """The entries in, inside the caller's transaction."""
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.db.executemany(
            "INSERT OR REPLACE INTO translations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    e.source_lang,
                    e.target_lang,
                    e.source_hash,
                    e.source_text,
                    e.target_text,
                    e.origin,
                    e.model.engine,
                    e.model.package,
                    e.model.version,
                    e.model.settings,
                    " ".join(e.flags),
                    e.source_display,
                    e.created_at or now,
                    e.record,
                )
                for e in entries
            ],
        )

    def sync(self, store: RecordStore) -> int:
        """Make the memory hold what the output folder's records hold: records changed or added
        since the last sync (told by size and modification time) are read in, and the editors'
        entries of records that changed or are gone leave. Returns the records read."""
        seen = {p: (s, m) for p, s, m in self.db.execute("SELECT path, size, mtime_ns FROM absorbed")}
        present: set[str] = set()
        read = 0
        entries: list[Entry] = []
        changed: list[tuple[str, int, int]] = []
        for file, record in _changed_records(store, seen, present):
            read += 1
            key = str(paths.real(file))
            st = file.lstat()
            changed.append((key, st.st_size, st.st_mtime_ns))
            entries.extend(entries_of(record, key) if record is not None else ())
            if len(entries) > 5000:
                self._replace([c[0] for c in changed], entries, changed)
                entries, changed = [], []
        self._replace([c[0] for c in changed], entries, changed)
        gone = [p for p in seen if p not in present]
        if gone:
            self._replace(gone, [], [], forget=True)
        self._orphans()
        return read

    def _orphans(self) -> None:
        """An editor's entry comes from a record and leaves with it: one that names no record the
        memory holds (planted in the cache, or left by a crash) is no editor's work. Format 1's
        entries (LEGACY_HUMAN) are the only copy of its records' targets, and stay."""
        try:
            with self.db:
                self.db.execute(
                    "DELETE FROM translations WHERE origin='human' AND engine!=? AND record NOT IN (SELECT path FROM absorbed)",
                    (LEGACY_HUMAN,),
                )
        except sqlite3.Error as e:
            raise OutputError(f"{self.path}: cannot write the translation memory: {e}") from None

    def absorb(self, file: Path, record) -> None:
        """A record the run just wrote: its entries replace those the memory had from that file."""
        self.absorb_all([(file, record)])

    def absorb_all(self, written: Sequence[tuple[Path, Record]]) -> None:
        """Records a window just wrote, in one transaction (a crash leaves them all unabsorbed: the
        next sync reads them), each folder's real path found once."""
        files = _absorbed(written)
        if files:
            self._replace(list(files), [e for entries, _ in files.values() for e in entries], [a for _, a in files.values()])

    def _replace(self, keys: list[str], entries: list[Entry], absorbed: list[tuple[str, int, int]], forget: bool = False) -> None:
        """In one transaction: the editors' entries of these record files go, entries come in."""
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for i in range(0, len(keys), 500):
                    chunk = keys[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    self.db.execute(f"DELETE FROM translations WHERE origin='human' AND record IN ({marks})", chunk)
                    if forget:
                        self.db.execute(f"DELETE FROM absorbed WHERE path IN ({marks})", chunk)
                self.db.executemany("INSERT OR REPLACE INTO absorbed VALUES (?,?,?)", absorbed)
                self._insert(entries)  # the same transaction: a crash leaves the file unabsorbed, not half
        except sqlite3.Error as e:
            raise OutputError(f"{self.path}: cannot write the translation memory: {e}") from None


def _absorbed(written: Sequence[tuple[Path, Record]]) -> dict[str, tuple[list[Entry], tuple[str, int, int]]]:
    """Record file (real path) -> its entries and its size and mtime; a file written twice: its last record."""
    at = paths.Resolver()
    files = {}
    for file, record in written:
        key = str(at.real(file))
        st = file.lstat()
        files[key] = (entries_of(record, key), (key, st.st_size, st.st_mtime_ns))
    return files


def _changed_records(store: RecordStore, seen: Mapping[str, tuple[int, int]], present: set[str]):
    """The store's records whose file changed since it was last read in; present collects every
    record file there is."""
    for target, file in store.layout.record_files():
        if not file.name.endswith(".json"):
            continue
        try:
            st = file.lstat()
        except OSError:
            continue
        key = str(paths.real(file))  # not resolve(): a planted link loop must not raise
        present.add(key)
        if seen.get(key) == (st.st_size, st.st_mtime_ns):
            continue
        rel = file.relative_to(store.layout.folder / target).as_posix().removesuffix(".json")
        yield file, store.stored(target, rel).record  # a damaged record holds nothing for the memory


def entries_of(record, key: str = "") -> list[Entry]:
    """A record's translations as memory entries (known by hash: records keep no source text);
    an editor's names the record file (key) it came from."""
    out = []
    for s in record.by_hash().values():
        if s.origin == HUMAN:
            model, display, source = HUMAN_ID, s.shown[0] if s.shown else "", key
        elif s.model is not None:
            model, display, source = s.model, "", ""
        else:
            continue
        out.append(
            Entry(
                record.source_lang,
                record.target_lang,
                "",
                s.target,
                s.origin,
                model,
                s.flags,
                display,
                "1970-01-01T00:00:00+00:00",
                hash=s.hash,
                record=source,
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
        model=ModelId(row[6], row[7], row[8], row[9]),
        flags=tuple(row[10].split()),
        source_display=row[11],
        created_at=row[12],
        hash=row[2],
        record=row[13],
    )
