#!/usr/bin/env python3
"""Time whole near-duplicate runs side by side on a synthetic corpus: datasketch, rensa, dedup.

Generates a seeded corpus (scripts/synth.py: prose of 300 to 1,000 words, 30% near-copies
of earlier originals) as one .txt file per document, then runs each contender in a fresh
process on that folder, so interpreter start, imports and reading the files count:

  datasketch   the script a practitioner writes: lower-case, split, word 5-gram shingles,
               MinHash(num_perm=128) with one update() per shingle, MinHashLSH(threshold=0.8),
               query every document, union-find over the query results
  rensa        the same shingles through rensa's batch API, as its README shows:
               RMinHash.from_token_sets, RMinHashLSH(0.8, 128, num_bands=16),
               insert_pairs, query_all, union-find
  dedup-doc    dedup scan DIR --no-clean --level doc --format json -o FILE
  dedup-jsonl  the same, on the same documents as one JSONL file of records
               {"id": "doc_00001.txt", "text": ...} (the id a document has in the folder,
               so the ground truth scores it unchanged), in a folder of its own
  dedup-parquet  the same records as one Parquet file (pyarrow, row groups of 2,000
               rows, zstd), in a folder of its own
  dedup        dedup scan DIR --format json -o FILE   (cleaning on, both levels)

For each: documents per second (wall clock of the whole run), peak memory, speed relative
to datasketch (and to rensa for dedup-doc), the duplicate documents reported, and pair
precision and recall at document level against the generator's ground truth (pairs of
documents that share an original).

Parquet against JSONL: reading Parquet should cost no more per document than reading
JSONL. After the table, one line gives both rates and their ratio (Parquet's documents
per second over JSONL's: >= 1.0 means Parquet costs no more), from the best of
--table-runs runs of each (the two run alternately: the first in the table, the rest
after all contenders, so that a burst of other work on the machine hits both), with the
least CPU time of each and its ratio (less disturbed by other work than wall time), the
peak memory of both, and whether both found the same clusters as dedup-doc.

--memory-check then runs dedup-doc on the corpus, on one with as many documents each 4x
longer, and on one with 4x the documents of the same length: memory should follow the
document count (signatures and band keys), not the text size.

    python scripts/bench_scan.py                      # 10,000 documents (datasketch ~100 s)
    python scripts/bench_scan.py --quick              # 1,000 documents, to check it works
    python scripts/bench_scan.py --skip datasketch --jobs 2 --memory-check --keep /tmp/corpus
    python scripts/bench_scan.py --skip datasketch,rensa,dedup --table-runs 5   # Parquet vs JSONL
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import GroundTruth, PairScore, SynthOptions, generate, write_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# Speed targets from the issue, as multiples of the baselines' documents per second.
TARGET_DOC_VS_DATASKETCH = 20.0
TARGET_DOC_VS_RENSA = 1.0
TARGET_DEFAULT_VS_DATASKETCH = 8.0
# True pairs are split at this word 5-gram Jaccard similarity for a second recall figure:
# the baselines' threshold, so "R J>=0.8" is recall on the pairs they are asked to find.
HIGH_SIMILARITY = 0.8
# Seconds between samples of the process tree's memory (cheap: one smaps_rollup read per
# process; fine enough for runs of a second or more, and it only feeds the "tree" column).
SAMPLE_EVERY = 0.05
# The Parquet file of the dedup-parquet contender: rows per row group, and the codec.
ROWS_PER_GROUP = 2_000
PARQUET_COMPRESSION = "zstd"
# The contenders that read the corpus as one file of records, and the file each reads.
TABLES = {"dedup-jsonl": "jsonl/corpus.jsonl", "dedup-parquet": "parquet/corpus.parquet"}

# The baselines read the folder, write {"clusters": [[file names], ...]} to a JSON file.
DATASKETCH_BASELINE = '''\
"""datasketch as a practitioner uses it: one MinHash.update() per word 5-gram shingle."""
import json, os, sys
from datasketch import MinHash, MinHashLSH

folder, output = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
lsh = MinHashLSH(threshold=0.8, num_perm=128)
signatures = {}
for name in names:
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        words = f.read().lower().split()
    m = MinHash(num_perm=128)
    for shingle in {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}:
        m.update(shingle.encode("utf8"))
    lsh.insert(name, m)
    signatures[name] = m

parent = {name: name for name in names}
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
for name in names:
    for other in lsh.query(signatures[name]):
        a, b = find(name), find(other)
        if a != b:
            parent[max(a, b)] = min(a, b)
clusters = {}
for name in names:
    clusters.setdefault(find(name), []).append(name)
with open(output, "w", encoding="utf-8") as f:
    json.dump({"clusters": [c for c in clusters.values() if len(c) > 1]}, f)
'''

RENSA_BASELINE = '''\
"""rensa's batch API as its README shows it, on the same word 5-gram shingles."""
import json, os, sys
from rensa import RMinHash, RMinHashLSH

