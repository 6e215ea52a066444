"""One definition of a word: every fast path of clean.tokens, and dedup's token hashes, give
the words that char_class defines, for any text."""

import doctest
import importlib
import unicodedata
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clean.lines import key
from clean.tokens import (
    SEPARATOR,
    SINGLE,
    WORD,
    char_class,
    line_keys,
    line_words,
    normalize,
    normalized_code_points,
    token_spans,
    tokenize,
)
from dedup.shingles import line_token_hashes, word_hash

# The module itself (clean re-exports nothing from it under the same name, but the tests
# patch its constants).
tokens = importlib.import_module("clean.tokens")


def reference_words(text: str) -> list[str]:
    """The words of ``text`` straight from the definition: a loop over ``char_class``."""
    words: list[str] = []
    current = ""
    for ch in normalize(text):
        cls = char_class(ch)
        if cls != WORD and current:
            words.append(current)
            current = ""
        if cls == SINGLE:
            words.append(ch)
        elif cls == WORD:
            current += ch
    return words + [current] if current else words


# Characters that try the definition and its fast paths: white space of every kind, format
# characters (soft hyphen, zero-width joiners, a direction mark, the byte order mark), quotes
# and dashes, NFKC changes (ellipsis, ligature, full width, fractions, trade mark), case
# folds to several characters, letters that compose with a following mark (e + U+0301,
# = + U+0338, か + U+3099), Hangul jamo, scripts without spaces (Han, kana, Thai with its
# marks, Khmer), planes 2 and 3 (an ideograph of extension B, a code point of extension I
# that this Python's Unicode data does not know), and above them a tag, a variation
# selector (a mark) and private use.
TRICKY = (
    " \n\t\r\x0b\x0c\x1c\x85\xa0\u2009\u200b\u3000\u2028\xad\u200c\u200d\u200e\ufeff"
    "'\"‘’“”„«»-‐‑–—―…·•_™©®½²①Ａｆ"
    "aZé1e\u0301=\u0338<ßẞΣςİǅﬁ\u1100\u1161\u11a8"
    "北京の子か\u3099กข\u0e31\u0e33ក。、，"
    "\U00020000\U0002ebf0\U000e0067\U000e0100\U000f0000😀"
)
ANY_TEXT = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(exclude_categories=("Cs",)), max_size=80)


def test_doctests() -> None:
    assert doctest.testmod(tokens).failed == 0


def test_quotes_dashes_and_case_fold_together() -> None:
    assert tokenize("Kyiv’s “every camp” — 1,500-KM") == tokenize('kyiv\'s "every camp" - 1,500-km')
    assert tokenize("Kyiv’s “every camp” — 1,500-KM") == ["kyiv", "s", "every", "camp", "1", "500", "km"]


def test_nfkc_and_full_case_folding() -> None:
    assert normalize("ﬁrst STRASSE Straße") == "first strasse strasse"
    assert tokenize("ΣΊΣΥΦΟΣ") == tokenize("σίσυφος")
    assert tokenize("Über Straße\u00a0…") == ["über", "strasse"]


def test_scripts_without_spaces_are_one_word_per_character() -> None:
    assert tokenize("北京欢迎你 hello") == ["北", "京", "欢", "迎", "你", "hello"]
    assert tokenize("สวัสดีครับ")[:2] == ["ส", "ว"]
    assert tokenize("\U00020000\U0002ebf0") == ["\U00020000", "\U0002ebf0"]


def test_other_scripts_keep_their_words() -> None:
    assert tokenize("Привет, мир! مرحبا بالعالم") == ["привет", "мир", "مرحبا", "بالعالم"]


def test_emoji_and_symbols_separate_words() -> None:
    assert tokenize("good😀news © 2024") == ["good", "news", "2024"]
    assert tokenize("a\U000f0000b ½") == ["a", "b", "1", "2"]  # private use; NFKC's 1⁄2
    assert tokenize("a\U000e0100b") == ["a\U000e0100b"]  # a variation selector is a mark


def test_format_characters_vanish() -> None:
    # A soft hyphen, a zero-width space, a direction mark or a tag shows nothing: the
    # words read as if it were not there.
    assert tokenize("Jür\u00adgen a\u200bb \u200fc\U000e0067d") == ["jürgen", "ab", "cd"]
    assert line_keys("Stra\u00adße\n\ufeffx") == [b"strasse", b"x"]
    assert normalized_code_points("\u00ad\u200d").size == 0
    assert line_words("\u00ad\n\u200d") == [[], []] and line_keys("\u00ad") == [b""]


