"""The entry point for ``spark-submit``: the ``dedup`` command with ``--engine spark``, in
the session spark-submit started (its master, executors and configuration).

    spark-submit --master yarn "$(python -c 'import dedup.spark.__main__ as m; print(m.__file__)')" \\
        scan s3://bucket/shards/ --format json -o s3://bucket/report.json
"""

from __future__ import annotations

import sys

from dedup.cli import main


def entry(argv: list[str] | None = None) -> None:
    """Run ``dedup ARGV``, adding ``--engine spark`` to ``scan`` and ``run``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("scan", "run") and "--engine" not in args:
        args[1:1] = ["--engine", "spark"]
    main(args, prog_name="dedup")


if __name__ == "__main__":
    entry()
