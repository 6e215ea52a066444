#!/usr/bin/env python3
"""Throughput of the cleaner: fingerprint + clean_text per document, in CPU time.

Inputs: the five files in corpus/, and (when ../shared/eval is there) the aeb article
bodies (real 2-9 KB articles) and aeb naive scraper dumps. A calibration loop is timed
too, so that figures from a loaded or slower machine can be compared:

    python scripts/bench_clean.py [--eval-dir DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clean import CleanOptions, clean_text, fingerprint  # noqa: E402


def cpu_ms(fn, items: list[str], rounds: int) -> float:
    """Best-of-``rounds`` CPU milliseconds per item."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return 1000 * best / max(1, len(items))


def calibration_us(rounds: int) -> float:
    """CPU microseconds of ``sum(range(1000))`` (about 10-25 us on current hardware)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(2000):
            sum(range(1000))
        best = min(best, time.process_time() - start)
    return 1e6 * best / 2000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    sets: dict[str, list[str]] = {}
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    sets["corpus/ sample files"] = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    truth = args.eval_dir / "aeb" / "ground-truth.json"
    if truth.exists():
        bodies = [v.get("articleBody", "") for v in json.loads(truth.read_text(encoding="utf-8")).values()]
        sets["aeb article bodies"] = [b for b in bodies if b.strip()]
        try:
            import html_text

            pages = sorted((args.eval_dir / "aeb" / "html").glob("*.html.gz"))
            sets["aeb naive dumps"] = [
                html_text.extract_text(gzip.decompress(p.read_bytes()).decode("utf-8", "replace"), guess_layout=True)
                for p in pages
            ]
        except ImportError:
            print("html-text not installed: skipping the naive dumps")
    else:
        print(f"no eval data at {args.eval_dir}: timing corpus/ only")
    options = CleanOptions()
    print(f"calibration: sum(range(1000)) = {calibration_us(args.rounds):.1f} us CPU")
    for label, texts in sets.items():
        for t in texts[:3]:
            clean_text(t, options)  # compile the rules once
        fp = cpu_ms(lambda t: fingerprint(t, options), texts, args.rounds)
        cl = cpu_ms(lambda t: clean_text(t, options), texts, args.rounds)
        kb = statistics.mean(len(t.encode("utf-8")) for t in texts) / 1024
        print(
            f"{label:<22} {len(texts):4d} docs, {kb:5.1f} KB mean: fingerprint {fp:.3f} ms"
            f" + clean_text {cl:.3f} ms = {fp + cl:.3f} ms/doc ({fp + cl:.3f} ms per {kb:.1f} KB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
