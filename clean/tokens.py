"""What a word is and the text matching compares: one definition for ``clean`` and ``dedup``.

:func:`normalize` is Unicode NFKC, then case folding, then the invisible format characters
dropped (general category Cf: soft hyphen, zero-width space and joiners, direction marks),
since a reader does not see them. A word is a maximal run of letters, marks and digits
(general categories L, M, N) of the normalised text; every other character (punctuation,
straight and curly quotes, dashes, symbols, emoji, private-use icons, controls, any kind
of white space) separates words, which is how quote, dash and white-space variants fold
together. The letters of scripts written without spaces between words (Han, kana, Thai,
Lao, Khmer, Myanmar, Tibetan) are a word each, so word counts and shingles work on
Chinese, Japanese or Thai. :func:`char_class` states this for one character; everything
else here is a fast path built from it, and the tests hold every path to it:

- :func:`normalized_code_points` and :func:`token_spans`: numpy over code points, no
  per-word Python work (``dedup`` hashes the tokens without building strings);
- :func:`line_words` and :func:`line_keys`: the cleaner's words and matching key of every
  line, by one bytes translate for ASCII text and the numpy path for the rest.

Matching normalisation never reaches written output.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable

import numpy as np

__all__ = [
    "SEPARATOR",
    "SINGLE",
    "WORD",
    "char_class",
    "line_keys",
    "line_words",
    "normalize",
    "normalized_code_points",
    "token_spans",
    "tokenize",
    "warm_up",
]

# What a character of normalised text is: it separates words, belongs to a word, or is a
# word by itself.
SEPARATOR, WORD, SINGLE = 0, 1, 2
# General categories (first letter) of word characters: letters, marks, numbers.
_WORD_CATEGORIES = "LMN"
# Blocks whose word characters are each a word (scripts without spaces between words).
_SINGLE_BLOCKS = (
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
# Planes 2 and 3 hold CJK extension ideographs only: every code point there is a word of its
# own, also those this Python's Unicode data does not know yet (extension I and later).
_IDEOGRAPH_PLANES = (0x20000, 0x3FFFF)
# Code points below this have their class in a table; the few above (tags, variation
# selectors, private use) take the table's last entry, ``_LOOK_UP``, and are then looked up
# one distinct code point at a time.
_TABLE_SIZE = _IDEOGRAPH_PLANES[1] + 1
_LOOK_UP = 3
# Case folding table size: no script above plane 1 has case.
_FOLD_SIZE = 0x20000
# Marks, in the folding table, characters whose case folding is more than one character,
# and format characters, which normalisation drops.
_MULTI = 0xFFFFFFFF
_DROP = 0xFFFFFFFE
# Characters that NFKC changes and web text often has: :func:`_nfkc` replaces them first.
# Counted on the aeb pages: the ellipsis is in one page in eight (and the only such
# character in most of them); the no-break space is common in what other scrapers keep.
_PRE_DECOMPOSED = tuple((ch, unicodedata.normalize("NFKD", ch)) for ch in "\u2026\u00a0")
# Texts longer than this many characters go through the non-ASCII path in pieces cut at
# line ends, so that memory stays a few times the piece (4 bytes a code point, 3 arrays).
_PIECE = 1 << 20


def char_class(ch: str) -> int:
    """The class of one character of normalised text: the definition of a word.

    >>> [char_class(c) for c in "a’1\u0301北 "] == [WORD, SEPARATOR, WORD, WORD, SINGLE, SEPARATOR]
    True
    """
    cp = ord(ch)
    if _IDEOGRAPH_PLANES[0] <= cp <= _IDEOGRAPH_PLANES[1]:
        return SINGLE
    if unicodedata.category(ch)[0] not in _WORD_CATEGORIES:
        return SEPARATOR
    return SINGLE if any(lo <= cp <= hi for lo, hi in _SINGLE_BLOCKS) else WORD


def normalize(text: str) -> str:
    """Unicode NFKC, case folding, format characters dropped: the text the matcher compares.

    >>> normalize("Kyiv’s ﬁrst STRASSE Jür\u00adgen")
    'kyiv’s first strasse jürgen'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join([ch for ch in folded if unicodedata.category(ch) != "Cf"])


