"""Take theirs: after a conflict, the version saved meanwhile stays and the editor's own text goes
into the sentence's history ("lost a conflict"): nothing is lost. Posted by the conflict box
review.js shows, against the base the conflict answer gave; no button of its own."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.review.actions.base import Action, Field
from pipeline.review.saving import Place, Saved, Saving


def apply(project: Saving, at: Place, data: Mapping[str, object]) -> Saved:
    return project.mark(at, str(data.get("editor", "")), lost=str(data["lost"]))


ACTION = Action("take-theirs", (Field("lost", str),), apply, about="the losing text, kept in the history")
