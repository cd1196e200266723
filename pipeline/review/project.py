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

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from pipeline import formats, localize
from pipeline.assemble.align import kept, sentence_id
from pipeline.commands import exchange, freshness, run
from pipeline.core import flags, languages
from pipeline.core.config import Config
from pipeline.core.document import Segment, Span
from pipeline.core.errors import ExitStatus, InputError, PipelineError
from pipeline.core.hashes import text_hash
from pipeline.segment.protect import TAG_RE, has_words, restore, unmask
from pipeline.store import records
from pipeline.store.fileio import Busy, FolderLock

SID_RE = re.compile(r"s\d{1,6}-\d{1,6}-[0-9a-f]{12}")
BASE_RE = re.compile(r"[0-9a-f]{8}")
MISSING = "missing"  # a sentence with no translation yet (its source changed since the last run)
PAIR_NAMES = {"em": "em", "strong": "strong", "s": "strike", "link": "link", "image": "image"}
MAX_LABEL = 40


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


@dataclass(frozen=True)
class Chip:
    """A protected piece of a sentence (code, a link's markup, a number) as the editor shows it."""

    tag: str  # "<x1/>", "<g2>", "</g2>": what it stands for in the placeholder form
    kind: str  # the span's kind: code, url, quantity, em, link...
    label: str
    title: str  # the Markdown it stands for


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

    @property
    def base(self) -> str:
        return exchange.base_of(self.target) if self.target is not None else ""

    @property
    def editable(self) -> bool:
        return self.target is not None and self.origin in (records.MACHINE, records.HUMAN)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(f for f in self.flags if f in flags.PROBLEMS)

    @property
    def attention(self) -> bool:
        """Flagged, or not reviewed by anyone yet."""
        return self.editable and (self.origin == records.MACHINE or bool(self.problems))


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

    def sentences(self):
        for block in self.blocks:
            yield from block.sentences


@dataclass(frozen=True)
class Saved:
    """What became of a save: saved | approved | unchanged | conflict | refused | busy | error."""

    status: str
    message: str = ""
    article: Article | None = None
    sentence: Sentence | None = None  # the sentence as the output folder holds it now
    mine: str = ""  # the editor's text, in placeholder form

    @property
    def ok(self) -> bool:
        return self.status in ("saved", "approved", "unchanged")


