"""The ``dedup`` command: parse options, call the library, render, set the exit code.

Exit codes: 0 every input processed; 1 unexpected error; 2 usage error (bad option,
missing path, unsafe output); 3 the output was written but some inputs failed (each
named on stderr and in the report or manifest); 130 interrupted (Ctrl-C or SIGTERM),
with no partial output left behind.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import click
from click.core import ParameterSource

from . import __version__
from .cleaning import CleanRunOptions, clean_documents
from .config import find_config, load_config
from .console import (
    EXIT_PARTIAL,
    Progress,
    emit,
    emit_report,
    input_options,
    library_errors,
    plural,
    report_failure,
    report_unranked,
    setup_logging,
    with_options,
)
from .engine import Failure, cleaner_options
from .errors import ConfigError, OptionsError
from .index import STORED_OPTIONS, Index
from .index_cli import index
from .keep import parse_keep
from .options import LEVELS, ScanOptions, parse_memory
from .output import OutputFolder, check_index_file, check_output_dir, check_output_file, output_name, write_atomic
from .readers import STDIN, iter_documents
from .review import ReviewOptions, review_paths
from .run import FORMATS, RunOptions, run_paths
from .scan import scan_paths
from .work import Cleaned

__all__ = ["main"]


class _Keep(click.ParamType):
    """A ``--keep`` policy, checked when the command line is read."""

    name = "POLICY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return str(parse_keep(str(value)))
        except OptionsError as exc:
            self.fail(str(exc), param, ctx)


KEEP = _Keep()


class _Memory(click.ParamType):
    """A ``--memory`` size (``2G``, ``512M``), checked when the command line is read."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return parse_memory(value)
        except OptionsError as exc:
            self.fail(str(exc), param, ctx)


# Sorting band keys within a budget: on scan and run (see ScanOptions.memory).
MEMORY = click.option(
    "--memory", type=_Memory(), default=None,
    help="Most memory the bucketing may sort at once (e.g. 2G, 512M); beyond it band keys are sorted on "
         "disk. What every run holds comes on top: about 70 bytes a paragraph and a few hundred a "
         "document  [default: no limit]",
)  # fmt: skip


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
        click.option("--keep", type=KEEP, default="first", show_default=True,
                     help="Which document of a cluster survives: first (in input order; an abridged copy gives way "
                          "to the text that holds it), longest, newest:FIELD, oldest:FIELD, max:FIELD, min:FIELD "
                          "(ISO 8601 dates or numbers; missing values rank last), or none (drop every copy)."),
        click.option("--same-url", is_flag=True,
                     help="Documents with the same canonical URL are one cluster, whatever their texts."),
        click.option("--clean/--no-clean", default=True, show_default=True, help="Strip boilerplate before matching."),
    ]  # fmt: skip
    return with_options(command, options + input_options())


def _engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Where the work runs: shared by ``scan`` and ``run``."""
    options = [
        click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
                     help="Run here, or on Spark (pip install 'dedup[spark]'): the same results either way."),
        click.option("--master", default=None, metavar="URL",
                     help="Spark master for --engine spark (default: the session spark-submit started, "
                          "else local[*])."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _spark() -> Any:
    """The Spark back-end; a missing pyspark is a usage error that says what to install."""
    try:
        from . import spark
    except ImportError as exc:
        hint = "install it with: pip install 'dedup[spark]'"
        raise click.UsageError(f"--engine spark needs pyspark ({exc}); {hint}") from None
    return spark


_SCAN_FIELDS = set(ScanOptions.__dataclass_fields__)
# Options an index does not fix: they may differ from run to run.
_PER_RUN = ("keep", "same_url", "jobs", "memory", "text_field", "id_field")


def _scan_options(
    paths: tuple[str, ...], settings: dict[str, Any], extra: dict[str, click.ParamType] | None = None
) -> tuple[ScanOptions, dict[str, Any], set[str]]:
    """ScanOptions from the flags, filling what was not given on the command line from
    ``dedup.toml`` / ``pyproject.toml``; also the file values of the ``extra`` settings
    (name: type), and the names of the options that were set (by a flag or a file)
    rather than default. File values pass the same type checks as the flags."""
    ctx = click.get_current_context()
    extra = extra or {}
    configured = load_config(find_config(paths), _SCAN_FIELDS | set(extra))
    chosen = {name for name in settings if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}
    params = {p.name: p for p in ctx.command.params}
    values: dict[str, Any] = {}
    for name, (value, path) in configured.items():
        try:
            if name in params:
                values[name] = params[name].type_cast_value(ctx, value)
            elif name in extra:
                values[name] = extra[name].convert(value, None, ctx)
        except click.BadParameter as exc:
            raise ConfigError(f"{path}: {name.replace('_', '-')}: {exc.format_message()}") from None
    for name, value in values.items():
        if name in settings and name not in chosen:
            settings[name] = value
            chosen.add(name)
    if settings.pop("no_containment", False):
        settings["containment"] = None
        chosen.add("containment")
    if settings.get("jobs") is None:
        settings.pop("jobs", None)
    options = ScanOptions(**{k: v for k, v in settings.items() if k in _SCAN_FIELDS})
    return options, {k: v for k, v in values.items() if k in extra}, chosen


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find near-duplicate documents and paragraphs, and strip boilerplate.

    Exit codes: 0 all inputs processed, 2 usage error, 3 output written but some inputs
    failed, 130 interrupted, 1 unexpected error.
    """


