"""A scratch file for what a scan needs again only for some documents.

Shingle sequences (for exact verification), cleaned texts between the two passes, and
paragraph texts (for the report) would make memory grow with the corpus; they are
appended here instead and read back by offset when needed. Band keys wait on disk too,
in blocks stored band after band (:class:`BandKeys`), and an external sort writes its key
ranges to :class:`Partitions`. The files are anonymous and go away when closed.
"""

from __future__ import annotations

import os
import tempfile
from types import TracebackType
from typing import Any

import numpy as np

__all__ = ["BLOCK_ROWS", "BandKeys", "Partitions", "Spill"]


class Spill:
    """Append-only bytes on disk, readable at any time by offset."""

    def __init__(self, folder: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._size = 0
        self._dirty = False

    def append(self, data: bytes) -> int:
        """Store ``data``; returns its offset."""
        offset = self._size
        self._file.write(data)
        self._size += len(data)
        self._dirty = True
        return offset

    def read(self, offset: int, length: int) -> bytes:
        """The ``length`` bytes stored at ``offset``."""
        if self._dirty:
            self._file.flush()
            self._dirty = False
        data = os.pread(self._file.fileno(), length, offset)
        if len(data) != length:
            raise OSError(f"scratch file truncated: wanted {length} bytes at {offset}, got {len(data)}")
        return data

    @property
    def size(self) -> int:
        """Bytes stored so far."""
        return self._size

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


# Rows of band keys gathered before they are written as one block, band after band: a
# band is then read back a block at a time (16 reads for a million paragraphs), and the
# rows waiting cost at most 64 Ki rows x 8 bytes x bands (15 MiB with 30 bands).
BLOCK_ROWS = 1 << 16


class BandKeys:
    """The band keys of a collection on disk: an ``(n, bands)`` uint64 array that is
    appended a batch of rows at a time and read a band at a time.

    Band keys are the largest per-item data of a scan (8 bytes per band: 240 bytes a
    paragraph with the default 30 bands), and bucketing needs one band at a time, so they
    never need to be in memory whole. They are written in blocks of rows, each block band
    after band, into one scratch file whatever the number of bands. Indexing follows numpy
    for what callers do: ``keys[:, b]`` and ``keys[rows, b]`` read band ``b``;
    ``keys[rows]`` gathers whole rows (every band: as much memory as the rows hold).
    ``memory`` is the sorting budget that :func:`dedup.lsh.buckets` honours for these keys
    (``None``: no limit).
    """

    ndim = 2
    dtype = np.dtype(np.uint64)

    def __init__(self, bands: int, folder: str | None = None, memory: int | None = None) -> None:
        self._spill = Spill(folder)
        self._bands = bands
        self._blocks: list[tuple[int, int]] = []  # (offset, rows) of each block written
        self._waiting: list[np.ndarray] = []
        self._waiting_rows = 0
        self._rows = 0
        self.memory = memory

    @property
    def shape(self) -> tuple[int, int]:
        return (self._rows, self._bands)

    def __len__(self) -> int:
        return self._rows

    def append(self, keys: np.ndarray) -> None:
        """Add the rows of an ``(m, bands)`` array of keys."""
        keys = np.asarray(keys)
        if keys.ndim != 2 or keys.shape[1] != self._bands:
            raise ValueError(f"band keys must have shape (rows, {self._bands}); got {keys.shape}")
        self._waiting.append(keys.astype("<u8"))  # a copy: the caller's array may change
        self._waiting_rows += keys.shape[0]
        self._rows += keys.shape[0]
        if self._waiting_rows >= BLOCK_ROWS:
            self._write()

    def _write(self) -> None:
        if self._waiting_rows:
            block = np.concatenate(self._waiting)
            self._blocks.append((self._spill.append(np.ascontiguousarray(block.T).tobytes()), block.shape[0]))
            self._waiting, self._waiting_rows = [], 0

    def band(self, band: int, rows: np.ndarray | None = None) -> np.ndarray:
        """The keys of one band, of every row or of ``rows`` (indices, in their order)."""
        if not 0 <= band < self._bands:
            raise IndexError(f"band {band} out of range: the keys have {self._bands} bands")
        self._write()
        column = np.empty(self._rows, dtype=np.uint64)
        start = 0
        for at, size in self._blocks:
            column[start : start + size] = np.frombuffer(self._spill.read(at + 8 * size * band, 8 * size), "<u8")
            start += size
        return column if rows is None else column[rows]

    def __getitem__(self, index: Any) -> np.ndarray:
        if isinstance(index, tuple):
            if len(index) != 2:
                raise IndexError(f"band keys take [rows] or [rows, band]; got {len(index)} indices")
            rows, band = index
            if not isinstance(band, (int, np.integer)):
                raise IndexError(f"band keys are read one band at a time: [rows, band]; got band {band!r}")
            if isinstance(rows, slice) and rows == slice(None):
                return self.band(int(band))
            return self.band(int(band), np.arange(self._rows)[rows])
        rows = np.arange(self._rows)[index]
        out = np.empty((*np.shape(rows), self._bands), dtype=np.uint64)
        for band in range(self._bands):
            out[..., band] = self.band(band, rows)
        return out

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = self[np.arange(self._rows)]
        return out if dtype is None else out.astype(dtype, copy=False)

    def close(self) -> None:
        self._spill.close()


class Partitions:
    """(key, row) pairs on disk by part: an external sort writes each pair to the part of
    its key's range, then reads and sorts one part at a time. One scratch file holds
    every part, as the pieces appended to it."""

    _PAIR = np.dtype([("key", "<u8"), ("row", "<i8")])

    def __init__(self, parts: int, folder: str | None = None) -> None:
        self._spill = Spill(folder)
        self._pieces: list[list[tuple[int, int]]] = [[] for _ in range(parts)]

    def append(self, part: int, keys: np.ndarray, rows: np.ndarray) -> None:
        pairs = np.empty(keys.size, dtype=self._PAIR)
        pairs["key"], pairs["row"] = keys, rows
        raw = pairs.tobytes()
        self._pieces[part].append((self._spill.append(raw), len(raw)))

    def read(self, part: int) -> tuple[np.ndarray, np.ndarray]:
        """The keys and rows of one part, in the order they were written."""
        raw = b"".join(self._spill.read(at, size) for at, size in self._pieces[part])
        pairs = np.frombuffer(raw, dtype=self._PAIR)
        return pairs["key"].astype(np.uint64), pairs["row"].astype(np.int64)

    def close(self) -> None:
        self._spill.close()

    def __enter__(self) -> Partitions:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
