"""The cached copy of py3langid's model: the same identifier as py3langid's own loader, and a
damaged or hostile copy is never believed (the model is decompressed again, the copy rewritten)."""

from __future__ import annotations

import os
from array import array
from pathlib import Path

import numpy as np
import pytest
from py3langid import langid

from pipeline.segment import langid_model

SOURCE = Path(langid.MODEL_DIR) / langid.MODEL_FILE
TEXTS = ("The committee met on Tuesday.", "Засідання відбулося у вівторок.", "Die Sitzung fand am Dienstag statt.")


def _tiny() -> dict[str, np.ndarray]:
    """A model of the copy's layout, small enough to damage quickly: 2 states, 3 features, 2 classes."""
    return {
        "ptc": np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype="<f2"),
        "pc": np.array([0.5, 0.5], dtype="<f4"),
        "classes": np.array(["en", "uk"]),
        "nextmove": np.zeros(512, dtype="<u4"),
        "nextmove_row": np.array([0, 1], dtype="<u2"),
        "out_feat": np.array([-1, 2], dtype="<i4"),
    }


def _value(value):
    """A comparable form of one attribute of an identifier (bytes for the large arrays: fast)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, array):
        return ("array", value.typecode, value.tobytes())
    if isinstance(value, tuple):
        return tuple(_value(v) for v in value)
    return (type(value).__name__, value)


def _state(identifier) -> list:
    return [_value(getattr(identifier, name)) for name in langid.LanguageIdentifier.__slots__]


def test_the_copy_gives_the_identifier_py3langids_own_loader_gives(tmp_path, monkeypatch):
    monkeypatch.delenv(langid_model.CACHE_ENV)  # the suite's own folder (conftest): here the default's place
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    own = langid.LanguageIdentifier.from_modelpath(SOURCE, norm_probs=True)
    first = langid_model.identifier()  # decompressed, and the copy written
    path = langid_model.cache_path(SOURCE)
    assert path is not None and path.parent == tmp_path / "uk-en-pipeline" and path.is_file()
    second = langid_model.identifier()  # from the copy
    assert _state(first) == _state(second) == _state(own)
    assert [second.classify(t) for t in TEXTS] == [own.classify(t) for t in TEXTS]
    (tmp_path / "uk-en-pipeline" / "py3langid-0123456789abcdef.model").write_bytes(b"an older copy")
    path.write_bytes(path.read_bytes()[:-1])  # damaged: rebuilt, and the older copy goes
    assert _state(langid_model.identifier()) == _state(own)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert langid_model.read(path) is not None


def _read(tmp_path: Path, raw: bytes):
    path = tmp_path / "copy.model"
    path.write_bytes(raw)
    return langid_model.read(path)


def test_a_sound_copy_reads_back(tmp_path):
    model = _read(tmp_path, langid_model.dump(_tiny()))
    assert model is not None
    assert {k: v.tolist() for k, v in model.items()} == {k: v.tolist() for k, v in _tiny().items()}
    assert [type(v).__name__ for v in model.values()] == ["ndarray", "ndarray", "ndarray", "array", "array", "ndarray"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-1],  # truncated
        lambda raw: raw + b"\0",  # grown
        lambda raw: raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:],  # one bit flipped in the arrays
        lambda raw: raw.replace(b'"<u4"', b'"|O"', 1),  # an object array (a pickle) declared
        lambda raw: raw.replace(b"[512]", b"[99999999]", 1),  # a shape larger than the file
        lambda raw: raw.replace(b"[512]", b"[-512]", 1),
        lambda raw: raw.replace(b"model 1", b"model 2", 1),  # another format
        lambda raw: raw.split(b"\n", 2)[0] + b"\n" + b"[" * 100_000,  # no header line within the bound
        lambda raw: b"",
    ],
)
def test_a_damaged_copy_is_not_believed(tmp_path, damage):
    assert _read(tmp_path, damage(langid_model.dump(_tiny()))) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["nextmove"].__setitem__(0, 2),  # a transition to a state that does not exist
        lambda a: a["nextmove_row"].__setitem__(1, 2),  # a row that does not exist
        lambda a: a["out_feat"].__setitem__(1, 3),  # a feature that does not exist
        lambda a: a["out_feat"].__setitem__(1, -2),
    ],
)
def test_a_copy_whose_indexes_leave_the_model_is_refused_even_with_its_digest(tmp_path, change):
    arrays = _tiny()
    change(arrays)
    assert _read(tmp_path, langid_model.dump(arrays)) is None


def test_a_copy_of_mismatched_shapes_is_refused(tmp_path):
    arrays = _tiny()
    arrays["pc"] = np.array([0.5, 0.25, 0.25], dtype="<f4")
    assert _read(tmp_path, langid_model.dump(arrays)) is None


def test_a_fifo_or_a_device_in_the_copys_place_is_not_read(tmp_path):
    fifo = tmp_path / "copy.model"
    os.mkfifo(fifo)  # no writer: a blocking open would hang
    assert langid_model.read(fifo) is None
    link = tmp_path / "zero.model"
    link.symlink_to("/dev/zero")
    assert langid_model.read(link) is None
    big = tmp_path / "big.model"
    with open(big, "wb") as f:
        f.truncate(langid_model.CACHE_BYTES + 1)
    assert langid_model.read(big) is None


def test_no_cache_folder_still_identifies(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.delenv(langid_model.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert langid_model.identifier().classify(TEXTS[1])[0] == "uk"
    assert blocker.read_text() == "not a folder"


def test_the_cache_folder_can_be_named(tmp_path, monkeypatch):
    """PIPELINE_CACHE_DIR (a CI job caching it, the test suite) replaces $XDG_CACHE_HOME/uk-en-pipeline."""
    monkeypatch.setenv(langid_model.CACHE_ENV, str(tmp_path / "models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    langid_model.identifier()
    path = langid_model.cache_path(SOURCE)
    assert path is not None and path.parent == tmp_path / "models" and path.is_file()
    assert not (tmp_path / "xdg").exists()
