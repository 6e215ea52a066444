"""Matching normalisation and tokenisation: what the hashes see, never what is written.

``normalize`` applies Unicode NFKC and case folding. Tokens are then the maximal runs of
word characters (letters, marks, digits); every other character (punctuation, straight
and curly quotes, dashes, symbols, any kind of white space) separates tokens, which is
how quote, dash and white-space variants fold together. Characters of scripts written
without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan) are one
token each, so word shingles still work on Chinese, Japanese or Thai text.

The hot path (:func:`token_hashes`) runs in numpy over code points with no per-token
Python work; :func:`tokenize` gives the same tokens as strings, for people and tests.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

__all__ = ["line_token_hashes", "normalize", "normalized_code_points", "token_hashes", "tokenize", "word_hash"]

_SEP, _WORD, _SINGLE = 0, 1, 2
# Code points from here up are clamped to the last entry (planes 4 and up: almost unused).
_TABLE_SIZE = 0x40000
# Blocks whose characters are each one token (scripts without spaces between words);
# planes 2 and 3 (CJK extension ideographs) are filled in whole.
_SINGLE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3005, 0x3007),  # ideographic iteration mark, closing mark, number zero
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9D),  # half-width Katakana
)

# Case folding table size: no script above plane 1 has case.
_FOLD_SIZE = 0x20000
# Marks, in the folding table, characters whose case folding is more than one character.
_MULTI = 0xFFFFFFFF

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


@functools.cache
def _char_classes() -> np.ndarray:
    """Class of every code point below ``_TABLE_SIZE``: separator, word, or single-token."""
    # One C-level pass: the first letter of each character's general category.
    majors = "".join(map(unicodedata.category, map(chr, range(0x20000))))[0::2].encode("ascii")
    table = np.full(_TABLE_SIZE, _SINGLE, dtype=np.uint8)
    table[:0x20000] = np.where(np.isin(np.frombuffer(majors, dtype=np.uint8), list(b"LMN")), _WORD, _SEP)
    for lo, hi in _SINGLE_RANGES:
        sub = table[lo : hi + 1]
        sub[sub == _WORD] = _SINGLE
    return table


@functools.cache
def _fold_table() -> np.ndarray:
    """``str.casefold`` of every code point of planes 0 and 1 that folds to one character."""
    folded = list(map(str.casefold, map(chr, range(_FOLD_SIZE))))
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=_FOLD_SIZE)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    table = _code_points("".join(folded))[starts].astype(np.uint32)
    table[lengths != 1] = _MULTI
    return table


@functools.cache
def _powers(size: int, base: int = _BASE) -> tuple[np.ndarray, np.ndarray]:
    """base**i and base**-i mod 2**64 for i < size (size is a power of two, base odd)."""
    up = np.full(size, base, dtype=np.uint64)
    up[0] = 1
    down = np.full(size, pow(base, -1, 1 << 64), dtype=np.uint64)
    down[0] = 1
    return np.cumprod(up), np.cumprod(down)


def warm_up() -> None:
    """Build the lookup tables now (a forked worker then shares them instead of rebuilding)."""
    _char_classes()
    _fold_table()


def normalize(text: str) -> str:
    """Unicode NFKC then case folding: the text the matcher compares.

    >>> normalize("Kyiv’s ﬁrst STRASSE")
    'kyiv’s first strasse'
    """
    return unicodedata.normalize("NFKC", text).casefold()


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def normalized_code_points(text: str) -> np.ndarray:
    """The code points of ``normalize(text)``, computed without building that string.

    Case folding goes through a table in numpy (``str.casefold`` is slow on non-ASCII
    text); texts with a character that folds to several (``ß``) take the exact path.
    """
    nfkc = unicodedata.normalize("NFKC", text)
    if nfkc.isascii():
        return np.frombuffer(nfkc.lower().encode("ascii"), dtype=np.uint8)
    raw = _code_points(nfkc)
    if raw.size == 0:
        return raw
    table = _fold_table()
    if int(raw.max()) < _FOLD_SIZE:
        folded = table.take(raw)
    else:
        folded = raw.copy()
        low = raw < _FOLD_SIZE
        folded[low] = table.take(raw[low])
    if int(folded.max()) == _MULTI:
        return _code_points(nfkc.casefold())
    return folded


def _spans(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the tokens in an array of normalised code points."""
    cls = np.take(_char_classes(), cps, mode="clip")
    if cps.size == 0 or cls.max() < _SINGLE:
        # Starts and ends alternate, so one pass over the token/separator edges finds both.
        padded = np.zeros(cps.size + 2, dtype=bool)
        padded[1:-1] = cls
        edges = np.nonzero(padded[1:] ^ padded[:-1])[0]
        return edges[0::2], edges[1::2]
    padded = np.zeros(cps.size + 2, dtype=np.int8)
    padded[1:-1] = cls
    # A token starts at a token character after a separator, and every single-token
    # character both starts and ends a token, as does any character next to one.
    prev, cur, nxt = padded[:-2], padded[1:-1], padded[2:]
    is_tok = cur != _SEP
    single = (cur == _SINGLE) | (prev == _SINGLE)
    starts = is_tok & ((prev == _SEP) | single)
    single = (cur == _SINGLE) | (nxt == _SINGLE)
    ends = is_tok & ((nxt == _SEP) | single)
    return np.flatnonzero(starts), np.flatnonzero(ends) + 1


def tokenize(text: str) -> list[str]:
    """The tokens of ``text`` after matching normalisation.

    >>> tokenize("Kyiv’s “every camp” — 1,500-km")
    ['kyiv', 's', 'every', 'camp', '1', '500', 'km']
    >>> tokenize("北京欢迎你")
    ['北', '京', '欢', '迎', '你']
    """
    norm = normalize(text)
    starts, ends = _spans(_code_points(norm))
    return [norm[s:e] for s, e in zip(starts.tolist(), ends.tolist())]


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


def _token_hashes(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = _spans(cps)
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
