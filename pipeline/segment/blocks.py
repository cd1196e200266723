"""Raw blocks -> Blocks of sentences with placeholders, ready for an engine."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.articles.blocks import RawBlock
from pipeline.core import flags
from pipeline.core.document import Block
from pipeline.segment import sentences
from pipeline.segment.detect import block_language
from pipeline.segment.protect import Atom, Close, Open, Scanner, Text, has_words, mask, renumber, scan_text, urls

# Placeholders are numbered through the block and read with four digits (protect.TAG_RE): a block
# holding more spans could not be put back together, so it is kept as it is and flagged.
MAX_SPANS = 9999


def build_blocks(raw: Sequence[RawBlock], lang: str, scanners: Sequence[Scanner] = (), expected: Sequence[str] = ()) -> tuple[Block, ...]:
    blocks = []
    for index, rb in enumerate(raw):
        runs = scan_text(rb.runs, scanners)
        masked, spans = mask(runs)
        segments = tuple(renumber(s, spans) for s in sentences.split(masked, lang))
        text = "".join(r.text for r in runs if isinstance(r, Text))
        block_lang = block_language(text, lang, tuple(expected) or ("en", "uk"))
        mapped = rb.mapped and len(spans) <= MAX_SPANS
        found = () if mapped else (flags.UNSUPPORTED_MARKUP,)
        blocks.append(
            Block(
                index=index,
                kind=rb.kind,
                source=_source(runs),
                segments=segments,
                start=rb.start,
                end=rb.end,
                syntax=rb.syntax,
                # without words, a block still needs its numbers localised; else it is copied
                keep=not mapped or not (has_words(masked) or any(s.kind == "quantity" for s in spans)),
                flags=found,
                key=rb.key,
                lang=block_lang if block_lang != lang else None,
            )
        )
    return tuple(blocks)


def prose(raw: Sequence[RawBlock]) -> str:
    """The text of the blocks without code, URLs or markup: what language detection should see."""
    runs = scan_text((r for rb in raw for r in (*rb.runs, Text(" "))), [urls])
    return "".join(r.text for r in runs if isinstance(r, Text))


def _source(runs) -> str:
    return "".join(r.text if isinstance(r, Text) else r.source for r in runs if isinstance(r, (Text, Atom, Open, Close))).strip()
