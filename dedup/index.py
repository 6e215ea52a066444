"""A persistent near-duplicate index: check each new batch against everything stored before.

An :class:`Index` is one SQLite file. ``add`` cleans and signs documents with the engine
of ``scan`` and stores what verification and the report need; ``query`` finds, for new
documents, the stored documents and paragraphs they near-duplicate, verified on exact
shingle sets as a scan does, and never re-reads an old text::

    with Index("news.idx") as index:          # created with ScanOptions() if absent
        index.add(iter_documents(["archive/"]))
        result = index.query(iter_documents(["today/"]))
    print(render_text(result))

Storage (schema 2), everything little-endian:

- ``meta``: format, schema, the options the index was built with, its LSH cuts and a
  fingerprint of the signing code, counters.
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
  shifted left 24 bits, or its slot among the document's paragraphs). Keys are uint64,
  stored as int64. The pairs of one level are kept in sorted runs, as in a log-structured
  merge tree: an add writes its pairs as a new run, and runs of about the same size are
  merged, so there are a few runs of each size. A run is cut, per band, into
  ``2**bits`` blocks by the leading ``bits`` bits of the key (keys are uniform hashes,
  so blocks hold about :data:`BLOCK_PAIRS` pairs each), and each block is one row: its
  pairs, sorted by key, as int64 (key, item) pairs, at rowid ``run << 40 | band << 28 |
  block``. Looking a key up reads one block per run, found from the key alone.
  Storing a run costs a sort and a row per block, where a B-tree of one row per pair
  (schema 1) cost 1.5 us per pair and rewrote most of its pages on every add.
  Exact copies share every band key; a candidate pair with equal exact keys is accepted
  with similarity 1.0.
- ``chrome``: lines the cleaner learned as site chrome in earlier adds, per group.

Cleaning across batches: each ``add`` and ``query`` learns corpus statistics from its own
documents, as a scan does, and also uses the chrome lines that earlier adds learned for
the same groups (folders or web domains) and corpus-wide. Each ``add`` stores what it
learned. So a single new page from a known site is cleaned like the stored pages were;
what stored documents were cleaned with is never revised.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json
import logging
import os
import sqlite3
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as _with
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

import numpy as np

import clean as cleaner

from . import __version__
from .clusters import UnionFind
from .documents import Document
from .engine import Failure, Ledger, Progress, batches, clean_options, learn, unique_ids
from .errors import IndexFileError, IndexOptionsError, InputError
from .lsh import LSHParams, band_keys
from .matching import Rule, document_lsh, paragraph_lsh, same_document, same_paragraph
from .minhash import signatures
from .options import ScanOptions
from .scan import DocCluster, DocMember, ParagraphCluster, ParagraphMember, ScanResult, Summary
from .signing import sign_text
from .spill import Spill
from .verify import Similarity, distinct, similarity
from .work import Context, Prepared, SignedBatch, parallel_map, sign_batch

__all__ = ["STORED_OPTIONS", "AddResult", "Index", "IndexMatches"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# The options an index is built with: they decide what is stored (shingles, signatures,
# band cuts, paragraphs, cleaning) and what is accepted, so a query must use the same.
# ``keep``, ``text_field``, ``id_field`` and ``jobs`` may differ from call to call.
STORED_OPTIONS = (
    "level", "ngram", "num_perm", "seed", "threshold", "containment", "min_length_ratio", "paragraph_threshold",
    "min_paragraph_words", "clean", "clean_rules",
)  # fmt: skip

FORMAT = "dedup-index"
SCHEMA = 2
APPLICATION_ID = int.from_bytes(b"ddix", "big")  # in the SQLite header: tells our files apart

# Bytes per SQLite page of a new index.
PAGE_SIZE = 4096
# Seconds a writer waits for another process's add to finish before giving up.
BUSY_TIMEOUT = 600.0
# SQLite page cache (KiB) of an add and of a query. An add appends rows and reads runs
# once, in order, to merge them; a query reads one block per key and run.
ADD_CACHE_KIB = 16 * 1024
QUERY_CACHE_KIB = 16 * 1024
# Bytes of write-ahead log kept after a checkpoint (a large add grows it to its size).
WAL_LIMIT = 64 << 20
# Band keys buffered before they are written as a run (16 bytes each with their item,
# twice that while sorting): bounds an add's memory; a long add writes several runs,
# which merging then joins.
KEY_CHUNK = 1 << 22
# Pairs of a key block, on average: a lookup reads one block per run, so small blocks make
# queries fast and large ones make adds cheap (a row each).
BLOCK_PAIRS = 128
# When runs are merged: a run must hold MERGE_RATIO times as many pairs as all newer runs
# together, and there are at most MAX_RUNS runs (a lookup reads a block per key and run;
# each merge rewrites the runs it merges).
MERGE_RATIO = 2
MAX_RUNS = 4
# Stored documents kept decoded during a query (pairs of one new document often share
# candidates; 4096 documents of 1,000 words is about 20 MB).
DOC_CACHE = 4096
# Keys looked up with one statement (SQLite before 3.32 allows 999 parameters).
_MAX_PARAMS = 900
# Per paragraph in ``docs.paras``: number, source line, shingle rows, text bytes, exact key.
_PARA = np.dtype(
    [("number", "<i4"), ("line", "<i4"), ("start", "<i4"), ("stop", "<i4"), ("text_at", "<i4"), ("text_end", "<i4"),
     ("exact", "<u8", (2,))]
)  # fmt: skip
# A fixed text whose band keys fingerprint the signing code (normalisation, shingles,
# MinHash, band keys): a dedup that signs differently cannot use the stored keys.
_PROBE_TEXT = (
    "Index probe: the quick brown fox jumps over the lazy dog, and then it jumps back again.\n\n"
    "A second paragraph, also long enough to be signed on its own, says \u201cfive\u201d words twice over."
)

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
# A paragraph's ``item`` among the band keys: its document's row shifted left by this many
# bits, or its slot (0-based among the document's stored paragraphs, at most 2**24).
_SLOT_BITS = 24
_MAX_SLOTS = 1 << _SLOT_BITS


@dataclass(frozen=True)
class AddResult:
    """What an add did: documents and paragraphs stored, ids left as they were because
    the index has them (``skipped``) or whose stored version was replaced, and failures."""

    added: int
    paragraphs: int
    skipped: tuple[str, ...]
    replaced: tuple[str, ...]
    errors: tuple[Failure, ...]
    cleaning: dict[str, Any] | None = None


class Index:
    """A near-duplicate index in the SQLite file ``path``.

    A new file is created with ``options`` (default :class:`ScanOptions`) updated with
    ``settings``; an existing one is opened with the options it was built with, and any
    option given that would change the answers (:data:`STORED_OPTIONS`) must equal the
    stored one, or :class:`IndexOptionsError` says which differ. ``create=False`` refuses
    a missing file. Not thread-safe; several processes may use one file at once (writers
    take turns, waiting up to ``timeout`` seconds).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        options: ScanOptions | None = None,
        *,
        create: bool = True,
        timeout: float = BUSY_TIMEOUT,
        **settings: Any,
    ) -> None:
        self.path = os.fspath(path)
        _with(options or ScanOptions(), **settings)  # bad values are refused before the file is touched
        if os.path.isdir(self.path):
            raise IndexFileError(f"{self.path}: is a folder; give the index's file name")
        if not create and not os.path.exists(self.path):
            raise IndexFileError(f"{self.path}: no such index; create it with add (dedup index add {self.path} PATH)")
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise IndexFileError(f"{self.path}: cannot open: {exc}") from None
        self._timeout = timeout
        try:
            with self._errors():
                self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                self.options = self._open(create, options, settings)
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._db.execute("PRAGMA temp_store = MEMORY")
                self._db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT}")
        except BaseException:
            self._db.close()
            raise
        self._doc_lsh = document_lsh(self.options)
        self._para_lsh = paragraph_lsh(self.options)

    # -- opening ------------------------------------------------------------------------

    def _open(self, create: bool, options: ScanOptions | None, settings: dict[str, Any]) -> ScanOptions:
        meta = self._identify()
        if meta is None:
            if not create:
                raise IndexFileError(f"{self.path}: empty file, not an index")
            wanted = _with(options or ScanOptions(), **settings)
            self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only before the first write
            self._db.execute("PRAGMA journal_mode = WAL")
            with self._write():
                meta = self._identify()  # another process may have created it meanwhile
                if meta is None:
                    self._create(wanted)
                    log.info("%s: new index (%s)", self.path, _describe(wanted))
                    return wanted
        return self._check(meta, options, settings)

    def _identify(self) -> dict[str, str] | None:
        """The meta table of our index; None for an empty file; errors for anything else."""
        try:
            app = self._db.execute("PRAGMA application_id").fetchone()[0]  # from the file header
            if app != APPLICATION_ID:
                tables = sorted(r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"{self.path}: not a dedup index ({exc}); give a new file name or an index") from None
        if app != APPLICATION_ID:
            if app == 0 and not tables:
                return None
            listed = ", ".join(tables[:6]) + (", ..." if len(tables) > 6 else "")
            raise IndexFileError(
                f"{self.path}: an SQLite database but not a dedup index (tables: {listed or 'none'}); "
                "give a new file name or an index"
            )
        try:
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"{self.path}: damaged index ({exc}); rebuild it from its sources") from None
        if meta.get("format") != FORMAT:
            raise IndexFileError(f"{self.path}: damaged index (format {meta.get('format')!r}); rebuild it")
        if int(meta.get("schema", 0)) > SCHEMA:
            raise IndexFileError(
                f"{self.path}: made by a newer dedup ({meta.get('created_by')}, schema {meta['schema']}; "
                f"this one reads schema {SCHEMA}); upgrade dedup"
            )
        if int(meta.get("schema", 0)) < SCHEMA:
            raise IndexFileError(
                f"{self.path}: made by an older dedup ({meta.get('created_by')}, schema {meta.get('schema')}; "
                f"this one reads schema {SCHEMA}, which stores band keys differently); rebuild the index: "
                "add its sources to a new file"
            )
        return meta

    def _create(self, options: ScanOptions) -> None:
        statements = [s for s in _SCHEMA_SQL.split(";") if s.strip()]  # not executescript(): it commits
        for statement in statements:
            self._db.execute(statement)
        self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self._db.execute(f"PRAGMA user_version = {SCHEMA}")
        now = _now()
        meta = {
            "format": FORMAT,
            "schema": SCHEMA,
            "created_by": f"dedup {__version__}",
            "created": now,
            "updated": now,
            "options": json.dumps({name: getattr(options, name) for name in STORED_OPTIONS}),
            "lsh": json.dumps(_cuts(options)),
            "signing": _signing_fingerprint(options),
            "documents": 0,
            "paragraphs": 0,
            "adds": 0,
            "next_doc": 1,
        }
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])

    def _check(self, meta: dict[str, str], options: ScanOptions | None, settings: dict[str, Any]) -> ScanOptions:
        stored = json.loads(meta["options"])
        base = options if options is not None else ScanOptions(**stored)
        wanted = _with(base, **settings)
        differ = [
            f"{name}={stored.get(name)!r} (asked for {getattr(wanted, name)!r})"
            for name in STORED_OPTIONS
            if stored.get(name) != getattr(wanted, name)
        ]
        if differ:
            raise IndexOptionsError(
                f"{self.path} was built with {', '.join(differ)}; its stored signatures and band keys only "
                "answer for its own options: leave these options out, or build a new index"
            )
        if json.loads(meta["lsh"]) != _cuts(wanted) or meta["signing"] != _signing_fingerprint(wanted):
            raise IndexOptionsError(
                f"{self.path} was built by {meta.get('created_by')}, whose signatures or band keys differ from "
                f"those of this dedup ({__version__}): the stored keys cannot be matched; rebuild the index"
            )
        return wanted

    # -- transactions and errors ----------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors about the file as :class:`IndexFileError`; bugs pass through."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            kind = _kind(exc)
            if kind == "busy":
                raise IndexFileError(
                    f"{self.path}: locked by another process for over {self._timeout:g} s (an add still running?); "
                    "try again when it is done"
                ) from None
            if kind == "damaged":
                raise IndexFileError(f"{self.path}: damaged index ({exc}); rebuild it from its sources") from None
            if kind == "file":
                raise IndexFileError(f"{self.path}: {exc}") from None
            raise

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction: all of it is stored, or none of it."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[None]:
        """One read transaction: the index as it was when it began, whatever others add."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("ROLLBACK")

    def _meta(self, name: str) -> str:
        return self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()[0]

    def _count(self, name: str, change: int) -> None:
        self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE name = ?", (change, name))

    # -- public operations -----------------------------------------------------------------

    def add(
        self, documents: Iterable[Document | InputError], replace: bool = False, progress: Progress | None = None
    ) -> AddResult:
        """Clean, sign and store ``documents`` (consumed once), as one transaction.

        A document whose id is in the index is skipped, or with ``replace`` stored in
        place of the old one (only once the new one has been signed). Unreadable inputs
        and repeated ids are failures, as in a scan.
        """
        with self._errors(), self._write():
            self._db.execute(f"PRAGMA cache_size = -{ADD_CACHE_KIB}")
            number = int(self._meta("adds")) + 1
            ledger = Ledger()
            skipped: list[str] = []
            replaced: list[str] = []
            fresh = unique_ids(documents, ledger)
            if not replace:
                fresh = self._absent(fresh, skipped)
            ctx, items, learned, groups, staged_stats = self._prepare(fresh, ledger, progress)
            with items as (spill, stream):
                writer = _Writer(self._db, _key_stores(self._db, self.options), int(self._meta("next_doc")), number)
                done = 0
                work = ((self.options.level, batch) for batch in batches(stream))
                for _, packed in parallel_map(_sign_and_pack, work, ctx, self.options.jobs):
                    for error in packed.failures:
                        ledger.fail(Failure.of(error), instead=True)
                    if replace:
                        replaced += self._drop_present([row[0] for row in packed.docs])
                    writer.put(packed)
                    done += len(packed.docs) + len(packed.failures)
                    if progress:
                        progress("add", done)
                writer.flush()
            if learned is not None:
                self._remember(learned, groups)
            self._count("documents", writer.documents - len(replaced))
            self._count("paragraphs", writer.paragraphs)
            self._db.execute("UPDATE meta SET value = ? WHERE name = 'next_doc'", (str(writer.next_doc),))
            self._db.execute("UPDATE meta SET value = ? WHERE name = 'adds'", (str(number),))
            self._db.execute("UPDATE meta SET value = ? WHERE name = 'updated'", (_now(),))
        log.info("%s: added %d documents (%d replaced), skipped %d", self.path, writer.documents, len(replaced),
                 len(skipped))  # fmt: skip
        cleaning = _cleaning(writer.removed_by_rule, writer.flagged, staged_stats) if self.options.clean else None
        return AddResult(
            writer.documents, writer.paragraphs, tuple(skipped), tuple(replaced), tuple(ledger.failures), cleaning
        )

    def query(self, documents: Iterable[Document | InputError], progress: Progress | None = None) -> ScanResult:
        """The stored documents and paragraphs that ``documents`` near-duplicate.

        Returns what a scan of the stored documents followed by ``documents`` reports for
        pairs of a stored and a new item: document clusters keep a stored document (the
        first stored, or the longest stored with ``keep="longest"``) and list the new
        copies with their similarity to it; paragraph clusters put stored paragraphs
        first. Pairs of two stored or two new items are not compared (scan the new batch
        for those). Paragraphs of new documents that copy a stored one are not compared
        again, as in a scan. Never modifies the index; memory does not grow with its size.
        """
        with self._errors(), self._read():
            self._db.execute(f"PRAGMA cache_size = -{QUERY_CACHE_KIB}")
            ledger = Ledger()
            ctx, items, _, _, stats = self._prepare(unique_ids(documents, ledger), ledger, progress)
            with items as (spill, stream):
                matcher = _Matcher(self._db, self.options, spill)
                done = 0
                for batch, signed in parallel_map(sign_batch, batches(stream), ctx, self.options.jobs):
                    for _, error in signed.failures:
                        ledger.fail(Failure.of(error), instead=True)
                    matcher.put([item.doc if isinstance(item, Prepared) else item for item in batch], signed)
                    done += len(batch)
                    if progress:
                        progress("query", done)
                cleaning = _cleaning(matcher.removed_by_rule, matcher.flagged, stats) if self.options.clean else None
                return matcher.result(tuple(ledger.failures), cleaning)

    @contextmanager
    def matching(self) -> Iterator[IndexMatches]:
        """Match signed batches against the index within one read snapshot: what
        ``dedup run --index`` uses, so that new documents are signed once. Pass the
        yielded object's ``stats`` and ``put`` to :func:`dedup.engine.collect`."""
        with self._errors(), self._read(), Spill() as spill:
            self._db.execute(f"PRAGMA cache_size = -{QUERY_CACHE_KIB}")
            yield IndexMatches(self, _Matcher(self._db, self.options, spill))

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the documents with these ids (and their paragraphs and keys); returns how
        many were in the index. One transaction."""
        with self._errors(), self._write():
            dropped = self._drop_present(list(dict.fromkeys(ids)))
            self._count("documents", -len(dropped))
            if dropped:
                self._db.execute("UPDATE meta SET value = ? WHERE name = 'updated'", (_now(),))
        return len(dropped)

    def stats(self) -> dict[str, Any]:
        """Sizes, counts and the options the index was built with (JSON-ready)."""
        with self._errors(), self._read():
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
            lines, groups = self._db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT CASE WHEN corpus = 0 THEN grp END) FROM chrome"
            ).fetchone()
        size = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        documents = int(meta["documents"])
        return {
            "path": self.path,
            "documents": documents,
            "paragraphs": int(meta["paragraphs"]),
            "adds": int(meta["adds"]),
            "created": meta["created"],
            "updated": meta["updated"],
            "created_by": meta["created_by"],
            "schema": int(meta["schema"]),
            "bytes": size,
            "bytes_per_document": round(size / documents) if documents else None,
            "chrome_lines": lines,
            "chrome_groups": groups,
            "options": json.loads(meta["options"]),
        }

    def __contains__(self, doc_id: object) -> bool:
        with self._errors():
            return self._db.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self._errors():
            return int(self._meta("documents"))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Index({self.path!r}, {_describe(self.options)})"

    # -- steps ---------------------------------------------------------------------------

    def _absent(self, documents: Iterable[Document], skipped: list[str]) -> Iterator[Document]:
        """Documents whose id the index does not have; the others' ids go to ``skipped``."""
        it = iter(documents)
        while chunk := list(itertools.islice(it, _MAX_PARAMS)):
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT id FROM docs WHERE id IN ({marks})"
            present = {row[0] for row in self._db.execute(query, [doc.id for doc in chunk])}
            for doc in chunk:
                if doc.id in present:
                    skipped.append(doc.id)
                else:
                    yield doc

    def _prepare(
        self, documents: Iterable[Document], ledger: Ledger, progress: Progress | None
    ) -> tuple[Context, _Items, cleaner.CorpusStats | None, set[str], cleaner.CorpusStats | None]:
        """The signing context and the documents for pass 2; when cleaning, pass 1 first.

        Returns what pass 1 learned (to remember after an add), the groups of the
        documents, and the statistics used (learned plus remembered chrome).
        """
        options = self.options
        ctx = Context(
            options, clean_options=clean_options(options), doc_lsh=self._doc_lsh, paragraph_lsh=self._para_lsh
        )
        spill = Spill()
        if not options.clean:
            return ctx, _Items(spill, documents), None, set(), None
        head, documents = _peek(documents, 2)
        try:
            if len(head) < 2:  # one document: nothing to learn (a one-document query is common)
                stream: Iterable[Document | Prepared] = head
                groups, learned = {d.group for d in head if d.group is not None}, None
            else:
                staged, learned = learn(documents, ctx, spill, ledger, progress)
                stream = (s.load(spill) for s in staged)
                groups = {s.doc.group for s in staged if s.doc.group is not None}
            stats = _merge_stats(learned, self._chrome(groups))
        except BaseException:
            spill.close()
            raise
        return _with(ctx, stats=stats), _Items(spill, stream), learned, groups, stats

    def _chrome(self, groups: set[str]) -> _Chrome:
        """The chrome lines earlier adds learned, corpus-wide and for ``groups``."""
        chrome = _Chrome()
        rows = self._db.execute("SELECT grp, line, docs, text FROM chrome WHERE corpus = 1").fetchall()
        names = sorted(groups)
        for at in range(0, len(names), 500):
            part = names[at : at + 500]
            rows += self._db.execute(
                f"SELECT grp, line, docs, text FROM chrome WHERE grp IN ({', '.join('?' * len(part))})", part
            ).fetchall()
        for grp, line, docs, text in rows:
            chrome.add(grp, line & 0xFFFFFFFFFFFFFFFF, docs, text)
        return chrome

    def _remember(self, learned: cleaner.CorpusStats, groups: set[str]) -> None:
        """Store the chrome lines an add learned, for later adds and queries."""
        rows = [
            (grp, _signed64(h), int(grp not in groups), learned.counts.get(h, 0), learned.texts.get(h))
            for grp, lines in learned.repeated.items()
            for h in lines
        ]
        self._db.executemany(
            "INSERT INTO chrome VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, line) DO UPDATE "
            "SET docs = max(docs, excluded.docs), text = coalesce(text, excluded.text)",
            rows,
        )

    def _drop_present(self, ids: Sequence[str]) -> list[str]:
        """Delete the stored documents with these ids, with their paragraphs and keys;
        returns the ids that were there."""
        dropped = []
        stores = _key_stores(self._db, self.options)
        for doc_id in ids:
            found = self._db.execute(
                "SELECT doc, id, tokens, exact, own, paras, shingles FROM docs WHERE id = ?", (doc_id,)
            ).fetchone()
            if found is None:
                continue
            stored = _Stored.of(found)
            doc_keys, para_keys = _keys_of(stored, self.options, self._doc_lsh, self._para_lsh)
            if doc_keys is not None:
                stores["doc"].remove(doc_keys[None, :], np.array([stored.doc]))
            if para_keys is not None:
                para_keys = para_keys[:_MAX_SLOTS]  # later paragraphs were not indexed
                stores["para"].remove(para_keys, _item(np.full(len(para_keys), stored.doc), np.arange(len(para_keys))))
            self._db.execute("DELETE FROM docs WHERE doc = ?", (stored.doc,))
            self._db.execute("DELETE FROM texts WHERE doc = ?", (stored.doc,))
            self._count("paragraphs", -len(stored.paras))
            dropped.append(doc_id)
        return dropped


