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

    ``group[i]`` is the exact group of item ``i`` (only items whose group has a pair or
    more than one item: the others are kept whatever the threshold); ``pairs[g]`` lists
    ``(jaccard, h)`` for each group ``h`` verified against group ``g`` (both ways), most
    similar first; ``contained[g]`` the groups that the containment rule accepts with
    ``g``, whatever the threshold (``sizes_fit``: the smaller set is at least ``ratio``
    of the larger).
    """

    group: dict[int, int]
    pairs: dict[int, list[tuple[float, int]]]
    contained: dict[int, list[int]]
    verified: list[tuple[Similarity, bool]]  # each verified pair once
    involved: frozenset[int] = frozenset()  # groups with a pair or more than one item

    def involved_items(self, order: Iterable[int]) -> list[tuple[int, int]]:
        """The items of ``order`` that the decision may drop or drop others for (the
        others are kept whatever the threshold), in that order, with their groups."""
        group, involved = self.group, self.involved
        return [(i, g) for i in order if (g := group.get(i, -1)) in involved]

    def dropped(
        self, items: Iterable[tuple[int, int]], threshold: float, owner: dict[int, int] | None = None
    ) -> list[int]:
        """The items of ``items`` (``(item, group)`` in keep order, as
        :meth:`involved_items` gives them) that the decision drops at ``threshold``: an
        item is dropped when an item kept before it is identical to it, or matches it
        (Jaccard at the threshold, or the containment rule); never for an item of the
        same ``owner`` (paragraphs of one document)."""
        kept_in: dict[int, list[int]] = {}  # group -> its kept items
        contained, pairs = self.contained, self.pairs
        out: list[int] = []
        for item, g in items:
            mine = owner.get(item) if owner is not None else None
            found = False
            for h in (g, *contained.get(g, ())):
                kept = kept_in.get(h)
                if kept and (owner is None or any(owner.get(k) != mine for k in kept)):
                    found = True
                    break
            if not found:
                for jaccard, h in pairs.get(g, ()):
                    if jaccard < threshold:
                        break  # most similar first: none of the rest match
                    kept = kept_in.get(h)
                    if kept and (owner is None or any(owner.get(k) != mine for k in kept)):
                        found = True
                        break
            if found:
                out.append(item)
            else:
                kept_in.setdefault(g, []).append(item)
        return out


def _candidates(offsets: np.ndarray, ids: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The distinct ``(g, h)`` pairs (``g < h``) of rows that share a bucket, as an
    ``(n, 2)`` array; a bucket over BUCKET_CAP rows pairs each row with its first
    BUCKET_CAP rows in keep order only. Buckets of two (nearly all) without a loop."""
    rows = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    if rows.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((rank[rows], ids))
    rows, ids = rows[order], ids[order]
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    sizes = np.diff(np.append(starts, rows.size))
    two = starts[sizes == 2]
    found = [np.stack([rows[two], rows[two + 1]], axis=1)]
    more: list[tuple[int, int]] = []
    for at, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist()):
        members = rows[at : at + size].tolist()
        for j, h in enumerate(members[:BUCKET_CAP]):  # each row with the head rows before it
            more.extend((h, g) for g in members[j + 1 :])
    if more:
        found.append(np.array(more, dtype=np.int64))
    pairs = np.concatenate(found)
    pairs = np.sort(pairs, axis=1)
    return np.unique(pairs, axis=0)


def verified_pairs(
    active: np.ndarray,
    exact: np.ndarray,
    keys: np.ndarray,
    load: Callable[[int], np.ndarray],
    rank: np.ndarray,
    ratio: float,
    containment: float | None = None,
    owner: np.ndarray | None = None,
    seen: Verified | None = None,
) -> Pairs:
    """Verify every pair of ``active`` items that share a bucket (groups of identical
    items once, through their first item in keep order); arrays as :func:`match` takes
    them. ``containment`` (with ``ratio``) is the containment rule of documents, or
    ``None``. Pairs whose items all belong to one ``owner`` are skipped. ``seen`` is what
    :func:`match` verified on the same items in the same keep order: its pairs are not
    verified again, and its buckets are reused."""
    active = np.asarray(active, dtype=np.int64)
    if active.size == 0:
        return Pairs({}, {}, {}, [])
    order = active[np.lexsort((rank[active], exact[active, 1], exact[active, 0]))]
    ordered = exact[order]
    start = np.concatenate(([True], ~np.all(ordered[1:] == ordered[:-1], axis=1)))
    group_of = np.cumsum(start) - 1
    reps = order[start]
    first = np.flatnonzero(start)
    sole: list[int] = []
    if owner is not None:  # a group's one owner, or -1 when its items have several
        low = np.minimum.reduceat(owner[order], first)
        high = np.maximum.reduceat(owner[order], first)
        sole = np.where(low == high, low, -1).tolist()
    if seen is not None and seen.buckets is not None and np.array_equal(seen.reps, reps):
        shared = seen.buckets
    else:
        shared = buckets(keys[reps])
    known = seen.pairs if seen is not None else {}
    load = functools.lru_cache(maxsize=4096)(load)
    pairs: dict[int, list[tuple[float, int]]] = {}
    contained: dict[int, list[int]] = {}
    verified: list[tuple[Similarity, bool]] = []
    rep_list = reps.tolist()
    for g, h in _candidates(shared.offsets, shared.ids, rank[reps]).tolist():
        if owner is not None and sole[g] >= 0 and sole[g] == sole[h]:
            continue  # paragraphs of one document only
        x, y = rep_list[g], rep_list[h]
        sim = known.get((x, y) if x < y else (y, x))
        if sim is None:
            a, b = load(x), load(y)
            sim = similarity(a, b)
            small, large = sorted((a.size, b.size))
            fits = small >= ratio * large
        else:  # the length condition from the similarity alone: |small| / |large| = 1 / (C/J - 1 + C)
            fits = sim.jaccard > 0 and 1.0 / (sim.containment / sim.jaccard - 1.0 + sim.containment) >= ratio - 1e-9
        pairs.setdefault(g, []).append((sim.jaccard, h))
        pairs.setdefault(h, []).append((sim.jaccard, g))
        if containment is not None and fits and sim.containment >= containment:
            contained.setdefault(g, []).append(h)
            contained.setdefault(h, []).append(g)
        verified.append((sim, fits))
    for found in pairs.values():
        found.sort(key=lambda p: -p[0])
    sizes = np.bincount(group_of)
    involved = frozenset(pairs) | frozenset(np.flatnonzero(sizes > 1).tolist())
    # Only items of groups that matter are looked up later: the others are kept anyway.
    mine = np.isin(group_of, np.fromiter(involved, dtype=np.int64, count=len(involved)))
    group = dict(zip(order[mine].tolist(), group_of[mine].tolist()))
    return Pairs(group, pairs, contained, verified, involved)
