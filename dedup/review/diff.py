"""Word-level differences between two texts, for side-by-side views."""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher

__all__ = ["word_diff"]

# Words compared at most per text: a diff of two 20,000-word texts would take seconds
# (SequenceMatcher is quadratic at worst); the rest is shown as one change.
MAX_WORDS = 5000


def word_diff(kept: str, member: str) -> list[list[str]]:
    """``[op, text]`` runs turning ``kept`` into ``member``: ``=`` words in both, ``-``
    words only in ``kept``, ``+`` words only in ``member`` (white space folded).

    Paragraphs (lines) are matched first and words only inside the paragraphs that
    differ: near-copies share most paragraphs, and a word diff of whole texts is slow.

    >>> word_diff("the council met on Monday", "the council met on Tuesday night")
    [['=', 'the council met on'], ['-', 'Monday'], ['+', 'Tuesday night']]
    """
    out: list[list[str]] = []

    def put(op: str, words: list[str]) -> None:
        if not words:
            return
        if out and out[-1][0] == op:
            out[-1][1] += " " + " ".join(words)
        else:
            out.append([op, " ".join(words)])

    a = [line.split() for line in kept.split("\n") if line.strip()]
    b = [line.split() for line in member.split("\n") if line.strip()]
    keys_a, keys_b = [" ".join(p) for p in a], [" ".join(p) for p in b]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        if tag == "equal":
            put("=", [w for p in a[i1:i2] for w in p])
        elif i2 - i1 == j2 - j1:  # as many paragraphs each side: edited one by one
            for x, y in zip(a[i1:i2], b[j1:j2]):
                _words(x, y, put)
        else:
            _words([w for p in a[i1:i2] for w in p], [w for p in b[j1:j2] for w in p], put)
    return out


def _words(a: list[str], b: list[str], put: Callable[[str, list[str]], None]) -> None:
    # The common start and end first: an edited paragraph differs in a word or two, and
    # SequenceMatcher then has only the middle to look at.
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    put("=", a[:head])
    x, y = a[head : len(a) - tail], b[head : len(b) - tail]
    for op, k1, k2, m1, m2 in SequenceMatcher(None, x[:MAX_WORDS], y[:MAX_WORDS], autojunk=False).get_opcodes():
        if op == "equal":
            put("=", x[k1:k2])
        else:
            put("-", x[k1:k2])
            put("+", y[m1:m2])
    put("-", x[MAX_WORDS:])
    put("+", y[MAX_WORDS:])
    put("=", a[len(a) - tail :])
