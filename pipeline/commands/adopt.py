"""Existing human translations into the system of record, sentence by sentence.

An article and its translation are paired by path (the output template under the translations
folder, as `translate` would have written it) or by a front matter key (Hugo's
``translationKey``). Their structures are aligned, then their sentences (align.py). Each source
sentence gets a record entry: ``human`` with the translator's sentence in placeholder form when
the alignment is confident and every piece of code, link and number of the source is found in it;
``machine`` from the pseudo-model ``adopted`` and flagged ``alignment-uncertain`` when the
alignment is not confident (the article still reads as the translator wrote it, and the pair is
listed for review; an editor's approval or ``--retranslate-machine`` settles it); no target at all
when the translator's sentence cannot be put in placeholder form (its links or emphasis are not the
source's), so the engine translates it the next time the article is written.

The record names the existing translation as the article's output, with its hash, so ``check``
says fresh or stale and ``translate`` leaves the file alone until its source changes. The
translation itself is never written; the bilingual JSON and review page are written beside it
(new files, or the pipeline's own), with the record, pending-then-rename as ``translate`` does.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import ClassVar

from pipeline import localize
from pipeline.articles import read
from pipeline.assemble import align, alignment_json, review_html
from pipeline.core import flags, paths
from pipeline.core.config import Config
from pipeline.core.document import HUMAN_ID, AlignedBlock, Document, ModelId, Segment, TranslatedDocument
from pipeline.core.errors import InputError
from pipeline.core.hashes import file_sha256, text_hash
from pipeline.engines.base import Translated
from pipeline.evaluate import align as evaluate_align
from pipeline.evaluate.align import DEFAULT_THRESHOLD, Alignment, align_documents, piece_segment
from pipeline.evaluate.anchors import words_of
from pipeline.evaluate.boundaries import Piece
from pipeline.localize import glossary
from pipeline.segment.protect import TAG_RE, TEXT_KINDS, has_words, restore, unmask
from pipeline.store import records
from pipeline.store.fileio import FolderLock, clean_temp, make_dirs, same_content, write_atomic

_LETTER_RE = re.compile(r"[^\W\d_]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
ADOPTED = ModelId(align.ADOPTED_ENGINE)  # what a record names for a translator's sentence it is not sure of
AS_WRITTEN = ("quantity",)  # atoms a translator's words keep as they wrote them

ADOPTED_OK, DIVERGES, NO_TRANSLATION, ALREADY, FAILED, SKIPPED = (
    "adopted",
    "diverges",
    "no-translation",
    "already-recorded",
    "failed",
    "skipped",
)


@dataclass(frozen=True)
class Review:
    """A source sentence whose translation was not adopted as the translator's: why, and both texts."""

    block: int  # 1-based, as check numbers blocks
    sentence: int  # 1-based inside the block
    source: str
    target: str
    reason: str


@dataclass
class Outcome:
    source: str  # the source article as the user named it
    target_lang: str
    status: str
    translation: str = ""  # the translation file
    detail: str = ""
    human: int = 0  # sentences adopted as the translator's
    uncertain: int = 0  # stored but flagged alignment-uncertain
    unadopted: int = 0  # no target stored: the engine translates them when the article is next written
    review: list[Review] = field(default_factory=list)


class _Engine:
    """What the bilingual files name as the translation's maker: a person."""

    name, model, model_version = HUMAN_ID.engine, "", ""
    settings: ClassVar[dict] = {}


@dataclass
class _Choice:
    """What one source sentence gets: the translator's Markdown, how sure the alignment is, and why not."""

    markdown: str
    confidence: float
    reasons: list[str] = field(default_factory=list)
    bead: str = ""  # translated together with the sentence before: the Markdown that holds its numbers


def segment_markdown(seg: Segment) -> str:
    """A sentence of the translation as Markdown (its own spans put back as written)."""
    restored = restore(seg.text, seg)
    return restored[0] if restored else TAG_RE.sub("", seg.text)


