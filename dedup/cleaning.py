"""Clean many documents: corpus statistics first (pass 1), then each document (pass 2).

``clean_documents`` is what ``dedup clean`` runs: the same reading, workers and scratch
file as a scan, without the matching.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

import clean as cleaner

from .documents import Document
from .engine import Failure, Ledger, Progress, batches, learn, unique_ids
from .errors import InputError, OptionsError
from .options import ScanOptions, default_jobs
from .spill import Spill
from .work import Cleaned, Context, clean_batch, parallel_map

__all__ = ["CleanRun", "CleanRunOptions", "clean_documents"]


@dataclass(frozen=True)
class CleanRunOptions:
    """How ``dedup clean`` runs: corpus statistics on or off, the cleaner's own options,
    and the workers."""

    corpus_stats: bool = True
    clean_options: cleaner.CleanOptions = field(default_factory=cleaner.CleanOptions)
    jobs: int = field(default_factory=default_jobs)

    def __post_init__(self) -> None:
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or not 1 <= self.jobs <= 1024:
            raise OptionsError(f"jobs must be a whole number from 1 to 1024; got {self.jobs!r}")


class CleanRun:
    """An open cleaning run: ``stats`` once pass 1 is done, then iterate for the results.

    Yields, in input order, a :class:`~dedup.work.Cleaned` per document, after a
    :class:`~dedup.engine.Failure` for each input that could not be read. Use it as a
    context manager: it owns the scratch file.
    """

    def __init__(
        self, documents: Iterable[Document | InputError], options: CleanRunOptions, progress: Progress | None
    ) -> None:
        self.options = options
        self.ledger = Ledger()
        self._yielded: set[int] = set()
        self._spill = Spill()
        self._ctx = Context(ScanOptions(jobs=options.jobs), options.clean_options)
        self._progress = progress
        unique = unique_ids(documents, self.ledger)
        self.stats: cleaner.CorpusStats | None = None
        self._items: Iterable[Any]
        if options.corpus_stats:
            staged, self.stats = learn(unique, self._ctx, self._spill, self.ledger, progress)
            self._ctx = replace(self._ctx, stats=self.stats)
            self._items = (s.load(self._spill) for s in staged)
        else:
            self._items = unique

    @property
    def failures(self) -> list[Failure]:
        """The inputs that failed so far, in input order."""
        return self.ledger.failures

    def __iter__(self) -> Iterator[Cleaned | Failure]:
        done = 0
        for batch, results in parallel_map(clean_batch, batches(self._items), self._ctx, self.options.jobs):
            yield from self._new_failures()  # found while reading this batch
            for result in results:
                if isinstance(result, InputError):
                    self.ledger.fail(Failure.of(result), instead=True)
                    yield from self._new_failures()
                else:
                    yield result
            done += len(batch)
            if self._progress:
                self._progress("clean", done)
        yield from self._new_failures()

    def _new_failures(self) -> Iterator[Failure]:
        for failure in self.ledger.failures:
            if id(failure) not in self._yielded:
                self._yielded.add(id(failure))
                yield failure

    def close(self) -> None:
        self._spill.close()

    def __enter__(self) -> CleanRun:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def clean_documents(
    documents: Iterable[Document | InputError],
    options: CleanRunOptions | None = None,
    progress: Progress | None = None,
) -> CleanRun:
    """Start cleaning ``documents``; learns corpus statistics before returning."""
    return CleanRun(documents, options or CleanRunOptions(), progress)
