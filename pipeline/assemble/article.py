"""The translated article, rendered by its document's format (`articles.registry`) from each
block's translation: text for a text format, bytes for a binary one."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.articles import registry
from pipeline.core.document import Document


def render(doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> str | bytes:
    """Replace the blocks in ``targets`` (block index -> translated text, escaped for the block's
    syntax) and set the declared language to ``target_lang``. With ``wrap``, a translated
    paragraph whose source is hard-wrapped is wrapped to the same width (Markdown)."""
    return registry.get(doc.format).render(doc, targets, target_lang, wrap)
