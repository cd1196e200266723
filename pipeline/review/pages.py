"""The review app's HTML, rendered on the server: plain string templates, every piece of article
text through ``html.escape``. Links in article text are inert (a span with the target as its
title, never an ``<a href>``); raw HTML in an article is shown as code. The only script is the
package's own review.js, loaded with the request's CSP nonce."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from html import escape
from urllib.parse import quote, urlencode

from pipeline import __version__
from pipeline.commands import freshness
from pipeline.core import flags
from pipeline.core.document import Segment, Span
from pipeline.review.project import MISSING, Article, Chip, Row, Sentence, tags

LANGUAGE_NAMES = {"en": "English", "uk": "Українська"}
SHOW = {"all": "all", "attention": "needs attention", "flagged": "flagged", "unreviewed": "unreviewed"}
ORIGINS = {"machine": "machine · unreviewed", "human": "reviewed", "kept": "kept as it is", MISSING: "not translated yet"}
PAIRS = {"em": ("<em>", "</em>"), "strong": ("<strong>", "</strong>"), "s": ("<del>", "</del>")}
_WORDS_RE = re.compile(r"\s+|\w+|[^\w\s]")

# (keys, what they do): shown on the article page; README's "Review in the browser" lists the same.
SHORTCUTS = (
    ("j / ↓, k / ↑", "next / previous sentence"),
    ("n", "next sentence that needs attention (flagged or unreviewed)"),
    ("f, Shift+F", "next / previous flagged sentence"),
    ("Enter or e", "edit the translation"),
    ("Ctrl+Enter", "save, then go to the next sentence that needs attention"),
    ("a, or Ctrl+Shift+Enter while editing", "approve the translation as it is (marks it reviewed), then go on"),
    ("r", "revert to the machine translation (in the editor; save to keep it)"),
    ("c", "copy the source into the editor"),
    ("Alt+↓, Alt+↑", "next / previous sentence while editing"),
    ("Esc", "leave the editor (unsaved text stays)"),
)


def layout(title: str, body: str, nonce: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="uk-en-pipeline {__version__}">
<title>{escape(title)} · pipeline review</title>
<link rel="stylesheet" href="/static/review.css">
<script src="/static/review.js" nonce="{escape(nonce)}" defer></script>
</head>
<body>
<header class="top"><a href="/">All translations</a><span class="brand">pipeline review</span></header>
{body}
</body>
</html>
"""


def message(title: str, text: str, nonce: str) -> str:
    return layout(title, f'<main class="message"><h1>{escape(title)}</h1><p>{escape(text)}</p></main>', nonce)


def _options(values: Sequence[tuple[str, str]], chosen: str) -> str:
    return "".join(f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(label)}</option>' for v, label in values)


def article_url(target: str, rel: str, **query: str) -> str:
    q = urlencode({k: v for k, v in query.items() if v})
    return f"/a/{quote(target)}/{quote(rel)}" + (f"?{q}" if q else "")


def home(rows: list[Row], problems: list[str], state: str, flag: str, query: str, nonce: str, flag_names: Sequence[str]) -> str:
    states = [("", "any state")] + [(s, s) for s in freshness.STATUSES]
    flag_choices = [("", "any"), ("flagged", "flagged"), ("unreviewed", "unreviewed")] + [(f, f) for f in flag_names]
    lines = []
    for r in rows:
        name = escape(r.rel or r.source)
        link = f'<a href="{escape(article_url(r.target, r.rel, q=query))}">{name}</a>' if r.openable else name
        matches = f"<td>{r.matches}</td>" if query else ""
        about = ", ".join(f"{f} {n}" for f, n in r.flags)
        lines.append(
            f'<tr class="state-{escape(r.status)}"><td>{link}<div class="path">{escape(r.source)}</div></td>'
            f"<td>{escape(LANGUAGE_NAMES.get(r.target, r.target))}</td>"
            f'<td><span class="state {escape(r.status)}" title="{escape(r.detail)}">{escape(r.status)}</span>'
            f"{f'<div class=detail>{escape(r.detail)}</div>' if r.detail else ''}</td>"
            f'<td class="num" title="{escape(about)}">{r.flagged}</td><td class="num">{r.unreviewed}</td>{matches}</tr>'
        )
    notes = "".join(f"<li>{escape(p)}</li>" for p in problems)
    body = f"""<main id="home">
<h1>Translations</h1>
<form class="filters" method="get" action="/">
<label>State <select name="state">{_options(states, state)}</select></label>
<label>Flag <select name="flag">{_options(flag_choices, flag)}</select></label>
<label>Search <input type="search" name="q" value="{escape(query)}" placeholder="source or translation text"></label>
<button type="submit">Filter</button>
</form>
{f'<ul class="problems">{notes}</ul>' if notes else ""}
<table class="articles">
<thead><tr><th>Article</th><th>Into</th><th>State</th><th>Flagged</th><th>Unreviewed</th>{"<th>Matches</th>" if query else ""}</tr></thead>
<tbody>
{chr(10).join(lines) or '<tr><td colspan="6" class="empty">No translation matches.</td></tr>'}
</tbody>
</table>
</main>"""
    return layout("Translations", body, nonce)


