"""Union-find over item indices: verified pairs in, clusters out.

The smaller index always becomes the root, so clusters and their order do not depend on
the order in which pairs arrive.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["UnionFind", "clusters"]


class UnionFind:
    """Disjoint sets over ``0 .. size-1`` with path halving."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> bool:
        """Join the sets of ``a`` and ``b``; False if they were already one set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True

    def groups(self) -> list[list[int]]:
        """Sets with more than one member, each sorted, ordered by their smallest member."""
        members: dict[int, list[int]] = {}
        for item in range(len(self.parent)):
            # A root is the smallest member of its set, so the dict fills in that order.
            members.setdefault(self.find(item), []).append(item)
        return [group for group in members.values() if len(group) > 1]


def clusters(size: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (of two or more items) of the graph ``pairs`` on ``size`` items.

    >>> clusters(6, [(4, 1), (1, 2), (3, 5)])
    [[1, 2, 4], [3, 5]]
    """
    uf = UnionFind(size)
    for a, b in pairs:
        uf.union(a, b)
    return uf.groups()
