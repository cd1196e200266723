"""The protected pieces of a sentence (code, a link's markup, a number) as the editor shows them:
chips, and the placeholders that stand for them in a target."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.core.document import Segment, Span
from pipeline.core.placeholders import TAG_RE

PAIR_NAMES = {"em": "em", "strong": "strong", "s": "strike", "link": "link", "image": "image"}
MAX_LABEL = 40


@dataclass(frozen=True)
class Chip:
    """A protected piece of a sentence (code, a link's markup, a number) as the editor shows it."""

    tag: str  # "<x1/>", "<g2>", "</g2>": what it stands for in the placeholder form
    kind: str  # the span's kind: code, url, quantity, em, link...
    label: str
    title: str  # the Markdown it stands for


def chips(seg: Segment, render: Callable[[Span], str]) -> tuple[Chip, ...]:
    """The chips of a sentence's protected pieces, labelled as the translation will show them."""
    out = []
    for n, span in enumerate(seg.spans, 1):
        if span.paired:
            name = PAIR_NAMES.get(span.kind, span.kind)
            title = f"{span.source}…{span.close}"
            out.append(Chip(f"<g{n}>", span.kind, f"⟨{name}", title))
            out.append(Chip(f"</g{n}>", span.kind, f"{name}⟩", title))
        else:
            out.append(Chip(f"<x{n}/>", span.kind, _label(span, render), span.source))
    return tuple(out)


def _label(span: Span, render: Callable[[Span], str]) -> str:
    if span.kind == "break":
        return "↵"
    if span.kind == "code":
        text = span.source.strip("`")
        text = text[1:-1] if len(text) > 2 and text[0] == text[-1] == " " else text
    elif span.kind in ("quantity", "term"):
        try:
            text = render(span)
        except Exception:  # a value the locale cannot write: the article keeps the source's
            text = span.source
    else:
        text = span.source
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def canonical_tag(m: re.Match[str]) -> str:
    """A placeholder as the editor writes it, whatever spacing or case an engine gave it."""
    n = int(m.group(3))
    if m.group(2).lower() == "x":
        return f"<x{n}/>"
    return f"</g{n}>" if m.group(1) else f"<g{n}>"


def tags(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical tag) of each placeholder in text."""
    return [(m.start(), m.end(), canonical_tag(m)) for m in TAG_RE.finditer(text)]
