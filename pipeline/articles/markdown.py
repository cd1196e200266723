"""Markdown -> the blocks to translate, located exactly in the source (markdown-it-py).

Nothing here knows about translation. The parser gives each translatable block (heading,
paragraph, list item, quote, table cell, footnote) and, inside it, runs of text, atoms that must
stay byte-identical (code, autolinks, raw HTML, shortcodes, footnote references, hard breaks) and
paired markup around text (emphasis, links, images). Atoms and markup are sliced from the document
itself, not re-rendered: inline rules are wrapped (``Ruler.at``) to record the source range of the
tokens they push. Each block also gets the region of the document its translation replaces;
everything outside the regions (code blocks, HTML blocks, link definitions, blank lines) is never
touched.
"""

from __future__ import annotations

import functools
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.articles import markdown_rules
from pipeline.articles.blocks import RawBlock
from pipeline.articles.shortcodes import ParseError, Shortcodes, hide_shortcodes
from pipeline.segment.protect import Atom, Close, Open, Run, Text


@functools.cache
def _parser():
    md = configured()
    markdown_rules.install(md)  # last: a change to the rules after it would undo it
    return md


def configured():
    """markdown-it as this parser configures it, each rule chain still tried rule by rule (what
    markdown_rules.install speeds up; tests compare the two)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(footnote_plugin)
    # Inline footnotes ("^[note]") are not Markdown that Hugo (goldmark) or GitHub render, and
    # each "^[" scans to the end of its paragraph: "[^" x 25,000 took 9 s.
    md.inline.ruler.disable("footnote_inline")
    for name in md.inline.ruler.get_all_rules():
        if name == "text":  # it only moves past plain text (pushes no token): a third of the rule calls
            continue
        fn = next(r.fn for r in md.inline.ruler.__rules__ if r.name == name)
        md.inline.ruler.at(name, _tracking(name, fn))
    # markdown-it drops, without a word, every line nested deeper than maxNesting (20 levels in
    # CommonMark mode, where a list counts two). Containers are counted here and a deeper
    # document refused, so the parser's own limit (raised above ours while blocks are parsed) is
    # never reached. Inline parsing keeps 20: past it, markup is read as text, nothing is lost.
    for r in md.block.ruler.__rules__:
        if r.name in CONTAINERS:
            md.block.ruler.at(r.name, _container(r.fn), {"alt": list(r.alt)})  # at() resets alt
    md.block.tokenize = _depth_checked(md.block.tokenize)
    block = next(r.fn for r in md.core.ruler.__rules__ if r.name == "block")
    md.core.ruler.at("block", _block_nesting(block, 2 * MAX_DEPTH + 10))
    return md


# Block quotes, lists and footnotes nested in each other. Each level is a recursive call of the
# parser (~4 Python frames): 100 levels stay far from Python's recursion limit.
MAX_DEPTH = 100
CONTAINERS = ("blockquote", "list", "footnote_def")
_DEPTH = "pipeline:depth"  # in the parser's env: containers open around the current line
_MARKER_RE = re.compile(r"[ \t]{0,3}(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]))")


class NestingError(ParseError):
    pass


def _container(fn: Callable) -> Callable:
    def rule(state, start: int, end: int, silent: bool) -> bool:
        if silent:  # only probing whether a container starts here: nothing nested is parsed
            return fn(state, start, end, silent)
        depth = state.env.get(_DEPTH, 0)
        state.env[_DEPTH] = depth + 1
        try:
            return fn(state, start, end, silent)
        finally:
            state.env[_DEPTH] = depth

    return rule


def _block_nesting(fn: Callable, limit: int) -> Callable:
    def rule(state) -> None:
        inline = state.md.options["maxNesting"]
        state.md.options["maxNesting"] = limit
        try:
            fn(state)
        finally:
            state.md.options["maxNesting"] = inline

    return rule


def _depth_checked(tokenize: Callable) -> Callable:
    def checked(state, start: int, end: int) -> None:
        depth = state.env.get(_DEPTH, 0)
        if depth > MAX_DEPTH:
            line = state.skipEmptyLines(start)
            if line < end:
                pos, more = state.bMarks[line] + state.tShift[line], 0
                while m := _MARKER_RE.match(state.src, pos, state.eMarks[line]):  # the rest of the line's nesting
                    pos, more = m.end(), more + 1
                raise NestingError(
                    f"nested {depth + more} levels deep (line {line + 1}); the limit is {MAX_DEPTH} levels of block quotes and lists"
                )
        tokenize(state, start, end)

    return checked


def _tracking(name: str, fn: Callable) -> Callable:
    """Wrap an inline rule so that the tokens it pushes remember their source range."""

    def rule(state, silent: bool) -> bool:
        if silent:
            return fn(state, silent)
        start, count = state.pos, len(state.tokens)
        if not fn(state, silent):
            return False
        end = state.pos
        label_end = -1  # found again only for a link made: "[" x 100,000 must not scan 100,000 times
        if name == "link" and state.src.startswith("[", start):
            label_end = state.md.helpers.parseLinkLabel(state, start, True)
        elif name == "image" and state.src.startswith("![", start):
            label_end = state.md.helpers.parseLinkLabel(state, start + 1, False)
        new = state.tokens[count:]
        if name in ("emphasis", "strikethrough"):
            # one text token per delimiter run piece, at the end of what was pushed
            pos = end
            for tok in reversed(new):
                if pos <= start or tok.type != "text":
                    break
                tok.meta = {**(tok.meta or {}), "range": (pos - len(tok.content), pos)}
                pos -= len(tok.content)
            return True
        for tok in new:
            if tok.meta and "range" in tok.meta or tok.type == "text":
                continue
            meta = dict(tok.meta or {})
            if tok.type == "link_open" and label_end >= 0 and tok.markup not in ("autolink", "linkify"):
                meta["range"] = (start, start + 1)
            elif tok.type == "link_close" and label_end >= 0 and tok.markup not in ("autolink", "linkify"):
                meta["range"] = (label_end, end)
            else:
                meta["range"] = (start, end)
                if tok.type == "image":
                    meta["label"] = (start + 2, label_end)
            tok.meta = meta
        return True

    return rule


class _LineMap:
    """Maps offsets in an inline token's content to offsets in the document."""

    def __init__(self, content: str, doc: str, line_starts: list[int], first_line: int):
        self.ok = True
        self.starts: list[int] = []  # content offset where each content line starts
        self.cols: list[Sequence[int]] = []  # a range when the line is copied whole (no list of 5 million ints)
        pos = 0
        for k, line in enumerate(content.split("\n")):
            self.starts.append(pos)
            pos += len(line) + 1
            n = first_line + k
            if n + 1 >= len(line_starts):
                self.ok = False
                return
            doc_line = doc[line_starts[n] : line_starts[n + 1]].rstrip("\n")
            cols = _align(line, doc_line)
            if cols is None:
                self.ok = False
                return
            base = line_starts[n]
            if isinstance(cols, range):
                self.cols.append(range(cols.start + base, cols.stop + base))
            else:
                self.cols.append(array("q", [base + c for c in cols]))

    def __call__(self, offset: int) -> int:
        k = bisect_right(self.starts, offset) - 1
        cols = self.cols[k]
        return cols[min(offset - self.starts[k], len(cols) - 1)]


