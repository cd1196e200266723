"""Placeholder text taken apart and put back, codes, and the checks a Unit makes of them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.placeholders import TAG_RE
from pipeline.formats import Code, Unit, from_pieces, to_pieces
from pipeline.formats.codes import AtomTag, CloseTag, OpenTag, Text, canonical, code_problem, shorten
from pipeline.segment import protect

FAST = settings(max_examples=200, deadline=None)


def test_pieces_of_placeholder_text():
    assert to_pieces("Read <g1>the <x2/> docs</g1>.") == (
        Text("Read "),
        OpenTag(1),
        Text("the "),
        AtomTag(2),
        Text(" docs"),
        CloseTag(1),
        Text("."),
    )
    assert to_pieces("") == ()
    assert to_pieces("<x1/><x2/>") == (AtomTag(1), AtomTag(2))


def test_tags_as_engines_and_editors_write_them_are_read_as_the_masker_reads_them():
    assert to_pieces("< x 1 / >") == (AtomTag(1),)
    assert to_pieces("<X1>") == to_pieces("</x1>") == (AtomTag(1),)  # an x tag is an atom in any form
    assert to_pieces("<G2>a</ g2>") == (OpenTag(2), Text("a"), CloseTag(2))
    assert to_pieces("<g0003/>") == (OpenTag(3),)  # restore() also opens on "<g3/>"
    assert canonical("< X 01 />, <G2>a</ g 2 >") == "<x1/>, <g2>a</g2>"


def test_the_same_pattern_as_the_masker():
    assert TAG_RE.pattern == protect.TAG_RE.pattern


def test_a_tag_typed_as_text_is_written_as_the_masker_writes_it():
    assert from_pieces([Text("type <x1/> or </g2> here")]) == "type \u2039x1/> or \u2039/g2> here"
    # two text pieces cannot spell a tag between them
    assert from_pieces([Text("<x"), Text("1/>"), AtomTag(1)]) == "\u2039x1/><x1/>"
    assert to_pieces(from_pieces([Text("<x"), Text("1/>")])) == (Text("\u2039x1/>"),)


TAGS = st.builds(AtomTag, st.integers(0, 9999)) | st.builds(OpenTag, st.integers(0, 9999)) | st.builds(CloseTag, st.integers(0, 9999))
PIECES = st.lists(st.builds(Text, st.text(st.sampled_from("<>/ xXgG01\u2039a"), min_size=1)) | TAGS, max_size=12)


def _expected(pieces):
    """Pieces as they come back: adjacent text joined, a tag in text with U+2039 for its '<'."""
    out = []
    for piece in pieces:
        if isinstance(piece, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + piece.text)
        else:
            out.append(piece)
    return tuple(Text(TAG_RE.sub(lambda m: "\u2039" + m.group(0)[1:], p.text)) if isinstance(p, Text) else p for p in out)


@FAST
@given(pieces=PIECES)
def test_pieces_survive_building_and_parsing(pieces):
    text = from_pieces(pieces)
    back = to_pieces(text)
    assert back == _expected(pieces)
    assert from_pieces(back) == text


@FAST
@given(text=st.text(st.sampled_from("<>/ xXgG0123\u2039a\n")))
def test_canonical_text_is_stable(text):
    assert canonical(canonical(text)) == canonical(text)
    assert len(TAG_RE.findall(canonical(text))) == len(TAG_RE.findall(text))


def test_codes_are_checked_when_built():
    assert Code(1, "code", "`x`").paired is False
    assert Code(2, "strong", "**", "**").paired is True
    for bad in (0, 10_000, -1):
        with pytest.raises(ValueError, match="between 1 and 9999"):
            Code(bad, "code", "`x`")
    with pytest.raises(TypeError):
        Code(True, "code", "`x`")
    with pytest.raises(TypeError):
        Code(1, "code", None)
    with pytest.raises(ValueError, match="kind"):
        Code(1, "two words", "`x`")


LINK = Code(1, "link", "[", "](https://example.com)")
CODE = Code(2, "code", "`x`")


@pytest.mark.parametrize(
    ("source", "target", "codes", "problem"),
    [
        ("<g1>a</g1> <x2/>", "<x2/> <g1>b</g1>", (LINK, CODE), ""),
        ("<g1>a</g1> <x2/>", "", (CODE, LINK), ""),
        ("<g1>a</g1> <x2/> <x2/>", "<g1><g1>b</g1>", (LINK, CODE), ""),  # repeated or unbalanced: still text
        ("plain", "plain", (), ""),
        ("<x3/>", "", (), "the source has the tag <x3/>, but the unit has no code 3"),
        ("<x1/>", "", (LINK,), "the source has the tag <x1/>, but code 1 is a pair"),
        ("<g2>a</g2>", "", (CODE,), "the source has the tag <g2>, but code 2 is an atom"),
        ("<x2/>", "<x2/> <x7/>", (CODE,), "the target has the tag <x7/>, but the source has no code 7"),
        ("<x2/>", "", (CODE, LINK), "code 1 is not used in the source"),
        ("<x2/>", "<g1>a</g1>", (CODE, LINK), "the target has the tag <g1>, but the source has no code 1"),
        ("<x2/>", "", (CODE, Code(2, "url", "u")), "two codes are numbered 2"),
    ],
)
def test_a_units_codes_must_describe_its_tags(source, target, codes, problem):
    assert code_problem(source, target, codes) == problem
    if problem:
        with pytest.raises(ValueError, match="unit 'a': " + problem.replace("(", r"\(")):
            Unit("a", source, target, codes=codes)
        assert Unit("a", source, "", codes=codes, error="broken").error == "broken"  # an error unit is not checked
    else:
        assert Unit("a", source, target, codes=codes).codes == tuple(sorted(codes, key=lambda code: code.n))


def test_units_without_codes_are_as_before():
    unit = Unit("a", "x", "y")
    assert (unit.codes, unit.error, unit.state, unit.note) == ((), "", "translated", "")


def test_shorten():
    assert shorten("`print()`") == "`print()`"
    assert shorten("a\n  b\tc") == "a b c"
    assert shorten("x" * 50, 10) == "x" * 9 + "…"
