"""Every candidate pair verified, and what the keep/drop decision would be at other
thresholds: the histogram and the threshold preview of a review.

:func:`dedup.matching.match` verifies only what its decision needs (an item dropped is
never compared again). A review verifies every pair of items that share an LSH bucket,
once, and then replays the same decision (items in keep order, each dropped for a kept
item it matches) for any threshold without verifying again. At the thresholds of the
scan the replay gives the scan's own counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..lsh import buckets
from ..matching import Verified
from ..verify import Similarity, similarity

__all__ = ["BUCKET_CAP", "Pairs", "verified_pairs"]

# A bucket with more members than this (a template copied everywhere) is paired one way
# only: each member with the first BUCKET_CAP members in keep order, so the work stays
# linear in its size. match() compares a member with the kept items of its buckets,
# which are nearly always among the first; the replay can differ from the scan only in
# such buckets.
BUCKET_CAP = 64


@dataclass(frozen=True)
class Pairs:
    """Verified pairs of items, and the exact groups (identical items) they stand for.

    ``group[i]`` is the exact group of item ``i`` (-1 for items not involved);
    ``pairs[g]`` lists ``(h, similarity, sizes_fit)`` for each group ``h`` verified
    against group ``g`` (both ways), where ``sizes_fit`` says whether the smaller set is
    at least ``ratio`` of the larger (the containment rule's length condition).
    """

    group: dict[int, int]
    pairs: dict[int, list[tuple[int, Similarity, bool]]]
    verified: list[tuple[Similarity, bool]]  # each verified pair once
    involved: frozenset[int] = frozenset()  # groups with a pair or more than one item

    def involved_items(self, order: Iterable[int]) -> list[int]:
        """The items of ``order`` that the decision may drop or drop others for (the
        others are kept whatever the threshold), in that order."""
        group, involved = self.group, self.involved
        return [i for i in order if group.get(i, -1) in involved]

    def dropped(
        self,
        order: Iterable[int],
        accept: Callable[[Similarity, bool], bool],
        owner: dict[int, int] | None = None,
    ) -> list[int]:
        """The items, taken in ``order`` (keep order), that the decision drops when
        ``accept(similarity, sizes_fit)`` says which pairs match: an item is dropped
        when an item kept before it is identical or matches it (never an item of the
        same ``owner``: paragraphs of one document)."""
        kept_in: dict[int, list[int]] = {}  # group -> its kept items
        out: list[int] = []
        for item in order:
            g = self.group.get(item)
            if g is None or g not in self.involved:
                continue  # alone: kept, and no other item can match it
            mine = owner.get(item) if owner is not None else None
            found = any(owner is None or owner.get(k) != mine for k in kept_in.get(g, ()))
            if not found:
                for h, sim, fits in self.pairs.get(g, ()):
                    kept = kept_in.get(h)
                    if kept and accept(sim, fits) and any(owner is None or owner.get(k) != mine for k in kept):
                        found = True
                        break
            if found:
                out.append(item)
            else:
                kept_in.setdefault(g, []).append(item)
        return out


def _members(offsets: np.ndarray, ids: np.ndarray, rank: np.ndarray) -> list[list[int]]:
    """The rows of each shared bucket, in keep order."""
    rows = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    order = np.lexsort((rank[rows], ids))
    rows, ids = rows[order], ids[order]
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    return [part.tolist() for part in np.split(rows, cuts)] if rows.size else []


def verified_pairs(
    active: np.ndarray,
    exact: np.ndarray,
    keys: np.ndarray,
    load: Callable[[int], np.ndarray],
    rank: np.ndarray,
    ratio: float,
    owner: np.ndarray | None = None,
    seen: Verified | None = None,
) -> Pairs:
    """Verify every pair of ``active`` items that share a bucket (groups of identical
    items once, through their first item in keep order); arrays as :func:`match` takes
    them. Pairs whose items all belong to one ``owner`` are skipped. ``seen`` is what
    :func:`match` verified on the same items in the same keep order: its pairs are not
    verified again, and its buckets are reused."""
    active = np.asarray(active, dtype=np.int64)
    if active.size == 0:
        return Pairs({}, {}, [])
    order = active[np.lexsort((rank[active], exact[active, 1], exact[active, 0]))]
    ordered = exact[order]
    start = np.concatenate(([True], ~np.all(ordered[1:] == ordered[:-1], axis=1)))
    group_of = np.cumsum(start) - 1
    reps = order[start]
    group = dict(zip(order.tolist(), group_of.tolist()))
    owners: dict[int, set[int]] = {}
    if owner is not None:
        for item, g in group.items():
            owners.setdefault(g, set()).add(int(owner[item]))
    rep_rank = rank[reps]
    if seen is not None and seen.buckets is not None and np.array_equal(seen.reps, reps):
        shared = seen.buckets
    else:
        shared = buckets(keys[reps])
    candidates: set[tuple[int, int]] = set()
    for members in _members(shared.offsets, shared.ids, rep_rank):
        head = members[:BUCKET_CAP]
        for k, g in enumerate(members):
            for h in head[: k if k < BUCKET_CAP else BUCKET_CAP]:
                candidates.add((h, g) if h < g else (g, h))
    known = seen.pairs if seen is not None else {}
    load = functools.lru_cache(maxsize=4096)(load)
    pairs: dict[int, list[tuple[int, Similarity, bool]]] = {}
    verified: list[tuple[Similarity, bool]] = []
    for g, h in sorted(candidates):
        if owner is not None and len(owners[g]) == 1 and owners[g] == owners[h]:
            continue  # paragraphs of one document only
        x, y = int(reps[g]), int(reps[h])
        sim = known.get((x, y) if x < y else (y, x))
        if sim is None:
            a, b = load(x), load(y)
            sim = similarity(a, b)
            small, large = sorted((a.size, b.size))
            fits = small >= ratio * large
        else:  # the length condition from the similarity alone: |small| / |large| = 1 / (C/J - 1 + C)
            fits = sim.jaccard > 0 and 1.0 / (sim.containment / sim.jaccard - 1.0 + sim.containment) >= ratio - 1e-9
        pairs.setdefault(g, []).append((h, sim, fits))
        pairs.setdefault(h, []).append((g, sim, fits))
        verified.append((sim, fits))
    sizes = np.bincount(group_of)
    involved = frozenset(pairs) | frozenset(np.flatnonzero(sizes > 1).tolist())
    return Pairs(group, pairs, verified, involved)