def _target_markdown(tblock, pieces: Sequence[Piece], indexes: Sequence[int]) -> str:
    """The translator's Markdown for a bead's target sentences (or pieces of them: consecutive
    pieces of one sentence are the stretch of it they cover, as written)."""
    if not pieces:
        return " ".join(segment_markdown(tblock.segments[j]) for j in indexes)
    parts = []
    for n, group in groupby((pieces[j] for j in indexes), key=lambda p: p.segment):
        covered = list(group)
        parts.append(segment_markdown(piece_segment(tblock, Piece(n, covered[0].start, covered[-1].end))))
    return " ".join(parts)


def _choices(doc: Document, tdoc: Document, alignment: Alignment) -> dict[tuple[int, int], _Choice]:
    """(block, sentence) of the source -> what the translation offers it, from the beads."""
    out: dict[tuple[int, int], _Choice] = {}
    for pair in alignment.pairs:
        if pair.source is None:
            continue
        block = doc.blocks[pair.source]
        if pair.target is None:
            for i, _ in enumerate(block.segments):
                where = f"front matter key {block.key!r}" if block.key else "this block"
                out[(block.index, i)] = _Choice("", 0.0, [f"{where} is not in the translation"])
            continue
        tblock = tdoc.blocks[pair.target]
        orphans: list[str] = []  # target sentences with no source (0-1): kept with a neighbour
        last: _Choice | None = None
        for bead in pair.beads:
            md = _target_markdown(tblock, pair.pieces, bead.target)
            if not bead.source:
                if last is not None:
                    last.markdown = f"{last.markdown} {md}".strip()
                    last.reasons.append("the translation adds a sentence here")
                else:
                    orphans.append(md)
                continue
            first, *rest = bead.source
            choice = _Choice(md, bead.confidence)
            if not bead.target:
                choice.reasons.append("not in the translation")
            if orphans:
                choice.markdown = " ".join([*orphans, md]).strip()
                choice.reasons.append("the translation adds a sentence here")
                orphans = []
            out[(block.index, first)] = choice
            for i in rest:  # translated together with the sentence before: nothing of its own
                merged = _Choice("", bead.confidence, bead=md)
                if not bead.target:
                    merged.reasons.append("not in the translation")
                elif any(span.kind not in TEXT_KINDS for span in block.segments[i].spans):
                    merged.reasons.append("translated together with the sentence before, which cannot hold its code or links")
                out[(block.index, i)] = merged
            last = choice
    return out


def _placeholders(choice: _Choice, seg: Segment, render, lang: str) -> str | None:
    """The translator's sentence against the source sentence's spans, or None when its paired markup
    (links, emphasis) cannot be found; adds a reason for every atom that is missing. Numbers and
    dates stay as the translator wrote them (found by their value, see align.written_quantities)."""
    if not choice.markdown:
        held = unmask(choice.bead, seg, render, AS_WRITTEN) or ""
        found = align.written_quantities(held, seg, lang, render)
        choice.reasons.extend(
            f"{render(s)!r} is not in the translation" for n, s in enumerate(seg.spans, 1) if s.kind == "quantity" and n not in found
        )
        return ""
    text = unmask(choice.markdown, seg, render, AS_WRITTEN)
    if text is None or restore(text, seg) is None:
        return None
    found = align.written_quantities(text, seg, lang, render)
    for n, span in enumerate(seg.spans, 1):
        if not span.paired and span.kind != "break" and f"<x{n}/>" not in text and n not in found:
            choice.reasons.append(f"{render(span)!r} is not in the translation")
    return text


