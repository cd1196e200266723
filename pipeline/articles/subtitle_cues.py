"""Subtitle files (SubRip .srt, WebVTT .vtt) -> cues, with where each of their lines is in the
text, and a cue's text -> tokens: text, and styling tags with their names (see docs/decisions.md:
no subtitle library keeps a file's bytes, so the file is read here).

A file is blocks of lines separated by blank lines. A cue is a block whose first or second line
is its timing (``start --> end`` and, in WebVTT, cue settings); the line before it is its number
or identifier, the lines after it its text. WebVTT's header and its NOTE, STYLE and REGION blocks
are kept as they are. Every line is looked at once and tags are found by one regex per line, so
reading is linear whatever the input; nothing recurses.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from pipeline.articles.base import FormatError


@dataclass(frozen=True)
class Markup:
    """What a format's cue text holds besides text."""

    name: str  # srt | vtt
    tag: re.Pattern[str]  # a styling tag, a timestamp or an override, on one line
    pairs: frozenset[str]  # tag names that wrap text (paired codes)
    references: bool  # WebVTT decodes character references (&amp;); SubRip text is as written


# SubRip: the tags players know (VLC, mpv, ffmpeg) and ASS overrides such as {\an8}; any other
# "<" is text ("<sigh>").
SRT = Markup(
    "srt",
    re.compile(r"<[ \t]*/?[ \t]*(?:[ibus]|font)(?=[\s>/])[^<>\n]*>|\{\\[^{}\n]*\}", re.IGNORECASE),
    frozenset({"i", "b", "u", "s", "font"}),
    False,
)
# WebVTT: "<" always starts a tag (a literal one is &lt;); unknown tags are ignored by players.
VTT = Markup("vtt", re.compile(r"<[^<>\n]*>"), frozenset({"c", "i", "b", "u", "v", "lang", "ruby", "rt"}), True)

_NAME_RE = re.compile(r"<[ \t]*(/?)[ \t]*([A-Za-z][A-Za-z0-9]*)")
_TIMESTAMP_TAG_RE = re.compile(r"<\d[\d:.]*>")
_VTT_TIME_RE = re.compile(r"(?:(\d{2,9}):)?([0-5]\d):([0-5]\d)\.(\d{3})")
_SRT_TIME_RE = re.compile(r"(?:(\d{1,9}):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?")
_TIMING_RE = re.compile(r"[ \t]*(\S+?)[ \t]*-->[ \t]*(\S+)(.*)")
_LANGUAGE_RE = re.compile(r"Language:[ \t]*(\S+)[ \t]*", re.IGNORECASE)
SHOWN = 40  # characters of a line quoted in a message


def shown(line: str) -> str:
    return repr(line if len(line) <= SHOWN else line[: SHOWN - 1] + "…")


@dataclass(frozen=True)
class Cue:
    number: int  # its place among the file's cues, from 1
    line: int  # its timing line's number in the file, from 1
    times: tuple[str, str]  # start and end as written
    start_ms: int
    end_ms: int
    lines: tuple[tuple[int, int], ...]  # its text's lines: where each is in the text, without the line end

    @property
    def seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


@dataclass(frozen=True)
class Track:
    cues: tuple[Cue, ...]
    lang: str | None = None  # a WebVTT header's `Language:` value
    lang_field: tuple[int, int] | None = None


def read(text: str, markup: Markup) -> Track:
    """The file's cues; FormatError (one line, naming the line) for a block that is no cue, a
    malformed timing, or a WebVTT file without its WEBVTT line."""
    if markup is VTT and not _keyword(text.partition("\n")[0], "WEBVTT"):
        raise FormatError("not WebVTT: its first line must be WEBVTT")
    cues: list[Cue] = []
    lang: tuple[str | None, tuple[int, int] | None] = (None, None)
    for n, (first, block) in enumerate(_blocks(text)):
        if markup is VTT and n == 0:
            lang = _header(text, first, block)
            continue
        head = text[block[0][0] : block[0][1]]
        if markup is VTT and (_keyword(head, "NOTE") or head.strip() in ("STYLE", "REGION")):
            continue
        at = next((k for k in range(min(2, len(block))) if "-->" in text[block[k][0] : block[k][1]]), None)
        if at is None:
            raise FormatError(
                f"line {first}: text that is in no cue (no 'start --> end' timing on its first two lines: {shown(head)}); "
                "a blank line inside a cue's text?"
            )
        for k in range(at + 1, len(block)):
            if "-->" in text[block[k][0] : block[k][1]]:
                raise FormatError(f"line {first + k}: a cue timing inside a cue's text (a blank line missing before it?)")
        start, end, times = _timing(text[block[at][0] : block[at][1]], first + at, markup)
        cues.append(Cue(len(cues) + 1, first + at, times, start, end, tuple(block[at + 1 :])))
    return Track(tuple(cues), *lang)


