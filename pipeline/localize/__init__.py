"""Quantities (numbers, percentages, money, units, dates, times): found in the source language's
conventions, kept away from the translation model as atoms, written for the target locale by CLDR."""

from __future__ import annotations

from pipeline.localize.quantities import Quantity, find, scanner
from pipeline.localize.render import locale_for, render

__all__ = ["Quantity", "find", "locale_for", "render", "scanner"]


def renderer(locale: str):
    """How atoms are written in a translation into ``locale``: quantities by Babel, enforced glossary
    terms as the glossary says, everything else exactly as in the source."""
    from pipeline.localize import glossary

    def render_atom(span) -> str:
        if span.kind == "quantity":
            return render(span.value, locale)
        if span.kind == "term":
            return glossary.render(span)
        return span.source

    return render_atom
