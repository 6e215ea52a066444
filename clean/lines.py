"""Pure per-line helpers: lower-cased lines, stable matching-key hashes, cheap language and
shape tests.

What a word is, and the matching normalisation, live in :mod:`clean.tokens` (shared with
dedup); matching normalisation never reaches the cleaned output.
"""

from __future__ import annotations

import hashlib

from .tokens import line_words

__all__ = [
    "HUGE_LINE_CHARS",
    "TERMINAL",
    "key",
    "key_hash",
    "lower_and_words",
    "segments",
]

# Closing punctuation of a sentence, in several scripts, possibly followed by quotes/brackets.
TERMINAL = frozenset(".!?…。！？؟।:;")
_CLOSERS = "\"'”’»)]*"


def lower_and_words(text: str) -> tuple[list[str], list[list[str]]]:
    r"""Every ``text.split("\n")`` line lower-cased (exactly as ``str.lower``, for the rules'
    patterns), and its words (:func:`clean.tokens.line_words`, for matching).

    >>> lower_and_words("HELLO, World!\nBYE")
    (['hello, world!', 'bye'], [['hello', 'world'], ['bye']])
    """
    return text.lower().split("\n"), line_words(text)


def key(words: list[str]) -> bytes:
    """The matching key of a line from its words (:func:`clean.tokens.line_keys` gives the
    key of every line of a text at once).

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


def ends_sentence(stripped: str) -> bool:
    """True when a stripped line ends like a sentence (terminal punctuation, maybe quoted).

    >>> ends_sentence('He said "yes."'), ends_sentence("A headline"), ends_sentence("(see below)")
    (True, False, False)
    """
    s = stripped.rstrip(_CLOSERS)
    return bool(s) and s[-1] in TERMINAL
