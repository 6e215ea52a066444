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

from .errors import CleanOptionsError
from .lines import HUGE_LINE_CHARS, key_hash, line_keys, segments
from .options import CleanOptions

__all__ = ["MIN_KEY_BYTES", "CorpusStats", "CorpusStatsBuilder", "Fingerprint", "fingerprint"]

# Lines whose matching key is shorter than this carry too little to count ("1", "ok").
MIN_KEY_BYTES = 3
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
# A line in at least this share of its group's documents is site-wide chrome: a copied
# article recurs in a handful of a site's pages, the site's furniture in most of them. The
# cleaner keeps corpus-repeated sentences as a copy's text only when they are not site-wide
# (or when the document has no text of its own). On the syndication benchmark the chrome of
# every host site is in all of its ~18 pages; a story copied 3-10 times into a site of 20+
# pages stays under it.
_WIDESPREAD_SHARE = 0.5

# Keys (a document's lines, counted corpus-wide and in its group) gathered before the Bloom
# filter and the count table are updated: about 200 documents of 150 lines. Larger batches
# gained little on the syndication benchmark; the table may exceed ``capacity`` by a batch.
_BATCH_KEYS = 1 << 16
_BLOOM_BITS = 1 << 27  # 16 MiB; about 0.5 % false "seen before" at 10 M distinct keys
_BLOOM_HASHES = 4
# The filter is blocked: a key's bits all lie in one 64-bit word (one random memory access
# per key instead of one per bit; the filter is 16 MiB and the main process adds every
# document). The word comes from the top bits of one product, the bits from another.
_WORD_MUL = np.uint64(0x9E3779B97F4A7C15)
_BITS_MUL = np.uint64(0xC2B2AE3D27D4EB4F)


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
    """Hash the matching key of every distinct line of ``text`` (pure; safe in worker
    processes). Lines longer than ``HUGE_LINE_CHARS`` are content, never chrome: skipped."""
    seen: dict[bytes, int] = {}
    for first, start, end, huge in segments(text):
        if huge:
            continue
        keys = line_keys(text if end - start == len(text) else text[start:end])
        for k, line_key in enumerate(keys, first):
            if len(line_key) >= MIN_KEY_BYTES and line_key not in seen:
                seen[line_key] = k
    if not seen:
        return Fingerprint(np.zeros(0, dtype=np.uint64), ())
    blake2b = hashlib.blake2b
    hashes = np.frombuffer(b"".join([blake2b(k, digest_size=8).digest() for k in seen]), dtype="<u8").astype(np.uint64)
    samples = []
    raw = text.split("\n") if len(text) <= HUGE_LINE_CHARS else _short_lines(text)
    for h, k in zip(hashes.tolist(), seen.values()):
        line = raw[k]
        if len(line) <= _SAMPLE_CHARS:
            samples.append((h, line.strip()))
            if len(samples) >= _MAX_SAMPLES:
                break
    hashes.sort()
    return Fingerprint(hashes, tuple(samples))


def _short_lines(text: str) -> dict[int, str]:
    """The lines of ``text`` by index, huge ones left out."""
    out: dict[int, str] = {}
    for first, start, end, huge in segments(text):
        if not huge:
            out.update(enumerate(text[start:end].split("\n"), first))
    return out


