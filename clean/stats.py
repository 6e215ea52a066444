"""Corpus statistics: which normalised lines recur across documents of a group.

Pass 1 of a corpus run calls :func:`fingerprint` on every document (in worker processes)
and :meth:`CorpusStatsBuilder.add` in the main process; ``build()`` then gives a small
:class:`CorpusStats` that pass 2 sends to each worker once. Everything is a hash of a
normalised line, so it works for any language.

Memory of the builder is fixed: a Bloom filter remembers which keys were seen once, and
only keys seen at least twice are counted, in a table of at most ``capacity`` entries that
sheds its lowest counts when full. Errors therefore lean towards under-counting (leaving
boilerplate in) rather than removing article text; ``describe()`` reports both effects.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import options_error
from .lines import line_hash, normalise_lines
from .options import CleanOptions

__all__ = ["CorpusStats", "CorpusStatsBuilder", "Fingerprint", "fingerprint"]

# Lines shorter than this (normalised) carry too little to count ("1", "ok").
_MIN_NORM_CHARS = 3
# Text of short lines travels with the fingerprint (boilerplate lines are short), for
# reports only: at most _MAX_SAMPLES lines of up to _SAMPLE_CHARS characters.
_SAMPLE_CHARS = 120
_MAX_SAMPLES = 256

# Threshold growth: a line must recur in max(min_docs, ceil(_GROWTH * sqrt(n))) documents of
# a group of n documents. Calibrated so that a site's chrome (present on most of its pages)
# passes at any size, while a syndicated or duplicated article (a handful of copies) does
# not: n=5 -> 3 (60 % of the group), n=100 -> 5, n=1000 -> 16, n=100000 -> 159. On the eval
# sets (181 and 711 pages, nearly one page per site) the global threshold is 7 and 14 docs,
# which learns "Share", "Privacy Policy", "Facebook"-style lines and no article sentence.
_GROWTH = 0.5
# Lines learned across groups (rather than within one site) only count as boilerplate when
# they are short: a long sentence recurring across sites is syndicated content, not chrome.
GLOBAL_MAX_WORDS = 15
_GLOBAL = "\x00all"

_BLOOM_BITS = 1 << 27  # 16 MiB; about 0.5 % false "seen before" at 10 M distinct keys
_BLOOM_HASHES = 4
_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93], dtype=np.uint64
)


@dataclass(frozen=True)
class Fingerprint:
    """Distinct normalised-line hashes of one document (sorted uint64), plus short samples.

    ``samples`` holds (hash, text) for a few short lines so that reports can show the text
    of what was learned; it does not affect cleaning.
    """

    hashes: np.ndarray
    samples: tuple[tuple[int, str], ...] = ()

    def __len__(self) -> int:
        return int(self.hashes.shape[0])


def fingerprint(text: str, options: CleanOptions = CleanOptions()) -> Fingerprint:
    """Hash every distinct normalised line of ``text`` (pure; safe in worker processes)."""
    seen: dict[str, int] = {}
    for k, words in enumerate(normalise_lines(text)):
        if words:
            norm = " ".join(words)
            if len(norm) >= _MIN_NORM_CHARS and norm not in seen:
                seen[norm] = k
    if not seen:
        return Fingerprint(np.zeros(0, dtype=np.uint64), ())
    digests = b"".join(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest() for norm in seen)
    hashes = np.frombuffer(digests, dtype="<u8").astype(np.uint64)
    raw = text.split("\n")
    samples = []
    for h, k in zip(hashes.tolist(), seen.values()):
        if len(raw[k]) <= _SAMPLE_CHARS:
            samples.append((h, raw[k].strip()))
            if len(samples) >= _MAX_SAMPLES:
                break
    hashes.sort()
    return Fingerprint(hashes, tuple(samples))


def _group_key(group: str) -> np.uint64:
    return np.uint64(line_hash("\x01group\x01" + group))


def _mix(hashes: np.ndarray, salt: np.uint64) -> np.ndarray:
    """Derive per-group keys from line hashes (xor with the group's hash, then scramble)."""
    with np.errstate(over="ignore"):
        x = hashes ^ salt
        x = (x ^ (x >> np.uint64(31))) * np.uint64(0x7FB5D329728EA185)
        return x ^ (x >> np.uint64(27))


def threshold_for(n_docs: int, min_docs: int) -> int:
    """Distinct documents a line must appear in, within a group of ``n_docs`` documents.

    >>> [threshold_for(n, 3) for n in (5, 100, 1000, 100000)]
    [3, 5, 16, 159]
    """
    return max(min_docs, math.ceil(_GROWTH * math.sqrt(max(n_docs, 1))))


@dataclass(frozen=True)
class CorpusStats:
    """What pass 1 learned: per group, the line hashes that recur often enough to be chrome.

    Small and picklable: only hashes over their group's threshold are kept.
    """

    documents: int
    group_docs: dict[str, int]
    repeated: dict[str, frozenset[int]]
    counts: dict[int, int] = field(default_factory=dict, repr=False)
    texts: dict[int, str] = field(default_factory=dict, repr=False)
    group_of: dict[int, str] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()

    def is_repeated(self, h: int, group: str | None) -> str | None:
        """'group' if line hash ``h`` is chrome of ``group``, 'global' if across the corpus."""
        if group is not None:
            reps = self.repeated.get(group)
            if reps is not None and h in reps:
                return "group"
        reps = self.repeated.get(_GLOBAL)
        if reps is not None and h in reps:
            return "global"
        return None

    def describe(self, top: int = 20) -> dict[str, Any]:
        """A JSON-ready summary for reports: sizes, thresholds and the most frequent lines."""
        learned = {("(all)" if g == _GLOBAL else g): len(v) for g, v in self.repeated.items()}
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return {
            "documents": self.documents,
            "groups": len([g for g in self.group_docs if g != _GLOBAL]),
            "repeated_lines": len(frozenset().union(*self.repeated.values())),
            "repeated_lines_by_group": dict(sorted(learned.items(), key=lambda kv: -kv[1])[:top]),
            "most_frequent": [
                {
                    "documents": c,
                    "group": "(all)" if self.group_of.get(h) == _GLOBAL else self.group_of.get(h),
                    "text": self.texts.get(h),
                }
                for h, c in ranked
            ],
            "notes": list(self.notes),
        }


class CorpusStatsBuilder:
    """Counts, in fixed memory, in how many documents of each group every line occurs.

    Holds a Bloom filter of ``bloom_bits`` bits and at most ``capacity`` counted keys,
    whatever the corpus size; see the module docstring for how it errs.
    """

    def __init__(
        self,
        options: CleanOptions = CleanOptions(),
        *,
        capacity: int = 1 << 18,
        bloom_bits: int = _BLOOM_BITS,
    ) -> None:
        if capacity < 1024:
            raise options_error(f"capacity must be at least 1024 keys, got {capacity}")
        if bloom_bits < 1 << 16 or bloom_bits & (bloom_bits - 1):
            raise options_error(f"bloom_bits must be a power of two >= 65536 (e.g. 1 << 27), got {bloom_bits}")
        self._options = options
        self._capacity = capacity
        self._bloom = np.zeros(bloom_bits // 8, dtype=np.uint8)
        self._shift = np.uint64(64 - int(math.log2(bloom_bits)))
        self._counts: dict[int, int] = {}
        self._key_group: dict[int, str] = {}
        self._texts: dict[int, str] = {}
        self._group_docs: dict[str, int] = {}
        self._group_keys: dict[str, np.uint64] = {}
        self._documents = 0
        self._distinct = 0
        self._pruned_below = 0
        self._prunes = 0

    def add(self, fp: Fingerprint, group: str | None = None) -> None:
        """Count one document's lines, under ``group`` (a folder or domain) and corpus-wide."""
        self._documents += 1
        groups = [_GLOBAL] if group is None else [_GLOBAL, group]
        for g in groups:
            self._group_docs[g] = self._group_docs.get(g, 0) + 1
        if not len(fp):
            return
        hashes = fp.hashes.astype(np.uint64, copy=False)
        samples = dict(fp.samples)
        for g in groups:
            if g == _GLOBAL:
                keys = hashes
            else:
                salt = self._group_keys.get(g)
                if salt is None:
                    salt = self._group_keys[g] = _group_key(g)
                keys = _mix(hashes, salt)
            seen = self._bloom_test_and_set(keys)
            self._distinct += int(len(seen) - np.count_nonzero(seen))
            counts = self._counts
            # only keys seen before reach the Python loop (first sightings stay in numpy)
            for key, line_h in zip(keys[seen].tolist(), hashes[seen].tolist()):
                c = counts.get(key)
                if c is None:
                    counts[key] = 2
                    self._key_group[key] = g
                    text = samples.get(line_h)
                    if text is not None:
                        self._texts[key] = text
                else:
                    counts[key] = c + 1
                    if key not in self._texts:
                        text = samples.get(line_h)
                        if text is not None:
                            self._texts[key] = text
            if len(counts) > self._capacity:
                self._prune()

    def _bloom_test_and_set(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            idx = (keys[None, :] * _MULTIPLIERS[:_BLOOM_HASHES, None]) >> self._shift
        byte = (idx >> np.uint64(3)).astype(np.int64)
        bit = (np.uint8(1) << (idx & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        present = np.all((self._bloom[byte] & bit) != 0, axis=0)
        np.bitwise_or.at(self._bloom, byte.ravel(), bit.ravel())
        return present

    def _prune(self) -> None:
        """Drop the lowest counts until the table is at half capacity."""
        values = np.fromiter(self._counts.values(), dtype=np.int64, count=len(self._counts))
        cut = int(np.partition(values, len(values) - self._capacity // 2)[len(values) - self._capacity // 2])
        drop = [k for k, c in self._counts.items() if c < cut] or [
            k for k, c in self._counts.items() if c <= cut
        ]
        for k in drop:
            del self._counts[k]
            self._key_group.pop(k, None)
            self._texts.pop(k, None)
        self._pruned_below = max(self._pruned_below, cut)
        self._prunes += 1

    def build(self) -> CorpusStats:
        """The learned statistics: per group, the line hashes at or over its threshold."""
        fill = float(np.unpackbits(self._bloom).mean()) if self._documents else 0.0
        false_seen = fill**_BLOOM_HASHES
        # A saturated filter can count a line seen once as seen twice: ask for one more.
        safety = 1 if false_seen > 0.01 else 0
        min_docs = self._options.corpus_min_docs + safety
        thresholds = {g: threshold_for(n, min_docs) for g, n in self._group_docs.items()}
        repeated: dict[str, set[int]] = {}
        counts: dict[int, int] = {}
        group_of: dict[int, str] = {}
        texts: dict[int, str] = {}
        # Keys are stored per group under a mixed hash; map them back to line hashes.
        line_of = self._line_hashes()
        for key, c in self._counts.items():
            g = self._key_group[key]
            if c < thresholds[g]:
                continue
            h = line_of.get(key, key)
            repeated.setdefault(g, set()).add(h)
            if c > counts.get(h, 0):
                counts[h] = c
                group_of[h] = g
            if key in self._texts:
                texts[h] = self._texts[key]
        notes = []
        if safety:
            notes.append(
                f"seen-once filter {fill:.0%} full (false repeats {false_seen:.1%}); thresholds raised by one"
            )
        if self._prunes:
            notes.append(
                f"count table pruned {self._prunes} time(s); lines in fewer than {self._pruned_below}"
                " documents may have been missed"
            )
        return CorpusStats(
            documents=self._documents,
            group_docs=dict(self._group_docs),
            repeated={g: frozenset(v) for g, v in repeated.items()},
            counts=counts,
            texts=texts,
            group_of=group_of,
            notes=tuple(notes),
        )

    def _line_hashes(self) -> dict[int, int]:
        """Recover line hashes for group keys (the mix is invertible given the group)."""
        out: dict[int, int] = {}
        by_group: dict[str, list[int]] = {}
        for key, g in self._key_group.items():
            if g != _GLOBAL:
                by_group.setdefault(g, []).append(key)
        for g, keys in by_group.items():
            arr = np.array(keys, dtype=np.uint64)
            for k, h in zip(keys, _unmix(arr, self._group_keys[g]).tolist()):
                out[k] = h
        return out


_INV_MUL = np.uint64(pow(0x7FB5D329728EA185, -1, 1 << 64))


def _unshift(x: np.ndarray, s: int) -> np.ndarray:
    y = x
    for _ in range(64 // s + 1):
        y = x ^ (y >> np.uint64(s))
    return y


def _unmix(keys: np.ndarray, salt: np.uint64) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = _unshift(keys, 27)
        x = x * _INV_MUL
        x = _unshift(x, 31)
        return x ^ salt
