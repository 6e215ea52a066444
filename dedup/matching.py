"""From keys to verified clusters: exact groups, LSH candidates, verification, union-find.

Works on items (documents or paragraphs) given as arrays: exact keys, band keys, and a
loader for each item's shingle set. Exact copies are grouped by key first and only one of
each group goes through LSH; every LSH candidate is then verified on the exact shingle
sets, and only accepted pairs join clusters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .clusters import UnionFind
from .lsh import candidate_pairs
from .verify import Similarity, similarity

__all__ = ["Matches", "match"]

# Shingle sets kept decoded at once while verifying (pairs come sorted by first item, so
# a small cache catches nearly every repeat).
_SET_CACHE = 4096


@dataclass(frozen=True)
class Matches:
    """Clusters of item indices (each sorted, ordered by first member) and the counts."""

    clusters: list[list[int]]
    candidates: int
    rejected: int
    exact_pairs: int


def match(
    active: np.ndarray,
    exact: np.ndarray,
    keys: np.ndarray,
    load: Callable[[int], np.ndarray],
    accept: Callable[[Similarity, np.ndarray, np.ndarray], bool],
) -> Matches:
    """Cluster the ``active`` items (indices into ``exact``/``keys``).

    ``exact`` is an ``(n, 2)`` uint64 array of exact keys, ``keys`` the ``(n, bands)``
    band keys, ``load(i)`` returns item ``i``'s sorted distinct shingle hashes, and
    ``accept(similarity, set_a, set_b)`` decides a candidate pair.
    """
    active = np.asarray(active, dtype=np.int64)
    if active.size < 2:
        return Matches([], 0, 0, 0)
    # Exact groups: sort the active items by key; equal neighbours are copies.
    order = active[np.lexsort((active, exact[active, 1], exact[active, 0]))]
    ordered = exact[order]
    same = np.all(ordered[1:] == ordered[:-1], axis=1)
    group_start = np.concatenate(([True], ~same))
    group_id = np.cumsum(group_start) - 1
    reps = order[group_start]
    rep_of = reps[group_id]
    copies = order[~group_start]
    copy_reps = rep_of[~group_start]

    pairs = candidate_pairs(keys[reps])
    cand = np.sort(reps[pairs], axis=1) if len(pairs) else np.zeros((0, 2), dtype=np.int64)
    cand = cand[np.lexsort((cand[:, 1], cand[:, 0]))] if len(cand) else cand

    load_set = functools.lru_cache(maxsize=_SET_CACHE)(load)
    accepted: list[tuple[int, int]] = []
    rejected = 0
    for a, b in cand.tolist():
        sa, sb = load_set(a), load_set(b)
        if accept(similarity(sa, sb), sa, sb):
            accepted.append((a, b))
        else:
            rejected += 1

    involved = np.unique(np.concatenate([copies, copy_reps, np.asarray(accepted, dtype=np.int64).reshape(-1)]))
    if involved.size == 0:
        return Matches([], len(cand), rejected, 0)
    local = {int(item): k for k, item in enumerate(involved.tolist())}
    uf = UnionFind(involved.size)
    for a, b in zip(copies.tolist(), copy_reps.tolist()):
        uf.union(local[a], local[b])
    for a, b in accepted:
        uf.union(local[a], local[b])
    groups = [[int(involved[k]) for k in group] for group in uf.groups()]
    return Matches(groups, len(cand), rejected, int(copies.size))