@functools.cache
def _categories() -> np.ndarray:
    """The general category of every code point below ``_FOLD_SIZE``, two ASCII bytes each
    (one C-level pass)."""
    codes = "".join(map(unicodedata.category, map(chr, range(_FOLD_SIZE)))).encode("ascii")
    return np.frombuffer(codes, dtype=np.uint8).reshape(-1, 2)


@functools.cache
def _class_table() -> np.ndarray:
    """:func:`char_class` of every code point below ``_TABLE_SIZE``, built in one C-level
    pass over the general categories (the tests compare it with :func:`char_class`)."""
    below = _IDEOGRAPH_PLANES[0]
    table = np.full(_TABLE_SIZE + 1, SINGLE, dtype=np.uint8)
    table[_TABLE_SIZE] = _LOOK_UP
    is_word = np.isin(_categories()[:below, 0], list(_WORD_CATEGORIES.encode("ascii")))
    table[:below] = np.where(is_word, WORD, SEPARATOR)
    for lo, hi in _SINGLE_BLOCKS:
        sub = table[lo : hi + 1]
        sub[sub == WORD] = SINGLE
    return table


@functools.cache
def _line_class_table() -> np.ndarray:
    """The class table with the newline as a word character: the line paths keep it."""
    table = _class_table().copy()
    table[0x0A] = WORD
    return table


@functools.cache
def _fold_table() -> np.ndarray:
    """``str.casefold`` of every code point of planes 0 and 1 that folds to one character;
    ``_MULTI`` for the others, ``_DROP`` for format characters."""
    folded = list(map(str.casefold, map(chr, range(_FOLD_SIZE))))
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=_FOLD_SIZE)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    table = _code_points("".join(folded))[starts].astype(np.uint32)
    table[lengths != 1] = _MULTI
    table[np.all(_categories() == np.frombuffer(b"Cf", dtype=np.uint8), axis=1)] = _DROP
    return table


@functools.cache
def _line_tables() -> tuple[np.ndarray, np.ndarray]:
    """For the cleaner's line paths, what a code point of NFKC text becomes in one lookup:
    in the spaced text, its case folding, or a space for a separator; in the joined text,
    its case folding, or ``_DROP`` for a separator or a format character. The newline
    stays itself. ``_MULTI`` where one lookup cannot tell (a character that folds to
    several, a word of its own, a format character in the spaced text, code points from
    ``_FOLD_SIZE`` on): a text with one takes the general path."""
    fold = _fold_table()
    single_char = fold < _DROP
    cls = np.full(_FOLD_SIZE, SEPARATOR, dtype=np.uint8)
    cls[single_char] = _class_table()[fold[single_char]]
    spaced = np.where(cls == SEPARATOR, np.uint32(0x20), fold)
    spaced[~single_char | (cls == SINGLE)] = _MULTI
    joined = np.where(cls == SEPARATOR, np.uint32(_DROP), fold)
    joined[fold == _MULTI] = _MULTI
    spaced[0x0A] = joined[0x0A] = 0x0A
    return np.append(spaced, np.uint32(_MULTI)), np.append(joined, np.uint32(_MULTI))


@functools.cache
def _ascii_tables() -> tuple[bytes, bytes]:
    """For ASCII text: the byte translation to normalised words with every separator a
    space (the newline kept), and the separator bytes (the newline left out)."""
    spaced = bytearray(range(128)) + bytes(128)
    separators = bytearray()
    for c in range(128):
        if c != 0x0A and char_class(chr(c)) == SEPARATOR:
            spaced[c] = 0x20
            separators.append(c)
        elif c != 0x0A:
            spaced[c] = ord(normalize(chr(c)))
    return bytes(spaced), bytes(separators)


