"""Inline codes: the placeholder syntax units carry, and what its tags stand for.

Inside a sentence the pipeline's masker writes an atom (a code span, a URL, a number...) as
`<xN/>` and wraps paired markup (emphasis, a link) in `<gN>...</gN>`, N counted from 1 within
the sentence. `Unit.source` and `Unit.target` carry text in exactly that syntax and
`Unit.codes` says what each N stands for, so that each format can write the tags as its own
inline codes, which CAT tools keep and editors cannot break, rather than as text.

Literal text never holds a tag: the masker writes the `<` of one an author typed as U+2039, and
so does `from_pieces`, so an editor who types `<x1/>` into a CAT tool gets text back, not a code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.core.placeholders import MAX_CODE, TAG_RE

# Kinds go into XML attribute values with a fixed syntax (XLIFF subType, TMX type) and PO comments.
KIND_RE = re.compile(r"[A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Code:
    """What tag N of a unit stands for: the exact Markdown of an atom, or of a pair's two ends."""

    n: int  # the number in the tags, from 1
    kind: str  # the pipeline's name for it ("code", "url", "link", "strong"...); "" if unknown
    open: str  # the atom's Markdown, or the pair's opening Markdown
    close: str | None = None  # the pair's closing Markdown; None for an atom

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int):
            raise TypeError(f"code number {self.n!r} is not an int")
        if not all(isinstance(part, str) for part in (self.kind, self.open, self.close or "")):
            raise TypeError(f"code {self.n}: kind and Markdown must be str")
        if not 1 <= self.n <= MAX_CODE:
            raise ValueError(f"code number {self.n} is not between 1 and {MAX_CODE}")
        if not KIND_RE.fullmatch(self.kind):
            raise ValueError(f"code {self.n}: kind {self.kind!r} is not letters, digits, '_', '.' and '-'")

    @property
    def paired(self) -> bool:
        return self.close is not None


# --- pieces: placeholder text taken apart ----------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class AtomTag:
    n: int


@dataclass(frozen=True)
class OpenTag:
    n: int


@dataclass(frozen=True)
class CloseTag:
    n: int


Piece = Text | AtomTag | OpenTag | CloseTag
Tag = AtomTag | OpenTag | CloseTag


def to_pieces(text: str) -> tuple[Piece, ...]:
    """Placeholder text as text and tags in order; no empty or adjacent Text pieces.

    As tolerant as the masker's `restore`: an x tag is an atom in any form (`<x1>`, `</x1>`),
    a g tag closes when it starts with a slash and opens otherwise.
    """
    pieces: list[Piece] = []
    pos = 0
    for match in TAG_RE.finditer(text):
        if match.start() > pos:
            pieces.append(Text(text[pos : match.start()]))
        n = int(match.group(3))
        if match.group(2) in "xX":
            pieces.append(AtomTag(n))
        else:
            pieces.append(CloseTag(n) if match.group(1) else OpenTag(n))
        pos = match.end()
    if pos < len(text):
        pieces.append(Text(text[pos:]))
    return tuple(pieces)


def from_pieces(pieces: Iterable[Piece]) -> str:
    """Placeholder text with canonical tags: `<x1/>`, `<g2>`, `</g2>`.

    Text is joined before it is escaped, so two pieces cannot spell a tag between them; a tag
    inside text is text someone typed, written with U+2039 for its `<` as the masker does.
    """
    parts: list[str] = []
    pending: list[str] = []
    for piece in pieces:
        if isinstance(piece, Text):
            pending.append(piece.text)
            continue
        parts.append(_escape("".join(pending)))
        pending.clear()
        parts.append(tag_text(piece))
    parts.append(_escape("".join(pending)))
    return "".join(parts)


def canonical(text: str) -> str:
    """The same placeholder text with every tag in its canonical form."""
    return from_pieces(to_pieces(text))


