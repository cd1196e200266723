"""The fidelity check on every machine-translated sentence: numbers and glossary terms.

Quantities (numbers, dates, amounts, units) and enforced glossary terms go through the engine as
placeholders and are rendered by Babel and the glossary afterwards, so a dropped one is put back,
but the sentence is flagged: the engine lost it, and where it belongs is a reviewer's call. Digits
the engine wrote that the source does not have (or lost from plain text, like years) are flagged
too, and so is a checked glossary term absent from the translation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pipeline.core import flags
from pipeline.core.document import Segment
from pipeline.core.placeholders import TAG_RE
from pipeline.localize.glossary import Term, satisfied

_DIGITS = re.compile(r"\d+")


def check(segment: Segment, missing: Sequence[int], output: str, translation: str, terms: Sequence[Term] = ()) -> set[str]:
    """Flags for one sentence. ``missing``: the atoms the engine lost (numbers in the segment);
    ``output``: the engine's text with placeholders; ``translation``: the final sentence;
    ``terms``: the checked glossary terms its source contains."""
    return set(details(segment, missing, output, translation, terms))


def details(segment: Segment, missing: Sequence[int], output: str, translation: str, terms: Sequence[Term] = ()) -> dict[str, list[str]]:
    """Each flag with what it is about (which number, which term, which placeholder)."""
    found: dict[str, list[str]] = {}

    def add(flag: str, what: str) -> None:
        found.setdefault(flag, [])
        if what not in found[flag]:
            found[flag].append(what)

    for n, span in enumerate(segment.spans, 1):
        lost = n in missing
        if span.kind == "quantity":
            if lost:
                add(flags.NUMBER_MISSING, span.source)
            if not span.value.valid:
                add(flags.NUMBER_UNPARSED, span.source)
        elif span.kind == "term" and span.value is not None:
            if lost:
                add(flags.GLOSSARY, f"{span.source} → {span.value.target}")
        elif lost:
            add(flags.PLACEHOLDER_RESTORED, span.source)
    source_found = _DIGITS.findall(TAG_RE.sub(" ", segment.text))
    output_found = _DIGITS.findall(TAG_RE.sub(" ", output))
    if source_found or output_found:  # most sentences have none: no Counters to compare
        source_digits, output_digits = Counter(source_found), Counter(output_found)
        for digits in sorted(output_digits - source_digits):
            add(flags.NUMBER_CHANGED, digits)
        for digits in sorted(source_digits - output_digits):
            add(flags.NUMBER_MISSING, digits)
    for term in terms:
        if not satisfied(term, translation):
            add(flags.GLOSSARY, f"{term.source[0]} → {term.target}")
    return found
