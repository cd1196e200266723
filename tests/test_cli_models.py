from __future__ import annotations

import json
import shutil

from pipeline.cli import main
from pipeline.core.errors import ExitStatus


def test_list_shows_installed_and_missing(installed, runner):
    result = runner.invoke(main, ["models", "list"])
    assert result.exit_code == 0
    assert f"packages folder: {installed}" in result.stdout
    assert "en->uk  translate-en_uk 1.0" in result.stdout and "uk->en  translate-uk_en 1.0" in result.stdout
    runner.invoke(main, ["models", "remove", "uk-en"])
    assert "uk->en  not installed (install it with `pipeline models install`" in runner.invoke(main, ["models", "list"]).stdout


def test_install_without_arguments_fetches_both_official_packages(argos_env, runner, package_files, http_server, monkeypatch):
    root, url = http_server
    index = []
    for key, (s, t) in {"en_uk": ("en", "uk"), "uk_en": ("uk", "en")}.items():
        shutil.copy(package_files[key], root / f"{key}.argosmodel")
        index.append({"package_version": "1.0", "from_code": s, "to_code": t, "links": [f"{url}{key}.argosmodel"]})
    (root / "index.json").write_text(json.dumps(index))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)
    result = runner.invoke(main, ["models", "install"])
    assert result.exit_code == 0, result.output
    assert "installed translate-en_uk 1.0 (en->uk)" in result.stdout and "installed translate-uk_en 1.0 (uk->en)" in result.stdout
    assert "downloading en->uk model" in result.stderr
    again = runner.invoke(main, ["models", "install"])
    assert "en->uk: translate-en_uk 1.0 is already installed" in again.stdout


def test_install_failures_are_one_line(argos_env, runner, tmp_path):
    bogus = tmp_path / "x.argosmodel"
    bogus.write_text("nope")
    result = runner.invoke(main, ["models", "install", str(bogus)])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert result.stderr == f"pipeline: error: {bogus}: not an Argos package (not a zip archive)\n"
    offline = runner.invoke(main, ["models", "install"])
    assert offline.exit_code == ExitStatus.NO_MODEL
    assert offline.stderr.startswith("pipeline: error: cannot read the package index http://127.0.0.1:9/index.json")


def test_remove_unknown(installed, runner):
    result = runner.invoke(main, ["models", "remove", "translate-de_en"])
    assert result.exit_code == ExitStatus.USAGE and "no installed package called 'translate-de_en'" in result.stderr


def test_python_dash_m_pipeline_is_the_same_command():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("pipeline, version ")