def warm_up() -> None:
    """Build the lookup tables now (a forked worker then shares them instead of rebuilding)."""
    _line_class_table()
    _line_tables()
    _ascii_tables()


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on web text.

    NFKC takes about 35 ns a character once its quick check fails, 1 ns when it passes.
    The commonest characters that fail it are replaced by their NFKD form first (same
    NFKC); a text that still fails is normalised a line at a time, which gives the same
    result (a newline never composes, reorders or comes out of a decomposition), so only
    its lines that need NFKC pay for it.
    """
    for ch, nfkd in _PRE_DECOMPOSED:
        if ch in text:
            text = text.replace(ch, nfkd)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return "\n".join([unicodedata.normalize("NFKC", line) for line in text.split("\n")])


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def normalized_code_points(text: str) -> np.ndarray:
    """The code points of ``normalize(text)``, computed without building that string
    (``uint8`` when it is ASCII).

    Case folding and dropping go through a table in numpy (``str.casefold`` is slow on
    non-ASCII text); texts with a character that folds to several (``ß``) take the exact
    path. No character folds to a format character or from one, so which are dropped can
    be read before folding.
    """
    nfkc = _nfkc(text)
    if nfkc.isascii():
        return np.frombuffer(nfkc.lower().encode("ascii"), dtype=np.uint8)
    return _folded(nfkc)


def _folded(nfkc: str) -> np.ndarray:
    """:func:`normalized_code_points` of a non-ASCII text in NFKC."""
    raw = _code_points(nfkc)
    table = _fold_table()
    if int(raw.max()) < _FOLD_SIZE:
        folded = table.take(raw)
    else:
        folded = raw.copy()
        low = raw < _FOLD_SIZE
        folded[low] = table.take(raw[low])
        high = np.flatnonzero(~low)  # tags are format characters; nothing up there has case
        distinct, where = np.unique(raw[high], return_inverse=True)
        is_format = np.array([unicodedata.category(chr(c)) == "Cf" for c in distinct.tolist()], dtype=bool)
        folded[high[is_format[where]]] = _DROP
    top = int(folded.max())
    if top < _DROP:
        return folded
    kept = folded != _DROP
    if top == _MULTI:
        return _code_points(raw[kept].tobytes().decode("utf-32-le", "surrogatepass").casefold())
    return folded[kept]


def _classes(cps: np.ndarray, table: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """:func:`char_class` of every normalised code point (from ``table`` below
    ``_TABLE_SIZE``), and the largest of them (-1 for none)."""
    cls = np.take(_class_table() if table is None else table, cps, mode="clip")
    top = int(cls.max()) if cls.size else -1
    if top == _LOOK_UP:
        high = np.flatnonzero(cps >= _TABLE_SIZE)
        distinct, where = np.unique(cps[high], return_inverse=True)
        looked_up = np.array([char_class(chr(c)) for c in distinct.tolist()], dtype=np.uint8)
        cls[high] = looked_up[where]
        top = int(cls.max())
    return cls, top


def token_spans(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the words in an array of normalised code points.

    >>> [s.tolist() for s in token_spans(normalized_code_points("Hi, 北京!"))]
    [[0, 4, 5], [2, 5, 6]]
    """
    cls, top = _classes(cps)
    if top < SINGLE:
        # Starts and ends alternate, so one pass over the word/separator edges finds both.
        padded = np.zeros(cps.size + 2, dtype=bool)
        padded[1:-1] = cls
        edges = np.flatnonzero(padded[1:] ^ padded[:-1])
        return edges[0::2], edges[1::2]
    padded = np.zeros(cps.size + 2, dtype=np.int8)
    padded[1:-1] = cls
    # A word starts at a word character after a separator, and every single-word character
    # both starts and ends a word, as does any character next to one.
    prev, cur, nxt = padded[:-2], padded[1:-1], padded[2:]
    is_word = cur != SEPARATOR
    single = (cur == SINGLE) | (prev == SINGLE)
    starts = is_word & ((prev == SEPARATOR) | single)
    single = (cur == SINGLE) | (nxt == SINGLE)
    ends = is_word & ((nxt == SEPARATOR) | single)
    return np.flatnonzero(starts), np.flatnonzero(ends) + 1


