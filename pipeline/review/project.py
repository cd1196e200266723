"""What the review app shows and how it saves, without any web framework.

Everything shown comes from the output folder (the records, the bilingual JSON) and the sources as
they are now; nothing is cached between requests but the list of articles the app may open, so
several editors, and runs of ``pipeline translate`` in between, always see the folder as it is.

Saving is ``pipeline import`` for one sentence: an Exchange with one Unit whose id carries the
base (the hash of the target the page showed), given to ``exchange.apply``. So the three-way merge
decides, exactly as for a CAT tool's file: a sentence changed by someone else since the page
loaded is a conflict, never overwritten.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from pipeline import formats, localize
from pipeline.assemble.align import kept, sentence_id
from pipeline.commands import exchange, freshness, run
from pipeline.core import flags, languages, paths
from pipeline.core.config import Config
from pipeline.core.document import Segment
from pipeline.core.errors import ExitStatus, InputError, PipelineError
from pipeline.core.flags import Ack
from pipeline.core.hashes import text_hash
from pipeline.localize import glossary
from pipeline.review import suggest
from pipeline.review.outputs import Alignment, alignment_sentences, machine_versions
from pipeline.review.pieces import Chip, chips, tags
from pipeline.segment.protect import has_words, restore, unmask
from pipeline.store import records
from pipeline.store.fileio import Busy, FolderLock

__all__ = ["Article", "Chip", "NotFound", "Project", "Row", "Saved", "Sentence", "tags"]

SID_RE = re.compile(r"s\d{1,6}-\d{1,6}-[0-9a-f]{12}")
BASE_RE = re.compile(r"[0-9a-f]{8}")
MISSING = "missing"  # a sentence with no translation yet (its source changed since the last run)
NEEDS_EDITING = "needs-editing"


class NotFound(Exception):
    """No article of this project at that address."""


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
        return self.target is not None and self.origin in (records.MACHINE, records.HUMAN)

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
        return self.editable and (self.origin == records.MACHINE or bool(self.problems) or self.needs_editing is not None)


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
            "unreviewed": sum(1 for s in editable if s.origin == records.MACHINE),
            "needs_editing": sum(1 for s in editable if s.needs_editing),
            "reviewed": sum(1 for s in editable if s.origin == records.HUMAN),
            "sentences": len(editable),
        }


@dataclass(frozen=True)
class Saved:
    """What became of a save or a mark: saved | approved | unchanged | marked | conflict | refused | busy | error."""

    status: str
    message: str = ""
    article: Article | None = None
    sentence: Sentence | None = None  # the sentence as the output folder holds it now
    mine: str = ""  # the editor's text, in placeholder form

    @property
    def ok(self) -> bool:
        return self.status in ("saved", "approved", "unchanged", "marked")


class _Errors(run.Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def error(self, message: str) -> None:
        self.lines.append(message)


class Project:
    """The articles under SOURCES and their translations in OUT, as the review app serves them."""

    def __init__(self, out_dir: Path, config: Config, sources: Sequence[str] = (), wait: float = 3.0, editor: str = ""):
        self.out_dir = Path(out_dir)
        self.config = config
        self.sources = [str(s) for s in sources] or self._default_sources()
        self.wait = wait  # how long a save waits for another run to release the output folder
        self.editor = exchange.editor_name(editor)  # who changes are by, unless a page names its editor
        self._saving = threading.Lock()  # FolderLock is re-entrant within a process: threads need their own
        self._known: set[tuple[str, str]] = set()
        self._memory = suggest.Memory()
        if not self.sources:
            raise PipelineError(
                f"no source folders known for {self.out_dir}: name them (pipeline review SOURCES...) or list them in config.yaml (sources:)"
            )

    def _default_sources(self) -> list[str]:
        roots = paths.known_roots(self.out_dir, self.config.source_roots)
        # named from the working directory when they are under it, so the pages show short paths
        return [os.path.relpath(r) if Path.cwd() in r.parents else str(r) for r in dict.fromkeys(roots) if r.is_dir()]

    # --- the home page ---------------------------------------------------------------------------

    def rows(self, state: str = "", flag: str = "", query: str = "") -> tuple[list[Row], list[str]]:
        """Every translation of the sources, filtered: by freshness state, by flag ("flagged",
        "unreviewed" or a flag's name) and by text in its sentences; and the problems met."""
        items, problems = freshness.check(self.sources, self.out_dir, self.config)
        rows = []
        for item in items:
            record = None
            if item.rel and item.status not in (freshness.MISSING, freshness.ORPHAN):
                record = records.stored(self.out_dir, item.target_lang, item.rel).latest
            if record is not None and record.legacy:
                record = None
            counts = dict(record.flagged) if record else {}
            translated = [x for x in record.sentences() if x.origin != records.KEPT and x.target is not None] if record else []
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
                    reviewed=sum(1 for x in translated if x.origin == records.HUMAN),
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
        record = records.stored(self.out_dir, row.target, row.rel).latest
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
            return exchange.open_translation(self.out_dir, target, rel, self.config, rel)
        except InputError as e:
            raise NotFound(e.reason) from None

    def article(self, target: str, rel: str, query: str = "", only: str = "") -> Article:
        """The article sentence by sentence, with each sentence's suggestions (only: for that
        sentence alone, as a save's answer needs)."""
        t = self._open(target, rel)
        record = t.record
        items, _ = freshness.check([str(t.source)], self.out_dir, self.config, target)
        item = next((i for i in items if i.rel == rel), None)
        info = Alignment(alignment_sentences(self.out_dir, record))
        current = t.current()
        render = localize.renderer(localize.locale_for(target, self.config.locales))
        human = [h for h, s in current.items() if s.origin == records.HUMAN]
        machine = machine_versions(self.config, record.source_lang, target, human)
        match = suggest.Matcher(self._memory.entries(self.out_dir, target, rel))
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
                    sentences.append(Sentence(sid, seg, shown, records.KEPT, match=found))
                    continue
                if s is None or s.target is None or records.FINAL_MARKDOWN in s.flags:
                    sentences.append(Sentence(sid, seg, shown, MISSING, match=found))
                    continue
                mt = s.target if s.origin == records.MACHINE else machine.get(s.hash)
                terms = suggest.terms(gloss, record.source_lang, seg)
                offered = suggest.for_sentence(seg, shown, s.target, mt, match if only in ("", sid) else None, terms, render)
                sentences.append(_sentence(sid, seg, shown, s, about, render, mt, offered, found))
            blocks.append(Block(block.index, block.kind, block.key, keep, tuple(sentences)))
        return Article(
            target,
            rel,
            record.source_lang,
            freshness.shown_source(self.out_dir, record),
            item.status if item else "",
            item.detail if item else "",
            tuple(blocks),
            match.cut,
        )

    def sentence(self, target: str, rel: str, sid: str) -> tuple[Article, Sentence | None]:
        article = self.article(target, rel, only=sid)
        return article, next((s for s in article.sentences() if s.id == sid), None)

    # --- saving -------------------------------------------------------------------------------

    def save(
        self, target: str, rel: str, sid: str, base: str, text: str, approve: bool = False, editor: str = "", action: str = exchange.EDITED
    ) -> Saved:
        """One sentence through `pipeline import`'s path (exchange.apply). Approving sends the
        target unchanged with the state "reviewed", which makes a machine translation human. The
        record keeps who (editor, else the app's), when and the text it replaced (action: edited
        or restored, as the history names it)."""
        if not SID_RE.fullmatch(sid) or not BASE_RE.fullmatch(base):
            return Saved("refused", "not a sentence id of this pipeline")
        t = self._open(target, rel)
        mine = exchange.editor_text(text)
        if not mine:
            return Saved("refused", "The translation is empty: nothing was saved.", mine=mine)
        unit = exchange.unit_for(t, sid, base, mine, "reviewed" if approve else "translated")
        marks = {unit.id: exchange.Mark(action=action)} if action != exchange.EDITED else None
        done = self._apply(t, target, rel, sid, unit, mine, editor, marks)
        if isinstance(done, Saved):
            return done
        outcome = done
        saved = self._now(
            {exchange.CORRECTED: "saved", exchange.APPROVED: "approved"}.get(outcome, "unchanged"), "", target, rel, sid, mine
        )
        now = saved.sentence
        if outcome == exchange.UNCHANGED and now is not None and now.target is not None and now.target.split() != mine.split():
            # the page showed an older version: what it sent is no change, but it is not what is there now
            return Saved("conflict", "This sentence changed since this page loaded: keep yours or take theirs.", saved.article, now, mine)
        return saved

    def mark(
        self,
        target: str,
        rel: str,
        sid: str,
        base: str,
        editor: str = "",
        acknowledge: Sequence[str] = (),
        needs_editing: bool | None = None,
        lost: str = "",
    ) -> Saved:
        """What an editor says about a sentence as it is (the target the page showed, base):
        flags checked and right, "needs editing" set or cleared, or their text that lost a
        conflict, for its history. Through exchange.apply, like a save."""
        if not SID_RE.fullmatch(sid) or not BASE_RE.fullmatch(base):
            return Saved("refused", "not a sentence id of this pipeline")
        unknown = sorted(set(acknowledge) - flags.PROBLEMS)
        if unknown:
            return Saved("refused", f"{unknown[0]} is not a flag to acknowledge")
        t = self._open(target, rel)
        article, now = self.sentence(target, rel, sid)
        if now is None or not now.editable:
            return Saved("refused", "this sentence has no translation to mark; reload the page")
        if now.base != base:
            return Saved("conflict", "This sentence changed since this page loaded: look at it again.", article, now, now.target or "")
        lost = exchange.editor_text(lost)
        if exchange._CONTROL_RE.search(lost):
            return Saved("refused", "the text holds control characters (or a lone surrogate)")
        unit = exchange.unit_for(t, sid, base, now.target or "")
        mark = exchange.Mark(tuple(acknowledge), needs_editing, lost)
        done = self._apply(t, target, rel, sid, unit, now.target or "", editor, {unit.id: mark})
        return done if isinstance(done, Saved) else self._now("marked", "", target, rel, sid, now.target or "")

    def _apply(self, t, target: str, rel: str, sid: str, unit: formats.Unit, mine: str, editor: str, marks) -> Saved | str:
        """exchange.apply under the app's lock and the folder's: the unit's outcome, or a Saved saying why not."""
        errors = _Errors()
        try:
            with self._saving:
                lock = self._folder_lock()
                try:
                    applied = exchange.apply(
                        formats.Exchange(rel, t.record.source_lang, target, (unit,)),
                        f"{target}/{rel}",
                        self.out_dir,
                        self.config,
                        None,
                        errors,
                        exchange.editor_name(editor) if editor.strip() else self.editor,
                        marks,
                    )
                finally:
                    lock.release()
        except PipelineError as e:
            if e.status == ExitStatus.BUSY:
                return self._now("busy", BUSY_MESSAGE, target, rel, sid, mine)
            return self._now("refused" if isinstance(e, InputError) else "error", str(e), target, rel, sid, mine)
        outcome, reason = applied.accepted.outcomes[unit.id]
        if applied.failed:
            return self._now("error", "; ".join(errors.lines) or "the article could not be written again", target, rel, sid, mine)
        if outcome == exchange.CONFLICT:
            return self._now(
                "conflict", "Someone else saved this sentence since this page loaded: keep yours or take theirs.", target, rel, sid, mine
            )
        if outcome == exchange.REFUSED:
            reason = reason.replace("since the export; translate and export again", "since this page loaded; reload the page")
            return self._now("refused", reason, target, rel, sid, mine)
        return outcome

    def _now(self, status: str, message: str, target: str, rel: str, sid: str, mine: str) -> Saved:
        try:
            article, sentence = self.sentence(target, rel, sid)
        except NotFound:
            article, sentence = None, None
        return Saved(status, message, article, sentence, mine)

    def _folder_lock(self) -> FolderLock:
        """The output folder's lock, waiting a little for a run (or another editor) to finish."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                return FolderLock(self.out_dir).acquire()
            except Busy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)


def _sentence(sid, seg, shown, s: records.Sentence, about: dict, render, machine, offered, found: bool) -> Sentence:
    """An editable sentence of the page from its record and its bilingual JSON entry."""
    suggestion = s.suggestion if s.review_of else None
    return Sentence(
        sid,
        seg,
        shown,
        s.origin,
        s.target,
        flags=tuple(map(str, about.get("flags", ()))),
        details=tuple(map(str, about.get("details", ()))),
        chips=chips(seg, render),
        machine=machine,
        suggestion=suggestion,
        suggestion_text=unmask(suggestion[1], seg, render) if suggestion else None,
        match=found,
        acks=flags.holding(s.acks, s.target),
        history=s.history,
        needs_editing=s.needs_editing,
        suggestions=offered,
    )


BUSY_MESSAGE = (
    "a pipeline run (translate or import) is writing the output folder: not saved. "
    "Your text is kept in the page; save again when the run has finished."
)