def test_lone_surrogates_separate_words() -> None:
    # undecodable bytes the reader keeps as lone surrogates
    assert line_words("caf\udce9 ok\nx") == [["caf", "ok"], ["x"]]
    assert line_keys("caf\udce9 ok\nx") == [b"cafok", b"x"]


def test_empty_text_has_no_words() -> None:
    assert tokenize("") == [] and line_words("") == [[]] and line_keys("") == [b""]
    starts, ends = token_spans(normalized_code_points(" \n\t— "))
    assert starts.size == 0 and ends.size == 0


def test_class_table_is_char_class_for_every_code_point() -> None:
    table = tokens._class_table()[: tokens._TABLE_SIZE]
    expected = np.fromiter(map(char_class, map(chr, range(table.size))), dtype=np.uint8, count=table.size)
    assert np.array_equal(table, expected)
    high = np.array([0x40000, 0xE0001, 0xE0067, 0xE0100, 0xE01EF, 0xF0000, 0x10FFFF], dtype=np.uint32)
    cls, top = tokens._classes(high)
    assert cls.tolist() == [char_class(chr(c)) for c in high.tolist()]
    assert cls.tolist() == [SEPARATOR, SEPARATOR, SEPARATOR, WORD, WORD, SEPARATOR, SEPARATOR] and top == WORD


def test_line_tables_follow_the_definition() -> None:
    # One lookup from a code point of NFKC text to what the cleaner's lines hold: its case
    # folding, format characters dropped, classified.
    spaced, joined = tokens._line_tables()
    multi, drop = tokens._MULTI, tokens._DROP
    for c in range(tokens._FOLD_SIZE):
        folded = "".join(ch for ch in chr(c).casefold() if unicodedata.category(ch) != "Cf")
        if c == 0x0A:
            assert spaced[c] == joined[c] == c
        elif len(folded) != 1:  # folds to several characters, or a format character
            assert spaced[c] == multi and joined[c] == (drop if folded == "" else multi)
        elif char_class(folded) == SEPARATOR:
            assert spaced[c] == 0x20 and joined[c] == drop
        elif char_class(folded) == SINGLE:
            assert spaced[c] == multi and joined[c] == ord(folded)
        else:
            assert spaced[c] == joined[c] == ord(folded)
    assert spaced[-1] == joined[-1] == multi  # where higher code points land


def test_ascii_tables_follow_the_definition() -> None:
    spaced, separators = tokens._ascii_tables()
    for c in range(128):
        ch = chr(c)
        if ch == "\n":
            assert spaced[c] == c and c not in separators
        elif char_class(ch) == SEPARATOR:
            assert spaced[c] == 0x20 and c in separators
        else:
            assert chr(spaced[c]) == normalize(ch) and c not in separators


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_code_points_match_the_string_normalisation(text: str) -> None:
    assert normalized_code_points(text).tolist() == [ord(c) for c in normalize(text)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=60))
def test_fast_nfkc_is_nfkc(text: str) -> None:
    assert tokens._nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=500, deadline=None)
@given(ANY_TEXT | st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_clean_line_words_and_dedup_tokens_are_the_definition(text: str) -> None:
    # The same words, line by line, from the definition (a loop over char_class), the
    # cleaner's fast paths (bytes translate or numpy, then str.split) and dedup's token
    # hashes (numpy spans over the code points, hashed without building strings).
    expected = [reference_words(line) for line in text.split("\n")]
    assert line_words(text) == expected
    assert tokenize(text) == [w for words in expected for w in words]
    assert line_keys(text) == [key(words) for words in expected]
    hashes, starts = line_token_hashes(text)
    assert hashes.tolist() == [word_hash(w) for words in expected for w in words]
    assert np.diff(starts).tolist() == [len(words) for words in expected]


@settings(max_examples=200, deadline=None)
@given(st.lists(ANY_TEXT, max_size=6), st.integers(1, 30))
def test_long_texts_in_pieces_give_the_same_words(lines: list[str], piece: int) -> None:
    text = "\n".join(lines)
    whole = line_words(text), line_keys(text)
    with mock.patch.object(tokens, "_PIECE", piece):
        assert (line_words(text), line_keys(text)) == whole


def test_a_long_text_is_cut_at_line_ends() -> None:
    text = "Zelensky’s “camp” — 北京。\n" * 3
    with mock.patch.object(tokens, "_PIECE", 10):
        assert tokens._line_pieces(text) == ["Zelensky’s “camp” — 北京。\n"] * 3
        assert tokens._line_pieces("no newline at all") == ["no newline at all"]
