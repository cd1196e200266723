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
from pipeline.articles import parallel, read
from pipeline.assemble import align
from pipeline.core import flags, paths
from pipeline.core.config import Config
from pipeline.core.document import Document, Segment, TranslatedDocument
from pipeline.core.errors import ExitStatus, InputError
from pipeline.core.hashes import file_sha256, text_hash
from pipeline.core.identity import HUMAN, HUMAN_ID, KEPT, MACHINE, ModelId
from pipeline.core.placeholders import TAG_RE
from pipeline.engines.base import Translated
from pipeline.evaluate import align as evaluate_align
from pipeline.evaluate.align import DEFAULT_THRESHOLD, Alignment, align_documents, piece_segment
from pipeline.evaluate.anchors import words_of
from pipeline.evaluate.boundaries import Piece
from pipeline.localize import glossary
from pipeline.segment.protect import TEXT_KINDS, has_words, restore, unmask
from pipeline.store import fileio, records
from pipeline.store.fileio import make_dirs
from pipeline.workspace import Workspace
from pipeline.writer import Translation, Writer

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
    unwritten: bool = False  # failed because an output could not be written (exit 6)


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
                entries[(block.index, i)] = (MACHINE, None, (reason, *choice.reasons), choice.markdown)
                results.setdefault(seg.text, Translated(choice.markdown, (), HUMAN, None, markdown=True))
            elif choice.reasons:
                entries[(block.index, i)] = (MACHINE, text, tuple(choice.reasons), choice.markdown)
                results.setdefault(seg.text, Translated(text, (flags.ALIGNMENT_UNCERTAIN,), MACHINE, ADOPTED))
            else:
                entries[(block.index, i)] = (HUMAN, text, (), choice.markdown)
                results.setdefault(seg.text, Translated(text, (), HUMAN))
    options = align.Assembly(render=render, glossary=glossary.for_folder(config.glossary_dir))
    td = align.translate_document(doc, target, results, _Engine(), options)
    td = _mark_unconfirmed(td, entries)
    blocks = []
    for block, aligned in zip(doc.blocks, td.blocks):
        sentences = []
        for i, (seg, pair) in enumerate(zip(block.segments, aligned.sentences)):
            h = text_hash(seg.text)
            entry = entries.get((block.index, i))
            if entry is None:
                sentences.append(records.Sentence(h, KEPT, None))
                continue
            origin, text, reasons, written = entry
            if origin == HUMAN:
                outcome.human += 1
                sentences.append(records.Sentence(h, HUMAN, text, shown=(pair.source, pair.target)))
                continue
            if text is None:
                outcome.unadopted += 1
                sentences.append(records.Sentence(h, MACHINE, None, ADOPTED))
            else:
                outcome.uncertain += 1
                sentences.append(records.Sentence(h, MACHINE, text, ADOPTED, (flags.ALIGNMENT_UNCERTAIN,)))
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
            if entry is not None and entry[0] == MACHINE:
                found = tuple(sorted({*pair.flags, flags.ALIGNMENT_UNCERTAIN}))
                about = tuple(f"{flags.ALIGNMENT_UNCERTAIN}: {r}" for r in entry[2])
                pair = dataclasses.replace(pair, origin=MACHINE, flags=found, details=(*pair.details, *about))
            pairs.append(pair)
        block_flags = set(aligned.flags) | {f for p in pairs for f in p.flags}
        blocks.append(dataclasses.replace(aligned, sentences=tuple(pairs), flags=tuple(sorted(block_flags))))
    return dataclasses.replace(td, blocks=tuple(blocks))


# --- folders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    translations: Path | None = None  # where the translations are (default: the output folder)
    target: str | None = None  # --to
    source_lang: str | None = None  # --from
    key: str | None = None  # pair by this front matter key (Hugo's translationKey) instead of by path
    threshold: float = DEFAULT_THRESHOLD
    dry_run: bool = False


def adopt(ws: Workspace, inputs: Sequence[str], options: Options | None = None) -> tuple[list[Outcome], list[InputError]]:
    """Adopt the translations of the articles under ``inputs``; the outcome per article."""
    options = options or Options()
    sources, problems = ws.sources(list(inputs))
    adoption = _Adoption(ws, options, ws.writer([paths.real(s.path) for s in sources]))
    if options.key:
        more = adoption.index_keys()
        problems.extend(more)
    outcomes: list[Outcome] = []
    lock = ws.lock()
    if not options.dry_run:
        make_dirs(ws.out)
        lock.acquire()
    try:
        docs = {source.path: adoption.read(source, options.source_lang) for source in sources}
        # a section page with only a title like "2023" has no prose to tell its language: it is in
        # the language of the other articles of its source folder
        langs: dict[Path, Counter] = {}
        for source in sources:
            doc = docs[source.path]
            if isinstance(doc, Document):
                langs.setdefault(source.root, Counter())[doc.source_lang] += 1
        for source in sources:
            if isinstance(docs[source.path], read.NoProse) and langs.get(source.root):
                docs[source.path] = adoption.read(source, langs[source.root].most_common(1)[0][0])
        for source in sources:
            try:
                outcome = adoption.one(source, docs[source.path])
            except InputError as e:
                detail = e.reason if e.path == source.shown else str(e)  # the translation's file, when it is the one at fault
                outcome = Outcome(source.shown, options.target or "", FAILED, detail=detail, unwritten=e.status == ExitStatus.OUTPUT_ERROR)
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


