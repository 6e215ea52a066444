#!/usr/bin/env python3
"""Time ``dedup run`` on a mixed corpus, and check that memory follows the document count.

Generates a seeded synthetic corpus (scripts/synth.py: prose of 300 to 1,000 words, 30%
near-copies) and writes it in three forms, a third each: one ``.txt`` per document, a few
``.jsonl.gz`` files of records, and one ``.html`` page per document (the text in <p>
elements inside site chrome: a menu, a footer). Then runs ``dedup run DIR -o OUT`` in a
fresh process and prints documents per second and peak memory, beside ``dedup scan
--no-clean --level doc`` on the same folder as a baseline measured in the same run.

Memory: the run is repeated on a corpus with as many documents, each 4x longer, and on
one with 4x the documents; peak memory should follow the number of documents, not the
text size.

Parquet against JSONL: the mixed corpus's documents (same options and seed) are written
again as 5 Parquet shards (pyarrow, row groups of 2,000 rows, zstd) and as 5 JSONL shards
with the same records {"id", "text"} split the same way, and ``dedup run SHARDS_DIR -o OUT
--format parquet`` runs on each folder, --table-runs times each, alternating (the best
counts): documents per second, CPU time, peak memory, and Parquet's rate over JSONL's
(>= 1.0: Parquet costs no more per document; the same for CPU time). Then memory against
the size of a single file: ``dedup scan FILE --no-clean --level doc`` on one Parquet file
of N documents and one of 4N, and on JSONL files of the same records. The index of
documents grows with their count whatever the format, so the JSONL growth is the
yardstick: Parquet should add no more than it.

    python scripts/bench_run.py                 # 10,000 documents
    python scripts/bench_run.py --docs 2000     # quicker
    python scripts/bench_run.py --no-memory-check --no-parquet
"""

from __future__ import annotations

import argparse
import gzip
import html
import itertools
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import PARQUET_COMPRESSION, ROWS_PER_GROUP, Measured, measure, pyarrow_problem, write_tables  # noqa: E402
from synth import SynthOptions, generate  # noqa: E402

_CHROME_TOP = (
    '<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
    '<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>'
)
_CHROME_BOTTOM = (
    "<footer><p>Subscribe to our newsletter for the latest stories.</p>"
    "<p>© 2026 Example Media. All rights reserved.</p></footer>"
)
# Records per .jsonl.gz file.
_PER_ARCHIVE = 1000
# Files the mixed corpus's documents are split into for Parquet against JSONL.
SHARDS = 5
# The formats of that comparison: (name, file extension).
_TABLE_FORMATS = (("jsonl", "jsonl"), ("parquet", "parquet"))


class Failed(Exception):
    """A measurement that went wrong: the lines to print instead of its table."""


def write_mixed(options: SynthOptions, folder: Path) -> dict[str, int]:
    """Write the corpus as .txt, .jsonl.gz and .html files; return how many of each."""
    folder.mkdir(parents=True)
    counts = {"txt": 0, "jsonl.gz": 0, "html": 0}
    archive: list[str] = []
    archives = 0

    def flush() -> None:
        nonlocal archive, archives
        if archive:
            (folder / f"records_{archives:03d}.jsonl.gz").write_bytes(gzip.compress("".join(archive).encode()))
            archives += 1
            archive = []

    for doc in generate(options):
        kind = ("txt", "jsonl.gz", "html")[doc.index % 3]
        counts[kind] += 1
        stem = doc.name.removesuffix(".txt")
        if kind == "txt":
            (folder / doc.name).write_text(doc.text, encoding="utf-8")
        elif kind == "html":
            paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in doc.text.split("\n\n") if p.strip())
            page = (
                f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{stem}</title></head><body>\n"
                f"{_CHROME_TOP}\n<article>\n{paragraphs}\n</article>\n{_CHROME_BOTTOM}\n</body></html>\n"
            )
            (folder / f"{stem}.html").write_text(page, encoding="utf-8")
        else:
            archive.append(json.dumps({"id": stem, "text": doc.text}) + "\n")
            if len(archive) >= _PER_ARCHIVE:
                flush()
    flush()
    return counts


