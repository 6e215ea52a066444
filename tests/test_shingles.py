import importlib
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import normalized_code_points, token_hashes
from dedup.shingles import shingle_hash, shingle_hashes, shingles

shingles_module = importlib.import_module("dedup.shingles")


def _hashes(text, n):
    words, _ = token_hashes(normalized_code_points(text))
    return shingle_hashes(words, n).tolist()


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=7))
def test_vectorised_shingles_match_the_reference(text, n):
    assert _hashes(text, n) == [shingle_hash(s) for s in shingles(text, n)]


def test_short_text_is_one_shingle_and_empty_text_none():
    assert shingles("North Korean troops", 5) == [("north", "korean", "troops")]
    assert len(_hashes("North Korean troops", 5)) == 1
    assert _hashes("  — ", 5) == []


def test_word_order_matters_and_spelling_variants_do_not():
    assert _hashes("troops come under fire", 4) != _hashes("fire come under troops", 4)
    assert _hashes("Kyiv’s “camp”", 3) == _hashes('KYIV\'S "CAMP"', 3)


def test_hashes_are_32_bit():
    assert all(0 <= h < 2**32 for h in _hashes("one two three four five six seven", 2))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=4))
def test_shingles_hashed_in_blocks_match_the_reference(text, n, block):
    with mock.patch.object(shingles_module, "_BLOCK", block):
        assert _hashes(text, n) == [shingle_hash(s) for s in shingles(text, n)]
