"""Plain text under the article-format contract."""

from __future__ import annotations

from tests.articles.test_contract import FormatContract


class TestTextContract(FormatContract):
    name = "text"
    samples = {
        "note.txt": b"A first paragraph of plain text, with *stars* that are no markup.\n\nA second one: 60,000 people.\n",
        "old.text": "\ufeffA text written on Windows.\r\n\r\nIts second paragraph.\r\n".encode(),
    }
    translatable = {"note.txt": ("A first paragraph of plain text, with *stars* that are no markup.", "A second one:")}
    untouched: dict = {}
    hostile = (
        ("utf16.txt", "\ufeffhello".encode("utf-16-le"), "UTF-16 text (byte order mark); save it as UTF-8"),
        ("latin1.txt", b"caf\xe9 au lait\n", "not UTF-8 (invalid byte 0xe9 at offset 3)"),
        ("empty.txt", b"  \n\n", "empty file"),
    )
    costly = ("lines.txt", b"Line.\n" * 400)
    declared = None
    edit = ("note.txt", "A second one", "A changed second one")
