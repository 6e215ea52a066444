"""What an index stores, and how: the SQLite tables, document rows, and their band keys.

Tables (schema 2), everything little-endian:

- ``meta``: see :mod:`dedup.index.meta`.
- ``docs``: one row per document: id, source, token count, 16-byte exact key, the
  shingle sequence as uint32 (the first ``own`` values are the document's shingles, then
  extra ones of paragraphs shorter than the n-gram; paragraphs are row ranges of it), and
  per paragraph number, source line, shingle rows, text offsets and exact key.
  The sequence is stored raw: its values are uniform 32-bit hashes, which zlib does not
  shrink, and a sorted delta-coded set could not give the paragraph ranges.
- ``texts``: the paragraph texts of a document, UTF-8, one after the other (only the
  report reads them). Not compressed: zlib at its fastest level halved them but cost a
  worker 0.2 ms a document, a tenth of what cleaning and signing cost.
- ``runs``, ``doc_blocks`` and ``para_blocks``: the band keys, one (key, item) pair per
  band of each stored document (item: its row) or paragraph (item: its document's row
  shifted left 24 bits, or its slot among the document's paragraphs), in sorted runs
  (:mod:`dedup.index.runs`).
- ``chrome``: lines the cleaner learned as site chrome in earlier adds, per group
  (:mod:`dedup.index.chrome`).

Signed batches are packed into rows in the workers (:func:`sign_and_pack`), so that the
process that writes the index only runs SQLite.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..documents import Document
from ..errors import InputError
from ..lsh import LSHParams, band_keys
from ..matching import document_lsh, paragraph_lsh
from ..minhash import signatures
from ..options import ScanOptions
from ..verify import distinct
from ..work import Prepared, sign_batch
from .runs import MAX_PARAMS, KeyRuns

__all__ = [
    "KEY_CHUNK", "MAX_SLOTS", "Packed", "StoredDoc", "Stored", "Writer", "absent", "create_tables", "drop",
    "key_stores", "sign_and_pack",
]  # fmt: skip

log = logging.getLogger(__name__)

# Band keys buffered before they are written as a run (16 bytes each with their item,
# twice that while sorting): bounds an add's memory; a long add writes several runs,
# which merging then joins.
KEY_CHUNK = 1 << 22
# Stored documents kept decoded during a query (pairs of one new document often share
# candidates; 4096 documents of 1,000 words is about 20 MB).
DOC_CACHE = 4096
# Per paragraph in ``docs.paras``: number, source line, shingle rows, text bytes, exact key.
PARA = np.dtype(
    [("number", "<i4"), ("line", "<i4"), ("start", "<i4"), ("stop", "<i4"), ("text_at", "<i4"), ("text_end", "<i4"),
     ("exact", "<u8", (2,))]
)  # fmt: skip
# A paragraph's ``item`` among the band keys: its document's row shifted left by this many
# bits, or its slot (0-based among the document's stored paragraphs, at most 2**24).
SLOT_BITS = 24
MAX_SLOTS = 1 << SLOT_BITS

_SCHEMA_SQL = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE docs (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT,
    added INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    exact BLOB NOT NULL,
    own INTEGER NOT NULL,
    paras BLOB NOT NULL,
    shingles BLOB NOT NULL
);
CREATE TABLE texts (doc INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE chrome (
    grp TEXT NOT NULL, line INTEGER NOT NULL, corpus INTEGER NOT NULL, docs INTEGER NOT NULL, text TEXT,
    PRIMARY KEY (grp, line)
) WITHOUT ROWID;
CREATE TABLE runs (run INTEGER PRIMARY KEY, level TEXT NOT NULL, pairs INTEGER NOT NULL, bits INTEGER NOT NULL);
CREATE TABLE doc_blocks (block INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE para_blocks (block INTEGER PRIMARY KEY, data BLOB NOT NULL);
"""
_DOC_COLUMNS = "doc, id, tokens, exact, own, paras, shingles"


