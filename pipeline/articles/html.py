"""HTML pages (.html, .htm) behind the article-format interface.

Text between block elements (p, h1-h6, li, td, div...) is a block; inline elements (a, b, em,
span...) inside it become paired codes, so a sentence stays whole across its markup; code, kbd,
scripts, images and comments inside it become atoms, kept byte for byte. `<title>` and the
attributes people read (alt, title, aria-label, placeholder, a button's value, `<meta
name="description" content>`) are blocks of their own. `<script>`, `<style>`, `<pre>`, `<code>`,
comments and everything under `translate="no"` (or class "notranslate") are kept. A translation
replaces only its block's region of the page, so every other byte (entities, attribute quoting,
white space) is kept; `<html lang>` is set to the target.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pipeline.articles.base import Edit, Parsed, TextFormat, language_code
from pipeline.articles.blocks import RawBlock
from pipeline.articles.html_tokens import REFERENCE_RE, Attribute, Token, decode, tokens, trimmed
from pipeline.segment.protect import Atom, Close, Escape, Open, Run, Text

if TYPE_CHECKING:
    from pipeline.core.config import Config
    from pipeline.core.document import Document

# Inline elements around translated text: paired codes. The kind names the pair for editors.
PAIRED = {"b": "strong", "strong": "strong", "i": "em", "em": "em", "s": "s", "del": "s", "strike": "s", "a": "link"}
PAIRED.update(
    dict.fromkeys(
        "abbr acronym bdi bdo big button cite data dfn font ins label mark nobr q small span sub sup time tt u var ruby rb rt rtc rp".split(),
        "",
    )
)
# Inline elements kept whole, content and all: one atom inside a sentence.
KEPT_INLINE = frozenset(
    "code kbd samp script style svg math iframe object video audio canvas select textarea noembed noframes xmp template noscript".split()
)
KEPT_BLOCK = frozenset({"pre", "plaintext"})  # block elements kept whole
VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
VOID_INLINE = frozenset({"br", "wbr", "img", "input", "embed", "source", "track", "area"})
KINDS = {f"h{n}": "heading" for n in range(1, 7)}
KINDS.update({"li": "list_item", "dt": "list_item", "dd": "list_item", "td": "table_cell", "th": "table_cell"})
KINDS.update({"blockquote": "blockquote", "title": "title"})  # the bilingual JSON's schema lists the kinds
ATTRIBUTES = frozenset({"alt", "title", "aria-label", "aria-description", "aria-placeholder", "placeholder"})
META = frozenset({"description", "og:title", "og:description", "twitter:title", "twitter:description"})
# Start tags that end an open element of these names, unless one of the scope elements is nearer.
IMPLIED = {
    "li": ({"li"}, {"ul", "ol", "menu"}),
    "dt": ({"dt", "dd"}, {"dl"}),
    "dd": ({"dt", "dd"}, {"dl"}),
    "option": ({"option"}, {"select", "datalist", "optgroup"}),
    "optgroup": ({"optgroup", "option"}, {"select"}),
    "tr": ({"tr", "td", "th"}, {"table", "thead", "tbody", "tfoot"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    **{t: ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}) for t in ("thead", "tbody", "tfoot")},
}
IMPLIED_SCAN = 64  # elements looked through for an implied end: a deeper one is left open
MAX_INLINE_DEPTH = 50  # pairs nested in one block; deeper inline tags are kept as atoms
# Counted besides sentence ends and numbers: tags and character references.
MARKUP = "<&"
_SPACE = " \t\n\r\f"  # HTML's white space (not U+00A0, which is text)
_SPACE_RE = re.compile(r"[ \t\n\r\f]+")
_SENTENCE_ENDS = ".?!\u2026"
_UNQUOTED_UNSAFE_RE = re.compile(r"[ \t\n\r\f\"'=<>`]")  # what an unquoted attribute value cannot hold
_NUMBER_RE = re.compile(r"\d+")


class Html(TextFormat):
    name = "html"
    suffixes = (".html", ".htm")
    elements = "tags, character references, numbers and sentence ends"
    declares = "`<html lang>`"

    def cost(self, content: str) -> int:
        """Tags, references, numbers and sentence ends outside scripts and style sheets (whose text
        is one token, never segmented); sentence ends count twice, as in Markdown."""
        text = _without_scripts(content)
        return sum(text.count(c) for c in MARKUP + _SENTENCE_ENDS * 2) + _NUMBER_RE.subn("", text)[1]

    def parse(self, content: str, config: Config) -> Parsed:
        walker = _Walker(content)
        walker.walk(tokens(content))
        blocks = sorted(walker.blocks, key=lambda b: (b.start, b.end))
        return Parsed(tuple(blocks), walker.lang, walker.lang_field)

    def language(self, declared: object) -> str:
        return language_code(str(declared), "`<html lang>` says")

    def escape(self, doc: Document, syntax: str) -> Escape:
        table = _escapes(doc.text, syntax)
        return lambda text, at_line_start: text.translate(table)

    def edits(self, doc: Document, targets: Mapping[int, str], target_lang: str | None, wrap: bool) -> list[Edit]:
        outer: list[Edit] = []  # text blocks
        inner: list[Edit] = []  # attribute values, some of them inside a text block's region
        for block in doc.blocks:
            if block.index not in targets:
                continue
            text = targets[block.index]
            if block.syntax == "html":
                outer.append((block.start, block.end, text))
            else:
                unquoted = block.syntax == "attr" and (not text or _UNQUOTED_UNSAFE_RE.search(text))
                inner.append((block.start, block.end, f'"{text}"' if unquoted else text))
        if target_lang and doc.lang_field:
            inner.append((*doc.lang_field, target_lang))
        return _nest(doc.text, sorted(outer), sorted(inner))


def _without_scripts(text: str) -> str:
    """The text without the content of script and style elements."""
    lower = text.lower()
    if "<script" not in lower and "<style" not in lower:
        return text
    parts: list[str] = []
    pos = 0
    while True:
        starts = [i for i in (lower.find("<script", pos), lower.find("<style", pos)) if i >= 0]
        if not starts:
            break
        i = min(starts)
        close = "</script" if lower.startswith("<script", i) else "</style"
        parts.append(text[pos:i])
        end = lower.find(close, i)
        if end < 0:
            return "".join(parts)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


@functools.lru_cache(maxsize=4)
def _escapes(text: str, syntax: str) -> dict[int, str]:
    """How translated text is escaped in a block of ``syntax`` ("html": text; 'attr"', "attr'",
    "attr": an attribute value in double, single or no quotes, which gets double quotes): "&",
    "<" and the quote as references, and every character but letters and digits that the page
    itself writes as a reference (&nbsp;, &mdash;, &#8217;, &sup2;...) as the page writes it."""
    table = {ord("&"): "&amp;"}
    if syntax == "html":
        table[ord("<")] = "&lt;"
    elif syntax == "attr'":
        table[ord("'")] = "&#39;"
    else:
        table[ord('"')] = "&quot;"
    attribute = syntax != "html"
    written: dict[int, str] = {}
    for token in _tokens(text):
        if (token.kind == "text" or token.kind == "raw" and token.name == "title") and not attribute:
            pieces = [text[token.start : token.end]]
        elif token.kind == "start" and attribute:
            pieces = [a.value for a in token.attributes if "&" in a.value]
        else:
            continue
        for piece in pieces:
            for m in REFERENCE_RE.finditer(piece):
                c = decode(m.group(0))
                if len(c) == 1 and not c.isalpha() and not "0" <= c <= "9" and ord(c) not in written:
                    written[ord(c)] = m.group(0)
    return {**table, **written}


@functools.lru_cache(maxsize=2)
def _tokens(text: str) -> list[Token]:
    return tokens(text)


def _nest(text: str, outer: list[Edit], inner: list[Edit]) -> list[Edit]:
    """Attribute edits inside a translated text block's region are made in its translation, in the
    tags the translation carries over verbatim (an `<a title>` or `<img alt>` in a sentence);
    the others are edits of their own. Both lists are sorted, and text blocks never overlap."""
    if not inner or not outer:
        return outer + inner
    tags = [(t.start, t.end) for t in _tokens(text) if t.kind == "start"]
    edits: list[Edit] = []
    k = 0
    for start, end, translation in outer:
        while k < len(inner) and inner[k][0] < start:
            edits.append(inner[k])
            k += 1
        nested = []
        while k < len(inner) and inner[k][1] <= end:
            nested.append(inner[k])
            k += 1
        edits.append((start, end, _in_tags(text, (start, end), translation, nested, tags) if nested else translation))
    return edits + inner[k:]


def _in_tags(text: str, region: tuple[int, int], translation: str, nested: list[Edit], tags: list[tuple[int, int]]) -> str:
    """The translation with the attribute edits made in its tags. The n-th copy of a tag's text in
    the region is the n-th in the translation: atoms carry over verbatim, and a kept one (a
    `<code>`, a comment) may hold the same text."""
    starts = [a for a, _ in tags]
    by_tag: dict[tuple[int, int], list[Edit]] = {}
    for edit in nested:
        by_tag.setdefault(tags[bisect_right(starts, edit[0]) - 1], []).append(edit)
    copies: dict[str, tuple[list[int], list[int]]] = {}  # a tag's text -> where it is in the region, in the translation
    found: list[tuple[int, int, str]] = []  # where each tag is in the translation, and its new text
    for (ts, te), edits in sorted(by_tag.items()):
        source = text[ts:te]
        if source not in copies:
            copies[source] = (_occurrences(text, source, *region), _occurrences(translation, source, 0, len(translation)))
        in_region, in_translation = copies[source]
        n = in_region.index(ts)
        if n >= len(in_translation):  # the tag did not survive (an editor's text without it): its attributes stay
            continue
        new = source
        for a, b, value in sorted(edits, reverse=True):
            new = new[: a - ts] + value + new[b - ts :]
        found.append((in_translation[n], in_translation[n] + len(source), new))
    for a, b, new in sorted(found, reverse=True):
        translation = translation[:a] + new + translation[b:]
    return translation


def _occurrences(text: str, needle: str, start: int, end: int) -> list[int]:
    out = []
    at = text.find(needle, start, end)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + len(needle), end)
    return out


