from __future__ import annotations

import codecs

import pytest

from pipeline.config import Config
from pipeline.errors import InputError
from pipeline.read import NoProse, load


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


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, b"Some text.\n")

    def denied(self):  # chmod 0 does not stop root, who runs CI: simulate EACCES
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_bytes", denied)
    with pytest.raises(InputError, match="cannot read: permission denied"):
        load(path, "a.md", Config())


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
