"""LSH banding: split signatures into bands, and bucket the rows that share a band's key.

Candidates are approximate by design (some similar pairs are missed, dissimilar ones
found); :mod:`dedup.verify` decides. :func:`lsh_params` picks bands and rows for a
similarity threshold the way datasketch's ``MinHashLSH`` does, by weighing the false
positive and false negative mass of the S-curve.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .normalize import _fmix64

__all__ = ["Buckets", "LSHParams", "band_keys", "buckets", "collision_probability", "lsh_params"]

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
    ids: np.ndarray  # int64 bucket ids, unique across bands

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


def buckets(keys: np.ndarray) -> Buckets:
    """Group the rows of an ``(n, bands)`` array of band keys into buckets (rows that share
    the key of a band): a sort per band, a few numpy calls, no loop over buckets.

    >>> b = buckets(np.array([[1, 10], [2, 20], [1, 30], [3, 20]], dtype=np.uint64))
    >>> sorted(b.members().values())
    [[0, 2], [1, 3]]
    """
    n = keys.shape[0]
    rows: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    base = 0
    for band in range(keys.shape[1] if n else 0):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        run = np.cumsum(np.concatenate(([True], ordered[1:] != ordered[:-1]))) - 1
        sizes = np.bincount(run)
        shared = sizes[run] > 1
        rows.append(order[shared])
        ids.append(run[shared] + base)
        base += sizes.size
    if not rows:
        return Buckets(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    row = np.concatenate(rows).astype(np.int64)
    bucket = np.concatenate(ids).astype(np.int64)
    by_row = np.lexsort((bucket, row))
    row, bucket = row[by_row], bucket[by_row]
    return Buckets(np.searchsorted(row, np.arange(n + 1)).astype(np.int64), bucket)
