"""`pipeline import`: an editor's exchange file merged three-way against the output folder's
record, unit by unit (the review app saves through it too):
- the file's target equals the current one, or its base: nothing to do, nothing counted
  (a reviewed state on an unchanged machine target approves it: it becomes human);
- only the file changed it: accepted as the editor's translation;
- both changed it since the export: a conflict, reported with both versions; nothing is stored
  for it unless the user chooses (``--theirs`` / ``--ours``).
Units are found by their source sentence's hash, so a source edit elsewhere in the article costs
nothing; a unit whose own source changed is refused, by name; an untouched unit is never refused.
One bad unit or file never costs the others. Accepted corrections go first into the article's
pending record (the system of record), then the article is written again, exactly as a run of
``translate`` writes it (commands/run.rewrite).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from pipeline import formats
from pipeline.commands import editing
from pipeline.commands.editing import Mark
from pipeline.commands.exchange import (
    HUMAN_STATES,
    ID_RE,
    RENDERED,
    Translation,
    base_of,
    check_markup,
    editor_text,
    open_translation,
    same,
)
from pipeline.core import paths
from pipeline.core.errors import InputError
from pipeline.core.hashes import text_hash
from pipeline.core.identity import HUMAN, MACHINE
from pipeline.core.languages import well_formed
from pipeline.engines.base import Translated
from pipeline.segment.protect import unmask
from pipeline.store import records
from pipeline.store.layout import relative_problem
from pipeline.workspace import Workspace
from pipeline.writer import Writer

THEIRS, OURS = "theirs", "ours"
CORRECTED, APPROVED, CONFLICT, REFUSED, UNCHANGED = "corrected", "approved", "conflict", "refused", "unchanged"
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")  # and lone surrogates, which no file can hold


@dataclass
class Accepted:
    """What one import file brings to one article."""

    name: str
    translation: Translation
    overrides: dict[str, Translated] = field(default_factory=dict)  # source hash -> the editor's text
    corrected: int = 0
    approved: int = 0
    problems: list[str] = field(default_factory=list)  # one line each: refused units and conflicts
    conflicts: int = 0
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)  # unit id -> (outcome, reason)
    marks: dict[str, Mark] = field(default_factory=dict)  # source hash -> what an editor said about it
    lost: dict[str, str] = field(default_factory=dict)  # source hash -> a text that lost a conflict (--ours)

    @property
    def refused(self) -> int:
        return len(self.problems) - self.conflicts


def accept(
    exchange: formats.Exchange, name: str, ws: Workspace, choose: str | None = None, marks: Mapping[str, Mark] | None = None
) -> Accepted:
    """Merge an exchange file three-way against the article's record; see the module's docstring.
    marks: by unit id, what an editor says about a sentence besides its text; kept only when its
    unit is no conflict and no refusal (an acknowledgement, only when its target is unchanged)."""
    # any pair may be translated here; the article's record, read next, says which one this is
    if not (well_formed(exchange.source_lang) and well_formed(exchange.target_lang)) or exchange.source_lang == exchange.target_lang:
        raise InputError(
            name, f"languages {paths.shown(exchange.source_lang)}->{paths.shown(exchange.target_lang)}: not a pair of language codes"
        )
    if relative_problem(exchange.document):  # the store's own rule for a path read from a file
        raise InputError(name, f"document {exchange.document!r} is not an article path inside a source folder")
    t = open_translation(ws, exchange.target_lang, PurePosixPath(exchange.document).as_posix(), name)
    if t.record.source_lang != exchange.source_lang:
        raise InputError(name, f"{exchange.document} is translated from {t.record.source_lang}, not {exchange.source_lang}")
    result = Accepted(name, t)
    segments = {text_hash(seg.text)[:12]: (block, seg) for block in t.doc.blocks for seg in block.segments}
    current = t.current()
    targets = t.targets()
    for unit in exchange.units:
        before = (result.corrected, result.approved, result.conflicts)
        problem = _merge(unit, segments, _Ours(current, targets), result, choose)
        if problem:
            result.problems.append(f"{name}: segment {paths.shown(unit.id)}: {problem}")
        # per unit, so a caller editing one sentence at a time (pipeline review) can say what became of it
        if result.conflicts > before[2]:
            outcome = CONFLICT
        elif problem:
            outcome = REFUSED
        elif result.corrected > before[0]:
            outcome = CORRECTED
        elif result.approved > before[1]:
            outcome = APPROVED
        else:
            outcome = UNCHANGED
        result.outcomes[unit.id] = (outcome, problem)
        mark = (marks or {}).get(unit.id)
        m = ID_RE.match(unit.id)
        if mark is not None and m and outcome not in (CONFLICT, REFUSED):
            h = text_hash(segments[m.group(3)][1].text)
            now = targets.get(h) or current[h].target or ""
            # an acknowledgement is for the target the editor saw, and only if it is still the one there
            seen = outcome == UNCHANGED and m.group(4) is not None and base_of(now) == m.group(4)
            result.marks[h] = mark if seen else replace(mark, acknowledge=())
    return result


@dataclass(frozen=True)
class _Ours:
    """The article's translation as the output folder holds it: records by source hash, and the
    targets as the article shows them (see Translation.targets)."""

    sentences: dict[str, records.Sentence]
    targets: dict[str, str]


def _merge(unit: formats.Unit, segments, ours_now: _Ours, result: Accepted, choose: str | None) -> str:
    """One unit: stores what it brings in result; returns a one-line problem, or ""."""
    if getattr(unit, "error", ""):
        return unit.error
    m = ID_RE.match(unit.id)
    if not m:
        return "not a segment id of this pipeline; export again"
    found = segments.get(m.group(3))
    if found is None:
        return "its source sentence changed or was removed since the export; translate and export again"
    _, seg = found
    h = text_hash(seg.text)
    ours = ours_now.sentences.get(h)
    target = ours_now.targets.get(h)
    if ours is None or target is None:
        return "this sentence has no translation yet; translate and export again"
    theirs = editor_text(unit.target)
    if unit.note == RENDERED:
        unmasked = unmask(theirs, seg)
        if unmasked is None:
            return "the target lost the markup (emphasis or a link) of the source"
        theirs = unmasked
    if not theirs:
        return ""  # an empty target: nothing to take
    unchanged = same(theirs, target)
    base = m.group(4)
    if unchanged or (base is not None and base_of(theirs) == base):  # untouched in the file: never refused
        if unchanged and unit.state in HUMAN_STATES and ours.origin == MACHINE:
            result.overrides[h] = Translated(target, (), HUMAN)
            result.approved += 1
        return ""
    if CONTROL_RE.search(theirs):
        return "the target holds control characters (or a lone surrogate)"
    problem = check_markup(theirs, seg)
    if problem:
        return problem
    ours_changed = base_of(target) != base if base is not None else ours.origin == HUMAN
    if ours_changed and choose != THEIRS:
        if choose == OURS:
            result.lost[h] = theirs  # the file's version loses: kept in the history
            return ""
        result.conflicts += 1
        return (
            f"conflict: changed in this file and in the translation since the export; "
            f"file: {_quote(theirs)}; translation now: {_quote(target)} (import with --theirs or --ours to choose)"
        )
    result.overrides[h] = Translated(theirs, (), HUMAN)
    result.corrected += 1
    return ""


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def store(accepted: Accepted, writer: Writer, editor: str = "", at: str = "") -> bool:
    """The article's pending record with the editor's translations and marks: durable before
    anything is rewritten, so an interruption cannot lose them. Each change of a target keeps
    who, when and the text it replaced in the sentence's history. False when there is nothing to store."""
    if not (accepted.overrides or accepted.marks or accepted.lost):
        return False
    by, at = editor or editing.editor_name(), at or editing.now()
    record = accepted.translation.record
    blocks = tuple(
        (bh, tuple(editing.changed(s, accepted.overrides, accepted.marks, accepted.lost, by, at) for s in ss)) for bh, ss in record.blocks
    )
    writer.pending(replace(record, blocks=blocks))
    return True