def _group_key(group: str) -> np.uint64:
    return np.uint64(key_hash(("\x01group\x01" + group).encode("utf-8", "surrogatepass")))


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
    widespread: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)

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

    def is_widespread(self, h: int, group: str | None) -> bool:
        """True if line hash ``h`` is in at least half of the documents of ``group`` (site
        furniture rather than a story copied to a few of the site's pages)."""
        reps = self.widespread.get(group) if group is not None else None
        return reps is not None and h in reps

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

    Holds a Bloom filter of ``bloom_bits`` bits and at most ``capacity`` counted keys (plus
    one batch of pending documents), whatever the corpus size; see the module docstring for
    how it errs.
    """

    def __init__(
        self,
        options: CleanOptions = CleanOptions(),
        *,
        capacity: int = 1 << 18,
        bloom_bits: int = _BLOOM_BITS,
    ) -> None:
        if capacity < 1024:
            raise CleanOptionsError(f"capacity must be at least 1024 keys, got {capacity}")
        if bloom_bits < 1 << 16 or bloom_bits & (bloom_bits - 1):
            raise CleanOptionsError(f"bloom_bits must be a power of two >= 65536 (e.g. 1 << 27), got {bloom_bits}")
        self._options = options
        self._capacity = capacity
        self._bloom = np.zeros(bloom_bits // 64, dtype=np.uint64)
        self._shift = np.uint64(64 - int(math.log2(bloom_bits // 64)))
        # the count table: sorted keys, their document counts and groups (ids into _names)
        self._keys = np.zeros(0, dtype=np.uint64)
        self._counts = np.zeros(0, dtype=np.int64)
        self._groups = np.zeros(0, dtype=np.int32)
        self._names: list[str] = [_GLOBAL]
        self._name_ids: dict[str, int] = {_GLOBAL: 0}
        self._texts: dict[int, str] = {}
        self._group_docs: dict[str, int] = {}
        self._group_keys: dict[str, np.uint64] = {}
        self._documents = 0
        self._pending: list[tuple[np.ndarray, str | None, tuple[tuple[int, str], ...]]] = []
        self._pending_keys = 0
        self._pruned_below = 0
        self._prunes = 0

    def add(self, fp: Fingerprint, group: str | None = None) -> None:
        """Count one document's lines, under ``group`` (a folder or domain) and corpus-wide.

        Documents are counted in batches (see ``_flush``); ``build`` counts the last one.
        """
        self._documents += 1
        self._group_docs[_GLOBAL] = self._group_docs.get(_GLOBAL, 0) + 1
        if group is not None:
            self._group_docs[group] = self._group_docs.get(group, 0) + 1
        if not len(fp):
            return
        self._pending.append((fp.hashes, group, fp.samples))
        self._pending_keys += len(fp) * (1 if group is None else 2)
        if self._pending_keys >= _BATCH_KEYS:
            self._flush()

    def _flush(self) -> None:
        """Count the pending documents as if one by one, in numpy.

        A key is counted under its group (the line hash mixed with the group's salt) and
        corpus-wide (the line hash). Keys the Bloom filter has not seen and that occur once
        in the batch are only remembered there; the others update the count table with a
        few array operations per batch, not a dictionary update per line (the main process
        adds every document of the corpus).
        """
        if not self._pending:
            return
        lines: list[np.ndarray] = []
        grouped: list[np.ndarray] = []
        salts: list[np.uint64] = []
        sizes: list[int] = []
        group_ids: list[int] = []
        samples: dict[int, str] = {}
        for hashes, group, doc_samples in self._pending:
            lines.append(hashes)
            if doc_samples:
                samples.update(doc_samples)
            if group is not None:
                salt = self._group_keys.get(group)
                if salt is None:
                    salt = self._group_keys[group] = _group_key(group)
                    self._name_ids[group] = len(self._names)
                    self._names.append(group)
                grouped.append(hashes)
                salts.append(salt)
                sizes.append(len(hashes))
                group_ids.append(self._name_ids[group])
        self._pending.clear()
        self._pending_keys = 0
        line_hashes = np.concatenate(lines)
        keys, line_of, group_of = line_hashes, line_hashes, np.zeros(len(line_hashes), dtype=np.int32)
        if grouped:
            in_groups = np.concatenate(grouped)
            mixed = _mix(in_groups, np.repeat(np.array(salts, dtype=np.uint64), sizes))
            keys = np.concatenate([line_hashes, mixed])
            line_of = np.concatenate([line_hashes, in_groups])
            group_of = np.concatenate([group_of, np.repeat(np.array(group_ids, dtype=np.int32), sizes)])
        # distinct keys, one position of each (any: a key determines its group and line),
        # and in how many of the batch's documents each occurs
        order = np.argsort(keys)
        ordered = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        unique, first = ordered[starts], order[starts]
        occurrences = np.diff(np.append(starts, len(ordered)))
        seen = self._bloom_test(unique)
        self._bloom_set(unique)
        counted = seen | (occurrences >= 2)
        unique, first = unique[counted], first[counted]
        # the first sighting of a key seen before is only in the filter: it counts one more
        add = occurrences[counted] + seen[counted]
        at = np.searchsorted(self._keys, unique)
        known = at < len(self._keys)
        known[known] = self._keys[at[known]] == unique[known]
        self._counts[at[known]] += add[known] - seen[counted][known]
        new = ~known
        new_keys, new_first = unique[new], first[new]
        # texts of new keys, for reports: only lines that came with a sample
        if samples:
            for key, line in zip(new_keys.tolist(), line_of[new_first].tolist()):
                text = samples.get(line)
                if text is not None:
                    self._texts[key] = text
        where = at[new]
        self._keys = np.insert(self._keys, where, new_keys)
        self._counts = np.insert(self._counts, where, add[new])
        self._groups = np.insert(self._groups, where, group_of[new_first])
        if len(self._keys) > self._capacity:
            self._prune()

    def _bloom_words(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each key's word in the filter, and its bits in that word."""
        with np.errstate(over="ignore"):
            word = ((keys * _WORD_MUL) >> self._shift).astype(np.int64)
            mixed = keys * _BITS_MUL
        one = np.uint64(1)
        bits = one << (mixed & np.uint64(63))
        for k in range(1, _BLOOM_HASHES):
            bits |= one << ((mixed >> np.uint64(6 * k)) & np.uint64(63))
        return word, bits

    def _bloom_test(self, keys: np.ndarray) -> np.ndarray:
        """For each key, whether the filter has seen it (all its bits set)."""
        word, bits = self._bloom_words(keys)
        return (self._bloom[word] & bits) == bits

    def _bloom_set(self, keys: np.ndarray) -> None:
        """Set the keys' bits (``ufunc.at``: keys that share a word all count)."""
        word, bits = self._bloom_words(keys)
        np.bitwise_or.at(self._bloom, word, bits)

    def _prune(self) -> None:
        """Drop the lowest counts until the table is at half capacity."""
        keep_n = self._capacity // 2
        cut = int(np.partition(self._counts, len(self._counts) - keep_n)[len(self._counts) - keep_n])
        keep = self._counts >= cut if np.count_nonzero(self._counts < cut) else self._counts > cut
        self._keys, self._counts, self._groups = self._keys[keep], self._counts[keep], self._groups[keep]
        kept = set(self._keys.tolist())
        self._texts = {k: v for k, v in self._texts.items() if k in kept}
        self._pruned_below = max(self._pruned_below, cut)
        self._prunes += 1

    def build(self) -> CorpusStats:
        """The learned statistics: per group, the line hashes at or over its threshold."""
        self._flush()
        fill = float(np.unpackbits(self._bloom.view(np.uint8)).mean()) if self._documents else 0.0
        false_seen = fill**_BLOOM_HASHES
        # A saturated filter can count a line seen once as seen twice: ask for one more.
        safety = 1 if false_seen > 0.01 else 0
        min_docs = self._options.corpus_min_docs + safety
        thresholds = {g: threshold_for(n, min_docs) for g, n in self._group_docs.items()}
        repeated: dict[str, set[int]] = {}
        widespread: dict[str, set[int]] = {}
        counts: dict[int, int] = {}
        group_of: dict[int, str] = {}
        texts: dict[int, str] = {}
        limit = np.array([thresholds.get(name, 1 << 62) for name in self._names], dtype=np.int64)
        over = self._counts >= limit[self._groups]
        keys, key_counts, key_groups = self._keys[over], self._counts[over], self._groups[over]
        # Keys are stored per group under a mixed hash; map them back to line hashes.
        salts = np.array([self._group_keys.get(name, 0) for name in self._names], dtype=np.uint64)
        line_hashes = np.where(key_groups == 0, keys, _unmix(keys, salts[key_groups]))
        for key, h, c, gid in zip(keys.tolist(), line_hashes.tolist(), key_counts.tolist(), key_groups.tolist()):
            g = self._names[gid]
            repeated.setdefault(g, set()).add(h)
            if g != _GLOBAL and c >= _WIDESPREAD_SHARE * self._group_docs[g]:
                widespread.setdefault(g, set()).add(h)
            if c > counts.get(h, 0):
                counts[h] = c
                group_of[h] = g
            if key in self._texts:
                texts[h] = self._texts[key]
        notes = []
        if safety:
            notes.append(f"seen-once filter {fill:.0%} full (false repeats {false_seen:.1%}); thresholds raised by one")
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
            widespread={g: frozenset(v) for g, v in widespread.items()},
        )


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
