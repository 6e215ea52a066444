"""What the command line shares: logging that keeps dependencies' lines out of the user's
terminal (in workers too), and a reader that goes away (``| head -1``)."""

import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main

REPO = Path(__file__).resolve().parents[1]
# An HTML page with no main text: trafilatura logs "discarding data: None" for it, naming
# no file. Pages of a few words of text: trafilatura logs its debug lines for them.
EMPTY_PAGE = "<html><head><title>Nothing</title></head><body></body></html>\n"
SHORT_PAGE = "<html><head><title>Menu {k}</title></head><body><nav><a href='/'>Home</a></nav><div>Short {k}</div></body></html>\n"  # noqa: E501


def _pages(folder, count):
    """``count`` HTML pages (more than one batch of work when count > 64), every third
    one without main text, and a file of an unknown kind (dedup says it skips it, at -v)."""
    folder.mkdir()
    for k in range(count):
        (folder / f"p{k:03d}.html").write_text(EMPTY_PAGE if k % 3 == 0 else SHORT_PAGE.format(k=k))
    (folder / "notes.log").write_text("not read\n")
    return folder


def _dedup(*args, **kwargs):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", "from dedup.cli import main; main()", *args], capture_output=True, text=True,
        timeout=120, env=env, **kwargs,
    )  # fmt: skip


DEPENDENCY_LINE = re.compile(r"^(trafilatura|htmldate|courlan|justext|charset_normalizer)[\w.]*: ", re.M)
DEPENDENCY_DEBUG = ("no main title found", "minimum date setting", "Recovering wild text", "extracted length")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_dependency_logs_stay_out_of_stderr_by_default(tmp_path, jobs):
    res = _dedup("scan", str(_pages(tmp_path / "pages", 140)), "--jobs", jobs, "-v")
    assert res.returncode in (0, 3), res.stderr
    assert "discarding data" not in res.stderr
    assert not DEPENDENCY_LINE.search(res.stderr), res.stderr
    assert not any(line in res.stderr for line in DEPENDENCY_DEBUG), res.stderr
    assert re.search(r"^dedup: .*notes\.log: skipped", res.stderr, re.M), res.stderr  # ours still shown at -v


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_with_vv_dependency_warnings_show_under_their_own_names(tmp_path, jobs):
    res = _dedup("scan", str(_pages(tmp_path / "pages", 140)), "--jobs", jobs, "-vv")
    assert res.returncode in (0, 3), res.stderr
    discarded = re.findall(r"^(\S+): discarding data", res.stderr, re.M)
    assert discarded and set(discarded) == {"trafilatura.core"}, res.stderr[-3000:]
    assert not any(line in res.stderr for line in DEPENDENCY_DEBUG), res.stderr[-3000:]  # their debug lines: no
    assert not re.search(r"^dedup: discarding data", res.stderr, re.M)
    assert re.search(r"^dedup: .*notes\.log: skipped", res.stderr, re.M)


def test_dependency_logs_in_process_through_clirunner(tmp_path):
    pages = _pages(tmp_path / "pages", 4)
    res = CliRunner().invoke(main, ["scan", str(pages), "--jobs", "1"])
    assert "discarding data" not in res.stderr and not DEPENDENCY_LINE.search(res.stderr)
    res = CliRunner().invoke(main, ["scan", str(pages), "--jobs", "1", "-vv"])
    assert re.search(r"^trafilatura\.core: discarding data", res.stderr, re.M), res.stderr
    res = CliRunner().invoke(main, ["scan", str(pages), "--jobs", "1", "-q", "-vv"])  # -q wins
    assert "discarding" not in res.stderr and not DEPENDENCY_LINE.search(res.stderr)


def _big_corpus(folder, count=300):
    """Enough documents that the JSON report (165 KiB) is larger than a pipe's buffer."""
    import random

    rng = random.Random(3)
    paragraphs = [
        line
        for f in sorted((REPO / "corpus").glob("*.txt"))
        for line in f.read_text(encoding="utf-8").split("\n")
        if len(line.split()) >= 12
    ]
    folder.mkdir()
    for k in range(count):
        (folder / f"d{k:03d}.txt").write_text("\n\n".join(rng.sample(paragraphs, 4)) + "\n", encoding="utf-8")
    return folder


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    corpus = _big_corpus(tmp_path / "big")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    # Buffered, as for a user: unbuffered (PYTHONUNBUFFERED), Python drops what a partial
    # write to a pipe did not take instead of raising BrokenPipeError.
    env.pop("PYTHONUNBUFFERED", None)
    args = [sys.executable, "-c", "from dedup.cli import main; main()", "scan", str(corpus), "--format", "json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 65536)  # Linux's default, whatever the system's
    assert proc.stdout.readline() == b"{\n"  # what `head -1` reads, before it exits
    proc.stdout.close()
    try:
        err = proc.stderr.read()
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the command did not end when its reader went away")
    assert err == b""
    assert code == 141  # 128 + SIGPIPE, as for a tool that SIGPIPE ended
