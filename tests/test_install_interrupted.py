"""`pipeline models install` killed (a real SIGKILL) at the moments that matter: never half a package
in the packages folder, the package being replaced never lost, and what the install left behind
removed by the next command, unless a live install still holds it. bench/install_kill.py kills
installs at random moments instead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.engines import install, packages
from pipeline.engines.argos_settings import ArgosConfig
from tests.conftest import ROOT

CONFIG = ArgosConfig()
NAME = "translate-en_uk-1_0"

# `pipeline models install ARCHIVE` in a process of its own, which sends itself SIGNAL at POINT:
# once the archive is unpacked and checked, once the old package is moved aside, once the new one
# is in place (the code under test runs unchanged; only the moment of the signal is chosen).
CHILD = """
import os, signal, sys
from pathlib import Path
from pipeline.engines import install

point, archive, sig = sys.argv[1], sys.argv[2], getattr(signal, "SIG" + sys.argv[3])

def stop():
    os.kill(os.getpid(), sig)

if point == "unpacked":
    check = install._check_package
    install._check_package = lambda *a: (check(*a), stop())
else:
    replace = os.replace
    def replace_then_stop(src, dst):
        replace(src, dst)
        if point == "moved-aside" and Path(dst).name == install.OLD:
            stop()
        if point == "published" and Path(src).parent.name.startswith(install.STAGING_PREFIX):
            stop()
    os.replace = replace_then_stop

from pipeline.cli import main
main(["models", "install", archive])
"""


def start_install(tmp_path: Path, archive: Path, point: str, sig: str = "KILL") -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), point, str(archive), sig], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def staging_folders(argos_env: Path) -> list[str]:
    return sorted(p.name for p in argos_env.parent.iterdir() if p.name.startswith(install.STAGING_PREFIX))


def test_an_install_killed_after_unpacking_leaves_no_package(argos_env, package_files, runner, tmp_path):
    proc = start_install(tmp_path, package_files["en_uk"], "unpacked")
    assert proc.wait(60) == -signal.SIGKILL
    assert len(staging_folders(argos_env)) == 1 and not (argos_env / NAME).exists()  # what the kill left
    listed = runner.invoke(main, ["models", "list"])
    assert "en->uk  not installed" in listed.stdout and "DAMAGED" not in listed.stdout
    assert staging_folders(argos_env) == []  # removed by the next command
    assert runner.invoke(main, ["models", "install", str(package_files["en_uk"])]).exit_code == 0


def test_a_reinstall_killed_between_its_renames_keeps_the_package(argos_env, package_files, runner, tmp_path):
    old = packages.install_file(package_files["en_uk"], CONFIG).path
    (old / "marker").write_text("the package as it was")
    proc = start_install(tmp_path, package_files["en_uk"], "moved-aside")
    assert proc.wait(60) == -signal.SIGKILL
    assert not old.exists()  # moved aside, the new one not yet in: the moment this test is about
    (tmp_path / "a.md").write_text("Hello there, friends.\n")
    result = runner.invoke(main, ["translate", str(tmp_path / "a.md"), "--to", "uk", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (old / "marker").read_text() == "the package as it was" and staging_folders(argos_env) == []


def test_a_reinstall_killed_once_the_new_package_is_in_keeps_the_new_one(argos_env, package_files, runner, tmp_path):
    old = packages.install_file(package_files["en_uk"], CONFIG).path
    (old / "marker").write_text("the package as it was")
    proc = start_install(tmp_path, package_files["en_uk"], "published")
    assert proc.wait(60) == -signal.SIGKILL
    assert runner.invoke(main, ["models", "list"]).exit_code == 0
    assert not (old / "marker").exists() and packages.find(CONFIG, "en", "uk").path == old
    assert staging_folders(argos_env) == []


@pytest.mark.skipif(not hasattr(os, "WUNTRACED"), reason="needs waitpid(WUNTRACED) to see the install stopped")
def test_a_live_install_keeps_its_staging_folder(argos_env, package_files, runner, tmp_path):
    proc = start_install(tmp_path, package_files["en_uk"], "unpacked", sig="STOP")
    try:
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        held = staging_folders(argos_env)
        assert len(held) == 1
        runner.invoke(main, ["models", "list"])
        assert install.clean_staging(argos_env) == 0 and staging_folders(argos_env) == held  # locked: not abandoned
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"installed {NAME.replace('-1_0', '')} 1.0".encode() in out
    assert staging_folders(argos_env) == [] and packages.find(CONFIG, "en", "uk") is not None


def test_packages_in_a_linked_folder_install_and_clean_as_anywhere(tmp_path, monkeypatch, package_files, argos_env):
    """~/.local/share is often a link to another disk: the locks follow it."""
    real = tmp_path / "disk" / "share"
    real.mkdir(parents=True)
    (tmp_path / "share").symlink_to(real)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "share" / "packages"))
    (real / f"{install.STAGING_PREFIX}left").mkdir()  # as a killed install leaves it
    pkg = packages.install_file(package_files["en_uk"], CONFIG)
    assert pkg.path == tmp_path / "share" / "packages" / NAME and (real / "packages" / NAME / "model" / "model.bin").is_file()
    assert [p.name for p in real.iterdir()] == ["packages"]
