"""Bilingual exchange files for editors: XLIFF 2.0, TMX 1.4 and PO.

One file holds one article's segments in one language pair. Editors fix the
targets in a CAT tool or a text editor and the file is read back. This package
only converts between those files and plain data (`Exchange`); mapping units to
the translation memory and deciding what an edit means is the caller's job.

Files come back from outside, so every reader treats its input as hostile: a
size cap, no DOCTYPE at all (nothing to expand or fetch), the parser's own depth
and text limits, and one `ExchangeError` with a one-line reason for anything
that is not a well-formed exchange file (not XML, a DOCTYPE, the wrong root,
version or namespace, missing languages, not one `<file>`, a missing or repeated
unit id). A problem confined to one unit (a bad character reference, an unknown
inline element or code, an unknown state, a broken target) costs only that unit:
it comes back with `Unit.error` set and its target empty, its neighbours intact.

Units carry text in the pipeline's placeholder syntax (`<x1/>`, `<g2>...</g2>`)
and the codes its tags stand for; each format writes those as its own inline
codes (see `codes`).

The code lives in `base` (the data and the readers' shared checks), `codes`
(placeholder text and codes), `registry` (formats by name, detection) and one
module per format; this module only re-exports their names.
"""

from pipeline.formats.base import (
    MAX_BYTES,
    STATES,
    XML_INVALID,
    Exchange,
    ExchangeError,
    Unit,
    check_ids,
    check_size,
    check_state,
    code_point,
    first_duplicate,
    indent,
    label,
    local_name,
    normalise_lang,
    parse_xml,
    require_lang,
    serialize_xml,
    set_content,
    xml_root_name,
    xml_safe,
)
from pipeline.formats.codes import Code, Piece, from_pieces, to_pieces
from pipeline.formats.registry import FORMATS, SUFFIXES, detect, read, write

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "STATES",
    "SUFFIXES",
    "Code",
    "Exchange",
    "ExchangeError",
    "Piece",
    "Unit",
    "detect",
    "from_pieces",
    "normalise_lang",
    "read",
    "to_pieces",
    "write",
]
# The formats' shared helpers, importable from here as before the split into modules.
__all__ += [
    "XML_INVALID",
    "check_ids",
    "check_size",
    "check_state",
    "code_point",
    "first_duplicate",
    "indent",
    "label",
    "local_name",
    "parse_xml",
    "require_lang",
    "serialize_xml",
    "set_content",
    "xml_root_name",
    "xml_safe",
]
