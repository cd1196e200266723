"""Real SIGKILLs and SIGINTs in the write phase of every writing command (bench/kill_stress.py runs
dozens per command; here one or two), and the states an interruption leaves, completed by the next run."""

from __future__ import annotations

import importlib.util
import signal
import sys

import pytest

from tests.conftest import ROOT, SHARED


def _kill_stress():
    spec = importlib.util.spec_from_file_location("kill_stress", ROOT / "bench" / "kill_stress.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kill_stress", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "mode, sig, articles",
    [
        ("translate", signal.SIGKILL, 8),
        pytest.param(
            "adopt",
            signal.SIGINT,
            4,
            marks=pytest.mark.skipif(not (SHARED / "articles").is_dir(), reason="adopts NTREX-128 articles from ../shared/data"),
        ),
        ("import", signal.SIGKILL, 4),
        ("export", signal.SIGINT, 6),
        ("review", signal.SIGKILL, 3),
    ],
)
def test_a_command_killed_while_writing_is_completed_by_the_next_run(mode, sig, articles):
    """The next run of the same command (then translate) leaves the output folder as an
    uninterrupted run does, with every correction and the translator's files as they were."""
    result = _kill_stress().stress(mode, 1, sig, articles=articles, seed=int(sig) + articles)
    assert result.trials == 1 and result.failures == []
