from __future__ import annotations

import http.server
import json
import shutil
import stat
import threading
import zipfile
from typing import ClassVar

import pytest

from pipeline.core.errors import ModelMissing, PipelineError
from pipeline.engines import install, packages
from pipeline.engines.argos_settings import ArgosConfig

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


# --- metadata is validated before anything is moved ------------------------------------------


def _with_metadata(source, target, change):
    """Copy a package archive with its metadata.json changed by change(dict) (or replaced by bytes)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/metadata.json"):
                new = change(json.loads(data))
                data = new if isinstance(new, bytes) else json.dumps(new).encode()
            dst.writestr(info.filename, data)
    return target


def _leftovers(argos_env):
    """Folders in the packages folder and staging folders beside it."""
    inside = sorted(p.name for p in argos_env.iterdir()) if argos_env.exists() else []
    beside = [p.name for p in argos_env.parent.iterdir() if p.name.startswith(".pipeline-install-")]
    return inside, beside


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: {**m, "package_version": "9" * 500_000}, "package_version is not a version like 1.4"),
        (lambda m: {**m, "package_version": 14}, "package_version is not a version like 1.4"),
        (lambda m: {**m, "package_version": ["1", "4"]}, "package_version is not a version like 1.4"),
        (lambda m: {**m, "package_version": "1.4; rm -rf /"}, "package_version is not a version like 1.4"),
        (lambda m: {**m, "type": "sbd"}, "type is 'sbd', not 'translate'"),
        (lambda m: {**m, "from_code": "../../uk"}, "no valid from_code"),
        (lambda m: {**m, "to_code": 7}, "no valid to_code"),
        (lambda m: {**m, "from_name": {"x": 1}}, "from_name is not a text"),
        (lambda m: {**m, "target_prefix": "x" * 1000}, "target_prefix is not a text of at most 200 characters"),
        (lambda m: {**m, "languages": "en"}, "languages is not a list"),
        (lambda m: [m], "not a JSON object"),
        (lambda m: b"[" * 100_000, "metadata.json"),
        (lambda m: json.dumps({**m, "readme": "x" * 2_000_000}).encode(), "larger than 1 MB"),
    ],
)
def test_metadata_is_validated_before_anything_is_installed(argos_env, package_files, tmp_path, change, message):
    bad = _with_metadata(package_files["en_uk"], tmp_path / "bad.argosmodel", change)
    with pytest.raises(packages.NotAPackage) as e:
        packages.install_file(bad, CONFIG)
    assert message in str(e.value) and "\n" not in str(e.value) and len(str(e.value)) < 400
    assert _leftovers(argos_env) == ([], [])  # no folder left behind
    assert packages.installed(CONFIG) == []


def test_an_archive_named_like_another_package_never_touches_it(argos_env, package_files, tmp_path):
    uk_en = packages.install_file(package_files["uk_en"], CONFIG)
    (uk_en.path / "marker").write_text("mine")
    disguised = _rezip(package_files["en_uk"], tmp_path / "d.argosmodel", lambda n: n.replace("translate-en_uk-1_0", uk_en.path.name))
    en_uk = packages.install_file(disguised, CONFIG)
    assert en_uk.path.name == "translate-en_uk-1_0"  # named from its metadata, not from its folder
    assert (uk_en.path / "marker").read_text() == "mine"
    assert packages.find(CONFIG, "uk", "en") == uk_en and packages.find(CONFIG, "en", "uk") == en_uk


def test_a_folder_of_that_name_holding_something_else_is_not_replaced(argos_env, package_files):
    squatter = argos_env / "translate-en_uk-1_0"
    squatter.mkdir(parents=True)
    (squatter / "notes.txt").write_text("not a package")
    with pytest.raises(packages.NotAPackage, match="holds something else than this package"):
        packages.install_file(package_files["en_uk"], CONFIG)
    assert (squatter / "notes.txt").read_text() == "not a package"


def test_an_installed_package_with_bad_metadata_is_not_used(argos_env, package_files, runner, tmp_path):
    from pipeline.cli import main

    pkg = packages.install_file(package_files["en_uk"], CONFIG)
    meta = json.loads((pkg.path / "metadata.json").read_text())
    (pkg.path / "metadata.json").write_text(json.dumps({**meta, "package_version": "9" * 100_000}))
    assert packages.installed(CONFIG) == []
    (tmp_path / "a.md").write_text("Hello there, friends.\n")
    result = runner.invoke(main, ["translate", str(tmp_path / "a.md"), "--to", "uk", "--no-download", "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output  # no usable model, not an internal error


# --- archive bombs ----------------------------------------------------------------------------


def test_too_many_members_are_refused_from_the_directory(argos_env, package_files, tmp_path):
    extra = [(f"translate-en_uk-1_0/junk/{i}", b"", 0o644) for i in range(install.MAX_MEMBERS)]
    bad = _rezip(package_files["en_uk"], tmp_path / "many.argosmodel", extra=extra)
    with pytest.raises(packages.NotAPackage, match=r"members \(an Argos package has a few dozen; the limit is 2,000\)"):
        packages.install_file(bad, CONFIG)
    assert _leftovers(argos_env) == ([], [])


def test_a_member_that_compresses_too_well_is_refused(argos_env, package_files, tmp_path):
    bad = tmp_path / "bomb.argosmodel"
    with zipfile.ZipFile(package_files["en_uk"]) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("translate-en_uk-1_0/zeros.bin", b"\0" * 50_000_000)  # ~50 KB compressed
    with pytest.raises(packages.NotAPackage, match=r"member 'translate-en_uk-1_0/zeros.bin' unpacks [\d,]+ times its size"):
        packages.install_file(bad, CONFIG)
    assert _leftovers(argos_env) == ([], [])


def test_the_unpacked_size_limit_is_configurable(argos_env, package_files):
    small = ArgosConfig(max_unpacked_bytes=100_000)
    with pytest.raises(packages.NotAPackage, match=r"unpacks to more than 100,000 bytes \(argos.max_unpacked_bytes\)"):
        packages.install_file(package_files["en_uk"], small)
    assert _leftovers(argos_env) == ([], [])


def test_a_member_whose_header_lies_about_its_size_is_caught_while_extracting(argos_env, package_files, tmp_path):
    bad = tmp_path / "liar.argosmodel"
    with zipfile.ZipFile(package_files["en_uk"]) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("translate-en_uk-1_0/big.bin", b"x" * 200_000)
    data = bytearray(bad.read_bytes())
    # the central directory entry of big.bin: say 1,000 bytes instead of 200,000
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"translate-en_uk-1_0/big.bin"))
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")
    bad.write_bytes(bytes(data))
    with zipfile.ZipFile(bad) as z:
        assert z.getinfo("translate-en_uk-1_0/big.bin").file_size == 1000  # the directory believes it
    with pytest.raises(packages.NotAPackage):
        packages.install_file(bad, CONFIG)
    assert _leftovers(argos_env) == ([], [])


# --- the network: bounded index and downloads, validated entries -----------------------------


class _Routes(http.server.BaseHTTPRequestHandler):
    """Each path: (Content-Length to announce or None, the body's chunks)."""

    routes: ClassVar[dict] = {}
    protocol_version = "HTTP/1.0"  # without Content-Length the body ends when the connection closes

    def do_GET(self):
        length, chunks = self.routes[self.path]
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            for chunk in chunks():
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a cap does

    def log_message(self, *args):
        pass


@pytest.fixture
def routes():
    """A server on 127.0.0.1 with hand-made responses; yields (routes dict, base URL)."""
    table: dict = {}
    handler = type("Handler", (_Routes,), {"routes": table})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield table, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _endless():
    while True:
        yield b"\0" * 65536


def _downloads(argos_env):
    folder = argos_env.parent / "cache" / "argos-translate" / "downloads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_download_without_length_is_stopped_at_the_limit_and_deleted(argos_env, routes, monkeypatch):
    table, url = routes
    table["/index.json"] = (None, lambda: [json.dumps([index_entry("en", "uk", "1.0", [url + "/endless"])]).encode()])
    table["/endless"] = (None, _endless)  # no Content-Length, never ends
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url + "/index.json")
    with pytest.raises(ModelMissing, match=r"larger than 5 MB \(argos.max_download_bytes\); stopped"):
        packages.ensure(ArgosConfig(max_download_bytes=5_000_000), "en", "uk", allow_download=True)
    assert _downloads(argos_env) == []  # no partial file stays in the cache


