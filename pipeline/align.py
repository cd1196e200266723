"""Engine output -> aligned blocks and the translated article. Pure: no engine, no I/O.

Sentences are translated one by one, so the alignment is by construction: block i of the source
faces block i of the translation, sentence j faces sentence j. What happens here is restoring the
placeholders of each sentence, falling back to piecewise translation where an engine lost paired
tags, and keeping blocks that are not to be translated.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from difflib import SequenceMatcher

from pipeline import flags, markdown, records
from pipeline.document import AlignedBlock, Block, Document, Segment, SentencePair, TranslatedDocument
from pipeline.engines.base import Translated
from pipeline.localize import fidelity
from pipeline.localize.glossary import NO_GLOSSARY, Glossary
from pipeline.localize.glossary import expected as glossary_terms
from pipeline.memory import text_hash
from pipeline.outputs import article
from pipeline.protect import Escape, RenderAtom, assemble, chunks_to_translate, has_words, no_escape, pieces, restore


def source_render(span) -> str:
    return span.source


def kept(block: Block, target_lang: str) -> bool:
    return block.keep or block.lang == target_lang


def segments_to_translate(doc: Document, target_lang: str) -> list[str]:
    """Every sentence text this document needs from the engine, in order, repeats included."""
    return [
        seg.text
        for block in doc.blocks
        if not kept(block, target_lang)
        for seg in block.segments
        if has_words(seg.text)
    ]


def fallback_chunks(doc: Document, target_lang: str, results: Mapping[str, Translated]) -> list[str]:
    """Chunks to translate for sentences whose paired tags the engine lost."""
    out: dict[str, None] = {}
    for block in doc.blocks:
        if kept(block, target_lang):
            continue
        for seg in block.segments:
            result = results.get(seg.text) if has_words(seg.text) else None
            if result is not None and result.origin == "machine" and restore(result.text, seg) is None:
                out.update(dict.fromkeys(chunks_to_translate(seg)))
    return list(out)


def _escape(syntax: str) -> Escape:
    if syntax == "markdown":
        return markdown.escape
    if syntax == "table":
        return functools.partial(markdown.escape, table=True)
    return no_escape


def sentence_id(block: Block, j: int, seg: Segment) -> str:
    return f"s{block.index}-{j}-{text_hash(seg.text)[:12]}"


def _earlier_human(previous: records.Record, doc: Document) -> dict[tuple[int, int], str]:
    """(block, sentence) -> hash of the source an editor translated there in the previous run.

    Blocks are matched by content, so a paragraph inserted above does not shift the corrections
    below it onto the wrong sentences; a changed block faces the block it replaced.
    """
    old = [h for h, _ in previous.blocks]
    new = [records.block_hash(doc, b) for b in doc.blocks]
    found: dict[tuple[int, int], str] = {}
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag not in ("equal", "replace"):
            continue
        for k in range(min(i2 - i1, j2 - j1)):
            for j, sentence in enumerate(previous.blocks[i1 + k][1]):
                if sentence[1] == records.HUMAN:
                    found[(j1 + k, j)] = sentence[0]
                elif sentence[1] == records.STALE:
                    found[(j1 + k, j)] = sentence[2]
    return found


def _sentence(
    seg: Segment, results: Mapping[str, Translated], escape: Escape, render: RenderAtom, terms=()
) -> tuple[str, tuple[str, ...]]:
    if not has_words(seg.text):  # nothing for an engine: atoms only (numbers are localised)
        return (restore(seg.text, seg, escape, render) or ("", ()))[0], ()
    translated = results[seg.text]
    if translated.origin == "human":
        return translated.text, ()
    found = set(translated.flags)
    output = translated.text
    restored = restore(output, seg, escape, render)
    if restored is None:
        chunks = {c: results[c] for c in chunks_to_translate(seg)}
        restored = assemble(pieces(seg), {c: t.text for c, t in chunks.items()}, seg, escape, render)
        output = " ".join(t.text for t in chunks.values())
        found.add(flags.MARKUP_SPLIT)
        found.update(f for t in chunks.values() for f in t.flags)
    text, missing = restored
    found |= fidelity.check(seg, missing, output, text, terms)
    return text, tuple(sorted(found))


def translate_document(
    doc: Document,
    target_lang: str,
    results: Mapping[str, Translated],
    engine,
    render: RenderAtom = source_render,
    previous: records.Record | None = None,
    suggestion: Callable[[str], tuple[str, str] | None] = lambda source_hash: None,
    glossary: Glossary = NO_GLOSSARY,
) -> TranslatedDocument:
    """Assemble a translated document from the engine's (or the memory's) results for its sentences.

    With the previous run's record, a machine translation that replaces an editor's correction
    (because the source changed) is flagged stale-review and carries the editor's version, found
    with ``suggestion(source hash)``, as a suggestion.
    """
    earlier = _earlier_human(previous, doc) if previous else {}
    aligned: list[AlignedBlock] = []
    targets: dict[int, str] = {}
    for block in doc.blocks:
        escape = _escape(block.syntax)
        pairs: list[SentencePair] = []
        keep = kept(block, target_lang)
        for i, seg in enumerate(block.segments):
            first = i == 0

            def esc(text: str, line_start: bool, first=first, escape=escape) -> str:
                return escape(text, line_start and first)

            source = (restore(seg.text, seg, esc, source_render) or ("", ()))[0]
            sid = sentence_id(block, i, seg)
            if keep or not has_words(seg.text):
                target = source if keep else _sentence(seg, results, esc, render)[0]
                pairs.append(SentencePair(source, target, id=sid, origin="kept"))
                continue
            terms = glossary_terms(glossary, doc.source_lang, seg.text)
            target, found = _sentence(seg, results, esc, render, terms)
            origin = results[seg.text].origin
            basis = earlier.get((block.index, i))
            if origin == "machine" and basis and basis != text_hash(seg.text):
                pairs.append(
                    SentencePair(
                        source, target, tuple(sorted({*found, flags.STALE_REVIEW})), sid, origin,
                        suggestion(basis), basis,
                    )
                )
            else:
                pairs.append(SentencePair(source, target, found, sid, origin))
        block_flags = set(block.flags)
        if block.lang == target_lang and not block.keep:
            block_flags.add(flags.TARGET_LANGUAGE)
        for pair in pairs:
            block_flags.update(pair.flags)
        if keep:
            target_text = block.source
        else:
            target_text = " ".join(p.target for p in pairs)
            targets[block.index] = target_text
        aligned.append(
            AlignedBlock(
                index=block.index,
                kind=block.kind,
                source=block.source,
                target=target_text,
                flags=tuple(sorted(block_flags)),
                sentences=tuple(pairs),
                key=block.key,
            )
        )
    return TranslatedDocument(
        document=doc,
        target_lang=target_lang,
        engine=engine.name,
        model=engine.model,
        model_version=engine.model_version,
        blocks=tuple(aligned),
        text=article.render(doc, targets, target_lang),
        settings=dict(engine.settings),
    )