def adopt_article(
    doc: Document, tdoc: Document, config: Config, threshold: float = DEFAULT_THRESHOLD
) -> tuple[TranslatedDocument, tuple, Outcome] | Alignment:
    """The translated document (for the bilingual files), the record's blocks, and what was adopted;
    or the alignment, when the structures diverge."""
    target = tdoc.source_lang
    alignment = align_documents(doc, tdoc, split_target=evaluate_align.SPLIT_TARGET, sure=threshold if evaluate_align.SETTLE else 0.0)
    if not alignment.matches:
        return alignment
    render = localize.renderer(localize.locale_for(target, config.locales))
    choices = _choices(doc, tdoc, alignment)
    results: dict[str, Translated] = {}
    entries: dict[tuple[int, int], tuple[str, str | None, tuple[str, ...], str]] = {}  # origin, target, reasons, as written
    outcome = Outcome(doc.path, target, ADOPTED_OK)
    for block in doc.blocks:
        if align.kept(block, target):
            continue
        for i, seg in enumerate(block.segments):
            if not has_words(seg.text):
                continue
            choice = choices.get((block.index, i), _Choice("", 0.0, ["not in the translation"]))
            text = _placeholders(choice, seg, render, target)
            if choice.confidence < threshold:
                choice.reasons.append(f"alignment confidence {choice.confidence:.2f}")
            earlier = results.get(seg.text)
            if earlier is not None and text is not None and earlier.text != text:
                # identical sentences are written alike: the article can show only one of the translations
                choice.reasons.append("the same sentence is translated otherwise earlier in the article")
            if text is None:
                reason = "its links or emphasis are not the source's"
                entries[(block.index, i)] = (records.MACHINE, None, (reason, *choice.reasons), choice.markdown)
                results.setdefault(seg.text, Translated(choice.markdown, (), "human", None, markdown=True))
            elif choice.reasons:
                entries[(block.index, i)] = (records.MACHINE, text, tuple(choice.reasons), choice.markdown)
                results.setdefault(seg.text, Translated(text, (flags.ALIGNMENT_UNCERTAIN,), "machine", ADOPTED))
            else:
                entries[(block.index, i)] = (records.HUMAN, text, (), choice.markdown)
                results.setdefault(seg.text, Translated(text, (), "human"))
    td = align.translate_document(doc, target, results, _Engine(), render=render, glossary=glossary.for_folder(config.glossary_dir))
    td = _mark_unconfirmed(td, entries)
    blocks = []
    for block, aligned in zip(doc.blocks, td.blocks):
        sentences = []
        for i, (seg, pair) in enumerate(zip(block.segments, aligned.sentences)):
            h = text_hash(seg.text)
            entry = entries.get((block.index, i))
            if entry is None:
                sentences.append(records.Sentence(h, records.KEPT, None))
                continue
            origin, text, reasons, written = entry
            if origin == records.HUMAN:
                outcome.human += 1
                sentences.append(records.Sentence(h, records.HUMAN, text, shown=(pair.source, pair.target)))
                continue
            if text is None:
                outcome.unadopted += 1
                sentences.append(records.Sentence(h, records.MACHINE, None, ADOPTED))
            else:
                outcome.uncertain += 1
                sentences.append(records.Sentence(h, records.MACHINE, text, ADOPTED, (flags.ALIGNMENT_UNCERTAIN,)))
            outcome.review.append(Review(block.index + 1, i + 1, pair.source, written, "; ".join(reasons)))
        blocks.append((records.block_hash(doc, block), tuple(sentences)))
    return td, tuple(blocks), outcome


def _mark_unconfirmed(td: TranslatedDocument, entries) -> TranslatedDocument:
    """Pairs the record does not hold as the translator's show as such in the bilingual files."""
    blocks = []
    for aligned in td.blocks:
        pairs = []
        for i, pair in enumerate(aligned.sentences):
            entry = entries.get((aligned.index, i))
            if entry is not None and entry[0] == records.MACHINE:
                found = tuple(sorted({*pair.flags, flags.ALIGNMENT_UNCERTAIN}))
                about = tuple(f"{flags.ALIGNMENT_UNCERTAIN}: {r}" for r in entry[2])
                pair = dataclasses.replace(pair, origin="machine", flags=found, details=(*pair.details, *about))
            pairs.append(pair)
        block_flags = set(aligned.flags) | {f for p in pairs for f in p.flags}
        blocks.append(dataclasses.replace(aligned, sentences=tuple(pairs), flags=tuple(sorted(block_flags))))
    return dataclasses.replace(td, blocks=tuple(blocks))


def _flagged(blocks: Sequence[AlignedBlock]) -> tuple[tuple[str, int], ...]:
    """Sentences per problem flag; under "" the sentences with any (as translate counts them)."""
    counts: Counter = Counter()
    for sentence in (s for b in blocks for s in b.sentences):
        problems = set(sentence.flags) & flags.PROBLEMS
        counts[""] += bool(problems)
        counts.update(problems)
    return tuple(sorted((k, v) for k, v in counts.items() if v))


# --- folders ------------------------------------------------------------------------------------


