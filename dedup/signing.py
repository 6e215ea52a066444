"""One text in, what matching needs of it out: tokens, shingles, signatures, paragraphs.

Pure and picklable: it runs the same in this process or in a worker. The document and
its paragraphs share one permuted-hash matrix, so paragraph signatures cost little more
than the document's.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from .minhash import signature, signatures
from .options import ScanOptions
from .paragraphs import split_paragraphs
from .shingles import _fmix64, _powers, line_token_hashes, shingle_hashes

__all__ = ["Signed", "SignedParagraphs", "exact_keys", "sign_text"]


# Exact keys sum the token hashes of a text in blocks of this many tokens, so the power
# tables and prefix sums stay at 2 MiB each whatever the text's length (a whole 100 MB
# text would need hundreds of MB); a run that crosses blocks is summed piece by piece.
_BLOCK = 1 << 18
_MASK64 = (1 << 64) - 1
# Two odd 64-bit bases for the two halves of a 128-bit exact key.
_KEY_BASES = (0x9E3779B97F4A7C15, 0xD6E8FEB86659FD93)


def exact_keys(words: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """128-bit keys of the token runs ``words[lo[k]:hi[k]]``, as an ``(m, 2)`` uint64 array.

    Equal keys mean the same token sequence (identical after normalisation): two
    independent polynomial hashes over the token hashes, ``sum(words[lo + i] * base**i)``
    plus the run's length, mixed; computed for all runs of a block at once. A run's key
    does not depend on where it lies in ``words`` or on how long ``words`` is.
    """
    out = np.empty((lo.size, 2), dtype=np.uint64)
    if lo.size == 0:
        return out
    length = (hi - lo).astype(np.uint64)
    for half, base in enumerate(_KEY_BASES):
        up, down = _powers(_BLOCK, base)
        raw = _sums(words, lo, hi, up, down) if words.size < _BLOCK else _blocked_sums(words, lo, hi, up, down, base)
        raw += length
        out[:, half] = _fmix64(raw)
    return out


def _sums(words: np.ndarray, lo: np.ndarray, hi: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """``sum(words[lo + i] * base**i)`` of runs of at most ``_BLOCK`` tokens (``up`` and
    ``down`` hold base**i and base**-i), from one prefix sum."""
    prefix = np.zeros(words.size + 1, dtype=np.uint64)
    np.add.accumulate(words * up[: words.size], out=prefix[1:])
    raw = prefix[hi] - prefix[lo]
    raw *= down[lo]
    return raw


def _blocked_sums(
    words: np.ndarray, lo: np.ndarray, hi: np.ndarray, up: np.ndarray, down: np.ndarray, base: int
) -> np.ndarray:
    """:func:`_sums` of a text longer than a block: the runs inside a block from that
    block's prefix sum, a run across blocks piece by piece."""
    raw = np.zeros(lo.size, dtype=np.uint64)
    block = lo // _BLOCK
    crossing = (hi > lo) & ((hi - 1) // _BLOCK != block)
    inner = np.flatnonzero(~crossing)
    inner = inner[np.argsort(block[inner], kind="stable")]
    for rows in np.split(inner, np.flatnonzero(np.diff(block[inner])) + 1) if inner.size else []:
        first = int(block[rows[0]]) * _BLOCK
        raw[rows] = _sums(words[first : first + _BLOCK], lo[rows] - first, hi[rows] - first, up, down)
    for k in np.flatnonzero(crossing).tolist():
        raw[k] = _run_sum(words, int(lo[k]), int(hi[k]), up, base)
    return raw


def _run_sum(words: np.ndarray, lo: int, hi: int, up: np.ndarray, base: int) -> int:
    """``sum(words[lo + i] * base**i) mod 2**64`` in blocks (``up`` holds base**i)."""
    total, scale = 0, 1
    step = pow(base, up.size, 1 << 64)
    for start in range(lo, hi, up.size):
        piece = words[start : min(hi, start + up.size)]
        total = (total + scale * int((piece * up[: piece.size]).sum(dtype=np.uint64))) & _MASK64
        scale = scale * step & _MASK64
    return total


@dataclass(frozen=True)
class SignedParagraphs:
    """The paragraphs long enough to match, as parallel arrays (one row each).

    ``index`` is the 1-based position among all paragraphs of the text, ``line`` and
    ``last`` the 1-based lines of the text where it starts and ends; ``start``/``stop``
    are its rows in the document's shingle sequence (``stop - start`` shingles).
    """

    index: np.ndarray
    line: np.ndarray
    last: np.ndarray
    tokens: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    exact: np.ndarray
    signatures: np.ndarray
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Signed:
    """A text's token count, exact key, shingle sequence and signature, and its paragraphs.

    Paragraph shingles that a window shorter than the paragraph cannot hold (a paragraph
    of fewer tokens than the n-gram size) are appended to ``shingles`` after the
    document's own, so every paragraph is a row range of one array.
    """

    tokens: int
    exact: bytes
    shingles: np.ndarray
    doc_shingles: int
    signature: np.ndarray
    paragraphs: SignedParagraphs


def sign_text(text: str, options: ScanOptions | None = None, paragraphs: bool = True) -> Signed:
    """Sign a text at document level and, if asked, its paragraphs of enough tokens."""
    options = options or ScanOptions()
    words, line_starts = line_token_hashes(text)
    shingles = shingle_hashes(words, options.ngram)
    exact = hashlib.blake2b(words, digest_size=16).digest()  # hashes the array in place
    if not (paragraphs and words.size):
        doc_signature, _ = signatures(shingles, _NO_SPANS, options.num_perm, options.seed)
        return Signed(
            int(words.size), exact, shingles, int(shingles.size), doc_signature, _no_paragraphs(options.num_perm)
        )
    lines = text.split("\n")
    spans = split_paragraphs(lines)
    # A paragraph's tokens are those on its lines.
    first = np.array([s.first for s in spans], dtype=np.int64)
    last = np.array([s.last for s in spans], dtype=np.int64)
    lo, hi = line_starts[first], line_starts[last + 1]
    keep = np.flatnonzero(hi - lo >= options.min_paragraph_words)
    lo, hi, first, last = lo[keep], hi[keep], first[keep], last[keep]
    doc_signature, sigs, start, stop, extra = _signatures(words, lo, hi, shingles, options)
    return Signed(
        tokens=int(words.size),
        exact=exact,
        shingles=np.concatenate([shingles, *extra]) if extra else shingles,
        doc_shingles=int(shingles.size),
        signature=doc_signature,
        paragraphs=SignedParagraphs(
            index=keep.astype(np.int32) + 1,
            line=first.astype(np.int32) + 1,
            last=last.astype(np.int32) + 1,
            tokens=(hi - lo).astype(np.int32),
            start=start,
            stop=stop,
            exact=exact_keys(words, lo, hi),
            signatures=sigs,
            texts=["\n".join(lines[spans[k].first : spans[k].last + 1]) for k in keep.tolist()],
        ),
    )


@functools.cache
def _no_paragraphs(num_perm: int) -> SignedParagraphs:
    """The empty paragraph table for a signature size (made once; never modified)."""
    empty = np.zeros(0, dtype=np.int32)
    return SignedParagraphs(
        index=empty, line=empty, last=empty, tokens=empty, start=empty, stop=empty,
        exact=np.zeros((0, 2), dtype=np.uint64), signatures=np.zeros((0, num_perm), dtype=np.uint32), texts=[],
    )  # fmt: skip


_NO_SPANS = np.zeros((0, 2), dtype=np.int64)


def _signatures(
    words: np.ndarray, lo: np.ndarray, hi: np.ndarray, shingles: np.ndarray, options: ScanOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Signatures of the document and of its token runs ``[lo, hi)``, their shingle rows,
    and any extra shingles.

    A paragraph's shingles are the rows of the document's that lie wholly inside it; one
    shorter than the n-gram gets a single shingle of all its tokens, stored after the rest.
    """
    start, stop = lo.copy(), hi - options.ngram + 1
    inside = stop > start
    doc_signature, inner = signatures(
        shingles, np.stack([start[inside], stop[inside]], axis=1), options.num_perm, options.seed
    )
    sigs = np.empty((lo.size, options.num_perm), dtype=np.uint32)
    sigs[inside] = inner
    extra = []
    next_row = shingles.size
    for k in np.flatnonzero(~inside).tolist():
        own = shingle_hashes(words[lo[k] : hi[k]], options.ngram)
        extra.append(own)
        sigs[k] = signature(own, options.num_perm, options.seed)
        start[k], stop[k] = next_row, next_row + own.size
        next_row += own.size
    return doc_signature, sigs, start, stop, extra
