"""The per-document work of a scan, and running it in worker processes.

Pass 1 (only when cleaning in corpus mode) extracts HTML main text and fingerprints the
lines for the cleaner's corpus statistics. Pass 2 cleans and signs. Both work on batches
of documents, and both turn any failure of one document into an :class:`InputError` for
that document, so one bad page never stops a run.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import itertools
import logging
import logging.handlers
import multiprocessing
import os
import re
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

import clean as cleaner
from clean.tokens import warm_up

from .documents import Document
from .errors import DedupError, InputError
from .lsh import LSHParams, band_keys
from .options import ScanOptions
from .output import deferred_signals
from .signing import Signed, sign_text

__all__ = [
    "EXAMPLES", "Cleaned", "Context", "Prepared", "SignedBatch", "clean", "clean_batch", "clean_result", "parallel_map",
    "prepare", "prepare_batch", "sign_batch",
]  # fmt: skip

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Batches in flight per worker: enough to keep workers busy while the main process reads
# and collects, few enough that memory does not grow with the corpus.
_IN_FLIGHT = 4
# Removed texts kept per cleaning rule, as examples for reports.
EXAMPLES = 3


@dataclass(frozen=True)
class Context:
    """Everything a worker needs besides the documents; sent to each worker once."""

    options: ScanOptions
    clean_options: cleaner.CleanOptions = field(default_factory=cleaner.CleanOptions)
    stats: cleaner.CorpusStats | None = None
    # How signatures are cut into bands; only signing needs them.
    doc_lsh: LSHParams | None = None
    paragraph_lsh: LSHParams | None = None
    # Send each cleaned text back with its signatures (``dedup run`` writes them out).
    keep_text: bool = False


@dataclass(frozen=True)
class Prepared:
    """A document's text for cleaning and matching, and where each of its lines came from.

    For HTML that is the main text, with the HTML source line of each line (0 where it
    could not be found); for text, ``lines`` is ``None``: line k is the document's line k.
    """

    doc: Document
    text: str
    lines: tuple[int, ...] | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def source_line(self, k: int) -> int:
        """The 1-based line of the source file for the 1-based line ``k`` of ``text``."""
        if self.lines is None:
            return self.doc.position(k)
        return self.lines[k - 1] if 0 < k <= len(self.lines) else 0


@dataclass(frozen=True)
class Cleaned(Prepared):
    """A prepared document after cleaning: removals carry source lines, like ``lines``."""

    removed: tuple[cleaner.Removal, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignedBatch:
    """The signed documents of one batch, as columns: one pickle per batch, not per document.

    Rows of the document columns are the batch's documents that did not fail (``rows``
    gives their positions in the batch); ``para_doc`` is a paragraph's row. ``shingles``
    holds every document's shingle sequence, one after the other (``shingle_counts``
    long each, the first ``doc_shingles`` of them the document's own).
    """

    rows: np.ndarray
    failures: list[tuple[int, InputError]]
    tokens: np.ndarray
    exact: np.ndarray
    band_keys: np.ndarray
    shingle_counts: np.ndarray
    doc_shingles: np.ndarray
    shingles: np.ndarray
    removed_by_rule: dict[str, int]  # spans removed by cleaning per rule, whole batch
    words_by_rule: dict[str, int]  # words those spans held
    examples: dict[str, list[str]]  # a few removed texts per rule
    rules: list[dict[str, int]]  # spans removed per rule, per document
    flags: list[tuple[str, ...]]
    metadata: list[dict[str, str]]
    texts: list[str]  # cleaned texts, when the context keeps them
    para_doc: np.ndarray
    para_index: np.ndarray
    para_line: np.ndarray  # 1-based line in the source file; 0 where unknown
    para_first: np.ndarray  # 1-based first and last lines in the cleaned text
    para_last: np.ndarray
    para_start: np.ndarray
    para_stop: np.ndarray
    para_exact: np.ndarray
    para_band_keys: np.ndarray
    para_texts: list[str]


def prepare(doc: Document) -> Prepared:
    """The text to work on: the document's, or an HTML page's main text (trafilatura)."""
    if doc.format != "html":
        return Prepared(doc, doc.text)
    main = cleaner.extract_main_text(doc.text)
    if not main.text.strip():  # nothing to keep: a failure with its reason, not an empty "kept" file
        raise InputError(doc.source or doc.id, "no main text found in the HTML page", None, doc.id)
    return Prepared(doc, main.text, main.line_map, dict(main.metadata))


def clean_result(prepared: Prepared, ctx: Context) -> cleaner.CleanResult:
    """The cleaner's result on a prepared text (lines counted in that text), with the
    context's corpus statistics."""
    options = ctx.clean_options
    if prepared.doc.format == "html":  # trafilatura has already found the body
        options = replace(options, segment=False)
    return cleaner.clean_text(prepared.text, options, ctx.stats, prepared.doc.group)


