#!/usr/bin/env python3
"""How ``dedup scan`` scales: time and peak memory at growing corpus sizes on one machine.

Generates (or reuses, ``--corpus DIR``) the synthetic corpus of ``scripts/synth.py`` as
JSONL shards of ``--shard-docs`` records ``{"id": ..., "text": ...}``; the corpus of n
documents is the first n records (whole shards, and the head of the next one when n is not
a multiple of the shard size). Each size runs in a fresh process, through the wrapper of
``scripts/bench_scan.py``, which times it and samples the summed PSS of its process tree.
The table gives documents, seconds, documents per second, peak tree MiB, and the time
ratio to the smallest size beside the ratios of n and of n log n: time should grow no
faster than n log n.

Engines are contenders run on the same corpus folders; each is a function
``(corpus, docs, work, args) -> Measured`` in ``ENGINES``: ``local`` (the default
engine) and ``spark`` (``--engine spark``, Spark in local mode, ``--master local[2]``);
with both, each size's reports are compared byte for byte.

    python scripts/bench_scale.py --docs 100000,300000,1000000 --corpus /tmp/scale/1m --engine local
    python scripts/bench_scale.py --docs 100000 --corpus /tmp/scale/1m     # local against spark
    python scripts/bench_scale.py --docs 2000,6000 --shard-docs 1000        # a quick check
    python scripts/bench_scale.py --corpus /tmp/scale/1m --generate-only --docs 1000000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scan  # noqa: E402
from bench_scan import Measured, _dedup_command, _versions, measure  # noqa: E402
from synth import SynthOptions, generate  # noqa: E402

# Records per JSONL shard: ten shards make the million-document corpus, and a size that
# is a multiple of it reads whole shards (no partial copy to write).
SHARD_DOCS = 100_000
# The corpus description beside the shards; a reused corpus must match the options asked.
CORPUS_INFO = "corpus.json"
# Seconds between samples of the tree's memory: reading smaps_rollup of a process of a few
# GiB costs milliseconds, and at bench_scan's 0.05 s the sampler took 15% of a core here;
# runs of minutes need no finer grain than this.
SAMPLE_EVERY = 0.5


def shard_name(k: int) -> str:
    return f"shard_{k:03d}.jsonl"


def ensure_corpus(folder: Path, docs: int, shard_docs: int, seed: int) -> dict[str, object]:
    """The corpus of at least ``docs`` documents in ``folder`` as JSONL shards: reused when
    ``folder`` holds one made with the same seed and shard size, else generated."""
    info_path = folder / CORPUS_INFO
    if info_path.exists():
        info = json.loads(info_path.read_text())
        if info["seed"] != seed or info["shard_docs"] != shard_docs:
            raise SystemExit(f"{folder} holds a corpus of seed {info['seed']}, shards of {info['shard_docs']}: "
                             f"not seed {seed}, shards of {shard_docs}; give another --corpus")  # fmt: skip
        if info["docs"] >= docs:
            return info
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    print(f"generating {docs:,} documents into {folder} ...", flush=True)
    out, count, words, size = None, 0, 0, 0
    try:
        for doc in generate(SynthOptions(docs=docs, seed=seed)):
            if count % shard_docs == 0:
                if out is not None:
                    out.close()
                out = (folder / shard_name(count // shard_docs)).open("w", encoding="utf-8", newline="\n")
            line = json.dumps({"id": doc.name.removesuffix(".txt"), "text": doc.text}, ensure_ascii=False) + "\n"
            out.write(line)
            count += 1
            words += len(doc.text.split())
            size += len(line)
    finally:
        if out is not None:
            out.close()
    info = {"docs": count, "seed": seed, "shard_docs": shard_docs, "words": words, "bytes": size}
    info_path.write_text(json.dumps(info) + "\n")
    print(f"  {count:,} documents, {words / count:.0f} words each on average, {size / 2**30:.2f} GiB of JSONL, "
          f"in {time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
    return info


def subset(corpus: Path, docs: int, shard_docs: int, work: Path) -> Path:
    """A folder of the first ``docs`` records of the corpus: links to whole shards, and a
    copy of the head of the next one."""
    folder = work / f"corpus-{docs}"
    folder.mkdir(parents=True, exist_ok=True)
    whole, rest = divmod(docs, shard_docs)
    for k in range(whole):
        link = folder / shard_name(k)
        if not link.exists():
            link.symlink_to((corpus / shard_name(k)).resolve())
    if rest:
        with (
            (corpus / shard_name(whole)).open(encoding="utf-8") as src,
            (folder / shard_name(whole)).open("w", encoding="utf-8") as dst,
        ):
            for _, line in zip(range(rest), src):
                dst.write(line)
    return folder


def run_local(corpus: Path, docs: int, work: Path, args: argparse.Namespace) -> Measured:
    """``dedup scan`` with its defaults (cleaning, both levels), JSON report to a file."""
    report = work / f"local-{docs}.json"
    argv = [*_dedup_command(), "scan", str(corpus), "--format", "json", "-o", str(report), "-q"]
    if args.jobs:
        argv += ["--jobs", str(args.jobs)]
    if args.memory:
        argv += ["--memory", args.memory]
    print(f"\n[local {docs:,}] {shlex.join(argv)}", flush=True)
    return measure(argv, work / f"local-{docs}.log")


def run_spark(corpus: Path, docs: int, work: Path, args: argparse.Namespace) -> Measured:
    """``dedup scan --engine spark`` (Spark in local mode, ``--master``), the same report.

    Its ``cpu s`` misses the JVM and Spark's Python workers (not waited for as children),
    and its ``others`` counts them as other processes: compare wall times."""
    report = work / f"spark-{docs}.json"
    argv = [*_dedup_command(), "scan", str(corpus), "--format", "json", "-o", str(report), "-q"]
    argv += ["--engine", "spark", "--master", args.master]
    print(f"\n[spark {docs:,}] {shlex.join(argv)}", flush=True)
    return measure(argv, work / f"spark-{docs}.log")


# The contenders: name -> how to run it on the corpus of n documents.
ENGINES: dict[str, Callable[[Path, int, Path, argparse.Namespace], Measured]] = {
    "local": run_local,
    "spark": run_spark,
}


def table(engine: str, rows: list[tuple[int, Measured]]) -> list[str]:
    """Documents, seconds, rate, peak tree memory, and time growth against n and n log n."""
    head = (
        f"{'engine':<8} {'documents':>10} {'seconds':>8} {'cpu s':>7} {'docs/s':>8} {'tree MiB':>9} {'peak MiB':>9} "
        f"{'others':>7} {'time x':>7} {'cpu x':>6} {'n x':>6} {'n log n x':>10}"
    )
    lines = [head, "-" * len(head)]
    base_n, base = rows[0][0], rows[0][1]
    for n, m in rows:
        if m.exit != 0:
            lines.append(f"{engine:<8} {n:>10,} failed (exit {m.exit})")
            continue
        grow_n = n / base_n
        grow_nlogn = n * math.log(n) / (base_n * math.log(base_n))
        lines.append(
            f"{engine:<8} {n:>10,} {m.wall:>8.1f} {m.cpu:>7.1f} {n / m.wall:>8,.0f} {m.tree_mib:>9,.0f} "
            f"{m.peak_mib:>9,.0f} {m.others:>7.0%} {m.wall / base.wall if base.wall else 0:>7.2f} "
            f"{m.cpu / base.cpu if base.cpu else 0:>6.2f} {grow_n:>6.2f} {grow_nlogn:>10.2f}"
        )
    return lines


def compare(results: dict[str, list[tuple[int, Measured]]], work: Path) -> list[str]:
    """Each engine against the local one at each size: same report bytes, time ratio."""
    local = dict(results["local"])
    lines = []
    for engine, rows in results.items():
        for n, m in rows if engine != "local" else ():
            if n not in local or m.exit or local[n].exit:
                continue
            same = (work / f"{engine}-{n}.json").read_bytes() == (work / f"local-{n}.json").read_bytes()
            lines.append(
                f"{engine} at {n:,} documents: report {'identical to' if same else 'DIFFERENT from'} the local one; "
                f"{m.wall / local[n].wall:.2f}x its wall time"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", default="100000,300000,1000000", help="comma-separated corpus sizes")
    parser.add_argument("--corpus", type=Path, help="folder of the corpus shards (reused, or generated there)")
    parser.add_argument("--shard-docs", type=int, default=SHARD_DOCS, help=f"records per shard ({SHARD_DOCS:,})")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus (default 1)")
    parser.add_argument("--engine", action="append", choices=sorted(ENGINES), help="engines to run (default: all)")
    parser.add_argument("--jobs", type=int, default=None, help="passed to dedup --jobs (default: dedup's)")
    parser.add_argument("--memory", default=None, help="passed to dedup --memory (default: none)")
    parser.add_argument("--generate-only", action="store_true", help="make the corpus, run nothing")
    parser.add_argument("--master", default="local[2]", help="Spark master of the spark engine (default local[2])")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.docs.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--docs takes whole numbers separated by commas; got {args.docs!r}")
    if not sizes or sizes[0] < 2:
        parser.error(f"--docs needs sizes of at least 2 documents; got {args.docs!r}")
    engines = args.engine or list(ENGINES)
    bench_scan.SAMPLE_EVERY = SAMPLE_EVERY

    print("command:", shlex.join(["python", *sys.argv]) if argv is None else shlex.join(argv))
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{_versions()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        work = Path(tmp)
        corpus = args.corpus or work / "corpus"
        ensure_corpus(corpus, sizes[-1], args.shard_docs, args.seed)
        if args.generate_only:
            return 0
        results: dict[str, list[tuple[int, Measured]]] = {}
        for engine in engines:
            for n in sizes:
                m = ENGINES[engine](subset(corpus, n, args.shard_docs, work), n, work, args)
                print(f"  {m.wall:.1f} s, tree {m.tree_mib:,.0f} MiB, exit {m.exit}", flush=True)
                if m.exit != 0:
                    print(m.log, flush=True)
                results.setdefault(engine, []).append((n, m))
        lines = ["", f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", ""]
        for engine, rows in results.items():
            lines += table(engine, rows) + [""]
        if "local" in results and len(results) > 1:
            lines += compare(results, work) + [""]
        lines.append("cpu s: user + system seconds of the command and its workers; tree MiB: sampled peak of the")
        lines.append("summed PSS of the process tree; peak MiB: largest process; others: share of the machine's CPU")
        lines.append("used by other processes meanwhile (high: wall times inflated); time x, cpu x, n x, n log n x:")
        lines.append("growth over the smallest size")
        print("\n".join(lines), flush=True)
        failed = any(m.exit != 0 for rows in results.values() for _, m in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
