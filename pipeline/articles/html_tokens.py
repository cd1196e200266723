"""HTML -> tokens with their exact source positions, in linear time (see docs/decisions.md: the
standard library's html.parser reports positions but is quadratic on unclosed comments and fails
on "<![" in Python 3.11; html5lib, lxml and selectolax rewrite the page and report no offsets).

It follows the HTML standard's tokenizer for what matters to translation: where a tag, a comment,
a doctype or the text of a raw-text element (script, style, title, textarea...) begins and ends,
tag names and attributes with where each value is, and which "<" are just text. It builds no tree.
Every search looks forward only and each position is passed once, whatever the input.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

# Elements whose content is text up to their end tag: raw text (never decoded) and RCDATA
# (character references decoded, no tags).
RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes"})
RCDATA = frozenset({"title", "textarea"})

_TAG_NAME_RE = re.compile(r"[A-Za-z][^\s/>]*")
# One attribute: separators ("/" not before ">" is one), a name, maybe "=" and a value.
_ATTRIBUTE_RE = re.compile(r"""(?:\s|/(?!>))*([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")
_TAG_END_RE = re.compile(r"(?:\s|/(?!>))*(/?)>")
_COMMENT_END_RE = re.compile(r"--!?>")


class Attribute(NamedTuple):
    name: str  # lower case
    value: str  # as written (character references not decoded)
    start: int  # where the value is in the text (start == end for an empty or missing value)
    end: int
    quote: str | None  # '"', "'", "" (unquoted); None: no value at all (`<input disabled>`)


class Token(NamedTuple):
    kind: str  # text | start | end | comment (comments, doctypes, processing instructions) | raw
    start: int
    end: int
    name: str = ""  # tag name, lower case (start, end, raw: the element it is in)
    attributes: tuple[Attribute, ...] = ()
    self_closing: bool = False


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    pos, n = 0, len(text)
    text_start = 0  # where the text being gathered began
    while pos < n:
        lt = text.find("<", pos)
        if lt < 0:
            break
        token = _markup(text, lt)
        if token is None:  # "<" that starts no markup is text
            pos = lt + 1
            continue
        if lt > text_start:
            out.append(Token("text", text_start, lt))
        out.append(token)
        pos = token.end
        if (
            token.kind == "start"
            and not token.self_closing
            and (token.name in RAW_TEXT or token.name in RCDATA or token.name == "plaintext")
        ):
            pos = _raw_text(text, token, out)
        text_start = pos
    if text_start < n:
        out.append(Token("text", text_start, n))
    return out


def _markup(text: str, lt: int) -> Token | None:
    """The tag, comment or declaration starting at text[lt] == "<", or None when it is text."""
    n = len(text)
    nxt = text[lt + 1 : lt + 2]
    if text.startswith("<!--", lt):
        if text.startswith(">", lt + 4) or text.startswith("->", lt + 4):  # "<!-->", "<!--->": empty
            return Token("comment", lt, text.index(">", lt + 4) + 1)
        m = _COMMENT_END_RE.search(text, lt + 4)
        return Token("comment", lt, m.end() if m else n)
    if nxt in ("!", "?"):  # doctype, CDATA (a bogus comment in HTML), processing instruction
        gt = text.find(">", lt + 2)
        return Token("comment", lt, gt + 1 if gt >= 0 else n)
    if nxt == "/":
        m = _TAG_NAME_RE.match(text, lt + 2)
        if m is None:
            if text.startswith(">", lt + 2):  # "</>": nothing
                return Token("comment", lt, lt + 3)
            if lt + 2 >= n:
                return None
            gt = text.find(">", lt + 2)  # "</ x>": a bogus comment
            return Token("comment", lt, gt + 1 if gt >= 0 else n)
        return _tag(text, lt, m, "end")
    m = _TAG_NAME_RE.match(text, lt + 1)
    return _tag(text, lt, m, "start") if m else None


def _tag(text: str, lt: int, name: re.Match[str], kind: str) -> Token:
    attributes: list[Attribute] = []
    pos = name.end()
    while True:
        end = _TAG_END_RE.match(text, pos)
        if end is not None:
            return Token(kind, lt, end.end(), name.group(0).lower(), tuple(attributes), end.group(1) == "/")
        m = _ATTRIBUTE_RE.match(text, pos)
        if m is None or m.end() == pos:  # end of the text inside a tag: the tag is lost, as browsers lose it
            return Token("comment", lt, len(text))
        attributes.append(_attribute(m))
        pos = m.end()


def _attribute(m: re.Match[str]) -> Attribute:
    for group, quote in ((2, '"'), (3, "'"), (4, "")):
        if m.group(group) is not None:
            return Attribute(m.group(1).lower(), m.group(group), m.start(group), m.end(group), quote)
    return Attribute(m.group(1).lower(), "", m.end(), m.end(), None)


def _raw_text(text: str, token: Token, out: list[Token]) -> int:
    """The content of a raw-text or RCDATA element as one token, up to its end tag (or the end)."""
    if token.name == "plaintext":
        end = len(text)
    else:
        m = re.compile(rf"</{re.escape(token.name)}[\s/>]", re.IGNORECASE).search(text, token.end)
        end = m.start() if m else len(text)
    if end > token.end:
        out.append(Token("raw", token.end, end, token.name))
    return end


# --- character references -------------------------------------------------------------------

REFERENCE_RE = re.compile(r"&(?:#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]{0,31});")
_LONG_NUMBER_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{9,})|([0-9]{9,}));?")


def decode(text: str) -> str:
    """Character references decoded as a browser does. A number too long for int() (Python limits
    its digits) stands for U+FFFD, as any number beyond Unicode does."""
    if "&" not in text:
        return text
    return html.unescape(_LONG_NUMBER_RE.sub(_short_number, text))


def _short_number(m: re.Match[str]) -> str:
    hexa, digits = m.group(1), m.group(2)
    significant = (hexa or digits).lstrip("0") or "0"
    if len(significant) > 8:
        return "\ufffd"
    return f"&#{int(significant, 16 if hexa else 10)};"


_SPACE_REFERENCE_RE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,8});")


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A text's region without white space, written or as references (&nbsp;), at its ends."""
    head = start
    while head < end:
        m = _SPACE_REFERENCE_RE.match(text, head, end) if text[head] == "&" else None
        if text[head].isspace():
            head += 1
        elif m and decode(m.group(0)).isspace():
            head = m.end()
        else:
            break
    tail = end
    while tail > start:
        amp = text.rfind("&", max(start, tail - 10), tail) if text[tail - 1] == ";" else -1
        if text[tail - 1].isspace():
            tail -= 1
        elif amp >= 0 and _SPACE_REFERENCE_RE.fullmatch(text, amp, tail) and decode(text[amp:tail]).isspace():
            tail = amp
        else:
            break
    return head, tail
