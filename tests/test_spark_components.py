"""Connected components on Spark agree with union-find, without collecting the edges."""

from __future__ import annotations

import random

import pytest

components_module = pytest.importorskip("dedup.spark.components", reason="pyspark is not installed")


def _union_find(edges: list[tuple[int, int]]) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def test_components_match_union_find_on_random_graphs_chains_and_stars(spark):
    rng = random.Random(5)
    edges: list[tuple[int, int]] = []
    base = 0
    for _ in range(6):  # sparse random graphs, each on its own node range
        nodes = rng.randint(5, 60)
        edges += [(base + rng.randrange(nodes), base + rng.randrange(nodes)) for _ in range(nodes)]
        base += nodes
    chain = list(range(base, base + 300))  # a long path, shuffled labels: needs log rounds
    rng.shuffle(chain)
    edges += list(zip(chain, chain[1:]))
    base += 300
    edges += [(base, base + k) for k in range(1, 200)]  # a star (one big bucket)
    edges += [(7, 7), (base + 5000, base + 5000)]  # loops alone add no component
    frame = spark.createDataFrame(edges, "a long, b long")
    found = {r["node"]: r["component"] for r in components_module.components(frame).collect()}
    expected = {x: c for x, c in _union_find([e for e in edges if e[0] != e[1]]).items()}
    assert found == expected
    assert found[chain[-1]] == min(chain)
