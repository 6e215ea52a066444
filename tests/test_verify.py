import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.verify import overlap, similarity

sets = st.sets(st.integers(min_value=0, max_value=2**32 - 1), max_size=60)


@given(sets, sets)
def test_matches_python_sets(a, b):
    arr_a = np.array(sorted(a), dtype=np.uint32)
    arr_b = np.array(sorted(b), dtype=np.uint32)
    common = len(a & b)
    assert overlap(arr_a, arr_b) == common
    sim = similarity(arr_a, arr_b)
    union = len(a | b)
    assert sim.jaccard == (common / union if union else 0.0)
    smaller = min(len(a), len(b))
    assert sim.containment == (common / smaller if smaller else 0.0)


def test_abridged_copy_is_contained():
    full = np.arange(100, dtype=np.uint32)
    sim = similarity(full, full[:50])
    assert sim.jaccard == 0.5 and sim.containment == 1.0
