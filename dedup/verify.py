"""Exact similarity of two shingle sets: what confirms or rejects an LSH candidate.

Sets are sorted arrays of distinct 32-bit shingle hashes (:func:`distinct` of a shingle
sequence). With a few hundred shingles a set, 32-bit hashes collide about once in ten
million pairs of shingles, so the figures are exact for any practical purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Similarity", "distinct", "overlap", "similarity"]


@dataclass(frozen=True)
class Similarity:
    """Jaccard similarity and containment (overlap over the smaller set) of two sets."""

    jaccard: float
    containment: float


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array: a shingle set from a shingle sequence.

    (``numpy.unique`` does the same about ten times slower on arrays this small.)

    >>> distinct(np.array([5, 1, 5, 3], dtype=np.uint32)).tolist()
    [1, 3, 5]
    """
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Number of values two sorted arrays of distinct values have in common.

    >>> overlap(np.array([1, 3, 5, 7]), np.array([3, 4, 5]))
    2
    """
    if a.size == 0 or b.size == 0:
        return 0
    if a.size > b.size:
        a, b = b, a
    pos = np.searchsorted(b, a)
    pos[pos == b.size] = 0
    return int(np.count_nonzero(b[pos] == a))


def similarity(a: np.ndarray, b: np.ndarray) -> Similarity:
    """Exact Jaccard and containment of two sorted arrays of distinct shingle hashes.

    >>> similarity(np.array([1, 2, 3, 4]), np.array([2, 3, 4]))
    Similarity(jaccard=0.75, containment=1.0)
    """
    common = overlap(a, b)
    union = a.size + b.size - common
    smaller = min(a.size, b.size)
    return Similarity(
        jaccard=common / union if union else 0.0,
        containment=common / smaller if smaller else 0.0,
    )
