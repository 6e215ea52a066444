#!/usr/bin/env python3
"""Benchmark the persistent index: add speed beside ``dedup scan``, query latency, size, memory.

Generates a seeded synthetic corpus (scripts/synth.py: prose of 300 to 1,000 words, 30%
near-copies of earlier originals) of DOCS + QUERIES documents as JSONL files. The first
DOCS documents are added to an index in ADDS equal parts (a daily batch each); the last
QUERIES documents are new, about 30% of them near-copies of indexed ones. Each step runs
in a fresh process, so interpreter start, imports and reading count:

  scan        dedup scan PART-1 --format json -o FILE   (the baseline; run before and after
              the adds, as the machine's load may change meanwhile)
  add k       python -m dedup.index_cli add INDEX PART-k  (k = 1 .. ADDS)
  query       a script that opens the index once, makes one query to start up (timed
              apart: "first ms"), then calls Index.query([doc]) for each new document in
              turn (one worker, no pool): latency per document; then all the new
              documents in one call (batch documents per second)

Queries run after the first add and after the last, at two index sizes: their peak
memory must not grow with the index. Cleaning is on for every step (the default of both
commands); pass --no-clean to turn it off for all of them.

Figures are ratios against the scan baseline measured in the same run, because this
machine may be shared: "others cpu" is the share of the machine's CPU time that other
processes used during a step (high values mean inflated wall times).

    python scripts/bench_index.py                     # 100,000 indexed, 1,000 queried
    python scripts/bench_index.py --docs 20000        # about a fifth of the time
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import Measured, _dedup_command, _versions, measure  # noqa: E402
from synth import SynthOptions, generate  # noqa: E402

# Targets from issue 5: add at least as fast as scan; p99 query latency per document.
TARGET_ADD_VS_SCAN = 1.0
TARGET_P99_MS = 20.0
# Peak memory of the query run may differ by this much between the two index sizes and
# still count as flat (allocator noise, the page cache filling to its fixed limit).
FLAT_MEMORY_MIB = 25.0

QUERY_RUNNER = '''\
"""Query each document alone (latency), then all at once (throughput); JSON to argv[3]."""
import json, sys, time
from dedup.index import Index
from clean.tokens import warm_up
from dedup.readers import iter_documents
index_path, queries, out, clean = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
docs = [d for d in iter_documents([queries])]
times, keeps, paragraphs = [], {}, 0
with Index(index_path, create=False, jobs=1) as index:
    start = time.perf_counter()
    warm_up()  # one-time start-up (lookup tables, compiled patterns), reported apart
    index.query(docs[:1])
    first = time.perf_counter() - start
    for doc in docs:
        start = time.perf_counter()
        result = index.query([doc])
        times.append(time.perf_counter() - start)
        keeps[doc.id] = [c.keep for c in result.doc_clusters]
        paragraphs += len(result.paragraph_clusters)
    start = time.perf_counter()
    batch = index.query(docs)
    batch_wall = time.perf_counter() - start
with open(out, "w") as f:
    json.dump({"times": times, "first": first, "keeps": keeps, "paragraph_clusters": paragraphs,
               "batch_wall": batch_wall, "batch_candidates": batch.summary.candidates}, f)
'''


@dataclass(frozen=True)
class QueryRun:
    size: int
    measured: Measured
    times: list[float]
    first: float
    batch_wall: float
    found: int
    copies: int
    false: int
    paragraph_clusters: int


def write_jsonl(path: Path, docs: list[tuple[str, str]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for name, text in docs:
            f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def step(label: str, argv: list[str], log: Path) -> Measured:
    print(f"\n[{label}] {shlex.join(argv)}", flush=True)
    m = measure(argv, log)
    if m.exit != 0:
        raise SystemExit(f"{label} failed (exit {m.exit}):\n{m.log}")
    print(f"  {m.wall:.1f} s wall, {m.cpu:.1f} s CPU, peak {m.peak_mib:.0f} MiB, others {m.others:.0%}", flush=True)
    return m


def query_run(work: Path, index: Path, queries: Path, size: int, family: dict[str, int], docs: int,
              clean: bool) -> QueryRun:  # fmt: skip
    out = work / f"query-{size}.json"
    argv = [sys.executable, str(work / "query_runner.py"), str(index), str(queries), str(out), "1" if clean else "0"]
    m = step(f"query at {size:,} documents", argv, work / f"query-{size}.log")
    data = json.loads(out.read_text())
    found = copies = false = 0
    for name, keeps in data["keeps"].items():
        mine = family[name]
        is_copy = mine != int(name[4:-4]) and mine < size  # a near-copy of an indexed original
        copies += is_copy
        hit = any(family[k] == mine for k in keeps)
        found += is_copy and hit
        false += bool(keeps) and not hit
    clusters = data["paragraph_clusters"]
    return QueryRun(size, m, data["times"], data["first"], data["batch_wall"], found, copies, false, clusters)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000, help="documents indexed (default 100000)")
    parser.add_argument("--queries", type=int, default=1_000, help="new documents queried (default 1000)")
    parser.add_argument("--adds", type=int, default=10, help="parts the documents are added in (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus (default 1)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for scan and add (default: dedup's)")
    parser.add_argument("--no-clean", action="store_true", help="turn cleaning off for scan, add and query")
    parser.add_argument("--work", type=Path, help="folder for the corpus and index (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.docs < args.adds or args.adds < 1 or args.queries < 1:
        parser.error("need --docs >= --adds >= 1 and --queries >= 1")

    print("command:", shlex.join(["python", *sys.argv]) if argv is None else shlex.join(argv))
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{_versions()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench_index_", dir=args.work) as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        everything = list(generate(SynthOptions(docs=args.docs + args.queries, seed=args.seed)))
        family = {d.name: d.family for d in everything}
        part = args.docs // args.adds
        parts = []
        for k in range(args.adds):
            chunk = everything[k * part : (k + 1) * part if k < args.adds - 1 else args.docs]
            path = work / f"part-{k + 1:02d}.jsonl"
            write_jsonl(path, [(d.name, d.text) for d in chunk])
            parts.append((path, len(chunk)))
        queries = work / "queries.jsonl"
        write_jsonl(queries, [(d.name, d.text) for d in everything[args.docs :]])
        words = sum(len(d.text.split()) for d in everything) / len(everything)
        del everything
        print(f"corpus: {args.docs:,} documents to index in {args.adds} adds of {part:,}, {args.queries:,} to query; "
              f"{words:.0f} words a document on average; generated in {time.perf_counter() - start:.0f} s")  # fmt: skip
        (work / "query_runner.py").write_text(QUERY_RUNNER, encoding="utf-8")

        dedup = _dedup_command()
        flags = (["--jobs", str(args.jobs)] if args.jobs else []) + (["--no-clean"] if args.no_clean else [])
        index = work / "bench.idx"
        first, first_docs = parts[0]

        def scan(label: str) -> Measured:
            return step(label, [*dedup, "scan", str(first), *flags, "-q", "--format", "json",
                                "-o", str(work / "scan.json")], work / f"{label}.log")  # fmt: skip

        scans = [scan("scan before")]
        adds: list[tuple[int, int, Measured, int]] = []
        runs: list[QueryRun] = []
        total = 0
        for k, (path, n) in enumerate(parts, 1):
            argv = [sys.executable, "-m", "dedup.index_cli", "add", str(index), str(path), *flags, "-q"]
            m = step(f"add {k}", argv, work / f"add-{k}.log")
            adds.append((total, n, m, os.path.getsize(index)))
            total += n
            if k == 1 or k == len(parts):
                runs.append(query_run(work, index, queries, total, family, args.docs, not args.no_clean))
        scans.append(scan("scan after"))

        scan_rate = statistics.mean(first_docs / s.wall for s in scans)
        scan_cpu = statistics.mean(s.cpu / first_docs for s in scans)  # CPU seconds a document
        lines = [
            "",
            f"baseline: dedup scan of part 1 ({first_docs:,} documents{', --no-clean' if args.no_clean else ''}): "
            + ", ".join(f"{first_docs / s.wall:,.0f} docs/s ({s.wall:.1f} s, peak {s.peak_mib:.0f} MiB, "
                        f"others {s.others:.0%})" for s in scans)
            + f"; mean {scan_rate:,.0f} docs/s, {scan_cpu * 1000:.2f} ms CPU a document",
            "",
            "x scan: documents per second over the scan's mean; x cpu: the scan's CPU time a document over the",
            "add's (workers included), which other processes disturb much less than wall time",
            "",
            f"{'add':>4} {'indexed before':>14} {'docs':>7} {'wall s':>7} {'docs/s':>7} {'x scan':>7} {'cpu s':>7} "
            f"{'x cpu':>6} {'peak MiB':>8} {'others':>7} {'file MiB':>9} {'KiB/doc':>8}",
        ]  # fmt: skip
        lines.append("-" * len(lines[-1]))
        for k, (before, n, m, size) in enumerate(adds, 1):
            rate = n / m.wall
            lines.append(
                f"{k:>4} {before:>14,} {n:>7,} {m.wall:>7.1f} {rate:>7,.0f} {rate / scan_rate:>6.2f}x {m.cpu:>7.1f} "
                f"{scan_cpu * n / m.cpu:>5.2f}x {m.peak_mib:>8.0f} {m.others:>7.0%} {size / 2**20:>9.0f} "
                f"{size / (before + n) / 1024:>8.1f}"
            )
        all_rate = sum(n for _, n, _, _ in adds) / sum(m.wall for _, _, m, _ in adds)
        all_cpu = scan_cpu * sum(n for _, n, _, _ in adds) / sum(m.cpu for _, _, m, _ in adds)
        lines += ["", f"all adds: {all_rate:,.0f} docs/s, {all_rate / scan_rate:.2f}x the scan baseline's speed, "
                      f"{all_cpu:.2f}x its CPU efficiency", ""]  # fmt: skip
        lines.append(
            f"{'index size':>10} {'first ms':>8} {'median ms':>9} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
            f"{'batch docs/s':>12} "
            f"{'peak MiB':>8} {'others':>7} {'copies found':>13} {'false':>5} {'para pairs':>10}"
        )
        lines.append("-" * len(lines[-1]))
        for r in runs:
            ms = [t * 1000 for t in r.times]
            median, p95, p99_here = statistics.median(ms), percentile(ms, 0.95), percentile(ms, 0.99)
            lines.append(
                f"{r.size:>10,} {r.first * 1000:>8.1f} {median:>9.2f} {p95:>7.2f} {p99_here:>7.2f} {max(ms):>7.1f} "
                f"{len(r.times) / r.batch_wall:>12,.0f} {r.measured.peak_mib:>8.0f} {r.measured.others:>7.0%} "
                f"{f'{r.found}/{r.copies}':>13} {r.false:>5} {r.paragraph_clusters:>10}"
            )  # fmt: skip
        p99 = percentile([t * 1000 for t in runs[-1].times], 0.99)
        grow = runs[-1].measured.peak_mib - runs[0].measured.peak_mib
        lines += [
            "",
            "targets:",
            f"  add >= {TARGET_ADD_VS_SCAN:g}x scan (all adds, wall): {all_rate / scan_rate:.2f}x  "
            f"{'MET' if all_rate / scan_rate >= TARGET_ADD_VS_SCAN else 'MISSED'}; by CPU time {all_cpu:.2f}x  "
            f"{'MET' if all_cpu >= TARGET_ADD_VS_SCAN else 'MISSED'}",
            f"  query p99 < {TARGET_P99_MS:g} ms at {runs[-1].size:,} documents: {p99:.2f} ms  "
            f"{'MET' if p99 < TARGET_P99_MS else 'MISSED'}",
            f"  query peak memory flat from {runs[0].size:,} to {runs[-1].size:,} documents: {grow:+.0f} MiB  "
            f"{'MET' if grow <= FLAT_MEMORY_MIB else 'MISSED'}",
            f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        ]
        print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
