"""What every article format guarantees, as Translate Toolkit's test_base.py does for its stores:
each format's tests subclass FormatContract with samples of its own, and every test below runs on
them (tests/articles/test_markdown_format.py, test_text_format.py, test_html.py...).

A format subclass needs:
- ``name``: the format's registry name;
- ``samples``: file name -> content, files that an engine returning each sentence unchanged gives
  back byte for byte (so: no declared language, which is set to the target);
- ``translatable``: file name -> texts a reader reads there, each of which must reach a block;
- ``untouched``: file name -> pieces that must reach no engine and come out as they are (code,
  scripts, markup);
- ``hostile``: (file name, content, what the one-line refusal says), each an InputError;
- ``costly``: a file whose cost is over 1,000 elements;
- ``declared``: (file name, content declaring a language, that language, what the output then
  says instead with the target "uk"), or None when the format cannot declare one;
- ``edit``: (file name, text in it, its replacement) changing exactly one block.
Override ``change`` when a byte replacement is not how the format's files are edited (a zip),
and ``contents`` when a file's bytes are not what its text is compared in (a zip's members).
"""

from __future__ import annotations

import re
import time
from typing import ClassVar

import pytest

from pipeline.articles import registry
from pipeline.articles.read import load
from pipeline.core.config import Config
from pipeline.core.errors import InputError
from pipeline.store import records
from tests.helpers import document, translate

MARK = "\u27e6uk\u27e7 "  # what the pseudo engine puts before each sentence
HOSTILE_SECONDS = 30  # a refusal is a matter of seconds even on a busy machine; a hang is not


def as_bytes(out: str | bytes) -> bytes:
    return out.encode("utf-8") if isinstance(out, str) else out


class FormatContract:
    name: ClassVar[str]
    samples: ClassVar[dict[str, bytes]]
    translatable: ClassVar[dict[str, tuple[str, ...]]]
    untouched: ClassVar[dict[str, tuple[str, ...]]]
    hostile: ClassVar[tuple[tuple[str, bytes, str], ...]]
    costly: ClassVar[tuple[str, bytes]]
    declared: ClassVar[tuple[str, bytes, str, bytes] | None]
    edit: ClassVar[tuple[str, str, str]]

    def change(self, data: bytes, old: str, new: str) -> bytes:
        assert data.count(old.encode()) == 1, old
        return data.replace(old.encode(), new.encode())

    def contents(self, data: bytes) -> bytes:
        """What a file holds, as the tests compare it: its bytes, or a zip's members unpacked."""
        return data

    # --- the registry -----------------------------------------------------------------------

    def test_the_registry_finds_it_by_name_and_by_each_suffix(self):
        fmt = registry.get(self.name)
        assert fmt.name == self.name
        entry = next(e for e in registry.FORMATS if e[0] == self.name)
        assert fmt.suffixes == entry[1] and fmt.suffixes
        for suffix in fmt.suffixes:
            assert registry.for_path(f"news/a{suffix}") is fmt
            assert registry.for_path(f"news/A{suffix.upper()}") is fmt
            assert f"*{suffix}" in Config().include
        for name in self.samples:
            assert registry.name_for(name) == self.name

    # --- round trips ------------------------------------------------------------------------

    def test_rendering_nothing_translated_gives_the_file_back(self, tmp_path):
        for name, data in self.samples.items():
            doc = document(tmp_path, data, name)
            out = registry.get(self.name).render(doc, {})
            assert isinstance(out, bytes if registry.get(self.name).binary else str)
            assert as_bytes(out) == data, name

    def test_sentences_translated_unchanged_give_the_file_back(self, tmp_path):
        for name, data in self.samples.items():
            td = translate(tmp_path, data, lambda s: s, name=name)
            assert isinstance(td.text, bytes if registry.get(self.name).binary else str)
            assert as_bytes(td.text) == data, name

    def test_pseudo_translation_changes_only_text(self, tmp_path):
        for name, data in self.samples.items():
            td = translate(tmp_path, data, lambda s: MARK + s, name=name)
            out = self.contents(as_bytes(td.text))
            assert out.replace(MARK.encode(), b"") == self.contents(data), name
            translated = [b for b in td.blocks if any(s.origin == "machine" for s in b.sentences)]
            assert translated and all(MARK in b.target for b in translated)
            for piece in self.untouched.get(name, ()):
                assert out.count(piece.encode()) == self.contents(data).count(piece.encode()), piece

    def test_every_translatable_text_reaches_a_block(self, tmp_path):
        for name, texts in self.translatable.items():
            doc = document(tmp_path, self.samples[name], name)
            sentences = " ".join(" ".join(seg.text for seg in b.segments) for b in doc.blocks if not b.keep)
            for text in texts:
                assert text in sentences, (name, text)

    def test_what_is_kept_reaches_no_engine(self, tmp_path):
        for name, pieces in self.untouched.items():
            doc = document(tmp_path, self.samples[name], name)
            for block in doc.blocks:
                for seg in block.segments:
                    text = re.sub(r"</?[xg]\d+/?>", " ", seg.text)
                    for piece in pieces:
                        assert piece not in text, (name, piece, seg.text)

    def test_a_declared_language_is_read_and_set_to_the_target(self, tmp_path):
        if self.declared is None:
            pytest.skip(f"a {self.name} file cannot declare its language")
        name, data, lang, says = self.declared
        assert document(tmp_path, data, name, lang=None).source_lang == lang
        td = translate(tmp_path, data, lambda s: s, source=lang, target="uk", name=name)
        assert says in self.contents(as_bytes(td.text))

    def test_a_changed_block_changes_its_record_hash_and_no_other(self, tmp_path):
        name, old, new = self.edit
        before = document(tmp_path, self.samples[name], name)
        after = document(tmp_path, self.change(self.samples[name], old, new), name)
        hashes = [[records.block_hash(doc, b) for b in doc.blocks] for doc in (before, after)]
        assert len(hashes[0]) == len(hashes[1])
        assert sum(a != b for a, b in zip(*hashes)) == 1

    # --- hostile input ----------------------------------------------------------------------

    def test_hostile_input_is_one_input_error_naming_the_file(self, tmp_path):
        for name, data, reason in self.hostile:
            path = tmp_path / name
            path.write_bytes(data)
            started = time.monotonic()
            with pytest.raises(InputError) as e:
                load(path, f"src/{name}", Config())
            assert time.monotonic() - started < HOSTILE_SECONDS, name
            message = str(e.value)
            assert message.startswith(f"src/{name}: ") and "\n" not in message, message
            assert reason in message, message

    def test_the_cost_bound_refuses_before_parsing(self, tmp_path, monkeypatch):
        name, data = self.costly
        path = tmp_path / name
        path.write_bytes(data)
        monkeypatch.setattr(type(registry.get(self.name)), "parse", lambda *a, **k: pytest.fail("parsed"))
        with pytest.raises(InputError, match=r"too many elements to translate in one piece \(\d[\d,]* .*the limit is 1,000"):
            load(path, name, Config(max_file_elements=1000))
