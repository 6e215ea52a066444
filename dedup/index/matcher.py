"""Matching new documents against an index, a signed batch at a time.

The rule is :func:`dedup.matching.match`'s, with every stored item kept and before every
new one: a new document (or paragraph) is dropped for the first stored item, in keep
order (storage order, or longest first with ``keep="longest"``, ties by storage order),
that shares a band key with it and that it matches directly: an exact copy (equal exact
keys), or a pair the rule accepts on the exact shingle sets. Its similarity is to that
item, so it is at the thresholds. Stored items are not compared with each other, nor new
ones with each other (a scan of the new batch does that).

Counts as :func:`~dedup.matching.match` keeps them: a candidate is a pair verified on its
shingle sets, rejected when the rule refuses it; an exact copy is not a candidate (its
keys decide). Verification stops at the first stored item matched, and a pair of exact
groups is verified once: a stored item with the exact key of one already verified for
the same new item, and a new item with the exact key of one already decided (whose
stored candidates, keep order and verdicts are the same), are not verified again.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from ..documents import Document
from ..engine import keep_order
from ..keep import parse_keep
from ..matching import SAME, Rule, same_document, same_paragraph
from ..options import ScanOptions
from ..verify import Similarity, distinct, similarity
from ..work import SignedBatch
from .storage import MAX_SLOTS, SLOT_BITS, Stored, StoredDoc, key_stores

__all__ = ["Found", "Matcher", "in_keep_order"]


class Found(NamedTuple):
    """The stored item a new one was dropped for: stored document row, paragraph slot
    (``-1`` for a document), its id, paragraph number and source line (0 for a document
    or an unknown line), and the similarity of the pair."""

    doc: int
    slot: int
    id: str
    number: int
    line: int
    similarity: Similarity


def in_keep_order(tokens: list[int], keep: str) -> list[int]:
    """Positions of items listed in storage order, in keep order (as
    :func:`dedup.engine.keep_order` ranks them).

    >>> in_keep_order([5, 9, 9], "first"), in_keep_order([5, 9, 9], "longest")
    ([0, 1, 2], [1, 2, 0])
    """
    rank = keep_order(np.asarray(tokens, dtype=np.int64), parse_keep(keep))
    return np.argsort(rank).tolist()


class Matcher:
    """Decides each new document and paragraph of the batches it is given, keeping only
    what was dropped and for what (memory grows with the matches, not the index)."""

    def __init__(self, db: sqlite3.Connection, options: ScanOptions) -> None:
        self.options = options
        self.keys = key_stores(db, options)
        self.stored = Stored(db)
        self.rules: dict[str, Rule] = {"doc": same_document(options), "para": same_paragraph(options)}
        self.documents = 0  # new documents signed
        self.paragraphs = 0  # new paragraphs compared
        self.numbered = 0  # new paragraphs seen (compared or not)
        self.candidates = 0
        self.rejected = 0
        self.docs: dict[int, tuple[str, Found]] = {}  # new document row -> (its id, what it matched)
        self.paras: dict[int, tuple[str, int, Found]] = {}  # new paragraph row -> (doc id, number, found)
        # Decisions by exact key of the new items that had candidates: copies of them
        # have the same candidates, and are decided the same without verifying again.
        self._decided: dict[str, dict[bytes, Found | None]] = {"doc": {}, "para": {}}

    def put(self, docs: list[Document], signed: SignedBatch) -> None:
        """Decide one signed batch: documents first, then paragraphs of the others (as a
        scan compares only paragraphs of the documents it keeps)."""
        options = self.options
        n = signed.rows.size
        base = self.documents
        self.documents += n
        ids = [docs[k].id for k in signed.rows.tolist()]
        seq_at = np.cumsum(signed.shingle_counts) - signed.shingle_counts

        def rows_of(j: int, start: int, stop: int) -> np.ndarray:
            return distinct(signed.shingles[seq_at[j] + start : seq_at[j] + stop])

        matched = np.zeros(n, dtype=bool)
        if options.level in ("doc", "both"):
            exact = signed.exact.astype("<u8")
            active = np.flatnonzero(signed.tokens > 0)
            found = self._decide(
                "doc", signed.band_keys[active], active, lambda j: exact[j].tobytes(),
                lambda j: rows_of(j, 0, int(signed.doc_shingles[j])),
            )  # fmt: skip
            for j, item in found:
                matched[j] = True
                self.docs[base + j] = (ids[j], item)

        if options.level in ("paragraph", "both") and signed.para_doc.size:
            first = self.numbered
            self.numbered += int(signed.para_doc.size)
            active = np.flatnonzero(~matched[signed.para_doc])
            self.paragraphs += int(active.size)
            para_exact = signed.para_exact.astype("<u8")
            found = self._decide(
                "para", signed.para_band_keys[active], active, lambda k: para_exact[k].tobytes(),
                lambda k: rows_of(int(signed.para_doc[k]), int(signed.para_start[k]), int(signed.para_stop[k])),
            )  # fmt: skip
            for k, item in found:
                self.paras[first + k] = (ids[int(signed.para_doc[k])], int(signed.para_index[k]), item)

    def _decide(
        self,
        level: str,
        keys: np.ndarray,
        items: np.ndarray,
        exact_of: Callable[[int], bytes],
        set_of: Callable[[int], np.ndarray],
    ) -> Iterator[tuple[int, Found]]:
        """(item, what it matched) for the ``items`` (with band keys ``keys``) that match
        a stored item of ``level``."""
        mine, theirs = self.keys[level].find(np.ascontiguousarray(keys).view(np.int64), items)
        if not mine.size:
            return
        pairs = np.unique(np.stack([mine, theirs], axis=1), axis=0)  # by item, then storage order
        docs = pairs[:, 1] >> SLOT_BITS if level == "para" else pairs[:, 1]
        stored = self.stored.load(set(docs.tolist()))
        decided = self._decided[level]
        starts = np.flatnonzero(np.concatenate(([True], pairs[1:, 0] != pairs[:-1, 0])))
        for start, stop in zip(starts.tolist(), [*starts[1:].tolist(), len(pairs)]):
            item = int(pairs[start, 0])
            key = exact_of(item)
            if key in decided:
                found = decided[key]
            else:
                if level == "doc":
                    refs = [(stored[d], -1) for d in docs[start:stop].tolist()]
                else:
                    slots = (pairs[start:stop, 1] & (MAX_SLOTS - 1)).tolist()
                    refs = [(stored[d], s) for d, s in zip(docs[start:stop].tolist(), slots)]
                found = decided[key] = self._first(refs, key, functools.partial(set_of, item), self.rules[level])
            if found is not None:
                yield item, found

    def _first(
        self, refs: list[tuple[StoredDoc, int]], key: bytes, new_set: Callable[[], np.ndarray], rule: Rule
    ) -> Found | None:
        """The first of the stored items ``refs`` (documents, or paragraphs by slot; in
        storage order) in keep order that a new item with exact key ``key`` matches."""
        verdicts: dict[bytes, tuple[Similarity, bool]] = {}  # by stored exact key
        values: np.ndarray | None = None
        for at in in_keep_order([doc.tokens for doc, _ in refs], self.options.keep):
            doc, slot = refs[at]
            exact = doc.exact if slot < 0 else doc.para_exact(slot)
            if exact == key:
                return _found(doc, slot, SAME)
            verdict = verdicts.get(exact)
            if verdict is None:
                stored_set = doc.doc_set() if slot < 0 else doc.para_set(slot)
                values = new_set() if values is None else values
                sim = similarity(stored_set, values)
                verdict = verdicts[exact] = (sim, rule(sim, stored_set, values))
                self.candidates += 1
                self.rejected += not verdict[1]
            if verdict[1]:
                return _found(doc, slot, verdict[0])
        return None


def _found(doc: StoredDoc, slot: int, sim: Similarity) -> Found:
    if slot < 0:
        return Found(doc.doc, -1, doc.id, 0, 0, sim)
    p = doc.paras[slot]
    return Found(doc.doc, slot, doc.id, int(p["number"]), int(p["line"]), sim)
