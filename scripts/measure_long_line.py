#!/usr/bin/env python3
"""Peak memory of ``dedup scan`` on one huge single-line text file (Linux: reads /proc).

Writes a seeded file of random words on ONE line (100 MB by default; ``--accents`` puts
non-ASCII letters in a word now and then, which takes the 4-bytes-a-character path of
normalisation), then runs ``dedup scan FOLDER --jobs J -q`` for each J asked for, in a
fresh process, and prints the peak resident memory of the main process and of the
largest worker (the kernel's high-water marks, which count pages a forked worker still
shares with the main process in both), the peak of the whole process tree counted without
sharing (proportional set size, sampled every 20 ms), and the wall time.

With one file there is one batch, which ``dedup`` works on in its own process whatever
``--jobs`` says; ``--files 2`` writes two such files (other words), so that two workers
each take one.

    python scripts/measure_long_line.py                     # one 100 MB file, --jobs 1 and 2
    python scripts/measure_long_line.py --files 2 --jobs 2  # two files, two workers
    python scripts/measure_long_line.py --mb 20 --jobs 1    # quicker
    python scripts/measure_long_line.py --accents --extra "--no-clean"
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# How often the process tree's total memory is sampled (per-process peaks are exact: they
# come from the kernel's high-water mark, VmHWM).
SAMPLE_EVERY = 0.02


def write_long_line(path: Path, megabytes: float, accents: bool, seed: int = 1) -> int:
    """A file of random words separated by spaces, with no newline; returns its size in bytes."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(50_000)]
    if accents:
        vocab = [w.replace("e", "é", 1) if k % 7 == 0 else w for k, w in enumerate(vocab)]
    target = int(megabytes * 1_000_000)
    size = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        while size < target:
            chunk = (" ".join(rng.choices(vocab, k=100_000)) + " ").encode("utf-8")
            handle.write(chunk.decode("utf-8"))
            size += len(chunk)
    return size


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _field_kib(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(argv: list[str]) -> dict[str, float]:
    """Run ``argv``; peak MiB of the main process, the largest descendant, the tree (PSS); seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    peaks: dict[int, int] = {}
    tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        while not done.is_set():
            pids, stack = [], [proc.pid]
            while stack:
                pid = stack.pop()
                pids.append(pid)
                stack.extend(_children(pid))
            total = 0
            for pid in pids:
                total += _field_kib(f"/proc/{pid}/smaps_rollup", "Pss")
                hwm = _field_kib(f"/proc/{pid}/status", "VmHWM")
                if hwm:
                    peaks[pid] = max(peaks.get(pid, 0), hwm)
            tree_peak = max(tree_peak, total)
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
        raise SystemExit(f"{' '.join(argv)} exited with {proc.returncode}")
    main_peak = peaks.get(proc.pid, 0)
    workers = [v for pid, v in peaks.items() if pid != proc.pid]
    return {
        "main": main_peak / 1024,
        "worker": max(workers, default=0) / 1024,
        "tree": tree_peak / 1024,
        "seconds": wall,
    }


def _dedup_command() -> list[str]:
    script = Path(sys.executable).parent / "dedup"
    found = str(script) if script.exists() else shutil.which("dedup")
    return [found] if found else [sys.executable, "-m", "dedup.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="file size in MB (default 100)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values to run (default 1 2)")
    parser.add_argument("--files", type=int, default=1, help="how many such files to scan at once (default 1)")
    parser.add_argument("--accents", action="store_true", help="put non-ASCII letters in some words")
    parser.add_argument("--extra", default="", help="more options for dedup scan, e.g. '--no-clean'")
    parser.add_argument("--file", type=Path, help="measure this file or folder instead of writing files")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        raise SystemExit("this script reads /proc (Linux)")
    with tempfile.TemporaryDirectory(prefix="dedup-long-line-") as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "long"
            path.mkdir()
            for k in range(args.files):
                size = write_long_line(path / f"long{k}.txt", args.mb, args.accents, seed=k + 1)
            accents = "with" if args.accents else "no"
            print(f"wrote {args.files} x {size / 1e6:.1f} MB, each on one line ({accents} accents)")
        print(f"{'jobs':>4}  {'main MiB':>9}  {'worker MiB':>10}  {'tree PSS MiB':>12}  {'seconds':>7}")
        for jobs in args.jobs:
            argv = [*_dedup_command(), "scan", str(path), "--jobs", str(jobs), "-q", *args.extra.split()]
            m = measure(argv)
            print(f"{jobs:>4}  {m['main']:>9.0f}  {m['worker']:>10.0f}  {m['tree']:>12.0f}  {m['seconds']:>7.1f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