def _key_index(folder: Path, key: str, config: Config) -> tuple[dict[str, Path], list[InputError]]:
    """Front matter value of ``key`` -> the file holding it, for every article under folder."""
    found, problems = paths.discover([str(folder)], config.include, config.exclude)
    index: dict[str, Path] = {}
    for source in found:
        value = _front_matter_value(source.path, source.shown, key, config)
        if value is None:
            continue
        if value in index:
            problems.append(InputError(source.shown, f"{key}: {value!r} is also the {key} of {index[value]}"))
            continue
        index[value] = source.path
    return index, problems


def _front_matter_value(path: Path, shown: str, key: str, config: Config) -> str | None:
    from pipeline.articles import markdown

    try:
        text = read.read_text(path, shown, config.max_file_bytes)[0]
        value = markdown.parse(text).meta.get(key)
    except (InputError, ValueError):  # an unreadable file is reported when it is adopted, not here
        return None
    return None if value is None else str(value)


def adopt(
    inputs: Sequence[str],
    out_dir: Path,
    config: Config,
    translations: Path | None = None,
    target: str | None = None,
    source_lang: str | None = None,
    key: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    dry_run: bool = False,
) -> tuple[list[Outcome], list[InputError]]:
    """Adopt the translations of the articles under ``inputs``; the outcome per article."""
    translations = translations or out_dir
    paths.check_out_dir(inputs, out_dir)
    roots = paths.known_roots(out_dir, config.source_roots)
    sources, problems = paths.discover(list(inputs), config.include, config.exclude, [out_dir], roots)
    index: dict[str, Path] = {}
    if key:
        index, more = _key_index(translations, key, config)
        problems.extend(more)
    outcomes: list[Outcome] = []
    lock = FolderLock(out_dir)
    if not dry_run:
        make_dirs(out_dir)
        lock.acquire()
    try:
        known = set(records.known_roots(out_dir))
        docs: dict[Path, Document | InputError] = {}
        for source in sources:
            docs[source.path] = _read(source, config, source_lang, target)
        # a section page with only a title like "2023" has no prose to tell its language: it is in
        # the language of the other articles of its source folder
        langs: dict[Path, Counter] = {}
        for source in sources:
            doc = docs[source.path]
            if isinstance(doc, Document):
                langs.setdefault(source.root, Counter())[doc.source_lang] += 1
        for source in sources:
            doc = docs[source.path]
            if isinstance(doc, read.NoProse) and langs.get(source.root):
                docs[source.path] = _read(source, config, langs[source.root].most_common(1)[0][0], target)
        for source in sources:
            try:
                outcome = _one(source, docs[source.path], out_dir, config, translations, target, key, index, threshold, dry_run, known)
            except InputError as e:
                outcome = Outcome(source.shown, target or "", FAILED, detail=e.reason)
            if outcome is not None:
                outcomes.append(outcome)
    finally:
        lock.release()
    return outcomes, problems


def _in_language(doc: Document, lang: str) -> bool:
    """Whether a translation's words are at least partly in its language's script: a fifth of the
    letters (the otel translation with most English talk titles has 42% Cyrillic)."""
    words = " ".join(words_of(s) for b in doc.blocks for s in b.segments)
    letters = len(_LETTER_RE.findall(words))
    if letters < 20:
        return True
    cyrillic = len(_CYRILLIC_RE.findall(words)) / letters
    return cyrillic >= 0.2 if lang == "uk" else cyrillic <= 0.8


def _read(source: paths.Source, config: Config, source_lang: str | None, target: str | None) -> Document | InputError:
    # with --to, an article without prose is in the other language
    default = ("en" if target == "uk" else "uk") if target else None
    try:
        return dataclasses.replace(read.load(source.path, source.shown, config, source_lang, default), path=source.rel)
    except InputError as e:
        return e


