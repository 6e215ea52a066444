import importlib
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clean.tokens import normalized_code_points, tokenize
from dedup.shingles import line_token_hashes, shingle_hash, shingle_hashes, shingles, token_hashes, word_hash

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


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_vectorised_token_hashes_match_the_reference(text):
    hashes, _ = token_hashes(normalized_code_points(text))
    assert hashes.tolist() == [word_hash(t) for t in tokenize(text)]


def test_long_text_is_hashed_in_pieces_with_the_same_result():
    line = "Ukraine’s forces clashed with North Korean troops in Kursk. " * 40
    text = "\n".join([line] * 600)  # about 1.4 M code points, more than one piece
    hashes, starts = token_hashes(normalized_code_points(text))
    one, _ = token_hashes(normalized_code_points(line))
    assert hashes.size == one.size * 600
    assert np.array_equal(hashes[: one.size], one)
    assert np.all(np.diff(starts) > 0)


def _whole_text_tokens(text):
    """Token hashes of a text normalised all at once, and the first token of each line
    (the reference)."""
    cps = normalized_code_points(text)
    hashes, starts = token_hashes(cps)
    token_line = np.searchsorted(np.flatnonzero(cps == 10), starts)
    return hashes.tolist(), np.searchsorted(token_line, np.arange(text.count("\n") + 2)).tolist()


# Characters that try the cuts between pieces: the cut points themselves, letters that
# compose with a following mark (e + U+0301, = + U+0338, か + U+3099), Hangul jamo, Thai
# with its marks (U+0E33 changes under NFKC), Khmer, ideographs and kana.
_TRICKY = " \n.,;:!?。，、！？；：=<e\u0301\u0338\u0308\u1100\u1161\u11a8北京の子か\u3099ßΣﬁ①กข\u0e31\u0e33ក"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=60), st.integers(1, 8))
def test_text_normalised_in_pieces_gives_the_whole_text_tokens_and_lines(text, piece):
    with mock.patch.object(shingles_module, "_PIECE", piece):
        hashes, line_starts = line_token_hashes(text)
    assert (hashes.tolist(), line_starts.tolist()) == _whole_text_tokens(text)


def test_a_long_line_is_cut_into_pieces_with_the_same_tokens():
    line = "Zelensky’s “every camp” — 1,500 km; e\u0301te\u0301 ≠ =\u0338 北京欢迎你。 " * 20_000
    text = f"Title\n\n{line}\nlast line"
    assert len(shingles_module._pieces(text)) > 1
    hashes, line_starts = line_token_hashes(text)
    assert (hashes.tolist(), line_starts.tolist()) == _whole_text_tokens(text)
    assert line_starts[:2].tolist() == [0, 1] and line_starts[-1] - line_starts[-2] == 2  # "last line"