def tag_text(tag: Tag) -> str:
    if isinstance(tag, AtomTag):
        return f"<x{tag.n}/>"
    return f"</g{tag.n}>" if isinstance(tag, CloseTag) else f"<g{tag.n}>"


def _escape(text: str) -> str:
    return TAG_RE.sub(lambda match: "\u2039" + match.group(0)[1:], text)


# --- what writers need to know about a text's tags --------------------------------------------


def partners(pieces: Sequence[Piece]) -> dict[int, int]:
    """Index of each opening and closing tag that pair up -> index of its partner.

    A closing tag pairs with the latest unpaired opening tag of its number; what pairs with
    nothing (an engine or an editor lost or repeated one) is missing from the result.
    """
    found: dict[int, int] = {}
    unpaired: dict[int, list[int]] = {}
    for index, piece in enumerate(pieces):
        if isinstance(piece, OpenTag):
            unpaired.setdefault(piece.n, []).append(index)
        elif isinstance(piece, CloseTag) and unpaired.get(piece.n):
            start = unpaired[piece.n].pop()
            found[start], found[index] = index, start
    return found


def nested(pieces: Sequence[Piece], pairs: dict[int, int]) -> set[int]:
    """Indexes of the opening tags whose pairs nest properly, so a format can write each as one
    element around its text; a pair that crosses one opened after it is left out."""
    well: set[int] = set()
    stack: list[int] = []
    for index, piece in enumerate(pieces):
        if index not in pairs:
            continue
        if isinstance(piece, OpenTag):
            stack.append(index)
        elif stack and stack[-1] == pairs[index]:
            well.add(stack.pop())
        else:
            stack.remove(pairs[index])  # the pairs opened after it stay candidates
    return well


def occurrences(pieces: Sequence[Piece], pairs: dict[int, int]) -> dict[int, int]:
    """Index of each tag that starts a code's appearance (an atom, an opening tag, a closing tag
    without a partner) -> how many times its number has started so far: 1, then 2 for a repeat."""
    counts: dict[int, int] = {}
    found: dict[int, int] = {}
    for index, piece in enumerate(pieces):
        if isinstance(piece, Text) or (isinstance(piece, CloseTag) and index in pairs):
            continue
        counts[piece.n] = counts.get(piece.n, 0) + 1
        found[index] = counts[piece.n]
    return found


# --- checks ----------------------------------------------------------------------------------


def code_problem(source: str, target: str, codes: Sequence[Code]) -> str:
    """Why `codes` do not describe the tags of `source` and `target`; "" when they do.

    Every tag names a code of its sort (x: an atom, g: a pair), the source uses every code,
    and so the target uses only codes the source has: what a format needs to write the tags as
    inline codes and to read the same unit back.
    """
    by_number: dict[int, Code] = {}
    for code in codes:
        if code.n in by_number:
            return f"two codes are numbered {code.n}"
        by_number[code.n] = code
    in_source: set[int] = set()
    for field, text in (("source", source), ("target", target)):
        for piece in to_pieces(text):
            if isinstance(piece, Text):
                continue
            named = by_number.get(piece.n)
            if named is None:
                where = "the unit" if field == "source" else "the source"
                return f"the {field} has the tag {tag_text(piece)}, but {where} has no code {piece.n}"
            if named.paired == isinstance(piece, AtomTag):
                sort = "a pair" if named.paired else "an atom"
                return f"the {field} has the tag {tag_text(piece)}, but code {piece.n} is {sort}"
            if field == "source":
                in_source.add(piece.n)
            elif piece.n not in in_source:
                return f"the target has the tag {tag_text(piece)}, but the source has no code {piece.n}"
    unused = sorted(set(by_number) - in_source)
    if unused:
        return f"code {unused[0]} is not used in the source"
    return ""


def shorten(markdown: str, limit: int = 40) -> str:
    """A code's Markdown on one line and at most `limit` characters, for an editor to recognise."""
    line = " ".join(markdown.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
