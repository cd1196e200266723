"""The bilingual JSON: the alignment of one translated article (schema: alignment.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from pipeline import __version__
from pipeline.document import SentencePair, TranslatedDocument

SCHEMA_ID = "uk-en-pipeline/alignment/1"


def to_dict(td: TranslatedDocument) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "generator": f"uk-en-pipeline {__version__}",
        "source_path": td.document.path,
        "source_lang": td.document.source_lang,
        "target_lang": td.target_lang,
        "engine": td.engine,
        "model": {"package": td.model, "version": td.model_version},
        "settings": td.settings,
        "blocks": [
            {
                "index": b.index,
                "kind": b.kind,
                **({"key": b.key} if b.key else {}),
                "source": b.source,
                "target": b.target,
                "flags": list(b.flags),
                "sentences": [_sentence(s) for s in b.sentences],
            }
            for b in td.blocks
        ],
    }


def _sentence(s: SentencePair) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.id, "source": s.source, "target": s.target, "origin": s.origin}
    if s.flags:
        out["flags"] = list(s.flags)
    if s.details:
        out["details"] = list(s.details)
    if s.suggestion:
        out["suggestion"] = {"source": s.suggestion[0], "target": s.suggestion[1]}
    return out


def render(td: TranslatedDocument) -> str:
    return json.dumps(to_dict(td), ensure_ascii=False, indent=2) + "\n"
