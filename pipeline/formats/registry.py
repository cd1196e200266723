"""The formats by name and suffix: write, read and detect by content."""

from __future__ import annotations

import re
from pathlib import PurePath

import pipeline.formats.po as po
import pipeline.formats.tmx as tmx
import pipeline.formats.xliff as xliff
from pipeline.formats.base import Exchange, ExchangeError, check_size, xml_root_name

FORMATS = {"xliff": xliff, "tmx": tmx, "po": po}  # name -> module with SUFFIX, write(), read()
SUFFIXES = {name: module.SUFFIX for name, module in FORMATS.items()}  # name -> ".xlf", ".tmx", ".po"
_BY_SUFFIX = {**{suffix: name for name, suffix in SUFFIXES.items()}, ".xliff": "xliff", ".pot": "po"}


def write(exchange: Exchange, fmt: str) -> bytes:
    """The file's content; ValueError for a unit read with an error, whose text is not the unit's."""
    module = _module(fmt)
    broken = next((unit for unit in exchange.units if unit.error), None)
    if broken is not None:
        raise ValueError(f"unit {broken.id!r} was read with an error and cannot be written: {broken.error}")
    return module.write(exchange)


def read(data: bytes, fmt: str | None = None, name: str = "") -> Exchange:
    """An exchange file's content; `fmt` None: detected from the content, the name's suffix as a hint."""
    check_size(data)
    data = bytes(data)
    return _module(fmt or detect(data, name)).read(data)


def detect(data: bytes, name: str = "") -> str:
    """'xliff', 'tmx' or 'po' from the content; the name's suffix decides only when the content does not."""
    check_size(data)
    data = bytes(data)
    if _looks_like_xml(data):
        root = xml_root_name(data).rpartition("}")[2]
        if root in ("xliff", "tmx"):
            return root
        raise ExchangeError(f"unknown XML root element <{root}>; expected <xliff> or <tmx>")
    if re.search(rb'^[ \t]*msgid[ \t]+"', data, re.MULTILINE):
        return "po"
    hinted = _BY_SUFFIX.get(PurePath(name).suffix.lower()) if name else None
    if hinted:
        return hinted
    raise ExchangeError("cannot tell the format: not XLIFF 2, TMX 1.4 or PO")


def _looks_like_xml(data: bytes) -> bool:
    # A UTF-16 byte order mark, or '<' after an optional UTF-8 one and white space.
    return re.match(rb"\xff\xfe|\xfe\xff|(?:\xef\xbb\xbf)?\s*<", data) is not None


def _module(fmt: str):
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown exchange format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
