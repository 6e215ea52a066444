"""MinHash signatures, bit-for-bit the datasketch ``affine32`` scheme (datasketch >= 2.0).

Each 32-bit shingle hash is pre-mixed with the MurmurHash3 32-bit finaliser, then
permutation ``k`` maps it to ``a[k] * h + b[k] mod 2**32`` with the parameters datasketch
draws from ``numpy.random.RandomState(seed)``; a signature is the minimum per permutation.
So for the same seed, permutations and shingle hashes, :func:`signature` equals
``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash)`` and a ``LeanMinHash`` can be
built from it with ``scheme="affine32"``.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["EMPTY_HASH", "permutations", "permuted_hashes", "signature", "signatures", "span_signatures"]

# The hash value of a permutation that saw no shingle (datasketch's empty sentinel).
EMPTY_HASH = 0xFFFFFFFF
# Shingles permuted at once: bounds the matrix at 16 MiB with 128 permutations, so a
# 100 MB single-line file signs in bounded memory.
CHUNK = 1 << 15

_S16, _S13 = np.uint32(16), np.uint32(13)
_M1, _M2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


@functools.cache
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 parameters datasketch's affine32 scheme draws for this seed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _S16)
    h *= _M1
    h ^= h >> _S13
    h *= _M2
    h ^= h >> _S16
    return h


def permuted_hashes(shingle_hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """Every shingle under every permutation: a ``(num_perm, len(shingles))`` uint32 matrix.

    Kept as one step so a document and its paragraphs share it: a paragraph's signature
    is the row-wise minimum over its own columns. (Permutations as rows keeps each
    paragraph's values contiguous, which makes those minima about twice as fast.)
    """
    a, b = permutations(num_perm, seed)
    mixed = _fmix32(shingle_hashes.astype(np.uint32, copy=True))
    out = np.multiply.outer(a, mixed)
    out += b[:, None]
    return out


def signature(shingle_hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The MinHash signature (uint32, length ``num_perm``) of a set of shingle hashes.

    An empty set gives all ``EMPTY_HASH``, as datasketch does.
    """
    if shingle_hashes.size == 0:
        return np.full(num_perm, EMPTY_HASH, dtype=np.uint32)
    return permuted_hashes(shingle_hashes, num_perm, seed).min(axis=1)


def span_signatures(permuted: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Signatures (one row each) of shingle ranges ``[start, stop)`` of a permuted-hash
    matrix, for an ``(m, 2)`` array of non-empty, non-overlapping, increasing ranges."""
    if len(spans) == 0:
        return np.zeros((0, permuted.shape[0]), dtype=np.uint32)
    # reduceat over [s0, e0, s1, e1, ...] reduces each [s_k, e_k) at the even positions,
    # and its last index reduces to the end, so a final span ending at the last row
    # drops its end index rather than pointing past the matrix.
    bounds = spans.reshape(-1)
    if bounds[-1] == permuted.shape[1]:
        bounds = bounds[:-1]
    return np.minimum.reduceat(permuted, bounds, axis=1)[:, 0::2].T


def signatures(
    shingle_hashes: np.ndarray, spans: np.ndarray, num_perm: int = 128, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The signature of a whole shingle sequence and of each span ``[start, stop)`` of it.

    ``spans`` is an ``(m, 2)`` array of non-empty, non-overlapping, increasing ranges (a
    document's paragraphs). The sequence goes through in chunks of ``CHUNK`` shingles.
    """
    whole = np.full(num_perm, EMPTY_HASH, dtype=np.uint32)
    parts = np.full((len(spans), num_perm), EMPTY_HASH, dtype=np.uint32)
    starts, stops = (spans[:, 0], spans[:, 1]) if len(spans) else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    for lo in range(0, shingle_hashes.size, CHUNK):
        hi = min(shingle_hashes.size, lo + CHUNK)
        permuted = permuted_hashes(shingle_hashes[lo:hi], num_perm, seed)
        np.minimum(whole, permuted.min(axis=1), out=whole)
        here = np.flatnonzero((starts < hi) & (stops > lo))
        if here.size:
            clipped = np.stack([np.maximum(starts[here], lo) - lo, np.minimum(stops[here], hi) - lo], axis=1)
            parts[here] = np.minimum(parts[here], span_signatures(permuted, clipped))
    return whole, parts
