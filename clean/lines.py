"""Pure per-line helpers: matching normalisation, stable hashes, cheap language and shape tests.

Normalisation here is for matching only (hashing, duplicate tests); it never reaches the
cleaned output.
"""

from __future__ import annotations

import hashlib
import re

__all__ = [
    "HUGE_LINE_CHARS",
    "TERMINAL",
    "EN_MIN_SHARE",
    "english_share",
    "english_words",
    "is_english",
    "normalise",
    "normalise_lines",
    "key",
    "key_hash",
    "line_keys",
    "segments",
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


# Text is encoded to UTF-8 once; ASCII letters are lower-cased and the common non-ASCII
# punctuation (_FANCY, caseless) becomes spaces on the bytes, and every ASCII byte that is
# not a letter or digit becomes a space (or is deleted, for matching keys) in one C-level
# translate. str.lower costs about 60 instructions a character on text that is not pure
# ASCII (curly quotes are enough), the bytes path a few; only lines with other non-ASCII
# characters (accents, other scripts) are lower-cased as text, line by line. Lone
# surrogates (undecodable bytes kept by the reader) pass through as themselves.
_FOLD = _fold_table()
# The matching key drops what the fold turns into spaces: every ASCII byte that is not a
# letter or digit (except the newline), and the non-ASCII characters str.split takes for
# spaces.
_DELETE = bytes(c for c in range(128) if chr(c) != "\n" and not chr(c).isalnum())
_UNICODE_SPACE = re.compile("[\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_FANCY = "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2013\u2014\u2015\u2026\u00b7\u2022\u00a0\u2039\u203a\u00a9\u00ae\u2122"


def _lowered(text: str, low_lines: bool) -> tuple[list[str] | None, list[bytes]]:
    """Per ``text.split("\n")`` line: the line as ``str.lower`` gives it (if
    ``low_lines``), and the line lower-cased with the common punctuation as spaces, in
    UTF-8."""
    if text.isascii():
        low = text.encode("ascii").lower()
        return (low.decode("ascii").split("\n") if low_lines else None), low.split(b"\n")
    spaced = text
    for ch in _FANCY:
        if ch in spaced:
            spaced = spaced.replace(ch, " ")
    data = spaced.encode("utf-8", "surrogatepass")
    lines = data.lower().split(b"\n")
    lows = None
    if low_lines:
        lows = text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass").split("\n")
    if not data.isascii():
        raw = text.split("\n")
        for k, line in enumerate(lines):
            if not line.isascii():
                low = raw[k].lower()
                if lows is not None:
                    lows[k] = low
                for ch in _FANCY:
                    if ch in low:
                        low = low.replace(ch, " ")
                lines[k] = low.encode("utf-8", "surrogatepass")
    return lows, lines


def lower_and_normalise(text: str) -> tuple[list[str], list[list[str]]]:
    r"""Every ``text.split("\n")`` line lower-cased (exactly as ``str.lower``), and its
    words for matching (see :func:`normalise_lines`).

    >>> lower_and_normalise("HELLO, World!\nBYE")
    (['hello, world!', 'bye'], [['hello', 'world'], ['bye']])
    """
    lows, lines = _lowered(text, True)
    folded = b"\n".join(lines).translate(_FOLD).decode("utf-8", "surrogatepass").split("\n")
    return lows, [line.split() for line in folded]  # type: ignore[return-value]


def normalise_lines(text: str) -> list[list[str]]:
    r"""The words of every line of ``text`` for matching: lower-cased, punctuation gone.

    One list of words per ``text.split("\n")`` line; join them with spaces for the
    normalised line.

    >>> normalise_lines("  \u201cHello,\u201d she said \u2014 it's   OK!\n\nBye")
    [['hello', 'she', 'said', 'it', 's', 'ok'], [], ['bye']]
    """
    return lower_and_normalise(text)[1]


def line_keys(text: str) -> list[bytes]:
    r"""The matching key of every ``text.split("\n")`` line: its normalised words joined
    without separators, in UTF-8 (so ``key(words)`` of the words ``normalise_lines`` gives).
    Punctuation and spaces are deleted in one C-level pass, with no split of each line.

    >>> line_keys("  \u201cHello,\u201d she said \u2014 it's   OK!\n\nBye")
    [b'helloshesaiditsok', b'', b'bye']
    """
    _, lines = _lowered(text, False)
    keys = b"\n".join(lines).translate(None, _DELETE).split(b"\n")
    for k, line in enumerate(keys):
        if not line.isascii():
            decoded = line.decode("utf-8", "surrogatepass")
            if _UNICODE_SPACE.search(decoded):
                keys[k] = _UNICODE_SPACE.sub("", decoded).encode("utf-8", "surrogatepass")
    return keys


def key(words: list[str]) -> bytes:
    """The matching key of a line from its normalised words (see :func:`line_keys`).

    >>> key(["hello", "world"])
    b'helloworld'
    """
    return "".join(words).encode("utf-8", "surrogatepass")


def key_hash(key: bytes) -> int:
    """Stable 64-bit hash of a line's matching key (the same in every process and run).

    >>> key_hash(b"helloworld") == key_hash(key(["hello", "world"]))
    True
    """
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


# A line longer than this cannot be navigation, a prompt or any other page chrome (the longest
# legal notices run to a few thousand characters): it is content, and the cleaner neither
# normalises nor matches it, so that a 100 MB one-line file costs a scan for newlines only.
HUGE_LINE_CHARS = 100_000


def segments(text: str, limit: int = HUGE_LINE_CHARS) -> list[tuple[int, int, int, bool]]:
    r"""Split ``text`` into runs of ordinary lines and lines longer than ``limit``
    characters: (first line index, start, end, huge) with ``text[start:end]`` the run
    (without the newline that ends it). Costs a scan for newlines, no copy.

    >>> segments("ab\ncd\n" + "x" * 12 + "\nef", limit=10)
    [(0, 0, 5, False), (2, 6, 18, True), (3, 19, 21, False)]
    >>> segments("short text")
    [(0, 0, 10, False)]
    """
    n = len(text)
    if n <= limit:
        return [(0, 0, n, False)]
    out: list[tuple[int, int, int, bool]] = []
    line = run_line = 0  # index of the line at ``pos``, and of the first line of the run
    run = pos = 0
    while n - pos > limit:
        j = text.rfind("\n", pos, pos + limit + 1)
        if j >= 0:  # every line that ends in this window is short
            line += text.count("\n", pos, j + 1)
            pos = j + 1
            continue
        end = text.find("\n", pos)
        end = n if end < 0 else end
        if pos > run:
            out.append((run_line, run, pos - 1, False))
        out.append((line, pos, end, True))
        if end == n:
            return out
        pos = run = end + 1
        line += 1
        run_line = line
    out.append((run_line, run, n, False))
    return out


def normalise(line: str) -> str:
    """A line's words, lower-cased, punctuation gone, joined by single spaces.

    >>> normalise("  \u201cHello,\u201d she said \u2014 it's   OK! ")
    'hello she said it s ok'
    """
    return " ".join(normalise_lines(line.replace("\n", " "))[0])


def word_count(line: str) -> int:
    """Number of word tokens (runs of letters/digits) in a line.

    >>> word_count("It's 3 p.m. — time")
    6
    """
    return len(_WORD.findall(line))


def english_words(words: list[str]) -> int:
    """How many of the normalised words are English function words.

    >>> english_words("the cat sat on the mat".split())
    3
    """
    return sum(map(_EN_FUNCTION.__contains__, words))


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