def _align(content: str, line: str) -> Sequence[int] | None:
    """Column in ``line`` of each character of ``content`` (plus one past its end).

    ``content`` is the end of ``line`` minus container markers and indentation, with "\\|"
    unescaped in table cells and closing "#"s removed from headings.
    """
    stripped = content.strip()
    if not stripped:
        return [len(line)] * (len(content) + 1)
    body = line.rstrip()
    if body.endswith(content.rstrip()):
        start = len(body) - len(content.rstrip())
        return range(start, start + len(content) + 1)
    start = line.find(stripped[:1])
    while start >= 0:
        cols: list[int] = []
        i, j = 0, start
        lead = len(content) - len(content.lstrip())
        cols.extend([start] * lead)
        i = lead
        while i < len(content) and j < len(line):
            if content[i] == line[j]:
                cols.append(j)
                i += 1
                j += 1
            elif line[j] == "\\" and j + 1 < len(line) and line[j + 1] == content[i] == "|":
                j += 1
            else:
                break
        if i == len(content) or not content[i:].strip():
            cols.extend([j] * (len(content) - i + 1))
            return cols
        start = line.find(stripped[:1], start + 1)
    return None


@dataclass(frozen=True)
class Parsed:
    blocks: tuple[RawBlock, ...]
    meta: dict  # the front matter, {} when there is none
    lang_field: tuple[int, int] | None  # where the front matter's `lang:` value is