def create_tables(db: sqlite3.Connection) -> None:
    """The tables of a new index (inside the caller's transaction)."""
    for statement in (s for s in _SCHEMA_SQL.split(";") if s.strip()):  # not executescript(): it commits
        db.execute(statement)


def key_stores(db: sqlite3.Connection, options: ScanOptions) -> dict[str, KeyRuns]:
    """The band keys of each level, by level."""
    return {
        "doc": KeyRuns(db, "doc", document_lsh(options).bands),
        "para": KeyRuns(db, "para", paragraph_lsh(options).bands),
    }


def item_of(doc: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """A paragraph's number in the key tables: its document's row, then its slot.

    >>> item_of(np.array([3]), np.array([2])).tolist()
    [50331650]
    """
    return (doc.astype(np.int64) << SLOT_BITS) | slot.astype(np.int64)


# -- storing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Packed:
    """A signed batch as the index stores it, made in the worker: document rows (without
    their row number), paragraph texts, and band keys by local document."""

    docs: list[tuple[Any, ...]]  # id, source, tokens, exact, own, paras, shingles
    texts: list[bytes | None]
    paragraphs: int
    doc_keys: np.ndarray  # (m, bands) int64, for the documents ``doc_keyed``
    doc_keyed: np.ndarray
    para_keys: np.ndarray  # (p, bands) int64, of paragraph ``para_slot`` of ``para_doc``
    para_doc: np.ndarray
    para_slot: np.ndarray
    failures: list[InputError]
    removed_by_rule: dict[str, int]
    flags: list[tuple[str, ...]]


def sign_and_pack(work: tuple[str, list[Document | Prepared]]) -> Packed:
    """Sign a batch (in a worker) and pack it for storing."""
    level, batch = work
    signed = sign_batch(batch)
    n = signed.rows.size
    counts = np.bincount(signed.para_doc, minlength=n) if n else np.zeros(0, dtype=np.int64)
    first = np.cumsum(counts) - counts
    slot = np.arange(signed.para_doc.size) - first[signed.para_doc]
    if slot.size and int(slot.max()) >= MAX_SLOTS:
        log.warning("paragraphs after the %d-th of a document are not indexed", MAX_SLOTS)
    paras = np.zeros(signed.para_doc.size, dtype=PARA)
    paras["number"] = signed.para_index
    paras["line"] = signed.para_line
    paras["start"] = signed.para_start
    paras["stop"] = signed.para_stop
    paras["exact"] = signed.para_exact
    texts = [t.encode("utf-8", "surrogatepass") for t in signed.para_texts]
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    paras["text_end"] = ends - np.concatenate(([0], ends))[first[signed.para_doc]]
    paras["text_at"] = paras["text_end"] - np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    seq_at = np.cumsum(signed.shingle_counts) - signed.shingle_counts
    exact = signed.exact.astype("<u8")
    shingles = signed.shingles.astype("<u4")
    rows, joined = [], []
    for j, k in enumerate(signed.rows.tolist()):
        doc = batch[k].doc if isinstance(batch[k], Prepared) else batch[k]
        p0, p1 = int(first[j]), int(first[j] + counts[j])
        at = int(seq_at[j])
        rows.append(
            (doc.id, doc.source, int(signed.tokens[j]), exact[j].tobytes(), int(signed.doc_shingles[j]),
             paras[p0:p1].tobytes(), shingles[at : at + int(signed.shingle_counts[j])].tobytes())
        )  # fmt: skip
        joined.append(b"".join(texts[p0:p1]) if p1 > p0 else None)
    doc_keyed = np.flatnonzero(signed.tokens > 0) if level in ("doc", "both") else np.zeros(0, dtype=np.int64)
    keep = slot < MAX_SLOTS if level in ("paragraph", "both") else np.zeros(slot.size, dtype=bool)
    return Packed(
        docs=rows,
        texts=joined,
        paragraphs=int(signed.para_doc.size),
        doc_keys=signed.band_keys[doc_keyed].view(np.int64),
        doc_keyed=doc_keyed,
        para_keys=signed.para_band_keys[keep].view(np.int64),
        para_doc=signed.para_doc[keep],
        para_slot=slot[keep],
        failures=[error for _, error in signed.failures],
        removed_by_rule=signed.removed_by_rule,
        flags=signed.flags,
    )


class Writer:
    """Stores packed batches: document rows as they come, band keys in sorted runs, and
    counts what cleaning removed (as :class:`dedup.engine.Collection` does for a scan)."""

    def __init__(self, db: sqlite3.Connection, keys: dict[str, KeyRuns], next_doc: int, number: int) -> None:
        self.db = db
        self.keys = keys
        self.next_doc = next_doc
        self.number = number
        self.documents = 0
        self.paragraphs = 0
        self.removed_by_rule: dict[str, int] = {}
        self.flagged: dict[str, int] = {}
        # Band keys waiting to be inserted, per level: (keys, item of each row of keys).
        self._pending: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"doc": [], "para": []}
        self._buffered = 0

    def put(self, packed: Packed) -> None:
        n = len(packed.docs)
        rows = np.arange(self.next_doc, self.next_doc + n, dtype=np.int64)
        self.next_doc += n
        self.documents += n
        self.paragraphs += packed.paragraphs
        for rule, count in packed.removed_by_rule.items():
            self.removed_by_rule[rule] = self.removed_by_rule.get(rule, 0) + count
        for flag in itertools.chain.from_iterable(packed.flags):
            self.flagged[flag] = self.flagged.get(flag, 0) + 1
        self.db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((int(r), doc_id, source, self.number, *rest) for r, (doc_id, source, *rest) in zip(rows, packed.docs)),
        )
        self.db.executemany(
            "INSERT INTO texts VALUES (?, ?)", ((int(r), t) for r, t in zip(rows, packed.texts) if t is not None)
        )
        if packed.doc_keyed.size:
            self._keep("doc", packed.doc_keys, rows[packed.doc_keyed])
        if packed.para_doc.size:
            self._keep("para", packed.para_keys, item_of(rows[packed.para_doc], packed.para_slot))
        if self._buffered >= KEY_CHUNK:
            self.flush()

    def _keep(self, level: str, keys: np.ndarray, items: np.ndarray) -> None:
        self._pending[level].append((keys, items))
        self._buffered += keys.size

    def flush(self) -> None:
        """Write the buffered keys as a new run of each level (which may merge runs)."""
        for level, parts in self._pending.items():
            if parts:
                self.keys[level].write(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
                parts.clear()
        self._buffered = 0


# -- reading ------------------------------------------------------------------------------


@dataclass
class StoredDoc:
    """A stored document as verification and the report need it."""

    doc: int
    id: str
    tokens: int
    exact: bytes
    own: int
    paras: np.ndarray
    seq: np.ndarray
    _doc_set: np.ndarray | None = None
    _para_sets: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> StoredDoc:
        doc, doc_id, tokens, exact, own, paras, shingles = row
        return cls(doc, doc_id, tokens, exact, own, np.frombuffer(paras, dtype=PARA), np.frombuffer(shingles, "<u4"))

    def doc_set(self) -> np.ndarray:
        if self._doc_set is None:
            self._doc_set = distinct(self.seq[: self.own])
        return self._doc_set

    def para_set(self, slot: int) -> np.ndarray:
        found = self._para_sets.get(slot)
        if found is None:
            p = self.paras[slot]
            found = self._para_sets[slot] = distinct(self.seq[int(p["start"]) : int(p["stop"])])
        return found

    def para_exact(self, slot: int) -> bytes:
        return self.paras[slot]["exact"].astype("<u8").tobytes()

    def keys(
        self, options: ScanOptions, doc_lsh: LSHParams, para_lsh: LSHParams
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The band keys this document was filed under, from its stored shingles: its
        signature is the minimum over its own shingles, a paragraph's over its rows (as
        :func:`dedup.signing.sign_text` computes them)."""
        doc_keys = para_keys = None
        if options.level in ("doc", "both") and self.tokens > 0:
            whole, _ = signatures(self.seq[: self.own], np.zeros((0, 2), np.int64), options.num_perm, options.seed)
            doc_keys = band_keys(whole[None, :], doc_lsh)[0].view(np.int64)
        if options.level in ("paragraph", "both") and len(self.paras):
            spans = np.stack([self.paras["start"], self.paras["stop"]], axis=1).astype(np.int64)
            order = np.argsort(spans[:, 0], kind="stable")  # paragraphs shorter than the n-gram sit at the end
            _, parts = signatures(self.seq, spans[order], options.num_perm, options.seed)
            sigs = np.empty_like(parts)
            sigs[order] = parts
            para_keys = band_keys(sigs, para_lsh).view(np.int64)
        return doc_keys, para_keys


class Stored:
    """Stored documents by row, decoded on demand, the most recent :data:`DOC_CACHE` of
    them kept; and their paragraph texts."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.cache: OrderedDict[int, StoredDoc] = OrderedDict()

    def load(self, docs: Iterable[int]) -> dict[int, StoredDoc]:
        out: dict[int, StoredDoc] = {}
        missing = []
        for d in docs:
            if d in self.cache:
                self.cache.move_to_end(d)
                out[d] = self.cache[d]
            else:
                missing.append(d)
        for at in range(0, len(missing), MAX_PARAMS):
            part = missing[at : at + MAX_PARAMS]
            query = f"SELECT {_DOC_COLUMNS} FROM docs WHERE doc IN ({', '.join('?' * len(part))})"
            for row in self.db.execute(query, part):
                out[row[0]] = self.cache[row[0]] = StoredDoc.of(row)
        while len(self.cache) > DOC_CACHE:
            self.cache.popitem(last=False)
        return out

    def texts(self, doc: int) -> bytes:
        """The paragraph texts of stored document ``doc``, one after the other (UTF-8)."""
        return self.db.execute("SELECT data FROM texts WHERE doc = ?", (doc,)).fetchone()[0]

    def paragraph_text(self, doc: StoredDoc, slot: int, texts: bytes) -> str:
        p = doc.paras[slot]
        return texts[int(p["text_at"]) : int(p["text_end"])].decode("utf-8", "surrogatepass")


def absent(db: sqlite3.Connection, documents: Iterable[Document], skipped: list[str]) -> Iterator[Document]:
    """Documents whose id the index does not have; the others' ids go to ``skipped``."""
    it = iter(documents)
    while chunk := list(itertools.islice(it, MAX_PARAMS)):
        query = f"SELECT id FROM docs WHERE id IN ({', '.join('?' * len(chunk))})"
        present = {row[0] for row in db.execute(query, [doc.id for doc in chunk])}
        for doc in chunk:
            if doc.id in present:
                skipped.append(doc.id)
            else:
                yield doc


def drop(db: sqlite3.Connection, options: ScanOptions, ids: Sequence[str]) -> tuple[list[str], int]:
    """Delete the stored documents with these ids, with their paragraphs and band keys;
    returns the ids that were there and how many paragraphs they had."""
    dropped, paragraphs = [], 0
    stores = key_stores(db, options)
    doc_lsh, para_lsh = document_lsh(options), paragraph_lsh(options)
    for doc_id in ids:
        found = db.execute(f"SELECT {_DOC_COLUMNS} FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if found is None:
            continue
        stored = StoredDoc.of(found)
        doc_keys, para_keys = stored.keys(options, doc_lsh, para_lsh)
        if doc_keys is not None:
            stores["doc"].remove(doc_keys[None, :], np.array([stored.doc]))
        if para_keys is not None:
            para_keys = para_keys[:MAX_SLOTS]  # later paragraphs were not indexed
            stores["para"].remove(para_keys, item_of(np.full(len(para_keys), stored.doc), np.arange(len(para_keys))))
        db.execute("DELETE FROM docs WHERE doc = ?", (stored.doc,))
        db.execute("DELETE FROM texts WHERE doc = ?", (stored.doc,))
        paragraphs += len(stored.paras)
        dropped.append(doc_id)
    return dropped, paragraphs
