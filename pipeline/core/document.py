"""The data that flows through the pipeline: small frozen dataclasses, no behaviour beyond accessors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.core.flags import Ack
from pipeline.core.identity import MACHINE


@dataclass(frozen=True)
class Span:
    """Something inside a sentence that the engine must not translate.

    An atom (code, URL, raw HTML, a shortcode, a number...) stands in the text as ``<xN/>``; a pair
    (emphasis, a link, an image) wraps translated text as ``<gN>...</gN>``. ``source`` is the exact
    Markdown of the atom or of the pair's opening, ``close`` the pair's closing Markdown.
    """

    kind: str
    source: str
    close: str | None = None  # None for atoms
    value: Any = None  # for quantities: what localize renders in the target locale

    @property
    def paired(self) -> bool:
        return self.close is not None


@dataclass(frozen=True)
class Segment:
    """One sentence as the engine sees it: text with placeholders numbered from 1 within the sentence."""

    text: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Block:
    """A unit of the article's structure: a heading, a paragraph, a list item, a table cell...

    ``start``/``end`` delimit the text the translation replaces in ``Document.text``; everything
    outside the blocks' regions is copied to the translated article unchanged.
    """

    index: int
    kind: str  # heading | paragraph | list_item | blockquote | table_cell | footnote | front_matter
    source: str  # the block's text as written (soft line breaks joined)
    segments: tuple[Segment, ...]
    start: int
    end: int
    # how translated text is escaped (its format's escape): markdown | table | text, a front matter
    # value: yaml | toml | json, HTML: html | attr" | attr' | attr (an attribute value and its quotes)
    syntax: str = "markdown"
    keep: bool = False  # copied as is (no words, or already in the target language)
    flags: tuple[str, ...] = ()
    key: str = ""  # front matter key, for kind == front_matter
    lang: str | None = None  # set when the block is in another language than its document


@dataclass(frozen=True)
class Document:
    """An article as read. Its blocks' regions index ``text``: for a text format the file's text
    ("\\n" line endings), for a binary format the text its format makes of its parts (see
    `articles.base.ArticleFormat`), whose bytes are ``data``."""

    path: str  # relative POSIX path inside the source folder
    text: str  # normalised to "\n" line endings
    format: str  # its format's name in articles.registry: markdown | text | ...
    source_lang: str
    blocks: tuple[Block, ...]
    newline: str = "\n"  # the file's own line ending, restored on output
    # Line endings other than ``newline`` (a file mixing them): (offset of its "\n" in ``text``, the
    # ending as written), in order. Outside translated regions each is written back as it was.
    endings: tuple[tuple[int, str], ...] = ()
    bom: bool = False
    lang_field: tuple[int, int] | None = None  # where the file declares its language (`lang:`), rewritten on output
    sha256: str = ""  # of the file's bytes as read
    data: bytes = b""  # a binary format's file as read (rendering rewrites it); b"" for a text format


@dataclass(frozen=True)
class SentencePair:
    source: str
    target: str
    flags: tuple[str, ...] = ()
    id: str = ""  # stable: "s<block>-<sentence>-<hash of the source>", used by export and import
    origin: str = MACHINE  # identity.ORIGINS: machine | human (an editor's correction) | kept (not translated)
    suggestion: tuple[str, str] | None = None  # (source, target) of an earlier human translation
    review_of: str = ""  # with a suggestion: the hash of the source sentence the editor translated
    details: tuple[str, ...] = ()  # what each problem flag is about: "number-missing: 2.5 km"
    acks: tuple[Ack, ...] = ()  # flags an editor acknowledged for this very translation


@dataclass(frozen=True)
class AlignedBlock:
    index: int
    kind: str
    source: str
    target: str
    flags: tuple[str, ...]
    sentences: tuple[SentencePair, ...]
    key: str = ""


@dataclass(frozen=True)
class TranslatedDocument:
    document: Document
    target_lang: str
    engine: str
    model: str  # package name, e.g. "translate-en_uk"
    model_version: str  # package version, e.g. "1.4"
    blocks: tuple[AlignedBlock, ...]
    text: str | bytes  # the translated article: str from a text format (written as UTF-8), bytes from a binary one
    settings: dict[str, Any] = field(default_factory=dict)
