"""The review app's actions: what an editor can do to a sentence, one module each (``ACTION``,
see base.py), registered by one line here. Everything else (the route's checks, the button, the
keyboard help, review.js's handler) comes from the declaration."""

from __future__ import annotations

import functools
import importlib

from pipeline.review.actions.base import Action

# The modules, in the order of their buttons and of their lines in the keyboard help.
ACTIONS: tuple[str, ...] = (
    "pipeline.review.actions.save",
    "pipeline.review.actions.approve",
    "pipeline.review.actions.acknowledge",
    "pipeline.review.actions.needs_editing",
    "pipeline.review.actions.take_theirs",
)


def registered() -> dict[str, Action]:
    """Every action by name (ACTIONS is read at each call: a test registers one by adding a line)."""
    return _load(ACTIONS)


@functools.cache
def _load(modules: tuple[str, ...]) -> dict[str, Action]:
    found: dict[str, Action] = {}
    for module in modules:
        action = importlib.import_module(module).ACTION
        if not isinstance(action, Action) or action.name in found:
            raise ValueError(f"{module}: ACTION is not an Action, or its name is taken")
        found[action.name] = action
    return found