class _Element:
    __slots__ = ("name", "translate", "kind")

    def __init__(self, name: str, translate: bool, kind: str):
        self.name, self.translate, self.kind = name, translate, kind


class _Walker:
    """Tokens -> blocks. The open elements are a list (never recursion), each with whether its
    content is translated and the kind of block it is in; the block being gathered is a list of
    runs with where each is in the text."""

    def __init__(self, text: str):
        self.text = text
        self.stack: list[_Element] = [_Element("", True, "paragraph")]
        self.open: dict[str, int] = {}  # name -> how many are open
        self.blocks: list[RawBlock] = []
        self.lang: str | None = None
        self.lang_field: tuple[int, int] | None = None
        self.items: list[tuple[Run, int, int]] = []  # the block being gathered
        self.pairs: list[tuple[str, int]] = []  # its open pairs: element, index in items
        self.atom: tuple[int, int] | None = None  # an element kept whole: (its start, stack depth)
        self.key = 0

    def walk(self, toks: list[Token]) -> None:
        for token in toks:
            if token.kind == "start":
                self.start_tag(token)
            elif token.kind == "end":
                self.end_tag(token)
            elif self.atom is not None or not self.stack[-1].translate:
                continue
            elif token.kind == "text":
                self.items.append((Text(decode(self.text[token.start : token.end])), token.start, token.end))
            elif token.kind == "raw" and token.name == "title":
                self.flush(token.start)
                self.items.append((Text(decode(self.text[token.start : token.end])), token.start, token.end))
                self.flush(token.end)
            elif token.kind == "comment":
                self.items.append((Atom("comment", self.text[token.start : token.end]), token.start, token.end))
        self.flush(len(self.text))

    def start_tag(self, token: Token) -> None:
        name, parent = token.name, self.stack[-1]
        attrs = _first(token.attributes)
        translate = parent.translate and self.atom is None
        if translate and ("translate" in attrs and attrs["translate"].value.strip().lower() == "no" or _notranslate(attrs)):
            translate = False
        if translate:
            self.attribute_blocks(token, attrs)
        if name == "html" and self.lang_field is None:
            self.declared(token, attrs)
        if self.atom is not None or not parent.translate:
            self.push(name, False)
            return
        if name in PAIRED or name in KEPT_INLINE or name in VOID_INLINE:
            self.inline_start(token, translate)
            return
        self.flush(token.start)
        self.implied_end(name)
        self.push(name, translate and name not in KEPT_BLOCK)

    def inline_start(self, token: Token, translate: bool) -> None:
        source = self.text[token.start : token.end]
        if token.name in VOID_INLINE:
            kind = "break" if token.name in ("br", "wbr") else "image" if token.name == "img" else "html"
            self.items.append((Atom(kind, source), token.start, token.end))
        elif token.name in PAIRED and translate and len(self.pairs) < MAX_INLINE_DEPTH:
            self.key += 1
            self.pairs.append((token.name, len(self.items)))
            self.items.append((Open(PAIRED[token.name] or token.name, source, self.key), token.start, token.end))
            self.push(token.name, True)
        elif token.name in PAIRED and translate:
            self.items.append((Atom("html", source), token.start, token.end))
            self.push(token.name, True)
        else:  # kept whole up to its end tag
            self.atom = (token.start, len(self.stack))
            self.push(token.name, False)

    def end_tag(self, token: Token) -> None:
        name = token.name
        if not self.open.get(name):  # nothing to end: a stray end tag, kept as it is
            if self.atom is not None or not self.stack[-1].translate:
                return
            if name in PAIRED or name in KEPT_INLINE or name in VOID_INLINE:
                self.items.append((Atom("html", self.text[token.start : token.end]), token.start, token.end))
            else:
                self.flush(token.start)
            return
        if self.atom is not None:
            depth, at = self.atom[1], self._depth_of(name)
            if at >= depth:  # the kept element itself ends, or one inside it
                self.pop_to(name)
                if at == depth:
                    self.end_atom(token.end)
                return
            self.end_atom(token.start)  # an element around it ends: so does the atom
        if name not in PAIRED and name not in KEPT_INLINE:
            self.flush(token.start)
        elif name in PAIRED and self.stack[self._depth_of(name)].translate:
            self.close_pair(token)
        self.pop_to(name)

    def close_pair(self, token: Token) -> None:
        source = self.text[token.start : token.end]
        index = next((k for k in range(len(self.pairs) - 1, -1, -1) if self.pairs[k][0] == token.name), None)
        if index is None:
            self.items.append((Atom("html", source), token.start, token.end))
            return
        if index < len(self.pairs) - 1:  # misnested (<b><i>x</b></i>): this pair's tags are kept as atoms
            self.atomize(self.pairs.pop(index)[1])
            self.items.append((Atom("html", source), token.start, token.end))
            return
        name, at = self.pairs.pop()
        opened = self.items[at][0]
        assert isinstance(opened, Open)
        self.items.append((Close(opened.kind, source, opened.key), token.start, token.end))

    def atomize(self, index: int) -> None:
        run, a, b = self.items[index]
        self.items[index] = (Atom("html", self.text[a:b]), a, b)

    def end_atom(self, end: int) -> None:
        assert self.atom is not None
        start = self.atom[0]
        self.atom = None
        source = self.text[start:end]
        kind = "code" if re.match(r"<(?:code|kbd|samp)\b", source, re.IGNORECASE) else "html"
        self.items.append((Atom(kind, source), start, end))

    def _depth_of(self, name: str) -> int:
        for k in range(len(self.stack) - 1, 0, -1):
            if self.stack[k].name == name:
                return k
        return 0

    def push(self, name: str, translate: bool) -> None:
        if name in VOID:
            return
        parent = self.stack[-1]
        self.stack.append(_Element(name, translate, KINDS.get(name, parent.kind)))
        self.open[name] = self.open.get(name, 0) + 1

    def pop_to(self, name: str) -> None:
        while len(self.stack) > 1:
            element = self.stack.pop()
            self.open[element.name] -= 1
            if element.name == name:
                return

    def implied_end(self, name: str) -> None:
        """A start tag that ends open elements: <li> an open <li>, <td> a <td>; any block a <p>."""
        if self.stack[-1].name == "p" and name not in PAIRED:
            self.pop_to("p")
        ends, scope = IMPLIED.get(name, ((), ()))
        if not ends or not any(self.open.get(e) for e in ends):
            return
        for k in range(len(self.stack) - 1, max(0, len(self.stack) - 1 - IMPLIED_SCAN), -1):
            element = self.stack[k].name
            if element in scope:
                return
            if element in ends:
                self.pop_to(element)
                return

    def attribute_blocks(self, token: Token, attrs: dict[str, Attribute]) -> None:
        translated = [a for a in attrs.values() if a.name in ATTRIBUTES]
        if token.name == "input" and attrs.get("type", _NONE).value.lower() in ("submit", "reset", "button") and "value" in attrs:
            translated.append(attrs["value"])
        if token.name in ("option", "optgroup", "track") and "label" in attrs:
            translated.append(attrs["label"])
        if token.name == "meta" and "content" in attrs:
            named = attrs.get("name") or attrs.get("property") or _NONE
            if named.value.strip().lower() in META:
                translated.append(attrs["content"])
        for a in translated:
            value = " ".join(_SPACE_RE.split(decode(a.value))).strip(" ")
            if value and a.quote is not None:
                syntax = "attr" if a.quote == "" else f"attr{a.quote}"
                self.blocks.append(RawBlock("attribute", (Text(value),), a.start, a.end, syntax=syntax, key=a.name))

    def declared(self, token: Token, attrs: dict[str, Attribute]) -> None:
        lang = attrs.get("lang")
        if lang is not None and lang.quote is not None:  # a page without one keeps its bytes
            self.lang_field = (lang.start, lang.end)
            self.lang = decode(lang.value).strip(_SPACE) or None

    def flush(self, end: int) -> None:
        """The block gathered so far, if it has text, ends here."""
        if self.atom is not None:
            self.end_atom(end)
        items, self.items, pairs, self.pairs = self.items, [], self.pairs, []
        if not any(isinstance(run, Text) and run.text.strip(_SPACE) for run, _, _ in items):
            return
        for _, at in pairs:  # never closed in this block: their tags are kept as atoms
            run, a, b = items[at]
            items[at] = (Atom("html", self.text[a:b]), a, b)
        self.blocks.append(_block(items, self.stack[-1].kind, self.text))