class _Items:
    """The documents for pass 2 and the scratch file they (and the run) use."""

    def __init__(self, spill: Spill, stream: Iterable[Document | Prepared]) -> None:
        self.spill = spill
        self.stream = stream

    def __enter__(self) -> tuple[Spill, Iterable[Document | Prepared]]:
        return self.spill, self.stream

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.spill.close()


# -- storing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Packed:
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


def _sign_and_pack(work: tuple[str, list[Document | Prepared]]) -> _Packed:
    """Sign a batch (in a worker) and pack it for storing, so that the process that
    writes the index only runs SQLite."""
    level, batch = work
    signed = sign_batch(batch)
    n = signed.rows.size
    counts = np.bincount(signed.para_doc, minlength=n) if n else np.zeros(0, dtype=np.int64)
    first = np.cumsum(counts) - counts
    slot = np.arange(signed.para_doc.size) - first[signed.para_doc]
    if slot.size and int(slot.max()) >= _MAX_SLOTS:
        log.warning("paragraphs after the %d-th of a document are not indexed", _MAX_SLOTS)
    paras = np.zeros(signed.para_doc.size, dtype=_PARA)
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
    keep = slot < _MAX_SLOTS if level in ("paragraph", "both") else np.zeros(slot.size, dtype=bool)
    return _Packed(
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


class _Writer:
    """Stores packed batches: document rows as they come, band keys in sorted runs."""

    def __init__(self, db: sqlite3.Connection, keys: dict[str, _Keys], next_doc: int, number: int) -> None:
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

    def put(self, packed: _Packed) -> None:
        n = len(packed.docs)
        rows = np.arange(self.next_doc, self.next_doc + n, dtype=np.int64)
        self.next_doc += n
        self.documents += n
        self.paragraphs += packed.paragraphs
        _tally(packed.removed_by_rule, packed.flags, self.removed_by_rule, self.flagged)
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
            self._keep("para", packed.para_keys, _item(rows[packed.para_doc], packed.para_slot))
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


def _key_stores(db: sqlite3.Connection, options: ScanOptions) -> dict[str, _Keys]:
    """The band keys of each level, by level."""
    return {
        "doc": _Keys(db, "doc", document_lsh(options).bands),
        "para": _Keys(db, "para", paragraph_lsh(options).bands),
    }


def _item(doc: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """A paragraph's number in the key tables: its document's row, then its slot.

    >>> _item(np.array([3]), np.array([2])).tolist()
    [50331650]
    """
    return (doc.astype(np.int64) << _SLOT_BITS) | slot.astype(np.int64)


def _tally(
    removed: dict[str, int], flags_of: list[tuple[str, ...]], by_rule: dict[str, int], flagged: dict[str, int]
) -> None:
    for rule, count in removed.items():
        by_rule[rule] = by_rule.get(rule, 0) + count
    for flags in flags_of:
        for flag in flags:
            flagged[flag] = flagged.get(flag, 0) + 1


@dataclass
class _Stored:
    """A stored document as verification needs it."""

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
    def of(cls, row: tuple[Any, ...]) -> _Stored:
        doc, doc_id, tokens, exact, own, paras, shingles = row
        return cls(doc, doc_id, tokens, exact, own, np.frombuffer(paras, dtype=_PARA), np.frombuffer(shingles, "<u4"))

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


def _keys_of(
    stored: _Stored, options: ScanOptions, doc_lsh: LSHParams, para_lsh: LSHParams
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The band keys a stored document was filed under, from its stored shingles: its
    signature is the minimum over its own shingles, a paragraph's over its rows (as
    :func:`dedup.signing.sign_text` computes them)."""
    doc_keys = para_keys = None
    if options.level in ("doc", "both") and stored.tokens > 0:
        whole, _ = signatures(stored.seq[: stored.own], np.zeros((0, 2), np.int64), options.num_perm, options.seed)
        doc_keys = band_keys(whole[None, :], doc_lsh)[0].view(np.int64)
    if options.level in ("paragraph", "both") and len(stored.paras):
        spans = np.stack([stored.paras["start"], stored.paras["stop"]], axis=1).astype(np.int64)
        order = np.argsort(spans[:, 0], kind="stable")  # paragraphs shorter than the n-gram sit at the end
        _, parts = signatures(stored.seq, spans[order], options.num_perm, options.seed)
        sigs = np.empty_like(parts)
        sigs[order] = parts
        para_keys = band_keys(sigs, para_lsh).view(np.int64)
    return doc_keys, para_keys


# -- band keys ----------------------------------------------------------------------------

# Where a block of a run is (see the module docstring): rowid = run << 40 | band << 28 | block.
_RUN_SHIFT = 40
_BAND_SHIFT = 28
_MAX_BITS = _BAND_SHIFT
# A merge reads its runs a key range at a time: this many output blocks' worth, per band.
_MERGE_SLICE_BITS = 12
# Requests (key, band, run) answered at once by a lookup: bounds its memory.
_FIND_CHUNK = 1 << 14


class _Run(NamedTuple):
    """A sorted run of one level: its id, pairs per band, and blocks per band (log 2)."""

    run: int
    pairs: int
    bits: int


class _Keys:
    """The band keys of one level (``doc`` or ``para``) of an index: (key, item) pairs in
    sorted runs of blocks, written a run at a time and merged (see the module docstring)."""

    def __init__(self, db: sqlite3.Connection, level: str, bands: int) -> None:
        self.db = db
        self.level = level
        self.bands = bands
        self.table = f"{level}_blocks"

    def runs(self) -> list[_Run]:
        rows = self.db.execute("SELECT run, pairs, bits FROM runs WHERE level = ? ORDER BY run", (self.level,))
        return [_Run(*row) for row in rows]

    def write(self, keys: np.ndarray, items: np.ndarray) -> None:
        """Store ``keys`` (one row of ``bands`` int64 keys per item) as a new run, merged
        at once with the runs :func:`_merge_from` says it joins (so that it is not
        written and read back), then merge further as it says."""
        if not items.size:
            return
        runs = self.runs()
        first = _merge_from([r.pairs for r in runs] + [items.size])
        if first is None:
            self._merge([], (keys, items))
        else:
            self._merge(runs[first:], (keys, items))
        while True:
            runs = self.runs()
            first = _merge_from([r.pairs for r in runs])
            if first is None:
                break
            self._merge(runs[first:])

    def find(self, keys: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (item of ``items``, stored item) that share a key in some band: ``keys``
        holds one row of int64 band keys per item. Reads one block per key and run."""
        runs = self.runs()
        if not runs or not items.size:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        blocks = np.concatenate([self._blocks(r, keys).ravel() for r in runs])
        wanted = np.tile(keys.ravel(), len(runs)).view(np.uint64)
        whose = np.tile(np.repeat(np.asarray(items, dtype=np.int64), self.bands), len(runs))
        mine, theirs = [], []
        for at in range(0, blocks.size, _FIND_CHUNK):
            part = slice(at, at + _FIND_CHUNK)
            stored, start, stop = self._read(blocks[part])
            column = stored[:, 0].view(np.uint64)
            first = _bound(column, wanted[part], start, stop)
            hit = np.flatnonzero(first < stop)
            hit = hit[column[first[hit]] == wanted[part][hit]]
            if not hit.size:
                continue
            last = _bound(column, wanted[part][hit], first[hit], stop[hit], right=True)
            counts = last - first[hit]  # pairs stored under the key (at least one)
            rows = np.arange(counts.sum()) + np.repeat(first[hit] - (np.cumsum(counts) - counts), counts)
            mine.append(np.repeat(whose[part][hit], counts))
            theirs.append(stored[rows, 1])
        if not mine:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(mine), np.concatenate(theirs)

    def remove(self, keys: np.ndarray, items: np.ndarray) -> int:
        """Delete the pairs of ``items`` (all of one document) filed under ``keys`` (as for
        :meth:`find`); returns how many there were."""
        runs = self.runs()
        if not runs or not items.size:
            return 0
        blocks = np.unique(np.concatenate([self._blocks(r, keys).ravel() for r in runs]))
        gone: dict[int, int] = {}
        for at in range(0, blocks.size, _MAX_PARAMS):
            for block, data in self._fetch(blocks[at : at + _MAX_PARAMS].tolist()):
                pairs = np.frombuffer(data, "<i8").reshape(-1, 2)
                keep = ~np.isin(pairs[:, 1], items)
                dropped = int(pairs.shape[0] - keep.sum())
                if not dropped:
                    continue
                run = block >> _RUN_SHIFT
                gone[run] = gone.get(run, 0) + dropped
                if keep.any():
                    self.db.execute(f"UPDATE {self.table} SET data = ? WHERE block = ?", (pairs[keep].tobytes(), block))
                else:
                    self.db.execute(f"DELETE FROM {self.table} WHERE block = ?", (block,))
        for run, dropped in gone.items():
            self.db.execute("UPDATE runs SET pairs = pairs - ? WHERE run = ?", (dropped // self.bands, run))
        return sum(gone.values())

    def _blocks(self, run: _Run, keys: np.ndarray) -> np.ndarray:
        """Block rowids of run ``run`` where ``keys`` (items x bands) are filed."""
        parts = _parts(np.ascontiguousarray(keys).view(np.uint64), run.bits)
        bands = np.arange(self.bands, dtype=np.int64) << _BAND_SHIFT
        return (run.run << _RUN_SHIFT) | bands | parts

    def _read(self, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored (key, item) pairs of these blocks, and for each block in ``blocks``
        the rows of its pairs among them (from, to)."""
        ids, inverse = np.unique(blocks, return_inverse=True)
        rows = []
        for at in range(0, ids.size, _MAX_PARAMS):
            rows += self._fetch(ids[at : at + _MAX_PARAMS].tolist())
        sizes = np.zeros(ids.size, dtype=np.int64)
        data: tuple[bytes, ...] = ()
        if rows:
            got, data = zip(*rows)
            sizes[np.searchsorted(ids, np.array(got, dtype=np.int64))] = np.array(list(map(len, data))) >> 4
        stored = np.frombuffer(b"".join(data), "<i8").reshape(-1, 2)
        start = (np.cumsum(sizes) - sizes)[inverse]
        return stored, start, start + sizes[inverse]

    def _fetch(self, ids: list[int]) -> list[tuple[int, bytes]]:
        """(rowid, pairs) of the blocks ``ids`` that exist, in rowid order."""
        marks = ", ".join("?" * len(ids))
        query = f"SELECT block, data FROM {self.table} WHERE block IN ({marks}) ORDER BY block"
        return self.db.execute(query, ids).fetchall()

    def _new_run(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(run), 0) + 1 FROM runs").fetchone()[0])

    def _put(self, run: int, band: int, bits: int, keys: np.ndarray, items: np.ndarray) -> None:
        """Write sorted uint64 ``keys`` and their ``items`` as the blocks of ``band`` of ``run``."""
        if not keys.size:
            return
        parts = _parts(keys, bits)
        starts = np.flatnonzero(np.concatenate(([True], parts[1:] != parts[:-1])))
        ends = np.append(starts[1:], keys.size)
        pairs = np.empty((keys.size, 2), dtype="<i8")
        pairs[:, 0] = keys.view(np.int64)
        pairs[:, 1] = items
        raw = memoryview(pairs.tobytes())
        ids = ((run << _RUN_SHIFT) | (band << _BAND_SHIFT) | parts[starts]).tolist()
        rows = zip(ids, (raw[16 * a : 16 * b] for a, b in zip(starts.tolist(), ends.tolist())))
        self.db.executemany(f"INSERT INTO {self.table} VALUES (?, ?)", rows)

    def _merge(self, group: list[_Run], fresh: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Write the runs ``group`` and the pairs of ``fresh`` (keys, items: not stored
        yet) as one run, a key range of each band at a time, dropping what it has read."""
        pairs = sum(r.pairs for r in group) + (fresh[1].size if fresh is not None else 0)
        run, bits = self._new_run(), _bits(pairs)
        cut = max(0, bits - _MERGE_SLICE_BITS)  # leading key bits of a slice
        slices = np.arange((1 << cut) + 1)
        # Blocks hold only hashes and row numbers: no need to overwrite their pages with
        # zeros (SQLite's secure_delete, on in some builds) when they are freed.
        secure = self.db.execute("PRAGMA secure_delete").fetchone()[0]
        self.db.execute("PRAGMA secure_delete = OFF")
        try:
            for band in range(self.bands):
                if fresh is not None:
                    column = np.ascontiguousarray(fresh[0][:, band]).view(np.uint64)
                    order = np.argsort(column)  # not "stable": numpy's radix sort is 4 times as slow on uint64
                    new = np.stack([column[order].view(np.int64), fresh[1][order]], axis=1)
                    bounds = np.searchsorted(_parts(column[order], cut), slices).tolist()
                for j in range(1 << cut):
                    pieces = [self._take(r, band, cut, j) for r in group]
                    if fresh is not None:
                        pieces.append(new[bounds[j] : bounds[j + 1]])
                    merged = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
                    if len(pieces) > 1:  # sorted pieces: a merge sort finds them
                        merged = merged[np.argsort(merged[:, 0].view(np.uint64), kind="stable")]
                    self._put(run, band, bits, merged[:, 0].view(np.uint64), merged[:, 1])
            for r in group:
                self.db.execute("DELETE FROM runs WHERE run = ?", (r.run,))
        finally:
            self.db.execute(f"PRAGMA secure_delete = {secure}")
        self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?)", (run, self.level, pairs, bits))

    def _take(self, run: _Run, band: int, cut: int, j: int) -> np.ndarray:
        """The (key, item) pairs of ``band`` of ``run`` whose keys begin with the ``cut``
        bits of ``j``, sorted by key; blocks read to the end are deleted."""
        base = (run.run << _RUN_SHIFT) | (band << _BAND_SHIFT)
        if run.bits >= cut:
            first, last = j << (run.bits - cut), ((j + 1) << (run.bits - cut)) - 1
        else:  # one block holds this slice and others
            first = last = j >> (cut - run.bits)
        span = (base | first, base | last)
        rows = self.db.execute(f"SELECT data FROM {self.table} WHERE block BETWEEN ? AND ? ORDER BY block", span)
        pairs = np.frombuffer(b"".join(r[0] for r in rows), "<i8").reshape(-1, 2)
        if run.bits < cut:
            pairs = pairs[_parts(pairs[:, 0].view(np.uint64), cut) == j]
        if run.bits >= cut or (j + 1) % (1 << (cut - run.bits)) == 0:
            self.db.execute(f"DELETE FROM {self.table} WHERE block BETWEEN ? AND ?", span)
        return pairs


def _bits(pairs: int) -> int:
    """Leading key bits that cut ``pairs`` uniform keys into blocks of at most
    :data:`BLOCK_PAIRS` on average.

    >>> _bits(1), _bits(BLOCK_PAIRS), _bits(BLOCK_PAIRS + 1), _bits(4 * BLOCK_PAIRS)
    (0, 0, 1, 2)
    """
    return min(_MAX_BITS, ((max(pairs, 1) - 1) // BLOCK_PAIRS).bit_length())


def _bound(
    values: np.ndarray, targets: np.ndarray, start: np.ndarray, stop: np.ndarray, right: bool = False
) -> np.ndarray:
    """For each target, the first position in its range ``values[start:stop]`` (sorted)
    whose value is at least the target (greater, with ``right``): a binary search of
    all the ranges at once.

    >>> _bound(np.array([1, 3, 3, 7, 2, 9]), np.array([3, 3, 8]), np.array([0, 0, 4]), np.array([4, 4, 6]))
    array([1, 1, 5])
    >>> _bound(np.array([1, 3, 3, 7]), np.array([3]), np.array([0]), np.array([4]), right=True)
    array([3])
    """
    at, left = start.copy(), stop - start
    while (live := left > 0).any():
        half = left >> 1
        middle = at + half
        value = values[np.minimum(middle, values.size - 1)]
        up = live & ((value <= targets) if right else (value < targets))
        at = np.where(up, middle + 1, at)
        left = np.where(up, left - half - 1, half)
    return at


def _parts(keys: np.ndarray, bits: int) -> np.ndarray:
    """The block of each uint64 key: its leading ``bits`` bits (as int64).

    >>> _parts(np.array([0, 2**63, 2**64 - 1], dtype=np.uint64), 2).tolist()
    [0, 2, 3]
    """
    if not bits:
        return np.zeros(keys.shape, dtype=np.int64)
    return (keys >> np.uint64(64 - bits)).astype(np.int64)


def _merge_from(sizes: list[int]) -> int | None:
    """Where to merge runs of these sizes (oldest first): the oldest run holding fewer
    than :data:`MERGE_RATIO` times the pairs of all newer runs together, which is merged
    with them; else the second newest when there are more than :data:`MAX_RUNS` runs;
    else None. So an add's run joins earlier runs of about its size, each pair is
    rewritten about log(index size / add size) times, and runs are few.

    >>> _merge_from([100, 40, 10]), _merge_from([1000, 100, 40, 30]), _merge_from([100, 60, 20, 30])
    (None, 1, 0)
    >>> _merge_from([1000, 300, 100, 30, 10])
    3
    """
    first, behind = None, 0  # behind: pairs of the runs newer than run k - 1
    for k in range(len(sizes) - 1, 0, -1):
        behind += sizes[k]
        if sizes[k - 1] < MERGE_RATIO * behind:
            first = k - 1
    if first is None and len(sizes) > MAX_RUNS:
        first = len(sizes) - 2
    return first


# -- querying -----------------------------------------------------------------------------


class _NewDoc(NamedTuple):
    """A new document that matched: what the report needs, its set in the scratch file."""

    id: str
    tokens: int
    exact: bytes
    set_at: tuple[int, int]


class _NewPara(NamedTuple):
    """A new paragraph that matched (``doc`` is its document's number in the query)."""

    id: str
    doc: int
    tokens: int
    number: int
    line: int
    exact: bytes
    set_at: tuple[int, int]
    text_at: tuple[int, int]


class _Matcher:
    """Checks new documents against the index a batch at a time, and keeps the accepted
    pairs (with what the report needs of the new side, in the scratch file) until
    :meth:`result` clusters them."""

    def __init__(self, db: sqlite3.Connection, options: ScanOptions, spill: Spill) -> None:
        self.db = db
        self.options = options
        self.spill = spill
        self.keys = _key_stores(db, options)
        self.same_document: Rule = same_document(options)
        self.same_paragraph: Rule = same_paragraph(options)
        self.cache: OrderedDict[int, _Stored] = OrderedDict()
        self.documents = 0
        self.paragraphs = 0  # new paragraphs compared
        self.numbered = 0  # new paragraphs seen (compared or not)
        self.candidates = 0
        self.rejected = 0
        self.removed_by_rule: dict[str, int] = {}
        self.flagged: dict[str, int] = {}
        self.new_docs: dict[int, _NewDoc] = {}
        self.new_paras: dict[int, _NewPara] = {}
        self.doc_pairs: list[tuple[int, int]] = []  # (stored doc, new document)
        self.para_pairs: list[tuple[tuple[int, int], int]] = []  # ((stored doc, slot), new paragraph)

    def put(self, docs: list[Document], signed: SignedBatch) -> None:
        """Match one signed batch: documents first, then paragraphs of the unmatched ones."""
        options = self.options
        n = signed.rows.size
        base = self.documents
        self.documents += n
        _tally(signed.removed_by_rule, signed.flags, self.removed_by_rule, self.flagged)
        ids = [docs[k].id for k in signed.rows.tolist()]
        seq_at = np.cumsum(signed.shingle_counts) - signed.shingle_counts

        def rows_of(j: int, start: int, stop: int) -> np.ndarray:
            return distinct(signed.shingles[seq_at[j] + start : seq_at[j] + stop])

        matched = np.zeros(n, dtype=bool)
        if options.level in ("doc", "both"):
            active = np.flatnonzero(signed.tokens > 0)
            pairs = self._candidates("doc", signed.band_keys[active], active)
            stored = self._load({p[1] for p in pairs})
            sets: dict[int, np.ndarray] = {}
            for j, d, _ in pairs:
                if j not in sets:
                    sets[j] = rows_of(j, 0, int(signed.doc_shingles[j]))
                exact = signed.exact[j].astype("<u8").tobytes()
                if not self._accept(stored[d].exact, exact, stored[d].doc_set, sets[j], self.same_document):
                    continue
                matched[j] = True
                self.doc_pairs.append((d, base + j))
                if base + j not in self.new_docs:
                    self.new_docs[base + j] = _NewDoc(ids[j], int(signed.tokens[j]), exact, self._park(sets[j]))

        if options.level in ("paragraph", "both") and signed.para_doc.size:
            first = self.numbered
            self.numbered += int(signed.para_doc.size)
            active = np.flatnonzero(~matched[signed.para_doc])
            self.paragraphs += int(active.size)
            pairs = self._candidates("para", signed.para_band_keys[active], active)
            stored = self._load({p[1] for p in pairs})
            sets = {}
            for k, d, slot in pairs:
                j = int(signed.para_doc[k])
                if k not in sets:
                    sets[k] = rows_of(j, int(signed.para_start[k]), int(signed.para_stop[k]))
                exact = signed.para_exact[k].astype("<u8").tobytes()
                other = stored[d]
                stored_exact = other.paras[slot]["exact"].astype("<u8").tobytes()
                stored_set = functools.partial(other.para_set, slot)
                if not self._accept(stored_exact, exact, stored_set, sets[k], self.same_paragraph):
                    continue
                self.para_pairs.append(((d, slot), first + k))
                if first + k not in self.new_paras:
                    text = signed.para_texts[k].encode("utf-8", "surrogatepass")
                    self.new_paras[first + k] = _NewPara(
                        ids[j], base + j, int(signed.tokens[j]), int(signed.para_index[k]), int(signed.para_line[k]),
                        exact, self._park(sets[k]), (self.spill.append(text), len(text)),
                    )  # fmt: skip

    def _accept(
        self, stored_exact: bytes, exact: bytes, stored_set: Callable[[], np.ndarray], new_set: np.ndarray, rule: Rule
    ) -> bool:
        """Exact copies always; other candidates when their shingle sets pass ``rule``."""
        if stored_exact == exact:
            return True
        self.candidates += 1
        a = stored_set()
        if rule(similarity(a, new_set), a, new_set):
            return True
        self.rejected += 1
        return False

    def _park(self, values: np.ndarray) -> tuple[int, int]:
        raw = values.astype("<u4").tobytes()
        return self.spill.append(raw), len(raw)

    def _unpark(self, at: tuple[int, int]) -> np.ndarray:
        return np.frombuffer(self.spill.read(*at), dtype="<u4")

    def _candidates(self, level: str, keys: np.ndarray, items: np.ndarray) -> list[tuple[int, int, int]]:
        """Sorted distinct (item, stored doc, slot) triples that share a band key (slot 0
        for documents)."""
        mine, stored = self.keys[level].find(keys.view(np.int64), items)
        if level == "doc":
            return sorted({(item, doc, 0) for item, doc in zip(mine.tolist(), stored.tolist())})
        mask = _MAX_SLOTS - 1
        return sorted({(item, s >> _SLOT_BITS, s & mask) for item, s in zip(mine.tolist(), stored.tolist())})

    def _load(self, docs: Iterable[int]) -> dict[int, _Stored]:
        """Stored documents by row, from the cache or the index."""
        out: dict[int, _Stored] = {}
        missing = []
        for d in docs:
            if d in self.cache:
                self.cache.move_to_end(d)
                out[d] = self.cache[d]
            else:
                missing.append(d)
        for at in range(0, len(missing), 500):
            part = missing[at : at + 500]
            marks = ", ".join("?" * len(part))
            query = f"SELECT doc, id, tokens, exact, own, paras, shingles FROM docs WHERE doc IN ({marks})"
            for row in self.db.execute(query, part):
                out[row[0]] = self.cache[row[0]] = _Stored.of(row)
        while len(self.cache) > DOC_CACHE:
            self.cache.popitem(last=False)
        return out

    def result(self, errors: tuple[Failure, ...], cleaning: dict[str, Any] | None) -> ScanResult:
        doc_clusters = self._doc_clusters()
        paragraph_clusters = self._paragraph_clusters()
        summary = Summary.of(
            self.documents,
            len(errors),
            doc_clusters,
            self.paragraphs,
            paragraph_clusters,
            self.candidates,
            self.rejected,
        )
        return ScanResult(self.options, summary, tuple(doc_clusters), tuple(paragraph_clusters), errors, cleaning)

    def _order(self, tokens: int, position: Any) -> tuple[Any, ...]:
        """Keep order, as in a scan: input order, or longest first."""
        return (-tokens, position) if self.options.keep == "longest" else (position,)

    def _doc_clusters(self) -> list[DocCluster]:
        """Clusters of the accepted pairs; each keeps a stored document, new copies last."""
        groups = _components(self.doc_pairs)
        stored = self._load({d for group in groups for d in group[0]})
        out = []
        for old, new in groups:
            old.sort(key=lambda d: self._order(stored[d].tokens, d))
            new.sort(key=lambda k: self._order(self.new_docs[k].tokens, k))
            kept = stored[old[0]]
            base = kept.doc_set()
            members = [DocMember(kept.id, 1.0, 1.0)]
            for d in old[1:]:
                members.append(_doc_member(kept, stored[d].id, stored[d].exact, stored[d].doc_set(), base))
            for k in new:
                item = self.new_docs[k]
                members.append(_doc_member(kept, item.id, item.exact, self._unpark(item.set_at), base))
            out.append(DocCluster(kept.id, tuple(members)))
        return out

    def _paragraph_clusters(self) -> list[ParagraphCluster]:
        """Clusters of the accepted paragraph pairs; stored paragraphs first."""
        groups = _components(self.para_pairs)
        stored = self._load({d for group in groups for d, _ in group[0]})
        texts: dict[int, bytes] = {}

        def stored_member(d: int, slot: int, base: np.ndarray | None, base_exact: bytes) -> ParagraphMember:
            doc = stored[d]
            p = doc.paras[slot]
            if d not in texts:
                texts[d] = self.db.execute("SELECT data FROM texts WHERE doc = ?", (d,)).fetchone()[0]
            text = texts[d][int(p["text_at"]) : int(p["text_end"])].decode("utf-8", "surrogatepass")
            exact = p["exact"].astype("<u8").tobytes()
            sim = 1.0 if base is None or exact == base_exact else similarity(base, doc.para_set(slot)).jaccard
            return ParagraphMember(doc.id, int(p["number"]), int(p["line"]) or None, text, round(sim, 4))

        out = []
        for old, new in groups:
            old.sort(key=lambda ds: (*self._order(stored[ds[0]].tokens, ds[0]), ds[1]))
            new.sort(key=lambda k: (*self._order(self.new_paras[k].tokens, self.new_paras[k].doc), k))
            d0, slot0 = old[0]
            base = stored[d0].para_set(slot0)
            base_exact = stored[d0].paras[slot0]["exact"].astype("<u8").tobytes()
            members = [stored_member(d0, slot0, None, base_exact)]
            members += [stored_member(d, slot, base, base_exact) for d, slot in old[1:]]
            for k in new:
                item = self.new_paras[k]
                sim = 1.0 if item.exact == base_exact else similarity(base, self._unpark(item.set_at)).jaccard
                text = self.spill.read(*item.text_at).decode("utf-8", "surrogatepass")
                members.append(ParagraphMember(item.id, item.number, item.line or None, text, round(sim, 4)))
            out.append(ParagraphCluster(min(m.similarity for m in members[1:]), tuple(members)))
        return out


class IndexMatches:
    """What new documents share with an index, from their signed batches: the stored
    document each new one copies, and the stored paragraph each new paragraph repeats."""

    def __init__(self, index: Index, matcher: _Matcher) -> None:
        self._index = index
        self._matcher = matcher

    def stats(self, learned: cleaner.CorpusStats | None, groups: set[str]) -> cleaner.CorpusStats | None:
        """The batch's corpus statistics plus the chrome the index remembers for its groups."""
        return _merge_stats(learned, self._index._chrome(groups))

    def put(self, docs: list[Document], signed: SignedBatch) -> None:
        """Match one signed batch (documents first, then paragraphs of the others)."""
        self._matcher.put(docs, signed)

    def documents(self) -> dict[str, tuple[str, Any]]:
        """New document id -> (stored id, :class:`~dedup.verify.Similarity`) of the most
        similar stored document it copies."""
        m = self._matcher
        stored = m._load({d for d, _ in m.doc_pairs})
        best: dict[str, tuple[float, int, str, Any]] = {}
        for d, k in m.doc_pairs:
            new, old = m.new_docs[k], stored[d]
            sim = Similarity(1.0, 1.0) if new.exact == old.exact else similarity(old.doc_set(), m._unpark(new.set_at))
            rank = (sim.jaccard, -d)
            if new.id not in best or rank > best[new.id][:2]:
                best[new.id] = (*rank, old.id, sim)
        return {doc_id: (found[2], found[3]) for doc_id, found in best.items()}

    def paragraphs(self) -> dict[tuple[str, int], dict[str, Any]]:
        """(new document id, paragraph number) -> the stored paragraph it repeats most
        closely: ``{"id", "paragraph", "line", "similarity"}``."""
        m = self._matcher
        stored = m._load({d for (d, _), _ in m.para_pairs})
        best: dict[tuple[str, int], tuple[float, int, int, dict[str, Any]]] = {}
        for (d, slot), k in m.para_pairs:
            new, old = m.new_paras[k], stored[d]
            p = old.paras[slot]
            exact = p["exact"].astype("<u8").tobytes()
            jaccard = 1.0 if exact == new.exact else similarity(old.para_set(slot), m._unpark(new.set_at)).jaccard
            found = {"id": old.id, "paragraph": int(p["number"]), "line": int(p["line"]) or None,
                     "similarity": round(jaccard, 4)}  # fmt: skip
            key = (new.id, new.number)
            if key not in best or (jaccard, -d, -slot) > best[key][:3]:
                best[key] = (jaccard, -d, -slot, found)
        return {key: value[3] for key, value in best.items()}


def _doc_member(kept: _Stored, doc_id: str, exact: bytes, values: np.ndarray, base: np.ndarray) -> DocMember:
    if exact == kept.exact:
        return DocMember(doc_id, 1.0, 1.0)
    sim = similarity(base, values)
    return DocMember(doc_id, round(sim.jaccard, 4), round(sim.containment, 4))


def _components(pairs: list[tuple[Any, int]]) -> list[tuple[list[Any], list[int]]]:
    """Connected components of (stored item, new item) pairs, as (stored, new) lists,
    ordered by their first stored item.

    >>> _components([(7, 1), (3, 2), (7, 2), (9, 4)])
    [([3, 7], [1, 2]), ([9], [4])]
    """
    old = sorted({a for a, _ in pairs})
    new = sorted({b for _, b in pairs})
    node = {("old", a): i for i, a in enumerate(old)}
    node.update({("new", b): len(old) + i for i, b in enumerate(new)})
    uf = UnionFind(len(node))
    for a, b in pairs:
        uf.union(node["old", a], node["new", b])
    return [
        ([old[i] for i in group if i < len(old)], [new[i - len(old)] for i in group if i >= len(old)])
        for group in uf.groups()
    ]


# -- cleaning statistics across adds ------------------------------------------------------


@dataclass
class _Chrome:
    """Chrome lines remembered from earlier adds: per group key, the line hashes."""

    repeated: dict[str, set[int]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    group_of: dict[int, str] = field(default_factory=dict)

    def add(self, group: str, line: int, docs: int, text: str | None) -> None:
        self.repeated.setdefault(group, set()).add(line)
        if docs > self.counts.get(line, 0):
            self.counts[line] = docs
            self.group_of[line] = group
        if text is not None:
            self.texts.setdefault(line, text)

    def __len__(self) -> int:
        return sum(len(v) for v in self.repeated.values())


def _merge_stats(learned: cleaner.CorpusStats | None, chrome: _Chrome) -> cleaner.CorpusStats | None:
    """What a batch learned, plus the chrome earlier adds learned for the same groups."""
    if not len(chrome):
        return learned
    if learned is None:
        learned = cleaner.CorpusStats(documents=0, group_docs={}, repeated={})
    groups = set(learned.repeated) | set(chrome.repeated)
    return cleaner.CorpusStats(
        documents=learned.documents,
        group_docs=dict(learned.group_docs),
        repeated={g: frozenset(learned.repeated.get(g, frozenset()) | chrome.repeated.get(g, set())) for g in groups},
        counts={**chrome.counts, **learned.counts},
        texts={**chrome.texts, **learned.texts},
        group_of={**chrome.group_of, **learned.group_of},
        notes=(*learned.notes, f"{len(chrome)} chrome lines remembered from earlier adds"),
    )


def _cleaning(by_rule: dict[str, int], flagged: dict[str, int], stats: cleaner.CorpusStats | None) -> dict[str, Any]:
    return {
        "removed_lines_by_rule": dict(sorted(by_rule.items())),
        "flags": dict(sorted(flagged.items())),
        "corpus_stats": stats.describe() if stats is not None else None,
    }


# -- small helpers --------------------------------------------------------------------------


# SQLite's primary result codes by what they say about the index file.
_ERROR_KINDS = {
    "SQLITE_BUSY": "busy", "SQLITE_LOCKED": "busy", "SQLITE_CORRUPT": "damaged", "SQLITE_NOTADB": "damaged",
    "SQLITE_IOERR": "file", "SQLITE_FULL": "file", "SQLITE_READONLY": "file", "SQLITE_CANTOPEN": "file",
    "SQLITE_PERM": "file", "SQLITE_PROTOCOL": "file",
}  # fmt: skip
# The same from the message, for Python 3.10 (no ``sqlite_errorname``).
_ERROR_MESSAGES = {
    "locked": "busy", "malformed": "damaged", "not a database": "damaged", "disk": "file", "readonly": "file",
    "unable to open": "file",
}  # fmt: skip


def _kind(exc: sqlite3.DatabaseError) -> str | None:
    """What a SQLite error says about the index: busy, damaged, file, or None (a bug)."""
    name = getattr(exc, "sqlite_errorname", None)
    if name is not None:
        return _ERROR_KINDS.get("_".join(name.split("_")[:2]))
    message = str(exc)
    return next((kind for words, kind in _ERROR_MESSAGES.items() if words in message), None)


def _cuts(options: ScanOptions) -> dict[str, list[int]]:
    doc, para = document_lsh(options), paragraph_lsh(options)
    return {"doc": [doc.bands, doc.rows], "paragraph": [para.bands, para.rows]}


def _signing_fingerprint(options: ScanOptions) -> str:
    """A hash of the band keys of a fixed text: equal iff this code signs as the index's did."""
    signed = sign_text(_PROBE_TEXT, options)
    doc = band_keys(signed.signature[None, :], document_lsh(options))
    para = band_keys(signed.paragraphs.signatures, paragraph_lsh(options))
    digest = zlib.crc32(doc.astype("<u8").tobytes() + para.astype("<u8").tobytes() + signed.exact)
    return f"{digest:08x}"


def _peek(items: Iterable[T], n: int) -> tuple[list[T], Iterator[T]]:
    """The first ``n`` items (fewer if there are not so many), and all the items again.

    >>> head, again = _peek(iter("abc"), 2)
    >>> head, "".join(again)
    (['a', 'b'], 'abc')
    """
    it = iter(items)
    head = list(itertools.islice(it, n))
    return head, itertools.chain(head, it)


def _signed64(value: int) -> int:
    """An unsigned 64-bit value as SQLite's signed integer.

    >>> _signed64(2**64 - 1), _signed64(5)
    (-1, 5)
    """
    return value - (1 << 64) if value >= 1 << 63 else value


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _describe(options: ScanOptions) -> str:
    return ", ".join(f"{name}={getattr(options, name)!r}" for name in STORED_OPTIONS)
