"""The worker pool of ``parallel_map``: results in order whatever the number of workers,
workers that never run the command's signal handlers, a pool that ends its workers
cleanly (never by a signal), and worker logs handled by the command's logging.

Tests that could hang on a broken pool run their scenario in a child Python under a
timeout, so that a hang fails the test instead of stopping the suite.
"""

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from multiprocessing.util import Finalize
from pathlib import Path

import pytest

from dedup import ScanOptions
from dedup.errors import InputError
from dedup.work import Context, parallel_map

REPO = Path(__file__).resolve().parents[1]
CTX = Context(ScanOptions(jobs=2))
# How long a scenario in a child Python may take before it counts as a hang.
TIMEOUT = 60

log = logging.getLogger("dedup.tests.work")


def _square(batch):
    return [x * x for x in batch]


def _pid(batch):
    return os.getpid(), batch


def _exit_noted(batch):
    """Note, once per worker, a file in ``batch[0]`` that is written only when the
    worker ends by itself (multiprocessing runs finalizers on a normal exit, not when
    the process is killed by a signal)."""
    folder = batch[0]
    if not _FINALIZERS:  # once per worker process
        _FINALIZERS.append(Finalize(None, (Path(folder) / str(os.getpid())).touch, exitpriority=100))
    return os.getpid()


_FINALIZERS: list = []


def _stubborn(batch):
    """Gets SIGTERM and SIGINT (as from a signal to the process group), and goes on."""
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.01)
    return [x + 1 for x in batch]


def _slow(batch):
    time.sleep(0.05)
    return batch


def _die(batch):
    if batch == [5]:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer does
    return batch


def _logs(batch):
    for x in batch:
        log.warning("warning about %d", x)
        log.debug("detail about %d", x)
    logging.getLogger("some.dependency").warning("dependency warning")
    return len(batch)


def _child(code):
    """Run ``code`` in a child Python (this repository first on its path); returns it done."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]),
    }
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=TIMEOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"hung for {TIMEOUT} s; stderr so far: {exc.stderr}")


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_in_input_order_whatever_the_jobs(jobs):
    batches = [list(range(k, k + k % 5)) for k in range(40)]
    out = list(parallel_map(_square, batches, CTX, jobs))
    assert [b for b, _ in out] == batches
    assert [r for _, r in out] == [[x * x for x in b] for b in batches]


def test_one_batch_is_worked_in_this_process():
    """A pool for a single batch would cost more to start than the work (small scans)."""
    out = list(parallel_map(_pid, [[1, 2]], CTX, 4))
    assert out == [([1, 2], (os.getpid(), [1, 2]))]


def test_a_finished_pool_lets_its_workers_end_by_themselves(tmp_path):
    batches = [[str(tmp_path)]] * 12
    pids = {pid for _, pid in parallel_map(_exit_noted, batches, CTX, 2)}
    assert os.getpid() not in pids  # the work was done in workers
    # Each worker ran its exit finalizers: it was told to stop, not killed by a signal.
    assert {p.name for p in tmp_path.iterdir()} == {str(pid) for pid in pids}
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_worker_never_runs_the_command_signal_handlers(signame):
    # The signal reaches each worker right after it is forked, before the pool has set it
    # up: the command's handler (here, one that prints and raises) must not run there,
    # and the worker must go on working.
    result = _child(f"""
        import os, signal, sys
        import dedup.work as work
        from test_work import CTX, _square

        def command_handler(signum, frame):
            print(f"handler ran in {{os.getpid()}}", file=sys.stderr, flush=True)
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, command_handler)
        os.register_at_fork(after_in_child=lambda: os.kill(os.getpid(), signal.{signame}))
        batches = [[k, k + 1] for k in range(20)]
        out = list(work.parallel_map(_square, batches, CTX, 2))
        assert [r for _, r in out] == [[x * x for x in b] for b in batches], out
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert "handler ran" not in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_signal_to_the_whole_process_group_leaves_the_workers_to_the_parent():
    # SIGTERM to a worker (as `timeout`, systemd or `kill -- -PGID` send it to the whole
    # process group) must not kill it mid-result: the parent decides when the pool ends.
    result = _child("""
        import dedup.work as work
        from test_work import CTX, _stubborn

        batches = [[k] for k in range(10)]
        assert [r for _, r in work.parallel_map(_stubborn, batches, CTX, 2)] == [[k + 1] for k in range(10)]
        print("ok")
    """)
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_an_interrupted_parent_stops_the_pool_and_leaves_no_worker():
    result = _child("""
        import multiprocessing, os, signal, time
        import dedup.work as work
        from test_work import CTX, _slow

        def terminate(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, terminate)
        started = time.monotonic()
        try:
            for k, _ in enumerate(work.parallel_map(_slow, ([k] for k in range(10_000)), CTX, 2)):
                if k == 3:
                    os.kill(os.getpid(), signal.SIGTERM)
        except KeyboardInterrupt:
            print("interrupted", not multiprocessing.active_children(), time.monotonic() - started < 20)
    """)
    assert result.stdout == "interrupted True True\n", result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_a_dead_worker_is_an_error_not_a_hang():
    result = _child("""
        import dedup.work as work
        from dedup.errors import DedupError
        from test_work import CTX, _die

        try:
            list(work.parallel_map(_die, [[k] for k in range(10)], CTX, 2))
        except DedupError as exc:
            print("error:", exc)
    """)
    assert result.stdout.startswith("error: a worker process ended abruptly"), result.stderr


def _fail(batch):
    """What a batch function returns for a document it could not process (``_each``)."""
    return [InputError(f"{x}.txt", "could not process: ValueError: bad page", None, f"{x}.txt") for x in batch]


def test_a_document_that_fails_in_a_worker_comes_back_as_its_failure():
    # The failure crosses the process boundary: it must survive pickling with its fields,
    # or the pool breaks (and multiprocessing.Pool used to hang on it for ever).
    result = _child("""
        import dedup.work as work
        from test_work import CTX, _fail

        out = list(work.parallel_map(_fail, [[k] for k in range(6)], CTX, 2))
        print([(e.path, e.reason, e.line, e.doc_id) for _, errors in out for e in errors][:2])
    """)
    assert result.stdout == (
        "[('0.txt', 'could not process: ValueError: bad page', None, '0.txt'), "
        "('1.txt', 'could not process: ValueError: bad page', None, '1.txt')]\n"
    ), result.stderr


def test_worker_logs_go_through_this_process_logging(caplog):
    caplog.set_level(logging.WARNING, logger=log.name)
    batches = [[k] for k in range(6)]
    assert [n for _, n in parallel_map(_logs, batches, CTX, 2)] == [1] * 6
    mine = [r.getMessage() for r in caplog.records if r.name == log.name]
    assert mine == [f"warning about {k}" for k in range(6)]  # in input order, debug left out
    assert [r.name for r in caplog.records].count("some.dependency") == 6


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize(
    "text", ["", "  ", "One", "Hello \t World\n\nAgain", "ÉTÉ straße  ﬁn\u00a0de\u2003ligne ", "a  b " * 50]
)
def test_spacing_key_in_pieces_equals_the_key_of_the_whole_text(monkeypatch, piece, text):
    """The key of exact copies (pass 1) is worked out a piece at a time, so that a huge
    one-line text is never copied whole; pieces must not change it."""
    import hashlib

    from dedup import work

    monkeypatch.setattr(work, "_KEY_PIECE", piece)
    whole = hashlib.blake2b(" ".join(text.casefold().split()).encode("utf-8", "surrogatepass")).digest()
    assert work.spacing_key(text) == whole
