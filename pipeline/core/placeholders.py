"""The placeholder syntax, defined once: inside a sentence an atom (code, a URL, a number...) is
`<xN/>` and paired markup (emphasis, a link) wraps its text in `<gN>...</gN>`, N counted from 1
within the sentence. The masker writes it (segment/protect.py), engines see it, exchange files
carry it as their own inline codes (formats/codes.py), the review app shows it as chips."""

from __future__ import annotations

import re

# Tolerant of what engines and editors do to tags: "< x 1 / >", "<X1/>", "</ g2>".
TAG_RE = re.compile(r"<\s*(/?)\s*([xXgG])\s*(\d{1,4})\s*(/?)\s*>")
MAX_CODE = 9999  # four digits, as TAG_RE reads them


def atom(n: int) -> str:
    return f"<x{n}/>"


def opening(n: int) -> str:
    return f"<g{n}>"


def closing(n: int) -> str:
    return f"</g{n}>"
