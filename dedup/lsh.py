"""LSH banding: split signatures into bands, and bucket the rows that share a band's key.

Candidates are approximate by design (some similar pairs are missed, dissimilar ones
found); :mod:`dedup.verify` decides. :func:`lsh_params` picks bands and rows for a
similarity threshold the way datasketch's ``MinHashLSH`` does, by weighing the false
positive and false negative mass of the S-curve.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .shingles import _fmix64
from .spill import Partitions, Spill

__all__ = ["SORT_ROW_BYTES", "Buckets", "LSHParams", "band_keys", "buckets", "collision_probability", "lsh_params"]

# Chance that a pair exactly at the threshold becomes a candidate (pairs above it are
# found more often still). Verification removes the false candidates this lets in.
RECALL_AT_THRESHOLD = 0.98

# Multipliers that fold a band's hash values into one 64-bit key (fixed, odd).
_KEY_MULTIPLIERS = np.random.RandomState(0x5EED).randint(0, 1 << 62, 4096, dtype=np.uint64) * np.uint64(2) + np.uint64(
    1
)


@dataclass(frozen=True)
class LSHParams:
    """How a signature is cut for bucketing: ``bands`` bands of ``rows`` hash values."""

    bands: int
    rows: int

    def collision_probability(self, similarity: float) -> float:
        """Chance that two sets with this Jaccard similarity share at least one bucket."""
        return collision_probability(similarity, self.bands, self.rows)


def collision_probability(similarity: float, bands: int, rows: int) -> float:
    """The LSH S-curve: ``1 - (1 - s**rows)**bands``.

    >>> round(collision_probability(0.8, 9, 13), 3)
    0.399
    """
    return 1.0 - (1.0 - similarity**rows) ** bands


@functools.cache
def lsh_params(threshold: float, num_perm: int, recall: float = RECALL_AT_THRESHOLD) -> LSHParams:
    """Bands and rows for a Jaccard threshold: the fewest false candidates at the recall asked.

    Among the cuts with ``bands * rows <= num_perm`` whose S-curve reaches ``recall`` at
    ``threshold``, take the one with the least area under the curve below the threshold
    (datasketch's false positive measure). Unlike datasketch's default, which weighs both
    errors equally and so finds only about 40% of the pairs sitting at the threshold,
    this keeps recall because verification removes the false positives anyway.

    >>> lsh_params(0.8, 128)
    LSHParams(bands=17, rows=7)
    """
    grid = np.linspace(0.0, threshold, 1001)
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        # More bands only add candidates, so the fewest bands that reach the recall win.
        need = np.log1p(-recall) / np.log1p(-(threshold**rows)) if threshold**rows < 1 else 1
        bands = min(bands, max(1, int(np.ceil(need - 1e-9))))
        if collision_probability(threshold, bands, rows) < recall - 1e-12:
            continue
        area = _area(1.0 - (1.0 - grid**rows) ** bands, grid)
        if best is None or area < best[0] - 1e-15:
            best = (area, bands, rows)
    if best is None:  # no cut reaches the recall: take the most sensitive one
        return LSHParams(bands=num_perm, rows=1)
    return LSHParams(bands=best[1], rows=best[2])


def _area(y: np.ndarray, x: np.ndarray) -> float:
    """Trapezoidal integral of ``y`` over ``x``."""
    return float(((y[1:] + y[:-1]) * np.diff(x)).sum() / 2.0)


def band_keys(signatures: np.ndarray, params: LSHParams) -> np.ndarray:
    """One 64-bit key per band per signature: an ``(n, bands)`` uint64 array.

    Two signatures share a key (up to 64-bit collisions) iff their hash values in that
    band are equal.
    """
    n = signatures.shape[0]
    used = params.bands * params.rows
    cut = signatures[:, :used].reshape(n, params.bands, params.rows).astype(np.uint64)
    cut *= _KEY_MULTIPLIERS[: params.rows]
    return _fmix64(cut.sum(axis=2, dtype=np.uint64))


@dataclass(frozen=True)
class Buckets:
    """The buckets that hold two or more rows: for each row, the ids of the buckets it
    shares with another row (sorted; rows alone in every band have none).

    Memory is one entry per row per shared bucket, whatever the buckets' sizes: the pairs
    inside a bucket are never listed, so a bucket of a million rows costs a million
    entries, not half a trillion pairs (:func:`dedup.matching.match` walks them).
    """

    offsets: np.ndarray  # (rows + 1,) int64: row i's buckets are ids[offsets[i]:offsets[i + 1]]
    ids: np.ndarray  # int64 bucket ids from 0, unique across bands (by band, then by key)

    def of(self, row: int) -> list[int]:
        """The shared buckets of ``row``."""
        return self.ids[self.offsets[row] : self.offsets[row + 1]].tolist()

    def members(self) -> dict[int, list[int]]:
        """Bucket id -> its rows in increasing order (for tests and small inputs)."""
        out: dict[int, list[int]] = {}
        for row in range(self.offsets.size - 1):
            for bucket in self.of(row):
                out.setdefault(bucket, []).append(row)
        return out


def buckets(keys: Any, rows: np.ndarray | None = None, memory: int | None = None) -> Buckets:
    """Group the rows of an ``(n, bands)`` array of band keys into buckets (rows that share
    the key of a band): a sort per band, a few numpy calls, no loop over buckets.

    ``keys`` may be a :class:`~dedup.spill.BandKeys` (read a band at a time). With
    ``rows``, the result's row ``j`` is ``keys`` row ``rows[j]``, as for ``keys[rows]``
    but without gathering every band at once. ``memory`` bounds the bytes a band's sort
    may use (:data:`SORT_ROW_BYTES` a row): a band that needs more is sorted on disk, by
    key range (:func:`_band_on_disk`), with the same result; the buckets found are held
    on disk between the two passes.

    >>> b = buckets(np.array([[1, 10], [2, 20], [1, 30], [3, 20]], dtype=np.uint64))
    >>> sorted(b.members().values())
    [[0, 2], [1, 3]]
    """
    n = keys.shape[0] if rows is None else len(rows)
    bands = keys.shape[1] if n else 0
    per_band: list[tuple[np.ndarray, np.ndarray] | tuple[int, int, int]] = []
    spill = Spill() if memory is not None else None
    try:
        base = 0
        counts = np.zeros(n, dtype=np.int64)
        for band in range(bands):
            column = keys[:, band] if rows is None else keys[rows, band]
            if memory is None or n * SORT_ROW_BYTES <= memory:
                members, ids, count = _band(column)
            else:
                members, ids, count = _band_on_disk(column, memory)
            del column
            counts[members] += 1  # a row is in one bucket per band at most
            ids += base  # unique across bands
            base += count
            if spill is None:
                per_band.append((members, ids))
            else:  # kept on disk until the second pass
                per_band.append((spill.append(members.tobytes()), spill.append(ids.tobytes()), members.size))
            del members, ids
        # Each row's buckets in band order, which is increasing id order (ids grow by band).
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        del counts
        out = np.empty(int(offsets[-1]), dtype=np.int64)
        fill = offsets[:-1].copy()
        for entry in per_band:
            if spill is None:
                members, ids = entry  # type: ignore[misc]
            else:
                at_members, at_ids, size = entry  # type: ignore[misc]
                members = np.frombuffer(spill.read(at_members, 8 * size), dtype=np.int64)
                ids = np.frombuffer(spill.read(at_ids, 8 * size), dtype=np.int64)
            out[fill[members]] = ids
            fill[members] += 1
        return Buckets(offsets, out)
    finally:
        if spill is not None:
            spill.close()


# Bytes a row costs while a band is sorted in memory: its place in the sort order, the
# sorted key, its run number, flags, and the bucket lists out (tracemalloc, a band of a
# million rows of which 60% share their key: 51 bytes a row at the peak of _band, besides
# the 8 of the band's keys).
SORT_ROW_BYTES = 56


def _band(column: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The rows of one band that share their key with another row, the number of their
    bucket (among the band's shared keys, in increasing key order), and how many buckets."""
    order = np.argsort(column, kind="stable")
    ordered = column[order]
    run = np.cumsum(np.concatenate(([True], ordered[1:] != ordered[:-1]))) - 1
    sizes = np.bincount(run)
    kept = sizes > 1
    shared = kept[run]
    number = np.cumsum(kept) - 1
    return order[shared], number[run[shared]], int(number[-1]) + 1 if number.size else 0


# Key ranges of a band sorted on disk, at most 2**this: a range is written a piece per
# chunk of rows, so more ranges mean smaller pieces (and a budget that small is moot).
_MAX_PART_BITS = 12


def _band_on_disk(column: np.ndarray, memory: int) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_band` within a memory budget: (key, row) pairs are written by key range
    (the leading bits of the key: keys are uniform hashes, so ranges hold about as many),
    a chunk of rows at a time, and each range is sorted alone, in increasing key order.
    Same result as :func:`_band`: keys in range p all come before those of range p + 1,
    and pairs with the same key stay in row order."""
    n = column.size
    rows_at_once = max(1, memory // SORT_ROW_BYTES)
    bits = min(_MAX_PART_BITS, max(1, int(np.ceil(np.log2(-(-n // rows_at_once))))))
    shift = np.uint64(64 - bits)
    members: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    buckets_before = 0
    with Partitions(1 << bits) as parts:
        for start in range(0, n, rows_at_once):
            chunk = column[start : start + rows_at_once]
            part = (chunk >> shift).astype(np.int64)
            order = np.argsort(part, kind="stable")
            bounds = np.searchsorted(part[order], np.arange((1 << bits) + 1))
            for p in np.flatnonzero(np.diff(bounds)).tolist():
                picked = order[bounds[p] : bounds[p + 1]]
                parts.append(p, chunk[picked], picked + start)
            del chunk, part, order
        for p in range(1 << bits):
            keys, rows = parts.read(p)
            if keys.size:
                found, run, count = _band(keys)
                members.append(rows[found])
                ids.append(run + buckets_before)
                buckets_before += count
    if not members:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0
    return np.concatenate(members), np.concatenate(ids), buckets_before
