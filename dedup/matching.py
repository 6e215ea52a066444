"""From keys to decisions: exact groups, LSH buckets, verification, and who is kept.

Works on items (documents or paragraphs) given as arrays: exact keys, band keys, a keep
rank, and a loader for each item's shingle set. Items are decided one at a time in keep
order: an item is dropped for the first kept item (in keep order) that shares an exact
key or an LSH bucket with it and that it matches on the exact shingle sets; otherwise it
is kept. So every dropped item names an item it matches directly, at the thresholds;
matches are never chained (A~B and B~C never drop C for A). A cluster is a kept item
and the items dropped for it.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .lsh import Buckets, LSHParams, buckets, lsh_params
from .options import ScanOptions
from .verify import Similarity, similarity

__all__ = ["CONTAINMENT_LSH_FLOOR", "Matches", "Rule", "Verified", "accepted_by", "document_lsh", "match", "paragraph_lsh",
           "same_document", "same_paragraph"]  # fmt: skip

# Decides a verified candidate pair from its similarity and the two shingle sets.
Rule = Callable[[Similarity, np.ndarray, np.ndarray], bool]

# Shingle sets kept decoded at once while verifying (pairs come sorted by first item, so
# a small cache catches nearly every repeat).
_SET_CACHE = 4096


# The similarity of an item to an exact copy of it.
SAME = Similarity(1.0, 1.0)


@dataclass(frozen=True)
class Matches:
    """What :func:`match` decided.

    ``clusters`` lists each kept item that others were dropped for, then those items, in
    keep order; clusters come in the keep order of their kept item. ``kept_by[i]`` is the
    kept item that item ``i`` was dropped for and ``similarity[i]`` its similarity to it.
    ``candidates`` counts the pairs verified on their shingle sets, ``rejected`` those
    that failed the rule (exact copies are not candidates: their keys decide).
    """

    clusters: list[list[int]] = field(default_factory=list)
    kept_by: dict[int, int] = field(default_factory=dict)
    similarity: dict[int, Similarity] = field(default_factory=dict)
    candidates: int = 0
    rejected: int = 0


@dataclass
class Verified:
    """What :func:`match` verified, kept for a review: the similarity of each pair (by
    its two items, smaller first), and the exact groups' first items with their buckets."""

    pairs: dict[tuple[int, int], Similarity] = field(default_factory=dict)
    reps: np.ndarray | None = None
    buckets: Buckets | None = None


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


