"""LSH banding: split signatures into bands, bucket each band, list the pairs that share one.

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

__all__ = ["LSHParams", "band_keys", "candidate_pairs", "collision_probability", "lsh_params"]

# Chance that a pair exactly at the threshold becomes a candidate (pairs above it are
# found more often still). Verification removes the false candidates this lets in.
RECALL_AT_THRESHOLD = 0.98

# Buckets up to this size give all their pairs; larger ones (rare once exact copies are
# folded together) give a chain and a star, which still connects a cluster of copies
# with a number of pairs linear in the bucket size.
MAX_BUCKET_PAIRS = 64

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


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows that share a key in some band; sorted, unique.

    Holds all keys in memory (it sorts each band). Buckets are handled a size at a time,
    so the work is a few numpy calls per band, not a Python loop per bucket.
    """
    n = keys.shape[0]
    codes: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        # A stable sort keeps each bucket's members in increasing order.
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        sizes = np.diff(np.append(starts, n))
        for size in np.unique(sizes[sizes > 1]).tolist():
            at = starts[sizes == size]
            if size <= MAX_BUCKET_PAIRS:
                members = order[at[:, None] + np.arange(size)]
                i, j = np.triu_indices(size, k=1)
                codes.append(_encode(members[:, i].ravel(), members[:, j].ravel(), n))
            else:
                codes.extend(_large_bucket(order[a : a + size], n) for a in at.tolist())
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    unique = np.unique(np.concatenate(codes))
    return np.stack([unique // n, unique % n], axis=1)


def _encode(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """One int64 per pair (members come in increasing order, so ``lo < hi``)."""
    return lo.astype(np.int64) * n + hi


def _large_bucket(members: np.ndarray, n: int) -> np.ndarray:
    """A chain and a star through a bucket too large for all its pairs."""
    chain = _encode(members[:-1], members[1:], n)
    star = _encode(np.full(members.size - 2, members[0]), members[2:], n)
    return np.concatenate((chain, star))
