"""Real SIGKILLs and SIGINTs in the write phase (bench/kill_stress.py runs dozens; here a few)."""

from __future__ import annotations

import importlib.util
import signal

import pytest

from tests.conftest import ROOT


def _stress():
    spec = importlib.util.spec_from_file_location("kill_stress", ROOT / "bench" / "kill_stress.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.stress


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_run_killed_while_writing_is_completed_by_the_next_run(sig):
    trials, failures, _ = _stress()(3, sig, articles=20, seed=int(sig))
    assert trials == 3 and failures == []