def _visible(s: Sentence, show: str) -> bool:
    if show == "attention":
        return s.attention
    if show == "flagged":
        return bool(s.problems)
    if show == "unreviewed":
        return s.editable and s.origin == "machine"
    return True


def article(a: Article, show: str, query: str, nonce: str) -> str:
    sentences = list(a.sentences())
    flagged = sum(1 for s in sentences if s.problems)
    unreviewed = sum(1 for s in sentences if s.editable and s.origin == "machine")
    sections = []
    for b in a.blocks:
        shown = [s for s in b.sentences if _visible(s, show) and (not query or s.match)]
        if not shown:
            continue
        kind = b.kind + (f": {b.key}" if b.key else "")
        rows = "\n".join(sentence(a, s) for s in shown)
        sections.append(
            f'<section class="block" id="b{b.index}"><h2 class="block-head">{b.index + 1} · {escape(kind)}</h2>\n{rows}\n</section>'
        )
    nav = " ".join(
        f'<a href="{escape(article_url(a.target, a.rel, show=key if key != "all" else "", q=query))}"'
        f"{' aria-current=page' if key == show else ''}>{escape(label)}</a>"
        for key, label in SHOW.items()
    )
    keys = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in SHORTCUTS)
    stale = (
        '<p class="notice">The source changed since this translation was written: sentences marked '
        '"not translated yet" get a translation with the next <code>pipeline translate</code>.</p>'
        if a.status == freshness.STALE
        else ""
    )
    src, tgt = LANGUAGE_NAMES.get(a.source_lang, a.source_lang), LANGUAGE_NAMES.get(a.target, a.target)
    body = f"""<main id="article" data-target="{escape(a.target)}" data-rel="{escape(a.rel)}">
<div class="article-head">
<h1>{escape(a.rel)} <small>{escape(src)} → {escape(tgt)}</small></h1>
<p class="meta"><span class="state {escape(a.status)}">{escape(a.status)}</span> {escape(a.detail)} · {escape(a.source)} ·
<span id="count-flagged">{flagged}</span> flagged · <span id="count-unreviewed">{unreviewed}</span> unreviewed</p>
<nav class="show">Show: {nav}</nav>
<form class="search" method="get"><input type="search" name="q" value="{escape(query)}" placeholder="search this article">
{f'<input type="hidden" name="show" value="{escape(show)}">' if show != "all" else ""}<button type="submit">Search</button></form>
<details class="keys"><summary>Keyboard shortcuts</summary><dl>{keys}</dl></details>
{stale}
<p id="status" class="status" role="status" aria-live="polite"></p>
</div>
<div class="cols"><span>{escape(src)}</span><span>{escape(tgt)}</span><span></span></div>
{chr(10).join(sections) or '<p class="empty">Nothing to show with this filter.</p>'}
</main>"""
    return layout(a.rel, body, nonce)


def sentence(a: Article, s: Sentence) -> str:
    """One sentence pair: source rendered, target in an editor with chips, its state beside them."""
    classes = ["pair" if s.editable else "static-pair", f"origin-{s.origin}"]
    if s.problems:
        classes.append("flagged")
    if s.attention:
        classes.append("attention")
    if s.match:
        classes.append("match")
    data = {"sid": s.id}
    if s.editable:
        data.update(
            base=s.base,
            chips=json.dumps({c.tag: [c.kind, c.label, c.title] for c in s.chips}, ensure_ascii=False),
            source=s.segment.text,
        )
        if s.machine is not None:
            data["machine"] = s.machine
        if s.suggestion_text is not None:
            data["suggestion"] = s.suggestion_text
    attrs = " ".join(f'data-{k}="{escape(v)}"' for k, v in data.items())
    source = f'<div class="src" lang="{escape(a.source_lang)}">{source_html(s.segment)}</div>'
    if s.editable:
        target = (
            f'<div class="tgt"><div class="editor" contenteditable="true" role="textbox" spellcheck="true" '
            f'lang="{escape(a.target)}" aria-label="translation">{editor_html(s.target or "", s.chips)}</div>'
            f'<div class="missing-chips"></div><div class="msg" role="status" aria-live="polite"></div></div>'
        )
    elif s.origin == "kept":
        target = f'<div class="tgt kept" lang="{escape(a.source_lang)}">{source_html(s.segment)}</div>'
    else:
        target = '<div class="tgt"><span class="note">not translated yet: its source changed since the last run of pipeline translate</span></div>'
    return f'<div class="{" ".join(classes)}" id="{escape(s.id)}" tabindex="-1" {attrs}>{source}{target}{_info(s)}</div>'