# Documents per from_token_sets call: large enough that call overhead vanishes, small
# enough that the shingle strings of the whole corpus are never in memory at once.
CHUNK = 1000
folder, output = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
minhashes = []
for start in range(0, len(names), CHUNK):
    token_sets = []
    for name in names[start:start + CHUNK]:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            words = f.read().lower().split()
        token_sets.append({" ".join(words[i:i + 5]) for i in range(len(words) - 4)})
    minhashes += RMinHash.from_token_sets(token_sets, num_perm=128, seed=42)
lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
lsh.insert_pairs(enumerate(minhashes))
candidates = lsh.query_all(minhashes)

parent = list(range(len(names)))
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
for i, found in enumerate(candidates):
    for j in found:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
clusters = {}
for i in range(len(names)):
    clusters.setdefault(find(i), []).append(names[i])
with open(output, "w", encoding="utf-8") as f:
    json.dump({"clusters": [c for c in clusters.values() if len(c) > 1]}, f)
'''

# Peak memory. The kernel keeps each process's high-water RSS and wait4() returns it for
# a child: the largest peak of the child and of any descendant it waited for (the max, not
# the sum). But the mark survives exec and starts from the memory of the process that
# forked: a child forked by this script (which holds the corpus being generated) would
# inherit our RSS as its floor. So each contender is spawned by this small wrapper (a bare
# interpreter, -I -S, about 10 MiB), which waits for it and writes its wall time, exit
# code and ru_maxrss to a file. The wall time is taken around the spawn, so the wrapper's
# own start-up is not counted. For multi-process contenders ru_maxrss is the biggest
# single process; the sampled "tree" figure adds up the proportional set size (PSS: shared
# pages split among the processes sharing them) of all descendants. CPU time (user + system)
# from the same wait4() covers the contender and every worker it waited for.
# The wrapper also reads the machine's busy CPU time (/proc/stat: all but idle, iowait and
# steal) around the run, to tell how much other processes competed for the CPUs.
WRAPPER = """\
import json, os, sys, time
def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4] - v[7]) / os.sysconf("SC_CLK_TCK")
out, argv = sys.argv[1], sys.argv[2:]
machine = busy()
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
machine = busy() - machine
code = os.waitstatus_to_exitcode(status)
with open(out, "w") as f:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
               "busy": machine, "exit": code}, f)
sys.exit(0 if code == 0 else 1)
"""


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    argv: tuple[str, ...]
    report: Path
    kind: str  # "baseline" or "dedup": how to read the report


@dataclass(frozen=True)
class Measured:
    """One run: wall and CPU seconds, peak RSS of the largest process and sampled peak of
    the tree's summed PSS (MiB), the share of the machine's CPU time that other processes
    used meanwhile, exit code, and the tail of its output."""

    wall: float
    cpu: float
    peak_mib: float
    tree_mib: float
    others: float
    exit: int
    log: str


@dataclass(frozen=True)
class Outcome:
    contender: Contender
    measured: Measured
    clusters: list[list[str]] | None
    score: PairScore | None
    note: str


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:  # the process has gone
        pass
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss_kib(root: int) -> int:
    """Summed PSS of the descendants of ``root`` (not ``root`` itself: that is the wrapper)."""
    total, stack = 0, _children(root)
    while stack:
        pid = stack.pop()
        total += _pss_kib(pid)
        stack += _children(pid)
    return total


def measure(argv: list[str], log_path: Path) -> Measured:
    """Run ``argv`` through the wrapper, sampling its process tree's memory meanwhile."""
    result = log_path.with_suffix(".measure.json")
    wrapper = [sys.executable, "-I", "-S", "-c", WRAPPER, str(result), *argv]
    peak_tree = 0
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(wrapper, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(SAMPLE_EVERY):
            peak_tree = max(peak_tree, _tree_pss_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    if not result.exists():
        return Measured(0.0, 0.0, 0.0, 0.0, 0.0, proc.returncode or 1, tail)
    info = json.loads(result.read_text())
    wall, cpu = info["wall"], info["cpu"]
    # What the rest of the machine used while this ran (this script's sampler included,
    # a few per cent of one core at most): high values mean the wall times are inflated.
    others = max(0.0, info["busy"] - cpu) / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0
    return Measured(wall, cpu, info["maxrss_kib"] / 1024, peak_tree / 1024, others, info["exit"], tail)


def _dedup_command() -> list[str]:
    """The ``dedup`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "dedup"
    found = str(script) if script.exists() else shutil.which("dedup")
    return [found] if found else [sys.executable, "-m", "dedup.cli"]


def write_tables(records: Iterable[tuple[str, str]], jsonl: Path | None, parquet: Path | None) -> int:
    """Write the same records ``{"id": ID, "text": TEXT}`` to a JSONL file (UTF-8, one record
    a line) and a Parquet file in one pass, creating their folders; either may be ``None``.
    Returns how many records. The Parquet file gets a row group of ``ROWS_PER_GROUP`` rows
    per write (so only that many texts are held at once), compressed ``PARQUET_COMPRESSION``.
    """
    with contextlib.ExitStack() as stack:
        lines = None
        if jsonl is not None:
            jsonl.parent.mkdir(parents=True, exist_ok=True)
            lines = stack.enter_context(jsonl.open("w", encoding="utf-8", newline="\n"))
        writer = None
        if parquet is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            parquet.parent.mkdir(parents=True, exist_ok=True)
            schema = pa.schema([("id", pa.string()), ("text", pa.string())])
            writer = stack.enter_context(pq.ParquetWriter(parquet, schema, compression=PARQUET_COMPRESSION))
        count = 0
        rows = iter(records)
        while batch := list(itertools.islice(rows, ROWS_PER_GROUP)):
            if lines is not None:
                lines.write("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in batch))
            if writer is not None:
                ids, texts = zip(*batch)
                table = pa.table({"id": list(ids), "text": list(texts)}, schema=schema)
                writer.write_table(table, row_group_size=ROWS_PER_GROUP)
            count += len(batch)
    return count


def corpus_records(corpus: Path, names: Iterable[str]) -> Iterable[tuple[str, str]]:
    """``(name, text)`` of each file of the corpus folder, read back as written."""
    return ((name, (corpus / name).read_bytes().decode("utf-8")) for name in names)


def pyarrow_problem() -> str | None:
    """Why Parquet files cannot be written here (``None`` when they can)."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        return f"pyarrow is not installed ({exc})"
    return None


def read_clusters(contender: Contender) -> tuple[list[list[str]], str]:
    """The document clusters of a contender's report, and a note of dedup's own counts."""
    data = json.loads(contender.report.read_text(encoding="utf-8"))
    if contender.kind == "baseline":
        return data["clusters"], ""
    clusters = [[m["id"] for m in c["members"]] for c in data["doc_clusters"]]
    s, o = data["summary"], data["options"]
    note = (
        f"{s['candidates']} candidate pairs, {s['rejected_candidates']} rejected; "
        f"{s['failed']} failed; {s['paragraph_clusters']} paragraph clusters; "
        f"threshold {o['threshold']:g}, containment {o['containment']}"
    )
    return clusters, note


def contenders(corpus: Path, work: Path, jobs: int | None, skip: set[str]) -> list[Contender]:
    """The contenders not in ``skip``; dedup-jsonl and dedup-parquet read ``work/TABLES[key]``."""
    (work / "datasketch_baseline.py").write_text(DATASKETCH_BASELINE, encoding="utf-8")
    (work / "rensa_baseline.py").write_text(RENSA_BASELINE, encoding="utf-8")
    dedup = _dedup_command()
    jobs_args = ["--jobs", str(jobs)] if jobs else []
    out = [
        Contender(
            "datasketch",
            "datasketch (per-shingle update)",
            (sys.executable, str(work / "datasketch_baseline.py"), str(corpus), str(work / "datasketch.json")),
            work / "datasketch.json",
            "baseline",
        ),
        Contender(
            "rensa",
            "rensa (batch API, 16 bands)",
            (sys.executable, str(work / "rensa_baseline.py"), str(corpus), str(work / "rensa.json")),
            work / "rensa.json",
            "baseline",
        ),
        Contender(
            "dedup-doc",
            "dedup --no-clean --level doc",
            _doc_scan(dedup, corpus, jobs_args, work / "dedup-doc.json"),
            work / "dedup-doc.json",
            "dedup",
        ),
        *(
            Contender(
                key,
                label,
                _doc_scan(dedup, work / TABLES[key], jobs_args, work / f"{key}.json"),
                work / f"{key}.json",
                "dedup",
            )
            for key, label in (
                ("dedup-jsonl", "dedup --level doc, one .jsonl"),
                ("dedup-parquet", "dedup --level doc, one .parquet"),
            )
        ),
        Contender(
            "dedup",
            "dedup (defaults: clean, both)",
            (*dedup, "scan", str(corpus), *jobs_args, "--format", "json", "-o", str(work / "dedup.json")),
            work / "dedup.json",
            "dedup",
        ),
    ]
    return [c for c in out if c.key not in skip]


def run(contender: Contender, work: Path, truth: GroundTruth) -> Outcome:
    print(f"\n[{contender.key}] {shlex.join(contender.argv)}", flush=True)
    measured = measure(list(contender.argv), work / f"{contender.key}.log")
    if measured.exit != 0 or not contender.report.exists():
        print(f"  FAILED (exit {measured.exit}); last output:\n" + _indent(measured.log), flush=True)
        return Outcome(contender, measured, None, None, f"failed, exit {measured.exit}")
    clusters, note = read_clusters(contender)
    problem = _documents_problem(contender, len(truth.names))
    try:
        score = truth.score(clusters)
    except ValueError as exc:  # an id that is not a document of the corpus
        problem = f"ids do not match the ground truth: {exc}"
    if problem is not None:
        print(f"  FAILED: {problem}", flush=True)
        return Outcome(contender, measured, None, None, f"failed: {problem}")
    print(
        f"  {measured.wall:.2f} s ({measured.cpu:.2f} s CPU), peak {measured.peak_mib:.0f} MiB "
        f"(tree {measured.tree_mib:.0f} MiB), {score.duplicates} duplicate documents" + (f"; {note}" if note else ""),
        flush=True,
    )
    return Outcome(contender, measured, clusters, score, note)


def _documents_problem(contender: Contender, docs: int) -> str | None:
    """For dedup-jsonl and dedup-parquet: why the report does not cover every document of the
    corpus, if it does not (a record the reader lost would make them look faster)."""
    if contender.key not in TABLES:
        return None
    summary = json.loads(contender.report.read_text(encoding="utf-8"))["summary"]
    if summary["documents"] == docs and not summary["failed"]:
        return None
    return f"read {summary['documents']} documents of {docs} ({summary['failed']} failed)"


def table_runs(outcomes: list[Outcome], work: Path, runs: int) -> dict[str, list[Measured]]:
    """Every run of dedup-jsonl and dedup-parquet: the one in ``outcomes``, then ``runs - 1``
    more of each, alternating which goes first. Empty unless both succeeded in ``outcomes``."""
    first = {o.contender.key: o.contender for o in outcomes if o.contender.key in TABLES and o.score is not None}
    if len(first) < len(TABLES):
        return {}
    done = {o.contender.key: [o.measured] for o in outcomes if o.contender.key in first}
    for r in range(2, runs + 1):
        for key in sorted(first, reverse=r % 2 == 0):  # dedup-parquet first in even runs
            contender = first[key]
            print(f"\n[{key}, run {r} of {runs}] {shlex.join(contender.argv)}", flush=True)
            m = measure(list(contender.argv), work / f"{key}-{r}.log")
            if m.exit != 0:
                print(f"  FAILED (exit {m.exit}); last output:\n" + _indent(m.log), flush=True)
                continue
            print(f"  {m.wall:.2f} s ({m.cpu:.2f} s CPU), peak {m.peak_mib:.0f} MiB (tree {m.tree_mib:.0f} MiB)")
            done[key].append(m)
    return done


def table_lines(runs: dict[str, list[Measured]], outcomes: list[Outcome], docs: int) -> list[str]:
    """Parquet against JSONL: the best rate of each, their ratio, every run, memory, clusters."""
    if not runs:
        return ["parquet vs jsonl: not measured (dedup-jsonl or dedup-parquet left out or failed)"]
    best = {key: min(m.wall for m in ms) for key, ms in runs.items()}
    parquet, jsonl = docs / best["dedup-parquet"], docs / best["dedup-jsonl"]
    cpu = {key: min(m.cpu for m in ms) for key, ms in runs.items()}

    def every(key: str) -> str:
        return ", ".join(f"{docs / m.wall:,.0f} ({m.others:.0%})" for m in runs[key])

    def memory(key: str) -> str:
        peak, tree = max(m.peak_mib for m in runs[key]), max(m.tree_mib for m in runs[key])
        return f"{peak:.0f} MiB (tree {tree:.0f} MiB)"

    clusters = {o.contender.key: {frozenset(c) for c in o.clusters} for o in outcomes if o.clusters is not None}
    reference = "dedup-doc" if "dedup-doc" in clusters else "dedup-jsonl"
    same = "; ".join(
        f"{key.removeprefix('dedup-')} {'same as' if clusters[key] == clusters[reference] else 'DIFFERENT from'} "
        f"{reference}"
        for key in TABLES
        if key != reference
    )
    return [
        f"parquet vs jsonl: {parquet:,.0f} docs/s vs {jsonl:,.0f} docs/s, ratio {parquet / jsonl:.2f} "
        "(>= 1.0 means Parquet costs no more per document)",
        f"  best of {len(runs['dedup-parquet'])} and {len(runs['dedup-jsonl'])} runs; every run, docs/s (others cpu): "
        f"parquet {every('dedup-parquet')}; jsonl {every('dedup-jsonl')}",
        f"  CPU time (least over the runs): parquet {cpu['dedup-parquet']:.2f} s vs jsonl {cpu['dedup-jsonl']:.2f} s, "
        f"ratio {cpu['dedup-jsonl'] / cpu['dedup-parquet']:.2f} (>= 1.0: no more CPU per document; less disturbed "
        "by other work than wall time)",
        f"  peak memory (largest over the runs): parquet {memory('dedup-parquet')}, jsonl {memory('dedup-jsonl')}",
        f"  document clusters: {same}",
    ]


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-25:])


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _ratio(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}x"


def pair_jaccard(corpus: Path, truth: GroundTruth) -> dict[tuple[str, str], float]:
    """Word 5-gram Jaccard similarity of every true pair, shingled as the baselines do."""
    cache: dict[str, set[str]] = {}

    def shingles(name: str) -> set[str]:
        if name not in cache:
            words = (corpus / name).read_text(encoding="utf-8").lower().split()
            cache[name] = {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}
        return cache[name]

    out = {}
    for a, b in truth.true_pairs():
        sa, sb = shingles(a), shingles(b)
        out[a, b] = len(sa & sb) / len(sa | sb) if sa or sb else 1.0
    return out


def speed_table(outcomes: list[Outcome], docs: int) -> list[str]:
    rate = {o.contender.key: docs / o.measured.wall for o in outcomes if o.score is not None}
    head = (
        f"{'contender':<33} {'docs/s':>7} {'wall s':>7} {'cpu s':>7} {'peak MiB':>8} {'tree MiB':>8} "
        f"{'x datasketch':>12} {'x rensa':>7} {'others cpu':>10}"
    )
    lines = [head, "-" * len(head)]
    for o in outcomes:
        m, key = o.measured, o.contender.key
        if o.score is None:
            lines.append(f"{o.contender.label:<33} {o.note}")
            continue
        vs_ds = rate[key] / rate["datasketch"] if "datasketch" in rate else None
        vs_rensa = rate[key] / rate["rensa"] if "rensa" in rate and key.startswith("dedup") else None
        lines.append(
            f"{o.contender.label:<33} {rate[key]:>7,.0f} {m.wall:>7.2f} {m.cpu:>7.2f} {m.peak_mib:>8.0f} "
            f"{m.tree_mib:>8.0f} {_ratio(vs_ds, 1):>12} {_ratio(vs_rensa, 2):>7} {m.others:>10.0%}"
        )
    return lines + ["", *targets(rate)]


def accuracy_table(outcomes: list[Outcome], truth: GroundTruth, similarity: dict[tuple[str, str], float]) -> list[str]:
    high = [p for p, j in similarity.items() if j >= HIGH_SIMILARITY]
    low = [p for p, j in similarity.items() if j < HIGH_SIMILARITY]
    head = (
        f"{'contender':<33} {'dup docs':>8} {'pairs':>7} {'P':>6} {'R':>6} "
        f"{f'R J>={HIGH_SIMILARITY:g}':>9} {f'R J<{HIGH_SIMILARITY:g}':>8}"
    )
    lines = [head, "-" * len(head)]
    for o in outcomes:
        if o.score is None or o.clusters is None:
            lines.append(f"{o.contender.label:<33} {o.note}")
            continue
        sc = o.score
        lines.append(
            f"{o.contender.label:<33} {sc.duplicates:>8} {sc.predicted:>7} {_fmt(sc.precision, '.3f'):>6} "
            f"{_fmt(sc.recall, '.3f'):>6} {_fmt(truth.recall_of(o.clusters, high), '.3f'):>9} "
            f"{_fmt(truth.recall_of(o.clusters, low), '.3f'):>8}"
        )
    lines.append(
        f"{'ground truth':<33} {truth.copies:>8} {len(similarity):>7} {'':>6} {'':>6} {len(high):>9} {len(low):>8}"
    )
    return lines


def targets(rate: dict[str, float]) -> list[str]:
    def check(key: str, base: str, goal: float, label: str) -> str:
        if key not in rate or base not in rate:
            return f"  {label} >= {goal:g}x {base}: not measured"
        got = rate[key] / rate[base]
        return f"  {label} >= {goal:g}x {base}: {got:.2f}x  {'MET' if got >= goal else 'MISSED'}"

    return [
        "targets:",
        check("dedup-doc", "datasketch", TARGET_DOC_VS_DATASKETCH, "dedup doc-level"),
        check("dedup-doc", "rensa", TARGET_DOC_VS_RENSA, "dedup doc-level"),
        check("dedup", "datasketch", TARGET_DEFAULT_VS_DATASKETCH, "dedup default  "),
    ]


def memory_check(base: SynthOptions, corpus: Path, truth: GroundTruth, work: Path, jobs: int | None) -> list[str]:
    """dedup-doc on the corpus, on 4x longer texts, and on 4x the documents."""
    variants = [
        (f"the corpus above ({base.min_words}-{base.max_words} words)", base, corpus, truth),
        (
            f"4x longer ({base.min_words * 4}-{base.max_words * 4} words)",
            SynthOptions(base.docs, base.min_words * 4, base.max_words * 4, base.copy_share, base.seed),
            None,
            None,
        ),
        (
            "4x documents",
            SynthOptions(base.docs * 4, base.min_words, base.max_words, base.copy_share, base.seed),
            None,
            None,
        ),
    ]
    dedup = _dedup_command()
    jobs_args = ["--jobs", str(jobs)] if jobs else []
    head = f"{'corpus':<32} {'docs':>7} {'text MiB':>9} {'docs/s':>8} {'peak MiB':>9} {'tree MiB':>9}"
    rows = ["memory check: dedup scan --no-clean --level doc", head, "-" * len(head)]
    peaks: list[float | None] = []
    for k, (label, options, folder, known) in enumerate(variants):
        generated = folder is None
        if generated:
            folder = work / f"memory-corpus-{k}"
            print(f"\n[memory] generating {label}: {options.docs} documents", flush=True)
            known = write_corpus(generate(options), folder)
        argv = list(_doc_scan(dedup, folder, jobs_args, work / f"memory-{k}.json"))
        print(f"\n[memory] {shlex.join(argv)}", flush=True)
        try:
            m = measure(argv, work / f"memory-{k}.log")
        finally:
            if generated:
                shutil.rmtree(folder)
        size = f"{label:<32} {options.docs:>7} {known.bytes / 2**20:>9.1f}"
        if m.exit != 0:
            print("  FAILED; last output:\n" + _indent(m.log), flush=True)
            rows.append(f"{size}   failed (exit {m.exit})")
            peaks.append(None)
            continue
        rows.append(f"{size} {options.docs / m.wall:>8,.0f} {m.peak_mib:>9.0f} {m.tree_mib:>9.0f}")
        peaks.append(m.peak_mib)
    base_peak, longer, more = peaks
    if base_peak is not None and longer is not None and more is not None:
        rows += [
            "",
            f"peak growth: 4x the text, same documents: {longer - base_peak:+.0f} MiB; "
            f"4x the documents: {more - base_peak:+.0f} MiB "
            f"({(more - base_peak) * 1024 / (3 * base.docs):.1f} KiB per added document)",
        ]
    return rows


def _versions() -> str:
    parts = [f"python {platform.python_version()}"]
    for package in ("dedup", "datasketch", "rensa", "numpy"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} (not installed)")
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, check=True
        ).stdout.strip()
        parts.append(f"repo {rev}")
    except (OSError, subprocess.CalledProcessError):
        pass
    return ", ".join(parts)


def _doc_scan(dedup: Sequence[str], folder: Path, jobs_args: Sequence[str], out: Path) -> tuple[str, ...]:
    """The command line of a document-level scan without cleaning, report to ``out``."""
    return (*dedup, "scan", str(folder), "--no-clean", "--level", "doc", *jobs_args, "--format", "json", "-o", str(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--docs", type=int, default=10_000, help="documents in the corpus (default 10000)")
    size.add_argument("--quick", action="store_true", help="1,000 documents: check that the script works")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus (default 1)")
    parser.add_argument("--jobs", type=int, default=None, help="passed to dedup scan --jobs (default: dedup's)")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="write the corpus to DIR (new or empty) and keep it")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="NAME",
        help="leave out a contender: datasketch, rensa, dedup-doc, dedup-jsonl, dedup-parquet, dedup "
        "(repeat or comma-separate)",
    )
    parser.add_argument(
        "--table-runs",
        type=int,
        default=3,
        metavar="N",
        help="runs of dedup-jsonl and dedup-parquet each, alternating, for their ratio (the best counts; default 3)",
    )
    parser.add_argument(
        "--memory-check", action="store_true", help="also run dedup-doc on 4x longer texts and on 4x the documents"
    )
    args = parser.parse_args(argv)

    names = {"datasketch", "rensa", "dedup-doc", *TABLES, "dedup"}
    skip = {s.strip() for item in args.skip for s in item.split(",") if s.strip()}
    if skip - names:
        parser.error(f"--skip takes {', '.join(sorted(names))}; got {', '.join(sorted(skip - names))}")
    docs = 1_000 if args.quick else args.docs
    if docs < 2:
        parser.error(f"--docs must be at least 2; got {docs}")
    if args.table_runs < 1:
        parser.error(f"--table-runs must be at least 1; got {args.table_runs}")
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep} is not empty; give a new or empty folder")

    print("command:", shlex.join(["python", *sys.argv]) if argv is None else shlex.join(argv))
    print(f"machine: {os.cpu_count()} CPUs, {_versions()}")
    options = SynthOptions(docs=docs, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="bench_scan_") as tmp:
        work = Path(tmp)
        corpus = args.keep if args.keep is not None else work / "corpus"
        start = time.perf_counter()
        truth = write_corpus(generate(options), corpus)
        print(
            f"corpus: {corpus}: {docs} documents ({docs - truth.copies} originals, {truth.copies} near-copies), "
            f"{truth.words / docs:.0f} words and {truth.bytes / docs / 1024:.1f} KiB a document on average, "
            f"{truth.bytes / 2**20:.1f} MiB; generated in {time.perf_counter() - start:.1f} s"
        )
        if "dedup-parquet" not in skip and (problem := pyarrow_problem()) is not None:
            print(f"dedup-parquet left out: {problem}")
            skip.add("dedup-parquet")
        tables = {key: work / path for key, path in TABLES.items() if key not in skip}
        if tables:
            start = time.perf_counter()
            write_tables(corpus_records(corpus, truth.names), tables.get("dedup-jsonl"), tables.get("dedup-parquet"))
            groups = -(-docs // ROWS_PER_GROUP)
            described = {
                "dedup-jsonl": "records one a line",
                "dedup-parquet": f"{groups} row groups of up to {ROWS_PER_GROUP:,} rows, {PARQUET_COMPRESSION}",
            }
            for key, path in tables.items():
                print(f"{key}: {path}: {path.stat().st_size / 2**20:.1f} MiB, {described[key]}")
            print(f"  (written in {time.perf_counter() - start:.1f} s)")

        outcomes = [run(c, work, truth) for c in contenders(corpus, work, args.jobs, skip)]
        runs = table_runs(outcomes, work, args.table_runs)
        similarity = pair_jaccard(corpus, truth)
        lines = [
            "",
            f"speed and memory on {docs} documents (seed {args.seed}): docs/s and wall s over the whole run;",
            "cpu s includes worker processes; peak MiB is the largest process (kernel high-water mark),",
            "tree MiB the sampled peak of the summed PSS of all its processes; others cpu is the share of",
            "the machine's CPU time used by other processes during the run (high: wall times inflated)",
            "",
            *speed_table(outcomes, docs),
            "",
            *(table_lines(runs, outcomes, docs) if tables else []),
            *([""] if tables else []),
            "accuracy at document level against the generator's ground truth: pairs of documents that",
            f"share an original ({truth.copies} copies, {len(similarity)} pairs); J is the pair's word 5-gram",
            "Jaccard similarity, shingled as the baselines do (lower-cased, split on white space)",
            "",
            *accuracy_table(outcomes, truth, similarity),
        ]
        print("\n".join(lines), flush=True)
        if args.memory_check:
            print("\n" + "\n".join(memory_check(options, corpus, truth, work, args.jobs)))
        if args.keep is not None:
            print(f"\ncorpus kept in {args.keep}")
    return 1 if any(o.score is None for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
