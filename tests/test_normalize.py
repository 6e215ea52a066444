import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import normalize, normalized_code_points, token_hashes, tokenize, word_hash


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
