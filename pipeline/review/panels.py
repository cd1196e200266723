"""The panels beside a sentence in the review app: its flags (what each is about, acknowledged or
not), the pieces the machine dropped, the suggestions Ctrl+1..3 take, and its history with
diffs. Every piece of article or editor text goes through ``html.escape``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from html import escape

from pipeline.core import flags
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
            out.append(
                f'<li class="flag-row"><span class="flag" title="{meaning}">{escape(f)}</span>{what}'
                f'<button type="button" data-ack="{escape(f)}" title="x: checked, the translation is right">Acknowledge</button></li>'
            )
    return f'<ul class="flags">{"".join(out)}</ul>' if out else ""


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