def clean(prepared: Prepared, ctx: Context) -> Cleaned:
    """Strip boilerplate with the context's corpus statistics; line numbers stay the source's."""
    if not prepared.text.strip():
        return Cleaned(prepared.doc, prepared.text, prepared.lines, prepared.metadata)
    result = clean_result(prepared, ctx)
    lines = tuple(prepared.source_line(k) if k else 0 for k in result.line_map)
    removed = tuple(
        cleaner.Removal(prepared.source_line(r.first_line), prepared.source_line(r.last_line), r.rule, r.text)
        for r in result.removed
    )
    return Cleaned(prepared.doc, result.text, lines, prepared.metadata, removed, result.flags)


def _each(batch: list[Any], work: Callable[[Any], R]) -> list[R | InputError]:
    """``work`` on each item; a failure becomes an error for that document only."""
    out: list[R | InputError] = []
    for item in batch:
        try:
            out.append(work(item))
        except Exception as exc:  # one bad document must not stop the run
            doc = item if isinstance(item, Document) else item.doc
            log.debug("failed on %s", doc.id, exc_info=True)
            reason = (
                str(exc.reason) if isinstance(exc, InputError) else f"could not process: {type(exc).__name__}: {exc}"
            )
            out.append(InputError(doc.source or doc.id, reason, doc.line if doc.record else None, doc.id))
    return out


# Characters of a text folded at once by :func:`spacing_key` (a huge one-line text would
# otherwise be copied whole, case-folded and split, at several times its size).
_KEY_PIECE = 1 << 20
_SPACE = re.compile(r"\s")


def spacing_key(text: str) -> bytes:
    """A key equal for texts that differ only in case and spacing: the digest of the
    case-folded words joined by single spaces, computed a piece at a time.

    >>> spacing_key("Hello \t World") == spacing_key("hello world")
    True
    """
    digest, pos, sep = hashlib.blake2b(), 0, b""
    while pos < len(text):
        end = pos + _KEY_PIECE
        if end < len(text):
            found = _SPACE.search(text, end)
            end = found.end() if found else len(text)
        words = text[pos:end].casefold().split()
        if words:
            digest.update(sep + " ".join(words).encode("utf-8", "surrogatepass"))
            sep = b" "
        pos = end
    return digest.digest()


def prepare_batch(batch: list[Document]) -> list[tuple[Prepared, cleaner.Fingerprint, bytes] | InputError]:
    """Pass 1 of a corpus run: each document's text, line fingerprint, and a key equal for
    texts that differ only in case and spacing (so exact copies count once in the
    corpus statistics)."""
    ctx = _context()

    def work(doc: Document) -> tuple[Prepared, cleaner.Fingerprint, bytes]:
        prepared = prepare(doc)
        return prepared, cleaner.fingerprint(prepared.text, ctx.clean_options), spacing_key(prepared.text)

    return _each(batch, work)


def clean_batch(batch: list[Prepared | Document]) -> list[Cleaned | InputError]:
    """Clean each document (pass 2 of ``dedup clean``)."""
    ctx = _context()
    return _each(batch, lambda item: clean(item if isinstance(item, Prepared) else prepare(item), ctx))


