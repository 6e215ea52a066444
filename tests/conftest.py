"""Shared fixtures: the bundled sample corpus, and ../shared/ only when it is there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so that a test run (and CI) passes or
# fails on the code alone. HYPOTHESIS_PROFILE=explore draws new random examples each time,
# to search for counterexamples (what it finds, add as a plain test).
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The five sample news files bundled with the repository."""
    return REPO / "corpus"


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    """``../shared/eval`` (real pages with ground truth); skips when it is absent."""
    path = SHARED / "eval"
    if not (path / "aeb" / "ground-truth.json").exists():
        pytest.skip(f"evaluation data not found at {path} (it sits beside the repository in CI)")
    return path
