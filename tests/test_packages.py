from __future__ import annotations

import json
import shutil
import stat
import zipfile

import pytest

from pipeline import packages
from pipeline.config import ArgosConfig
from pipeline.errors import ModelMissing, PipelineError

CONFIG = ArgosConfig()


def index_entry(from_code, to_code, version, links):
    return {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "links": links,
        "code": f"translate-{from_code}_{to_code}",
        "type": "translate",
    }


def test_install_file_then_find_and_list(argos_env, package_files):
    pkg = packages.install_file(package_files["en_uk"], CONFIG)
    assert (pkg.name, pkg.version, pkg.from_code, pkg.to_code) == ("translate-en_uk", "1.0", "en", "uk")
    assert pkg.path.parent == argos_env and (pkg.path / "model" / "model.bin").is_file()
    assert packages.find(CONFIG, "en", "uk") == pkg
    assert packages.find(CONFIG, "uk", "en") is None
    assert not [p for p in argos_env.parent.iterdir() if p.name.startswith(".pipeline-install-")]


def test_newest_installed_version_wins(argos_env, package_files):
    packages.install_file(package_files["en_uk_loop"], CONFIG)  # version 0.9
    packages.install_file(package_files["en_uk"], CONFIG)  # version 1.0
    assert packages.find(CONFIG, "en", "uk").version == "1.0"


def _rezip(source, target, rename=None, extra=()):
    """Copy a package archive, renaming members and adding extra (name, data, mode) members."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            name = rename(info.filename) if rename else info.filename
            if name is not None:
                dst.writestr(name, src.read(info))
        for name, data, mode in extra:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            dst.writestr(info, data)
    return target


@pytest.mark.parametrize(
    ("rename", "extra", "message"),
    [
        (None, [("../escape.txt", b"x", 0o644)], "would be written outside the packages folder"),
        (None, [("/abs/escape.txt", b"x", 0o644)], "would be written outside the packages folder"),
        (None, [("translate-en_uk-1_0/link", b"/etc/passwd", stat.S_IFLNK | 0o777)], "is a symbolic link"),
        (None, [("other/file", b"x", 0o644)], "expected one top folder, found 2"),
        (lambda n: None if n.endswith("metadata.json") else n, [], "no translate-en_uk-1_0/metadata.json"),
        (lambda n: None if "/model/" in n else n, [], "no model/ folder"),
        (lambda n: None if n.endswith("sentencepiece.model") else n, [], "no sentencepiece.model or bpe.model"),
    ],
)
def test_unsafe_or_foreign_archives_are_refused(argos_env, package_files, tmp_path, rename, extra, message):
    bad = _rezip(package_files["en_uk"], tmp_path / "bad.argosmodel", rename, extra)
    with pytest.raises(packages.NotAPackage, match=message):
        packages.install_file(bad, CONFIG)
    assert not (tmp_path / "escape.txt").exists()  # the staging folder is beside the packages folder
    assert packages.installed(CONFIG) == []


def test_a_file_that_is_not_a_zip(argos_env, tmp_path):
    path = tmp_path / "model.argosmodel"
    path.write_text("not a zip")
    with pytest.raises(packages.NotAPackage, match="not a zip archive"):
        packages.install_file(path, CONFIG)


def test_metadata_without_language_codes(argos_env, package_files, tmp_path):
    with zipfile.ZipFile(package_files["en_uk"]) as src, zipfile.ZipFile(tmp_path / "m.argosmodel", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("metadata.json"):
                data = json.dumps({"package_version": "1"}).encode()
            dst.writestr(info.filename, data)
    with pytest.raises(packages.NotAPackage, match="no valid from_code"):
        packages.install_file(tmp_path / "m.argosmodel", CONFIG)
    assert packages.installed(CONFIG) == []


def test_reinstall_replaces_the_package(argos_env, package_files):
    first = packages.install_file(package_files["en_uk"], CONFIG)
    (first.path / "marker").write_text("old")
    second = packages.install_file(package_files["en_uk"], CONFIG)
    assert second.path == first.path and not (second.path / "marker").exists()


def test_download_from_the_index_with_progress(argos_env, package_files, http_server, monkeypatch):
    root, url = http_server
    shutil.copy(package_files["uk_en"], root / "uk_en.argosmodel")
    index = [
        index_entry("uk", "en", "1.0", ["ipfs://Qmabc", url + "uk_en.argosmodel"]),
        index_entry("uk", "en", "0.5", [url + "missing.argosmodel"]),
    ]
    (root / "index.json").write_text(json.dumps(index))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)
    seen = []
    pkg = packages.ensure(CONFIG, "uk", "en", allow_download=True, progress=lambda done, total: seen.append((done, total)))
    assert (pkg.from_code, pkg.to_code, pkg.version) == ("uk", "en", "1.0")
    size = package_files["uk_en"].stat().st_size
    assert seen[-1] == (size, size) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert packages.find(CONFIG, "uk", "en") == pkg


def test_a_known_official_file_with_the_wrong_checksum_is_not_installed(argos_env, package_files, http_server, monkeypatch):
    root, url = http_server
    shutil.copy(package_files["en_uk"], root / "translate-en_uk-1_4.argosmodel")
    (root / "index.json").write_text(json.dumps([index_entry("en", "uk", "1.4", [url + "translate-en_uk-1_4.argosmodel"])]))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url + "index.json")
    with pytest.raises(ModelMissing, match="checksum mismatch"):
        packages.ensure(CONFIG, "en", "uk", allow_download=True)
    assert packages.installed(CONFIG) == []


def test_unreachable_index_and_no_download(argos_env):
    with pytest.raises(ModelMissing, match="pipeline models install"):
        packages.ensure(CONFIG, "en", "uk", allow_download=False)
    with pytest.raises(ModelMissing, match="cannot read the package index http://127.0.0.1:9/index.json"):
        packages.ensure(CONFIG, "en", "uk", allow_download=True)


def test_index_without_the_direction(argos_env, http_server, monkeypatch):
    root, url = http_server
    (root / "index.json").write_text(json.dumps([index_entry("de", "en", "1.0", [url + "x"])]))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)
    with pytest.raises(PipelineError, match="has no en->uk package"):
        packages.available_for(CONFIG, "en", "uk")


def test_remove_by_name_or_direction(argos_env, package_files):
    packages.install_file(package_files["en_uk"], CONFIG)
    packages.install_file(package_files["uk_en"], CONFIG)
    assert [p.name for p in packages.remove(CONFIG, ["uk-en"])] == ["translate-uk_en"]
    assert [p.name for p in packages.remove(CONFIG, ["translate-en_uk"])] == ["translate-en_uk"]
    assert packages.installed(CONFIG) == []
    with pytest.raises(PipelineError, match="no installed package called 'en-uk'"):
        packages.remove(CONFIG, ["en-uk"])


def test_packages_dir_and_index_from_environment_then_config(monkeypatch, tmp_path):
    monkeypatch.delenv("ARGOS_PACKAGES_DIR", raising=False)
    monkeypatch.delenv("ARGOS_PACKAGE_INDEX", raising=False)
    configured = ArgosConfig(packages_dir=str(tmp_path / "p"), package_index="http://h/idx/")
    assert packages.packages_dir(configured) == tmp_path / "p"
    assert packages.index_url(configured) == "http://h/idx/index.json"
    assert packages.index_url(ArgosConfig()) == packages.OFFICIAL_INDEX + "index.json"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://env/index.json")
    assert packages.packages_dir(configured) == tmp_path / "env"
    assert packages.index_url(configured) == "http://env/index.json"
