"""Pipeline pieces shared by the commands: unique ids, batching, and pass 1 of a corpus run.

Pass 1 reads every document once, extracts HTML main text and fingerprints lines for the
cleaner's corpus statistics; the texts wait in the scratch file for pass 2, so memory
holds only the small per-document records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import clean as cleaner

from .documents import Document
from .errors import InputError
from .spill import Spill
from .work import Context, Prepared, parallel_map, prepare_batch

__all__ = ["Failure", "Progress", "Staged", "batches", "learn", "unique_ids"]

# Documents per batch sent to a worker, and the text size that closes a batch early.
BATCH_DOCS = 64
BATCH_CHARS = 1 << 20

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Failure:
    """An input that could not be processed: file, line (JSONL records) and reason."""

    path: str
    error: str
    line: int | None = None

    @classmethod
    def of(cls, error: InputError) -> Failure:
        return cls(error.path, error.reason, error.line)


@dataclass(frozen=True)
class Staged:
    """A pass-1 result waiting for pass 2: the document without its text, and where the
    main text and line map were put in the scratch file."""

    doc: Document
    text_at: tuple[int, int]
    lines_at: tuple[int, int] | None
    metadata: dict[str, str]

    @classmethod
    def store(cls, prepared: Prepared, spill: Spill) -> Staged:
        text = prepared.text.encode("utf-8", "surrogatepass")
        lines_at = None
        if prepared.lines is not None:
            raw = np.asarray(prepared.lines, dtype="<i4").tobytes()
            lines_at = (spill.append(raw), len(raw))
        doc = prepared.doc
        slim = Document(doc.id, "", doc.source, doc.line, doc.record, doc.format, doc.group)
        return cls(slim, (spill.append(text), len(text)), lines_at, dict(prepared.metadata))

    def load(self, spill: Spill) -> Prepared:
        text = spill.read(*self.text_at).decode("utf-8", "surrogatepass")
        lines = None
        if self.lines_at is not None:
            lines = tuple(np.frombuffer(spill.read(*self.lines_at), dtype="<i4").tolist())
        return Prepared(self.doc, text, lines, self.metadata)


def unique_ids(items: Iterable[Document | InputError], errors: list[Failure]) -> Iterator[Document]:
    """Documents with an id not seen before; errors and repeated ids go to ``errors``."""
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, InputError):
            errors.append(Failure.of(item))
        elif item.id in seen:
            where = item.source or item.id
            errors.append(
                Failure(
                    where,
                    f"duplicate document id {item.id!r} (first from {seen[item.id]}); skipped",
                    item.line if item.record else None,
                )
            )
        else:
            seen[item.id] = item.source or item.id
            yield item


def batches(items: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    chars = 0
    for item in items:
        batch.append(item)
        chars += len(item.text)
        if len(batch) >= BATCH_DOCS or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def learn(
    documents: Iterable[Document],
    ctx: Context,
    spill: Spill,
    errors: list[Failure],
    progress: Progress | None,
) -> tuple[list[Staged], cleaner.CorpusStats | None]:
    """Pass 1: main texts to the scratch file, and the cleaner's corpus statistics."""
    builder = cleaner.CorpusStatsBuilder(ctx.clean_options)
    staged: list[Staged] = []
    for _, results in parallel_map(prepare_batch, batches(documents), ctx, ctx.options.jobs):
        for item in results:
            if isinstance(item, InputError):
                errors.append(Failure.of(item))
                continue
            prepared, fp = item
            builder.add(fp, prepared.doc.group)
            staged.append(Staged.store(prepared, spill))
        if progress:
            progress("learn", len(staged))
    # Corpus statistics need a corpus: with one document there is nothing to learn.
    return staged, builder.build() if len(staged) > 1 else None
