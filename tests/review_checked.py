"""A review action that is not the package's, for tests/test_review_actions.py: "Checked" says
the sentence was looked at and is done: the flags the page showed are right (acknowledged) and it
needs no more editing (the mark cleared), in one write. It is what docs/architecture.md's recipe
asks for: this module, and its path added to ``pipeline.review.actions.ACTIONS``; it uses only
Saving's stable API (current, translation, apply, answer)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.commands import editing, exchange
from pipeline.core import flags
from pipeline.review.actions.base import Action, Button, Field, Keys
from pipeline.review.saving import Place, Saved, Saving


def apply(project: Saving, at: Place, data: Mapping[str, object]) -> Saved:
    named = data["flags"]
    assert isinstance(named, list)  # the route checked the body against the fields
    if set(named) - flags.PROBLEMS:
        return Saved("refused", "not a flag to acknowledge")
    article, now = project.current(at)
    if now is None or not now.editable or now.target is None:
        return Saved("refused", "this sentence has no translation to check; reload the page")
    if now.base != at.base:
        return Saved("conflict", "This sentence changed since this page loaded: look at it again.", article, now, now.target)
    t = project.translation(at)
    unit = exchange.unit_for(t, at.sid, at.base, now.target)  # the target as it is: only the marks change
    mark = editing.Mark(acknowledge=tuple(named), needs_editing=False)
    done = project.apply(t, at, unit, now.target, editing.Editing(str(data.get("editor", "")), {unit.id: mark}))
    return done if isinstance(done, Saved) else project.answer("marked", "", at, now.target)


ACTION = Action(
    "checked",
    (Field("flags", list),),
    apply,
    Button(
        "Checked",
        "y: its flags are right and it needs no more editing",
        Keys(("y",), "y", "checked: the sentence's flags are right and it needs no more editing"),
        body=lambda s: {"flags": list(s.problems)},
        done="Checked.",
        clean="Save or revert your edit first.",
    ),
    about="acknowledge the flags shown and clear needs-editing",
)
