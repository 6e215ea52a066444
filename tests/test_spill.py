import numpy as np
import pytest

from dedup.spill import BandKeys, Partitions, Spill


def test_spill_reads_back_what_was_appended():
    with Spill() as spill:
        a, b = spill.append(b"hello"), spill.append(b"world!")
        assert spill.read(b, 6) == b"world!" and spill.read(a, 5) == b"hello"
        assert spill.size == 11
        with pytest.raises(OSError, match="truncated"):
            spill.read(a, 100)


def _keys(n, bands, seed=0):
    return np.random.default_rng(seed).integers(0, 2**64 - 1, (n, bands), dtype=np.uint64)


def test_band_keys_read_like_the_array_they_hold():
    keys = _keys(50, 4)
    store = BandKeys(4)
    for start in range(0, 50, 7):  # appended a batch at a time
        store.append(keys[start : start + 7])
    rows = np.array([49, 0, 3, 3])
    assert store.shape == (50, 4) and len(store) == 50
    assert np.array_equal(store[:, 2], keys[:, 2])
    assert np.array_equal(store[rows, 1], keys[rows, 1])
    assert np.array_equal(store[rows], keys[rows])
    assert np.array_equal(store[keys[:, 0] > keys[:, 1]], keys[keys[:, 0] > keys[:, 1]])
    assert np.array_equal(np.asarray(store), keys)
    store.append(keys[:2])  # appending after reading goes on at the end
    assert np.array_equal(store.band(3), np.concatenate([keys[:, 3], keys[:2, 3]]))
    store.close()


def test_band_keys_refuse_what_is_not_a_band():
    store = BandKeys(3)
    store.append(_keys(4, 3))
    with pytest.raises(ValueError, match=r"shape \(rows, 3\); got \(4, 2\)"):
        store.append(_keys(4, 2))
    with pytest.raises(IndexError, match="one band at a time"):
        store[:, 0:2]
    store.close()


def test_partitions_keep_the_pairs_of_each_part_in_order():
    with Partitions(3) as parts:
        parts.append(1, np.array([5, 6], dtype=np.uint64), np.array([0, 1]))
        parts.append(0, np.array([9], dtype=np.uint64), np.array([2]))
        parts.append(1, np.array([4], dtype=np.uint64), np.array([3]))
        keys, rows = parts.read(1)
        assert keys.tolist() == [5, 6, 4] and rows.tolist() == [0, 1, 3]
        assert [a.size for a in parts.read(2)] == [0, 0]


def test_band_keys_take_any_number_of_bands_in_one_file(monkeypatch):
    from dedup import spill

    monkeypatch.setattr(spill, "BLOCK_ROWS", 5)  # several blocks, and rows still waiting
    keys = _keys(23, 2000)
    store = BandKeys(2000)
    for start in range(0, 23, 4):
        store.append(keys[start : start + 4])
    assert np.array_equal(store[:, 1999], keys[:, 1999]) and np.array_equal(store[[22, 0], 7], keys[[22, 0], 7])
    store.close()
