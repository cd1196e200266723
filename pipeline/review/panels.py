"""The panels beside a sentence in the review app: its flags (what each is about, acknowledged or
not), the pieces the machine dropped, the suggestions Ctrl+1..3 take, and its history with
diffs. Every piece of article or editor text goes through ``html.escape``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from html import escape

from pipeline.core import flags
from pipeline.review import actions
from pipeline.review.actions.base import Action
from pipeline.review.pieces import Chip, tags
from pipeline.review.project import Sentence

_WORDS_RE = re.compile(r"\s+|\w+|[^\w\s]")
ACTIONS = {"edited": "edited", "approved": "approved", "restored": "restored an earlier version", "lost-conflict": "lost a conflict"}


def flags_html(s: Sentence) -> str:
    """Each flag with what it is about; a problem flag with its acknowledge button, or who acknowledged it."""
    acked = {a.flag: a for a in s.acks}
    out = []
    for f in s.flags:
        about = [d.partition(": ")[2] for d in s.details if d.startswith(f + ":")]
        what = "".join(f'<span class="about">{escape(x)}</span>' for x in about)
        meaning = escape(flags.MEANINGS.get(f, f))
        if f not in flags.PROBLEMS:
            out.append(f'<li class="flag-row info"><span class="flag info" title="{meaning}">{escape(f)}</span>{what}</li>')
        elif f in acked:
            a = acked[f]
            out.append(
                f'<li class="flag-row acked"><span class="flag acked" title="{meaning}">{escape(f)}</span>{what}'
                f'<span class="ack-by">acknowledged by {escape(a.by)}, {escape(a.at)}</span></li>'
            )
        else:
            ack = actions.registered().get("acknowledge")
            button = action_button(ack, s, "Acknowledge", {"acknowledge": [f]}, keys=False) if ack else ""
            out.append(f'<li class="flag-row"><span class="flag" title="{meaning}">{escape(f)}</span>{what}{button}</li>')
    return f'<ul class="flags">{"".join(out)}</ul>' if out else ""


def action_button(action: Action, s: Sentence, label: str = "", body: Mapping[str, object] | None = None, keys: bool = True) -> str:
    """An action's button for a sentence: review.js posts it to /api/action/<name> from these
    attributes (label, body: another label and body than the action's own, as a flag's button has)."""
    b = action.button
    if b is None:
        return ""
    sent = b.body(s) if body is None else body
    data = {
        "action": action.name,
        "body": json.dumps(sent, ensure_ascii=False) if sent else "",
        "text": "1" if b.text else "",
        "key": " ".join(b.keys.bound) if keys and b.keys else "",
        "working": b.working,
        "done": b.done,
        "then": b.then,
        "clean": b.clean,
    }
    attrs = "".join(f' data-{k}="{escape(v)}"' for k, v in data.items() if v)
    return f'<button type="button"{attrs} title="{escape(b.title)}">{escape(label or b.label_for(s))}</button>'


def dropped_html(s: Sentence) -> str:
    """The pieces the target lacks, shown as the page loads: a click puts one back at the cursor."""
    if not s.dropped:
        return ""
    buttons = "".join(f'<button type="button" class="insert" data-insert="{escape(c.tag)}">{chip_html(c)}</button>' for c in s.dropped)
    return f"Missing (click, or Ctrl+I, to put back at the cursor): {buttons}"


def suggestions_html(s: Sentence) -> str:
    items = []
    for i, g in enumerate(s.suggestions):
        key = f"<kbd>Ctrl+{i + 1}</kbd>" if i < 3 else "<span></span>"
        score = f'<span class="score">{g.score}%</span>' if g.kind == "memory" else "<span></span>"
        text = escape(g.text) if g.kind == "glossary" else editor_html(g.text, s.chips)
        source = f' title="its source: {escape(g.source)}"' if g.source else ""
        items.append(
            f'<li class="suggest {escape(g.kind)}" data-take="{i}"{source}>{key}{score}<span class="text">{text}</span>'
            f'<button type="button" data-take="{i}">Use</button><span class="about">{escape(g.about)}</span></li>'
        )
    if not items:
        return ""
    return f'<div class="suggestions"><div class="label">Suggestions</div><ol>{"".join(items)}</ol></div>'


def history_html(s: Sentence) -> str:
    """Every earlier version, newest first, with what changed from it to the translation now."""
    if not s.history:
        return ""
    now = plain(s.target or "", s.chips)
    entries = []
    for i, c in reversed(list(enumerate(s.history))):
        entries.append(
            f'<li class="version"><div class="when">{escape(c.at)} · {escape(c.by)} · {escape(ACTIONS.get(c.action, c.action))}</div>'
            f'<div class="text">{editor_html(c.text, s.chips)}</div>'
            f'<div class="diff" title="from this version to the translation now">{diff_html(plain(c.text, s.chips), now)}</div>'
            f'<button type="button" data-restore="{i}">Restore</button></li>'
        )
    return f'<details class="history"><summary>History ({len(s.history)})</summary><ol>{"".join(entries)}</ol></details>'


def plain(text: str, chips: Sequence[Chip]) -> str:
    """A placeholder-form text as words, each chip as its label: what a diff compares."""
    labels = {c.tag: c.label for c in chips}
    out, pos = [], 0
    for start, end, tag in tags(text):
        out.append(text[pos:start])
        out.append(labels.get(tag, ""))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def diff_html(old: str, new: str) -> str:
    """Word by word: what was removed from the old text and what the new one says."""
    a, b = _WORDS_RE.findall(old), _WORDS_RE.findall(new)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def kind_class(kind: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", kind.lower())


def chip_html(c: Chip) -> str:
    return (
        f'<span class="chip k-{kind_class(c.kind)}" contenteditable="false" data-tag="{escape(c.tag)}" '
        f'title="{escape(c.title)}">{escape(c.label)}</span>'
    )


def editor_html(text: str, chips: Sequence[Chip]) -> str:
    """A target in placeholder form for the editor: words as text, placeholders as chips (a tag
    the source does not have is dropped, as the article drops it)."""
    by_tag = {c.tag: c for c in chips}
    out = []
    pos = 0
    for start, end, tag in tags(text):
        out.append(escape(text[pos:start]))
        pos = end
        if tag in by_tag:
            out.append(chip_html(by_tag[tag]))
    out.append(escape(text[pos:]))
    return "".join(out)
