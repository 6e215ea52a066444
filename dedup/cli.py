"""The ``dedup`` command: parse options, call the library, render, set the exit code.

Exit codes: 0 all inputs processed; 2 usage error (bad option, missing path);
3 finished and wrote its output, but some inputs failed (listed on stderr and in the
report); 1 unexpected error.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

import clean as cleaner

from . import __version__
from .cleaning import CleanRunOptions, clean_documents
from .engine import Failure
from .errors import ConfigError, DedupError, OptionsError, OutputError, PathError
from .options import KEEP_RULES, LEVELS, ScanOptions
from .output import check_output_dir, check_output_file, output_name, write_atomic
from .readers import STDIN, iter_documents
from .report import render_json, render_text
from .scan import scan_paths
from .work import Cleaned

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


def _guard(check: Any, *args: Any) -> None:
    """Run an output check; its refusal is a usage error (exit 2)."""
    try:
        check(*args)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None


def _report_failure(failure: Failure) -> None:
    where = f"{failure.path}:{failure.line}" if failure.line else failure.path
    click.echo(f"dedup: {where}: {failure.error}", err=True)


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
    "--min-length-ratio",
    type=float,
    default=ScanOptions.min_length_ratio,
    show_default=True,
    help="Containment counts only if the shorter document is at least this share of the longer.",
)
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
@click.option(
    "--rules",
    "clean_rules",
    type=click.Path(exists=True, dir_okay=False),
    help="TOML file adding cleaning patterns or disabling built-in rules.",
)
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
    if output not in (None, "-"):
        _guard(check_output_file, output, paths, True)
    progress = _Progress(not quiet)
    try:
        result = scan_paths(paths, options, progress)
    except (PathError, ConfigError) as exc:
        raise click.UsageError(str(exc)) from None
    except DedupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.done()
    for failure in result.errors:
        _report_failure(failure)
    report = render_json(result) if fmt == "json" else render_text(result)
    if output is None or output == "-":
        click.echo(report, nl=False)
    else:
        write_atomic(output, report)
        if not quiet:
            click.echo(f"dedup: report written to {output}", err=True)
    if result.errors:
        sys.exit(EXIT_PARTIAL)


@main.command("clean")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--output",
    "-o",
    type=click.Path(allow_dash=True),
    default=None,
    help="Folder for the .txt files, or file for --format jsonl (default: stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["txt", "jsonl"]),
    default="txt",
    show_default=True,
    help="One .txt per input, mirroring relative paths; or one JSON record per document.",
)
@click.option("--explain", is_flag=True, help="Print every removal as FILE:LINE  RULE  text on stderr.")
@click.option(
    "--no-corpus-stats",
    is_flag=True,
    help="Do not learn lines repeated across documents (site chrome) before cleaning.",
)
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False),
    help="TOML file adding patterns or disabling built-in rules.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty output folder or replace an output file.")
@click.option("--text-field", default="text", show_default=True, help="JSONL field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL field holding the document id.")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes  [default: all cores]")
@click.option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr; no progress display.")
def clean_command(
    paths: tuple[str, ...],
    output: str | None,
    fmt: str,
    explain: bool,
    no_corpus_stats: bool,
    rules: str | None,
    force: bool,
    text_field: str,
    id_field: str,
    jobs: int | None,
    verbose: int,
    quiet: bool,
) -> None:
    """Strip boilerplate from PATHS (files, folders, or - for stdin), explaining every removal.

    Writes one cleaned .txt per input into OUTPUT (page.html becomes page.txt), or JSON
    records with the removed spans (--format jsonl). With - as the only input and no
    OUTPUT, the cleaned text goes to stdout.
    """
    _setup_logging(verbose, quiet)
    to_stdout = output in (None, "-")
    if fmt == "txt" and to_stdout and paths != (STDIN,):
        raise click.UsageError("--format txt writes a folder of files: give it with -o OUT_DIR")
    if not to_stdout:
        _guard(check_output_dir if fmt == "txt" else check_output_file, output, paths, force)
    try:
        clean_options = cleaner.CleanOptions(rules=cleaner.load_rules(rules)) if rules else cleaner.CleanOptions()
        options = CleanRunOptions(
            corpus_stats=not no_corpus_stats,
            clean_options=clean_options,
            **({"jobs": jobs} if jobs is not None else {}),
        )
    except (OptionsError, ConfigError) as exc:
        raise click.UsageError(str(exc)) from None
    progress = _Progress(not quiet)
    records: list[str] = []
    counts = {"documents": 0, "failed": 0, "removed": 0}
    written: dict[str, str] = {}
    try:
        with clean_documents(iter_documents(paths, text_field, id_field), options, progress) as run:
            for item in run:
                if isinstance(item, Failure):
                    counts["failed"] += 1
                    _report_failure(item)
                    continue
                counts["documents"] += 1
                counts["removed"] += len(item.removed)
                if explain:
                    _explain(item)
                if fmt == "jsonl":
                    records.append(json.dumps(_clean_record(item), ensure_ascii=False))
                elif to_stdout:
                    click.echo(item.text, nl=not item.text.endswith("\n"))
                else:
                    problem = _write_cleaned(Path(output), item, written)
                    if problem:
                        counts["documents"] -= 1
                        counts["failed"] += 1
                        _report_failure(problem)
            stats = run.stats
    except PathError as exc:
        raise click.UsageError(str(exc)) from None
    except DedupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.done()
    if fmt == "jsonl":
        body = "".join(r + "\n" for r in records)
        if to_stdout:
            click.echo(body, nl=False)
        else:
            write_atomic(output, body)
    if not quiet:
        learned = ""
        if stats is not None:
            learned = f"; learned {stats.describe().get('repeated_lines', 0)} lines repeated across documents"
        click.echo(
            f"dedup: cleaned {counts['documents']} documents, removed {counts['removed']} spans"
            f"{learned}; {counts['failed']} failed",
            err=True,
        )
    if counts["failed"]:
        sys.exit(EXIT_PARTIAL)


def _explain(item: Cleaned) -> None:
    source = item.doc.source or item.doc.id
    for r in item.removed:
        text = " ".join(r.text.split())
        text = text if len(text) <= 100 else text[:99] + "…"
        line = r.first_line if r.first_line else "?"
        click.echo(f"{source}:{line}  {r.rule}  {text}", err=True)


def _clean_record(item: Cleaned) -> dict[str, Any]:
    return {
        "id": item.doc.id,
        "source": item.doc.source,
        "text": item.text,
        "removed": [
            {"first_line": r.first_line, "last_line": r.last_line, "rule": r.rule, "text": r.text} for r in item.removed
        ],
        "flags": list(item.flags),
        "metadata": dict(item.metadata),
    }


def _write_cleaned(out: Path, item: Cleaned, written: dict[str, str]) -> Failure | None:
    """Write one cleaned file; a name two inputs share, or an input's own path, fails."""
    rel = output_name(item.doc)
    target = out / rel
    source = item.doc.source or item.doc.id
    if str(rel) in written:
        return Failure(source, f"output {rel} already written for {written[str(rel)]}; rename one of them")
    if item.doc.source not in (None, STDIN) and target.exists() and os.path.samefile(target, item.doc.source):
        return Failure(source, f"output {target} is the input itself; not written")
    written[str(rel)] = source
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, item.text if item.text.endswith("\n") or not item.text else item.text + "\n")
    return None


if __name__ == "__main__":  # pragma: no cover
    main()
