"""Subtitles (SubRip .srt, WebVTT .vtt) behind the article-format interface.

Each cue's text is translated; everything else (cue numbers and identifiers, timings and cue
settings, the WebVTT header and its NOTE, STYLE and REGION blocks, blank lines) is kept byte for
byte. A sentence that runs over several cues is one block: its cues are joined before segmenting,
and its translation is spread back over the same cues in proportion to their source's characters
(`subtitle_layout`), each cue's part wrapped to `subtitles.max_line_chars` and `max_lines`; a cue
whose translation cannot be read in its time at `subtitles.max_cps`, or does not fit its lines,
is flagged `reading-speed`. Styling tags inside a cue are paired codes (<i>, <b>, <u>, <s>,
<font>, <c.class>, <v Speaker>, <lang>, <ruby>, <rt>) or atoms (timestamps, {\\an8}, tags that
wrap nothing); tags around a cue's whole text, and atoms at its ends, stay outside what is
translated, where they are.
"""

from __future__ import annotations

import functools
import itertools
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pipeline.articles.base import Edit, Parsed, Problem, TextFormat, count_elements
from pipeline.articles.blocks import RawBlock
from pipeline.articles.subtitle_cues import SRT, VTT, Cue, Markup, Token, Track, line_tokens, read, visible
from pipeline.articles.subtitle_layout import pieces, split_words, spread, words, wrap
from pipeline.core import flags
from pipeline.segment.protect import Atom, Close, Escape, Open, Run, Text, has_words

if TYPE_CHECKING:
    from pipeline.core.config import Config, SubtitlesConfig
    from pipeline.core.document import Block, Document

MAX_JOINED = 10  # cues one block may join: a file without punctuation is not one block
MAX_DEPTH = 50  # pairs nested in one cue; deeper tags are kept as atoms
KINDS = {"i": "em", "b": "strong", "c": "class", "v": "voice"}  # the others are named as their tag
EMPTY = "\u2026"  # a cue's text when its translation has fewer characters than it has cues
_DASHES = "-\u2010\u2013\u2014"
_CLOSING = "\"'\u201d\u2019\u00bb"
_SPACE_RE = re.compile(r"[ \t\n]+")
_SRT_UNSAFE_RE = re.compile(r"<(?=[ \t]*/?[ \t]*(?:[ibus]|font)(?=[\s>/])[^<>\n]*>)|\{(?=\\[^{}\n]*\})|--(?=>)", re.IGNORECASE)
_REFERENCES = (("\u00a0", "&nbsp;"), ("\u200e", "&lrm;"), ("\u200f", "&rlm;"))


@dataclass(frozen=True)
class Limits:
    width: int  # characters a line
    lines: int
    cps: float  # characters a second


def syntax(markup: Markup, settings: SubtitlesConfig) -> str:
    """`Block.syntax` of a cue block: the format and the limits its translation is laid out in
    (read once with the configuration; rendering has only the document)."""
    return f"{markup.name} {settings.max_line_chars} {settings.max_lines} {settings.max_cps!r}"


@functools.lru_cache(maxsize=8)
def limits(syntax: str) -> Limits:
    _, width, lines, cps = syntax.split()
    return Limits(int(width), int(lines), float(cps))


@dataclass(frozen=True)
class Unit:
    """What one part of a block's translation replaces: a cue's text, or one speaker's line of a
    cue with two speakers."""

    cue: Cue
    start: int  # its region of the text
    end: int
    runs: tuple[Run, ...]
    weight: int  # characters of its source a viewer sees: its share of the block's translation
    dialogue: bool  # one speaker's line: one line of its own
    voice: str  # the <v> tag it is spoken in, as written ("": none)
    ends: bool  # its text ends a sentence
    words: bool


@dataclass(frozen=True)
class Laid:
    """A unit's part of its block's translation, as written in the file."""

    unit: Unit
    text: str  # what replaces the unit's region
    span: tuple[int, int]  # the characters of the block's translation it holds
    lines: tuple[str, ...] | None  # None: the source's own text, unchanged


