from __future__ import annotations

import codecs
import os
import re
import socket

import pytest

from pipeline.articles.read import NoProse, load
from pipeline.core.config import Config
from pipeline.core.errors import InputError
from pipeline.store import fileio
from pipeline.store.fileio import read_bytes


def write(tmp_path, data: bytes, name="a.md"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"caf\xe9 au lait\n", "not UTF-8 (invalid byte 0xe9 at offset 3)"),
        (codecs.BOM_UTF16_LE + "hello".encode("utf-16-le"), "UTF-16 text (byte order mark); save it as UTF-8"),
        (b"text\x00more", "binary file (NUL byte at offset 4)"),
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"---\ntitle: [oops\n---\nBody text here.\n", "front matter is not valid YAML"),
        (b"---\nlang: 42\n---\nGuten Tag.\n", "not a language code"),
        (b"---\nlang: [en, uk]\n---\nText.\n", "front matter's lang: is list, not a language code"),
        (b"---\nlang: " + b"x" * 5000 + b"\n---\nText.\n", "front matter says lang: '" + "x" * 39 + "…'; not a language code"),
    ],
)
def test_bad_files_are_refused_with_the_file_and_the_reason(tmp_path, data, reason):
    path = write(tmp_path, data)
    with pytest.raises(InputError) as e:
        load(path, "articles/a.md", Config())
    assert str(e.value).startswith("articles/a.md: ")
    assert reason in str(e.value)
    assert "\n" not in str(e.value)


def test_too_large(tmp_path):
    path = write(tmp_path, b"word " * 100)
    with pytest.raises(InputError, match=r"too large \(0\.0 MB; the limit"):
        load(path, "a.md", Config(max_file_bytes=100))


