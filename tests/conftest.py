"""Shared fixtures: the bundled sample corpus, and ../shared/ only when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

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
