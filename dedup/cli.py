"""The ``dedup`` command: parse options, call the library, render, set the exit code.

Exit codes: 0 every input processed; 1 unexpected error; 2 usage error (bad option,
missing path, unsafe output); 3 the output was written but some inputs failed (each
named on stderr and in the report or manifest); 130 interrupted (Ctrl-C or SIGTERM),
with no partial output left behind.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

import clean as cleaner

from . import __version__
from .cleaning import CleanRunOptions, clean_documents
from .config import find_config, load_config
from .engine import Failure
from .errors import ConfigError, DedupError, OptionsError, OutputError, PathError
from .options import KEEP_RULES, LEVELS, ScanOptions
from .output import OutputFolder, check_output_dir, check_output_file, output_name, write_atomic
from .readers import STDIN, iter_documents
from .report import render_json, render_text
from .run import FORMATS, RunOptions, run_paths
from .scan import scan_paths
from .work import Cleaned

__all__ = ["main"]

EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130


class _Progress:
    """A one-line progress display on stderr, shown only for runs longer than a moment."""

    DELAY = 2.0
    LABELS = {"learn": "learning boilerplate", "sign": "signing", "clean": "cleaning"}

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
        label = self.LABELS.get(stage, stage)
        click.echo(f"\r{label}: {count:,} documents ({rate:,.0f}/s)   ", err=True, nl=False)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="dedup: %(message)s", stream=sys.stderr)


def _report_failure(failure: Failure) -> None:
    where = f"{failure.path}:{failure.line}" if failure.line else failure.path
    click.echo(f"dedup: {where}: {failure.error}", err=True)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _library_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into exit codes: usage errors 2, others 1; SIGTERM and
    Ctrl-C 130 (the library removes its partial output on the way out)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        def terminate(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, terminate)
        try:
            return command(*args, **kwargs)
        except (PathError, ConfigError, OptionsError, OutputError) as exc:
            raise click.UsageError(str(exc)) from None
        except DedupError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("dedup: interrupted; no partial output was left", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper


def _matching_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that decide what matches: shared by ``scan`` and ``run``."""
    options = [
        click.option("--threshold", type=float, default=ScanOptions.threshold, show_default=True,
                     help="Jaccard similarity at which two documents are the same article."),
        click.option("--containment", type=float, default=ScanOptions.containment, show_default=True,
                     help="Also the same article when this share of the shorter one is in the longer (abridged)."),
        click.option("--no-containment", is_flag=True, help="Decide documents on Jaccard similarity alone."),
        click.option("--min-length-ratio", type=float, default=ScanOptions.min_length_ratio, show_default=True,
                     help="Containment counts only if the shorter document is at least this share of the longer."),
        click.option("--paragraph-threshold", type=float, default=ScanOptions.paragraph_threshold, show_default=True,
                     help="Jaccard similarity at which two paragraphs are the same."),
        click.option("--min-paragraph-words", type=int, default=ScanOptions.min_paragraph_words, show_default=True,
                     help="Ignore shorter paragraphs."),
        click.option("--num-perm", type=int, default=ScanOptions.num_perm, show_default=True,
                     help="MinHash permutations."),
        click.option("--ngram", type=int, default=ScanOptions.ngram, show_default=True, help="Words per shingle."),
        click.option("--seed", type=int, default=ScanOptions.seed, show_default=True, help="MinHash seed."),
        click.option("--keep", type=click.Choice(KEEP_RULES), default="first", show_default=True,
                     help="Which document of a cluster is kept: first in input order, or longest."),
        click.option("--clean/--no-clean", default=True, show_default=True, help="Strip boilerplate before matching."),
        click.option("--rules", "clean_rules", type=click.Path(exists=True, dir_okay=False),
                     help="TOML file adding cleaning patterns or disabling built-in rules."),
        click.option("--text-field", default="text", show_default=True, help="JSON field holding the text."),
        click.option("--id-field", default="id", show_default=True, help="JSON field holding the document id."),
        click.option("--jobs", "-j", type=int, default=None, help="Worker processes  [default: all cores]"),
        click.option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debugging)."),
        click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr; no progress display."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


_SCAN_FIELDS = set(ScanOptions.__dataclass_fields__)


def _scan_options(
    paths: tuple[str, ...], settings: dict[str, Any], extra: tuple[str, ...] = ()
) -> tuple[ScanOptions, dict[str, Any]]:
    """ScanOptions from the flags, filling what was not given on the command line from
    ``dedup.toml`` / ``pyproject.toml``; also the file values of the ``extra`` settings."""
    ctx = click.get_current_context()
    configured = load_config(find_config(paths), _SCAN_FIELDS | set(extra))
    for name, value in configured.items():
        if name in settings and ctx.get_parameter_source(name) != ParameterSource.COMMANDLINE:
            settings[name] = value
    if settings.pop("no_containment", False):
        settings["containment"] = None
    if settings.get("jobs") is None:
        settings.pop("jobs", None)
    options = ScanOptions(**{k: v for k, v in settings.items() if k in _SCAN_FIELDS})
    return options, {k: v for k, v in configured.items() if k in extra}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find near-duplicate documents and paragraphs, and strip boilerplate.

    Exit codes: 0 all inputs processed, 2 usage error, 3 output written but some inputs
    failed, 130 interrupted, 1 unexpected error.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--level", type=click.Choice(LEVELS), default="both", show_default=True,
              help="Compare whole documents, paragraphs, or both.")  # fmt: skip
