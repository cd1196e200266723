"""The interface fits a binary format: a file with NUL bytes, read once as bytes, rendered as bytes
and written as they are, with records and `check` as for Markdown. The format here is made up for
the test (lines of UTF-8 after an 8-byte header), so the seam is proven before Word files use it."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from pipeline.articles import registry
from pipeline.articles.base import BinaryFormat, FormatError, Parsed, count_elements
from pipeline.articles.blocks import RawBlock
from pipeline.cli import main
from pipeline.core.document import Document
from pipeline.core.errors import ExitStatus
from pipeline.segment.protect import Text
from tests.helpers import check_states

HEADER = b"LINES\x00\x01\x02"


class Lines(BinaryFormat):
    """Document.text is the text after the header; each non-empty line is a block."""

    name = "lines"
    suffixes = (".lines",)

    def cost(self, content: bytes) -> int:
        return count_elements(content[len(HEADER) :].decode("utf-8", "replace"))

    def parse(self, content: bytes, config) -> Parsed:
        if not content.startswith(HEADER):
            raise FormatError("not a lines file (no header)")
        text = content[len(HEADER) :].decode("utf-8")
        blocks, pos = [], 0
        for line in text.split("\n"):
            if line.strip():
                blocks.append(RawBlock("paragraph", (Text(line),), pos, pos + len(line), syntax="text"))
            pos += len(line) + 1
        return Parsed(tuple(blocks), text=text)

    def render(self, doc: Document, targets: Mapping[int, str], target_lang: str | None = None, wrap: bool = False) -> bytes:
        assert doc.data.startswith(HEADER)  # the file as read, kept on the document
        out, pos = [], 0
        for block in doc.blocks:
            out += [doc.text[pos : block.start], targets.get(block.index, doc.text[block.start : block.end])]
            pos = block.end
        return doc.data[: len(HEADER)] + ("".join(out) + doc.text[pos:]).encode("utf-8")


@pytest.fixture
def lines_format(monkeypatch):
    monkeypatch.setattr(registry, "_BY_NAME", {**registry._BY_NAME, "lines": ((".lines",), f"{__name__}:Lines")})
    monkeypatch.setattr(registry, "_BY_SUFFIX", {**registry._BY_SUFFIX, ".lines": "lines"})
    registry.get.cache_clear()
    yield
    registry.get.cache_clear()


def test_a_binary_format_is_translated_recorded_and_checked_like_markdown(lines_format, argos_env, runner, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    data = HEADER + b"The first report came in the morning.\n\nThe second one came at night.\n"
    (src / "news.lines").write_bytes(data)
    out = tmp_path / "out"
    args = ["translate", str(src / "news.lines"), "--engine", "pseudo", "--from", "en", "--to", "uk", "--out", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    written = (out / "uk/news.lines").read_bytes()
    assert written == HEADER + "⟦uk⟧ The first report came in the morning.\n\n⟦uk⟧ The second one came at night.\n".encode()
    bilingual = json.loads((out / "bilingual/news.en-uk.json").read_text())
    assert [b["source"] for b in bilingual["blocks"]] == ["The first report came in the morning.", "The second one came at night."]
    assert check_states(runner, str(src / "news.lines"), "--out", str(out)) == ["pseudo"]  # as recorded
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and (out / "uk/news.lines").read_bytes() == written
    (src / "news.lines").write_bytes(data.replace(b"second", b"last"))
    assert runner.invoke(main, ["check", str(src / "news.lines"), "--out", str(out)]).exit_code == ExitStatus.NOT_FRESH


def test_a_binary_file_the_format_refuses_is_one_line(lines_format, argos_env, runner, tmp_path):
    (tmp_path / "bad.lines").write_bytes(b"\x00\x00 not a lines file")
    result = runner.invoke(
        main, ["translate", str(tmp_path / "bad.lines"), "--engine", "pseudo", "--from", "en", "--to", "uk", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "bad.lines: not a lines file (no header)" in result.output and "Traceback" not in result.output