@dataclass
class Applied:
    """What importing one exchange into the output folder did."""

    accepted: Accepted
    stored: bool = False  # the editor's translations went into the article's record
    failed: int = 0  # 1 when the article could not be written again (the reporter said why)
    unwritten: int = 0  # ...because an output could not be written (exit 6)

    @property
    def written(self) -> bool:
        """The article was written again: for the editor's translations, or to complete an interrupted write."""
        return (self.stored or self.accepted.translation.pending) and not self.failed

    def summary(self) -> str:
        a = self.accepted
        written = f"; {a.translation.record.article} written again" if self.written else ""
        return f"{a.corrected} corrected, {a.approved} approved, {a.conflicts} conflicts, {a.refused} refused{written}"


def apply(
    exchange: formats.Exchange,
    name: str,
    ws: Workspace,
    choose: str | None = None,
    reporter=None,
    changes: editing.Editing = editing.ANONYMOUS,
) -> Applied:
    """Everything `pipeline import` does with one file, for any caller (the CLI, `pipeline review`):
    merge it three-way (accept), make the editor's translations and marks durable in the record
    (store, with `changes.editor` as who), and write the article again exactly as `pipeline translate`
    writes it, under the output folder's lock. Raises InputError when the exchange does not fit
    the output folder, fileio.Busy when another run holds the folder."""
    from pipeline.commands import run

    with ws.lock():
        accepted = accept(exchange, name, ws, choose, changes.marks)
        applied = Applied(accepted)
        applied.stored = store(accepted, ws.writer(), changes.editor)
        t = accepted.translation
        if applied.stored or t.pending:  # an interrupted import or save of this article is completed too
            stats = run.rewrite(ws, t.source, t.record, accepted.overrides, reporter)
            applied.failed, applied.unwritten = stats.failed, stats.unwritten
    return applied
