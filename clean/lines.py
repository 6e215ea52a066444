"""Pure per-line helpers: matching normalisation, stable hashes, cheap language and shape tests.

Normalisation here is for matching only (hashing, duplicate tests); it never reaches the
cleaned output.
"""

from __future__ import annotations

import hashlib
import re

__all__ = [
    "TERMINAL",
    "EN_MIN_SHARE",
    "english_share",
    "is_english",
    "line_hash",
    "normalise",
    "normalise_lines",
    "word_count",
]

_WORD = re.compile(r"\w+")
_EN_WORD = re.compile(r"[a-z]+")

# Closing punctuation of a sentence, in several scripts, possibly followed by quotes/brackets.
TERMINAL = frozenset(".!?…。！？؟।:;")
_CLOSERS = "\"'”’»)]*"

# English function words that are rare as whole words in other Latin-script languages
# ("a", "in", "die", "of"-like words are left out on purpose).
_EN_FUNCTION = frozenset(
    "the and of to is that for with was are this by from have has were will would which"
    " their they been but not it its you your our he she his her we an at on be or as".split()
)

# An English text has about 35-45 % function words of this list among its tokens; French,
# German, Polish, Spanish, Portuguese, Italian text scored 0-6 % (checked on the non-English
# pages of the eval sets), navigation-heavy English dumps still 15 % or more.
EN_MIN_SHARE = 0.12
# Enough text to decide; longer documents are judged on their start.
_SAMPLE_CHARS = 6000


def _fold_table() -> bytes:
    table = bytearray(range(256))
    for c in range(128):
        ch = chr(c)
        if ch != "\n" and not ch.isalnum():
            table[c] = 0x20
    return bytes(table)


# Lower-cased text is encoded to UTF-8 and every ASCII byte that is not a letter or digit
# becomes a space in one C-level pass (str.translate and re.sub cost 3-4 times more per
# character); common non-ASCII punctuation is replaced first.
_FOLD = _fold_table()
_FANCY = "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2013\u2014\u2015\u2026\u00b7\u2022\u00a0\u2039\u203a\u00a9\u00ae\u2122"


def normalise_lines(text: str) -> list[list[str]]:
    r"""The words of every line of ``text`` for matching: lower-cased, punctuation gone.

    One list of words per ``text.split("\n")`` line; join them with spaces for the
    normalised line.

    >>> normalise_lines("  \u201cHello,\u201d she said \u2014 it's   OK!\n\nBye")
    [['hello', 'she', 'said', 'it', 's', 'ok'], [], ['bye']]
    """
    low = text.lower()
    if not low.isascii():
        for ch in _FANCY:
            if ch in low:
                low = low.replace(ch, " ")
    return [line.split() for line in low.encode("utf-8").translate(_FOLD).decode("utf-8").split("\n")]


def normalise(line: str) -> str:
    """A line's words, lower-cased, punctuation gone, joined by single spaces.

    >>> normalise("  \u201cHello,\u201d she said \u2014 it's   OK! ")
    'hello she said it s ok'
    """
    return " ".join(normalise_lines(line.replace("\n", " "))[0])


def line_hash(normalised: str) -> int:
    """Stable 64-bit hash of a normalised line (the same in every process and run).

    >>> line_hash("hello world") == line_hash("hello world")
    True
    """
    return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest(), "little")


def word_count(line: str) -> int:
    """Number of word tokens (runs of letters/digits) in a line.

    >>> word_count("It's 3 p.m. — time")
    6
    """
    return len(_WORD.findall(line))


def english_share(words: list[str]) -> float:
    """Share of English function words among normalised words.

    >>> english_share("the cat sat on the mat".split())
    0.5
    """
    return sum(map(_EN_FUNCTION.__contains__, words)) / len(words) if words else 0.0


def is_english(text: str) -> bool:
    """True when the text reads as English (by the share of English function words).

    >>> is_english("The cat sat on the mat and looked at the door of the house.")
    True
    >>> is_english("Der Hund schläft auf dem Sofa und wartet auf seinen Besitzer.")
    False
    """
    return english_share(text[:_SAMPLE_CHARS].lower().split()) >= EN_MIN_SHARE


def ends_sentence(stripped: str) -> bool:
    """True when a stripped line ends like a sentence (terminal punctuation, maybe quoted).

    >>> ends_sentence('He said "yes."'), ends_sentence("A headline"), ends_sentence("(see below)")
    (True, False, False)
    """
    s = stripped.rstrip(_CLOSERS)
    return bool(s) and s[-1] in TERMINAL