class _Errors(run.Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def error(self, message: str) -> None:
        self.lines.append(message)


class Project:
    """The articles under SOURCES and their translations in OUT, as the review app serves them."""

    def __init__(self, out_dir: Path, config: Config, sources: Sequence[str] = (), wait: float = 3.0):
        self.out_dir = Path(out_dir)
        self.config = config
        self.sources = [str(s) for s in sources] or freshness.recorded_sources(self.out_dir, config)
        self.wait = wait  # how long a save waits for another run to release the output folder
        self._saving = threading.Lock()  # FolderLock is re-entrant within a process: threads need their own
        self._known: set[tuple[str, str]] = set()
        if not self.sources:
            raise PipelineError(
                f"no source folders known for {self.out_dir}: name them (pipeline review SOURCES...) or list them in config.yaml (sources:)"
            )

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
                )
            )
        self._known = {(r.target, r.rel) for r in rows if r.openable}
        out = []
        for row in rows:
            if state and row.status != state:
                continue
            if flag == "flagged" and not row.flagged or flag == "unreviewed" and not row.unreviewed:
                continue
            if flag not in ("", "flagged", "unreviewed") and not dict(row.flags).get(flag):
                continue
            if query:
                n = self._matches(row, query)
                if not n:
                    continue
                row = replace(row, matches=n)
            out.append(row)
        return out, [str(p) for p in problems]

    def _matches(self, row: Row, query: str) -> int:
        if not row.openable:
            return 0
        record = records.stored(self.out_dir, row.target, row.rel).latest
        needle = query.casefold()
        return sum(
            1
            for s in _alignment_sentences(self.out_dir, record)
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

    def article(self, target: str, rel: str, query: str = "") -> Article:
        t = self._open(target, rel)
        record = t.record
        items, _ = freshness.check([str(t.source)], self.out_dir, self.config, target)
        item = next((i for i in items if i.rel == rel), None)
        info = _Alignment(_alignment_sentences(self.out_dir, record))
        current = t.current()
        render = localize.renderer(localize.locale_for(target, self.config.locales))
        human = [h for h, s in current.items() if s.origin == records.HUMAN]
        machine = machine_versions(self.config, record.source_lang, target, human)
        needle = query.casefold()
        blocks = []
        for block in t.doc.blocks:
            keep = kept(block, target)
            sentences = []
            for j, seg in enumerate(block.segments):
                sid = sentence_id(block, j, seg)
                about = info.get(sid)
                shown = str(about.get("source") or (restore(seg.text, seg) or ("",))[0])
                match = bool(needle) and (needle in shown.casefold() or needle in str(about.get("target", "")).casefold())
                s = current.get(text_hash(seg.text))
                if keep or not has_words(seg.text):
                    sentences.append(Sentence(sid, seg, shown, records.KEPT, match=match))
                    continue
                if s is None or s.target is None or records.FINAL_MARKDOWN in s.flags:
                    sentences.append(Sentence(sid, seg, shown, MISSING, match=match))
                    continue
                suggestion = s.suggestion if s.review_of else None
                sentences.append(
                    Sentence(
                        sid,
                        seg,
                        shown,
                        s.origin,
                        s.target,
                        flags=tuple(map(str, about.get("flags", ()))),
                        details=tuple(map(str, about.get("details", ()))),
                        chips=chips(seg, render),
                        machine=s.target if s.origin == records.MACHINE else machine.get(s.hash),
                        suggestion=suggestion,
                        suggestion_text=unmask(suggestion[1], seg, render) if suggestion else None,
                        match=match,
                    )
                )
            blocks.append(Block(block.index, block.kind, block.key, keep, tuple(sentences)))
        return Article(
            target,
            rel,
            record.source_lang,
            freshness.shown_source(self.out_dir, record),
            item.status if item else "",
            item.detail if item else "",
            tuple(blocks),
        )

    def sentence(self, target: str, rel: str, sid: str) -> tuple[Article, Sentence | None]:
        article = self.article(target, rel)
        return article, next((s for s in article.sentences() if s.id == sid), None)

    # --- saving -------------------------------------------------------------------------------

    def save(self, target: str, rel: str, sid: str, base: str, text: str, approve: bool = False) -> Saved:
        """One sentence through `pipeline import`'s path (exchange.apply). Approving sends the
        target unchanged with the state "reviewed", which makes a machine translation human."""
        if not SID_RE.fullmatch(sid) or not BASE_RE.fullmatch(base):
            return Saved("refused", "not a sentence id of this pipeline")
        t = self._open(target, rel)
        mine = exchange.editor_text(text)
        if not mine:
            return Saved("refused", "The translation is empty: nothing was saved.", mine=mine)
        unit = exchange.unit_for(t, sid, base, mine, "reviewed" if approve else "translated")
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
        saved = self._now(
            {exchange.CORRECTED: "saved", exchange.APPROVED: "approved"}.get(outcome, "unchanged"), "", target, rel, sid, mine
        )
        now = saved.sentence
        if outcome == exchange.UNCHANGED and now is not None and now.target is not None and now.target.split() != mine.split():
            # the page showed an older version: what it sent is no change, but it is not what is there now
            return Saved("conflict", "This sentence changed since this page loaded: keep yours or take theirs.", saved.article, now, mine)
        return saved

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


BUSY_MESSAGE = (
    "a pipeline run (translate or import) is writing the output folder: not saved. "
    "Your text is kept in the page; save again when the run has finished."
)


class _Alignment:
    """The bilingual JSON's sentences by id; by source hash for a sentence whose block moved."""

    def __init__(self, sentences: list[dict]):
        self.by_id = {str(s.get("id", "")): s for s in sentences}
        self.by_hash = {str(s.get("id", "")).rsplit("-", 1)[-1]: s for s in sentences}

    def get(self, sid: str) -> dict:
        return self.by_id.get(sid) or self.by_hash.get(sid.rsplit("-", 1)[-1]) or {}


def _alignment_sentences(out_dir: Path, record: records.Record | None) -> list[dict]:
    for rel, _ in record.outputs if record else ():
        if rel.endswith(".json"):
            try:
                data = json.loads((out_dir / rel).read_text(encoding="utf-8"))
                return [s for b in data.get("blocks", ()) for s in b.get("sentences", ()) if isinstance(s, dict)]
            except (OSError, ValueError, AttributeError, TypeError):
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


def chips(seg: Segment, render: Callable[[Span], str]) -> tuple[Chip, ...]:
    """The chips of a sentence's protected pieces, labelled as the translation will show them."""
    out = []
    for n, span in enumerate(seg.spans, 1):
        if span.paired:
            name = PAIR_NAMES.get(span.kind, span.kind)
            title = f"{span.source}…{span.close}"
            out.append(Chip(f"<g{n}>", span.kind, f"⟨{name}", title))
            out.append(Chip(f"</g{n}>", span.kind, f"{name}⟩", title))
        else:
            out.append(Chip(f"<x{n}/>", span.kind, _label(span, render), span.source))
    return tuple(out)


def _label(span: Span, render: Callable[[Span], str]) -> str:
    if span.kind == "break":
        return "↵"
    if span.kind == "code":
        text = span.source.strip("`")
        text = text[1:-1] if len(text) > 2 and text[0] == text[-1] == " " else text
    elif span.kind in ("quantity", "term"):
        try:
            text = render(span)
        except Exception:  # a value the locale cannot write: the article keeps the source's
            text = span.source
    else:
        text = span.source
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def canonical_tag(m: re.Match[str]) -> str:
    """A placeholder as the editor writes it, whatever spacing or case an engine gave it."""
    n = int(m.group(3))
    if m.group(2).lower() == "x":
        return f"<x{n}/>"
    return f"</g{n}>" if m.group(1) else f"<g{n}>"


def tags(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical tag) of each placeholder in text."""
    return [(m.start(), m.end(), canonical_tag(m)) for m in TAG_RE.finditer(text)]
