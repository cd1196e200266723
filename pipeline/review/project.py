"""What the review app shows and how it saves, without any web framework.

Everything shown comes from the output folder (the records, the bilingual JSON) and the sources as
they are now; nothing is cached between requests but the list of articles the app may open, so
several editors, and runs of ``pipeline translate`` in between, always see the folder as it is.

Saving is ``pipeline import`` for one sentence: an Exchange with one Unit whose id carries the
base (the hash of the target the page showed), given to ``importing.apply``. So the three-way merge
decides, exactly as for a CAT tool's file: a sentence changed by someone else since the page
loaded is a conflict, never overwritten.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from pipeline import localize
from pipeline.assemble.align import kept, sentence_id
from pipeline.commands import editing, exchange, freshness
from pipeline.core import flags, languages
from pipeline.core.document import Segment
from pipeline.core.errors import InputError, PipelineError
from pipeline.core.flags import Ack
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, KEPT, MACHINE
from pipeline.localize import glossary
from pipeline.review import suggest
from pipeline.review.outputs import Alignment, alignment_sentences, machine_versions
from pipeline.review.pieces import Chip, chips, tags
from pipeline.review.saving import NotFound, Place, Saved, Saving
from pipeline.segment.protect import has_words, restore, unmask
from pipeline.store import records
from pipeline.workspace import Workspace

__all__ = ["Article", "Chip", "NotFound", "Place", "Project", "Row", "Saved", "Sentence", "tags"]

SID_RE = re.compile(r"s\d{1,6}-\d{1,6}-[0-9a-f]{12}")
BASE_RE = re.compile(r"[0-9a-f]{8}")
MISSING = "missing"  # a sentence with no translation yet (its source changed since the last run)
NEEDS_EDITING = "needs-editing"
MAX_MATCHED = 256  # articles whose memory matches are kept between page views


@dataclass(frozen=True)
class Row:
    """One translation on the home page."""

    source: str  # the source file, as a path from the working directory
    rel: str  # its identity: the path inside its source folder
    target: str
    status: str  # freshness: fresh | stale | needs-review | missing | orphan
    detail: str = ""
    flagged: int = 0  # sentences with a problem flag
    unreviewed: int = 0  # sentences still as the engine wrote them
    flags: tuple[tuple[str, int], ...] = ()  # sentences per problem flag
    openable: bool = False
    matches: int = 0  # sentences matching the search, when there is one
    sentences: int = 0  # translated sentences
    reviewed: int = 0  # of them, an editor's (corrected or approved)
    needs_editing: int = 0  # sentences an editor marked "needs editing"

    @property
    def attention(self) -> bool:
        return self.openable and bool(self.flagged or self.unreviewed or self.needs_editing)


@dataclass(frozen=True)
class Sentence:
    id: str  # s<block>-<sentence>-<source hash>, as in the bilingual JSON and exchange files
    segment: Segment  # the source sentence in placeholder form, with its spans
    shown_source: str  # the source as the article shows it (Markdown)
    origin: str  # machine | human | kept | missing
    target: str | None = None  # placeholder form; None when kept or missing
    flags: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    chips: tuple[Chip, ...] = ()
    machine: str | None = None  # the machine translation, when the output folder or the memory has it
    suggestion: tuple[str, str] | None = None  # stale-review: the editor's earlier (source, target), as shown
    suggestion_text: str | None = None  # that target in placeholder form, when it still fits the source
    match: bool = False  # holds the searched text
    acks: tuple[Ack, ...] = ()  # acknowledgements that hold for the target
    history: tuple[records.Change, ...] = ()  # human changes, oldest first
    needs_editing: tuple[str, str] | None = None  # (by, at)
    suggestions: tuple[suggest.Suggestion, ...] = ()  # memory, machine, glossary: Ctrl+1..3

    @property
    def base(self) -> str:
        return exchange.base_of(self.target) if self.target is not None else ""

    @property
    def editable(self) -> bool:
        return self.target is not None and self.origin in (MACHINE, HUMAN)

    @property
    def problems(self) -> tuple[str, ...]:
        """The flags that still count (flags.counting: not acknowledged for this target)."""
        return flags.counting(self.flags, self.acks)

    @property
    def dropped(self) -> tuple[Chip, ...]:
        """The source's protected pieces the target lacks (what the machine lost, or an editor removed)."""
        present = {tag for _, _, tag in tags(self.target or "")}
        return tuple(c for c in self.chips if c.tag not in present)

    @property
    def attention(self) -> bool:
        """Flagged, marked "needs editing", or not reviewed by anyone yet."""
        return self.editable and (self.origin == MACHINE or bool(self.problems) or self.needs_editing is not None)