_NONE = Attribute("", "", 0, 0, None)


def _first(attributes: tuple[Attribute, ...]) -> dict[str, Attribute]:
    """The attributes by name; the first of a repeated one counts, as in browsers."""
    out: dict[str, Attribute] = {}
    for a in attributes:
        out.setdefault(a.name, a)
    return out


def _notranslate(attrs: dict[str, Attribute]) -> bool:
    return "class" in attrs and "notranslate" in attrs["class"].value.split()


def _block(items: list[tuple[Run, int, int]], kind: str, text: str) -> RawBlock:
    """Runs with HTML's white space folded (a browser shows one space), the region from the first
    thing shown to the last."""
    first = next(k for k, (run, _, _) in enumerate(items) if not (isinstance(run, Text) and not run.text.strip(_SPACE)))
    last = max(k for k, (run, _, _) in enumerate(items) if not (isinstance(run, Text) and not run.text.strip(_SPACE)))
    items = items[first : last + 1]
    runs: list[Run] = []
    space = True  # a space here would be shown as none (at the start, after a space or a line break)
    for run, _, _ in items:
        if isinstance(run, Text):
            folded = _SPACE_RE.sub(" ", run.text)
            if space and folded.startswith(" "):
                folded = folded[1:]
            if folded:
                runs.append(Text(folded))
                space = folded.endswith(" ")
        else:
            runs.append(run)
            if isinstance(run, Atom):
                space = run.kind == "break"
    # Sentences are stripped of all white space (U+00A0 too): what is left out of the runs at the
    # ends is left out of the region, so it stays in the page as written.
    if isinstance(runs[0], Text):
        runs[0] = Text(runs[0].text.lstrip())
    if isinstance(runs[-1], Text):
        runs[-1] = Text(runs[-1].text.rstrip())
    (first_run, start, first_end), (last_run, last_start, end) = items[0], items[-1]
    if isinstance(first_run, Text):
        start = trimmed(text, start, first_end)[0]
    if isinstance(last_run, Text):
        end = trimmed(text, last_start, end)[1]
    return RawBlock(kind, tuple(runs), start, end, syntax="html")
