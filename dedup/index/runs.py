"""Band keys in sorted runs: the index's lookup structure, a small log-structured merge tree.

The (key, item) pairs of one level (``doc`` or ``para``) are kept in sorted runs: an add
writes its pairs as a new run, and runs of about the same size are merged, so there are
a few runs of each size. A run is cut, per band, into ``2**bits`` blocks by the leading
``bits`` bits of the key (keys are uniform hashes, so blocks hold about
:data:`BLOCK_PAIRS` pairs each), and each block is one row of the level's table
(``doc_blocks`` or ``para_blocks``): its pairs, sorted by key, as little-endian int64
(key, item) pairs, at rowid ``run << 40 | band << 28 | block``. Looking a key up reads
one block per run, found from the key alone. Storing a run costs a sort and a row per
block, where a B-tree of one row per pair (schema 1) cost 1.5 us per pair and rewrote
most of its pages on every add.

Keys are uint64, stored as int64; what an item means is the caller's business (see
:mod:`dedup.index.storage`).
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

import numpy as np

__all__ = ["BLOCK_PAIRS", "MAX_PARAMS", "MAX_RUNS", "MERGE_RATIO", "KeyRuns", "Run"]

# Pairs of a key block, on average: a lookup reads one block per run, so small blocks make
# queries fast and large ones make adds cheap (a row each).
BLOCK_PAIRS = 128
# When runs are merged: a run must hold MERGE_RATIO times as many pairs as all newer runs
# together, and there are at most MAX_RUNS runs (a lookup reads a block per key and run;
# each merge rewrites the runs it merges).
MERGE_RATIO = 2
MAX_RUNS = 4
# Values bound in one statement (SQLite before 3.32 allows 999 parameters).
MAX_PARAMS = 900
# Where a block of a run is (see the module docstring): rowid = run << 40 | band << 28 | block.
_RUN_SHIFT = 40
_BAND_SHIFT = 28
_MAX_BITS = _BAND_SHIFT
# A merge reads its runs a key range at a time: this many output blocks' worth, per band.
_MERGE_SLICE_BITS = 12
# Requests (key, band, run) answered at once by a lookup: bounds its memory.
_FIND_CHUNK = 1 << 14


class Run(NamedTuple):
    """A sorted run of one level: its id, pairs per band, and blocks per band (log 2)."""

    run: int
    pairs: int
    bits: int


class KeyRuns:
    """The band keys of one level (``doc`` or ``para``) of an index: (key, item) pairs in
    sorted runs of blocks, written a run at a time and merged (see the module docstring)."""

    def __init__(self, db: sqlite3.Connection, level: str, bands: int) -> None:
        self.db = db
        self.level = level
        self.bands = bands
        self.table = f"{level}_blocks"

    def runs(self) -> list[Run]:
        rows = self.db.execute("SELECT run, pairs, bits FROM runs WHERE level = ? ORDER BY run", (self.level,))
        return [Run(*row) for row in rows]

    def write(self, keys: np.ndarray, items: np.ndarray) -> None:
        """Store ``keys`` (one row of ``bands`` int64 keys per item) as a new run, merged
        at once with the runs :func:`_merge_from` says it joins (so that it is not
        written and read back), then merge further as it says."""
        if not items.size:
            return
        runs = self.runs()
        first = _merge_from([r.pairs for r in runs] + [items.size])
        if first is None:
            self._merge([], (keys, items))
        else:
            self._merge(runs[first:], (keys, items))
        while True:
            runs = self.runs()
            first = _merge_from([r.pairs for r in runs])
            if first is None:
                break
            self._merge(runs[first:])

    def find(self, keys: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (item of ``items``, stored item) that share a key in some band: ``keys``
        holds one row of int64 band keys per item. Reads one block per key and run."""
        runs = self.runs()
        if not runs or not items.size:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        blocks = np.concatenate([self._blocks(r, keys).ravel() for r in runs])
        wanted = np.tile(keys.ravel(), len(runs)).view(np.uint64)
        whose = np.tile(np.repeat(np.asarray(items, dtype=np.int64), self.bands), len(runs))
        mine, theirs = [], []
        for at in range(0, blocks.size, _FIND_CHUNK):
            part = slice(at, at + _FIND_CHUNK)
            stored, start, stop = self._read(blocks[part])
            column = stored[:, 0].view(np.uint64)
            first = _bound(column, wanted[part], start, stop)
            hit = np.flatnonzero(first < stop)
            hit = hit[column[first[hit]] == wanted[part][hit]]
            if not hit.size:
                continue
            last = _bound(column, wanted[part][hit], first[hit], stop[hit], right=True)
            counts = last - first[hit]  # pairs stored under the key (at least one)
            rows = np.arange(counts.sum()) + np.repeat(first[hit] - (np.cumsum(counts) - counts), counts)
            mine.append(np.repeat(whose[part][hit], counts))
            theirs.append(stored[rows, 1])
        if not mine:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(mine), np.concatenate(theirs)

    def remove(self, keys: np.ndarray, items: np.ndarray) -> int:
        """Delete the pairs of ``items`` (all of one document) filed under ``keys`` (as for
        :meth:`find`); returns how many there were."""
        runs = self.runs()
        if not runs or not items.size:
            return 0
        blocks = np.unique(np.concatenate([self._blocks(r, keys).ravel() for r in runs]))
        gone: dict[int, int] = {}
        for at in range(0, blocks.size, MAX_PARAMS):
            for block, data in self._fetch(blocks[at : at + MAX_PARAMS].tolist()):
                pairs = np.frombuffer(data, "<i8").reshape(-1, 2)
                keep = ~np.isin(pairs[:, 1], items)
                dropped = int(pairs.shape[0] - keep.sum())
                if not dropped:
                    continue
                run = block >> _RUN_SHIFT
                gone[run] = gone.get(run, 0) + dropped
                if keep.any():
                    self.db.execute(f"UPDATE {self.table} SET data = ? WHERE block = ?", (pairs[keep].tobytes(), block))
                else:
                    self.db.execute(f"DELETE FROM {self.table} WHERE block = ?", (block,))
        for run, dropped in gone.items():
            self.db.execute("UPDATE runs SET pairs = pairs - ? WHERE run = ?", (dropped // self.bands, run))
        return sum(gone.values())

    def _blocks(self, run: Run, keys: np.ndarray) -> np.ndarray:
        """Block rowids of run ``run`` where ``keys`` (items x bands) are filed."""
        parts = _parts(np.ascontiguousarray(keys).view(np.uint64), run.bits)
        bands = np.arange(self.bands, dtype=np.int64) << _BAND_SHIFT
        return (run.run << _RUN_SHIFT) | bands | parts

    def _read(self, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored (key, item) pairs of these blocks, and for each block in ``blocks``
        the rows of its pairs among them (from, to)."""
        ids, inverse = np.unique(blocks, return_inverse=True)
        rows = []
        for at in range(0, ids.size, MAX_PARAMS):
            rows += self._fetch(ids[at : at + MAX_PARAMS].tolist())
        sizes = np.zeros(ids.size, dtype=np.int64)
        data: tuple[bytes, ...] = ()
        if rows:
            got, data = zip(*rows)
            sizes[np.searchsorted(ids, np.array(got, dtype=np.int64))] = np.array(list(map(len, data))) >> 4
        stored = np.frombuffer(b"".join(data), "<i8").reshape(-1, 2)
        start = (np.cumsum(sizes) - sizes)[inverse]
        return stored, start, start + sizes[inverse]

    def _fetch(self, ids: list[int]) -> list[tuple[int, bytes]]:
        """(rowid, pairs) of the blocks ``ids`` that exist, in rowid order."""
        marks = ", ".join("?" * len(ids))
        query = f"SELECT block, data FROM {self.table} WHERE block IN ({marks}) ORDER BY block"
        return self.db.execute(query, ids).fetchall()

    def _new_run(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(run), 0) + 1 FROM runs").fetchone()[0])

    def _put(self, run: int, band: int, bits: int, keys: np.ndarray, items: np.ndarray) -> None:
        """Write sorted uint64 ``keys`` and their ``items`` as the blocks of ``band`` of ``run``."""
        if not keys.size:
            return
        parts = _parts(keys, bits)
        starts = np.flatnonzero(np.concatenate(([True], parts[1:] != parts[:-1])))
        ends = np.append(starts[1:], keys.size)
        pairs = np.empty((keys.size, 2), dtype="<i8")
        pairs[:, 0] = keys.view(np.int64)
        pairs[:, 1] = items
        raw = memoryview(pairs.tobytes())
        ids = ((run << _RUN_SHIFT) | (band << _BAND_SHIFT) | parts[starts]).tolist()
        rows = zip(ids, (raw[16 * a : 16 * b] for a, b in zip(starts.tolist(), ends.tolist())))
        self.db.executemany(f"INSERT INTO {self.table} VALUES (?, ?)", rows)

    def _merge(self, group: list[Run], fresh: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Write the runs ``group`` and the pairs of ``fresh`` (keys, items: not stored
        yet) as one run, a key range of each band at a time, dropping what it has read."""
        pairs = sum(r.pairs for r in group) + (fresh[1].size if fresh is not None else 0)
        run, bits = self._new_run(), _bits(pairs)
        cut = max(0, bits - _MERGE_SLICE_BITS)  # leading key bits of a slice
        slices = np.arange((1 << cut) + 1)
        # Blocks hold only hashes and row numbers: no need to overwrite their pages with
        # zeros (SQLite's secure_delete, on in some builds) when they are freed.
        secure = self.db.execute("PRAGMA secure_delete").fetchone()[0]
        self.db.execute("PRAGMA secure_delete = OFF")
        try:
            for band in range(self.bands):
                if fresh is not None:
                    column = np.ascontiguousarray(fresh[0][:, band]).view(np.uint64)
                    order = np.argsort(column)  # not "stable": numpy's radix sort is 4 times as slow on uint64
                    new = np.stack([column[order].view(np.int64), fresh[1][order]], axis=1)
                    bounds = np.searchsorted(_parts(column[order], cut), slices).tolist()
                for j in range(1 << cut):
                    pieces = [self._take(r, band, cut, j) for r in group]
                    if fresh is not None:
                        pieces.append(new[bounds[j] : bounds[j + 1]])
                    merged = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
                    if len(pieces) > 1:  # sorted pieces: a merge sort finds them
                        merged = merged[np.argsort(merged[:, 0].view(np.uint64), kind="stable")]
                    self._put(run, band, bits, merged[:, 0].view(np.uint64), merged[:, 1])
            for r in group:
                self.db.execute("DELETE FROM runs WHERE run = ?", (r.run,))
        finally:
            self.db.execute(f"PRAGMA secure_delete = {secure}")
        self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?)", (run, self.level, pairs, bits))

    def _take(self, run: Run, band: int, cut: int, j: int) -> np.ndarray:
        """The (key, item) pairs of ``band`` of ``run`` whose keys begin with the ``cut``
        bits of ``j``, sorted by key; blocks read to the end are deleted."""
        base = (run.run << _RUN_SHIFT) | (band << _BAND_SHIFT)
        if run.bits >= cut:
            first, last = j << (run.bits - cut), ((j + 1) << (run.bits - cut)) - 1
        else:  # one block holds this slice and others
            first = last = j >> (cut - run.bits)
        span = (base | first, base | last)
        rows = self.db.execute(f"SELECT data FROM {self.table} WHERE block BETWEEN ? AND ? ORDER BY block", span)
        pairs = np.frombuffer(b"".join(r[0] for r in rows), "<i8").reshape(-1, 2)
        if run.bits < cut:
            pairs = pairs[_parts(pairs[:, 0].view(np.uint64), cut) == j]
        if run.bits >= cut or (j + 1) % (1 << (cut - run.bits)) == 0:
            self.db.execute(f"DELETE FROM {self.table} WHERE block BETWEEN ? AND ?", span)
        return pairs


def _bits(pairs: int) -> int:
    """Leading key bits that cut ``pairs`` uniform keys into blocks of at most
    :data:`BLOCK_PAIRS` on average.

    >>> _bits(1), _bits(BLOCK_PAIRS), _bits(BLOCK_PAIRS + 1), _bits(4 * BLOCK_PAIRS)
    (0, 0, 1, 2)
    """
    return min(_MAX_BITS, ((max(pairs, 1) - 1) // BLOCK_PAIRS).bit_length())


def _bound(
    values: np.ndarray, targets: np.ndarray, start: np.ndarray, stop: np.ndarray, right: bool = False
) -> np.ndarray:
    """For each target, the first position in its range ``values[start:stop]`` (sorted)
    whose value is at least the target (greater, with ``right``): a binary search of
    all the ranges at once.

    >>> _bound(np.array([1, 3, 3, 7, 2, 9]), np.array([3, 3, 8]), np.array([0, 0, 4]), np.array([4, 4, 6]))
    array([1, 1, 5])
    >>> _bound(np.array([1, 3, 3, 7]), np.array([3]), np.array([0]), np.array([4]), right=True)
    array([3])
    """
    at, left = start.copy(), stop - start
    while (live := left > 0).any():
        half = left >> 1
        middle = at + half
        value = values[np.minimum(middle, values.size - 1)]
        up = live & ((value <= targets) if right else (value < targets))
        at = np.where(up, middle + 1, at)
        left = np.where(up, left - half - 1, half)
    return at


def _parts(keys: np.ndarray, bits: int) -> np.ndarray:
    """The block of each uint64 key: its leading ``bits`` bits (as int64).

    >>> _parts(np.array([0, 2**63, 2**64 - 1], dtype=np.uint64), 2).tolist()
    [0, 2, 3]
    """
    if not bits:
        return np.zeros(keys.shape, dtype=np.int64)
    return (keys >> np.uint64(64 - bits)).astype(np.int64)


def _merge_from(sizes: list[int]) -> int | None:
    """Where to merge runs of these sizes (oldest first): the oldest run holding fewer
    than :data:`MERGE_RATIO` times the pairs of all newer runs together, which is merged
    with them; else the second newest when there are more than :data:`MAX_RUNS` runs;
    else None. So an add's run joins earlier runs of about its size, each pair is
    rewritten about log(index size / add size) times, and runs are few.

    >>> _merge_from([100, 40, 10]), _merge_from([1000, 100, 40, 30]), _merge_from([100, 60, 20, 30])
    (None, 1, 0)
    >>> _merge_from([1000, 300, 100, 30, 10])
    3
    """
    first, behind = None, 0  # behind: pairs of the runs newer than run k - 1
    for k in range(len(sizes) - 1, 0, -1):
        behind += sizes[k]
        if sizes[k - 1] < MERGE_RATIO * behind:
            first = k - 1
    if first is None and len(sizes) > MAX_RUNS:
        first = len(sizes) - 2
    return first
