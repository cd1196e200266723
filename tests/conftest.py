from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fixtures.argos_package import build_package

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "data"  # real evaluation data, beside the checkout (CI has it too)


def corpus_texts() -> list[str]:
    """Text for the test packages' SentencePiece models: the bundled example articles."""
    return [line for path in sorted(EXAMPLES.rglob("*.md")) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def package_files(tmp_path_factory) -> dict[str, Path]:
    """Genuine .argosmodel files: copy models for both directions, and one that never stops."""
    out = tmp_path_factory.mktemp("argosmodels")
    texts = corpus_texts()
    return {
        "en_uk": build_package(out, "en", "uk", texts),
        "uk_en": build_package(out, "uk", "en", texts),
        "en_uk_loop": build_package(out / "loop", "en", "uk", texts, kind="loop", version="0.9"),
    }


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory):
    """Caches go to folders of the session, never the real home folder: the language model's
    copy (segment/langid_model.py, shared by the CLI's subprocesses) and the rest of
    $XDG_CACHE_HOME (package digests; argos_env gives a test its own)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPELINE_CACHE_DIR", str(tmp_path_factory.mktemp("model-cache")))
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture
def argos_env(tmp_path, monkeypatch) -> Path:
    """An empty packages folder and caches of our own, and a package index nobody can reach."""
    packages = tmp_path / "argos-packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://127.0.0.1:9/")  # discard port: refused at once
    monkeypatch.chdir(tmp_path)  # no ./config.yaml unless a test writes one
    return packages


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def installed(argos_env, package_files, runner) -> Path:
    """Both copy packages installed the way a user would: `pipeline models install FILE`."""
    from pipeline.cli import main

    result = runner.invoke(main, ["models", "install", str(package_files["en_uk"]), str(package_files["uk_en"])])
    assert result.exit_code == 0, result.output
    return argos_env


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_server(tmp_path):
    """A static HTTP server on 127.0.0.1 serving a folder; yields (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Short synthetic sentences written for the German and Polish test packages' SentencePiece models.
GERMAN = [
    "Am Donnerstag fuhr die Delegation mit dem Zug nach Berlin.",
    "Die Stadt hat im letzten Jahr viele neue Schulen gebaut.",
    "Nach der Sitzung sprachen die Minister über die Preise für Energie.",
    "Der Bericht wird am Montag im Parlament vorgestellt.",
    "Wir haben das Programm gründlich geprüft und einige Fehler gefunden.",
]
POLISH = [
    "W czwartek delegacja pojechała pociągiem do Warszawy.",
    "Miasto zbudowało w zeszłym roku wiele nowych szkół.",
    "Po posiedzeniu ministrowie rozmawiali o cenach energii.",
    "Raport zostanie przedstawiony w parlamencie w poniedziałek.",
    "Dokładnie sprawdziliśmy program i znaleźliśmy kilka błędów.",
]


@pytest.fixture(scope="session")
def more_package_files(tmp_path_factory) -> dict[str, Path]:
    """Copy packages for en<->de and en<->pl, built like the uk/en ones (copy models, not translators)."""
    out = tmp_path_factory.mktemp("argosmodels-more")
    texts = corpus_texts() + GERMAN + POLISH
    return {f"{s}_{t}": build_package(out, s, t, texts) for s, t in (("en", "de"), ("de", "en"), ("en", "pl"), ("pl", "en"))}