def _keyword(line: str, word: str) -> bool:
    """The line is the word, or starts with it and a space or a tab (WebVTT's rule for WEBVTT and NOTE)."""
    return line == word or line.startswith((word + " ", word + "\t"))


def _blocks(text: str):
    """(line number of its first line, [(start, end) of each line]) of each block of non-blank lines."""
    block: list[tuple[int, int]] = []
    first = 0
    pos, number, n = 0, 1, len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        if text[pos:end].strip(" \t"):
            if not block:
                first = number
            block.append((pos, end))
        elif block:
            yield first, block
            block = []
        if nl < 0:
            break
        pos, number = nl + 1, number + 1
    if block:
        yield first, block


def _header(text: str, first: int, block: list[tuple[int, int]]) -> tuple[str | None, tuple[int, int] | None]:
    """A WebVTT header's `Language: xx` line (YouTube writes one): the file's declared language."""
    found: tuple[str | None, tuple[int, int] | None] = (None, None)
    for k, (start, end) in enumerate(block[1:], 1):
        if "-->" in text[start:end]:
            raise FormatError(f"line {first + k}: a cue timing in the WEBVTT header (a blank line missing after it?)")
        m = _LANGUAGE_RE.fullmatch(text, start, end)
        if m and found[0] is None:
            found = m.group(1), (m.start(1), m.end(1))
    return found


def _timing(line: str, number: int, markup: Markup) -> tuple[int, int, tuple[str, str]]:
    m = _TIMING_RE.fullmatch(line)
    times = _ms(m.group(1), markup) if m else None, _ms(m.group(2), markup) if m else None
    if m is None or times[0] is None or times[1] is None or markup is VTT and m.group(3)[:1] not in ("", " ", "\t"):
        form = "HH:MM:SS.mmm --> HH:MM:SS.mmm" if markup is VTT else "HH:MM:SS,mmm --> HH:MM:SS,mmm"
        raise FormatError(f"line {number}: malformed cue timing {shown(line)}; expected {form}")
    start, end = times
    assert start is not None and end is not None
    if end < start:
        raise FormatError(f"line {number}: the cue ends before it starts ({shown(line.strip())})")
    return start, end, (m.group(1), m.group(2))


def _ms(stamp: str, markup: Markup) -> int | None:
    """Milliseconds of a timestamp, or None when it is not one. SubRip's milliseconds are read as
    ffmpeg and the `srt` library read them: "3,5" is 3 s 5 ms."""
    m = (_VTT_TIME_RE if markup is VTT else _SRT_TIME_RE).fullmatch(stamp)
    if m is None:
        return None
    hours, minutes, seconds, fraction = m.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction or 0)


# --- cue text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # text | open | close | atom (a timestamp, an override, a tag that wraps nothing)
    source: str  # as written
    start: int  # where it is in the file's text
    end: int
    name: str = ""  # a tag's name, lower case (i, b, c, v, font...)
    text: str = ""  # a text token's characters, references decoded (WebVTT)


def line_tokens(text: str, start: int, end: int, markup: Markup) -> list[Token]:
    """One line of cue text as tokens, white space at its ends left out."""
    while start < end and text[start] in " \t":
        start += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    out: list[Token] = []
    pos = start
    for m in markup.tag.finditer(text, start, end):
        if m.start() > pos:
            out.append(_text(text, pos, m.start(), markup))
        out.append(tag(m.group(0), m.start(), m.end(), markup))
        pos = m.end()
    if pos < end:
        out.append(_text(text, pos, end, markup))
    return out


def _text(text: str, start: int, end: int, markup: Markup) -> Token:
    source = text[start:end]
    return Token("text", source, start, end, text=decode(source) if markup.references else source)


def tag(source: str, start: int, end: int, markup: Markup) -> Token:
    """A tag as a token: open or close (a name that wraps text), else an atom."""
    m = _NAME_RE.match(source)
    if m is None or _TIMESTAMP_TAG_RE.fullmatch(source):
        return Token("atom", source, start, end, "timestamp" if source.startswith("<") else "override")
    name = m.group(2).lower()
    if name not in markup.pairs:
        return Token("atom", source, start, end, "tag")
    return Token("close" if m.group(1) else "open", source, start, end, name)


_REFERENCE_RE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{0,31});?")


def decode(text: str) -> str:
    """Character references decoded as HTML decodes them (WebVTT's cue text uses HTML's); a number
    beyond Unicode is U+FFFD, and a longer one is left as written."""
    if "&" not in text:
        return text
    return _REFERENCE_RE.sub(lambda m: html.unescape(m.group(0)), text)


def visible(text: str, markup: Markup) -> int:
    """Characters a viewer sees in cue text (tags and references aside; U+2060, which the
    pipeline writes to keep a "<" from starting a SubRip tag, is no character)."""
    bare = markup.tag.sub("", text)
    if markup.references:
        bare = decode(bare)
    return len(bare) - bare.count("\u2060")