def _info(s: Sentence) -> str:
    parts = [f'<span class="origin {escape(s.origin)}">{escape(ORIGINS.get(s.origin, s.origin))}</span>']
    for f in s.flags:
        cls = "flag" if f in flags.PROBLEMS else "flag info"
        parts.append(f'<span class="{cls}" title="{escape(flags.MEANINGS.get(f, f))}">{escape(f)}</span>')
    if s.details:
        parts.append('<ul class="details">' + "".join(f"<li>{escape(d)}</li>" for d in s.details) + "</ul>")
    if s.suggestion:
        earlier_source, earlier_target = s.suggestion
        parts.append(
            '<div class="suggestion"><div class="label">Editor\'s earlier version</div>'
            f'<div class="earlier">{escape(earlier_target)}</div>'
            f'<div class="label">What changed in the source</div><div class="diff">{diff_html(earlier_source, s.shown_source)}</div></div>'
        )
    if s.editable:
        # for a machine translation, revert undoes unsaved edits; for a corrected one it needs the memory's copy
        revert = " disabled" if s.machine is None else ""
        why = ' title="no machine translation is kept for this sentence"' if revert else ' title="r: into the editor; save to keep it"'
        use = '<button type="button" data-action="suggestion">Use earlier version</button>' if s.suggestion_text is not None else ""
        parts.append(
            '<div class="actions">'
            '<button type="button" data-action="save" title="Ctrl+Enter">Save</button>'
            '<button type="button" data-action="approve" title="a">Approve</button>'
            f'<button type="button" data-action="revert"{revert}{why}>Revert to machine</button>'
            '<button type="button" data-action="copy">Copy source</button>'
            f"{use}</div>"
        )
    return f'<div class="info">{"".join(parts)}</div>'


def diff_html(old: str, new: str) -> str:
    """Word by word: what was removed from the earlier source and what the source says now."""
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


def _kind(kind: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", kind.lower())


def _atom(span: Span) -> str:
    source = escape(span.source)
    if span.kind == "code":
        text = span.source.strip("`")
        text = text[1:-1] if len(text) > 2 and text[0] == text[-1] == " " else text
        return f"<code>{escape(text)}</code>"
    if span.kind == "url":
        return f'<span class="link" title="{source}">{source}</span>'
    if span.kind == "break":
        return '<span class="break" title="line break">↵</span>'
    if span.kind in ("quantity", "term"):
        return f'<span class="{_kind(span.kind)}">{source}</span>'
    return f'<code class="raw" title="{escape(span.kind)}">{source}</code>'


def source_html(seg: Segment) -> str:
    """A sentence's placeholder form rendered: emphasis as emphasis, code as code, links inert."""
    out: list[str] = []
    stack: list[int] = []
    pos = 0
    for start, end, tag in tags(seg.text):
        out.append(escape(seg.text[pos:start]))
        pos = end
        n = int(re.sub(r"\D", "", tag))
        if not 1 <= n <= len(seg.spans):
            continue
        span = seg.spans[n - 1]
        if not span.paired:
            out.append(_atom(span))
        elif tag.startswith("</"):
            if stack and stack[-1] == n:
                stack.pop()
                out.append(_close(span))
        elif n not in stack:
            stack.append(n)
            out.append(_open(span))
    out.append(escape(seg.text[pos:]))
    out.extend(_close(seg.spans[n - 1]) for n in reversed(stack))  # well-formed, whatever the input
    return "".join(out)


def _open(span: Span) -> str:
    if span.kind in PAIRS:
        return PAIRS[span.kind][0]
    return f'<span class="{_kind(span.kind)}" title="{escape(f"{span.source}…{span.close}")}">'


def _close(span: Span) -> str:
    return PAIRS[span.kind][1] if span.kind in PAIRS else "</span>"


def chip_html(c: Chip) -> str:
    return (
        f'<span class="chip k-{_kind(c.kind)}" contenteditable="false" data-tag="{escape(c.tag)}" '
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