def test_a_download_announcing_too_much_is_refused_before_reading(argos_env, routes, monkeypatch):
    table, url = routes
    table["/index.json"] = (None, lambda: [json.dumps([index_entry("en", "uk", "1.0", [url + "/huge"])]).encode()])
    table["/huge"] = (10**12, _endless)
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url + "/index.json")
    with pytest.raises(ModelMissing, match=r"1,000,000 MB, larger than 1,000 MB \(argos.max_download_bytes\)"):
        packages.ensure(CONFIG, "en", "uk", allow_download=True)
    assert _downloads(argos_env) == []


def test_a_download_that_is_not_a_package_does_not_stay_in_the_cache(argos_env, routes, monkeypatch):
    table, url = routes
    table["/index.json"] = (None, lambda: [json.dumps([index_entry("en", "uk", "1.0", [url + "/junk"])]).encode()])
    table["/junk"] = (None, lambda: [b"not a zip at all"])
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url + "/index.json")
    with pytest.raises(ModelMissing, match="not a zip archive"):
        packages.ensure(CONFIG, "en", "uk", allow_download=True)
    assert _downloads(argos_env) == []


def test_the_index_is_read_up_to_its_limit(argos_env, routes, monkeypatch):
    table, url = routes
    table["/index.json"] = (None, _endless)
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url + "/index.json")
    with pytest.raises(ModelMissing, match=r"larger than 1 MB \(argos.max_index_bytes\)"):
        packages.ensure(ArgosConfig(max_index_bytes=1_000_000), "en", "uk", allow_download=True)


