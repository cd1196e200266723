"""Engine output -> aligned blocks and the translated article. Pure: no engine, no I/O.

Sentences are translated one by one, so the alignment is by construction: block i of the source
faces block i of the translation, sentence j faces sentence j. What happens here is restoring the
placeholders of each sentence, falling back to piecewise translation where an engine lost paired
tags, and keeping blocks that are not to be translated.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable, Mapping

from pipeline.articles import registry
from pipeline.articles.base import Problem
from pipeline.assemble import article
from pipeline.core import flags
from pipeline.core.document import AlignedBlock, Block, Document, Segment, SentencePair, TranslatedDocument
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, KEPT, MACHINE, ModelId
from pipeline.core.placeholders import TAG_RE
from pipeline.engines.base import Translated
from pipeline.localize import fidelity, quantities
from pipeline.localize.glossary import NO_GLOSSARY, Glossary
from pipeline.localize.glossary import expected as glossary_terms
from pipeline.localize.quantities import Quantity
from pipeline.segment.protect import (
    Escape,
    RenderAtom,
    assemble,
    chunks_to_translate,
    has_words,
    pieces,
    restore,
    unmask,
)
from pipeline.store import records


def source_render(span) -> str:
    return span.source


def kept(block: Block, target_lang: str) -> bool:
    # a block in the target language, or in a third one, is never given to a model of the article's language
    return block.keep or block.lang is not None


def segments_to_translate(doc: Document, target_lang: str) -> list[str]:
    """Every sentence text this document needs from the engine, in order, repeats included."""
    return [seg.text for block in doc.blocks if not kept(block, target_lang) for seg in block.segments if has_words(seg.text)]


def fallback_chunks(doc: Document, target_lang: str, results: Mapping[str, Translated]) -> list[str]:
    """Chunks to translate for sentences whose paired tags the engine lost."""
    out: dict[str, None] = {}
    for block in doc.blocks:
        if kept(block, target_lang):
            continue
        for seg in block.segments:
            result = results.get(seg.text) if has_words(seg.text) else None
            if result is not None and result.origin == MACHINE and restore(result.text, seg) is None:
                out.update(dict.fromkeys(chunks_to_translate(seg)))
    return list(out)


def sentence_id(block: Block, j: int, seg: Segment) -> str:
    return f"s{block.index}-{j}-{text_hash(seg.text)[:12]}"


Suggestion = tuple[str, str]


def _earlier_human(previous: records.Record, doc: Document) -> dict[tuple[int, int], tuple[str, Suggestion | None]]:
    """(block, sentence) -> the hash of the source an editor translated there in the previous run,
    and the editor's (source, target) as the article showed them.

    Blocks are matched by content, so a paragraph inserted above does not shift the corrections
    below it onto the wrong sentences; a changed block faces the block it replaced.
    """
    old = [h for h, _ in previous.blocks]
    new = [records.block_hash(doc, b) for b in doc.blocks]
    found: dict[tuple[int, int], tuple[str, Suggestion | None]] = {}
    for tag, i1, i2, j1, j2 in records.block_opcodes(old, new):
        if tag not in ("equal", "replace"):
            continue
        for k in range(min(i2 - i1, j2 - j1)):
            for j, sentence in enumerate(previous.blocks[i1 + k][1]):
                if sentence.origin == HUMAN:
                    found[(j1 + k, j)] = (sentence.hash, sentence.shown)
                elif sentence.review_of:
                    found[(j1 + k, j)] = (sentence.review_of, sentence.suggestion)
    return found


def with_placeholders(translated: Translated, seg: Segment) -> Translated:
    """An editor's text saved as final Markdown by an earlier version, in placeholder form when its
    markup can be found again (else it stays Markdown and is used as it is)."""
    if not translated.markdown:
        return translated
    text = unmask(translated.text, seg)
    return translated if text is None else Translated(text, translated.flags, translated.origin, translated.model)


# --- a person's own numbers ---------------------------------------------------------------------

_DIGIT_RUN_RE = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


_SLASH_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")


def _slash_date(m: re.Match[str], date: tuple) -> bool:
    """Whether "11/03/2023" (month or day first: the scanners leave it unread) is the date."""
    year, month, day = date[0], date[1], date[2]
    y = int(m.group(3))
    if year is not None and y != year and y != year % 100:
        return False
    a, b = int(m.group(1)), int(m.group(2))
    return (a, b) == (month, day) or (b, a) == (month, day)


def _same_quantity(a: Quantity, b: Quantity) -> bool:
    """The same amount, date or time however written ("11 тисяч" and "11,000", "3 квітня" and "April 3, 2022")."""
    if not (a.valid and b.valid):
        return False
    if a.kind == "date" or b.kind == "date":
        if a.date is None or b.date is None or a.date[1:3] != b.date[1:3]:
            return False
        return a.date[0] is None or b.date[0] is None or a.date[0] == b.date[0]
    if a.kind == "time" or b.kind == "time":
        return a.time is not None and a.time == b.time
    return a.value is not None and b.value is not None and a.value == b.value


def written_quantities(text: str, seg: Segment, lang: str | None, render: RenderAtom = source_render) -> dict[int, tuple[int, int]]:
    """The source's quantities that a person's sentence (placeholder form) writes in its own words:
    span number -> where in text. A quantity is found by its value in the language's own
    conventions, else as the source or the locale wrote it, else by its digits ("64th")."""
    words = TAG_RE.sub(lambda m: " " * len(m.group(0)), text)  # placeholders hold digits too
    taken: list[tuple[int, int]] = []
    found: dict[int, tuple[int, int]] = {}

    def free(a: int, b: int) -> bool:
        return all(b <= x or y <= a for x, y in taken)

    theirs = quantities.find(words, lang) if lang else []
    wanted = [(n, span) for n, span in enumerate(seg.spans, 1) if span.kind == "quantity" and f"<x{n}/>" not in text]
    for n, span in wanted:
        q = span.value if isinstance(span.value, Quantity) else None
        candidates = [(a, b) for a, b, t in theirs if q is not None and _same_quantity(q, t)]
        for form in dict.fromkeys((span.source, render(span))):
            candidates += [(m.start(), m.end()) for m in re.finditer(re.escape(form), words)] if form else []
        if q is not None and q.kind == "date" and q.date:
            candidates += [(m.start(), m.end()) for m in _SLASH_DATE_RE.finditer(words) if _slash_date(m, q.date)]
        digits = _digits(span.source)
        candidates += [(m.start(), m.end()) for m in _DIGIT_RUN_RE.finditer(words) if digits and _digits(m.group(0)) == digits]
        where = next((c for c in candidates if free(*c)), None)
        if where is not None:
            taken.append(where)
            found[n] = where
    return found


def as_written(text: str, seg: Segment, lang: str | None, render: RenderAtom) -> tuple[str, RenderAtom]:
    """A person's sentence ready for ``restore``: each quantity they wrote in their own words stands
    as its placeholder again, rendered exactly as they wrote it, so the locale's rendering (and
    putting a "lost" number back) applies to machine output only."""
    found = written_quantities(text, seg, lang, render)
    if not found:
        return text, render
    literal = {id(seg.spans[n - 1]): text[a:b] for n, (a, b) in found.items()}
    for n, (a, b) in sorted(found.items(), key=lambda item: -item[1][0]):
        text = f"{text[:a]}<x{n}/>{text[b:]}"
    return text, lambda span: literal.get(id(span), render(span))


@dataclasses.dataclass(frozen=True)
class Written:
    """How a sentence's text is written into its block: escaped for the block's syntax, atoms
    rendered for the target locale, and whether it begins a line (a block's first sentence)."""

    escape: Escape
    render: RenderAtom
    starts_line: bool = True


def editor_target(translated: Translated, seg: Segment, written: Written, lang: str | None = None) -> tuple[str, tuple[int, ...]]:
    """An editor's or a translator's text in the article: placeholders restored and the words
    escaped exactly like machine output, so nothing an editor types can become markup; numbers
    and dates as they wrote them (``lang``: the language they wrote in)."""
    translated = with_placeholders(translated, seg)
    if translated.markdown:
        return translated.text, ()
    if not translated.text.strip():  # adopt: translated together with the sentence before
        return "", ()
    text, render = as_written(translated.text, seg, lang, written.render)
    restored = restore(text, seg, written.escape, render, written.starts_line)
    if restored is None:  # import refuses such text; a damaged record must still not break the article
        return written.escape(TAG_RE.sub("", translated.text), written.starts_line), ()
    return restored


ADOPTED_ENGINE = "adopted"  # the pseudo-model of a translator's sentence adopt is not sure of: still a person's text


def _sentence(
    seg: Segment, results: Mapping[str, Translated], written: Written, terms=(), lang: str | None = None
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The sentence in the article, its flags, and what each problem flag is about."""
    escape, render, starts = written.escape, written.render, written.starts_line
    if not has_words(seg.text):  # nothing for an engine: atoms only (numbers are localised)
        return (restore(seg.text, seg, escape, render, starts) or ("", ()))[0], (), ()
    translated = results[seg.text]
    if translated.origin == HUMAN or (translated.model is not None and translated.model.engine == ADOPTED_ENGINE):
        text, missing = editor_target(translated, seg, written, lang)
        lost = tuple(f"{flags.PLACEHOLDER_RESTORED}: {seg.spans[n - 1].source}" for n in missing)
        found = {*translated.flags, flags.PLACEHOLDER_RESTORED} if lost else set(translated.flags)
        return text, tuple(sorted(found)), lost
    found = set(translated.flags)
    output = translated.text
    restored = restore(output, seg, escape, render, starts)
    if restored is None:
        chunks = {c: results[c] for c in chunks_to_translate(seg)}
        restored = assemble(pieces(seg), {c: t.text for c, t in chunks.items()}, seg, escape, render, starts)
        output = " ".join(t.text for t in chunks.values())
        found.add(flags.MARKUP_SPLIT)
        found.update(f for t in chunks.values() for f in t.flags)
    text, missing = restored
    about = fidelity.details(seg, missing, output, text, terms)
    if flags.DECODING_CAPPED in found:
        about.setdefault(flags.DECODING_CAPPED, []).append(_cap(translated.model, output))
    found |= set(about)
    return text, tuple(sorted(found)), tuple(f"{flag}: {what}" for flag in sorted(about) for what in about[flag])


def _cap(model: ModelId | None, output: str) -> str:
    """What the decoding cap was, from the settings that translated the sentence."""
    try:
        settings = json.loads(model.settings) if model is not None and model.settings else {}
    except ValueError:
        settings = {}
    words = f"stopped after {len(output.split())} words"
    if settings.get("force_length"):
        return f"{words}, at the fixed cap of {settings['force_length']} tokens (argos.force_length)"
    if "max_length_ratio" in settings:
        return (
            f"{words}, at the cap of {settings['max_length_ratio']} × the source's tokens + {settings.get('max_length_extra', 0)} "
            "(argos.max_length_ratio, argos.max_length_extra)"
        )
    return f"{words}, at the engine's length cap"


def _review_state(previous: records.Record | None) -> dict[str, records.Sentence]:
    """Source hash -> the previous record's sentence that editors acknowledged, changed or marked."""
    if previous is None:
        return {}
    return {s.hash: s for s in previous.sentences() if s.acks or s.history or s.needs_editing}


def _no_suggestion(source_hash: str) -> Suggestion | None:
    return None


class Named:
    """The engine as the outputs name it, from the model a record holds."""

    def __init__(self, model: ModelId):
        self.name, self.model, self.model_version = model.engine, model.package, model.version
        self.settings = json.loads(model.settings or "{}")


@dataclasses.dataclass(frozen=True)
class Assembly:
    """How a document's translation is assembled, beyond its sentences' results.

    ``render``: how a protected atom (a number, a date) reads in the target locale. ``previous``:
    the article's record from the run before, so a machine translation that replaces an editor's
    correction (because the source changed) is flagged stale-review and carries the editor's
    version, found with ``suggestion(source hash)``, as a suggestion. ``glossary``: the terms a
    translation is checked for. ``wrap``: paragraphs whose source is hard-wrapped are wrapped to
    the same width.
    """

    render: RenderAtom = source_render
    previous: records.Record | None = None
    suggestion: Callable[[str], Suggestion | None] = _no_suggestion
    glossary: Glossary = NO_GLOSSARY
    wrap: bool = False


@dataclasses.dataclass(frozen=True)
class _Assembling:
    """One document's assembly under way: what every block's sentences are looked up in."""

    doc: Document
    target_lang: str
    results: Mapping[str, Translated]
    options: Assembly
    earlier: dict[tuple[int, int], tuple[str, Suggestion | None]]
    state: dict[str, records.Sentence]


def translate_document(
    doc: Document, target_lang: str, results: Mapping[str, Translated], engine, options: Assembly = Assembly()
) -> TranslatedDocument:
    """Assemble a translated document from the engine's (or the memory's) results for its sentences."""
    previous = options.previous
    at = _Assembling(doc, target_lang, results, options, _earlier_human(previous, doc) if previous else {}, _review_state(previous))
    aligned: list[AlignedBlock] = []
    targets: dict[int, str] = {}
    escape_for = functools.cache(functools.partial(registry.get(doc.format).escape, doc))  # one per syntax
    for block in doc.blocks:
        pairs = _block_pairs(at, block, escape_for(block.syntax))
        one = _aligned_block(block, pairs, target_lang)
        if not kept(block, target_lang):
            targets[block.index] = one.target
        aligned.append(one)
    problems = registry.get(doc.format).problems(doc, targets)
    if problems:
        aligned = [_with_problems(a, problems[a.index]) if a.index in problems else a for a in aligned]
    return TranslatedDocument(
        document=doc,
        target_lang=target_lang,
        engine=engine.name,
        model=engine.model,
        model_version=engine.model_version,
        blocks=tuple(aligned),
        text=article.render(doc, targets, target_lang, options.wrap),
        settings=dict(engine.settings),
    )


def _block_pairs(at: _Assembling, block: Block, escape: Escape) -> list[SentencePair]:
    """A block's sentences, source and target as the article shows them, in order."""
    pairs: list[SentencePair] = []
    keep = kept(block, at.target_lang)
    for i, seg in enumerate(block.segments):
        written = Written(escape, at.options.render, starts_line=i == 0)  # the others follow a space
        source = (restore(seg.text, seg, escape, source_render, written.starts_line) or ("", ()))[0]
        if keep or not has_words(seg.text):
            target = source if keep else _sentence(seg, at.results, written)[0]
            pairs.append(SentencePair(source, target, id=sentence_id(block, i, seg), origin=KEPT))
            continue
        pairs.append(_translated_pair(at, block, i, seg, source, written))
    return pairs


def _translated_pair(at: _Assembling, block: Block, i: int, seg: Segment, source: str, written: Written) -> SentencePair:
    """Sentence i of the block, which has words to translate: its target, flags, what they are
    about, the acknowledgements that still hold, and a stale review's suggestion."""
    sid = sentence_id(block, i, seg)
    terms = glossary_terms(at.options.glossary, at.doc.source_lang, seg.text)
    target, found, about = _sentence(seg, at.results, written, terms, at.target_lang)
    origin = at.results[seg.text].origin
    marked = at.state.get(text_hash(seg.text))
    acks = flags.holding(marked.acks, at.results[seg.text].text) if marked else ()
    basis = at.earlier.get((block.index, i))
    if origin == MACHINE and basis and basis[0] != text_hash(seg.text):
        return SentencePair(
            source,
            target,
            tuple(sorted({*found, flags.STALE_REVIEW})),
            sid,
            origin,
            basis[1] or at.options.suggestion(basis[0]),
            basis[0],
            about,
            acks,
        )
    return SentencePair(source, target, found, sid, origin, details=about, acks=acks)


def _aligned_block(block: Block, pairs: list[SentencePair], target_lang: str) -> AlignedBlock:
    """The block facing its translation (a kept block: its source), with its own and its sentences' flags."""
    block_flags = set(block.flags)
    if block.lang == target_lang and not block.keep:
        block_flags.add(flags.TARGET_LANGUAGE)
    elif block.lang is not None and not block.keep:
        block_flags.add(flags.OTHER_LANGUAGE)
    for pair in pairs:
        block_flags.update(pair.flags)
    return AlignedBlock(
        index=block.index,
        kind=block.kind,
        source=block.source,
        target=block.source if kept(block, target_lang) else " ".join(p.target for p in pairs),
        flags=tuple(sorted(block_flags)),
        sentences=tuple(pairs),
        key=block.key,
    )


def _with_problems(block: AlignedBlock, problems: list[Problem]) -> AlignedBlock:
    """The block with what its format found wrong in its rendered translation on the sentences it
    is about (their places in the block's target, the sentences' targets joined by spaces)."""
    pairs = []
    at = 0
    for pair in block.sentences:
        start, end = at, at + len(pair.target)
        at = end + 1
        mine = [p for p in problems if p.start < end and p.end > start or p.start == p.end == start]
        if not mine or pair.origin == "kept":
            pairs.append(pair)
            continue
        about = tuple(dict.fromkeys((*pair.details, *(f"{p.flag}: {p.detail}" for p in mine))))
        pairs.append(dataclasses.replace(pair, flags=tuple(sorted({*pair.flags, *(p.flag for p in mine)})), details=about))
    found = {f for pair in pairs for f in pair.flags}
    return dataclasses.replace(block, sentences=tuple(pairs), flags=tuple(sorted({*block.flags, *found})))


def recorded(
    td: TranslatedDocument, results: Mapping[str, Translated], fallback: ModelId, previous: records.Record | None = None
) -> tuple[tuple[tuple[str, tuple[records.Sentence, ...]], ...], tuple[records.Sentence, ...]]:
    """What the record keeps of a translated document: per block its hash and per sentence its
    target with placeholders, origin and model; and the chunks of sentences translated piecewise.
    What editors said about a sentence (previous record, same source) is kept: its history and
    needs-editing mark, and the acknowledgements that still hold for its target."""
    doc = td.document
    state = _review_state(previous)

    def carried(s: records.Sentence) -> records.Sentence:
        was = state.get(s.hash)
        if was is None:
            return s
        return dataclasses.replace(s, acks=flags.holding(was.acks, s.target), history=was.history, needs_editing=was.needs_editing)

    blocks = []
    chunk_sentences: dict[str, records.Sentence] = {}

    def machine(text: str, r: Translated, pair: SentencePair | None = None) -> records.Sentence:
        return records.Sentence(
            text_hash(text),
            MACHINE,
            r.text,
            r.model or fallback,
            r.flags,
            review_of=pair.review_of if pair else "",
            suggestion=pair.suggestion if pair else None,
        )

    for block, aligned in zip(doc.blocks, td.blocks):
        sentences = []
        for seg, pair in zip(block.segments, aligned.sentences):
            h = text_hash(seg.text)
            if pair.origin == KEPT:
                sentences.append(records.Sentence(h, KEPT, None))
                continue
            r = results[seg.text]
            if r.origin == HUMAN:
                r = with_placeholders(r, seg)
                sentences.append(
                    carried(
                        records.Sentence(
                            h,
                            HUMAN,
                            r.text,
                            None,
                            (records.FINAL_MARKDOWN,) if r.markdown else (),
                            shown=(pair.source, pair.target),
                        )
                    )
                )
                continue
            sentences.append(carried(machine(seg.text, r, pair)))
            if flags.MARKUP_SPLIT in pair.flags:
                for chunk in chunks_to_translate(seg):
                    chunk_sentences[text_hash(chunk)] = machine(chunk, results[chunk])
        blocks.append((records.block_hash(doc, block), tuple(sentences)))
    return tuple(blocks), tuple(chunk_sentences[h] for h in sorted(chunk_sentences))
