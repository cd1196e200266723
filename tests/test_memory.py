from __future__ import annotations

import pytest

from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN_ID, ModelId
from pipeline.store.memory import Busy, Entry, Memory


def entry(text, target, origin="machine", model="m", version="1", settings="{}", engine="argos"):
    return Entry("en", "uk", text, target, origin, HUMAN_ID if origin == "human" else ModelId(engine, model, version, settings))


def test_human_beats_machine_and_newest_machine_wins(tmp_path):
    with Memory(tmp_path / "m.sqlite") as memory:
        memory.add([entry("Hi.", "Old.", version="1")])
        memory.add([entry("Hi.", "New.", version="2")])
        assert memory.lookup("en", "uk", ["Hi."], "argos")["Hi."].target_text == "New."
        memory.add([entry("Hi.", "Привіт.", origin="human", model="", version="", settings="")])
        found = memory.lookup("en", "uk", ["Hi.", "Other."], "argos")
        assert list(found) == ["Hi."] and found["Hi."].target_text == "Привіт." and found["Hi."].origin == "human"


def test_strict_lookup_wants_the_same_model_and_settings(tmp_path):
    with Memory(tmp_path / "m.sqlite") as memory:
        memory.add([entry("Hi.", "Old.", version="1")])
        assert memory.lookup("en", "uk", ["Hi."], "argos", ModelId("argos", "m", "2", "{}")) == {}
        assert memory.lookup("en", "uk", ["Hi."], "argos", ModelId("argos", "m", "1", "{}"))["Hi."].target_text == "Old."


def test_engines_do_not_share_machine_translations(tmp_path):
    with Memory(tmp_path / "m.sqlite") as memory:
        memory.add([entry("Hi.", "⟦uk⟧ Hi.", engine="pseudo")])
        assert memory.lookup("en", "uk", ["Hi."], "argos") == {}


def test_second_run_on_the_same_memory_is_refused(tmp_path):
    with Memory(tmp_path / "m.sqlite"):
        with pytest.raises(Busy, match="is in use by another run"):
            Memory(tmp_path / "m.sqlite")
    Memory(tmp_path / "m.sqlite").close()  # released on close


def test_a_corrupt_memory_is_reported(tmp_path):
    (tmp_path / "m.sqlite").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(Exception, match="the translation memory cannot be used"):
        Memory(tmp_path / "m.sqlite")


def test_human_by_hash(tmp_path):
    with Memory(tmp_path / "m.sqlite") as memory:
        memory.add([Entry("en", "uk", "Hi <x1/>.", "Привіт `x`.", "human", HUMAN_ID, source_display="Hi `x`.")])
        found = memory.human_by_hash("en", "uk", text_hash("Hi <x1/>."))
        assert (found.source_display, found.target_text) == ("Hi `x`.", "Привіт `x`.")


def test_a_memory_of_format_1_keeps_its_editors_text_as_final_markdown(tmp_path):
    import sqlite3

    from pipeline.store.memory import LEGACY_HUMAN, VERSION

    path = tmp_path / "m.sqlite"
    db = sqlite3.connect(path)
    columns = "source_lang, target_lang, source_hash, source_text, target_text, origin, engine, model, model_version, settings, flags, source_display, created_at"
    db.executescript(f"CREATE TABLE translations ({columns}); PRAGMA user_version = 1;")
    row = ("en", "uk", text_hash("A *b*."), "A *b*.", "А *б*.", "human", "human", "", "", "", "", "A *b*.", "2025-01-01")
    db.execute("INSERT INTO translations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
    db.commit()
    db.close()
    with Memory(path) as memory:
        (entry,) = memory.lookup("en", "uk", ["A *b*."], "argos").values()
        assert (entry.engine, entry.target_text) == (LEGACY_HUMAN, "А *б*.")
        assert memory.db.execute("PRAGMA user_version").fetchone()[0] == VERSION


def test_an_editors_entries_leave_with_their_record_by_the_index_also_in_an_older_memory(tmp_path):
    """Absorbing a record deletes its editor's old entries through an index (not a read of the whole
    table per article written), which a memory made before the index gets when opened."""
    path = tmp_path / "m.sqlite"
    with Memory(path) as memory:
        memory.add([Entry("en", "uk", f"S{n}.", f"Р{n}.", "human", HUMAN_ID, record=f"/out/{n}.json") for n in "ab"])
        memory.add([entry("S.", "M.")])
        memory.db.execute("DROP INDEX human_by_record")
    with Memory(path) as memory:
        plan = memory.db.execute("EXPLAIN QUERY PLAN DELETE FROM translations WHERE origin='human' AND record IN (?)", ("x",))
        assert "human_by_record" in str(plan.fetchall())
        memory._replace(["/out/a.json"], [], [("/out/a.json", 1, 1)])
        rows = memory.db.execute("SELECT origin, record FROM translations ORDER BY record").fetchall()
        assert rows == [("machine", ""), ("human", "/out/b.json")]
