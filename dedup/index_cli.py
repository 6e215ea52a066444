"""``dedup index``: keep a persistent index and check new documents against it.

A thin adapter over :class:`dedup.index.Index`: parse options, call one method, print.
Exit codes as for ``dedup scan``: 0 done; 1 unexpected error or an unusable index file;
2 usage error (bad option, missing path, options that differ from the index's);
3 done, but some inputs failed (named on stderr) or some ids were not in the index;
130 interrupted (the index is left as it was before the command).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from .console import (
    EXIT_PARTIAL,
    Progress,
    emit_report,
    input_options,
    library_errors,
    plural,
    report_failure,
    setup_logging,
    with_options,
)
from .index import Index
from .options import KEEP_RULES, LEVELS, ScanOptions
from .output import check_index_file, check_output_file
from .readers import iter_documents, list_files

__all__ = ["index"]

# Ids listed when reporting documents skipped because the index has them.
_SHOW_IDS = 5


def _index_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options an index is built with: given when it is created, or equal to the stored ones."""
    d = ScanOptions()
    options = [
        click.option("--level", type=click.Choice(LEVELS), default=None,
                     help=f"Index whole documents, paragraphs, or both.  [new index: {d.level}]"),
        click.option("--threshold", type=float, default=None,
                     help=f"Jaccard similarity at which two documents are the same article.  [new: {d.threshold}]"),
        click.option("--containment", type=float, default=None,
                     help=f"Also the same article when this share of the shorter is in the longer.  [new: "
                          f"{d.containment}]"),
        click.option("--no-containment", is_flag=True, help="Decide documents on Jaccard similarity alone."),
        click.option("--min-length-ratio", type=float, default=None,
                     help=f"Containment counts only if the shorter is this share of the longer.  [new: "
                          f"{d.min_length_ratio}]"),
        click.option("--paragraph-threshold", type=float, default=None,
                     help=f"Jaccard similarity at which two paragraphs are the same.  [new: {d.paragraph_threshold}]"),
        click.option("--min-paragraph-words", type=int, default=None,
                     help=f"Ignore shorter paragraphs.  [new: {d.min_paragraph_words}]"),
        click.option("--num-perm", type=int, default=None, help=f"MinHash permutations.  [new: {d.num_perm}]"),
        click.option("--ngram", type=int, default=None, help=f"Words per shingle.  [new: {d.ngram}]"),
        click.option("--seed", type=int, default=None, help=f"MinHash seed.  [new: {d.seed}]"),
        click.option("--clean/--no-clean", default=None, help="Strip boilerplate before matching.  [new: clean]"),
    ]  # fmt: skip
    return with_options(command, options + input_options())


