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
from .lsh import LSHParams, candidate_pairs, lsh_params
from .options import ScanOptions
from .verify import Similarity, similarity

__all__ = ["CONTAINMENT_LSH_FLOOR", "Matches", "Rule", "document_lsh", "match", "paragraph_lsh", "same_document",
           "same_paragraph"]  # fmt: skip

# Decides a verified candidate pair from its similarity and the two shingle sets.
Rule = Callable[[Similarity, np.ndarray, np.ndarray], bool]

# Shingle sets kept decoded at once while verifying (pairs come sorted by first item, so
# a small cache catches nearly every repeat).
_SET_CACHE = 4096


@dataclass(frozen=True)
class Matches:
    """Clusters of item indices (each sorted, ordered by first member) and the counts."""

    clusters: list[list[int]]
    candidates: int
    rejected: int


# LSH for documents is tuned no lower than this: pairs that only containment accepts can
# have a Jaccard similarity down to 0.3 (an abridged copy 40% as long), but tuning the
# bands that low doubles their number and the candidates. At this floor LSH still finds
# 89% of pairs at Jaccard 0.3 and 98% at 0.4; on the syndication benchmark recall did not
# move (0.989 at 0.3 and at 0.4) while candidates fell.
CONTAINMENT_LSH_FLOOR = 0.4


def document_lsh(options: ScanOptions) -> LSHParams:
    """Bands and rows for documents: tuned to the lowest Jaccard a pair can have and still
    be accepted (down to the floor above when containment is on)."""
    if options.containment is None:
        return lsh_params(options.threshold, options.num_perm)
    c, r = options.containment, options.min_length_ratio
    # Smallest Jaccard of sets |A| = r|B| with |A & B| = c|A|: c*r / (1 + r - c*r).
    lowest = c * r / (1.0 + r - c * r)
    return lsh_params(min(options.threshold, max(lowest, CONTAINMENT_LSH_FLOOR)), options.num_perm)


def paragraph_lsh(options: ScanOptions) -> LSHParams:
    """Bands and rows for paragraphs, tuned to their threshold."""
    return lsh_params(options.paragraph_threshold, options.num_perm)


def same_document(options: ScanOptions) -> Rule:
    """Same article: Jaccard at the threshold, or (abridged copy) the shorter one mostly
    contained in the longer and not much shorter than it."""
    threshold, containment, ratio = options.threshold, options.containment, options.min_length_ratio

    def accept(sim: Similarity, a: np.ndarray, b: np.ndarray) -> bool:
        if sim.jaccard >= threshold:
            return True
        if containment is None or sim.containment < containment:
            return False
        small, large = sorted((a.size, b.size))
        return small >= ratio * large

    return accept


def same_paragraph(options: ScanOptions) -> Rule:
    """Same paragraph: Jaccard at the paragraph threshold."""
    threshold = options.paragraph_threshold

    def accept(sim: Similarity, a: np.ndarray, b: np.ndarray) -> bool:
        return sim.jaccard >= threshold

    return accept


def match(
    active: np.ndarray,
    exact: np.ndarray,
    keys: np.ndarray,
    load: Callable[[int], np.ndarray],
    accept: Rule,
) -> Matches:
    """Cluster the ``active`` items (indices into ``exact``/``keys``).

    ``exact`` is an ``(n, 2)`` uint64 array of exact keys, ``keys`` the ``(n, bands)``
    band keys, ``load(i)`` returns item ``i``'s sorted distinct shingle hashes, and
    ``accept(similarity, set_a, set_b)`` decides a candidate pair.
    """
    active = np.asarray(active, dtype=np.int64)
    if active.size < 2:
        return Matches([], 0, 0)
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
        return Matches([], len(cand), rejected)
    local = {int(item): k for k, item in enumerate(involved.tolist())}
    uf = UnionFind(involved.size)
    for a, b in zip(copies.tolist(), copy_reps.tolist()):
        uf.union(local[a], local[b])
    for a, b in accepted:
        uf.union(local[a], local[b])
    groups = [[int(involved[k]) for k in group] for group in uf.groups()]
    return Matches(groups, len(cand), rejected)