def parse(text: str, translate_keys: tuple[str, ...] = ()) -> Parsed:
    """The blocks to translate, in document order, and the front matter.

    Raises frontmatter.FrontMatterError when the front matter is not plain YAML, TOML or JSON.
    """
    from pipeline.articles import frontmatter

    blocks: list[RawBlock] = []
    meta: dict = {}
    lang_field = None
    after = 0  # where the text after a TOML or JSON front matter starts
    head = frontmatter.parse_head(text, translate_keys)  # markdown-it's plugin knows YAML only
    if head is not None:
        fm, after = head
        meta, lang_field = fm.data, fm.lang_field
        blocks.extend(fm.blocks)
    masked, shortcodes = hide_shortcodes(_blanked(text, after) if after else text)
    tokens = _parser().parse(_without_head(masked, after) if after else masked)
    line_starts = [m.start() for m in re.finditer("^", text, re.MULTILINE)] + [len(text) + 1]
    context: list[str] = []
    column = 0
    rows: dict[int, list[tuple[int, int]]] = {}  # the current table row's cell bounds
    for tok in tokens:
        if tok.type == "front_matter" and head is None:  # "---" right after a JSON front matter's "}" is not one
            fm = frontmatter.parse(text, line_starts[1], line_starts[tok.map[1] - 1], translate_keys)
            meta, lang_field = fm.data, fm.lang_field
            blocks.extend(fm.blocks)
        elif tok.nesting == 1:
            context.append(tok.type)
            column = 0 if tok.type == "tr_open" else column + (tok.type in ("th_open", "td_open"))
        elif tok.nesting == -1 and context:
            context.pop()
        elif tok.type == "inline" and tok.map and tok.content.strip():
            kind = _kind(context)
            if kind == "table_cell":
                row = tok.map[0]
                if row not in rows:  # once per row, not once per cell: 10,000 cells in a row is no error
                    rows = {row: _cell_bounds(masked[line_starts[row] : line_starts[row + 1]].rstrip("\n"))}
                cells = rows[row]
                if column - 1 < len(cells):
                    a, b = cells[column - 1]
                    cell = [line_starts[row] + a, line_starts[row] + b]
                    blocks.append(_block(kind, tok, text, masked, cell, 0, shortcodes))
            else:
                blocks.append(_block(kind, tok, text, masked, line_starts, tok.map[0], shortcodes))
    blocks.sort(key=lambda b: b.start)
    return Parsed(tuple(blocks), meta, lang_field)


def _blanked(text: str, end: int) -> str:
    """text with its first ``end`` characters turned to spaces, line breaks kept (every offset as in text)."""
    return "\n".join(" " * len(line) for line in text[:end].split("\n")) + text[end:]


def _without_head(masked: str, end: int) -> str:
    """What markdown-it reads of a text whose first ``end`` characters are a front matter: its lines
    empty, so that line numbers are kept (markdown-it takes ~1 us per leading space of a line: 5 s
    for a blanked front matter of 5 MB), then what follows it. Text after a JSON front matter's "}"
    on its line starts that line: _LineMap finds its columns in the blanked line."""
    return "\n" * masked.count("\n", 0, end) + masked[end:].lstrip(" \t")


