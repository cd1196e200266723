"""Approve: the translation in the editor is right; it is saved as reviewed (a machine one becomes human)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.review.actions import save
from pipeline.review.actions.base import TEXT_FIELDS, Action, Button, Keys
from pipeline.review.saving import Place, Saved, Saving


def apply(project: Saving, at: Place, data: Mapping[str, object]) -> Saved:
    return save.write(project, at, data, approve=True)


ACTION = Action(
    "approve",
    TEXT_FIELDS,
    apply,
    Button(
        "Approve",
        "a",
        Keys(
            ("a", "Ctrl+Shift+Enter"),
            "a, or Ctrl+Shift+Enter while editing",
            "approve the translation as it is (marks it reviewed), then go on",
        ),
        text=True,
        working="Approving…",
        then="next",
    ),
    about="the editor's text with the state `reviewed`",
)
