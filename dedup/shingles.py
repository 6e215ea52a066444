"""Token hashes and word n-gram shingles, hashed to 32 bits.

The tokens are the words of :mod:`clean.tokens` (one definition for matching and
cleaning). :func:`token_hashes` hashes them from the normalised code points in numpy, with
no per-token Python work; :func:`word_hash` is the same hash of one token, for people and
tests. A shingle is a window of ``ngram`` consecutive tokens; a text shorter than that is
one shingle of all its tokens. :func:`shingle_hashes` hashes every window at once from the
token hashes; :func:`shingle_hash` is the same function on one tuple of tokens, usable as
a datasketch ``hashfunc``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from clean.tokens import normalized_code_points, token_spans, tokenize

__all__ = ["line_token_hashes", "shingle_hash", "shingle_hashes", "shingles", "token_hashes", "word_hash"]

# Polynomial hash base for tokens (an odd 64-bit constant, so it is invertible mod 2**64).
_BASE = 0x100000001B3
_MASK64 = (1 << 64) - 1
# Texts longer than this many code points are hashed in pieces (bounds the power tables
# at 4 MiB each; a piece is large enough that the per-call cost does not show).
_CHUNK = 1 << 18
# :func:`line_token_hashes` normalises a text in pieces of about this many characters, so
# that a 100 MB one-line file never has all its code points in memory at once (4 bytes a
# character, and numpy's ``take`` adds 8 more for its indices: 1.2 GB, measured).
_PIECE = 1 << 18
# Where a piece may end: after a space, a newline or sentence punctuation, or before a
# character that is a token of its own: a CJK ideograph, a kana, a Thai or Khmer consonant.
# None of these is ever the first half of a canonical composition (the space, newline and
# punctuation) or the second (the letters), all are unchanged by NFKC (checked against the
# Unicode data), and each separates tokens: normalising and tokenising the pieces one by
# one gives what the whole text gives, even for a line with no space in it.
_CUT = re.compile(
    "[ \n.,;:!?\u3001\u3002\uff01\uff0c\uff1a\uff1b\uff1f]"
    "|(?=[\u0e01-\u0e2e\u1780-\u17a2\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff])"
)
# Odd 64-bit multiplier that chains the token hashes of a window (golden ratio constant).
_CHAIN = 0x9E3779B97F4A7C15
_CHAIN_NP = np.uint64(_CHAIN)
_S32 = np.uint64(32)
# Windows hashed at once: bounds the 64-bit temporaries at 512 KiB each, whatever the
# text's length (a 100 MB text would otherwise need four arrays of 120 MB).
_BLOCK = 1 << 16

_S33 = np.uint64(33)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 64-bit finaliser, in place on a fresh uint64 array."""
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


@functools.cache
def _powers(size: int, base: int = _BASE) -> tuple[np.ndarray, np.ndarray]:
    """base**i and base**-i mod 2**64 for i < size (size is a power of two, base odd)."""
    up = np.full(size, base, dtype=np.uint64)
    up[0] = 1
    down = np.full(size, pow(base, -1, 1 << 64), dtype=np.uint64)
    down[0] = 1
    return np.cumprod(up), np.cumprod(down)


def word_hash(token: str) -> int:
    """64-bit hash of one token: the reference for :func:`token_hashes`.

    A polynomial over the code points (base ``0x100000001B3``, mod 2**64), then the
    MurmurHash3 64-bit finaliser.

    >>> word_hash("kyiv") == int(token_hashes(normalized_code_points("Kyiv"))[0][0])
    True
    """
    acc = 0
    power = 1
    for ch in token:
        acc = (acc + ord(ch) * power) & _MASK64
        power = (power * _BASE) & _MASK64
    return _fmix64_int(acc)


def token_hashes(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the tokens in normalised code points, and each token's start offset.

    Vectorised: prefix sums of ``code point * BASE**i`` give every token's polynomial
    hash at once, with no Python loop over tokens. Long texts go through in pieces cut
    at white space, so memory stays bounded on a 100 MB single-line file.
    """
    if cps.size <= _CHUNK:
        return _token_hashes(cps)
    hashes, offsets = [], []
    pos = 0
    while pos < cps.size:
        end = min(pos + _CHUNK, cps.size)
        if end < cps.size:
            blanks = np.flatnonzero((cps[pos:end] == 32) | (cps[pos:end] == 10))
            end = pos + int(blanks[-1]) + 1 if blanks.size else end
        h, s = _token_hashes(cps[pos:end])
        hashes.append(h)
        offsets.append(s + pos)
        pos = end
    return np.concatenate(hashes), np.concatenate(offsets)


def _token_hashes(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = token_spans(cps)
    if starts.size == 0:
        return np.zeros(0, dtype=np.uint64), starts
    size = 1 << max(12, int(cps.size).bit_length())
    powers, inv_powers = _powers(size)
    prefix = np.zeros(cps.size + 1, dtype=np.uint64)
    np.add.accumulate(np.multiply(cps, powers[: cps.size], dtype=np.uint64), out=prefix[1:])
    raw = prefix[ends]
    raw -= prefix[starts]
    raw *= inv_powers[starts]
    return _fmix64(raw), starts


def _pieces(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets cutting ``text`` into pieces of about ``_PIECE`` characters
    at ``_CUT`` points (a text with none is one piece)."""
    cuts, pos = [], 0
    while len(text) - pos > _PIECE:
        found = _CUT.search(text, pos + _PIECE)
        end = found.end() if found else len(text)
        cuts.append((pos, end))
        pos = end
    if pos < len(text) or not cuts:
        cuts.append((pos, len(text)))
    return cuts


def line_token_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of the tokens of ``text`` (as :func:`token_hashes` gives them for
    ``normalized_code_points(text)``), and where each line's tokens start: tokens
    ``starts[k]`` to ``starts[k + 1]`` are on line ``k`` (0-based; one entry a line, and
    one more for the end).

    The text goes through in pieces, so memory follows the number of tokens (8 bytes
    each), not the code points of the whole text.

    >>> hashes, starts = line_token_hashes("One two\\n\\nthree")
    >>> hashes.tolist() == [word_hash(t) for t in ("one", "two", "three")], starts.tolist()
    (True, [0, 2, 2, 3])
    """
    per_line = np.zeros(text.count("\n") + 1, dtype=np.int64)  # tokens on each line
    hashes = []
    line = 0
    for start, end in _pieces(text):
        cps = normalized_code_points(text[start:end] if end - start < len(text) else text)
        piece_hashes, starts = token_hashes(cps)
        # Normalisation keeps every "\n", so the k-th newline of the piece ends its line k.
        newlines = np.flatnonzero(cps == 10)
        del cps
        counts = np.bincount(np.searchsorted(newlines, starts), minlength=newlines.size + 1)
        per_line[line : line + counts.size] += counts
        hashes.append(piece_hashes)
        line += newlines.size
    line_starts = np.zeros(per_line.size + 1, dtype=np.int64)
    np.cumsum(per_line, out=line_starts[1:])
    return (hashes[0] if len(hashes) == 1 else np.concatenate(hashes)), line_starts


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
