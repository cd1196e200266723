"""Save: the editor's text for the sentence (or an earlier version from its history, restored)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.commands import editing
from pipeline.review.actions.base import TEXT_FIELDS, Action, Button, Keys
from pipeline.review.saving import Place, Saved, Saving


def write(project: Saving, at: Place, data: Mapping[str, object], approve: bool) -> Saved:
    """The text through importing.apply; approve: with the state "reviewed" (save and approve share it)."""
    action = editing.RESTORED if data.get("restored") else editing.EDITED
    return project.save(at, str(data["text"]), approve, str(data.get("editor", "")), action)


def apply(project: Saving, at: Place, data: Mapping[str, object]) -> Saved:
    return write(project, at, data, approve=False)


ACTION = Action(
    "save",
    TEXT_FIELDS,
    apply,
    Button(
        "Save",
        "Ctrl+Enter",
        Keys(("Ctrl+Enter",), "Ctrl+Enter", "save, then go to the next sentence that needs attention"),
        text=True,
        working="Saving…",
        then="next",
    ),
    about="the editor's text, as `pipeline import` takes a corrected unit",
)
