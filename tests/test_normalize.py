import importlib
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import line_token_hashes, normalize, normalized_code_points, token_hashes, tokenize, word_hash

# The module itself (the package exports a function of the same name).
normalize_module = importlib.import_module("dedup.normalize")


def test_quotes_dashes_and_case_fold_together():
    assert tokenize("Kyiv’s “every camp” — 1,500-KM") == tokenize('kyiv\'s "every camp" - 1,500-km')
    assert tokenize("Kyiv’s “every camp” — 1,500-KM") == ["kyiv", "s", "every", "camp", "1", "500", "km"]


def test_nfkc_and_full_case_folding():
    assert normalize("ﬁrst STRASSE Straße") == "first strasse strasse"
    assert tokenize("ΣΊΣΥΦΟΣ") == tokenize("σίσυφος")


def test_scripts_without_spaces_are_one_token_per_character():
    assert tokenize("北京欢迎你 hello") == ["北", "京", "欢", "迎", "你", "hello"]
    assert tokenize("สวัสดีครับ")[:2] == ["ส", "ว"]


def test_other_scripts_keep_their_words():
    assert tokenize("Привет, мир! مرحبا بالعالم") == ["привет", "мир", "مرحبا", "بالعالم"]


def test_emoji_and_symbols_separate_tokens():
    assert tokenize("good😀news © 2024") == ["good", "news", "2024"]


def test_empty_text_has_no_tokens():
    assert tokenize("") == []
    hashes, starts = token_hashes(normalized_code_points(" \n\t— "))
    assert hashes.size == 0 and starts.size == 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_code_points_match_the_string_normalisation(text):
    assert normalized_code_points(text).tolist() == [ord(c) for c in normalize(text)]


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
    with mock.patch.object(normalize_module, "_PIECE", piece):
        hashes, line_starts = line_token_hashes(text)
    assert (hashes.tolist(), line_starts.tolist()) == _whole_text_tokens(text)


def test_a_long_line_is_cut_into_pieces_with_the_same_tokens():
    line = "Zelensky’s “every camp” — 1,500 km; e\u0301te\u0301 ≠ =\u0338 北京欢迎你。 " * 20_000
    text = f"Title\n\n{line}\nlast line"
    assert len(normalize_module._pieces(text)) > 1
    hashes, line_starts = line_token_hashes(text)
    assert (hashes.tolist(), line_starts.tolist()) == _whole_text_tokens(text)
    assert line_starts[:2].tolist() == [0, 1] and line_starts[-1] - line_starts[-2] == 2  # "last line"
