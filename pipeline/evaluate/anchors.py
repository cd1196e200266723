"""What the aligner knows of a sentence: its length and the anchors both languages share.

Anchors are what the pipeline finds anyway and a translation keeps: numbers (by value, so
"11 тисяч" and "11,000", "03.12.2023" and "December 3, 2023" agree), URLs, code, link targets,
glossary terms, Latin words in Cyrillic text, names compared by their consonants across scripts
("Sturridge" and "Старрідж"), and questions, exclamations and quotation marks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.core.document import Segment
from pipeline.core.placeholders import TAG_RE

STRONG_BONUS = 2.0  # per shared number, URL, code span or link target (in -log probability units)
WEAK_BONUS = 0.7  # per shared Latin word or glossary term
STRONG_MISS = 1.0  # per number, URL, code span or link target on one side of a pair only
NAME_BONUS = 1.5  # per shared name, Latin or Cyrillic, compared by its consonants
MARK_BONUS = 0.5  # per question or exclamation mark, quotation opened or closed, on both sides
MARK_MISS = 0.5  # per one on one side only
# the same marks in both languages' typography: «» and “” and „“ open and close alike
_MARKS = {"?": "?", "!": "!", "«": "(", "“": "(", "„": "(", "»": ")", "”": ")", '"': '"'}

_NUMBER_RE = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_SLASH_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(?:\d{4}|\d{2})(?![\d/])")
_URL_RE = re.compile(r"https?://[^\s)>\]]+")
_CODE_RE = re.compile(r"`[^`\n]+`")
_LATIN_RE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9_+#./-]*[A-Za-z0-9+#]|(?<![\w-])[A-Z](?![\w-])")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_SPACE_RE = re.compile(r"\s+")
_CAPITALISED_RE = re.compile(r"(?<![\w'’])[A-ZА-ЯІЇЄҐ][a-zа-яіїєґ'’]+")

# Ukrainian letters in Latin (the 2010 national system, enough for names); "дж" is one sound.
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "h",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "ie",
        "ж": "zh",
        "з": "z",
        "и": "y",
        "і": "i",
        "ї": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ь": "",
        "ю": "iu",
        "я": "ia",
        "'": "",
        "’": "",
    }
)
_SOUNDS = [
    ("shch", "s"),
    ("sch", "s"),
    ("ch", "k"),
    ("sh", "s"),
    ("zh", "j"),
    ("kh", ""),
    ("ts", "s"),
    ("ph", "f"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("w", "v"),
    ("c", "k"),
    ("g", ""),
    ("h", ""),
]
_VOWELS_RE = re.compile(r"[aeiouy'’]")
_DOUBLE_RE = re.compile(r"(.)\1+")


def name_key(word: str) -> str:
    """A name by its first three consonants, the same for "Sturridge" and "Старрідж", "Peter Jones" and
    "Пітер Джонс"; "" when too short to tell names apart."""
    w = word.casefold().replace("дж", "j").translate(_TRANSLIT)
    for a, b in _SOUNDS:
        w = w.replace(a, b)
    w = _DOUBLE_RE.sub(r"\1", _VOWELS_RE.sub("", w))
    return w[:3] if len(w) >= 3 else ""


# --- sentences as the aligner sees them ------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A sentence (or any span of text) to align: its length in characters and its anchors."""

    length: int
    strong: Counter = field(default_factory=Counter)
    weak: Counter = field(default_factory=Counter)
    names: Counter = field(default_factory=Counter)
    marks: Counter = field(default_factory=Counter)  # questions, exclamations, quotation marks


def words_of(segment: Segment) -> str:
    """A segment's words: placeholders out, spaces folded."""
    return _SPACE_RE.sub(" ", TAG_RE.sub(" ", segment.text)).strip()


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def quantity_anchor(span) -> str:
    """A quantity as both languages write it: a date by its day and month ("03.12.2023" and
    "December 3, 2023"), an amount by its value ("11 тисяч" and "11,000"), else its digits."""
    q = span.value
    if getattr(q, "valid", False):
        if q.kind == "date" and q.date:
            return f"#d{q.date[1]}-{q.date[2]}"
        if q.kind in ("number", "percent", "money", "unit") and q.value is not None and q.value == q.value.to_integral_value():
            return "#" + str(int(q.value))
    digits = _digits(span.source)
    return "#" + digits if digits else ""