@pytest.mark.parametrize("body", [b"[" * 200_000, b'[{"package_version": ' + b"9" * 10_000 + b"}]", b"\xff\xfe"])
def test_an_index_that_is_not_json_is_one_line(argos_env, routes, monkeypatch, body):
    table, url = routes
    table["/index.json"] = (len(body), lambda: [body])
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url + "/index.json")
    with pytest.raises(PipelineError) as e:
        packages.fetch_index(CONFIG)
    assert "\n" not in str(e.value)


def test_invalid_index_entries_are_skipped_with_one_notice(argos_env, package_files, http_server, monkeypatch):
    root, url = http_server
    shutil.copy(package_files["en_uk"], root / "en_uk.argosmodel")
    good = index_entry("en", "uk", "1.0", [url + "en_uk.argosmodel"])
    index = [
        {**good, "package_version": 2.0},  # a number: broke translate with exit 70
        {**good, "package_version": "9" * 5000},
        {**good, "links": "http://example.org/x"},
        {**good, "from_code": ["en"]},
        "not even an object",
        good,
    ]
    (root / "index.json").write_text(json.dumps(index))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)
    notices = []
    found = packages.fetch_index(CONFIG, notices.append)
    assert [(p.from_code, p.package_version) for p in found] == [("en", "1.0")]
    assert notices == [
        f"package index {url}index.json: 5 invalid entries skipped (entry 1: package_version is not a version like 1.4, ...)"
    ]
    pkg = packages.ensure(CONFIG, "en", "uk", allow_download=True)
    assert pkg.version == "1.0" and _downloads(argos_env) == []


@pytest.mark.parametrize(
    ("member", "data", "message"),
    [
        ("model/shared_vocabulary.json", b"[]", "model/shared_vocabulary.json: an empty vocabulary"),
        ("sentencepiece.model", b"\x00" * 4096, "sentencepiece.model: not a SentencePiece model (SentencePiece cannot parse it)"),
        ("model/model.bin", b"\x06\x00\x00\x00", "model/model.bin: truncated (it ends inside its header)"),
    ],
)
def test_an_archive_holding_a_package_that_would_be_damaged_is_not_installed(argos_env, package_files, tmp_path, member, data, message):
    bad = tmp_path / "bad.argosmodel"
    with zipfile.ZipFile(package_files["en_uk"]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == f"translate-en_uk-1_0/{member}" else src.read(info))
    with pytest.raises(packages.NotAPackage) as e:
        packages.install_file(bad, CONFIG)
    assert str(e.value) == f"{bad}: not an Argos package ({message})"
    assert _leftovers(argos_env) == ([], [])