def sign_batch(batch: list[Prepared | Document]) -> SignedBatch:
    """Clean (if the options say so) and sign each document (pass 2 of a scan).

    Band keys are cut for the whole batch at once: per document, numpy's call overhead
    would cost more than the work.
    """
    ctx = _context()
    if ctx.doc_lsh is None or ctx.paragraph_lsh is None:
        raise RuntimeError("sign_batch() needs a context with LSH parameters")
    options = ctx.options

    def work(item: Prepared | Document) -> tuple[Prepared, Signed]:
        prepared = item if isinstance(item, Prepared) else prepare(item)
        if options.clean:
            prepared = clean(prepared, ctx)
        return prepared, sign_text(prepared.text, options, paragraphs=options.level != "doc")

    done = _each(batch, work)
    rows = [k for k, r in enumerate(done) if not isinstance(r, InputError)]
    signed = [done[k] for k in rows]
    docs = [s for _, s in signed]
    paras = [s.paragraphs for s in docs]
    counts = np.array([len(p) for p in paras], dtype=np.int64)
    rule_counts: dict[str, int] = {}
    words: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    per_doc: list[dict[str, int]] = []
    for prepared, _ in signed:
        cuts = prepared.removed if isinstance(prepared, Cleaned) else ()
        mine: dict[str, int] = {}
        for r in cuts:
            mine[r.rule] = mine.get(r.rule, 0) + 1
            rule_counts[r.rule] = rule_counts.get(r.rule, 0) + 1
            words[r.rule] = words.get(r.rule, 0) + len(r.text.split())
            shown = examples.setdefault(r.rule, [])
            if len(shown) < EXAMPLES and r.text.strip() not in shown:
                shown.append(r.text.strip())
        per_doc.append(mine)
    para_sigs = _cat([p.signatures for p in paras], (0, options.num_perm), np.uint32)
    return SignedBatch(
        rows=np.array(rows, dtype=np.int64),
        failures=[(k, r) for k, r in enumerate(done) if isinstance(r, InputError)],
        tokens=np.array([s.tokens for s in docs], dtype=np.int64),
        exact=np.frombuffer(b"".join(s.exact for s in docs), dtype=np.uint64).reshape(-1, 2),
        band_keys=band_keys(_cat([s.signature[None, :] for s in docs], (0, options.num_perm), np.uint32), ctx.doc_lsh),
        shingle_counts=np.array([s.shingles.size for s in docs], dtype=np.int64),
        doc_shingles=np.array([s.doc_shingles for s in docs], dtype=np.int64),
        shingles=_cat([s.shingles for s in docs], (0,), np.uint32),
        removed_by_rule=rule_counts,
        words_by_rule=words,
        examples=examples,
        rules=per_doc,
        flags=[p.flags if isinstance(p, Cleaned) else () for p, _ in signed],
        metadata=[dict(p.metadata) for p, _ in signed],
        texts=[p.text for p, _ in signed] if ctx.keep_text else [],
        para_doc=np.repeat(np.arange(len(docs), dtype=np.int64), counts),
        para_index=_cat([p.index for p in paras], (0,), np.int32),
        para_line=np.array(
            [prepared.source_line(k) for (prepared, _), p in zip(signed, paras) for k in p.line.tolist()],
            dtype=np.int32,
        ),
        para_first=_cat([p.line for p in paras], (0,), np.int32),
        para_last=_cat([p.last for p in paras], (0,), np.int32),
        para_start=_cat([p.start for p in paras], (0,), np.int64),
        para_stop=_cat([p.stop for p in paras], (0,), np.int64),
        para_exact=_cat([p.exact for p in paras], (0, 2), np.uint64),
        para_band_keys=band_keys(para_sigs, ctx.paragraph_lsh),
        para_texts=[t for p in paras for t in p.texts],
    )


def _cat(parts: list[np.ndarray], empty_shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty_shape, dtype=dtype)


# The context of this process's work: set once per worker by the pool initializer (or
# around an in-process run), read by the batch functions. Workers are separate processes,
# so this is per-process state, never shared.
_CONTEXT: list[Context] = []

# How workers start. "fork" on Linux: a worker is ready at once and shares the parent's
# lookup tables and context. Measured (`dedup scan`, 2 workers on 2 cores, medians):
# 200 short files (4 batches) 0.40 s with fork, 0.82 s forkserver, 0.92 s spawn, 0.36 s
# in one process; 3,000 files 1.00 / 1.35 / 1.43 s, 1.39 s in one process. Forkserver
# and spawn pay for importing dedup and unpickling the context in each worker of both
# passes. Elsewhere "spawn" (fork is unsafe on macOS). Forking is safe here: the pool
# forks all its workers at once, from the calling thread, before it starts any thread.
_START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
# The signals a worker ignores: they are the parent's to act on (see _start_worker).
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _set_context(ctx: Context) -> None:
    _CONTEXT[:] = [ctx]


