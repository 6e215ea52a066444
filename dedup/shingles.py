"""Word n-gram shingles, hashed to 32 bits.

A shingle is a window of ``ngram`` consecutive tokens; a text shorter than that is one
shingle of all its tokens. :func:`shingle_hashes` hashes every window at once from the
token hashes (numpy, no strings built); :func:`shingle_hash` is the same function on one
tuple of tokens, usable as a datasketch ``hashfunc``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .normalize import _fmix64, _fmix64_int, tokenize, word_hash

__all__ = ["shingle_hash", "shingle_hashes", "shingles"]

# Odd 64-bit multiplier that chains the token hashes of a window (golden ratio constant).
_CHAIN = 0x9E3779B97F4A7C15
_CHAIN_NP = np.uint64(_CHAIN)
_MASK64 = (1 << 64) - 1
_S32 = np.uint64(32)
# Windows hashed at once: bounds the 64-bit temporaries at 512 KiB each, whatever the
# text's length (a 100 MB text would otherwise need four arrays of 120 MB).
_BLOCK = 1 << 16


def shingle_hashes(word_hashes: np.ndarray, ngram: int) -> np.ndarray:
    """32-bit hashes of every ``ngram``-token window of a token-hash sequence, in order.

    Returns one hash (of all tokens) when there are fewer than ``ngram`` tokens, and none
    for an empty sequence. Windows repeat in the output if the text repeats.
    """
    count = word_hashes.size
    if count == 0:
        return np.zeros(0, dtype=np.uint32)
    n = min(ngram, count)
    windows = count - n + 1
    out = np.empty(windows, dtype=np.uint32)
    for lo in range(0, windows, _BLOCK):
        hi = min(windows, lo + _BLOCK)
        acc = word_hashes[lo:hi].copy()
        for j in range(1, n):
            acc *= _CHAIN_NP
            acc += word_hashes[lo + j : hi + j]
        out[lo:hi] = _fmix64(acc) >> _S32
    return out


def shingle_hash(tokens: Sequence[str]) -> int:
    """32-bit hash of one shingle given as its tokens: the reference for :func:`shingle_hashes`.

    Pass it to datasketch as ``MinHash(hashfunc=shingle_hash)`` and update with token
    tuples to get the very signatures dedup computes.

    >>> shingle_hash(("the", "first", "north", "korean", "soldiers")) < 2**32
    True
    """
    acc = 0
    for i, token in enumerate(tokens):
        acc = word_hash(token) if i == 0 else (acc * _CHAIN + word_hash(token)) & _MASK64
    return _fmix64_int(acc) >> 32


def shingles(text: str, ngram: int) -> list[tuple[str, ...]]:
    """The shingles of ``text`` as token tuples, in order (for people, tests and datasketch).

    >>> shingles("North Korean troops come under fire", 5)
    [('north', 'korean', 'troops', 'come', 'under'), ('korean', 'troops', 'come', 'under', 'fire')]
    """
    tokens = tokenize(text)
    if not tokens:
        return []
    n = min(ngram, len(tokens))
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
