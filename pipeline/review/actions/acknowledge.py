"""Acknowledge: the sentence's flags (or one of them) were checked and the translation is right;
they stop counting (for this target: a new one re-opens them)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.review.actions.base import Action, Button, Field, Keys
from pipeline.review.saving import Place, Saved, Saving

UNSAVED = "Save or revert your edit first: a flag is acknowledged for the saved translation."


def apply(project: Saving, at: Place, data: Mapping[str, object]) -> Saved:
    flags = data["acknowledge"]
    assert isinstance(flags, list)  # the route checked the body against FIELDS
    return project.mark(at, str(data.get("editor", "")), acknowledge=tuple(flags))


ACTION = Action(
    "acknowledge",
    (Field("acknowledge", list),),
    apply,
    Button(
        "Acknowledge flags",
        "x: checked, the translation is right",
        Keys(
            ("x",),
            "x",
            "acknowledge the sentence's flags: checked, the translation is right (they stop counting)",
            none="No flag to acknowledge on this sentence.",
        ),
        shown=lambda s: bool(s.problems),
        body=lambda s: {"acknowledge": list(s.problems)},
        clean=UNSAVED,
    ),
    about="the flags named, for the target as it is (a flag's own button in the flags panel sends one)",
)