class _LogRecords(logging.handlers.QueueHandler):
    """A worker's log records, kept (formatted, so that they pickle) until the result of
    the batch goes back to the parent, which hands them to its own loggers."""

    def __init__(self) -> None:
        super().__init__(None)  # type: ignore[arg-type]
        self.records: list[logging.LogRecord] = []

    def enqueue(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        records, self.records = self.records, []
        return records


def _log_levels() -> dict[str, int]:
    """The levels set on this process's loggers ("" for the root), for the workers."""
    levels = {"": logging.getLogger().level}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def _start_worker(ctx: Context, levels: dict[str, int]) -> None:
    """Pool initializer: the context, logging into records for the parent, and signals.

    A worker starts with SIGINT and SIGTERM blocked (see :func:`_starting_workers`), so
    the command's handlers, inherited by a forked worker, never run in it. It then ignores
    both: Ctrl-C reaches the whole process group, and so does SIGTERM from ``timeout``,
    systemd or ``kill -- -PGID``; the parent, which gets them too, ends the pool, and a
    worker killed while sending a result could leave the parent waiting for the rest of
    it. A worker dies with its parent (Linux), so a killed command leaves no worker behind.
    """
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover  (a libc without prctl)
            pass
        parent = multiprocessing.parent_process()
        if parent is not None and not parent.is_alive():  # it died before prctl: nobody waits for this worker
            os._exit(1)
    root = logging.getLogger()
    for logger in [root, *logging.root.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
    root.addHandler(_LogRecords())
    _set_context(ctx)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _in_worker(func: Callable[[T], R], batch: T) -> tuple[R, list[logging.LogRecord]]:
    """``func(batch)`` in a worker, with the log records it made."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, _LogRecords))
    try:
        result = func(batch)
    finally:
        records = handler.take()
    return result, records


def _replay(records: list[logging.LogRecord]) -> None:
    """Hand a worker's log records to this process's loggers of the same names."""
    for record in records:
        logger = logging.getLogger(None if record.name == "root" else record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


@contextmanager
def _starting_workers() -> Iterator[None]:
    """SIGINT and SIGTERM held while the pool starts a worker or changes state: a worker
    inherits the mask (blocked until its initializer has set its handlers), and the pool
    is never left half-started or half-stopped by a KeyboardInterrupt."""
    with deferred_signals():
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _context() -> Context:
    if not _CONTEXT:
        raise RuntimeError("no scan context in this process (call through parallel_map)")
    return _CONTEXT[0]


def parallel_map(func: Callable[[T], R], batches: Iterable[T], ctx: Context, jobs: int) -> Iterator[tuple[T, R]]:
    """``(batch, func(batch))`` for each batch, in order, computed in ``jobs`` worker
    processes (in this one if ``jobs`` is 1, or if there is only one batch: a pool would
    cost more to start than the work).

    At most a few batches per worker are in flight, so reading stays just ahead of the
    workers and memory does not grow with the input. Log records made in workers are
    handed to this process's loggers with the batch's result, in input order. When the
    batches are done, the workers are told to stop and waited for; when the caller stops
    early (an exception, Ctrl-C, SIGTERM turned into KeyboardInterrupt), the batches not
    started are cancelled and the running ones are waited for. A worker that dies (killed,
    out of memory) is a :class:`~dedup.errors.DedupError`, not a hang.
    """
    batches = iter(batches)
    if jobs > 1:
        head = list(itertools.islice(batches, 2))
        several = len(head) > 1
        batches = itertools.chain(head, batches)
        del head  # the chain holds the first batches only until they are read
        if several:
            yield from _pooled(func, batches, ctx, jobs)
            return
    previous = list(_CONTEXT)
    _set_context(ctx)
    try:
        for batch in batches:
            done = batch, func(batch)
            del batch  # not alive while the next batch is read
            yield done
            del done
    finally:
        _CONTEXT[:] = previous


@contextmanager
def _frozen(forking: bool) -> Iterator[None]:
    """While the pool forks its workers (at the first submit), what this process holds is
    out of reach of the cyclic garbage collector, in the workers too: a collection in a
    worker would otherwise write to every object it inherited, and so copy every page of
    them. A scan forks its signing workers while it holds a million staged documents: on
    the million-document corpus the peak of the tree's summed PSS while signing fell from
    2.9 GiB to 2.3 GiB (with the slimmer :class:`~dedup.engine.Staged`, let go of as pass 2
    reads them). The parent's objects are unfrozen once the workers are started."""
    if not forking:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _pooled(func: Callable[[T], R], batches: Iterator[T], ctx: Context, jobs: int) -> Iterator[tuple[T, R]]:
    warm_up()  # build lookup tables once, before forking, so workers share them
    context = multiprocessing.get_context(_START_METHOD)
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[T, Future[tuple[R, list[logging.LogRecord]]]]] = deque()

    def collect() -> tuple[T, R]:
        batch, future = pending.popleft()
        result, records = future.result()
        _replay(records)
        return batch, result

    try:
        with _starting_workers():
            pool = ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=(ctx, _log_levels()))
        for batch in batches:
            with _starting_workers(), _frozen(not pending):
                pending.append((batch, pool.submit(_in_worker, func, batch)))
            if len(pending) >= jobs * _IN_FLIGHT:
                yield collect()
        while pending:
            yield collect()
    except BrokenProcessPool as exc:
        cause = str(exc.__cause__ or "").strip().strip("'").strip().splitlines()
        if cause:  # a result that could not be sent or read back: a bug, named
            raise DedupError(f"the worker processes failed: {cause[-1]}") from exc
        raise DedupError(
            "a worker process ended abruptly (killed, or out of memory?); run again, with fewer --jobs if memory "
            "is short"
        ) from None
    finally:
        if pool is not None:
            with _starting_workers():
                pool.shutdown(wait=True, cancel_futures=True)
