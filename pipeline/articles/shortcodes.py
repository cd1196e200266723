"""Hugo shortcodes ({{< name args >}}, {{% name args %}}) hidden from the Markdown parser: they are
not Markdown, so markdown-it would parse their insides. Each is replaced by characters of the same
length that the text does not use (newlines kept), and found again in the parser's tokens."""

from __future__ import annotations

import re

# Hugo shortcodes: {{< name args >}} and {{% name args %}}. Not Markdown, so markdown-it would
# parse their insides; they are hidden from it behind characters of the same length that the text
# does not use.
# What find_shortcodes finds (the regular expression itself rescans 4,000 characters after every
# unclosed "{{<": quadratic on "{{<" x 1,000,000).
SHORTCODE_RE = re.compile(r"\{\{<.{0,4000}?>\}\}|\{\{%.{0,4000}?%\}\}", re.DOTALL)
_SHORTCODE_SPAN = 4000
# Where the characters that hide them come from: private-use planes first, then planes with no
# characters assigned. A start and a fill character are chosen that the text does not contain,
# so nothing an author wrote can be read as a hidden shortcode, whatever characters it uses.
_SENTINEL_RANGES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD), (0x40000, 0xDFFFF))
# Each shortcode's number is written in two "digits" after the start character (a shortcode's
# first line has at least three characters: "{{<"). Digits are read only after a start character,
# so they may also occur in the text.
_DIGITS = [chr(c) for c in range(0xE000, 0xF900)]
_ATOM_LINE_HTML = r"<[^<>\n]*>"


class ParseError(ValueError):
    """The document cannot be parsed faithfully; the message is one line for the user."""


def find_shortcodes(text: str) -> list[tuple[int, int]]:
    """Start and end of each match of SHORTCODE_RE, in linear time."""
    found: list[tuple[int, int]] = []
    closing = {"<": -1, "%": -1}  # the first ">}}" / "%}}" after the last opener looked at
    pos = 0
    while (i := text.find("{{", pos)) >= 0:
        kind = text[i + 2 : i + 3]
        if kind not in closing:
            pos = i + 1
            continue
        if closing[kind] < i + 3:
            c = text.find(">}}" if kind == "<" else "%}}", i + 3)
            closing[kind] = c if c >= 0 else len(text)  # none left: never searched again
        c = closing[kind]
        if c < len(text) and c - (i + 3) <= _SHORTCODE_SPAN:
            found.append((i, c + 3))
            pos = c + 3
        else:
            pos = i + 1
    return found


class Shortcodes:
    """The shortcodes hidden in a text, and how to find them again in the parser's tokens."""

    def __init__(self, text: str):
        self.found: list[str] = []
        self.start = self.fill = ""
        matches = find_shortcodes(text)
        if matches:
            self.start, self.fill = _unused_characters(text, 2)
        # only with shortcodes: listing the digits costs 1 ms, and most articles have none
        digits = [d for d in _DIGITS if d not in (self.start, self.fill)] if matches else []
        base = len(digits)
        parts: list[str] = []
        pos = 0
        for a, b in matches:
            if len(self.found) >= base * base:
                break  # never under max_file_bytes: 40 million shortcodes
            n = len(self.found)
            self.found.append(text[a:b])
            body = "".join("\n" if c == "\n" else self.fill for c in text[a + 3 : b])
            parts += [text[pos:a], self.start, digits[n // base], digits[n % base], body]
            pos = b
        parts.append(text[pos:])
        self.masked = "".join(parts)
        if self.found:
            self._value = {d: i for i, d in enumerate(digits)}
            start, fill = re.escape(self.start), re.escape(self.fill)
            self.pattern: re.Pattern[str] | None = re.compile(f"{start}(.)(.)[{fill}\n]*", re.DOTALL)
            self.atom_line = re.compile(rf"\s*(?:{start}..|{fill}|{_ATOM_LINE_HTML})+\s*", re.DOTALL)
        else:
            self.pattern = None
            self.atom_line = re.compile(rf"\s*(?:{_ATOM_LINE_HTML})+\s*")

    def number(self, m: re.Match[str]) -> int:
        return self._value[m.group(1)] * len(self._value) + self._value[m.group(2)]


class MaskError(ParseError):
    """No character is left to hide shortcodes with (the text uses all of them)."""


def _unused_characters(text: str, n: int) -> list[str]:
    out: list[str] = []
    present: set[str] | None = None
    for low, high in _SENTINEL_RANGES:
        for code in range(low, high + 1):
            c = chr(code)
            if present is None and len(out) + 8 < code - low:  # many taken: one pass over the text
                present = set(text)
            if (c not in present) if present is not None else (c not in text):
                out.append(c)
                if len(out) == n:
                    return out
    raise MaskError("the text uses every private-use and unassigned character; its shortcodes cannot be hidden")


def hide_shortcodes(text: str) -> tuple[str, Shortcodes]:
    """Replace each shortcode by characters the text does not use, of the same length (newlines kept)."""
    shortcodes = Shortcodes(text)
    return shortcodes.masked, shortcodes