main.add_command(index)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--level", type=click.Choice(LEVELS), default="both", show_default=True,
              help="Compare whole documents, paragraphs, or both.")  # fmt: skip
@_matching_options
@MEMORY
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="Report format (html: the page of dedup review, with its defaults).")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the report to this file (atomically) instead of stdout.")  # fmt: skip
@_engine_options
@library_errors("no partial output was left")
def scan(paths: tuple[str, ...], fmt: str, output: str | None, engine: str, master: str | None, verbose: int,
         quiet: bool, **settings: Any) -> None:  # fmt: skip
    """Report near-duplicate documents and paragraphs in PATHS (files, folders, or - for stdin).

    Reads .txt, .md, .html/.htm, .jsonl, .json, .warc, .parquet, .csv and .tsv files
    (gzip or zstd compressed too); folders recursively, in sorted order; local paths or
    s3://, gs://, hf:// and https:// URLs.
    """
    setup_logging(verbose, quiet)
    options, _, _ = _scan_options(paths, settings)
    if output not in (None, "-"):
        check_output_file(output, paths, True)
    if fmt == "html":
        _review(paths, ReviewOptions(scan=options), "html", output, quiet)
        return
    if engine == "spark":
        result = _spark().scan_spark(paths, options, master=master)
    else:
        progress = Progress(not quiet)
        try:
            result = scan_paths(paths, options, progress)
        finally:
            progress.done()
    emit_report(result, fmt, output, quiet)


@main.command("review")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--level", type=click.Choice(LEVELS), default="both", show_default=True,
              help="Compare whole documents, paragraphs, or both.")  # fmt: skip
@_matching_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the page to this file (atomically) instead of stdout.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True,
              help="The page, or the data it shows as JSON.")  # fmt: skip
@click.option("--sample", type=click.IntRange(min=1), default=ReviewOptions.sample, show_default=True,
              help="Clusters (and cleaned documents) shown: the biggest half, then a seeded spread of the rest; "
                   "counts, histogram and preview stay exact.")  # fmt: skip
@click.option("--sample-seed", "sample_seed", type=int, default=ReviewOptions.seed, show_default=True,
              help="Seed of the sample.")  # fmt: skip
@library_errors("no partial output was left")
def review_command(paths: tuple[str, ...], output: str | None, fmt: str, sample: int, sample_seed: int,
                   verbose: int, quiet: bool, **settings: Any) -> None:  # fmt: skip
    """Write one self-contained HTML page showing what a run over PATHS would remove, and why.

    The page opens offline: summary, similarity histogram with the thresholds, a threshold
    preview, the clusters with word-level diffs, and what cleaning removed (by rule).
    """
    setup_logging(verbose, quiet)
    options, _, _ = _scan_options(paths, settings)
    _review(paths, ReviewOptions(scan=options, sample=sample, seed=sample_seed), fmt, output, quiet)


def _review(paths: tuple[str, ...], options: ReviewOptions, fmt: str, output: str | None, quiet: bool) -> None:
    """Gather the review, render it (``html``) or dump its data (``json``), write it."""
    from .review.page import render

    if output not in (None, "-"):
        check_output_file(output, paths, True)
    progress = Progress(not quiet)
    try:
        result, data = review_paths(paths, options, progress)
    finally:
        progress.done()
    text = render(data) if fmt == "html" else json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    emit(result, text, output, quiet)


@main.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="Folder for the distinct corpus and its manifest.jsonl.")  # fmt: skip
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="txt",
    show_default=True,
    help="One .txt per kept document (mirroring the input layout), or documents.jsonl, .parquet, .csv "
    "or .tsv: the input's fields with the cleaned text, plus dedup_* columns.",
)
@click.option("--mark-only", is_flag=True,
              help="Write every document, none dropped, with its verdict (dedup_status, dedup_cluster, "
                   "dedup_duplicate_of, dedup_similarity) for a later step to filter.")  # fmt: skip
@click.option("--no-paragraph-dedup", is_flag=True,
              help="Keep paragraphs that repeat a paragraph of an earlier kept document.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing non-empty output folder.")
