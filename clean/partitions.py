"""Storage for exact counting: (key, group, doc) rows in memory, spilled to hash partitions.

:class:`Partitions` holds rows in memory up to a budget; past it, rows are ordered by the
top 8 bits of their key (their partition) and written as one run file per spill, with
where each of the 256 partitions starts in it. ``parts()`` then gives the rows back one
partition at a time, gathered from every run, so that counting a key needs only the rows
of its partition, and every row of a key is in the same one. Short texts ("samples")
travel beside the rows, partitioned by the same key, counted per (key, text).

The counting itself lives in :mod:`clean.stats`; this module only stores and reads rows.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ROW", "Part", "Partitions", "common_texts"]

# One stored row: a key (line or document hash), its group id, and a document id.
ROW = np.dtype([("key", "<u8"), ("doc", "<u8"), ("group", "<u4")])
# 256 partitions per level: with a budget of 2 M rows a partition is split again only past
# 512 M rows (60 M documents of the synthetic corpus), and the offsets of a run are 2 KiB.
_BITS = 8
_PARTS = 1 << _BITS
_LEVELS = 64 // _BITS
# Rows held in memory that are counted as one part rather than 256: below it the cost of
# a part (about 0.05 ms, counting included) outweighs the memory saved (a few MiB).
_ONE_PART = 1 << 16


@dataclass(frozen=True)
class Part:
    """The rows of one partition (or of everything, when nothing was spilled)."""

    keys: np.ndarray  # uint64
    groups: np.ndarray  # uint32
    docs: np.ndarray  # uint64
    samples: Counter[tuple[int, str]]  # how often each (key, text) was offered

    def __len__(self) -> int:
        return int(self.keys.shape[0])


@dataclass(frozen=True)
class _Run:
    """One spill: rows ordered by partition in ``path``, partition p at rows
    ``starts[p]:starts[p + 1]``; sample texts pickled per partition at (offset, length)."""

    path: Path
    starts: np.ndarray
    samples: dict[int, tuple[int, int]]


def common_texts(counts: Mapping[tuple[int, str], int]) -> dict[int, str]:
    """Per key, its most frequent text, the smallest (string order) of those as frequent:
    the same whatever the order the texts came in.

    >>> common_texts({(1, "Home"): 2, (1, "HOME"): 1, (2, "x"): 1, (2, "a"): 1}) == {1: "Home", 2: "a"}
    True
    """
    # from largest to smallest (fewest offers, then largest text): the comprehension keeps
    # the last, best, text of each key
    ranked = sorted(((key, -n, text) for (key, text), n in counts.items()), reverse=True)
    return {key: text for key, _, text in ranked}


class Partitions:
    """Rows kept in memory up to ``max_rows`` (and ``max_samples`` distinct texts), then spilled to
    run files in a temporary folder under ``folder`` (the system's by default), made at the
    first spill and removed by ``close()`` or when the object is collected.

    A partition larger than ``max_rows`` is split again on the next 8 bits of the key when
    read, so memory stays bounded, except by the rows of one single key (all the
    documents that share one line): those are always read together, and a partition of
    one key only is read whole.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str] | None = None,
        *,
        max_rows: int,
        max_samples: int,
        level: int = 0,
    ) -> None:
        self._folder = folder
        self._max_rows = max_rows
        self._max_samples = max_samples
        self._level = level
        self._shift = 64 - _BITS * (level + 1)
        # ROW arrays, each ordered by partition, with where each partition starts in it
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self._rows = 0
        self._samples: Counter[tuple[int, str]] = Counter()
        self._path: Path | None = None
        self._runs: list[_Run] = []
        self._cleanup: weakref.finalize | None = None

    @property
    def path(self) -> Path | None:
        """The folder of the run files, once rows were spilled."""
        return self._path

    def append(self, keys: np.ndarray, groups: np.ndarray, docs: np.ndarray) -> None:
        """Store rows (equal-length arrays); spill everything held once over budget."""
        rows = np.empty(len(keys), dtype=ROW)
        rows["key"], rows["group"], rows["doc"] = keys, groups, docs
        self._append_rows(rows)

    def _append_rows(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        part = ((rows["key"] >> np.uint64(self._shift)) & np.uint64(_PARTS - 1)).astype(np.uint8)
        starts = np.concatenate(([0], np.cumsum(np.bincount(part, minlength=_PARTS))))
        self._chunks.append((rows[np.argsort(part, kind="stable")], starts))
        self._rows += len(rows)
        if self._rows >= self._max_rows:
            self.spill()

    def add_samples(self, counts: Mapping[tuple[int, str], int]) -> None:
        """Count texts offered for keys: ``counts`` maps (key, text) to how often."""
        self._samples.update(counts)
        if len(self._samples) >= self._max_samples:
            self.spill()

    def spill(self) -> None:
        """Write what is held in memory as one more run file."""
        if not self._chunks and not self._samples:
            return
        path = self._open() / f"{len(self._runs):05d}.run"
        buckets = self._sample_buckets()
        at: dict[int, tuple[int, int]] = {}
        with open(path, "wb") as f:
            for p in range(_PARTS):
                for rows, starts in self._chunks:
                    if starts[p + 1] > starts[p]:
                        rows[starts[p] : starts[p + 1]].tofile(f)
            for p in sorted(buckets):
                blob = pickle.dumps(buckets[p], protocol=pickle.HIGHEST_PROTOCOL)
                at[p] = (f.tell(), len(blob))
                f.write(blob)
        sizes = sum((starts[1:] - starts[:-1] for _, starts in self._chunks), np.zeros(_PARTS, np.int64))
        self._runs.append(_Run(path, np.concatenate(([0], np.cumsum(sizes))), at))
        self._chunks, self._rows, self._samples = [], 0, Counter()

    def _sample_buckets(self) -> dict[int, Counter[tuple[int, str]]]:
        """The samples held in memory, by partition."""
        buckets: dict[int, Counter[tuple[int, str]]] = {}
        for (key, text), n in self._samples.items():
            buckets.setdefault((key >> self._shift) & (_PARTS - 1), Counter())[key, text] = n
        return buckets

    def parts(self) -> Iterator[Part]:
        """The rows, one partition at a time (all at once if they are few and in memory).

        Every row and sample of a key is in the same part. Rows held in memory are spilled
        first when some already are on disk; the store stays usable afterwards.
        """
        if not self._runs and self._rows <= _ONE_PART:
            yield _part([rows for rows, _ in self._chunks], Counter(self._samples))
        elif not self._runs:
            buckets = self._sample_buckets()
            for p in range(_PARTS):
                rows = [rows[starts[p] : starts[p + 1]] for rows, starts in self._chunks]
                yield _part(rows, buckets.get(p, Counter()))
        else:
            self.spill()
            sizes = sum(np.diff(run.starts) for run in self._runs)
            for p in range(_PARTS):
                if not sizes[p] and not any(p in run.samples for run in self._runs):
                    continue
                if sizes[p] > self._max_rows and self._level + 1 < _LEVELS:
                    yield from self._split(p)
                else:
                    yield _part(list(self._read_rows(p)), self._read_samples(p))

    def _split(self, p: int) -> Iterator[Part]:
        """Read a large partition through a store of the next level (the key's next bits),
        unless all its rows have one key, which no split would divide."""
        first = next(rows["key"][0] for rows in self._read_rows(p) if len(rows))
        if all(np.all(rows["key"] == first) for rows in self._read_rows(p)):
            yield _part(list(self._read_rows(p)), self._read_samples(p))
            return
        child = Partitions(self._path, max_rows=self._max_rows, max_samples=self._max_samples, level=self._level + 1)
        try:
            for rows in self._read_rows(p):
                child._append_rows(rows)
            child.add_samples(self._read_samples(p))
            child.spill()
            yield from child.parts()
        finally:
            child.close()

    def _read_rows(self, p: int) -> Iterator[np.ndarray]:
        """Partition ``p`` of each run that has rows in it (a spill's rows at most at a time)."""
        for run in self._runs:
            start, end = int(run.starts[p]), int(run.starts[p + 1])
            if end > start:
                yield np.fromfile(run.path, dtype=ROW, count=end - start, offset=start * ROW.itemsize)

    def _read_samples(self, p: int) -> Counter[tuple[int, str]]:
        counts: Counter[tuple[int, str]] = Counter()
        for run in self._runs:
            if p in run.samples:
                offset, length = run.samples[p]
                with open(run.path, "rb") as f:
                    f.seek(offset)
                    counts.update(pickle.loads(f.read(length)))  # our own scratch file
        return counts

    def _open(self) -> Path:
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="clean-stats-", dir=self._folder))
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._path, ignore_errors=True)
        return self._path

    def close(self) -> None:
        """Forget every row and remove the run files."""
        self._chunks, self._rows, self._samples, self._runs = [], 0, Counter(), []
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None
        self._path = None


def _part(chunks: list[np.ndarray], samples: Counter[tuple[int, str]]) -> Part:
    rows = np.concatenate(chunks) if chunks else np.empty(0, dtype=ROW)
    return Part(rows["key"].copy(), rows["group"].copy(), rows["doc"].copy(), samples)