@_matching_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the report to this file (atomically) instead of stdout.")  # fmt: skip
@_library_errors
def scan(paths: tuple[str, ...], fmt: str, output: str | None, verbose: int, quiet: bool, **settings: Any) -> None:
    """Report near-duplicate documents and paragraphs in PATHS (files, folders, or - for stdin).

    Reads .txt, .md, .html/.htm, .jsonl, .json and .warc files, also gzip or zstd
    compressed; folders recursively, in sorted order.
    """
    _setup_logging(verbose, quiet)
    options, _ = _scan_options(paths, settings)
    if output not in (None, "-"):
        check_output_file(output, paths, True)
    progress = _Progress(not quiet)
    try:
        result = scan_paths(paths, options, progress)
    finally:
        progress.done()
    for failure in result.errors:
        _report_failure(failure)
    report = render_json(result) if fmt == "json" else render_text(result)
    if output in (None, "-"):
        click.echo(report, nl=False)
    else:
        write_atomic(output, report)
        if not quiet:
            click.echo(f"dedup: report written to {output}", err=True)
    if result.errors:
        sys.exit(EXIT_PARTIAL)


@main.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="Folder for the distinct corpus and its manifest.jsonl.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="txt", show_default=True,
              help="One .txt per kept document (mirroring the input layout), or documents.jsonl.")  # fmt: skip
@click.option("--no-paragraph-dedup", is_flag=True,
              help="Keep paragraphs that repeat a paragraph of an earlier kept document.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing non-empty output folder.")
@_matching_options
@_library_errors
def run_command(paths: tuple[str, ...], output: str, fmt: str, no_paragraph_dedup: bool, force: bool,
                verbose: int, quiet: bool, **settings: Any) -> None:  # fmt: skip
    """Write a cleaned corpus without duplicates from PATHS into OUTPUT, with a manifest.

    Every input gets a line in OUTPUT/manifest.jsonl: kept (with the paragraphs removed
    and why), duplicate (of which document, how similar), or failed (why). Options may
    also come from dedup.toml beside the input or [tool.dedup] in pyproject.toml.
    """
    _setup_logging(verbose, quiet)
    scan_options, extra = _scan_options(paths, settings, ("paragraph_dedup",))
    paragraph_dedup = not no_paragraph_dedup and bool(extra.get("paragraph_dedup", True))
    options = RunOptions(scan=scan_options, paragraph_dedup=paragraph_dedup, output_format=fmt, force=force)
    progress = _Progress(not quiet)
    try:
        result = run_paths(paths, output, options, progress)
    finally:
        progress.done()
    for failure in result.failures:
        _report_failure(failure)
    if not quiet:
        for source, encoding in result.encodings:
            click.echo(f"dedup: {source}: not UTF-8; read as {encoding}", err=True)
    s = result.summary
    if not quiet:
        click.echo(
            f"dedup: {_plural(s.inputs, 'input')}: {s.kept:,} kept, {s.duplicate:,} duplicate, {s.failed:,} failed; "
            f"{_plural(s.paragraphs_removed, 'repeated paragraph')} and "
            f"{_plural(s.boilerplate_lines_removed, 'boilerplate line')} removed; see {output}/manifest.jsonl",
            err=True,
        )
    if s.failed:
        sys.exit(EXIT_PARTIAL)


@main.command("clean")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--output", "-o", type=click.Path(allow_dash=True), default=None,
              help="Folder for the .txt files, or file for --format jsonl (default: stdout).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["txt", "jsonl"]), default="txt", show_default=True,
              help="One .txt per input, mirroring relative paths; or one JSON record per document.")  # fmt: skip
@click.option("--explain", is_flag=True, help="Print every removal as FILE:LINE  RULE  text on stderr.")
@click.option("--no-corpus-stats", is_flag=True,
              help="Do not learn lines repeated across documents (site chrome) before cleaning.")  # fmt: skip
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="TOML file adding patterns or disabling built-in rules.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace a non-empty output folder or an output file.")
@click.option("--text-field", default="text", show_default=True, help="JSON field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSON field holding the document id.")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes  [default: all cores]")
@click.option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr; no progress display.")
@_library_errors
def clean_command(paths: tuple[str, ...], output: str | None, fmt: str, explain: bool, no_corpus_stats: bool,
                  rules: str | None, force: bool, text_field: str, id_field: str, jobs: int | None,
                  verbose: int, quiet: bool) -> None:  # fmt: skip
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
        (check_output_dir if fmt == "txt" else check_output_file)(output, paths, force)
    clean_options = cleaner.CleanOptions(rules=cleaner.load_rules(rules)) if rules else cleaner.CleanOptions()
    options = CleanRunOptions(not no_corpus_stats, clean_options, **({"jobs": jobs} if jobs is not None else {}))
    progress = _Progress(not quiet)
    counts = {"documents": 0, "failed": 0, "removed": 0}
    records: list[str] = []
    folder = OutputFolder(output) if fmt == "txt" and not to_stdout else None
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
                text = item.text if item.text.endswith("\n") or not item.text else item.text + "\n"
                if fmt == "jsonl":
                    records.append(json.dumps(_clean_record(item), ensure_ascii=False) + "\n")
                elif folder is None:
                    click.echo(text, nl=False)
                else:
                    folder.write(folder.claim(output_name(item.doc)), text)
            stats = run.stats
        if folder is not None:
            folder.commit()
    except BaseException:
        if folder is not None:
            folder.abort()
        raise
    finally:
        progress.done()
    if fmt == "jsonl":
        if to_stdout:
            click.echo("".join(records), nl=False)
        else:
            write_atomic(output, "".join(records))
    if not quiet:
        learned = ""
        if stats is not None:
            learned = f"; learned {stats.describe().get('repeated_lines', 0)} lines repeated across documents"
        click.echo(
            f"dedup: cleaned {_plural(counts['documents'], 'document')}, removed {_plural(counts['removed'], 'span')}"
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
        "metadata": {**item.doc.meta, **item.metadata},
    }


if __name__ == "__main__":  # pragma: no cover
    main()
