"""Needs editing: mark the sentence for more work, or clear the mark."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.review.actions.base import Action, Button, Field, Keys
from pipeline.review.saving import Place, Saved, Saving


def apply(project: Saving, at: Place, data: Mapping[str, object]) -> Saved:
    return project.mark(at, str(data.get("editor", "")), needs_editing=bool(data["needs_editing"]))


ACTION = Action(
    "needs-editing",
    (Field("needs_editing", bool),),
    apply,
    Button(
        lambda s: "Done editing" if s.needs_editing else "Needs editing",
        "m",
        Keys(("m",), "m", "mark or unmark the sentence as needing editing"),
        body=lambda s: {"needs_editing": not s.needs_editing},
        clean="Save or revert your edit first.",
    ),
    about="set or clear the mark (true or false)",
)