def _kind(context: list[str]) -> str:
    if "heading_open" in context:
        return "heading"
    if "th_open" in context or "td_open" in context:
        return "table_cell"
    if "footnote_open" in context:
        return "footnote"
    for t in reversed(context):
        if t == "list_item_open":
            return "list_item"
        if t == "blockquote_open":
            return "blockquote"
    return "paragraph"


def _block(kind, tok, text, masked, line_starts, first, shortcodes) -> RawBlock:
    content = tok.content
    syntax = "table" if kind == "table_cell" else "markdown"
    lm = _LineMap(content, masked, line_starts, first)
    if not lm.ok:
        return RawBlock(kind, (Text(content),), line_starts[first], line_starts[first], syntax, mapped=False)
    runs = _runs(tok.children or [], lm, text, shortcodes, content)
    return RawBlock(kind, tuple(runs), lm(0), lm(len(content)), syntax)


def _cell_bounds(line: str) -> list[tuple[int, int]]:
    """Start and end columns of each cell's text in a table row, split at unescaped pipes."""
    bounds: list[tuple[int, int]] = []
    body = line.rstrip()
    start = len(line) - len(line.lstrip())
    if body[start : start + 1] == "|":
        start += 1
    i = start
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == "|":
            bounds.append((start, i))
            start = i + 1
        i += 1
    if body[start:].strip():
        bounds.append((start, len(body)))
    trimmed = []
    for a, b in bounds:
        cell = line[a:b]
        trimmed.append((a + len(cell) - len(cell.lstrip()), a + len(cell.rstrip())))
    return trimmed


def _runs(children, lm, doc: str, shortcodes: Shortcodes, content: str, base: int = 0) -> list[Run]:
    """Inline tokens -> runs, atoms and markup sliced from the document.

    ``base`` is where these tokens' source starts in ``content`` (non-zero for image alt text).
    """

    def src(rng: tuple[int, int]) -> str:
        return doc[lm(base + rng[0]) : lm(base + rng[1])]

    def close_source(opened: tuple[int, int], rng: tuple[int, int]) -> str:
        return _full_reference(src(rng), content[base + opened[1] : base + rng[0]])

    runs: list[Run] = []
    keys: list[int] = []
    opened: list[tuple[int, int]] = []  # source range of each open link's "["
    next_key = [0]

    def open_(kind: str, source: str) -> None:
        next_key[0] += 1
        keys.append(next_key[0])
        runs.append(Open(kind, source, next_key[0]))

    i = 0
    lines = content.split("\n")
    atom_only = [bool(shortcodes.atom_line.fullmatch(line)) for line in lines]
    line_no = 0
    while i < len(children):
        t = children[i]
        rng = (t.meta or {}).get("range")
        if t.type == "text":
            runs.extend(_text_runs(t.content, shortcodes))
        elif t.type in ("softbreak", "hardbreak"):
            line_no += 1
            after = content[base + rng[1] : base + rng[1] + 1] if rng else ""
            if after and after == shortcodes.fill:  # the line break is inside a shortcode, which is one atom
                i += 1
                continue
            keep_line = base == 0 and (t.type == "hardbreak" or atom_only[line_no - 1] or (line_no < len(lines) and atom_only[line_no]))
            if keep_line and rng:
                a = rng[0]
                while t.type == "hardbreak" and a > 0 and content[base + a - 1] == " ":
                    a -= 1
                runs.append(Atom("break", src((a, rng[1]))))
            else:
                runs.append(Text(" "))
        elif t.type in ("code_inline", "html_inline", "footnote_ref") and rng:
            runs.append(Atom({"code_inline": "code", "html_inline": "html"}.get(t.type, "footnote"), src(rng)))
        elif t.type == "link_open" and t.markup in ("autolink", "linkify") and rng:
            while i < len(children) and children[i].type != "link_close":
                i += 1
            runs.append(Atom("url", src(rng)))
        elif t.type == "link_open" and rng:
            open_("link", src(rng))
            opened.append(rng)
        elif t.type == "link_close" and rng and keys:
            runs.append(Close("link", close_source(opened.pop(), rng), keys.pop()))
        elif t.type in ("em_open", "strong_open", "s_open"):
            open_(t.type[:-5], t.markup)
        elif t.type in ("em_close", "strong_close", "s_close") and keys:
            runs.append(Close(t.type[:-6], t.markup, keys.pop()))
        elif t.type == "image" and rng:
            a, b = t.meta["label"]
            if b < a:
                runs.append(Atom("image", src(rng)))
            else:
                open_("image", src((rng[0], a)))
                runs.extend(_renumbered(_runs(t.children or [], lm, doc, shortcodes, content, base + a), next_key))
                runs.append(Close("image", close_source((rng[0], a), (b, rng[1])), keys.pop()))
        elif t.type == "text_special":
            runs.append(Text(t.content))
        elif rng:  # anything else a plugin produced: keep its source as is
            runs.append(Atom(t.type, src(rng)))
        i += 1
    return runs