def unit_of_text(text: str, spans: Sequence = ()) -> Unit:
    """Length and anchors of a sentence: numbers (as digits, so 1,100 and 1 100 agree), URLs, code,
    link targets and atoms from ``spans``, and Latin names (in a mostly Cyrillic sentence every
    Latin word is one; in a Latin one, capitalised words after the first)."""
    words = _SPACE_RE.sub(" ", TAG_RE.sub(" ", text)).strip()
    strong: Counter = Counter()
    weak: Counter = Counter()
    for span in spans:
        if span.kind == "quantity":
            key = quantity_anchor(span)
            if key:
                strong[key] += 1
        elif span.kind == "term":
            # a kept name is itself on both sides; an enforced term is keyed by its pair of forms,
            # which both languages' scanners find (each glossary entry works both ways)
            other = getattr(span.value, "target", None)
            forms = sorted({span.source.casefold(), str(other).casefold()}) if other else [span.source.casefold()]
            weak["t:" + "|".join(forms)] += 1
        elif span.paired:
            if span.close and "](" in span.close:
                strong["l:" + span.close] += 1  # a link's target
        elif span.kind != "break":
            strong["a:" + span.source] += 1
    for m in _URL_RE.finditer(words):
        strong["a:" + m.group(0)] += 1
    for m in _CODE_RE.finditer(words):
        strong["a:" + m.group(0)] += 1
    stripped = _CODE_RE.sub(" ", _URL_RE.sub(" ", words))
    for m in _SLASH_DATE_RE.finditer(stripped):  # "11/03/2023": which of its numbers is the month is not known
        a, b = int(m.group(1)), int(m.group(2))
        strong.update({f"#d{x}-{y}" for x, y in ((a, b), (b, a)) if 1 <= x <= 12 and 1 <= y <= 31})
    for m in _NUMBER_RE.finditer(_SLASH_DATE_RE.sub(" ", stripped)):
        strong["#" + _digits(m.group(0))] += 1
    cyrillic = len(_CYRILLIC_RE.findall(stripped)) * 2 > len(_LETTER_RE.findall(stripped))
    for m in _LATIN_RE.finditer(stripped):
        token = m.group(0)
        if len(token) < 2:
            continue
        if cyrillic or (m.start() > 0 and (token[0].isupper() or any(c.isdigit() for c in token))):
            weak["w:" + token.casefold()] += 1
    names = Counter(k for k in (name_key(m.group(0)) for m in _CAPITALISED_RE.finditer(stripped)) if k)
    marks = Counter(_MARKS.get(c, "") for c in stripped if c in _MARKS)
    return Unit(len(stripped.replace(" ", "")), strong, weak, names, marks)


def unit_of(segment: Segment) -> Unit:
    return unit_of_text(segment.text, segment.spans)


def merge(units: Sequence[Unit]) -> Unit:
    if len(units) == 1:
        return units[0]
    strong: Counter = Counter()
    weak: Counter = Counter()
    names: Counter = Counter()
    marks: Counter = Counter()
    for u in units:
        strong.update(u.strong)
        weak.update(u.weak)
        names.update(u.names)
        marks.update(u.marks)
    return Unit(sum(u.length for u in units), strong, weak, names, marks)


def anchor_bonus(a: Unit, b: Unit) -> float:
    shared_strong = sum((a.strong & b.strong).values())
    shared_weak = sum((a.weak & b.weak).values())
    shared_names = sum((a.names & b.names).values())
    # only in a pair: a sentence left without a translation (1-0, 0-1) does not pay for its anchors
    missed = sum((a.strong - b.strong).values()) + sum((b.strong - a.strong).values())
    marks = sum((a.marks & b.marks).values()) * MARK_BONUS - MARK_MISS * sum(((a.marks - b.marks) + (b.marks - a.marks)).values())
    return STRONG_BONUS * shared_strong + WEAK_BONUS * shared_weak + NAME_BONUS * shared_names - STRONG_MISS * missed + marks
