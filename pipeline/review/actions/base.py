"""What a review action is: its name, its request's fields, its button, and what it does.

An action's module holds one ``ACTION = Action(...)``; registering it is one line in
``actions.ACTIONS``. The rest follows from the declaration: app.py answers
``POST /api/action/<name>`` behind the guard (token, Host, Origin, JSON, MAX_BODY) and checks the
body's fields against ``fields`` before ``apply`` runs; pages.py renders the button on each sentence
it is ``shown`` for and its keys in the keyboard help; review.js posts it from the button's data
attributes. ``apply`` is written against Saving's stable API (review/saving.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.review.project import Sentence
    from pipeline.review.saving import Place, Saved, Saving

KINDS = (str, bool, list)  # a field's kind: a string, a boolean, or a list of strings
NAME_RE = re.compile(r"[a-z]+(-[a-z]+)*")


@dataclass(frozen=True)
class Field:
    """A field of the request besides the sentence's address (target, rel, id, base) and editor."""

    name: str
    kind: type  # one of KINDS
    required: bool = True


# What review.js sends for a button that sends the editor's text: the text, and whether it is an
# earlier version the editor took from the sentence's history (then the history says "restored").
TEXT_FIELDS = (Field("text", str), Field("restored", bool, required=False))


def _always(s: Sentence) -> bool:
    return True


def _nothing(s: Sentence) -> dict[str, object]:
    return {}


@dataclass(frozen=True)
class Keys:
    """The action's keys: as review.js names a key press ("a", "Ctrl+Enter", "Ctrl+Shift+Enter"),
    and the keyboard help's line for them. A key with Ctrl works while editing too."""

    bound: tuple[str, ...]
    shown: str  # e.g. "a, or Ctrl+Shift+Enter while editing"
    about: str  # what it does
    none: str = ""  # said when the key is pressed on a sentence without the button


@dataclass(frozen=True)
class Button:
    """The action's control on a sentence of the article page, and how the page sends it."""

    label: str | Callable[[Sentence], str]
    title: str = ""
    keys: Keys | None = None
    shown: Callable[[Sentence], bool] = _always  # on which (editable) sentences it is offered
    body: Callable[[Sentence], Mapping[str, object]] = _nothing  # fields it sends, as the page shows the sentence
    text: bool = False  # it sends the editor's text as "text" (not empty; a conflict shows both versions)
    working: str = ""  # said while the server answers
    done: str = ""  # said when it is done (else by the answer's status: "Saved.", "Marked."...)
    then: str = ""  # "next": go on to the next sentence that needs attention; "": stay
    clean: str = ""  # refused while the editor holds an unsaved edit, saying this

    def label_for(self, s: Sentence) -> str:
        return self.label(s) if callable(self.label) else self.label


@dataclass(frozen=True)
class Action:
    name: str  # its route: POST /api/action/<name>; lowercase words and hyphens
    fields: tuple[Field, ...]
    apply: Callable[[Saving, Place, Mapping[str, object]], Saved]  # (the project, the sentence, the checked body)
    button: Button | None = None  # None: posted by review.js itself (the conflict box's "Take theirs")
    about: str = ""  # one line for the docs

    def __post_init__(self) -> None:
        if not NAME_RE.fullmatch(self.name):
            raise ValueError(f"a review action's name is lowercase words and hyphens, not {self.name!r}")
        if any(f.kind not in KINDS for f in self.fields):
            raise ValueError(f"{self.name}: a field is a str, a bool or a list (of strings)")
        if self.button is not None and self.button.text and not set(TEXT_FIELDS) <= set(self.fields):
            raise ValueError(f"{self.name}: a button that sends the editor's text takes TEXT_FIELDS")


def problem(action: Action, data: Mapping[str, object]) -> str:
    """Why a request body (a JSON object, the address and editor checked) does not fit the
    action's fields: a field missing, one it does not have, one of the wrong kind; "" if it fits."""
    kinds = {f.name: f.kind for f in action.fields}
    if any(f.required and f.name not in data for f in action.fields):
        return "fields are missing"
    for key, value in data.items():
        kind = kinds.get(key)
        if kind is None:
            return repr(str(key)[:40])
        if not isinstance(value, kind) or isinstance(value, list) and not all(isinstance(v, str) for v in value):
            return repr(key)
    return ""
