"""Quantities (numbers, percentages, money, units, dates, times): found in the source language's
conventions, kept away from the translation model as atoms, written for the target locale by CLDR."""

from __future__ import annotations

from pipeline.core.locales import locale_for
from pipeline.localize.quantities import Quantity, find, scanner
from pipeline.localize.render import render, renderer

__all__ = ["Quantity", "find", "locale_for", "render", "renderer", "scanner"]
