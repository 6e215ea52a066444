"""The command line under stress (``scripts/stress.py``, a few dozen runs; ``--runs 200``
for a long one): small scans, runs and cleans with the default --jobs under CPU load,
some interrupted by Ctrl-C or SIGTERM at random moments, some read by ``| head -1``.
No run may hang, print a traceback, exit with an unexpected code, leave a process or a
partial output behind, or write other bytes than a one-process run."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "stress.py"
RUNS = 24  # about 30 s on 2 cores


def _stress_module():
    spec = importlib.util.spec_from_file_location("stress", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["stress"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see when a command has started")
def test_runs_under_load_and_interruptions_end_cleanly():
    stress = _stress_module()
    lines = []
    outcomes = stress.stress(runs=RUNS, load=os.cpu_count() or 2, timeout=60, seed=7, report=lines.append)
    assert len(outcomes) == RUNS
    assert not [o for o in outcomes if o.problems], "\n".join([*lines, stress.summary(outcomes)])