def _dedup(*args: str) -> list[str]:
    return [sys.executable, "-c", "from dedup.cli import main; main()", *args]


def _records(options: SynthOptions) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of the corpus's documents, ids as in write_mixed's records."""
    return ((doc.name.removesuffix(".txt"), doc.text) for doc in generate(options))


def write_shards(options: SynthOptions, folders: dict[str, Path], shards: int) -> None:
    """The documents as ``shards`` JSONL files and as many Parquet files, the same records in
    the same files (consecutive runs of documents), in ``folders["jsonl"]`` and ``["parquet"]``."""
    records = _records(options)
    per = -(-options.docs // shards)
    for k in range(shards):
        write_tables(
            itertools.islice(records, per),
            folders["jsonl"] / f"shard_{k}.jsonl",
            folders["parquet"] / f"shard_{k}.parquet",
        )


def _mib(path: Path) -> float:
    files = path.iterdir() if path.is_dir() else [path]
    return sum(p.stat().st_size for p in files) / 2**20


def _every(docs: int, measured: list[Measured]) -> str:
    return ", ".join(f"{docs / m.wall:,.0f} ({m.others:.0%})" for m in measured)


def parquet_vs_jsonl(options: SynthOptions, work: Path, jobs: list[str], runs: int) -> list[str]:
    """``dedup run --format parquet`` on Parquet shards and on JSONL shards of the same
    documents, ``runs`` times each, alternating; the lines to print. Raises :class:`Failed`."""
    folders = {name: work / f"shards-{name}" for name, _ in _TABLE_FORMATS}
    shards = min(SHARDS, options.docs)
    write_shards(options, folders, shards)
    sizes = {name: _mib(folder) for name, folder in folders.items()}
    print(
        f"Parquet against JSONL: {options.docs} documents in {shards} shards each: "
        + ", ".join(f"{name} {size:.1f} MiB" for name, size in sizes.items()),
        flush=True,
    )
    done: dict[str, list[Measured]] = {name: [] for name in folders}
    for r in range(1, runs + 1):
        for name in sorted(folders, reverse=r % 2 == 0):  # parquet first in even runs
            out = work / f"out-{name}"
            ran = measure(
                _dedup("run", str(folders[name]), "-o", str(out), "--format", "parquet", "-q", *jobs),
                work / f"run-{name}-{r}.log",
            )
            summary_file = out / "summary.json"
            if ran.exit not in (0, 3) or not summary_file.exists():
                raise Failed(f"dedup run on the {name} shards failed ({ran.exit}):", ran.log)
            summary = json.loads(summary_file.read_text(encoding="utf-8"))["summary"]
            shutil.rmtree(out)
            if summary["inputs"] != options.docs or summary["failed"]:
                raise Failed(f"dedup run on the {name} shards read {summary['inputs']} documents of "
                             f"{options.docs} ({summary['failed']} failed)")  # fmt: skip
            print(f"  {name} run {r} of {runs}: {ran.wall:.2f} s, tree {ran.tree_mib:.0f} MiB", flush=True)
            done[name].append(ran)
    for folder in folders.values():
        shutil.rmtree(folder)

    head = (
        f"{'shards':<22} {'MiB':>7} {'run docs/s':>11} {'run cpu s':>10} {'run tree MiB':>13} {'run peak MiB':>13} "
        f"{'others cpu':>11}"
    )
    lines = [
        f"Parquet against JSONL: dedup run SHARDS_DIR -o OUT --format parquet, {options.docs} documents "
        f"(the mixed corpus's) in {shards} files; best of {runs} runs each",
        head,
    ]
    rate, cpu = {}, {}
    for name, ext in _TABLE_FORMATS:
        best = min(done[name], key=lambda m: m.wall)
        rate[name], cpu[name] = options.docs / best.wall, min(m.cpu for m in done[name])
        lines.append(
            f"{f'{shards} x .{ext}':<22} {sizes[name]:>7.1f} {rate[name]:>11,.0f} {cpu[name]:>10.2f} "
            f"{max(m.tree_mib for m in done[name]):>13.0f} {max(m.peak_mib for m in done[name]):>13.0f} "
            f"{best.others:>10.0%}"
        )
    return lines + [
        f"parquet vs jsonl: {rate['parquet']:,.0f} docs/s vs {rate['jsonl']:,.0f} docs/s, ratio "
        f"{rate['parquet'] / rate['jsonl']:.2f} (>= 1.0 means Parquet costs no more per document)",
        f"  CPU time (least over the runs, workers included): parquet {cpu['parquet']:.2f} s vs jsonl "
        f"{cpu['jsonl']:.2f} s, ratio {cpu['jsonl'] / cpu['parquet']:.2f} (>= 1.0: no more CPU per document; "
        "less disturbed by other work than wall time)",
        f"  every run, docs/s (others cpu): parquet {_every(options.docs, done['parquet'])}; "
        f"jsonl {_every(options.docs, done['jsonl'])}",
        "  (tree and peak MiB: the largest over the runs)",
    ]


def single_file_memory(docs: int, seed: int, work: Path, jobs: list[str]) -> list[str]:
    """``dedup scan FILE --no-clean --level doc`` on one file of ``docs`` documents and one of
    4x, as Parquet and as JSONL; the lines to print. Raises :class:`Failed`."""
    rows: dict[tuple[str, int], tuple[float, Measured]] = {}
    for n in (docs, 4 * docs):
        files = {name: work / f"single-{n}.{ext}" for name, ext in _TABLE_FORMATS}
        write_tables(_records(SynthOptions(docs=n, seed=seed)), files["jsonl"], files["parquet"])
        for name, path in files.items():
            scanned = measure(
                _dedup("scan", str(path), "--no-clean", "--level", "doc", "--format", "json",
                       "-o", str(work / f"single-{n}-{name}.json"), "-q", *jobs),
                work / f"single-{n}-{name}.log",
            )  # fmt: skip
            if scanned.exit != 0:
                raise Failed(f"dedup scan {path.name} failed ({scanned.exit}):", scanned.log)
            report = json.loads((work / f"single-{n}-{name}.json").read_text(encoding="utf-8"))["summary"]
            if report["documents"] != n or report["failed"]:
                raise Failed(f"dedup scan {path.name} read {report['documents']} documents of {n} "
                             f"({report['failed']} failed)")  # fmt: skip
            print(f"  scan {path.name}: {scanned.wall:.2f} s, tree {scanned.tree_mib:.0f} MiB", flush=True)
            rows[name, n] = (_mib(path), scanned)
            path.unlink()

    head = f"{'one file':<22} {'docs':>7} {'MiB':>7} {'docs/s':>8} {'peak MiB':>9} {'tree MiB':>9}"
    lines = [
        "memory against the size of one file: dedup scan FILE --no-clean --level doc "
        f"(Parquet: row groups of {ROWS_PER_GROUP:,} rows, {PARQUET_COMPRESSION})",
        head,
    ]
    for (name, n), (size, m) in sorted(rows.items()):
        lines.append(f"{f'.{name}':<22} {n:>7} {size:>7.1f} {n / m.wall:>8,.0f} {m.peak_mib:>9.0f} {m.tree_mib:>9.0f}")

    def growth(measure: str) -> str:
        def mib(name: str, n: int) -> float:
            return getattr(rows[name, n][1], measure)

        grown = {name: mib(name, 4 * docs) - mib(name, docs) for name, _ in _TABLE_FORMATS}
        return (
            f"parquet {mib('parquet', docs):.0f} -> {mib('parquet', 4 * docs):.0f} ({grown['parquet']:+.0f}), "
            f"jsonl {mib('jsonl', docs):.0f} -> {mib('jsonl', 4 * docs):.0f} ({grown['jsonl']:+.0f}): "
            f"Parquet grows {grown['parquet'] - grown['jsonl']:+.0f} MiB more than JSONL"
        )

    lead = f"from {docs} to {4 * docs} documents in one file, "
    return lines + [f"{lead}peak MiB: {growth('peak_mib')}", f"{'':>{len(lead)}}tree MiB: {growth('tree_mib')}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="passed to dedup (default: all cores)")
    parser.add_argument("--no-memory-check", action="store_true")
    parser.add_argument(
        "--no-parquet", action="store_true", help="leave out Parquet against JSONL (shards, and one file's memory)"
    )
    parser.add_argument(
        "--table-runs",
        type=int,
        default=3,
        metavar="N",
        help="runs of dedup run on the Parquet and on the JSONL shards each, alternating (the best counts; default 3)",
    )
    args = parser.parse_args(argv)
    if args.table_runs < 1:
        parser.error(f"--table-runs must be at least 1; got {args.table_runs}")
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    tables_problem = None if args.no_parquet else pyarrow_problem()

    work = Path(tempfile.mkdtemp(prefix="bench_run_"))
    try:
        rows = []
        corpora = [("mixed corpus (300-1000 words)", SynthOptions(docs=args.docs, seed=args.seed))]
        if not args.no_memory_check:
            corpora += [
                ("4x longer texts", SynthOptions(docs=args.docs, min_words=1200, max_words=4000, seed=args.seed)),
                ("4x the documents", SynthOptions(docs=4 * args.docs, seed=args.seed)),
            ]
        for k, (label, options) in enumerate(corpora):
            corpus = work / f"corpus{k}"
            counts = write_mixed(options, corpus)
            size = sum(p.stat().st_size for p in corpus.iterdir()) / 2**20
            print(f"{label}: {options.docs} documents ({counts['txt']} .txt, {counts['jsonl.gz']} in "
                  f".jsonl.gz, {counts['html']} .html), {size:.1f} MiB on disk", flush=True)  # fmt: skip
            out = work / f"out{k}"
            ran = measure(_dedup("run", str(corpus), "-o", str(out), "-q", *jobs), work / f"run{k}.log")
            if ran.exit not in (0, 3):
                print(f"dedup run failed ({ran.exit}):\n{ran.log}")
                return 1
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]
            base = measure(
                _dedup("scan", str(corpus), "--no-clean", "--level", "doc", "--format", "json",
                       "-o", str(work / f"scan{k}.json"), "-q", *jobs),
                work / f"scan{k}.log",
            )  # fmt: skip
            rows.append((label, options.docs, size, ran, base, summary))
            shutil.rmtree(out)
            shutil.rmtree(corpus)
        tables: list[str] = []
        failed = False
        if tables_problem is not None:
            tables = [f"Parquet against JSONL left out: {tables_problem}"]
        elif not args.no_parquet:
            try:
                tables = parquet_vs_jsonl(corpora[0][1], work, jobs, args.table_runs)
                if not args.no_memory_check:
                    tables += ["", *single_file_memory(args.docs, args.seed, work, jobs)]
            except Failed as exc:
                tables, failed = [*tables, *exc.args], True

        print(f"\ncommand: python scripts/bench_run.py {' '.join(argv or sys.argv[1:])}".rstrip())
        print(
            f"\n{'corpus':<32} {'docs':>7} {'MiB':>7} {'run docs/s':>11} {'run tree MiB':>13} "
            f"{'scan-doc docs/s':>16} {'run/scan':>9} {'others cpu':>11}"
        )
        for label, docs, size, ran, base, _ in rows:
            print(
                f"{label:<32} {docs:>7} {size:>7.1f} {docs / ran.wall:>11,.0f} {ran.tree_mib:>13.0f} "
                f"{docs / base.wall:>16,.0f} {base.wall / ran.wall:>9.2f} {ran.others:>10.0%}"
            )
        label, docs, size, ran, base, summary = rows[0]
        print(f"\nrun summary on the mixed corpus: {json.dumps(summary)}")
        if len(rows) == 3:
            longer, more = rows[1][3].tree_mib - ran.tree_mib, rows[2][3].tree_mib - ran.tree_mib
            print(
                f"peak memory: {longer:+.0f} MiB for 4x the text in as many documents, "
                f"{more:+.0f} MiB for 4x the documents ({more * 1024 / (3 * docs):.1f} KiB per added document)"
            )
        print("(docs/s is wall clock of the whole run; 'others cpu' is the share of the machine other "
              "processes used meanwhile: high values inflate wall times)")  # fmt: skip
        if tables:
            print("\n" + "\n".join(tables))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