def _full_reference(close: str, text: str) -> str:
    """The closing markup of a link or image. A shortcut or collapsed reference ("[label]",
    "[label][]") uses its text as the label: once the text is translated, only the full form
    "[text][label]" still finds the definition."""
    if close in ("]", "][]"):
        return f"][{' '.join(text.split())}]"
    return close


def _renumbered(runs: list[Run], next_key: list[int]) -> list[Run]:
    """Give nested runs (image alt text) keys that cannot clash with the outer ones."""
    out: list[Run] = []
    offset = next_key[0] + 1
    for r in runs:
        if isinstance(r, (Open, Close)):
            r = type(r)(r.kind, r.source, r.key + offset)
            next_key[0] = max(next_key[0], r.key)
        out.append(r)
    return out


def _text_runs(text: str, shortcodes: Shortcodes) -> list[Run]:
    if shortcodes.pattern is None:
        return [Text(text)]
    out: list[Run] = []
    pos = len(text) - len(text.lstrip(shortcodes.fill))  # the rest of a shortcode begun on an earlier line
    for m in shortcodes.pattern.finditer(text):
        if m.start() > pos:
            out.append(Text(text[pos : m.start()]))
        out.append(Atom("shortcode", shortcodes.found[shortcodes.number(m)]))
        pos = m.end()
    if pos < len(text):
        out.append(Text(text[pos:]))
    return out


# --- writing translated text back -------------------------------------------------------------

_ESCAPE_RE = re.compile(r"[\\`*\[\]]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|~(?=~)|_|\|")
_LINE_START_RE = re.compile(r"(#|>|[-+*](?=\s)|=+\s*$|\d{1,9}(?=[.)](?:\s|$)))")


def escape(text: str, at_line_start: bool, table: bool = False) -> str:
    """Make translated text literal in Markdown: nothing the engine wrote may become markup."""

    def sub(m: re.Match[str]) -> str:
        c = m.group(0)
        if c == "_":
            i = m.start()
            before, after = text[i - 1 : i], text[i + 1 : i + 2]
            if before.isalnum() and after.isalnum():
                return c  # intraword underscores never make emphasis
        if c == "|" and not table:
            return c
        return "\\" + c

    out = _ESCAPE_RE.sub(sub, text) if _ESCAPE_RE.search(text) else text  # most sentences need no escape
    if at_line_start:
        out = out.lstrip(" \t")
        m = _LINE_START_RE.match(out)
        if m:
            if m.group(0)[0].isdigit():
                out = m.group(0) + "\\" + out[m.end() :]
            else:
                out = "\\" + out
    return out
