#!/usr/bin/env python3
"""What building the review page costs: ``dedup review`` against ``dedup scan`` of the same
corpus, and the page's size.

Writes the seeded synthetic corpus of ``scripts/bench_scan.py`` (scripts/synth.py: prose
of 300 to 1,000 words, 30% near-copies), then runs, alternately, ``dedup scan DIR
--format json -o ...`` and ``dedup review DIR -o page.html`` (same defaults: cleaning,
both levels) in fresh processes, ``--runs`` times each, and prints the best wall and CPU
times of each, their ratio (target: the review adds at most 15%), peak memory, and the
size of the page.

    python scripts/bench_review.py                  # 10,000 documents
    python scripts/bench_review.py --docs 100000 --runs 1   # the page's size at 100k
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import _dedup_command, measure  # noqa: E402
from synth import SynthOptions, generate, write_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the corpus (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command, alternated (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="passed to dedup (default: all cores)")
    args = parser.parse_args(argv)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    dedup = _dedup_command()
    with tempfile.TemporaryDirectory(prefix="bench_review_") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        write_corpus(generate(SynthOptions(docs=args.docs, seed=args.seed)), corpus)
        size = sum(p.stat().st_size for p in corpus.iterdir()) / 2**20
        print(f"corpus: {args.docs} documents, {size:.1f} MiB", flush=True)
        commands = {
            "scan": [*dedup, "scan", str(corpus), *jobs, "--format", "json", "-o", str(work / "scan.json"), "-q"],
            "review": [*dedup, "review", str(corpus), *jobs, "-o", str(work / "page.html"), "-q"],
        }
        best: dict[str, list] = {name: [] for name in commands}
        for run in range(args.runs):
            for name, argv_ in commands.items():
                got = measure(argv_, work / f"{name}{run}.log")
                if got.exit != 0:
                    print(f"{name} failed ({got.exit}):\n{got.log}")
                    return 1
                best[name].append(got)
                print(f"  {name} run {run + 1}: {got.wall:.2f} s wall, {got.cpu:.2f} s CPU, "
                      f"tree {got.tree_mib:.0f} MiB, others {got.others:.0%}", flush=True)  # fmt: skip
        scan, review = (min(best[n], key=lambda m: m.wall) for n in ("scan", "review"))
        scan_cpu, review_cpu = (min(m.cpu for m in best[n]) for n in ("scan", "review"))
        page = (work / "page.html").stat().st_size
        print(f"\ncommand: python scripts/bench_review.py {' '.join(argv if argv is not None else sys.argv[1:])}")
        print(f"{'command':<8} {'best wall s':>11} {'best cpu s':>11} {'tree MiB':>9}")
        print(f"{'scan':<8} {scan.wall:>11.2f} {scan_cpu:>11.2f} {scan.tree_mib:>9.0f}")
        print(f"{'review':<8} {review.wall:>11.2f} {review_cpu:>11.2f} {review.tree_mib:>9.0f}")
        added, added_cpu = review.wall / scan.wall - 1, review_cpu / scan_cpu - 1
        verdict = "MET" if added <= 0.15 else "NOT MET"
        print(f"review adds {added:+.1%} wall ({added_cpu:+.1%} CPU) to a scan; target at most +15%: {verdict}")
        print(f"page: {page / 2**20:.2f} MiB for {args.docs} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
