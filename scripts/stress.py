#!/usr/bin/env python3
"""Stress the command line: many small runs with the default --jobs under CPU load, some
cut short by SIGINT or SIGTERM at random moments, some read by a reader that leaves.

    python scripts/stress.py --runs 200

Each run is one of:

- ``scan``: ``dedup scan A``; exit 0 and the very bytes a one-process run printed;
- ``head``: ``dedup scan A --format json``, the reader closing the pipe after one line
  (``| head -1``); exit 141 at once, nothing on stderr;
- ``run``, ``clean``, ``report``: ``dedup run``/``dedup clean``/``dedup scan -o`` of A
  or B over the output of the other one, with ``--force``; uninterrupted, the output
  is what a one-process run wrote;
- the same three interrupted: Ctrl-C (SIGINT to the process group, as a terminal sends
  it), SIGTERM to the command, or SIGTERM to its process group (``timeout``, systemd),
  at a random moment between the command's start (once it handles SIGTERM) and a little
  after its usual end; exit 130 (or 0 if it had finished, or killed by the signal if
  it came while the process was exiting), and the output is the previous one or the
  complete new one, with no ``.partial-*``, ``.old-*`` or ``.tmp`` left.

Every run must end within ``--timeout`` seconds, print no traceback, exit with an
expected code and leave no process behind. Exit status 0 when every run passed; the
failures are listed. ``tests/test_stress.py`` runs a few dozen of these in the suite.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-c", "from dedup.cli import main; main()"]
SCENARIOS = ("scan", "head", "run", "clean", "report", "run+signal", "clean+signal", "report+signal")
# How a run is interrupted: (signal, to the whole process group?)
INTERRUPTS = {"ctrl-c": (signal.SIGINT, True), "term": (signal.SIGTERM, False), "term-group": (signal.SIGTERM, True)}
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141
# Lines a run may print on stderr (everything else is a failure): the interruption notice.
ALLOWED = ("dedup: interrupted; ",)


@dataclass
class Outcome:
    scenario: str
    how: str
    code: int | None
    seconds: float
    problems: list[str] = field(default_factory=list)


def make_corpus(folder: Path, count: int, seed: int) -> Path:
    """``count`` short documents (several batches, so the workers are used) of paragraphs
    made of sentences of the sample corpus: some repeat a paragraph of the document
    before them, some copy a whole earlier one."""
    rng = random.Random(seed)
    sentences = [
        s.strip() + "."
        for f in sorted((REPO / "corpus").glob("*.txt"))
        for line in f.read_text(encoding="utf-8").split("\n")
        if len(line.split()) >= 12
        for s in line.split(". ")
        if len(s.split()) >= 6
    ]
    folder.mkdir(parents=True)
    texts: list[list[str]] = []
    for k in range(count):
        if texts and rng.random() < 0.1:
            paragraphs = list(rng.choice(texts))
        else:
            paragraphs = [" ".join(rng.sample(sentences, 3)) for _ in range(3)]
            if texts and rng.random() < 0.5:
                paragraphs[rng.randrange(3)] = rng.choice(texts[-1])  # seldom enough to be no site chrome
        texts.append(paragraphs)
        (folder / f"doc{k:03d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONUNBUFFERED", None)  # buffered, as for a user (see tests/test_console.py)
    return env


def _tree(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _state(path: Path) -> object:
    return _tree(path) if path.is_dir() else (path.read_bytes() if path.exists() else None)


def _handles_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM yet (the command has started)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    except OSError:
        pass
    return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Stress:
    def __init__(self, work: Path, timeout: float, seed: int) -> None:
        self.work = work
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.corpora = {"A": make_corpus(work / "A", 240, seed), "B": make_corpus(work / "B", 140, seed + 1)}
        self.golden: dict[tuple[str, str], object] = {}
        self.durations: dict[str, list[float]] = {}  # of uninterrupted runs, by kind
        self.outputs = work / "outputs"
        self.outputs.mkdir()

    def args(self, kind: str, corpus: str, target: Path | None = None) -> list[str]:
        source = str(self.corpora[corpus])
        return {
            "scan": ["scan", source],
            "head": ["scan", source, "--format", "json"],
            "run": ["run", source, "-o", str(target), "--force", "-q"],
            "clean": ["clean", source, "-o", str(target), "--force", "-q"],
            "report": ["scan", source, "-o", str(target), "-q"],
        }[kind]

    def prepare(self) -> None:
        """What one process writes (the outputs every run must match), and how long a run
        takes (until uninterrupted runs under load say better)."""
        for kind in ("scan", "run", "clean", "report"):
            for corpus in ("A", "B"):
                target = self.work / "golden" / f"{kind}-{corpus}"
                target.parent.mkdir(exist_ok=True)
                started = time.monotonic()
                done = subprocess.run(
                    [*COMMAND, *self.args(kind, corpus, target), "--jobs", "1"], capture_output=True, env=_env(),
                    timeout=self.timeout, check=True,
                )  # fmt: skip
                self.durations.setdefault(kind, []).append(time.monotonic() - started)
                self.golden[(kind, corpus)] = done.stdout if kind == "scan" else _state(target)
        head = subprocess.run([*COMMAND, *self.args("head", "A")], capture_output=True, env=_env(), check=True)
        if len(head.stdout) <= 65536:
            raise SystemExit(f"the JSON report ({len(head.stdout)} bytes) would fit in a pipe; make corpus A larger")
        for kind in ("run", "clean", "report"):  # start from the output of corpus B
            target = self.outputs / kind
            subprocess.run([*COMMAND, *self.args(kind, "B", target)], env=_env(), check=True, timeout=self.timeout)

    def one(self, scenario: str) -> Outcome:
        kind, _, interrupted = scenario.partition("+")
        how = self.rng.choice(sorted(INTERRUPTS)) if interrupted else "-"
        target = self.outputs / kind if kind in ("run", "clean", "report") else None
        corpus = "A"
        before = None
        if target is not None:
            before = _state(target)
            corpus = "A" if before == self.golden[(kind, "B")] else "B"
        proc = subprocess.Popen(
            [*COMMAND, *self.args(kind, corpus, target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
            start_new_session=True,
        )  # fmt: skip
        started = time.monotonic()
        problems: list[str] = []
        try:
            if kind == "head":
                fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 65536)  # Linux's default size
                proc.stdout.readline()
                proc.stdout.close()
            elif interrupted:
                self._interrupt(proc, how, started, statistics.median(self.durations[kind][-9:]))
            # Not read() then wait(): a process left behind would hold the pipes open for ever.
            stdout, stderr = proc.communicate(timeout=max(1.0, self.timeout - (time.monotonic() - started)))
            code = proc.returncode
        except subprocess.TimeoutExpired:
            alive = "the command" if proc.poll() is None else "a process it left behind, holding its pipes"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return Outcome(
                scenario, how, None, time.monotonic() - started, [f"hung for {self.timeout:.0f} s ({alive})"]
            )
        stdout = stdout or b""
        seconds = time.monotonic() - started
        if not interrupted and kind in self.durations:
            self.durations[kind].append(seconds)
        text = stderr.decode("utf-8", "replace")
        unexpected = [line for line in text.splitlines() if not line.startswith(ALLOWED)]
        if unexpected:
            problems.append("stderr: " + " | ".join(unexpected)[:2000])
        expected = {"head": {EXIT_BROKEN_PIPE}}.get(kind, {0})
        if interrupted:
            # Killed by the signal itself: it came while the process was exiting, its work
            # done and the signal handed back to the default action. Had it come during the
            # work, a partial output would be left, which _check_output reports.
            expected = {0, EXIT_INTERRUPTED, -INTERRUPTS[how][0]}
        if code not in expected:
            problems.append(f"exit code {code}, expected one of {sorted(expected)}")
        if kind == "scan" and stdout != self.golden[("scan", corpus)]:
            problems.append("the report differs from a one-process run's")
        if target is not None:
            problems += self._check_output(kind, corpus, target, before, interrupted, code)
        deadline = time.monotonic() + 5
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _group_alive(proc.pid):
            problems.append("processes left behind")
            os.killpg(proc.pid, signal.SIGKILL)
        return Outcome(scenario, how, code, seconds, problems)

    def _interrupt(self, proc: subprocess.Popen[bytes], how: str, started: float, usual: float) -> None:
        sig, group = INTERRUPTS[how]
        while not _handles_sigterm(proc.pid):  # the command has started (its imports are done)
            if proc.poll() is not None or time.monotonic() - started > self.timeout:
                return
            time.sleep(0.002)
        ready = time.monotonic()
        delay = self.rng.uniform(0, max(0.0, 1.3 * usual - (ready - started)))  # some after the usual end
        time.sleep(delay)
        try:
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def _check_output(
        self, kind: str, corpus: str, target: Path, before: object, interrupted: bool, code: int | None
    ) -> list[str]:
        problems = []
        now = _state(target)
        new = self.golden[(kind, corpus)]
        if code == 0 and now != new:
            problems.append("the output differs from a one-process run's")
        elif code is not None and code < 0 and now != new:
            problems.append("killed by the signal before its output was complete")
        elif now not in (new, before):
            problems.append("the output is neither the previous one nor the complete new one")
        left = [p.name for p in self.outputs.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]
        if left:
            problems.append(f"left behind: {left}")
        return problems


def busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` processes that keep a core busy each (CPU load for the runs)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(count)]


def stress(runs: int, load: int, timeout: float, seed: int, report=print) -> list[Outcome]:
    """``runs`` runs under ``load`` busy processes; returns each run's outcome."""
    with tempfile.TemporaryDirectory(prefix="dedup-stress-") as tmp:
        stress = Stress(Path(tmp), timeout, seed)
        stress.prepare()
        loops = busy_loops(load)
        outcomes = []
        try:
            order = [SCENARIOS[k % len(SCENARIOS)] for k in range(runs)]
            stress.rng.shuffle(order)
            for k, scenario in enumerate(order, 1):
                outcome = stress.one(scenario)
                outcomes.append(outcome)
                if outcome.problems:
                    report(f"run {k} ({scenario}, {outcome.how}): FAILED: {'; '.join(outcome.problems)}")
        finally:
            for loop in loops:
                loop.kill()
                loop.wait()
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    lines = []
    by = Counter((o.scenario, o.how, o.code) for o in outcomes)
    for (scenario, how, code), n in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2]))):
        lines.append(f"  {scenario:14} {how:11} exit {code!s:>4}: {n}")
    times = [o.seconds for o in outcomes]
    failed = [o for o in outcomes if o.problems]
    lines.append(
        f"{len(outcomes)} runs, {len(failed)} failed; {sum(o.code is None for o in outcomes)} hung; "
        f"run time median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--load", type=int, default=os.cpu_count() or 2, help="busy processes (default: one a core)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a run counts as hung")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))  # so that the busy loops are stopped
    started = time.monotonic()
    outcomes = stress(args.runs, args.load, args.timeout, args.seed)
    print(summary(outcomes))
    print(f"load: {args.load} busy processes; {time.monotonic() - started:.0f} s in all")
    return 1 if any(o.problems for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