@click.option("--index", "index_path", type=click.Path(dir_okay=False),
              help="A persistent index (created if absent): what it holds counts as already kept, and the "
                   "documents kept are added to it.")  # fmt: skip
@_matching_options
@_engine_options
@MEMORY
@library_errors("no partial output was left")
def run_command(paths: tuple[str, ...], output: str, fmt: str, mark_only: bool, no_paragraph_dedup: bool,
                force: bool, index_path: str | None, engine: str, master: str | None, verbose: int, quiet: bool,
                **settings: Any) -> None:  # fmt: skip
    """Write a cleaned corpus without duplicates from PATHS into OUTPUT, with a manifest.

    Every input gets a line in OUTPUT/manifest.jsonl: kept (with the paragraphs removed
    and why), duplicate (of which document, how similar), or failed (why). Options may
    also come from dedup.toml beside the input or [tool.dedup] in pyproject.toml.
    """
    setup_logging(verbose, quiet)
    scan_options, extra, chosen = _scan_options(paths, settings, {"paragraph_dedup": click.BOOL})
    paragraph_dedup = not no_paragraph_dedup and extra.get("paragraph_dedup", True)
    check_output_dir(output, paths, force)  # before the index is opened (or made)
    if index_path is not None:
        if engine == "spark":
            raise click.UsageError("--index works with the local engine only (the index is one SQLite file)")
        check_index_file(index_path, paths, output)
    progress = Progress(not quiet)
    with ExitStack() as stack:
        stack.callback(progress.done)
        index = None
        if index_path is not None:
            # Options that decide matching are the index's: given ones must agree with them.
            given = {name: getattr(scan_options, name) for name in STORED_OPTIONS if name in chosen}
            per_run = {k: getattr(scan_options, k) for k in _PER_RUN}  # keep order and the like
            index = stack.enter_context(Index(index_path, **given, **per_run))
            scan_options = replace(index.options, **{k: getattr(scan_options, k) for k in _PER_RUN})
        options = RunOptions(
            scan=scan_options, paragraph_dedup=paragraph_dedup, output_format=fmt, force=force, mark_only=mark_only
        )
        if engine == "spark":
            result = _spark().run_spark(paths, output, options, master=master)
        else:
            result = run_paths(paths, output, options, progress, index)
    for failure in result.failures:
        report_failure(failure)
    report_unranked(result.unranked, scan_options)
    if not quiet:
        for source, encoding in result.encodings:
            click.echo(f"dedup: {source}: not UTF-8; read as {encoding}", err=True)
    s = result.summary
    if not quiet:
        click.echo(
            f"dedup: {plural(s.inputs, 'input')}: {s.kept:,} kept, {s.duplicate:,} duplicate, {s.failed:,} failed; "
            f"{plural(s.paragraphs_removed, 'repeated paragraph')} and "
            f"{plural(s.boilerplate_spans_removed, 'boilerplate span')} removed; see {output}/manifest.jsonl",
            err=True,
        )
        if index_path is not None:
            click.echo(f"dedup: added {plural(result.indexed, 'document')} to {index_path}", err=True)
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
@library_errors("no partial output was left")
def clean_command(paths: tuple[str, ...], output: str | None, fmt: str, explain: bool, no_corpus_stats: bool,
                  rules: str | None, force: bool, text_field: str, id_field: str, jobs: int | None,
                  verbose: int, quiet: bool) -> None:  # fmt: skip
    """Strip boilerplate from PATHS (files, folders, or - for stdin), explaining every removal.

    Writes one cleaned .txt per input into OUTPUT (page.html becomes page.txt), or JSON
    records with the removed spans (--format jsonl). With - as the only input and no
    OUTPUT, the cleaned text goes to stdout.
    """
    setup_logging(verbose, quiet)
    to_stdout = output in (None, "-")
    if fmt == "txt" and to_stdout and paths != (STDIN,):
        raise click.UsageError("--format txt writes a folder of files: give it with -o OUT_DIR")
    if not to_stdout:
        (check_output_dir if fmt == "txt" else check_output_file)(output, paths, force)
    clean_options = cleaner_options(rules)
    options = CleanRunOptions(not no_corpus_stats, clean_options, **({"jobs": jobs} if jobs is not None else {}))
    progress = Progress(not quiet)
    counts = {"documents": 0, "failed": 0, "removed": 0}
    records: list[str] = []
    folder = OutputFolder(output) if fmt == "txt" and not to_stdout else None
    try:
        with clean_documents(iter_documents(paths, text_field, id_field), options, progress) as run:
            for item in run:
                if isinstance(item, Failure):
                    counts["failed"] += 1
                    report_failure(item)
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
            f"dedup: cleaned {plural(counts['documents'], 'document')}, removed {plural(counts['removed'], 'span')}"
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
