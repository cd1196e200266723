"""A damaged installed package: one line naming the folder, the file and what is wrong, exit 3,
before anything is written; `models list` shows it as damaged. Built from the suite's genuine
package, damaged the ways disks, interrupted copies and hostile pull requests damage files."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from pipeline.engines import packages
from pipeline.engines.argos_settings import ArgosConfig

CONFIG = ArgosConfig()
NAME = "translate-en_uk-1_0"


def invoke(runner, args, seconds=60):
    """runner.invoke, failing (not hanging) when the command does not finish in time: a FIFO read
    by mistake would wait for ever."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", runner.invoke(main, args)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert "result" in box, f"`pipeline {' '.join(args)}` still running after {seconds} s"
    return box["result"]


def _replace(path: Path, make) -> None:
    path.unlink()
    make(path)


def _truncate(path: Path, size: int) -> None:
    path.write_bytes(path.read_bytes()[:size])


def _rename_variable(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data  # the variable, and an alias naming it
    path.write_bytes(data.replace(old, new))


def _loop(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.symlink_to(folder.name)  # the folder is a link to itself


DAMAGES = {
    "garbage sentencepiece.model": (
        lambda p: (p / "sentencepiece.model").write_bytes(bytes(range(256)) * 20),
        "sentencepiece.model: not a SentencePiece model (SentencePiece cannot parse it)",
    ),
    "truncated sentencepiece.model": (
        lambda p: _truncate(p / "sentencepiece.model", 1000),
        "sentencepiece.model: not a SentencePiece model (SentencePiece cannot parse it)",
    ),
    "empty vocabulary": (
        lambda p: (p / "model" / "shared_vocabulary.json").write_text("[]"),
        "model/shared_vocabulary.json: an empty vocabulary",
    ),
    "model.bin missing": (lambda p: (p / "model" / "model.bin").unlink(), "model/model.bin is missing"),
    "model.bin truncated": (
        lambda p: _truncate(p / "model" / "model.bin", 100_000),
        "model/model.bin: truncated (100,000 bytes; its variables need more than 513,005)",
    ),
    # well formed, but not the model its spec needs: only loading it tells (which a run does first)
    "model.bin without a variable": (
        lambda p: _rename_variable(p / "model" / "model.bin", b"decoder/projection/", b"decoder/projektion/"),
        "model/: CTranslate2 cannot load it (variable decoder/projection/weight not found)",
    ),
    "model.bin garbage": (
        lambda p: (p / "model" / "model.bin").write_bytes(b"\xde\xad\xbe\xef" * 25_000),
        "model/model.bin: not a CTranslate2 model (its header is not one)",
    ),
    "model.bin a FIFO": (lambda p: _replace(p / "model" / "model.bin", os.mkfifo), "model/model.bin: not a regular file (a FIFO)"),
    "model.bin a link to /dev/zero": (
        lambda p: _replace(p / "model" / "model.bin", lambda f: f.symlink_to("/dev/zero")),
        "model/model.bin: not a regular file (a character device)",
    ),
    "config.json a FIFO": (lambda p: _replace(p / "model" / "config.json", os.mkfifo), "model/config.json: not a regular file (a FIFO)"),
    "metadata.json a FIFO": (lambda p: _replace(p / "metadata.json", os.mkfifo), "metadata.json: not a regular file (a FIFO)"),
    "metadata.json huge": (
        lambda p: (p / "metadata.json").write_bytes(b" " * 3_000_000 + b"{}"),
        "metadata.json: too large (3 MB; the limit is 1 MB)",
    ),
    "metadata.json garbage": (
        lambda p: (p / "metadata.json").write_bytes(b"\x89PNG\r\n\x1a\n not json"),
        "metadata.json: not JSON ('utf-8' codec can't decode byte 0x89 in position 0: invalid start byte)",
    ),
    "the folder a symlink loop": (_loop, "the folder cannot be opened (Too many levels of symbolic links)"),
}


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "a.md"
    path.write_text("Hello there, friends.\n")
    return path


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_package_is_one_line_exit_3_before_anything_is_written(argos_env, package_files, runner, article, tmp_path, damage):
    folder = packages.install_file(package_files["en_uk"], CONFIG).path
    make, why = DAMAGES[damage]
    make(folder)
    out = tmp_path / "out"
    result = invoke(runner, ["translate", str(article), "--to", "uk", "--out", str(out)])
    assert result.exit_code == ExitStatus.NO_MODEL, result.output
    assert result.stderr == (
        f"pipeline: error: {folder}: damaged package: {why}; remove it (`pipeline models remove {NAME}`) and install it again\n"
    )
    assert not out.exists() and not (tmp_path / ".pipeline").exists()  # neither outputs nor the memory
    listed = invoke(runner, ["models", "list"])
    assert listed.exit_code == 0, listed.output
    if why.startswith("model/: CTranslate2"):  # what only a model load finds: `models list` loads none
        assert "DAMAGED" not in listed.stdout
    else:
        assert f"{folder}  DAMAGED: {why}\n" in listed.stdout


def test_a_damaged_package_is_removed_and_installed_again(argos_env, package_files, runner, article, tmp_path):
    folder = packages.install_file(package_files["en_uk"], CONFIG).path
    _replace(folder / "metadata.json", os.mkfifo)
    removed = invoke(runner, ["models", "remove", NAME])
    assert removed.exit_code == 0 and f"removed {NAME}" in removed.stdout
    assert not os.path.lexists(folder)
    assert invoke(runner, ["models", "install", str(package_files["en_uk"])]).exit_code == 0
    result = invoke(runner, ["translate", str(article), "--to", "uk", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_removing_a_package_folder_that_is_a_link_removes_the_link_only(argos_env, package_files, runner, tmp_path):
    elsewhere = tmp_path / "kept" / NAME
    shutil.move(packages.install_file(package_files["en_uk"], CONFIG).path, elsewhere)
    (argos_env / NAME).symlink_to(elsewhere)
    assert invoke(runner, ["models", "remove", "en-uk"]).exit_code == 0
    assert not os.path.lexists(argos_env / NAME) and (elsewhere / "model" / "model.bin").is_file()


def test_reinstalling_the_same_version_replaces_a_damaged_package(argos_env, package_files, runner):
    folder = packages.install_file(package_files["en_uk"], CONFIG).path
    _replace(folder / "model" / "model.bin", os.mkfifo)
    result = invoke(runner, ["models", "install", str(package_files["en_uk"])])
    assert result.exit_code == 0, result.output
    assert (folder / "model" / "model.bin").is_file() and packages.find(CONFIG, "en", "uk").problem == ""


def test_a_damaged_package_nothing_needs_stops_nothing(argos_env, package_files, runner, article, tmp_path):
    folder = packages.install_file(package_files["en_uk"], CONFIG).path
    out = tmp_path / "out"
    assert invoke(runner, ["translate", str(article), "--to", "uk", "--out", str(out)]).exit_code == 0
    _replace(folder / "model" / "model.bin", os.mkfifo)
    again = invoke(runner, ["translate", str(article), "--to", "uk", "--out", str(out)])
    assert again.exit_code == 0, again.output  # the records hold every sentence: no model is needed


def test_the_newest_package_damaged_is_reported_not_replaced_by_an_older_one(argos_env, package_files, runner, article, tmp_path):
    packages.install_file(package_files["en_uk_loop"], CONFIG)  # 0.9
    newest = packages.install_file(package_files["en_uk"], CONFIG).path  # 1.0
    (newest / "model" / "shared_vocabulary.json").write_text("")
    result = invoke(runner, ["translate", str(article), "--to", "uk", "--out", str(tmp_path / "out")])
    assert result.exit_code == ExitStatus.NO_MODEL
    assert f"{newest}: damaged package: model/shared_vocabulary.json: empty file" in result.stderr


def test_other_kinds_of_packages_and_stray_files_are_not_listed(argos_env, package_files, runner):
    packages.install_file(package_files["en_uk"], CONFIG)
    sbd = argos_env / "sbd-en"
    sbd.mkdir()
    (sbd / "metadata.json").write_text(json.dumps({"type": "sbd", "package_version": "1.0", "from_code": "en", "to_code": "en"}))
    (argos_env / "notes.txt").write_text("mine")
    listed = invoke(runner, ["models", "list"])
    assert "DAMAGED" not in listed.stdout and "sbd-en" not in listed.stdout and "notes.txt" not in listed.stdout
    assert [p.name for p in packages.scan(CONFIG)] == ["translate-en_uk"]
