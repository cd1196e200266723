"""The review app's HTML, rendered on the server: plain string templates, every piece of article
text through ``html.escape``. Links in article text are inert (a span with the target as its
title, never an ``<a href>``); raw HTML in an article is shown as code. The only script is the
package's own review.js, loaded with the request's CSP nonce."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html import escape
from urllib.parse import quote, urlencode

from pipeline import __version__
from pipeline.commands import freshness
from pipeline.core.document import Segment, Span
from pipeline.core.identity import HUMAN, KEPT, MACHINE
from pipeline.review import actions, panels
from pipeline.review.panels import diff_html, editor_html, kind_class
from pipeline.review.project import MISSING, NEEDS_EDITING, Article, Row, Sentence, tags

LANGUAGE_NAMES = {"en": "English", "uk": "Українська"}
SHOW = {"all": "all", "attention": "needs attention", "flagged": "flagged", "unreviewed": "unreviewed", NEEDS_EDITING: "needs editing"}
ORIGINS = {MACHINE: "machine · unreviewed", HUMAN: "reviewed", KEPT: "kept as it is", MISSING: "not translated yet"}
PAIRS = {"em": ("<em>", "</em>"), "strong": ("<strong>", "</strong>"), "s": ("<del>", "</del>")}

# (keys, what they do): shown on the article page, around the actions' own keys (actions/);
# README's "Review in the browser" and docs/review.md list the same.
MOVING = (
    ("j / ↓, k / ↑", "next / previous sentence"),
    ("n", "next sentence that needs attention (flagged or unreviewed)"),
    ("f, Shift+F", "next / previous flagged sentence"),
    ("Enter or e", "edit the translation"),
)
EDITING = (
    ("Ctrl+1, Ctrl+2, Ctrl+3", "take the first, second, third suggestion (a glossary term goes in at the cursor)"),
    ("Ctrl+I while editing", "put the next dropped piece (number, code, link) back at the cursor"),
    ("h", "show or hide the sentence's history"),
    ("r", "revert to the machine translation (in the editor; save to keep it)"),
    ("c", "copy the source into the editor"),
    ("Shift+N", "next article needing attention"),
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


def share(part: int, whole: int) -> str:
    return f"{100 * part // whole}%" if whole else "–"


def home(rows: list[Row], problems: list[str], state: str, flag: str, query: str, nonce: str, flag_names: Sequence[str]) -> str:
    states = [("", "any state")] + [(s, s) for s in freshness.STATUSES]
    flag_choices = [("", "any"), ("flagged", "flagged"), ("unreviewed", "unreviewed"), (NEEDS_EDITING, "needs editing")]
    flag_choices += [(f, f) for f in flag_names]
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
            f'<td class="num" title="{escape(about)}">{r.flagged}</td><td class="num">{r.unreviewed}</td>'
            f'<td class="num">{r.needs_editing}</td><td class="num progress" title="{r.reviewed} of {r.sentences} sentences reviewed">'
            f"{share(r.reviewed, r.sentences)}</td>{matches}</tr>"
        )
    notes = "".join(f"<li>{escape(p)}</li>" for p in problems)
    reviewed, total = sum(r.reviewed for r in rows), sum(r.sentences for r in rows)
    following = next((r for r in rows if r.attention), None)
    nxt = (
        f'<a id="next-article" href="{escape(article_url(following.target, following.rel))}">Next article needing attention: {escape(following.rel)} →</a>'
        if following
        else '<span id="next-article">Nothing needs attention.</span>'
    )
    totals = (
        f'<p class="totals" id="totals">{"This translation" if len(rows) == 1 else f"These {len(rows)} translations"}: <strong>{share(reviewed, total)}</strong> reviewed '
        f"({reviewed} of {total} sentences), {sum(r.flagged for r in rows)} flagged, {sum(r.unreviewed for r in rows)} unreviewed, "
        f"{sum(r.needs_editing for r in rows)} needing editing · {nxt}</p>"
    )
    body = f"""<main id="home">
<h1>Translations</h1>
<form class="filters" method="get" action="/">
<label>State <select name="state">{_options(states, state)}</select></label>
<label>Flag <select name="flag">{_options(flag_choices, flag)}</select></label>
<label>Search <input type="search" name="q" value="{escape(query)}" placeholder="source or translation text"></label>
<button type="submit">Filter</button>
</form>
{f'<ul class="problems">{notes}</ul>' if notes else ""}
{totals}
<table class="articles">
<thead><tr><th>Article</th><th>Into</th><th>State</th><th>Flagged</th><th>Unreviewed</th><th>Needs editing</th><th>Reviewed</th>{"<th>Matches</th>" if query else ""}</tr></thead>
<tbody>
{chr(10).join(lines) or '<tr><td colspan="8" class="empty">No translation matches.</td></tr>'}
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
        return s.editable and s.origin == MACHINE
    if show == NEEDS_EDITING:
        return s.needs_editing is not None
    return True


