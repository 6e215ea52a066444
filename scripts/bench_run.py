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

    python scripts/bench_run.py                 # 10,000 documents
    python scripts/bench_run.py --docs 2000     # quicker
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import measure  # noqa: E402
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="passed to dedup (default: all cores)")
    parser.add_argument("--no-memory-check", action="store_true")
    args = parser.parse_args(argv)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []

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
                f"peak memory: +{longer:.0f} MiB for 4x the text in as many documents, "
                f"+{more:.0f} MiB for 4x the documents ({more * 1024 / (3 * docs):.1f} KiB per added document)"
            )
        print("(docs/s is wall clock of the whole run; 'others cpu' is the share of the machine other "
              "processes used meanwhile: high values inflate wall times)")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
