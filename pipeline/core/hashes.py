"""The hashes that name texts and files, defined once: the records, the memory and the exchange
files all key sentences by them."""

from __future__ import annotations

import hashlib


def text_hash(text: str) -> str:
    """A sentence's key: the first 128 bits of the SHA-256 of its text with placeholders."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