class _Subtitles(TextFormat):
    markup: ClassVar[Markup]
    elements = "cues, lines, tags, numbers and sentence ends"

    def cost(self, content: str) -> int:
        """Cues, and in everything but the timing lines (one regex each, never segmented): lines
        and sentence ends (counted twice), numbers and tags."""
        kept = "\n".join(line for line in content.split("\n") if "-->" not in line)
        return content.count("-->") + count_elements(kept, "<{")

    def parse(self, content: str, config: Config) -> Parsed:
        track, units, _ = _read(content, self.markup)
        cue_syntax = syntax(self.markup, config.subtitles)
        blocks = tuple(_block(group, cue_syntax) for group in _groups(units))
        return Parsed(blocks, track.lang, track.lang_field)

    def edits(self, doc: Document, targets: Mapping[int, str], target_lang: str | None, wrap: bool) -> list[Edit]:
        edits: list[Edit] = []
        for block in doc.blocks:
            if block.index in targets:
                edits += [(laid.unit.start, laid.unit.end, laid.text) for laid in self.laid(doc, block, targets[block.index])]
        if target_lang and doc.lang_field:
            edits.append((*doc.lang_field, target_lang))
        return edits

    def laid(self, doc: Document, block: Block, translation: str) -> list[Laid]:
        """The block's translation spread over its units and wrapped to its limits."""
        units = _units_of(doc.text, self.markup, block)
        found = words(translation, self.markup)
        if len(found) < len(units):
            found = split_words(found, len(units))
        limit = limits(block.syntax)
        ranges = spread(found, [u.weight for u in units], [(limit.width, 1 if u.dialogue else limit.lines) for u in units])
        parts = pieces(translation, found, ranges, self.markup)
        out = []
        for unit, part in zip(units, parts):
            span = (part[0].start, part[-1].end) if part else (len(translation), len(translation))
            source = doc.text[unit.start : unit.end]
            if " ".join(w.text for w in part) == _SPACE_RE.sub(" ", source):
                out.append(Laid(unit, source, span, None))
                continue
            lines = tuple(wrap(part, limit.width, 1 if unit.dialogue else limit.lines)) or (EMPTY,)
            out.append(Laid(unit, "\n".join(lines), span, lines))
        return out

    def problems(self, doc: Document, targets: Mapping[int, str]) -> dict[int, list[Problem]]:
        """reading-speed: a translated cue with more characters than its time allows at max_cps,
        or whose text does not fit max_lines lines of max_line_chars."""
        out: dict[int, list[Problem]] = {}
        changed: dict[int, list[tuple[int, Laid, Limits]]] = {}  # cue number -> its translated units
        for block in doc.blocks:
            if block.index not in targets:
                continue
            limit = limits(block.syntax)
            for laid in self.laid(doc, block, targets[block.index]):
                if laid.lines is None:
                    continue
                changed.setdefault(laid.unit.cue.number, []).append((block.index, laid, limit))
                budget = 1 if laid.unit.dialogue else limit.lines
                longest = max(visible(line, self.markup) for line in laid.lines)
                if len(laid.lines) > budget or longest > limit.width:
                    detail = f"{_cue(laid.unit.cue)}: {len(laid.lines)} lines, the longest {longest} characters (limit {budget} of {limit.width})"
                    out.setdefault(block.index, []).append(Problem(flags.READING_SPEED, detail, *laid.span))
        if not changed:
            return out
        by_cue: dict[int, list[Unit]] = {}
        for unit in _read(doc.text, self.markup)[1]:
            if unit.cue.number in changed:
                by_cue.setdefault(unit.cue.number, []).append(unit)
        for number, entries in changed.items():
            cue, limit = entries[0][1].unit.cue, entries[0][2]
            new = {laid.unit.start: sum(visible(line, self.markup) for line in laid.lines or ()) for _, laid, _ in entries}
            chars = sum(new.get(u.start, u.weight) for u in by_cue[number])
            if cue.seconds > 0 and chars / cue.seconds > limit.cps + 1e-9:
                detail = f"{_cue(cue)}: {chars} characters in {cue.seconds:g} s, {chars / cue.seconds:.1f} a second (limit {limit.cps:g})"
                for index, laid, _ in entries:
                    out.setdefault(index, []).append(Problem(flags.READING_SPEED, detail, *laid.span))
        return out


def _cue(cue: Cue) -> str:
    return f"cue {cue.number} ({cue.times[0]} --> {cue.times[1]})"


class SubRip(_Subtitles):
    name = "srt"
    suffixes = (".srt",)
    markup = SRT

    def escape(self, doc: Document, syntax: str) -> Escape:
        """SubRip has no escapes: a "<" or "{" that would start a tag players read, and "-->",
        get U+2060 (WORD JOINER, no character) after their first character."""
        return lambda text, at_line_start: _SRT_UNSAFE_RE.sub(lambda m: m.group(0) + "\u2060", text.replace("\n", " "))


class WebVtt(_Subtitles):
    name = "vtt"
    suffixes = (".vtt",)
    markup = VTT
    declares = "a `Language:` line in its WEBVTT header"

    def escape(self, doc: Document, syntax: str) -> Escape:
        """&, < and > as references (a cue's text cannot hold "-->"); a no-break space and the
        direction marks as the file writes them, when it writes them as references."""
        table = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\n"): " "}
        table.update({ord(c): ref for c, ref in _REFERENCES if ref in doc.text})
        return lambda text, at_line_start: text.translate(table)


# --- cues -> units -> blocks ---------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _read(text: str, markup: Markup) -> tuple[Track, tuple[Unit, ...], list[int]]:
    """The file's cues, their units, and where each unit starts (parse and render both need them)."""
    track = read(text, markup)
    keys = itertools.count(1)
    units = tuple(u for cue in track.cues for u in _cue_units(text, cue, markup, keys))
    return track, units, [u.start for u in units]


def _units_of(text: str, markup: Markup, block: Block) -> list[Unit]:
    _, units, starts = _read(text, markup)
    out = []
    for k in range(bisect_left(starts, block.start), len(units)):
        if units[k].start >= block.end:
            break
        out.append(units[k])
    return out