def article(a: Article, show: str, query: str, nonce: str, following: Row | None = None, editor: str = "") -> str:
    counts = a.counts()
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
    keys = _keys()
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
<span id="count-flagged">{counts["flagged"]}</span> flagged · <span id="count-unreviewed">{counts["unreviewed"]}</span> unreviewed ·
<span id="count-needs_editing">{counts["needs_editing"]}</span> needing editing ·
<strong id="progress">{share(counts["reviewed"], counts["sentences"])}</strong> reviewed
(<span id="count-reviewed">{counts["reviewed"]}</span> of <span id="count-sentences">{counts["sentences"]}</span>) · {_next(following)}</p>
<p class="who"><label>Editing as <input id="editor-name" maxlength="100" value="{escape(editor)}" autocomplete="name"></label>
{'<span class="note">Memory matches were cut short for time: not every sentence has them.</span>' if a.suggestions_cut else ""}</p>
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


def _keys() -> str:
    """The keyboard help: moving, each action's keys (review.js binds them from ``data-keys``), editing."""
    line = "<dt>{}</dt><dd>{}</dd>".format
    bound = []
    for action in actions.registered().values():
        k = action.button.keys if action.button else None
        if k is not None:
            bound.append(
                f'<dt data-keys="{escape(" ".join(k.bound))}" data-none="{escape(k.none)}">{escape(k.shown)}</dt><dd>{escape(k.about)}</dd>'
            )
    return "".join([*(line(escape(a), escape(b)) for a, b in MOVING), *bound, *(line(escape(a), escape(b)) for a, b in EDITING)])


def _next(row: Row | None) -> str:
    if row is None:
        return '<span id="next-article">no other article needs attention</span>'
    return f'<a id="next-article" href="{escape(article_url(row.target, row.rel))}">next article needing attention: {escape(row.rel)} →</a>'


def sentence(a: Article, s: Sentence) -> str:
    """One sentence pair: source rendered, target in an editor with chips, its state, flags,
    suggestions and history beside them."""
    classes = ["pair" if s.editable else "static-pair", f"origin-{s.origin}"]
    if s.problems:
        classes.append("flagged")
    if s.attention:
        classes.append("attention")
    if s.needs_editing:
        classes.append("needs-editing")
    if s.match:
        classes.append("match")
    data = {"sid": s.id}
    if s.editable:
        data.update(
            base=s.base,
            chips=json.dumps({c.tag: [c.kind, c.label, c.title] for c in s.chips}, ensure_ascii=False),
            source=s.segment.text,
            problems=" ".join(s.problems),
            suggestions=json.dumps([[g.kind, g.text] for g in s.suggestions], ensure_ascii=False),
            history=json.dumps([c.text for c in s.history], ensure_ascii=False),
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
            f'<div class="missing-chips">{panels.dropped_html(s)}</div><div class="msg" role="status" aria-live="polite"></div>'
            f"{panels.suggestions_html(s)}</div>"
        )
    elif s.origin == KEPT:
        target = f'<div class="tgt kept" lang="{escape(a.source_lang)}">{source_html(s.segment)}</div>'
    else:
        target = '<div class="tgt"><span class="note">not translated yet: its source changed since the last run of pipeline translate</span></div>'
    return f'<div class="{" ".join(classes)}" id="{escape(s.id)}" tabindex="-1" {attrs}>{source}{target}{_info(s)}</div>'


def _info(s: Sentence) -> str:
    parts = [f'<span class="origin {escape(s.origin)}">{escape(ORIGINS.get(s.origin, s.origin))}</span>']
    if s.needs_editing:
        by, at = s.needs_editing
        parts.append(f'<span class="needs" title="marked by {escape(by)}, {escape(at)}">needs editing</span>')
    if s.history:
        last = s.history[-1]
        parts.append(
            f'<span class="last">{escape(panels.ACTIONS.get(last.action, last.action))} by {escape(last.by)}, {escape(last.at)}</span>'
        )
    parts.append(panels.flags_html(s))
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
        use = '<button type="button" data-local="suggestion">Use earlier version</button>' if s.suggestion_text is not None else ""
        offered = [a for a in actions.registered().values() if a.button is not None and a.button.shown(s)]
        registered = "".join(panels.action_button(a, s) for a in offered)
        parts.append(
            f'<div class="actions">{registered}'
            f'<button type="button" data-local="revert"{revert}{why}>Revert to machine</button>'
            '<button type="button" data-local="copy">Copy source</button>'
            f"{use}</div>"
        )
        parts.append(panels.history_html(s))
    return f'<div class="info">{"".join(parts)}</div>'


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
        return f'<span class="{kind_class(span.kind)}">{source}</span>'
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
    return f'<span class="{kind_class(span.kind)}" title="{escape(f"{span.source}…{span.close}")}">'


def _close(span: Span) -> str:
    return PAIRS[span.kind][1] if span.kind in PAIRS else "</span>"
