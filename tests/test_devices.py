"""argos.device, argos.device_index and argos.compute_type: refused at load time when they are not
values CTranslate2 takes, and when the model loads when this machine cannot give them; always
naming the setting (exit 2), never calling the package broken. Nothing is written first."""

from __future__ import annotations

import ctranslate2
import pytest

from pipeline.cli import main
from pipeline.core import config
from pipeline.core.errors import ConfigError, ExitStatus
from pipeline.core.identity import settings_key
from pipeline.engines import argos_settings, packages
from pipeline.engines.argos import ArgosEngine
from pipeline.engines.argos_settings import ArgosConfig

NO_GPU = pytest.mark.skipif(ctranslate2.get_cuda_device_count() > 0, reason="this machine has a CUDA device: it can use it")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("compute_type: bogus", "argos.compute_type: 'bogus' is not one of default, auto, int8, int8_float32, int8_float16,"),
        ("compute_type: 8", "argos.compute_type must be a string"),
        ("device: gpu", "argos.device: 'gpu' is not cpu, cuda or auto"),
        ("device_index: -1", "argos.device_index: expected a device number (0 to 1023) or a list of different ones"),
        ("device_index: [0, 0]", "argos.device_index: expected a device number (0 to 1023) or a list of different ones"),
        ("device_index: []", "argos.device_index: expected a device number (0 to 1023) or a list of different ones"),
        ("device_index: one", "argos.device_index must be a whole number or a list of whole numbers"),
        ("device_index: [0, true]", "argos.device_index must be a whole number or a list of whole numbers"),
        ("device_index: 1.5", "argos.device_index must be a whole number or a list of whole numbers"),
    ],
)
def test_device_settings_are_checked_when_the_configuration_is_read(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(f"argos:\n  {text}\n")
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert str(e.value).startswith(f"{path}: {message}")


def test_device_index_takes_a_number_or_a_list(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("argos:\n  device: cuda\n  device_index: [1, 0]\n  compute_type: float16\n")
    a = argos_settings.of(config.load(path))
    assert (a.device, a.device_index, a.compute_type) == ("cuda", (1, 0), "float16")
    path.write_text("argos:\n  device_index: 0\n")
    assert argos_settings.of(config.load(path)).device_index == (0,) == ArgosConfig().device_index


def _translate(runner, tmp_path, settings: str):
    (tmp_path / "config.yaml").write_text(f"argos:\n{settings}")
    (tmp_path / "a.md").write_text("Hello there, friends.\n")
    return runner.invoke(main, ["translate", "a.md", "--to", "uk", "--out", "out"])


@NO_GPU
def test_cuda_without_a_gpu_names_the_setting(installed, runner, tmp_path):
    result = _translate(runner, tmp_path, "  device: cuda\n")
    assert result.exit_code == ExitStatus.USAGE, result.output
    line = result.stderr
    assert line.startswith(
        f"pipeline: error: {tmp_path / 'config.yaml'}: argos.device: cuda, but no CUDA device is visible to CTranslate2 ("
    )
    assert line.endswith("); use cpu or auto\n") and line.count("\n") == 1 and "install" not in line
    assert not (tmp_path / "out").exists() and not (tmp_path / ".pipeline").exists()


@NO_GPU
def test_auto_without_a_gpu_is_the_cpu(installed, runner, tmp_path):
    result = _translate(runner, tmp_path, "  device: auto\n")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "uk" / "a.md").read_text() == "Hello there, friends.\n"  # the copy model


def test_a_compute_type_the_cpu_cannot_do_names_the_setting(installed, runner, tmp_path):
    supported = sorted(ctranslate2.get_supported_compute_types("cpu"))
    assert "float16" not in supported  # CTranslate2 has no float16 kernels for CPUs
    result = _translate(runner, tmp_path, "  compute_type: float16\n")
    assert result.exit_code == ExitStatus.USAGE, result.output
    assert result.stderr == (
        f"pipeline: error: {tmp_path / 'config.yaml'}: argos.compute_type: float16 is not supported on this cpu "
        f"(it supports {', '.join(supported)}); "
        "use auto or one of those\n"
    )
    assert not (tmp_path / "out").exists()


def test_device_index_beyond_the_cpu_names_the_setting(installed, runner, tmp_path):
    result = _translate(runner, tmp_path, "  device: cpu\n  device_index: [0, 1]\n")
    assert result.exit_code == ExitStatus.USAGE, result.output
    assert (
        result.stderr
        == f"pipeline: error: {tmp_path / 'config.yaml'}: argos.device_index: [0, 1] names CUDA devices; on the cpu it must be 0\n"
    )
    assert not (tmp_path / "out").exists()


def test_the_device_settings_do_not_change_what_keys_the_records(argos_env, package_files):
    """Records and memory entries made before these settings existed stay valid for CPU users."""
    pkg = packages.install_file(package_files["en_uk"], ArgosConfig())
    before = (
        '{"beam_size":2,"compute_type":"int8","length_penalty":0.2,"max_length_extra":16,'
        '"max_length_ratio":2.0,"no_repeat_ngram_size":0,"repetition_penalty":1.0}'
    )  # settings_key of the default engine, as earlier versions recorded it
    for a in (ArgosConfig(), ArgosConfig(device="auto"), ArgosConfig(device="cuda", device_index=(1, 0))):
        assert settings_key(ArgosEngine(pkg.path, a).settings) == before


def test_a_device_index_beyond_the_gpus_names_the_setting(argos_env, package_files, monkeypatch):
    """On a machine with one GPU, as CTranslate2 would report it (this one has none)."""
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device, index=0: {"float32", "float16", "int8_float16"})
    pkg = packages.install_file(package_files["en_uk"], ArgosConfig())
    with pytest.raises(ConfigError, match=r"^argos.device_index: \[0, 1\], but CTranslate2 sees 1 CUDA device \(0 to 0\)$"):
        ArgosEngine(pkg.path, ArgosConfig(device="cuda", device_index=(0, 1))).load()
    with pytest.raises(
        ConfigError, match=r"^argos.compute_type: int8 is not supported on cuda 0 \(it supports float16, float32, int8_float16\)"
    ):
        ArgosEngine(pkg.path, ArgosConfig(device="auto")).load()
