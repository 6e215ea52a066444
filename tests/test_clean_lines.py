"""Lower-cased lines and their words, stable key hashes, sentence ends, and huge lines."""

import doctest

from hypothesis import given, settings
from hypothesis import strategies as st

import clean.lines as lines
from clean.lines import (
    ends_sentence,
    key,
    key_hash,
    lower_and_words,
    segments,
)
from clean.tokens import line_keys, line_words, tokenize


def test_doctests() -> None:
    assert doctest.testmod(lines).failed == 0


def test_lower_and_words_keep_one_entry_per_line() -> None:
    text = "First line.\n\n  Second — line  \nÜber Straße ΣΑΣ"
    lows, words = lower_and_words(text)
    assert lows == text.lower().split("\n")
    assert words == line_words(text)
    assert words[0] == ["first", "line"]
    assert words[1] == []
    assert words[3] == ["über", "strasse", "σασ"]  # case folding, not str.lower: matching only


KEY_HASH = 3586770945095222925  # blake2b, 8 bytes, little-endian, of b"allrightsreserved"


def test_key_hash_is_stable_across_runs() -> None:
    # A fixed value: the hash must not depend on PYTHONHASHSEED or the process (corpus
    # statistics are learned in worker processes and may be stored).
    assert key_hash(b"allrightsreserved") == KEY_HASH
    assert key_hash(key(line_words("All rights reserved.")[0])) == KEY_HASH
    assert 0 <= key_hash(b"x") < 2**64


def test_ends_sentence() -> None:
    assert ends_sentence("It rained.")
    assert ends_sentence("“Really?”")
    assert ends_sentence("彼は言った。")
    assert not ends_sentence("Ukrainian president on North Korean soldiers")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "ab cd", "x" * 9, "x" * 10, "y" * 11, "z" * 25]), max_size=12))
def test_segments_cover_every_line_and_find_the_long_ones(lines: list[str]) -> None:
    text = "\n".join(lines)
    rebuilt: list[str] = []
    for first, start, end, huge in segments(text, limit=10):
        part = [text[start:end]] if huge else text[start:end].split("\n")
        assert first == len(rebuilt)
        rebuilt += part
    assert rebuilt == text.split("\n")
    long_ones = {k for k, line in enumerate(lines) if len(line) > 10}
    assert long_ones == {first for first, _, _, huge in segments(text, limit=10) if huge}


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("aZ é’—,.\n\t\x85\u2009\u2010\u3000\xa0\u00c9\u0130\u03a3\udcff")), max_size=40
    )
)
def test_line_keys_are_the_keys_of_the_line_words(text: str) -> None:
    # fingerprints use line_keys, the cleaner key(words): they must agree on every line
    assert line_keys(text) == [key(words) for words in lower_and_words(text)[1]]
    assert [" ".join(words) for words in line_words(text)] == [" ".join(tokenize(line)) for line in text.split("\n")]