class _Adoption:
    """One adopt command: what every article needs, in one place."""

    def __init__(self, ws: Workspace, options: Options, writer: Writer):
        self.ws, self.options, self.writer = ws, options, writer
        self.config = ws.config
        self.folder = options.translations or ws.out
        self.index: dict[str, Path] = {}

    def index_keys(self) -> list[InputError]:
        """Front matter value of the key -> the file holding it, for every article under the translations."""
        key = self.options.key
        assert key is not None
        found, problems = paths.discover([str(self.folder)], self.config.include, self.config.exclude)
        for source in found:
            value = self._key_value(source.path, source.shown)
            if value is None:
                continue
            if value in self.index:
                problems.append(InputError(source.shown, f"{key}: {value!r} is also the {key} of {self.index[value]}"))
                continue
            self.index[value] = source.path
        return problems

    def _key_value(self, path: Path, shown: str) -> str | None:
        from pipeline.articles import markdown

        try:
            text = read.read_text(path, shown, self.config.max_file_bytes)[0]
            value = markdown.parse(text).meta.get(self.options.key or "")
        except (InputError, ValueError):  # an unreadable file is reported when it is adopted, not here
            return None
        return None if value is None else str(value)

    def read(self, source: paths.Source, source_lang: str | None) -> Document | InputError:
        # with --to, an article without prose is in the other language
        target = self.options.target
        default = ("en" if target == "uk" else "uk") if target else None
        item = parallel.Item(source, source_lang, default)
        return parallel.load(item, self.config)

    def one(self, source: paths.Source, doc: Document | InputError) -> Outcome | None:
        if isinstance(doc, read.NoProse):
            return Outcome(source.shown, self.options.target or "", SKIPPED, detail=doc.reason)
        if isinstance(doc, InputError):
            raise doc
        src = doc.source_lang
        tgt = self.options.target or ("en" if src == "uk" else "uk")
        if tgt == src:
            return None
        found = self._translation(source, src, tgt)
        if isinstance(found, Outcome):
            return found
        translation, shown = found
        out = self.ws.out
        inside = paths.real(translation).is_relative_to(paths.real(out))
        placed = translation if inside else paths.output_path(out, self.config.output.article, source, src, tgt)
        placed_rel = Path(os.path.relpath(paths.real(placed), paths.real(out))).as_posix()  # where the record finds it
        data = fileio.read_bytes(translation, shown, self.config.max_file_bytes)
        stored = self.ws.store.stored(tgt, source.rel)
        if stored.damaged:
            raise InputError(source.shown, stored.damaged)
        committed = dict(stored.record.outputs) if stored.record is not None and stored.pending is None else {}
        if committed.get(placed_rel) == file_sha256(data):
            return Outcome(source.shown, tgt, ALREADY, shown, "the output folder's record already holds this file")
        tdoc = read.load(translation, shown, self.config, tgt, data=data)
        if not _in_language(tdoc, tgt):  # a copy of the source is no translation to adopt
            return Outcome(source.shown, tgt, FAILED, shown, f"hardly any of it is in {tgt}; not adopted")
        made = adopt_article(doc, tdoc, self.config, self.options.threshold)
        if isinstance(made, Alignment):
            return Outcome(source.shown, tgt, DIVERGES, shown, f"the structures differ: {made.divergence}")
        td, blocks, outcome = made
        outcome.source, outcome.translation = source.shown, shown
        t = Translation(source, td, blocks, (), HUMAN_ID, stored, translator=(out / placed_rel, data))
        if self.options.dry_run:
            self.writer.dry_run(t)
            return outcome
        self.writer.write(t)  # the translation itself is written only when it is copied in
        return outcome

    def _translation(self, source: paths.Source, src: str, tgt: str) -> tuple[Path, str] | Outcome:
        """The translator's file for this article (by path or by key), and its name as shown."""
        key = self.options.key
        if key:
            value = self._key_value(source.path, source.shown)
            found = self.index.get(value) if value is not None else None
            if found is None:
                why = f"no {key} in its front matter" if value is None else f"no translation has {key}: {value!r}"
                return Outcome(source.shown, tgt, NO_TRANSLATION, detail=why)
            translation = found
        else:
            translation = paths.output_path(self.folder, self.config.output.article, source, src, tgt)
        shown = paths.shown(str(translation))
        if not os.path.lexists(translation):  # anything else there is read, and refused if not a regular file
            return Outcome(source.shown, tgt, NO_TRANSLATION, shown, "no file there")
        return translation, shown


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
