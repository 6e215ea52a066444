import numpy as np
import pytest

from dedup import lsh
from dedup.lsh import SORT_ROW_BYTES, LSHParams, band_keys, buckets, collision_probability, lsh_params
from dedup.spill import BandKeys


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_params_reach_the_recall_at_the_threshold(threshold, num_perm):
    p = lsh_params(threshold, num_perm)
    assert p.bands * p.rows <= num_perm
    assert p.collision_probability(threshold) >= 0.98
    if threshold >= 0.5 and num_perm >= 128:  # ...and stay selective well below it
        assert p.collision_probability(threshold / 4) < 0.1


def test_s_curve():
    assert collision_probability(1.0, 5, 3) == 1.0
    assert collision_probability(0.0, 5, 3) == 0.0
    assert collision_probability(0.5, 1, 1) == 0.5


def test_band_keys_equal_exactly_when_the_band_is_equal():
    params = LSHParams(bands=4, rows=3)
    sig = np.arange(24, dtype=np.uint32).reshape(2, 12)
    sig[1, 3:6] = sig[0, 3:6]  # band 1 equal
    keys = band_keys(sig, params)
    assert keys.shape == (2, 4)
    assert [keys[0, b] == keys[1, b] for b in range(4)] == [False, True, False, False]


def test_buckets_hold_the_rows_that_share_a_key():
    keys = np.array([[1, 10], [2, 20], [1, 30], [3, 20], [4, 40]], dtype=np.uint64)
    b = buckets(keys)
    assert sorted(b.members().values()) == [[0, 2], [1, 3]]
    assert b.of(4) == []  # alone in every band


def test_equal_keys_in_different_bands_are_different_buckets():
    keys = np.array([[7, 8], [8, 7]], dtype=np.uint64)
    assert buckets(keys).members() == {}


def test_a_huge_bucket_costs_one_entry_per_member():
    n = 5000
    b = buckets(np.zeros((n, 2), dtype=np.uint64))
    assert b.ids.size == 2 * n  # not n * (n - 1) / 2 pairs
    assert [len(m) for m in b.members().values()] == [n, n]


def test_no_keys_no_buckets():
    b = buckets(np.zeros((0, 3), dtype=np.uint64))
    assert b.members() == {} and b.offsets.tolist() == [0]


def _reference_buckets(keys):
    """Buckets as the first version found them: every band's runs, then one sort by row."""
    rows, ids, base = [], [], 0
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        run = np.cumsum(np.concatenate(([True], ordered[1:] != ordered[:-1]))) - 1
        sizes = np.bincount(run)
        rows.append(order[sizes[run] > 1])
        ids.append(run[sizes[run] > 1] + base)
        base += sizes.size
    row, bucket = np.concatenate(rows), np.concatenate(ids)
    by_row = np.lexsort((bucket, row))
    # the same buckets in the same order, numbered from 0
    return np.searchsorted(row[by_row], np.arange(keys.shape[0] + 1)), np.unique(bucket, return_inverse=True)[1][by_row]


@pytest.mark.parametrize("memory", [None, 1 << 30, 2_000, 100, 1])
def test_buckets_are_the_same_sorted_in_memory_or_on_disk(memory):
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 300, (2_000, 5)).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # many shared
    offsets, ids = _reference_buckets(keys)
    store = BandKeys(5)
    store.append(keys[:700])
    store.append(keys[700:])
    for source in (keys, store):
        b = buckets(source, memory=memory)
        assert np.array_equal(b.offsets, offsets) and np.array_equal(b.ids, ids)
    rows = rng.permutation(2_000)[:900]
    expected = buckets(keys[rows])
    for source in (keys, store):
        b = buckets(source, rows, memory=memory)
        assert np.array_equal(b.offsets, expected.offsets) and np.array_equal(b.ids, expected.ids)
    store.close()


def test_a_band_too_big_for_the_budget_is_sorted_in_key_ranges(monkeypatch):
    cut = []
    real = lsh._band

    def counting(column):
        cut.append(column.size)
        return real(column)

    monkeypatch.setattr(lsh, "_band", counting)
    keys = np.random.default_rng(4).integers(0, 2**64 - 1, (4_000, 1), dtype=np.uint64)
    keys[::2] = keys[1::2]  # every key twice
    b = buckets(keys, memory=1_000 * SORT_ROW_BYTES)
    assert len(cut) > 1 and max(cut) < 4_000  # a range at a time, not the whole band
    assert sorted(b.members().values()) == [[k, k + 1] for k in range(0, 4_000, 2)]
