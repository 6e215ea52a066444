"""Shared fixtures: the bundled sample corpus, and ../shared/ only when it is there."""

from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3-compatible server (moto's server mode) on 127.0.0.1, for the whole
    session; the ``AWS_*`` variables point every S3 client of this process, and of the
    commands it starts, at it. Skips when moto or s3fs is not installed."""
    pytest.importorskip("s3fs", reason="s3fs is not installed (pip install -e '.[test]')")
    server_mod = pytest.importorskip("moto.server", reason="moto is not installed (pip install -e '.[test]')")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the test output
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str) -> str:
    """A new, empty bucket on the session's S3 server, as ``s3://NAME``."""
    import fsspec

    name = f"test-{uuid.uuid4().hex[:12]}"
    fs = fsspec.filesystem("s3")
    fs.mkdir(name)
    fs.invalidate_cache()
    return f"s3://{name}"


@pytest.fixture
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM handled as the commands handle it (``console.library_errors``)."""

    def terminate(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    yield
    signal.signal(signal.SIGTERM, previous)


# A headless Chromium for the review page tests (tests/browser.py): `browser`, `open_report`.
from browser import browser, open_report  # noqa: E402, F401


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session in local mode (2 cores, 3 shuffle partitions, no UI, bound to
    127.0.0.1) for every test that needs it, stopped at the end of the session. Skips
    when pyspark is not installed (``pip install -e '.[spark]'``) or Java is missing."""
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[spark]'")
    import shutil

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark (.ci/run installs one)")
    from dedup.spark import session

    spark = session("local[2]", partitions=3)
    yield spark
    spark.stop()
