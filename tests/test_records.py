"""The record's block matching: difflib's answer, without its quadratic cases."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.store import records, sidecar

BLOCKS = st.lists(st.sampled_from("abcde"), max_size=14)


def rebuilt(old, new, ops):
    out = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
        out += new[j1:j2]
    return out


@given(BLOCKS, BLOCKS)
def test_opcodes_turn_the_old_blocks_into_the_new_ones(old, new):
    ops = records.block_opcodes(old, new)
    assert rebuilt(old, new, ops) == new
    assert [o[1] for o in ops] == sorted(o[1] for o in ops) and (not ops or ops[-1][2] == len(old))


def test_thousands_of_identical_blocks_are_matched_by_their_ends_and_positions():
    old = ["same"] * (records.MATCH_LIMIT + 500)
    new = old[:100] + ["new"] + old[100:]
    ops = records.block_opcodes(old, new)
    assert rebuilt(old, new, ops) == new
    assert ("equal", 0, 100, 0, 100) in ops  # the common beginning stays equal: no correction moves


def test_a_sidecar_keeps_one_output_per_line_whatever_its_name(tmp_path):
    """Names with a newline or a backslash are escaped as GNU sha256sum does, so a line is an output."""
    from pipeline.store.layout import Layout

    names = ("uk/two\nlines.md", "uk/back\\slash.md", "uk/plain.md")
    record = records.Record("../src", "a.md", "en", "uk", "0" * 64, names[0], (), tuple((n, "a" * 64) for n in names))
    file = Layout(tmp_path).record("uk", "a.md")
    file.parent.mkdir(parents=True)
    file.write_text(records.dump(record))
    Layout.sums(file).write_text(sidecar.dump(record))
    assert len(Layout.sums(file).read_text().splitlines()) == 3 + 2  # three outputs, two counts
    assert records.load(file).outputs == record.outputs


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # any text JSON can hold, quotes and controls too


@st.composite
def sentences(draw):
    from pipeline.core.flags import Ack
    from pipeline.core.identity import ModelId

    pair = st.tuples(TEXT, TEXT)
    return records.Sentence(
        draw(st.sampled_from(["0" * 64, "ab" * 32])),
        draw(st.sampled_from(["machine", "human", "kept"])),
        draw(st.none() | TEXT),
        draw(st.none() | st.builds(ModelId, st.sampled_from(["argos", "pseudo"]), TEXT)),
        tuple(draw(st.lists(TEXT, max_size=2))),
        draw(st.none() | pair),
        draw(TEXT),
        draw(st.none() | pair),
        tuple(draw(st.lists(st.builds(Ack, TEXT, TEXT, TEXT, TEXT), max_size=2))),
        tuple(draw(st.lists(st.builds(records.Change, TEXT, TEXT, TEXT, TEXT), max_size=2))),
        draw(st.none() | pair),
    )


@given(st.lists(st.lists(sentences(), max_size=3), max_size=3), st.lists(sentences(), max_size=2), TEXT)
def test_a_record_is_written_as_compact_json_a_sentence_a_line(blocks, pieces, article):
    # the record is written from templates (not json.dumps per value): every sentence line must
    # still be exactly json.dumps's compact form of what it holds, for any text
    import dataclasses
    import json

    record = records.Record("../src", "a.md", "en", "uk", "0" * 64, article, tuple(("1" * 64, tuple(b)) for b in blocks))
    record = dataclasses.replace(record, pieces=tuple(pieces))
    for inline in (False, True):
        text = records.dump(record, inline)
        json.loads(text)  # the whole is JSON
        for line in text.split("\n"):  # (not splitlines: U+0085 and U+2028 are no line ends in JSON)
            body = line.strip().removesuffix(",")
            if body.startswith('{"h":'):
                assert body == json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
