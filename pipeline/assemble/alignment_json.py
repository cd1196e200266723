"""The bilingual JSON: the alignment of one translated article (schema: alignment.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from pipeline import __version__
from pipeline.core.document import SentencePair, TranslatedDocument

SCHEMA_ID = "uk-en-pipeline/alignment/1"


def schema() -> dict[str, Any]:
    """The JSON Schema of these files (alignment.schema.json beside this module), with `engine`
    narrowed to the engines registered now and `human`: the file itself allows any engine name, so
    an engine added with its registry line needs no edit there."""
    from importlib import resources

    from pipeline.engines import registry

    data: dict[str, Any] = json.loads(resources.files("pipeline.assemble").joinpath("alignment.schema.json").read_text(encoding="utf-8"))
    data["properties"]["engine"]["enum"] = [*registry.names(), "human"]
    return data


def to_dict(td: TranslatedDocument) -> dict[str, Any]:
    return {
        **_head(td),
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


def _head(td: TranslatedDocument) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "generator": f"uk-en-pipeline {__version__}",
        "source_path": td.document.path,
        "source_lang": td.document.source_lang,
        "target_lang": td.target_lang,
        "engine": td.engine,
        "model": {"package": td.model, "version": td.model_version},
        "settings": td.settings,
    }


def _sentence(s: SentencePair) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.id, "source": s.source, "target": s.target, "origin": s.origin}
    if s.flags:
        out["flags"] = list(s.flags)
    if s.details:
        out["details"] = list(s.details)
    if s.suggestion:
        out["suggestion"] = {"source": s.suggestion[0], "target": s.suggestion[1]}
    if s.acks:
        out["acknowledged"] = [{"flag": a.flag, "by": a.by, "at": a.at} for a in s.acks]
    return out


def render(td: TranslatedDocument) -> str:
    """Exactly json.dumps(to_dict(td), ensure_ascii=False, indent=2) + "\\n", several times faster:
    with an indent, json encodes in pure Python, and a table of 100,000 cells is 100,000 blocks.
    Blocks and sentences have a fixed shape and are written from templates."""
    text = json.dumps(_head(td), ensure_ascii=False, indent=2)[: -len("\n}")]  # "blocks" comes last
    out = [text, ',\n  "blocks": ']
    if td.blocks:
        out.append("[")
        out.append(",".join(_block(b) for b in td.blocks))
        out.append("\n  ]")
    else:
        out.append("[]")
    out.append("\n}\n")
    return "".join(out)


_S = json.encoder.encode_basestring  # the C string encoder, as json.dumps(ensure_ascii=False) uses


def _strings(items, indent: str) -> str:
    if not items:
        return "[]"
    inner = indent + "  "
    return "[" + ",".join(inner + _S(x) for x in items) + indent + "]"


def _block(b) -> str:
    k = "\n      "
    key = f',{k}"key": {_S(b.key)}' if b.key else ""
    sentences = "[" + ",".join(_sentence_json(s) for s in b.sentences) + k + "]" if b.sentences else "[]"
    return (
        f'\n    {{{k}"index": {int(b.index)},{k}"kind": {_S(b.kind)}{key},{k}"source": {_S(b.source)},'
        f'{k}"target": {_S(b.target)},{k}"flags": {_strings(b.flags, k)},{k}"sentences": {sentences}\n    }}'
    )


def _sentence_json(s: SentencePair) -> str:
    k = "\n          "
    out = f'\n        {{{k}"id": {_S(s.id)},{k}"source": {_S(s.source)},{k}"target": {_S(s.target)},{k}"origin": {_S(s.origin)}'
    i = k + "  "
    if s.flags:
        out += f',{k}"flags": {_strings(s.flags, k)}'
    if s.details:
        out += f',{k}"details": {_strings(s.details, k)}'
    if s.suggestion:
        out += f',{k}"suggestion": {{{i}"source": {_S(s.suggestion[0])},{i}"target": {_S(s.suggestion[1])}{k}}}'
    if s.acks:
        j = i + "  "
        acks = ",".join(f'{i}{{{j}"flag": {_S(a.flag)},{j}"by": {_S(a.by)},{j}"at": {_S(a.at)}{i}}}' for a in s.acks)
        out += f',{k}"acknowledged": [{acks}{k}]'
    return out + "\n        }"
