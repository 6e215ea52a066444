"""Corpus statistics: which normalised lines recur across documents of a group.

Pass 1 of a corpus run calls :func:`fingerprint` on every document (in worker processes)
and :meth:`CorpusStatsBuilder.add` in the main process; ``build()`` then gives a small
:class:`CorpusStats` that pass 2 sends to each worker once. Everything is a hash of a
normalised line, so it works for any language.

The builder counts exactly, in bounded memory, and the result does not depend on the
order of the documents: rows of (line hash, group, document) are held in memory, spilled
to hash partitions on disk past a budget (:mod:`clean.partitions`), and counted one
partition at a time at ``build()``. Builders over parts of a corpus merge into one.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import CleanOptionsError
from .lines import HUGE_LINE_CHARS, segments
from .options import CleanOptions
from .partitions import Partitions, common_texts
from .tokens import line_keys

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

# Rows (one per line of a document) gathered before they are handed to the store as one
# array, which it orders by partition: about 8,000 documents of the synthetic corpus, 400
# pages of 150 lines; numpy's cost per call is then small, and so is the batch next to
# the memory budget (the old builder's batch size, kept).
_BATCH_ROWS = 1 << 16
# Rows held in memory before they are spilled to a run file (20 bytes each: 40 MiB). On
# random fingerprints of 1 M documents at the synthetic corpus's rate (8 lines each, 5 %
# copies, 1,000 sites) the builder peaked 65 / 71 / 81 MiB over the process's baseline
# with 1 M / 2 M / 4 M rows, in the same time (7 s for adds and build); 2 M keeps the
# run files few. 40 lines a document: 115 MiB, 18 s.
MEMORY_ROWS = 1 << 21
# Distinct (line, text) samples counted in memory before they are spilled: 230 bytes each
# for a 50-character line (tracemalloc), 15 MiB.
_MEMORY_SAMPLES = 1 << 16


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


def threshold_for(n_docs: int, min_docs: int) -> int:
    """Distinct documents a line must appear in, within a group of ``n_docs`` documents.

    >>> [threshold_for(n, 3) for n in (5, 100, 1000, 100000)]
    [3, 5, 16, 159]
    """
    return max(min_docs, math.ceil(_GROWTH * math.sqrt(max(n_docs, 1))))


@dataclass(frozen=True)
class CorpusStats:
    """What pass 1 learned: per group, the line hashes that recur often enough to be chrome.

    Small and picklable: only hashes over their group's threshold are kept. For each of
    them ``counts`` holds its highest count among the groups (and the whole corpus) it was
    learned in, ``group_of`` that group (on a tie a group before the corpus, then the
    first name in string order), and ``texts`` its most frequent spelling among the
    fingerprints' samples (on a tie the smallest string), when one was offered.
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


@dataclass(frozen=True)
class Counted:
    """Distinct documents per key (any group), and per (key, group) cell; see count_distinct."""

    keys: np.ndarray  # uint64, sorted
    docs: np.ndarray  # int64, per key
    cell_keys: np.ndarray  # uint64
    cell_groups: np.ndarray  # uint32, never 0
    cell_docs: np.ndarray  # int64, per cell


def count_distinct(keys: np.ndarray, groups: np.ndarray, docs: np.ndarray) -> Counted:
    """In how many distinct documents each key occurs, over all rows and within each group.

    Rows are (key, group id, document id); group 0 is "no group" (counted over all rows
    only). A document counts once per key and once per (key, group), however many rows
    repeat it: copies of a document share its id.

    >>> c = count_distinct(np.array([7, 7, 7, 5, 7], np.uint64), np.array([1, 2, 1, 1, 0], np.uint32),
    ...                    np.array([9, 9, 8, 9, 9], np.uint64))
    >>> c.keys.tolist(), c.docs.tolist()
    ([5, 7], [1, 2])
    >>> list(zip(c.cell_keys.tolist(), c.cell_groups.tolist(), c.cell_docs.tolist()))
    [(5, 1, 1), (7, 1, 2), (7, 2, 1)]
    """
    n = len(keys)
    if not n:
        none = np.zeros(0, dtype=np.uint64)
        return Counted(none, np.zeros(0, np.int64), none, np.zeros(0, np.uint32), np.zeros(0, np.int64))
    order = np.lexsort((groups, docs, keys))  # by key, then document, then group
    k, d, g = keys[order], docs[order], groups[order]
    del order
    new_key = np.ones(n, dtype=bool)
    np.not_equal(k[1:], k[:-1], out=new_key[1:])
    new_doc = new_key.copy()  # first row of a (key, document)
    new_doc[1:] |= d[1:] != d[:-1]
    starts = np.flatnonzero(new_key)
    unique = k[starts]
    per_key = np.add.reduceat(new_doc, starts, dtype=np.int64)
    new_cell = new_doc  # now the first row of a (key, document, group)
    new_cell[1:] |= g[1:] != g[:-1]
    # a cell is (rank of its key, group), packed in one integer for np.unique
    first = new_cell & (g != 0)
    rank = (np.cumsum(new_key) - 1).astype(np.uint64)
    cells, per_cell = np.unique((rank[first] << np.uint64(32)) | g[first].astype(np.uint64), return_counts=True)
    return Counted(
        unique,
        per_key,
        unique[(cells >> np.uint64(32)).astype(np.int64)],
        (cells & np.uint64(0xFFFFFFFF)).astype(np.uint32),
        per_cell.astype(np.int64),
    )


