"""What the output folder and the memory say about an article's sentences, for the review app:
the bilingual JSON's entries (flags, details, acknowledgements) and the machine translations the
memory keeps for sentences an editor corrected. Read only; anything unusable is simply absent."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from pipeline.core.config import Config
from pipeline.core.errors import InputError
from pipeline.store import fileio, records
from pipeline.store.layout import Layout

MAX_ALIGNMENT = 50_000_000  # bytes of one bilingual JSON


class Alignment:
    """The bilingual JSON's sentences by id; by source hash for a sentence whose block moved."""

    def __init__(self, sentences: list[dict]):
        self.by_id = {str(s.get("id", "")): s for s in sentences}
        self.by_hash = {str(s.get("id", "")).rsplit("-", 1)[-1]: s for s in sentences}

    def get(self, sid: str) -> dict:
        return self.by_id.get(sid) or self.by_hash.get(sid.rsplit("-", 1)[-1]) or {}


def alignment_sentences(out_dir: Path, record: records.Record | None) -> list[dict]:
    """The sentences of the article's bilingual JSON, read bounded (size and nesting)."""
    for rel, _ in record.outputs if record else ():
        if rel.endswith(".json"):
            try:
                data = fileio.load_json(fileio.read_bytes(Layout(out_dir).inside(rel), rel, MAX_ALIGNMENT, setting="", follow=False))
                return [s for b in data.get("blocks", ()) for s in b.get("sentences", ()) if isinstance(s, dict)]
            except (InputError, ValueError, AttributeError, TypeError):
                return []
    return []


def machine_versions(config: Config, source_lang: str, target_lang: str, hashes: Sequence[str]) -> dict[str, str]:
    """The newest machine translation the memory keeps for each sentence an editor corrected, so
    "revert" can offer it. The memory is a cache: read only, and absent is fine."""
    path = config.memory_path
    if not hashes or path is None or not path.is_file():
        return {}
    found: dict[str, str] = {}
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return {}
    try:
        for i in range(0, len(hashes), 500):
            chunk = list(hashes[i : i + 500])
            rows = db.execute(
                "SELECT source_hash, target_text FROM translations WHERE source_lang=? AND target_lang=? AND origin='machine' "
                f"AND source_hash IN ({','.join('?' * len(chunk))}) ORDER BY created_at",
                (source_lang, target_lang, *chunk),
            )
            found.update((h, t) for h, t in rows)  # later rows win: the newest
    except sqlite3.Error:
        return {}
    finally:
        db.close()
    return found
