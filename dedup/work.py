"""The per-document work of a scan, and running it in worker processes.

Pass 1 (only when cleaning in corpus mode) extracts HTML main text and fingerprints the
lines for the cleaner's corpus statistics. Pass 2 cleans and signs. Both work on batches
of documents, and both turn any failure of one document into an :class:`InputError` for
that document, so one bad page never stops a run.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

import clean as cleaner

from .documents import Document
from .errors import InputError
from .lsh import LSHParams, band_keys
from .normalize import warm_up
from .options import ScanOptions
from .signing import Signed, sign_text

__all__ = [
    "Cleaned", "Context", "Prepared", "SignedBatch", "clean", "clean_batch", "parallel_map", "prepare",
    "prepare_batch", "sign_batch",
]  # fmt: skip

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Batches in flight per worker: enough to keep workers busy while the main process reads
# and collects, few enough that memory does not grow with the corpus.
_IN_FLIGHT = 4


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
    removed_lines: np.ndarray  # lines removed by cleaning, per document
    removed_by_rule: dict[str, int]  # removals per rule, whole batch
    rules: list[dict[str, int]]  # removals per rule, per document
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
    return Prepared(doc, main.text, main.line_map, dict(main.metadata))


def clean(prepared: Prepared, ctx: Context) -> Cleaned:
    """Strip boilerplate with the context's corpus statistics; line numbers stay the source's."""
    if not prepared.text.strip():
        return Cleaned(prepared.doc, prepared.text, prepared.lines, prepared.metadata)
    options = ctx.clean_options
    if prepared.doc.format == "html":  # trafilatura has already found the body
        options = replace(options, segment=False)
    result = cleaner.clean_text(prepared.text, options, ctx.stats, prepared.doc.group)
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


def prepare_batch(batch: list[Document]) -> list[tuple[Prepared, cleaner.Fingerprint, bytes] | InputError]:
    """Pass 1 of a corpus run: each document's text, line fingerprint, and a key equal for
    texts that differ only in case and spacing (so exact copies count once in the
    corpus statistics)."""
    ctx = _context()

    def work(doc: Document) -> tuple[Prepared, cleaner.Fingerprint, bytes]:
        prepared = prepare(doc)
        key = hashlib.blake2b(" ".join(prepared.text.casefold().split()).encode("utf-8", "surrogatepass"))
        return prepared, cleaner.fingerprint(prepared.text, ctx.clean_options), key.digest()

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
    per_doc: list[dict[str, int]] = []
    removed_lines = []
    for prepared, _ in signed:
        cuts = prepared.removed if isinstance(prepared, Cleaned) else ()
        removed_lines.append(sum(r.last_line - r.first_line + 1 for r in cuts if r.first_line))
        mine: dict[str, int] = {}
        for r in cuts:
            mine[r.rule] = mine.get(r.rule, 0) + 1
            rule_counts[r.rule] = rule_counts.get(r.rule, 0) + 1
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
        removed_lines=np.array(removed_lines, dtype=np.int64),
        removed_by_rule=rule_counts,
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


def _set_context(ctx: Context) -> None:
    _CONTEXT[:] = [ctx]


def _start_worker(ctx: Context) -> None:
    """Pool initializer: the context, and default signal handling (a forked worker would
    otherwise inherit the command's SIGTERM handler, and Ctrl-C is the parent's to handle)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _set_context(ctx)


def _context() -> Context:
    if not _CONTEXT:
        raise RuntimeError("no scan context in this process (call through parallel_map)")
    return _CONTEXT[0]


def parallel_map(func: Callable[[T], R], batches: Iterable[T], ctx: Context, jobs: int) -> Iterator[tuple[T, R]]:
    """``(batch, func(batch))`` for each batch, in order, computed in ``jobs`` worker
    processes (in this one if ``jobs`` is 1).

    At most a few batches per worker are in flight, so reading stays just ahead of the
    workers and memory does not grow with the input.
    """
    if jobs <= 1:
        previous = list(_CONTEXT)
        _set_context(ctx)
        try:
            for batch in batches:
                yield batch, func(batch)
        finally:
            _CONTEXT[:] = previous
        return
    warm_up()  # build lookup tables once, before forking, so workers share them
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = multiprocessing.get_context(method).Pool(jobs, initializer=_start_worker, initargs=(ctx,))
    try:
        pending: deque[tuple[T, Any]] = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(func, (batch,))))
            if len(pending) >= jobs * _IN_FLIGHT:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