class CorpusStatsBuilder:
    """Counts exactly in how many distinct documents of each group, and of the corpus, every
    line occurs; ``build()`` keeps the lines at or over their group's threshold.

    ``add`` takes each document's ``doc_key``, equal for copies of one text: a line counts
    once per distinct key, in each group and in the corpus, however many copies there are
    and in whichever groups; ``group_docs`` and ``documents`` count distinct keys the same
    way, so that a line and its group are counted in the same units. A document without a
    key is always a new document. The result depends neither on the order of the adds nor
    on how documents are split among builders that are merged.

    Memory is bounded: past ``memory_rows`` rows (20 bytes each, one per line of a
    document) rows are spilled to run files in a temporary folder under ``folder`` and
    counted one hash partition at a time (about 70 MiB in all on a million documents of
    8 lines, see ``MEMORY_ROWS``). Only the rows of a single line are read together
    however many: a line in N documents needs about 90 bytes x N when built.
    Files go at ``close()``, at the end of a ``with`` block, or when the builder is
    collected; a small corpus never touches the disk.
    """

    def __init__(
        self,
        options: CleanOptions = CleanOptions(),
        *,
        folder: str | os.PathLike[str] | None = None,
        memory_rows: int = MEMORY_ROWS,
    ) -> None:
        if isinstance(memory_rows, bool) or not isinstance(memory_rows, int) or memory_rows < 1024:
            raise CleanOptionsError(f"memory_rows must be an integer of at least 1024 rows, got {memory_rows!r}")
        self._options = options
        self._memory_rows = memory_rows
        self._names: list[str] = [""]  # group ids index this list; id 0 is no group
        self._ids: dict[str, int] = {}
        # rows (line hash, group, document) with the texts of short lines; and rows
        # (document, group, document), which count the documents of each group
        self._lines = Partitions(folder, max_rows=memory_rows, max_samples=_MEMORY_SAMPLES)
        self._docs = Partitions(folder, max_rows=memory_rows // 4, max_samples=_MEMORY_SAMPLES)
        self._pending: list[np.ndarray] = []
        self._pending_docs: list[tuple[int, int, int]] = []  # (document, group, lines)
        self._pending_samples: list[tuple[int, str]] = []
        self._pending_rows = 0

    def add(self, fp: Fingerprint, group: str | None = None, doc_key: bytes | None = None) -> None:
        """Count one document's lines under ``group`` (a folder or domain) and corpus-wide.

        ``doc_key`` identifies the text (e.g. a digest of it): adds with one key count as a
        single document, whose lines are those of any of them.
        """
        gid = 0 if group is None else self._group_id(group)
        if doc_key is None:
            doc = int.from_bytes(os.urandom(8), "little")  # a new document; any id will do
        else:
            doc = int.from_bytes(hashlib.blake2b(doc_key, digest_size=8).digest(), "little")
        self._pending_docs.append((doc, gid, len(fp)))
        if len(fp):
            self._pending.append(fp.hashes)
            self._pending_rows += len(fp)
            self._pending_samples.extend(fp.samples)
        if self._pending_rows + len(self._pending_docs) >= min(_BATCH_ROWS, self._memory_rows):
            self._flush()

    def _group_id(self, group: str) -> int:
        gid = self._ids.get(group)
        if gid is None:
            gid = self._ids[group] = len(self._names)
            self._names.append(group)
        return gid

    def _flush(self) -> None:
        """Hand the pending documents to the stores as a few arrays."""
        if not self._pending_docs:
            return
        table = np.array(self._pending_docs, dtype=np.uint64)
        docs, groups, sizes = table[:, 0], table[:, 1].astype(np.uint32), table[:, 2].astype(np.int64)
        self._docs.append(docs, groups, docs)
        if self._pending:
            self._lines.append(np.concatenate(self._pending), np.repeat(groups, sizes), np.repeat(docs, sizes))
        self._lines.add_samples(Counter(self._pending_samples))
        self._pending, self._pending_docs, self._pending_samples, self._pending_rows = [], [], [], 0

    def merge(self, other: CorpusStatsBuilder) -> None:
        """Take in everything ``other`` counted, then close ``other``.

        Any split of the documents merges exactly, even one that puts copies (adds with
        one ``doc_key``) in different builders: rows carry the document's id, and copies
        are told apart only when built. Thresholds come from this builder's options.
        """
        if other is self:
            raise CleanOptionsError("cannot merge a CorpusStatsBuilder into itself")
        other._flush()
        ids = np.array([0] + [self._group_id(name) for name in other._names[1:]], np.uint32)
        for part in other._lines.parts():
            self._lines.append(part.keys, ids[part.groups], part.docs)
            self._lines.add_samples(part.samples)
        for part in other._docs.parts():
            self._docs.append(part.keys, ids[part.groups], part.docs)
        other.close()

    def build(self) -> CorpusStats:
        """The learned statistics: per group, the line hashes at or over its threshold.

        The builder stays usable: more adds or merges may follow, and another ``build``.
        """
        self._flush()
        per_group = np.zeros(len(self._names), dtype=np.int64)
        documents = 0
        for part in self._docs.parts():
            counted = count_distinct(part.keys, part.groups, part.docs)
            documents += len(counted.keys)
            per_group += np.bincount(counted.cell_groups, minlength=len(self._names))
        group_docs = {_GLOBAL: documents} if documents else {}
        group_docs.update(sorted((g, int(n)) for g, n in zip(self._names[1:], per_group[1:].tolist())))
        min_docs = self._options.corpus_min_docs
        overall = threshold_for(documents, min_docs)
        limits = np.array([1 << 62] + [threshold_for(int(n), min_docs) for n in per_group[1:]], dtype=np.int64)
        found: list[tuple[int, str, int]] = []  # (line hash, group, documents) at or over threshold
        texts: dict[int, str] = {}
        for part in self._lines.parts():
            start = len(found)
            counted = count_distinct(part.keys, part.groups, part.docs)
            over = counted.docs >= overall
            keys = counted.keys[over].tolist()
            found.extend(zip(keys, [_GLOBAL] * len(keys), counted.docs[over].tolist()))
            over = counted.cell_docs >= limits[counted.cell_groups]
            cells = zip(counted.cell_keys[over].tolist(), counted.cell_groups[over].tolist(), counted.cell_docs[over])
            found.extend((h, self._names[g], int(n)) for h, g, n in cells)
            wanted = {h for h, _, _ in found[start:]}
            texts.update(common_texts({hs: n for hs, n in part.samples.items() if hs[0] in wanted}))
        return _stats(documents, group_docs, found, texts)

    def close(self) -> None:
        """Forget what was counted and remove the partition files, if any."""
        self._pending, self._pending_docs, self._pending_samples, self._pending_rows = [], [], [], 0
        self._lines.close()
        self._docs.close()

    def __enter__(self) -> CorpusStatsBuilder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        """Everything counted, in memory: how a builder travels between processes."""
        self._flush()
        return {
            "options": self._options,
            "memory_rows": self._memory_rows,
            "names": self._names,
            "lines": list(self._lines.parts()),
            "docs": list(self._docs.parts()),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["options"], memory_rows=state["memory_rows"])  # type: ignore[misc]
        for name in state["names"][1:]:
            self._group_id(name)
        for part in state["lines"]:
            self._lines.append(part.keys, part.groups, part.docs)
            self._lines.add_samples(part.samples)
        for part in state["docs"]:
            self._docs.append(part.keys, part.groups, part.docs)


def _stats(
    documents: int, group_docs: dict[str, int], found: list[tuple[int, str, int]], texts: dict[int, str]
) -> CorpusStats:
    """CorpusStats from the (line hash, group, documents) over threshold, in a fixed order."""
    repeated: dict[str, set[int]] = {}
    widespread: dict[str, set[int]] = {}
    counts: dict[int, int] = {}
    group_of: dict[int, str] = {}
    # per line, the highest count first; on a tie a group before the corpus, then by name
    for h, g, n in sorted(found, key=lambda f: (f[0], -f[2], f[1] == _GLOBAL, f[1])):
        repeated.setdefault(g, set()).add(h)
        if g != _GLOBAL and n >= _WIDESPREAD_SHARE * group_docs[g]:
            widespread.setdefault(g, set()).add(h)
        if h not in counts:
            counts[h], group_of[h] = n, g
    return CorpusStats(
        documents=documents,
        group_docs=group_docs,
        repeated={g: frozenset(repeated[g]) for g in sorted(repeated)},
        counts=counts,
        texts={h: texts[h] for h in sorted(texts)},
        group_of=group_of,
        widespread={g: frozenset(widespread[g]) for g in sorted(widespread)},
    )