def _cue_units(text: str, cue: Cue, markup: Markup, keys: Iterator[int]) -> list[Unit]:
    lines = [t for t in (line_tokens(text, a, b, markup) for a, b in cue.lines) if t]
    if len(lines) > 1 and all(_speaker(line) for line in lines[1:]):
        return [u for u in (_unit(cue, line, keys, True) for line in lines) if u is not None]
    tokens: list[Token] = []
    for line in lines:
        if tokens:
            tokens.append(Token("space", text[tokens[-1].end : line[0].start], tokens[-1].end, line[0].start, text=" "))
        tokens += line
    unit = _unit(cue, tokens, keys, False) if tokens else None
    return [unit] if unit is not None else []


def _speaker(line: list[Token]) -> bool:
    """The line starts with a speaker's dash or a <v> tag: one of a cue's two speakers."""
    for t in line:
        if t.kind == "open" and t.name == "v":
            return True
        if t.kind == "text":
            return t.text.startswith(tuple(_DASHES))
    return False


def _paired(tokens: list[Token], keys: Iterator[int]) -> list[tuple[Token, str, int]]:
    """Each token with its role (text, space, open, close, atom) and a pair's key: a tag is one
    of a pair when its partner is in the same cue and the pair is well nested, else an atom."""
    items: list[tuple[Token, str, int]] = []
    stack: list[int] = []
    for t in tokens:
        if t.kind == "open" and len(stack) < MAX_DEPTH:
            stack.append(len(items))
            items.append((t, "atom", 0))  # until its close is found
        elif t.kind == "close" and stack and items[stack[-1]][0].name == t.name:
            at, key = stack.pop(), next(keys)
            items[at] = (items[at][0], "open", key)
            items.append((t, "close", key))
        else:
            items.append((t, t.kind if t.kind in ("text", "space") else "atom", 0))
    return items


def _unit(cue: Cue, tokens: list[Token], keys: Iterator[int], dialogue: bool) -> Unit | None:
    items = _paired(tokens, keys)
    lo, hi, voice = 0, len(items), ""
    while lo < hi:  # atoms at the ends, and a pair around everything else, stay where they are
        t, role, key = items[lo]
        if t.name == "v" and t.kind == "open":
            voice = t.source
        if role in ("atom", "space"):
            lo += 1
        elif role == "open" and items[hi - 1][1:] == ("close", key):
            lo, hi = lo + 1, hi - 1
        elif items[hi - 1][1] in ("atom", "space"):
            hi -= 1
        elif dialogue and role == "text" and t.text.startswith(tuple(_DASHES)):  # a speaker's dash stays too
            rest = t.source.lstrip(_DASHES).lstrip(" \t")
            cut = len(t.source) - len(rest)
            if rest:
                items[lo] = (Token("text", rest, t.start + cut, t.end, text=t.text[cut:]), role, key)
                break
            lo += 1
        else:
            break
    kept = items[lo:hi]
    if not kept:
        return None
    shown = "".join(t.text for t, role, _ in kept if role in ("text", "space"))
    return Unit(
        cue,
        kept[0][0].start,
        kept[-1][0].end,
        tuple(_run(t, role, key) for t, role, key in kept),
        len(shown),
        dialogue,
        voice,
        _ends(shown),
        has_words(shown),
    )


def _run(t: Token, role: str, key: int) -> Run:
    if role in ("text", "space"):
        return Text(t.text)
    if role == "open":
        return Open(KINDS.get(t.name, t.name), t.source, key)
    if role == "close":
        return Close(KINDS.get(t.name, t.name), t.source, key)
    return Atom(t.name if t.kind == "atom" else "tag", t.source)


def _ends(text: str) -> bool:
    """The cue's text ends a sentence: a full stop, question or exclamation mark (not an
    ellipsis, after which a sentence goes on), an interruption, or a bracketed sound or song."""
    bare = text.strip()
    end = bare.rstrip(_CLOSING + ")]")
    if end.endswith(("...", "\u2026")):
        return False
    if end[-1:] in ".?!\u3002\uff01\uff1f" or end.endswith(("--", "\u2014")):
        return True
    return bare[:1] in "[(" and bare[-1:] in "])" or bare.endswith("\u266a")


def _groups(units: tuple[Unit, ...]) -> list[list[Unit]]:
    """Units joined into blocks: a cue whose text does not end a sentence joins the next, unless
    a speaker changes (a dialogue line, another voice) or MAX_JOINED cues are joined already."""
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    for u in units:
        if current and (
            current[-1].ends
            or not u.words
            or not current[-1].words
            or u.dialogue
            or current[-1].dialogue
            or u.voice != current[-1].voice
            or len(current) >= MAX_JOINED
        ):
            groups.append(current)
            current = []
        current.append(u)
    if current:
        groups.append(current)
    return groups


def _block(group: list[Unit], cue_syntax: str) -> RawBlock:
    runs: list[Run] = []
    for u in group:
        if runs:
            runs.append(Text(" "))
        runs += u.runs
    return RawBlock("cue", tuple(runs), group[0].start, group[-1].end, syntax=cue_syntax, key=group[0].cue.times[0])
