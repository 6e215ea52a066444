import numpy as np
import pytest

from dedup.lsh import LSHParams, band_keys, buckets, collision_probability, lsh_params


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
