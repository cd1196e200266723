"""The hashes that name texts and files, defined once: the records, the memory and the exchange
files all key sentences by them."""

from __future__ import annotations

import functools
import hashlib


@functools.lru_cache(maxsize=16384)  # a run looks each sentence up ~16 times (lookups, records, memory)
def text_hash(text: str) -> str:
    """A sentence's key: the first 128 bits of the SHA-256 of its text with placeholders."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