@dataclass(frozen=True)
class Block:
    index: int
    kind: str
    key: str
    kept: bool
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Article:
    target: str
    rel: str
    source_lang: str
    source: str  # the source file, as a path from the working directory
    status: str
    detail: str
    blocks: tuple[Block, ...]
    suggestions_cut: bool = False  # the time budget ran out before every sentence had its memory matches

    def sentences(self):
        for block in self.blocks:
            yield from block.sentences

    def counts(self) -> dict[str, int]:
        """flagged, unreviewed, needs-editing, reviewed and translated sentences."""
        editable = [s for s in self.sentences() if s.editable]
        return {
            "flagged": sum(1 for s in editable if s.problems),
            "unreviewed": sum(1 for s in editable if s.origin == MACHINE),
            "needs_editing": sum(1 for s in editable if s.needs_editing),
            "reviewed": sum(1 for s in editable if s.origin == HUMAN),
            "sentences": len(editable),
        }


class Project(Saving):
    """The articles under SOURCES and their translations in OUT, as the review app serves them."""

    def __init__(self, ws: Workspace, sources: Sequence[str] = (), wait: float = 3.0, editor: str = ""):
        self.ws = ws
        self.out_dir = ws.out
        self.config = ws.config
        self.sources = [str(s) for s in sources] or ws.recorded()
        self.wait = wait  # how long a save waits for another run to release the output folder
        self.editor = editing.editor_name(editor)  # who changes are by, unless a page names its editor
        self._saving = threading.Lock()  # FolderLock is re-entrant within a process: threads need their own
        self._known: set[tuple[str, str]] = set()
        self._memory = suggest.Memory()
        self._memory_matches: dict[tuple[str, str], tuple[tuple, dict]] = {}  # (target, rel) -> (memory version, matches)
        if not self.sources:
            raise PipelineError(
                f"no source folders known for {self.out_dir}: name them (pipeline review SOURCES...) or list them in config.yaml (sources:)"
            )

    # --- the home page ---------------------------------------------------------------------------

    def rows(self, state: str = "", flag: str = "", query: str = "") -> tuple[list[Row], list[str]]:
        """Every translation of the sources, filtered: by freshness state, by flag ("flagged",
        "unreviewed" or a flag's name) and by text in its sentences; and the problems met."""
        items, problems = freshness.check(self.ws, self.sources)
        rows = []
        for item in items:
            record = None
            if item.rel and item.status not in (freshness.MISSING, freshness.ORPHAN):
                record = self.ws.store.stored(item.target_lang, item.rel).latest
            if record is not None and record.legacy:
                record = None
            counts = dict(record.flagged) if record else {}
            translated = [x for x in record.sentences() if x.origin != KEPT and x.target is not None] if record else []
            rows.append(
                Row(
                    item.source,
                    item.rel,
                    item.target_lang,
                    item.status,
                    item.detail,
                    counts.pop("", 0),
                    item.unreviewed,
                    tuple(sorted(counts.items())),
                    record is not None,
                    sentences=len(translated),
                    reviewed=sum(1 for x in translated if x.origin == HUMAN),
                    needs_editing=sum(1 for x in translated if x.needs_editing),
                )
            )
        self._known = {(r.target, r.rel) for r in rows if r.openable}
        out = []
        for row in rows:
            if state and row.status != state:
                continue
            if flag == "flagged" and not row.flagged or flag == "unreviewed" and not row.unreviewed:
                continue
            if flag == NEEDS_EDITING and not row.needs_editing:
                continue
            if flag not in ("", "flagged", "unreviewed", NEEDS_EDITING) and not dict(row.flags).get(flag):
                continue
            if query:
                n = self._matches(row, query)
                if not n:
                    continue
                row = replace(row, matches=n)
            out.append(row)
        return out, [str(p) for p in problems]

    def next_attention(self, target: str, rel: str) -> Row | None:
        """The next translation after this one (in the home page's order, round to the start)
        that is flagged, unreviewed or marked "needs editing"."""
        rows = [r for r in self.rows()[0] if r.openable]
        here = next((i for i, r in enumerate(rows) if (r.target, r.rel) == (target, rel)), -1)
        return next((r for r in rows[here + 1 :] + rows[: max(here, 0)] if r.attention), None)

    def _matches(self, row: Row, query: str) -> int:
        if not row.openable:
            return 0
        record = self.ws.store.stored(row.target, row.rel).latest
        needle = query.casefold()
        return sum(
            1
            for s in alignment_sentences(self.out_dir, record)
            if needle in str(s.get("source", "")).casefold() or needle in str(s.get("target", "")).casefold()
        )

    # --- one article ---------------------------------------------------------------------------

    def _open(self, target: str, rel: str) -> exchange.Translation:
        """The translation at this address, which must be one the sources have: never a path
        built from what a request says."""
        if not languages.well_formed(target):
            raise NotFound(f"no language {target!r}")
        p = PurePosixPath(rel)
        if not rel or p.is_absolute() or ".." in p.parts or p.as_posix() != rel:
            raise NotFound("not an article path")
        if (target, rel) not in self._known:
            self.rows()  # an article translated since the list was made
        if (target, rel) not in self._known:
            raise NotFound(f"{rel} has no translation into {target} here")
        try:
            return exchange.open_translation(self.ws, target, rel, rel)
        except InputError as e:
            raise NotFound(e.reason) from None

    def article(self, target: str, rel: str, query: str = "", only: str = "") -> Article:
        """The article sentence by sentence, with each sentence's suggestions (only: for that
        sentence alone, as a save's answer needs)."""
        t = self._open(target, rel)
        record = t.record
        items, _ = freshness.check(self.ws, [str(t.source)], target)
        item = next((i for i in items if i.rel == rel), None)
        info = Alignment(alignment_sentences(self.out_dir, record))
        current = t.current()
        render = localize.renderer(localize.locale_for(target, self.config.locales))
        human = [h for h, s in current.items() if s.origin == HUMAN]
        machine = machine_versions(self.config, record.source_lang, target, human)
        entries, version = self._memory.entries(self.ws.store, target, rel)
        known = self._memory_matches.get((target, rel))
        if known is None or known[0] != version:
            if len(self._memory_matches) > MAX_MATCHED:
                self._memory_matches.clear()
            known = self._memory_matches[(target, rel)] = (version, {})
        match = suggest.Matcher(entries, found=known[1])
        if not only:  # every sentence of the page at once: one pass over the memory
            match.prepare(
                [str(info.get(sentence_id(b, j, seg)).get("source", "")) for b in t.doc.blocks for j, seg in enumerate(b.segments)]
            )
        gloss = glossary.for_folder(self.config.glossary_dir)
        needle = query.casefold()
        blocks = []
        for block in t.doc.blocks:
            keep = kept(block, target)
            sentences = []
            for j, seg in enumerate(block.segments):
                sid = sentence_id(block, j, seg)
                about = info.get(sid)
                shown = str(about.get("source") or (restore(seg.text, seg) or ("",))[0])
                found = bool(needle) and (needle in shown.casefold() or needle in str(about.get("target", "")).casefold())
                s = current.get(text_hash(seg.text))
                if keep or not has_words(seg.text):
                    sentences.append(Sentence(sid, seg, shown, KEPT, match=found))
                    continue
                if s is None or s.target is None or records.FINAL_MARKDOWN in s.flags:
                    sentences.append(Sentence(sid, seg, shown, MISSING, match=found))
                    continue
                mt = s.target if s.origin == MACHINE else machine.get(s.hash)
                terms = suggest.terms(gloss, record.source_lang, seg)
                offered = suggest.for_sentence(seg, shown, s.target, mt, match if only in ("", sid) else None, terms, render)
                sentences.append(_sentence(Sentence(sid, seg, shown, s.origin, match=found), s, about, render, mt, offered))
            blocks.append(Block(block.index, block.kind, block.key, keep, tuple(sentences)))
        return Article(
            target,
            rel,
            record.source_lang,
            freshness.shown_source(self.ws, record),
            item.status if item else "",
            item.detail if item else "",
            tuple(blocks),
            match.cut,
        )

    def sentence(self, target: str, rel: str, sid: str) -> tuple[Article, Sentence | None]:
        article = self.article(target, rel, only=sid)
        return article, next((s for s in article.sentences() if s.id == sid), None)


def _sentence(page: Sentence, s: records.Sentence, about: dict, render, machine: str | None, offered) -> Sentence:
    """An editable sentence of the page from its record and its bilingual JSON entry."""
    suggestion = s.suggestion if s.review_of else None
    return replace(
        page,
        origin=s.origin,
        target=s.target,
        flags=tuple(map(str, about.get("flags", ()))),
        details=tuple(map(str, about.get("details", ()))),
        chips=chips(page.segment, render),
        machine=machine,
        suggestion=suggestion,
        suggestion_text=unmask(suggestion[1], page.segment, render) if suggestion else None,
        acks=flags.holding(s.acks, s.target),
        history=s.history,
        needs_editing=s.needs_editing,
        suggestions=offered,
    )