def _settings(given: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line (the others come from the index or defaults)."""
    if given.pop("no_containment", False):
        if given.get("containment") is not None:
            raise click.UsageError("give --containment or --no-containment, not both")
        given["containment"] = None
        return {k: v for k, v in given.items() if v is not None or k == "containment"}
    return {k: v for k, v in given.items() if v is not None}


def _check_paths(paths: tuple[str, ...]) -> None:
    """Refuse a missing input before the index is created or opened (a usage error)."""
    next(iter(list_files(paths)), None)


@click.group("index", context_settings={"help_option_names": ["-h", "--help"]})
def index() -> None:
    """Keep an index of documents, and check new ones against it.

    INDEX is one SQLite file; the first add creates it with the options given (or the
    defaults), which it keeps: later commands use them, and options that would change
    the answers must equal them.
    """


@index.command("add")
@click.argument("index_path", metavar="INDEX", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--replace", is_flag=True, help="Replace stored documents with the same id (default: skip them).")
@_index_options
@library_errors("the index is as it was before this command")
def add(index_path: str, paths: tuple[str, ...], replace: bool, verbose: int, quiet: bool, **given: Any) -> None:
    """Clean, sign and store the documents in PATHS (files, folders, or - for stdin) in INDEX.

    Creates INDEX if it does not exist. Documents whose id is already stored are skipped,
    or replaced with --replace. The whole add is one transaction.
    """
    setup_logging(verbose, quiet)
    settings = _settings(given)
    _check_paths(paths)
    check_index_file(index_path, paths)
    progress = Progress(not quiet)
    with Index(index_path, **settings) as store:
        try:
            result = store.add(iter_documents(paths, store.options.text_field, store.options.id_field), replace,
                               progress)  # fmt: skip
        finally:
            progress.done()
        total = len(store)
    for failure in result.errors:
        report_failure(failure)
    if result.skipped and not quiet:
        shown = ", ".join(result.skipped[:_SHOW_IDS]) + (", ..." if len(result.skipped) > _SHOW_IDS else "")
        click.echo(
            f"dedup: skipped {plural(len(result.skipped), 'document')} already in the index ({shown}); "
            "--replace to replace them",
            err=True,
        )
    if not quiet:
        replaced = f", {len(result.replaced):,} of them replacing stored ones" if result.replaced else ""
        click.echo(
            f"dedup: added {plural(result.added, 'document')} ({plural(result.paragraphs, 'paragraph')}){replaced} "
            f"to {index_path}; it holds {total:,}; {len(result.errors):,} failed",
            err=True,
        )
    if result.errors:
        sys.exit(EXIT_PARTIAL)


@index.command("query")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format (that of dedup scan).")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the report to this file (atomically) instead of stdout.")  # fmt: skip
@click.option("--keep", type=click.Choice(KEEP_RULES), default=None,
              help="Which stored document a new one is reported with, of those it matches: the first stored, or "
                   "the longest.  [default: first]")  # fmt: skip
@_index_options
@library_errors("the index is as it was before this command")
def query(index_path: str, paths: tuple[str, ...], fmt: str, output: str | None, verbose: int, quiet: bool,
          **given: Any) -> None:  # fmt: skip
    """Report which stored documents and paragraphs the documents in PATHS near-duplicate.

    Prints the report of dedup scan: each new document (paragraph) is listed under the
    first stored one it matches (see --keep), with its similarity to it. INDEX is not
    changed. Adding and querying need the Unicode version the index was made with.
    """
    setup_logging(verbose, quiet)
    settings = _settings(given)
    if output not in (None, "-"):
        check_output_file(output, paths, True)
    _check_paths(paths)
    progress = Progress(not quiet)
    with Index(index_path, create=False, **settings) as store:
        try:
            result = store.query(iter_documents(paths, store.options.text_field, store.options.id_field), progress)
        finally:
            progress.done()
    emit_report(result, fmt, output, quiet)


@index.command("stats")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Plain lines, or one JSON object.")  # fmt: skip
@library_errors("the index is as it was before this command")
def stats(index_path: str, fmt: str) -> None:
    """Show what INDEX holds, its size, and the options it was built with."""
    with Index(index_path, create=False) as store:
        info = store.stats()
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
        return
    per_doc = info["bytes_per_document"]
    size = f"{info['bytes'] / 2**20:,.1f} MiB" + (f" ({per_doc / 1024:,.1f} KiB a document)" if per_doc else "")
    lines = [
        f"index:       {info['path']} ({info['created_by']}, schema {info['schema']}, "
        f"Unicode {info['unicode'] or 'not recorded yet'})",
        f"documents:   {info['documents']:,} ({plural(info['paragraphs'], 'paragraph')}) "
        f"from {plural(info['adds'], 'add')}",
        f"size:        {size}",
        f"created:     {info['created']}; last changed {info['updated']}",
        f"chrome:      {plural(info['chrome_lines'], 'line')} learned as boilerplate "
        f"({plural(info['chrome_groups'], 'group')} and corpus-wide)",
        "options:     " + ", ".join(f"{k}={v}" for k, v in info["options"].items()),
    ]  # fmt: skip
    click.echo("\n".join(lines))


@index.command("remove")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.argument("ids", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr.")
@library_errors("the index is as it was before this command")
def remove(index_path: str, ids: tuple[str, ...], quiet: bool) -> None:
    """Remove the documents with these IDS from INDEX (one transaction)."""
    with Index(index_path, create=False) as store:
        missing = [i for i in dict.fromkeys(ids) if i not in store]
        removed = store.remove(ids)
    for doc_id in missing:
        click.echo(f"dedup: {doc_id}: not in the index", err=True)
    if not quiet:
        click.echo(f"dedup: removed {plural(removed, 'document')} from {index_path}", err=True)
    if missing:
        sys.exit(EXIT_PARTIAL)


if __name__ == "__main__":  # pragma: no cover  (python -m dedup.index_cli, before cli.py registers it)
    index()
