"""The ``dedup`` command: parse options, call the library, render, set the exit code.

Exit codes: 0 all inputs processed; 2 usage error (bad option, missing path);
3 finished and wrote its output, but some inputs failed (listed on stderr and in the
report); 1 unexpected error.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import DedupError, OptionsError, PathError
from .options import KEEP_RULES, LEVELS, ScanOptions
from .output import write_atomic
from .readers import FORMATS, STDIN
from .report import render_json, render_text
from .scan import scan_paths

__all__ = ["main"]

EXIT_PARTIAL = 3


class _Progress:
    """A one-line progress display on stderr, shown only for runs longer than a moment."""

    DELAY = 2.0

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.shown = False
        self.last = 0.0

    def __call__(self, stage: str, count: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.start < self.DELAY or now - self.last < 0.2:
            return
        self.last = now
        rate = count / (now - self.start)
        label = {"learn": "learning boilerplate", "sign": "signing"}.get(stage, stage)
        click.echo(f"\r{label}: {count} documents ({rate:,.0f}/s)   ", err=True, nl=False)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="dedup: %(message)s", stream=sys.stderr)


def _check_output(output: str | None, paths: tuple[str, ...]) -> None:
    """Refuse an output that would overwrite an input or be read as one next time."""
    if output is None or output == "-":
        return
    target = Path(output).resolve()
    for p in paths:
        if p == STDIN:
            continue
        src = Path(p).resolve()
        inside = src.is_dir() and src in target.parents and target.suffix.lower() in FORMATS
        if target == src or (inside and target.exists()):
            raise click.UsageError(f"--output {output} is one of the inputs; choose another file")
        if inside:
            raise click.UsageError(
                f"--output {output} lies inside the input folder {p} and would be read as input next time"
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find near-duplicate documents and paragraphs, and strip boilerplate."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="both",
    show_default=True,
    help="Compare whole documents, paragraphs, or both.",
)
@click.option(
    "--threshold",
    type=float,
    default=ScanOptions.threshold,
    show_default=True,
    help="Jaccard similarity at which two documents are the same article.",
)
@click.option(
    "--containment",
    type=float,
    default=ScanOptions.containment,
    show_default=True,
    help="Also the same article when this share of the shorter one is in the longer (abridged copies).",
)
@click.option("--no-containment", is_flag=True, help="Decide documents on Jaccard similarity alone.")
@click.option(
    "--paragraph-threshold",
    type=float,
    default=ScanOptions.paragraph_threshold,
    show_default=True,
    help="Jaccard similarity at which two paragraphs are the same.",
)
@click.option(
    "--min-paragraph-words",
    type=int,
    default=ScanOptions.min_paragraph_words,
    show_default=True,
    help="Ignore shorter paragraphs.",
)
@click.option("--num-perm", type=int, default=ScanOptions.num_perm, show_default=True, help="MinHash permutations.")
@click.option("--ngram", type=int, default=ScanOptions.ngram, show_default=True, help="Words per shingle.")
@click.option("--seed", type=int, default=ScanOptions.seed, show_default=True, help="MinHash seed.")
@click.option(
    "--keep",
    type=click.Choice(KEEP_RULES),
    default="first",
    show_default=True,
    help="Which document of a cluster is kept: first in input order, or longest.",
)
@click.option("--clean/--no-clean", default=True, show_default=True, help="Strip boilerplate before matching.")
@click.option("--text-field", default="text", show_default=True, help="JSONL field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL field holding the document id.")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes  [default: all cores]")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write the report to this file (atomically) instead of stdout.",
)
@click.option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr; no progress display.")
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    verbose: int,
    quiet: bool,
    no_containment: bool,
    jobs: int | None,
    **settings: Any,
) -> None:
    """Report near-duplicate documents and paragraphs in PATHS (files, folders, or - for stdin).

    Reads .txt, .md, .html/.htm and .jsonl files; folders recursively, in sorted order.
    """
    _setup_logging(verbose, quiet)
    if no_containment:
        settings["containment"] = None
    if jobs is not None:
        settings["jobs"] = jobs
    try:
        options = ScanOptions(**settings)
    except OptionsError as exc:
        raise click.UsageError(str(exc)) from None
    _check_output(output, paths)
    progress = _Progress(not quiet)
    try:
        result = scan_paths(paths, options, progress)
    except PathError as exc:
        raise click.UsageError(str(exc)) from None
    except DedupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.done()
    for error in result.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        click.echo(f"dedup: {where}: {error.error}", err=True)
    report = render_json(result) if fmt == "json" else render_text(result)
    if output is None or output == "-":
        click.echo(report, nl=False)
    else:
        write_atomic(output, report)
        if not quiet:
            click.echo(f"dedup: report written to {output}", err=True)
    if result.errors:
        sys.exit(EXIT_PARTIAL)


if __name__ == "__main__":  # pragma: no cover
    main()
