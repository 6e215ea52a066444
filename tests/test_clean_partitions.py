"""Partition files: rows come back whole, a key's rows in one part, big parts split again."""

from __future__ import annotations

import doctest
from collections import Counter
from pathlib import Path

import numpy as np

import clean.partitions
from clean.partitions import Partitions


def rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2**64, n, dtype=np.uint64)
    keys[::4] = keys[0]  # one key in a quarter of the rows
    return keys, rng.integers(0, 9, n).astype(np.uint32), rng.integers(0, 2**64, n, dtype=np.uint64)


def as_set(keys: np.ndarray, groups: np.ndarray, docs: np.ndarray) -> set[tuple[int, int, int]]:
    return set(zip(keys.tolist(), groups.tolist(), docs.tolist()))


def test_rows_stay_in_memory_under_the_budget(tmp_path: Path) -> None:
    store = Partitions(tmp_path, max_rows=1000, max_samples=100)
    keys, groups, docs = rows(999, seed=1)
    store.append(keys, groups, docs)
    store.add_samples(Counter([(5, "b"), (5, "a"), (5, "b")]))
    (part,) = store.parts()
    assert store.path is None and list(tmp_path.iterdir()) == []
    assert as_set(part.keys, part.groups, part.docs) == as_set(keys, groups, docs) and part.samples == {
        (5, "b"): 2,
        (5, "a"): 1,
    }


def test_many_rows_in_memory_come_back_by_partition_without_files(tmp_path: Path) -> None:
    store = Partitions(tmp_path, max_rows=1 << 20, max_samples=1 << 16)
    keys, groups, docs = rows(100_000, seed=3)
    store.append(keys, groups, docs)
    store.add_samples(Counter((k, "text") for k in keys[:100].tolist()))
    parts = list(store.parts())
    assert store.path is None and list(tmp_path.iterdir()) == []
    assert len(parts) == 256
    assert sorted(r for p in parts for r in as_set(p.keys, p.groups, p.docs)) == sorted(as_set(keys, groups, docs))
    for part in parts:
        assert {k for k, _ in part.samples} <= set(part.keys.tolist())
    assert len(list(store.parts())) == 256  # and again: parts() leaves the store as it was


def test_spilled_rows_come_back_by_key_and_large_parts_split_again(tmp_path: Path) -> None:
    # 40,000 rows over a budget of 128: the 256 partitions hold ~120 rows each and the
    # heavy key's 10,000 more, so some are split again on the next 8 bits of the key; the
    # heavy key's rows stay whole.
    store = Partitions(tmp_path, max_rows=128, max_samples=64)
    keys, groups, docs = rows(40_000, seed=2)
    for at in (0, 20_000):  # two spills append to the same files
        store.append(keys[at : at + 20_000], groups[at : at + 20_000], docs[at : at + 20_000])
    samples = Counter((k, f"text {k % 7}") for k in keys[:500].tolist())
    store.add_samples(samples)
    parts = list(store.parts())
    assert len(parts) > 256
    seen: set[int] = set()
    for part in parts:
        distinct = set(part.keys.tolist())
        assert not distinct & seen  # a key's rows are all in one part
        seen |= distinct
        assert len(part) <= 128 or distinct == {int(keys[0])}
        assert {k for k, _ in part.samples} <= distinct
    assert sorted(r for p in parts for r in as_set(p.keys, p.groups, p.docs)) == sorted(as_set(keys, groups, docs))
    assert sum(len(p) for p in parts) == len(keys)
    assert sum((p.samples for p in parts), Counter()) == samples
    store.close()
    assert list(tmp_path.iterdir()) == []


def test_doctests() -> None:
    assert doctest.testmod(clean.partitions).failed == 0
