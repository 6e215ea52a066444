#!/usr/bin/env python3
"""Time reading Parquet against JSONL, and check that reading Parquet streams.

Writes the same seeded synthetic documents (scripts/synth.py) as one JSONL file and as
one Parquet file (row groups of --row-group rows, zstd, as scripts/bench_scan.py writes
them), records ``{"id", "text"}``. Then:

- speed: iterates ``dedup.readers.iter_documents`` over each file, best of --repeat,
  in this process, and prints microseconds per document and Parquet's time over JSONL's;
- memory: in a fresh process per file, the peak RSS growth (VmHWM less the RSS
  before reading, after the imports) while every document of a Parquet file of N and of
  4N documents is read, and of the JSONL files of the same records. A streamed read
  holds a row group at a time, so the growth does not follow the file's size.

    python scripts/bench_read.py                      # 20,000 documents; 20,000 and 80,000 for memory
    python scripts/bench_read.py --docs 5000 --memory-docs 5000
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import SynthOptions, generate  # noqa: E402

COMPRESSION = "zstd"

# Run in a fresh process: RSS before reading (imports done), then the peak after reading.
# VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts at its parent's peak.
MEMORY_PROBE = """
import sys
from dedup.readers import iter_documents
import pyarrow.parquet  # imported before the baseline, whatever the format read

def kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

before = kib("VmRSS")
count = chars = 0
for doc in iter_documents([sys.argv[1]]):
    count += 1
    chars += len(doc.text)
print(count, chars, before, kib("VmHWM"))
"""


def records(docs: int, seed: int) -> Iterator[tuple[str, str]]:
    return ((doc.name, doc.text) for doc in generate(SynthOptions(docs=docs, seed=seed)))


def write(rows: Iterable[tuple[str, str]], jsonl: Path, parquet: Path, row_group: int) -> tuple[int, int]:
    """The same records to a JSONL and a Parquet file, a row group at a time; returns
    (documents, characters of text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    count = chars = 0
    rows = iter(rows)
    with jsonl.open("w", encoding="utf-8") as lines, pq.ParquetWriter(parquet, schema, compression=COMPRESSION) as out:
        while batch := list(itertools.islice(rows, row_group)):
            lines.write("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in batch))
            ids, texts = zip(*batch)
            out.write_table(pa.table({"id": list(ids), "text": list(texts)}, schema=schema), row_group_size=row_group)
            count += len(batch)
            chars += sum(map(len, texts))
    return count, chars


def read_seconds(path: Path, repeat: int) -> tuple[float, int]:
    """Best time of ``repeat`` full reads of ``path``, and its document count."""
    from dedup.documents import Document
    from dedup.readers import iter_documents

    best, count = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = sum(1 for doc in iter_documents([str(path)]) if isinstance(doc, Document))
        best = min(best, time.perf_counter() - start)
    return best, count


def peak_growth_mib(path: Path) -> tuple[float, int]:
    """Peak RSS growth (MiB) of a fresh process reading every document of ``path``."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True, check=True)
    count, _, before, peak = map(int, done.stdout.split())
    return (peak - before) / 1024, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="documents for the speed test")
    parser.add_argument("--memory-docs", type=int, default=20_000, help="N: memory is measured at N and 4N documents")
    parser.add_argument("--row-group", type=int, default=2_000, help="rows per Parquet row group")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        sys.exit("bench_read: needs pyarrow (pip install -e '.[parquet]')")

    with tempfile.TemporaryDirectory(prefix="bench_read-") as tmp:
        folder = Path(tmp)
        count, chars = write(records(args.docs, args.seed), folder / "s.jsonl", folder / "s.parquet", args.row_group)
        print(f"speed: {count:,} documents, {chars / 1e6:.1f} M characters; best of {args.repeat}")
        print(f"{'format':<10}{'file MB':>10}{'seconds':>10}{'us/doc':>10}{'docs/s':>12}")
        seconds = {}
        for fmt in ("jsonl", "parquet"):
            path = folder / f"s.{fmt}"
            seconds[fmt], read = read_seconds(path, args.repeat)
            assert read == count, (fmt, read, count)
            mb, per_doc = path.stat().st_size / 1e6, seconds[fmt] / count
            print(f"{fmt:<10}{mb:>10.1f}{seconds[fmt]:>10.2f}{per_doc * 1e6:>10.1f}{1 / per_doc:>12,.0f}")
        print(f"parquet/jsonl time per document: {seconds['parquet'] / seconds['jsonl']:.2f}")

        small, large = args.memory_docs, 4 * args.memory_docs
        rows = list(records(large, args.seed + 1))
        sizes = {}
        for n in (small, large):
            sizes[n] = write(rows[:n], folder / f"m{n}.jsonl", folder / f"m{n}.parquet", args.row_group)
        del rows
        print(f"\nmemory: peak RSS growth while reading every document (row groups of {args.row_group:,} rows)")
        print(f"{'format':<10}{'documents':>11}{'text MB':>10}{'file MB':>10}{'growth MiB':>12}")
        for fmt in ("parquet", "jsonl"):
            for n in (small, large):
                path = folder / f"m{n}.{fmt}"
                growth, read = peak_growth_mib(path)
                assert read == n, (fmt, read, n)
                text_mb = sizes[n][1] / 1e6
                print(f"{fmt:<10}{n:>11,}{text_mb:>10.1f}{path.stat().st_size / 1e6:>10.1f}{growth:>12.1f}")


if __name__ == "__main__":
    main()
