"""Connected components of a graph held as a Spark DataFrame of edges, never collected.

Large-star and small-star rounds (Kiveris et al., "Connected Components in MapReduce and
Beyond", 2014): each round points every node at a smaller neighbour's smallest neighbour,
so components become stars around their smallest node in O(log n) rounds. Each round is
a few joins and group-bys; convergence is checked by counting the edges that changed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["components"]

log = logging.getLogger(__name__)

# Rounds before giving up: each round at least halves the number of steps a component's
# nodes are from its smallest node (a chain of a million nodes settles in about 40).
MAX_ROUNDS = 100


def _normal(edges: DataFrame) -> DataFrame:
    """Edges as (smaller, larger), without loops or repeats."""
    return (
        edges.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b"))
        .where(F.col("a") != F.col("b"))
        .distinct()
    )


def _both_ways(edges: DataFrame) -> DataFrame:
    return edges.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        edges.select(F.col("b").alias("u"), F.col("a").alias("v"))
    )


def _large_star(edges: DataFrame) -> DataFrame:
    """Each node's larger neighbours are linked to the smallest of the node and its neighbours."""
    both = _both_ways(edges)
    low = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    linked = both.join(low, "u").where(F.col("v") > F.col("u")).select(F.col("v").alias("a"), F.col("m").alias("b"))
    return _normal(linked)


def _small_star(edges: DataFrame) -> DataFrame:
    """Each node and its smaller neighbours are linked to the smallest of them."""
    down = edges.select(F.col("b").alias("u"), F.col("a").alias("v"))  # v < u
    low = down.groupBy("u").agg(F.min("v").alias("m"))
    linked = down.join(low, "u").select(F.col("v").alias("a"), F.col("m").alias("b"))
    return _normal(linked.unionByName(low.select(F.col("u").alias("a"), F.col("m").alias("b"))))


def _settle(frame: DataFrame) -> DataFrame:
    """Cut the plan's lineage (it grows with every round) and keep the rows computed."""
    if frame.sparkSession.sparkContext.getCheckpointDir():
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def components(edges: DataFrame) -> DataFrame:
    """``(node, component)`` for every node of ``edges`` (columns ``a``, ``b``: longs):
    the component is the smallest node connected to it.

    Memory and work stay in the executors: nothing but counts reaches the driver.
    """
    current = _settle(_normal(edges))
    count = current.count()
    for rounds in range(1, MAX_ROUNDS + 1):
        following = _settle(_small_star(_large_star(current)))
        following_count = following.count()
        changed = following_count != count or following.subtract(current).limit(1).count() > 0
        current.unpersist()
        current, count = following, following_count
        if not changed:
            log.debug("connected components settled after %d rounds (%d edges)", rounds, count)
            break
    else:
        raise RuntimeError(f"connected components did not settle in {MAX_ROUNDS} rounds")
    both = _both_ways(current)
    return (
        both.groupBy("u")
        .agg(F.least(F.min("v"), F.col("u")).alias("component"))
        .select(F.col("u").alias("node"), "component")
    )
