"""Saving from the review app: a sentence's text, or what an editor says about it (an
acknowledged check, "needs editing", a conflict's losing text), each through ``importing.apply``,
exactly the path of ``pipeline import``, under the app's lock and the output folder's.

The review actions (review/actions/) are written against Saving's small stable API: ``save`` and
``mark`` (a text; a Mark for the target as it is), and below them ``translation``, ``current``,
``apply`` and ``answer`` for an action that needs its own unit or Mark."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import formats
from pipeline.commands import editing, exchange, importing, run
from pipeline.core import flags
from pipeline.core.config import Config
from pipeline.core.errors import ExitStatus, InputError, PipelineError
from pipeline.store.fileio import Busy, FolderLock
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.project import Article, Sentence

SID_RE = re.compile(r"s\d{1,6}-\d{1,6}-[0-9a-f]{12}")
BASE_RE = re.compile(r"[0-9a-f]{8}")
BUSY_MESSAGE = (
    "a pipeline run (translate or import) is writing the output folder: not saved. "
    "Your text is kept in the page; save again when the run has finished."
)


@dataclass(frozen=True)
class Place:
    """A sentence as a page showed it: its article, its id, and the base (hash) of its target then."""

    target: str
    rel: str
    sid: str
    base: str


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


class NotFound(Exception):
    """No article of this project at that address."""


class Saving:
    """The writes of the review app's Project (see there for what it holds and how it opens articles)."""

    ws: Workspace
    out_dir: Path
    config: Config
    editor: str
    wait: float
    _saving: threading.Lock

    def _open(self, target: str, rel: str) -> exchange.Translation:
        raise NotImplementedError

    def sentence(self, target: str, rel: str, sid: str) -> tuple[Article, Sentence | None]:
        raise NotImplementedError

    def translation(self, at: Place) -> exchange.Translation:
        """The article's translation as the output folder holds it (NotFound: no such article here)."""
        return self._open(at.target, at.rel)

    def current(self, at: Place) -> tuple[Article, Sentence | None]:
        """The article as the page would show it now, and the sentence at ``at`` in it (None: not there)."""
        return self.sentence(at.target, at.rel, at.sid)

    def save(self, at: Place, text: str, approve: bool = False, editor: str = "", action: str = editing.EDITED) -> Saved:
        """One sentence through `pipeline import`'s path (importing.apply). Approving sends the
        target unchanged with the state "reviewed", which makes a machine translation human. The
        record keeps who (editor, else the app's), when and the text it replaced (action: edited
        or restored, as the history names it)."""
        if not SID_RE.fullmatch(at.sid) or not BASE_RE.fullmatch(at.base):
            return Saved("refused", "not a sentence id of this pipeline")
        t = self.translation(at)
        mine = exchange.editor_text(text)
        if not mine:
            return Saved("refused", "The translation is empty: nothing was saved.", mine=mine)
        unit = exchange.unit_for(t, at.sid, at.base, mine, "reviewed" if approve else "translated")
        marks = {unit.id: editing.Mark(action=action)} if action != editing.EDITED else {}
        done = self.apply(t, at, unit, mine, editing.Editing(editor, marks))
        if isinstance(done, Saved):
            return done
        outcome = done
        saved = self.answer({importing.CORRECTED: "saved", importing.APPROVED: "approved"}.get(outcome, "unchanged"), "", at, mine)
        now = saved.sentence
        if outcome == importing.UNCHANGED and now is not None and now.target is not None and now.target.split() != mine.split():
            # the page showed an older version: what it sent is no change, but it is not what is there now
            return Saved("conflict", "This sentence changed since this page loaded: keep yours or take theirs.", saved.article, now, mine)
        return saved

    def mark(
        self, at: Place, editor: str = "", acknowledge: Sequence[str] = (), needs_editing: bool | None = None, lost: str = ""
    ) -> Saved:
        """What an editor says about a sentence as it is (the target the page showed, base):
        flags checked and right, "needs editing" set or cleared, or their text that lost a
        conflict, for its history. Through importing.apply, like a save."""
        if not SID_RE.fullmatch(at.sid) or not BASE_RE.fullmatch(at.base):
            return Saved("refused", "not a sentence id of this pipeline")
        unknown = sorted(set(acknowledge) - flags.PROBLEMS)
        if unknown:
            return Saved("refused", f"{unknown[0]} is not a flag to acknowledge")
        t = self.translation(at)
        article, now = self.current(at)
        if now is None or not now.editable:
            return Saved("refused", "this sentence has no translation to mark; reload the page")
        if now.base != at.base:
            return Saved("conflict", "This sentence changed since this page loaded: look at it again.", article, now, now.target or "")
        lost = exchange.editor_text(lost)
        if importing.CONTROL_RE.search(lost):
            return Saved("refused", "the text holds control characters (or a lone surrogate)")
        unit = exchange.unit_for(t, at.sid, at.base, now.target or "")
        mark = editing.Mark(tuple(acknowledge), needs_editing, lost)
        done = self.apply(t, at, unit, now.target or "", editing.Editing(editor, {unit.id: mark}))
        return done if isinstance(done, Saved) else self.answer("marked", "", at, now.target or "")

    def apply(self, t, at: Place, unit: formats.Unit, mine: str, changes: editing.Editing) -> Saved | str:
        """importing.apply under the app's lock and the folder's for one unit of the translation t
        (mine: the editor's text, for the answer): the unit's outcome (importing.CORRECTED,
        APPROVED, UNCHANGED), or a Saved saying why not (busy, conflict, refused, error)."""
        errors = _Errors()
        try:
            with self._saving:
                lock = self._folder_lock()
                try:
                    who = editing.editor_name(changes.editor) if changes.editor.strip() else self.editor
                    applied = importing.apply(
                        formats.Exchange(at.rel, t.record.source_lang, at.target, (unit,)),
                        f"{at.target}/{at.rel}",
                        self.ws,
                        None,
                        errors,
                        replace(changes, editor=who),
                    )
                finally:
                    lock.release()
        except PipelineError as e:
            if e.status == ExitStatus.BUSY:
                return self.answer("busy", BUSY_MESSAGE, at, mine)
            return self.answer("refused" if isinstance(e, InputError) else "error", str(e), at, mine)
        outcome, reason = applied.accepted.outcomes[unit.id]
        if applied.failed:
            return self.answer("error", "; ".join(errors.lines) or "the article could not be written again", at, mine)
        if outcome == importing.CONFLICT:
            return self.answer("conflict", "Someone else saved this sentence since this page loaded: keep yours or take theirs.", at, mine)
        if outcome == importing.REFUSED:
            reason = reason.replace("since the export; translate and export again", "since this page loaded; reload the page")
            return self.answer("refused", reason, at, mine)
        return outcome

    def answer(self, status: str, message: str, at: Place, mine: str) -> Saved:
        """A Saved with the sentence as the output folder holds it now (what the page shows next)."""
        try:
            article, sentence = self.current(at)
        except NotFound:
            article, sentence = None, None
        return Saved(status, message, article, sentence, mine)

    def _folder_lock(self) -> FolderLock:
        """The output folder's lock, waiting a little for a run (or another editor) to finish."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                return self.ws.lock().acquire()
            except Busy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
