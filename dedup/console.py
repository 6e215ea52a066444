"""What the command-line adapters share: the progress line, logging, and turning library
errors into messages and exit codes. Only the CLI modules use it; the library never prints.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import click

from .engine import Failure
from .errors import ConfigError, DedupError, OptionsError, OutputError, PathError
from .options import ScanOptions
from .output import write_atomic
from .report import render_json, render_text
from .scan import ScanResult

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "EXIT_PARTIAL",
    "Progress",
    "library_errors",
    "plural",
    "emit",
    "emit_report",
    "input_options",
    "report_failure",
    "report_unranked",
    "setup_logging",
    "with_options",
]

EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool that SIGPIPE ended


class Progress:
    """A one-line progress display on stderr, shown only for runs longer than a moment."""

    DELAY = 2.0
    LABELS = {"learn": "learning boilerplate", "sign": "signing", "clean": "cleaning", "add": "adding",
              "query": "querying"}  # fmt: skip

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
        click.echo(f"\r{self.LABELS.get(stage, stage)}: {count:,} documents ({rate:,.0f}/s)   ", err=True, nl=False)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)


def input_options() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """Options of every command that reads documents: cleaning rules, JSON fields,
    workers and verbosity."""
    return [
        click.option("--rules", "clean_rules", type=click.Path(exists=True, dir_okay=False),
                     help="TOML file adding cleaning patterns or disabling built-in rules."),
        click.option("--text-field", default="text", show_default=True, help="JSON field holding the text."),
        click.option("--id-field", default="id", show_default=True, help="JSON field holding the document id."),
        click.option("--jobs", "-j", type=int, default=None, help="Worker processes  [default: all cores]"),
        click.option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debugging)."),
        click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr; no progress display."),
    ]  # fmt: skip


def with_options(
    command: Callable[..., Any], options: list[Callable[[Callable[..., Any]], Callable[..., Any]]]
) -> Callable[..., Any]:
    """``command`` with these click options, listed in ``--help`` in this order."""
    for option in reversed(options):
        command = option(command)
    return command


# Loggers of this project: shown at the level -v/-q ask for, as "dedup: message".
_OWN = ("dedup", "clean")
_HANDLER = "dedup-cli"


class _Show(logging.Filter):
    """Our records at the loggers' levels; a dependency's (trafilatura, htmldate,
    charset_normalizer...) only with -vv, and then only its warnings and errors."""

    def __init__(self, dependencies: bool) -> None:
        super().__init__()
        self.dependencies = dependencies

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.partition(".")[0] in _OWN:
            return True
        return self.dependencies and record.levelno >= logging.WARNING


class _Format(logging.Formatter):
    """``dedup: message`` for ours, ``logger.name: message`` for a dependency's."""

    def format(self, record: logging.LogRecord) -> str:
        own = record.name.partition(".")[0] in _OWN
        return f"{'dedup' if own else record.name}: {super().format(record)}"


def setup_logging(verbose: int, quiet: bool) -> None:
    """Our loggers at warning, info (-v), debug (-vv) or error (-q) on stderr; the
    dependencies' silent but for their warnings with -vv, under their own names.

    Records made in worker processes come back to this process's loggers (see
    :func:`dedup.work.parallel_map`), so the same rules apply to them. Calling it again
    replaces the handler it set (tests run several commands in one process).
    """
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER)
    handler.setFormatter(_Format())
    handler.addFilter(_Show(verbose >= 2 and not quiet))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # a dependency's debug and info records are not even made
    for name in _OWN:
        logging.getLogger(name).setLevel(level)


def report_failure(failure: Failure) -> None:
    """One line on stderr naming the input (and line) and what is wrong with it."""
    where = f"{failure.path}:{failure.line}" if failure.line else failure.path
    click.echo(f"dedup: {where}: {failure.error}", err=True)


def report_unranked(ids: Sequence[str], options: ScanOptions) -> None:
    """One line on stderr when documents had no usable value of the keep field."""
    name = options.keep_policy.field
    if not ids or name is None:
        return
    shown = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
    click.echo(
        f"dedup: {plural(len(ids), 'document')} without a usable {name!r} (missing, or not a number or an ISO 8601 "
        f"date) ranked last for --keep {options.keep}: {shown}",
        err=True,
    )


def emit_report(result: ScanResult, fmt: str, output: str | None, quiet: bool) -> None:
    """Name each failed input on stderr, write the report (``text`` or ``json``) to stdout
    or atomically to ``output``, and exit with :data:`EXIT_PARTIAL` if any input failed."""
    emit(result, render_json(result) if fmt == "json" else render_text(result), output, quiet)


def emit(result: ScanResult, report: str, output: str | None, quiet: bool) -> None:
    """Name each failed input on stderr, write ``report`` (a rendering of ``result``) to
    stdout or atomically to ``output``, and exit with :data:`EXIT_PARTIAL` if any input
    failed."""
    for failure in result.errors:
        report_failure(failure)
    report_unranked(result.unranked, result.options)
    if output in (None, "-"):
        click.echo(report, nl=False)
    else:
        write_atomic(output, report)
        if not quiet:
            click.echo(f"dedup: report written to {output}", err=True)
    if result.errors:
        sys.exit(EXIT_PARTIAL)


def plural(n: int, word: str) -> str:
    """A count and a noun, plural unless the count is one.

    >>> plural(1, "file"), plural(2, "file")
    ('1 file', '2 files')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _silence_output() -> None:
    """Point standard output and error at the null device (where they are real files)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(devnull, stream.fileno())
            except (AttributeError, OSError, ValueError):  # not a file (CliRunner's), or closed
                pass
    finally:
        os.close(devnull)


def library_errors(interrupted: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn library errors into exit codes: usage errors 2, others 1; SIGTERM and Ctrl-C
    130, after saying ``interrupted`` (what was left behind); a reader that went away
    (``dedup scan corpus/ | head -1``) 141 without a word, as for a tool that SIGPIPE
    ended (standard output and error then go to the null device, so that nothing left
    in their buffers can fail again at exit)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
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
                click.echo(f"dedup: interrupted; {interrupted}", err=True)
                sys.exit(EXIT_INTERRUPTED)
            except BrokenPipeError:
                _silence_output()
                sys.exit(EXIT_BROKEN_PIPE)
            finally:
                signal.signal(signal.SIGTERM, previous)

        return wrapper

    return decorate
