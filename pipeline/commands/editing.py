"""Who changes a sentence, when, and what its record keeps of the change: the editor's name,
the marks an editor gives a sentence besides its text (an acknowledged check, "needs editing",
a conflict's losing text), and the history entry each change of a target adds. Used by
``importing.store`` for imports and the review app alike."""

from __future__ import annotations

import getpass
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from pipeline.core import flags
from pipeline.core.identity import HUMAN
from pipeline.engines.base import Translated
from pipeline.store import records

EDITED, APPROVED, RESTORED, LOST = "edited", "approved", "restored", "lost-conflict"  # what a history entry says
MAX_EDITOR = 100


def editor_name(given: str | None = None) -> str:
    """Who makes a change: the name given (--editor), else git's user.name, else the login name.
    One line, at most MAX_EDITOR characters: it goes into the record."""
    name = given or ""
    if not name.strip():
        try:
            name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            name = ""
    if not name.strip():
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
    name = "".join(c for c in " ".join(name.split()) if c.isprintable())
    return name[:MAX_EDITOR] or "unknown"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Mark:
    """What an editor says about one sentence besides its text (pipeline review), kept in its record."""

    acknowledge: tuple[str, ...] = ()  # problem flags checked and found right, for the target as it is
    needs_editing: bool | None = None  # set or clear the mark; None: leave it as it is
    lost: str = ""  # the editor's text that lost a conflict: kept in the history
    action: str = EDITED  # how the history names a change of the target: edited | restored


@dataclass(frozen=True)
class Editing:
    """Who makes an import's or the review app's changes, and what they say besides the texts."""

    editor: str = ""  # "": editor_name()
    marks: Mapping[str, Mark] = field(default_factory=dict)  # by unit id


ANONYMOUS = Editing()  # who: editor_name(); no marks


def changed(
    s: records.Sentence, overrides: Mapping[str, Translated], marks: Mapping[str, Mark], lost: Mapping[str, str], by: str, at: str
) -> records.Sentence:
    """One sentence of the record with what an import or an editor brings to it (each by source
    hash): a new target keeps the text it replaced in the history; a text that lost a conflict
    is kept there too; acknowledgements and the needs-editing mark as the marks say."""
    mark = marks.get(s.hash, Mark())
    history = s.history
    if s.hash in overrides:
        text = overrides[s.hash].text
        action = APPROVED if s.target is not None and text.split() == s.target.split() else mark.action
        history += (records.Change(at, by, action, s.target or ""),)
        # a new target re-opens every acknowledgement and clears the needs-editing mark
        s = records.Sentence(s.hash, HUMAN, text, history=history)
    losing = mark.lost or lost.get(s.hash, "")
    if losing:
        history += (records.Change(at, by, LOST, losing),)
    acks = s.acks
    if mark.acknowledge and s.target is not None:
        key = flags.target_key(s.target)
        acks = tuple(a for a in acks if a.flag not in mark.acknowledge) + tuple(
            flags.Ack(f, key, by, at) for f in sorted(set(mark.acknowledge))
        )
    needs = s.needs_editing if mark.needs_editing is None else ((by, at) if mark.needs_editing else None)
    return replace(s, history=history, acks=acks, needs_editing=needs)
