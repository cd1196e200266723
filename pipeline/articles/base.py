"""The article-format interface: what each format (Markdown, plain text, HTML, and next Word,
OpenDocument, subtitles) gives the pipeline. `read.load` and `assemble.article.render` call only
this; formats are found by name or suffix in `registry`.

A format says what reading a file costs before anything is parsed (`cost`), turns the file into
raw blocks (`parse`: `blocks.RawBlock`s of runs, text, atoms and paired codes, each block with the
region of `Document.text` its translation replaces) and the language it declares, escapes
translated text for each of its syntaxes (`escape`), and renders the translated article from the
document and each block's translation (`render`).

What a format reads and writes is its content type ``C``: a text format (`TextFormat`) reads the
file as text that `read` has checked (UTF-8, no NUL byte, not empty, "\\n" line endings) and
renders text, which the writer encodes as UTF-8; a binary format (`BinaryFormat`: a .docx is a zip
of XML parts) reads the file's bytes and renders bytes, from `Document.data` (the file as read,
so it is read once).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from pipeline.articles.blocks import RawBlock
from pipeline.segment.protect import Escape, no_escape

if TYPE_CHECKING:
    from pipeline.core.config import Config
    from pipeline.core.document import Document

C = TypeVar("C", str, bytes)  # what a format reads and renders: text, or a binary file's bytes
Edit = tuple[int, int, str]  # replace Document.text[start:end] with this


class FormatError(ValueError):
    """The file cannot be read faithfully in its format. The message is one line for the user;
    `read.load` puts the file's name before it."""


@dataclass(frozen=True)
class Parsed:
    """What a format found in a file (see `ArticleFormat.parse`)."""

    blocks: tuple[RawBlock, ...]  # in document order
    # The language the file declares, as written (a front matter value may be any YAML); read has
    # it checked by `ArticleFormat.language` only when no --from is given.
    lang: object = None
    lang_field: tuple[int, int] | None = None  # where it is written in Document.text: set to the target on output
    text: str | None = None  # Document.text when it is not the file's text (a binary format)


class ArticleFormat(ABC, Generic[C]):
    """One article format. Subclass `TextFormat` or `BinaryFormat`, register it in `registry`, and
    subclass `tests/articles/test_contract.FormatContract` for its tests.

    `Document.text` is what the blocks' regions (`Block.start`, `Block.end`) index: a block's region
    is hashed for the records (a block is unchanged while its region is), and `Document.text`
    locates blocks for alignment and the review app. For a text format it is the file's text
    ("\\n" line endings); a binary format chooses a text in which each block's region is its
    source as written in the format's own markup (a .docx: the paragraph's XML), given as
    `Parsed.text`; it is never written out: `render` works from `Document.data`.
    """

    name: ClassVar[str]  # as in the registry and Document.format: markdown, text, html...
    suffixes: ClassVar[tuple[str, ...]]  # lower case, with the dot; the registry's line says the same
    binary: ClassVar[bool]
    # For messages: what `cost` counts, and how a file declares its language (None: it cannot).
    elements: ClassVar[str] = "lines, markup characters, numbers and sentence ends"
    declares: ClassVar[str | None] = None

    @abstractmethod
    def cost(self, content: C) -> int:
        """A bound on what parsing, segmenting and writing out the file costs, counted in a fraction
        of a second before anything is parsed; `read` refuses a file over `max_file_elements`."""

    @abstractmethod
    def parse(self, content: C, config: Config) -> Parsed:
        """The file's blocks. Raises FormatError (one line) for a file it cannot read faithfully;
        bounded in time and memory on any input of `max_file_bytes` under `max_file_elements`."""

    def language(self, declared: object) -> str:
        """The language code that `Parsed.lang` (not None) declares; FormatError when it is not one."""
        if not isinstance(declared, str):
            raise FormatError(f"its declared language is {type(declared).__name__}, not a language code")
        return language_code(declared, f"{self.declares or 'the file'} says")

    def escape(self, doc: Document, syntax: str) -> Escape:
        """How translated text is made literal in a block of this syntax (`Block.syntax`), so that
        nothing an engine or an editor writes can become markup."""
        return no_escape

    @abstractmethod
    def render(self, doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> C:
        """The translated article: each block in ``targets`` (block index -> its translation,
        escaped for its syntax) in place of its source, everything else as the file has it, and
        the declared language set to ``target_lang``. ``wrap``: wrap translated paragraphs as their
        source is wrapped, in formats with hard-wrapped paragraphs (Markdown)."""


class TextFormat(ArticleFormat[str]):
    """A format read as text; its translation replaces each block's region of `Document.text`."""

    binary = False

    def render(self, doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> str:
        return replace_regions(doc, self.edits(doc, targets, target_lang, wrap))

    def edits(self, doc: Document, targets: Mapping[int, str], target_lang: str | None, wrap: bool) -> list[Edit]:
        """The regions of `Document.text` to replace: each translated block's, and the declared
        language's. A format that quotes its values (front matter, attributes) says how here."""
        edits = [(block.start, block.end, targets[block.index]) for block in doc.blocks if block.index in targets]
        if target_lang and doc.lang_field:
            edits.append((*doc.lang_field, target_lang))
        return edits


class BinaryFormat(ArticleFormat[bytes]):
    """A format read as bytes (`Document.data`) and rendered as bytes."""

    binary = True


def replace_regions(doc: Document, edits: list[Edit]) -> str:
    """`Document.text` with the edits made, written as the file was: its byte order mark and each
    line ending as the file has it outside the edits (a file may mix them), the file's own line
    ending inside them."""
    edits = sorted(edits)
    out: list[str] = ["\ufeff"] if doc.bom else []
    pos = 0
    for start, end, text in edits:
        out.append(_as_written(doc, pos, start))
        out.append(text if doc.newline == "\n" else text.replace("\n", doc.newline))
        pos = end
    out.append(_as_written(doc, pos, len(doc.text)))
    return "".join(out)


def _as_written(doc: Document, start: int, end: int) -> str:
    """doc.text[start:end] with each line ending as the file has it."""

    def native(text: str) -> str:
        return text if doc.newline == "\n" else text.replace("\n", doc.newline)

    pieces: list[str] = []
    pos = start
    for at, ending in doc.endings[bisect_left(doc.endings, start, key=lambda e: e[0]) :]:
        if at >= end:
            break
        pieces += [native(doc.text[pos:at]), ending]
        pos = at + 1
    pieces.append(native(doc.text[pos:end]))
    return "".join(pieces)


# What count_elements counts in every format: each costs parsing, segmenting and writing out far
# more than a letter does. Line and sentence ends count twice: each can start a block or a
# sentence (a list item, a table row, a segment), the costliest things to parse, look up and write.
_ELEMENTS = "\n.?!;:\u2026"
_TWICE = "\n.?!\u2026"
_NUMBER_RE = re.compile(r"\d+")


def count_elements(text: str, markup: str = "") -> int:
    """Lines, sentence ends, numbers and the format's ``markup`` characters in text."""
    return sum(text.count(c) for c in _ELEMENTS + markup + _TWICE) + _NUMBER_RE.subn("", text)[1]


def language_code(value: str, said: str) -> str:
    """``value`` as a well-formed language code (whether a package covers it is the run's question);
    else FormatError: "{said} 'value'; not a language code"."""
    from pipeline.core.languages import normalise, well_formed

    code = normalise(value)
    if not well_formed(code):
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise FormatError(f"{said} {shown!r}; not a language code")
    return code