def accepted_by(sim: Similarity, options: ScanOptions) -> str:
    """Which part of :func:`same_document` accepted a pair of documents with this
    similarity: ``exact`` (same exact key), ``jaccard``, or ``containment``."""
    if sim == SAME:
        return "exact"
    return "jaccard" if sim.jaccard >= options.threshold else "containment"


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
    rank: np.ndarray,
    groups: np.ndarray | None = None,
    verified: Verified | None = None,
    known: dict[tuple[int, int], tuple[Similarity, bool]] | None = None,
) -> Matches:
    """Decide the ``active`` items (indices into ``exact``/``keys``/``rank``).

    ``exact`` is an ``(n, 2)`` uint64 array of exact keys, ``keys`` the ``(n, bands)``
    band keys, ``rank`` each item's place in keep order (distinct values), ``load(i)``
    item ``i``'s sorted distinct shingle hashes, and ``accept(similarity, set_a, set_b)``
    decides a pair. Items with the same ``groups`` value (paragraphs of one document)
    are never dropped for each other. ``verified``, when given, receives what was
    verified (see :class:`Verified`). ``known`` carries verdicts from one call to the next
    on the same ``active`` and ``exact`` (keep first's rounds): a pair decided in an earlier
    call is neither verified nor counted as a candidate again.

    Every pair that shares a bucket is verified or implied: an item is compared, in keep
    order, with each kept item of its buckets until one matches, and an item that was
    dropped is only ever needed through the kept item it matches. Memory is bounded by
    the bucket memberships, never by the pairs of a bucket; a bucket of unrelated items
    costs time (each is compared with the kept ones) but no memory beyond its members.
    Exact copies go through LSH once, as the copy that comes first in keep order.
    """
    active = np.asarray(active, dtype=np.int64)
    if active.size < 2:
        return Matches()
    rank = np.asarray(rank)
    # Exact groups: sort by key, then keep order; each group's first item stands for it.
    order = active[np.lexsort((rank[active], exact[active, 1], exact[active, 0]))]
    ordered = exact[order]
    group_start = np.concatenate(([True], ~np.all(ordered[1:] == ordered[:-1], axis=1)))
    group_id = np.cumsum(group_start) - 1
    reps = order[group_start]
    # A band at a time, within the sorting budget of band keys kept on disk (BandKeys).
    shared = buckets(keys, reps, memory=getattr(keys, "memory", None))
    if verified is not None:
        verified.reps, verified.buckets = reps, shared
    group_size = np.bincount(group_id)
    involved = (group_size[group_id] > 1) | (np.diff(shared.offsets) > 0)[group_id]
    items, item_group = order[involved], group_id[involved]
    by_rank = np.argsort(rank[items], kind="stable")
    items, item_group = items[by_rank].tolist(), item_group[by_rank].tolist()
    rank_of = dict(zip(items, rank[items].tolist()))
    group_of = dict(zip(items, item_group))
    owner = dict(zip(items, groups[items].tolist())) if groups is not None else None
    reused = set(np.flatnonzero(group_size > 1).tolist())  # groups whose verdicts are asked again

    load_set = functools.lru_cache(maxsize=_SET_CACHE)(load)
    verdicts: dict[tuple[int, int], tuple[Similarity, bool]] = {} if known is None else known
    # The kept items of each bucket so far: nearly every bucket keeps one, held in an array
    # (8 bytes a bucket, where a dict of lists cost 172: tracemalloc); a bucket that keeps more
    # holds -2 - k, and lists[k] has them all.
    kept_in_bucket = array("q", np.full(int(shared.ids.max()) + 1 if shared.ids.size else 0, -1).tobytes())
    kept_lists: list[list[int]] = []
    kept_in_group: dict[int, list[int]] = {}  # of groups of two or more: others ask again
    kept_by: dict[int, int] = {}
    similar: dict[int, Similarity] = {}
    followers: dict[int, list[int]] = {}
    candidates = rejected = 0
    for item, g in zip(items, item_group):
        mine = shared.of(g)
        seen = set(kept_in_group.get(g, ()))
        for bucket in mine:
            k = kept_in_bucket[bucket]
            if k >= 0:
                seen.add(k)
            elif k < -1:
                seen.update(kept_lists[-2 - k])
        found: tuple[int, Similarity] | None = None
        for other in sorted(seen, key=rank_of.__getitem__):
            if owner is not None and owner[other] == owner[item]:
                continue
            h = group_of[other]
            if h == g:
                found = (other, SAME)
                break
            pair = (h, g) if h < g else (g, h)
            verdict = verdicts.get(pair)
            if verdict is None:
                a, b = load_set(int(reps[h])), load_set(int(reps[g]))
                sim = similarity(a, b)
                if verified is not None:
                    x, y = int(reps[h]), int(reps[g])
                    verified.pairs[(x, y) if x < y else (y, x)] = sim
                verdict = (sim, accept(sim, a, b))
                candidates += 1
                rejected += not verdict[1]
                if known is not None or h in reused or g in reused:
                    verdicts[pair] = verdict
            if verdict[1]:
                found = (other, verdict[0])
                break
        if found is None:
            if g in reused:
                kept_in_group.setdefault(g, []).append(item)
            for bucket in mine:
                k = kept_in_bucket[bucket]
                if k == -1:
                    kept_in_bucket[bucket] = item
                elif k >= 0:
                    kept_in_bucket[bucket] = -2 - len(kept_lists)
                    kept_lists.append([k, item])
                else:
                    kept_lists[-2 - k].append(item)
        else:
            kept_by[item], similar[item] = found
            followers.setdefault(found[0], []).append(item)
    clusters = [[kept, *dropped] for kept, dropped in sorted(followers.items(), key=lambda kv: rank_of[kv[0]])]
    return Matches(clusters, kept_by, similar, candidates, rejected)
