"""The per-document work of a scan, and running it in worker processes.

Pass 1 (only when cleaning in corpus mode) extracts HTML main text and fingerprints the
lines for the cleaner's corpus statistics. Pass 2 cleans and signs. Both work on batches
of documents, and both turn any failure of one document into an :class:`InputError` for
that document, so one bad page never stops a run.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

import clean as cleaner

from .documents import Document
from .errors import InputError
from .lsh import LSHParams, band_keys
from .options import ScanOptions
from .signing import sign_text

__all__ = ["Context", "Prepared", "SignedDoc", "parallel_map", "prepare_batch", "sign_batch"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Batches in flight per worker: enough to keep workers busy while the main process reads
# and collects, few enough that memory does not grow with the corpus.
_IN_FLIGHT = 4
# Characters of a document's cleaned text kept for the report's one-line preview.
HEAD_CHARS = 160


@dataclass(frozen=True)
class Context:
    """Everything a worker needs besides the documents; sent to each worker once."""

    options: ScanOptions
    doc_lsh: LSHParams
    paragraph_lsh: LSHParams
    clean_options: cleaner.CleanOptions = field(default_factory=cleaner.CleanOptions)
    stats: cleaner.CorpusStats | None = None


@dataclass(frozen=True)
class Prepared:
    """A document's matching text, and the source line of each of its lines.

    For HTML that is the main text, with HTML source lines (0 where unknown); for text,
    ``line_map`` is ``None``: line k of the text is line k of the document.
    """

    doc: Document
    text: str
    line_map: tuple[int, ...] | None = None


@dataclass(frozen=True)
class SignedDoc:
    """What the main process keeps of a signed document (texts go to the spill file)."""

    tokens: int
    exact: bytes
    band_keys: np.ndarray
    shingles: np.ndarray
    doc_shingles: int
    head: str
    para_index: np.ndarray
    para_line: np.ndarray  # 1-based line in the source file; 0 where unknown
    para_tokens: np.ndarray
    para_start: np.ndarray
    para_stop: np.ndarray
    para_exact: np.ndarray
    para_band_keys: np.ndarray
    para_texts: list[str]
    removed: tuple[cleaner.Removal, ...] = ()
    flags: tuple[str, ...] = ()


def _main_text(doc: Document) -> Prepared:
    if doc.format != "html":
        return Prepared(doc, doc.text)
    main = cleaner.extract_main_text(doc.text)
    from clean.html import _Locator  # TODO public API

    locate = _Locator(doc.text, main.text)
    return Prepared(doc, main.text, tuple(locate(k) for k in range(1, main.text.count("\n") + 2)))


def prepare_batch(batch: list[Document]) -> list[tuple[Prepared, cleaner.Fingerprint] | InputError]:
    """Pass 1: main text and line fingerprint of each document."""
    ctx = _context()
    out: list[tuple[Prepared, cleaner.Fingerprint] | InputError] = []
    for doc in batch:
        try:
            prepared = _main_text(doc)
            out.append((prepared, cleaner.fingerprint(prepared.text, ctx.clean_options)))
        except Exception as exc:  # one bad document must not stop the run
            out.append(_failure(doc, exc))
    return out


def sign_batch(batch: list[Prepared | Document]) -> list[SignedDoc | InputError]:
    """Pass 2: clean (if asked) and sign each document."""
    ctx = _context()
    out: list[SignedDoc | InputError] = []
    for item in batch:
        doc = item.doc if isinstance(item, Prepared) else item
        try:
            prepared = item if isinstance(item, Prepared) else _main_text(item)
            out.append(_sign(prepared, ctx))
        except Exception as exc:  # one bad document must not stop the run
            out.append(_failure(doc, exc))
    return out


def _failure(doc: Document, exc: Exception) -> InputError:
    log.debug("failed on %s", doc.id, exc_info=True)
    reason = str(exc) if isinstance(exc, InputError) else f"could not process: {type(exc).__name__}: {exc}"
    return InputError(doc.source or doc.id, reason, doc.line if doc.record else None)


def _sign(prepared: Prepared, ctx: Context) -> SignedDoc:
    options = ctx.options
    text, line_map = prepared.text, prepared.line_map
    removed: tuple[cleaner.Removal, ...] = ()
    flags: tuple[str, ...] = ()
    if options.clean and text.strip():
        clean_options = ctx.clean_options
        if prepared.doc.format == "html":  # trafilatura already found the body
            clean_options = replace(clean_options, segment=False)
        result = cleaner.clean_text(text, clean_options, ctx.stats, prepared.doc.group)
        removed, flags = result.removed, result.flags
        if line_map is not None:  # compose: cleaned line -> main-text line -> source line
            removed = tuple(_remap(r, line_map) for r in removed)
            line_map = tuple(line_map[k - 1] if k else 0 for k in result.line_map)
        else:
            line_map = result.line_map
        text = result.text
    signed = sign_text(text, options, paragraphs=options.level != "doc")
    paras = signed.paragraphs
    doc = prepared.doc
    if line_map is None:
        para_line = np.array([doc.position(k) for k in paras.line.tolist()], dtype=np.int32)
    else:
        para_line = np.array([doc.position(line_map[k - 1]) if line_map[k - 1] else 0 for k in paras.line.tolist()], dtype=np.int32)
    return SignedDoc(
        tokens=signed.tokens,
        exact=signed.exact,
        band_keys=band_keys(signed.signature[None, :], ctx.doc_lsh)[0],
        shingles=signed.shingles,
        doc_shingles=signed.doc_shingles,
        head=" ".join(text[: HEAD_CHARS * 2].split())[:HEAD_CHARS],
        para_index=paras.index,
        para_line=para_line,
        para_tokens=paras.tokens,
        para_start=paras.start,
        para_stop=paras.stop,
        para_exact=paras.exact,
        para_band_keys=band_keys(paras.signatures, ctx.paragraph_lsh),
        para_texts=paras.texts,
        removed=removed,
        flags=flags,
    )


def _remap(removal: cleaner.Removal, line_map: tuple[int, ...]) -> cleaner.Removal:
    first = line_map[removal.first_line - 1] if removal.first_line else 0
    last = line_map[removal.last_line - 1] if removal.last_line else 0
    return cleaner.Removal(first, last, removal.rule, removal.text)


# The context of this process's work: set once per worker by the pool initializer (or
# around an in-process run), read by the batch functions. Workers are separate processes,
# so this is per-process state, never shared.
_CONTEXT: list[Context] = []


def _set_context(ctx: Context) -> None:
    _CONTEXT[:] = [ctx]


def _context() -> Context:
    if not _CONTEXT:
        raise RuntimeError("no scan context in this process (call through parallel_map)")
    return _CONTEXT[0]


def parallel_map(
    func: Callable[[T], R], batches: Iterable[T], ctx: Context, jobs: int
) -> Iterator[tuple[T, R]]:
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
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = multiprocessing.get_context(method).Pool(jobs, initializer=_set_context, initargs=(ctx,))
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