def _line_pieces(text: str) -> list[str]:
    """``text`` cut after a newline about every ``_PIECE`` characters (lines stay whole)."""
    pieces, pos = [], 0
    while len(text) - pos > _PIECE:
        end = text.find("\n", pos + _PIECE) + 1
        if end == 0:
            break
        pieces.append(text[pos:end])
        pos = end
    if pos < len(text) or not pieces:
        pieces.append(text[pos:] if pos else text)
    return pieces


def _by_pieces(text: str, piece: Callable[[str], str]) -> str:
    """``piece(text)``, for a long text the pieces of :func:`_line_pieces` one by one."""
    return piece(text) if len(text) <= _PIECE else "".join(map(piece, _line_pieces(text)))


def _spaced_piece(text: str) -> str:
    """The words of ``text`` separated by spaces and its newlines kept (other white space
    may repeat): ``str.split`` then gives the words."""
    nfkc = _nfkc(text)
    if nfkc.isascii():
        return nfkc.encode("ascii").translate(_ascii_tables()[0]).decode("ascii")
    out = _line_tables()[0].take(_code_points(nfkc), mode="clip")
    if int(out.max()) < _MULTI:  # one lookup told every character (most text)
        return out.tobytes().decode("utf-32-le")
    cps = _folded(nfkc)
    cls, top = _classes(cps, _line_class_table())
    out = np.where(cls.astype(bool), cps, np.uint32(0x20))
    if top == SINGLE:
        single = np.flatnonzero(cls == SINGLE)
        out = np.insert(out, np.concatenate((single, single + 1)), np.uint32(0x20))
    return out.tobytes().decode("utf-32-le")


def _joined_piece(text: str) -> str:
    """The words of every line of ``text`` joined without separators, its newlines kept."""
    nfkc = _nfkc(text)
    if nfkc.isascii():
        return nfkc.encode("ascii").translate(_ascii_tables()[0], _ascii_tables()[1]).decode("ascii")
    out = _line_tables()[1].take(_code_points(nfkc), mode="clip")
    top = int(out.max())
    if top < _MULTI:  # one lookup told every character (most text)
        return (out[out != _DROP] if top == _DROP else out).tobytes().decode("utf-32-le")
    cps = _folded(nfkc)
    return np.compress(_classes(cps, _line_class_table())[0].astype(bool), cps).tobytes().decode("utf-32-le")


def _spaced(text: str) -> str:
    """:func:`_spaced_piece` of ``text``, by one bytes translate when it is ASCII."""
    if text.isascii():
        return text.encode("ascii").translate(_ascii_tables()[0]).decode("ascii")
    return _by_pieces(text, _spaced_piece)


def tokenize(text: str) -> list[str]:
    """The words of ``text`` after matching normalisation.

    >>> tokenize("Kyiv’s “every camp” — 1,500-km")
    ['kyiv', 's', 'every', 'camp', '1', '500', 'km']
    >>> tokenize("北京欢迎你")
    ['北', '京', '欢', '迎', '你']
    """
    return _spaced(text).split()


def line_words(text: str) -> list[list[str]]:
    r"""The words of every ``text.split("\n")`` line (as :func:`tokenize` gives them).

    >>> line_words("  \u201cHello,\u201d she said \u2014 it's   OK!\n\nBye")
    [['hello', 'she', 'said', 'it', 's', 'ok'], [], ['bye']]
    """
    return [line.split() for line in _spaced(text).split("\n")]


def line_keys(text: str) -> list[bytes]:
    r"""The matching key of every ``text.split("\n")`` line: its words joined without
    separators, in UTF-8, with no split of each line (the corpus statistics' hot path).

    >>> line_keys("  \u201cHello,\u201d she said \u2014 it's   OK!\n\nBye")
    [b'helloshesaiditsok', b'', b'bye']
    """
    if text.isascii():
        return text.encode("ascii").translate(_ascii_tables()[0], _ascii_tables()[1]).split(b"\n")
    return _by_pieces(text, _joined_piece).encode("utf-8").split(b"\n")