def deny(monkeypatch, *names: str) -> None:
    """chmod 000 does not stop root, who runs CI: simulate EACCES when these files are opened."""
    original = os.open

    def denied(path, *args, **kwargs):
        if os.path.basename(path) in names:
            raise PermissionError(13, "Permission denied", str(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, b"Some text.\n")
    deny(monkeypatch, "a.md")
    with pytest.raises(InputError, match="cannot read: permission denied"):
        load(path, "a.md", Config())


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: os.mkfifo(p), "not a regular file (a FIFO)"),
        (lambda p: p.mkdir(), "not a regular file (a directory)"),
        (lambda p: p.symlink_to("/dev/zero"), "not a regular file (a character device)"),
        (lambda p: socket.socket(socket.AF_UNIX).bind(str(p)), "not a regular file (a socket)"),
    ],
)
def test_only_regular_files_are_read(tmp_path, make, reason):
    path = tmp_path / "a.md"
    make(path)
    with pytest.raises(InputError) as e:
        read_bytes(path, "src/a.md", 1000)  # a FIFO without a writer would block here forever
    assert str(e.value) == f"src/a.md: {reason}"
    with pytest.raises(InputError, match=re.escape(reason)):
        load(path, "src/a.md", Config())


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused_on_the_open_descriptor(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    os.mkfifo(path)
    monkeypatch.setattr("pipeline.store.fileio.not_regular", _regular_first(fileio.not_regular))
    with pytest.raises(InputError, match=r"not a regular file \(a FIFO\)"):
        read_bytes(path, "a.md", 1000)


def _regular_first(check):
    """The first check (before opening) passes; the one on the descriptor is the real one."""
    calls = []

    def patched(mode):
        calls.append(mode)
        return None if len(calls) == 1 else check(mode)

    return patched


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc: a regular file whose stat says 0 bytes")
def test_the_size_limit_counts_bytes_read_not_what_stat_says(tmp_path):
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(InputError, match=r"too large \(more than 0\.0 MB; the limit is 0\.0 MB"):
        read_bytes("/proc/self/status", "status", 10)
    assert len(read_bytes("/proc/self/status", "status", 1_000_000)) > 10


def test_read_bytes_reads_exactly_up_to_the_limit(tmp_path):
    path = write(tmp_path, b"x" * 100)
    assert read_bytes(path, "a.md", 100) == b"x" * 100
    with pytest.raises(InputError, match=r"too large \(0\.0 MB"):
        read_bytes(path, "a.md", 99)
    with pytest.raises(InputError, match="cannot read: No such file or directory"):
        read_bytes(tmp_path / "gone.md", "gone.md", 99)


def test_line_endings_and_bom_are_remembered(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + b"# Title\r\n\r\nText here.\r\n")
    doc = load(path, "a.md", Config())
    assert doc.text == "# Title\n\nText here.\n" and doc.newline == "\r\n" and doc.bom


def test_language_from_flag_then_front_matter_then_detection(tmp_path):
    path = write(tmp_path, b"---\nlang: uk\n---\nHello there, friends.\n")
    assert load(path, "a.md", Config()).source_lang == "uk"
    assert load(path, "a.md", Config(), source_lang="en").source_lang == "en"
    path = write(tmp_path, "Привіт, друзі. Як справи?\n".encode(), "b.md")
    assert load(path, "b.md", Config()).source_lang == "uk"


def test_nothing_to_translate_needs_a_language_from_somewhere(tmp_path):
    path = write(tmp_path, b"---\ntitle: 2023\n---\n")
    with pytest.raises(NoProse):
        load(path, "a.md", Config())
    doc = load(path, "a.md", Config(), default_lang="en")
    assert doc.source_lang == "en" and doc.blocks == ()  # `title: 2023` is a number, not text


def test_plain_text_paragraphs(tmp_path):
    path = write(tmp_path, b"First line\nwrapped here.\n\nSecond paragraph.\n", "a.txt")
    doc = load(path, "a.txt", Config())
    assert doc.format == "text"
    assert [b.source for b in doc.blocks] == ["First line wrapped here.", "Second paragraph."]


@pytest.mark.parametrize(
    ("raw", "text", "newline", "endings"),
    [
        ("a\nb\n", "a\nb\n", "\n", ()),
        ("a\r\nb\r\n", "a\nb\n", "\r\n", ()),
        ("a\rb\r", "a\nb\n", "\r", ()),
        ("a\r\nb\nc\r\n", "a\nb\nc\n", "\r\n", ((3, "\n"),)),
        ("a\nb\r\nc\rd\n", "a\nb\nc\nd\n", "\n", ((3, "\r\n"), (5, "\r"))),
        ("no ending", "no ending", "\n", ()),
    ],
)
def test_line_endings_of_a_file_that_mixes_them(raw, text, newline, endings):
    from pipeline.articles.read import split_line_endings

    assert split_line_endings(raw) == (text, newline, endings)


def test_a_mixed_file_remembers_each_ending(tmp_path):
    doc = load(write(tmp_path, b"# Title\r\n\r\nText here.\ncode\r"), "a.md", Config())
    assert doc.newline == "\r\n" and doc.endings == ((19, "\n"), (24, "\r"))


def test_elements_are_lines_markup_numbers_and_sentence_ends():
    from pipeline.articles import registry

    markdown, text = registry.get("markdown"), registry.get("text")
    assert markdown.cost("Plain words and more words") == 0
    assert markdown.cost("# Title\n\n*a* [b](c) 12 and 3,456.\n- item\n") == 19
    assert text.cost("*a* [b](c)\n") == 2  # plain text: no Markdown syntax


def test_a_file_with_too_many_elements_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    from pipeline.articles import markdown

    path = write(tmp_path, b"| a | b |\n|---|---|\n" + b"| 1 | 2 |\n" * 2000)
    monkeypatch.setattr(markdown, "parse", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(InputError) as e:
        load(path, "t.md", Config(max_file_elements=10_000))
    assert str(e.value) == (
        "t.md: too many elements to translate in one piece (14,016 lines, markup characters, numbers and sentence ends; "
        "the limit is 10,000, see max_file_elements); split it"
    )


def test_json_nested_beyond_the_limit_is_refused_before_parsing():
    from pipeline.store.fileio import load_json

    assert load_json('{"a": "[[[\\"[", "b": [1, [2]]}') == {"a": '[[["[', "b": [1, [2]]}
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        load_json("[" * 200_000 + "]" * 200_000)
    assert load_json("[" * 64 + "]" * 64)


def test_the_message_names_the_limit_that_applies(tmp_path):
    path = tmp_path / "big.xlf"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match=r"the limit is 0\.0 MB\)$"):
        read_bytes(path, "big.xlf", 100, setting="")
