"""What was translated, recorded beside the outputs, so freshness can be decided from content.

One small JSON file per article and target language, at ``<out>/.pipeline/records/<target>/<path>.json``:
the source file's SHA-256, each block's hash, and each sentence's hash and origin (machine, human,
or a machine translation that replaced a human one and awaits review). Commit the output folder
with it: ``pipeline check`` needs nothing else (no memory, no model), so it works in a fresh CI
clone. Writing the record is the last step for an article, so an interrupted run leaves the old
record, and ``check`` then says the article is stale, which it is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.document import Block, Document
from pipeline.memory import text_hash

FORMAT = "uk-en-pipeline/record/1"
FOLDER = ".pipeline/records"

MACHINE, HUMAN, STALE = "m", "h", "s"  # a sentence's origin; STALE: machine output replacing a human one


@dataclass(frozen=True)
class Record:
    source: str  # the source file as it was given (relative to where the run started)
    root: str  # the folder given on the command line that contains it
    rel: str  # its path inside root
    source_lang: str
    target_lang: str
    source_sha256: str
    article: str  # the translated article, relative to the output folder
    # (block hash, ((sentence hash, origin[, hash of the source an editor translated]), ...))
    blocks: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    outputs: tuple[tuple[str, str], ...] = ()  # (path relative to the output folder, SHA-256) of every file written
    engine: str = ""
    model: str = ""
    model_version: str = ""

    @property
    def needs_review(self) -> int:
        return sum(1 for _, sentences in self.blocks for s in sentences if s[1] == STALE)


def sentences_of(td) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """The record's view of a translated document: block hashes, sentence hashes and origins."""
    doc = td.document
    out = []
    for block, aligned in zip(doc.blocks, td.blocks):
        sentences = []
        for seg, pair in zip(block.segments, aligned.sentences):
            h = text_hash(seg.text)
            if pair.origin == "human":
                sentences.append((h, HUMAN))
            elif pair.review_of:
                sentences.append((h, STALE, pair.review_of))
            else:
                sentences.append((h, MACHINE))
        out.append((block_hash(doc, block), tuple(sentences)))
    return tuple(out)

def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def block_hash(doc: Document, block: Block) -> str:
    return text_hash(f"{block.kind}\x00{block.key}\x00{doc.text[block.start : block.end]}")


def path(out_dir: Path, target_lang: str, rel: str) -> Path:
    return out_dir / FOLDER / target_lang / (PurePosixPath(rel).as_posix() + ".json")


def dump(record: Record) -> str:
    data = {
        "record": FORMAT,
        **record.__dict__,
        "blocks": [[h, [list(s) for s in ss]] for h, ss in record.blocks],
        "outputs": [list(o) for o in record.outputs],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def load(file: Path) -> Record | None:
    """A record, or None when the file is missing or not a record (it is then simply absent)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("record") != FORMAT:
            return None
        return Record(
            source=data["source"],
            root=data["root"],
            rel=data["rel"],
            source_lang=data["source_lang"],
            target_lang=data["target_lang"],
            source_sha256=data["source_sha256"],
            article=data["article"],
            blocks=tuple((h, tuple(tuple(s) for s in ss)) for h, ss in data["blocks"]),
            outputs=tuple((p, h) for p, h in data.get("outputs", [])),
            engine=data.get("engine", ""),
            model=data.get("model", ""),
            model_version=data.get("model_version", ""),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def all_records(out_dir: Path) -> list[tuple[Path, Record]]:
    root = out_dir / FOLDER
    found = []
    if root.is_dir():
        for file in sorted(root.rglob("*.json")):
            record = load(file)
            if record is not None:
                found.append((file, record))
    return found