def _one(source, doc, out_dir, config, translations, target, key, index, threshold, dry_run, known) -> Outcome | None:
    if isinstance(doc, read.NoProse):
        return Outcome(source.shown, target or "", SKIPPED, detail=doc.reason)
    if isinstance(doc, InputError):
        raise doc
    src = doc.source_lang
    tgt = target or ("en" if src == "uk" else "uk")
    if tgt == src:
        return None
    article_path = paths.output_path(out_dir, config.output.article, source, src, tgt)
    if key:
        value = _front_matter_value(source.path, source.shown, key, config)
        found = index.get(value) if value is not None else None
        if found is None:
            why = f"no {key} in its front matter" if value is None else f"no translation has {key}: {value!r}"
            return Outcome(source.shown, tgt, NO_TRANSLATION, detail=why)
        translation = found
    else:
        translation = paths.output_path(translations, config.output.article, source, src, tgt)
    shown = paths.shown(str(translation))
    if not translation.is_file():
        return Outcome(source.shown, tgt, NO_TRANSLATION, shown, "no file there")
    inside = paths.real(translation).is_relative_to(paths.real(out_dir))
    placed = translation if inside else article_path  # where the record finds it in the output folder
    placed_rel = Path(os.path.relpath(paths.real(placed), paths.real(out_dir))).as_posix()
    data = translation.read_bytes()
    digest = file_sha256(data)
    stored = records.stored(out_dir, tgt, source.rel)
    if digest in stored.ours().get(placed_rel, set()):
        return Outcome(source.shown, tgt, ALREADY, shown, "the output folder's record already holds this file")
    if not inside and placed.exists() and not same_content(placed, data):
        raise InputError(source.shown, f"{placed} exists and is not {shown}; not overwritten")
    tdoc = read.load(translation, shown, config, tgt)
    if not _in_language(tdoc, tgt):  # a copy of the source is no translation to adopt
        return Outcome(source.shown, tgt, FAILED, shown, f"hardly any of it is in {tgt}; not adopted")
    made = adopt_article(doc, tdoc, config, threshold)
    if isinstance(made, Alignment):
        return Outcome(source.shown, tgt, DIVERGES, shown, f"the structures differ: {made.divergence}")
    td, blocks, outcome = made
    outcome.source, outcome.translation = source.shown, shown
    outputs: dict[Path, str | bytes] = {placed: data}
    outputs[paths.output_path(out_dir, config.output.bilingual, source, src, tgt, ".json")] = alignment_json.render(td)
    if config.output.review_html:
        outputs[paths.output_path(out_dir, config.output.bilingual, source, src, tgt, ".html")] = review_html.render(td)
    ours = stored.ours()
    for path, text in list(outputs.items())[1:]:
        rel = path.relative_to(out_dir).as_posix()
        raw = text.encode("utf-8") if isinstance(text, str) else text
        if path.exists() and not same_content(path, raw) and file_sha256(path.read_bytes()) not in ours.get(rel, set()):
            raise InputError(source.shown, f"{path} exists and was not written by the pipeline; not overwritten")
    from pipeline.commands import run

    record = records.Record(
        root=paths.relative_root(source.root, out_dir),
        rel=source.rel,
        source_lang=src,
        target_lang=tgt,
        source_sha256=doc.sha256,
        article=placed_rel,
        blocks=blocks,
        outputs=tuple(
            (
                Path(os.path.relpath(paths.real(p), paths.real(out_dir))).as_posix(),
                file_sha256(t.encode("utf-8") if isinstance(t, str) else t),
            )
            for p, t in outputs.items()
        ),
        model=HUMAN_ID,
        fingerprint=run.fingerprint(config),
        flagged=_flagged(td.blocks),
    )
    if dry_run:
        return outcome
    if record.root not in known:
        known.add(record.root)
        for path, text in records.roots_file(out_dir, sorted(known)).items():
            if not same_content(path, text):
                write_atomic(path, text)
    record_path = records.path(out_dir, tgt, source.rel)
    clean_temp({p.parent for p in outputs} | {record_path.parent})
    records.commit(out_dir, record, outputs)  # the translation itself is written only when it is copied in
    return outcome


def to_json(outcomes: Sequence[Outcome]) -> str:
    return json.dumps(
        {
            "summary": dict(Counter(o.status for o in outcomes)),
            "articles": [
                {
                    "source": o.source,
                    "target_lang": o.target_lang,
                    "status": o.status,
                    "translation": o.translation,
                    "detail": o.detail,
                    "human": o.human,
                    "uncertain": o.uncertain,
                    "unadopted": o.unadopted,
                    "review": [dataclasses.asdict(r) for r in o.review],
                }
                for o in outcomes
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
