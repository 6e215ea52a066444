"""The :class:`Index`: one SQLite file, opened, checked, added to and queried.

Adds and removes are one write transaction each; a query, and the matching of
``dedup run --index``, read one snapshot. Signing, matching and reporting are the
engine's (:func:`dedup.engine.collect`, :mod:`dedup.matching`, :mod:`dedup.scan`);
this module holds the file's lifecycle and the order of the steps.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace as _with
from types import TracebackType
from typing import Any

import clean as cleaner

from ..documents import Document
from ..engine import Collection, Failure, Ledger, Progress, batches, clean_options, collect, learn, unique_ids
from ..errors import IndexFileError, InputError, OptionsError
from ..matching import document_lsh, paragraph_lsh
from ..options import KEEP_RULES, ScanOptions
from ..scan import ScanResult, cleaning_report
from ..spill import Spill
from ..verify import Similarity
from ..work import Context, Prepared, SignedBatch, parallel_map
from . import meta
from .chrome import read_chrome, remember, with_chrome
from .matcher import Matcher
from .result import query_result
from .storage import Writer, absent, create_tables, drop, key_stores, sign_and_pack

__all__ = ["AddResult", "Index", "IndexMatches"]

log = logging.getLogger(__name__)

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
    a missing file. Adding and querying need this Python's Unicode version to be the
    index's (see :mod:`dedup.index.meta`). Not thread-safe; several processes may use one
    file at once (writers take turns, waiting up to ``timeout`` seconds).
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
        given = _with(options or ScanOptions(), **settings)  # bad values are refused before the file is touched
        if given.keep not in KEEP_RULES or given.same_url:
            raise OptionsError(
                f"an index keeps the first or the longest document (keep {given.keep!r}, same_url {given.same_url}"
                " given): ranking by a field, keeping none, and --same-url need the whole corpus at once"
            )
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

    # -- opening ------------------------------------------------------------------------

    def _open(self, create: bool, options: ScanOptions | None, settings: dict[str, Any]) -> ScanOptions:
        found = meta.identify(self._db, self.path)
        if found is None:
            if not create:
                raise IndexFileError(f"{self.path}: empty file, not an index")
            wanted = _with(options or ScanOptions(), **settings)
            self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only before the first write
            self._db.execute("PRAGMA journal_mode = WAL")
            with self._write():
                found = meta.identify(self._db, self.path)  # another process may have created it meanwhile
                if found is None:
                    self._create(wanted)
                    log.info("%s: new index (%s)", self.path, meta.describe(wanted))
                    return wanted
        return meta.check_options(self.path, found, options, settings)

    def _create(self, options: ScanOptions) -> None:
        create_tables(self._db)
        self._db.execute(f"PRAGMA application_id = {meta.APPLICATION_ID}")
        self._db.execute(f"PRAGMA user_version = {meta.SCHEMA}")
        rows = [(k, str(v)) for k, v in meta.new_meta(options).items()]
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", rows)

    # -- transactions and errors ----------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors about the file as :class:`IndexFileError`; bugs pass through."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            kind = meta.error_kind(exc)
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

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def _set(self, name: str, value: object) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, str(value)))

    def _count(self, name: str, change: int) -> None:
        self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE name = ?", (change, name))

    def _tokens_as_stored(self, record: bool = False) -> None:
        """Refuse new texts if the index's tokens were made under another Unicode version;
        with ``record``, note this Python's version in an index that has none yet."""
        stored = self._meta("unicode")
        meta.check_unicode(self.path, stored)
        if stored is None and record:
            log.info("%s: no Unicode version recorded; recording %s", self.path, meta.UNICODE)
            self._set("unicode", meta.UNICODE)

    # -- public operations -----------------------------------------------------------------

    def add(
        self, documents: Iterable[Document | InputError], replace: bool = False, progress: Progress | None = None
    ) -> AddResult:
        """Clean, sign and store ``documents`` (consumed once), as one transaction.

        A document whose id is in the index is skipped, or with ``replace`` stored in
        place of the old one (only once the new one has been signed). Unreadable inputs
        and repeated ids are failures, as in a scan.
        """
        with self._errors(), self._write(), Spill() as spill:
            self._tokens_as_stored(record=True)
            self._db.execute(f"PRAGMA cache_size = -{ADD_CACHE_KIB}")
            number = int(self._meta("adds") or 0) + 1
            ledger = Ledger()
            skipped: list[str] = []
            replaced: list[str] = []
            fresh = unique_ids(documents, ledger)
            if not replace:
                fresh = absent(self._db, fresh, skipped)
            learned: cleaner.CorpusStats | None = None  # what pass 1 learned, to remember
            groups: set[str] = set()
            used: cleaner.CorpusStats | None = None  # what pass 2 cleaned with

            def stats_hook(found: cleaner.CorpusStats | None, seen: set[str]) -> cleaner.CorpusStats | None:
                nonlocal learned, groups, used
                learned, groups = found, seen
                used = with_chrome(found, read_chrome(self._db, seen))
                return used

            ctx, stream = self._pass_one(fresh, ledger, spill, progress, stats_hook)
            writer = Writer(self._db, key_stores(self._db, self.options), int(self._meta("next_doc") or 1), number)
            done = 0
            work = ((self.options.level, batch) for batch in batches(stream))
            for _, packed in parallel_map(sign_and_pack, work, ctx, self.options.jobs):
                for error in packed.failures:
                    ledger.fail(Failure.of(error), instead=True)
                if replace:
                    replaced += self._drop([row[0] for row in packed.docs])
                writer.put(packed)
                done += len(packed.docs) + len(packed.failures)
                if progress:
                    progress("add", done)
            writer.flush()
            if learned is not None:
                remember(self._db, learned, groups)
            self._count("documents", writer.documents - len(replaced))
            self._count("paragraphs", writer.paragraphs)
            self._set("next_doc", writer.next_doc)
            self._set("adds", number)
            self._set("updated", meta.now())
        log.info("%s: added %d documents (%d replaced), skipped %d", self.path, writer.documents, len(replaced),
                 len(skipped))  # fmt: skip
        cleaning = cleaning_report(writer.removed_by_rule, writer.flagged, used) if self.options.clean else None
        return AddResult(
            writer.documents, writer.paragraphs, tuple(skipped), tuple(replaced), tuple(ledger.failures), cleaning
        )

    def query(self, documents: Iterable[Document | InputError], progress: Progress | None = None) -> ScanResult:
        """The stored documents and paragraphs that ``documents`` near-duplicate.

        Returns what a scan of the stored documents followed by ``documents`` reports for
        pairs of a stored and a new item: each new document (paragraph) is dropped for
        the first stored one in keep order (storage order, or longest first with
        ``keep="longest"``) that it matches directly, and a cluster lists a stored item
        and the new ones dropped for it, with their similarity to it. Pairs of two stored
        or two new items are not compared (scan the new batch for those). Paragraphs of
        new documents that copy a stored one are not compared, as in a scan. Never
        modifies the index; memory grows with ``documents``, not with the index.
        """
        with self.matching() as known:
            with collect(documents, self.options, progress, stats_hook=known.stats, batch_hook=known.put) as found:
                return known.result(found)

    @contextmanager
    def matching(self) -> Iterator[IndexMatches]:
        """Match signed batches against the index within one read snapshot: what
        ``query`` and ``dedup run --index`` use, so that new documents are signed once.
        Pass the yielded object's ``stats`` and ``put`` to :func:`dedup.engine.collect`."""
        with self._errors(), self._read():
            self._tokens_as_stored()
            self._db.execute(f"PRAGMA cache_size = -{QUERY_CACHE_KIB}")
            yield IndexMatches(self._db, self.options)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the documents with these ids (and their paragraphs and keys); returns how
        many were in the index. One transaction."""
        with self._errors(), self._write():
            dropped = self._drop(list(dict.fromkeys(ids)))
            self._count("documents", -len(dropped))
            if dropped:
                self._set("updated", meta.now())
        return len(dropped)

    def stats(self) -> dict[str, Any]:
        """Sizes, counts and the options the index was built with (JSON-ready);
        ``unicode`` is None for an index made before the version was recorded."""
        with self._errors(), self._read():
            found = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
            lines, groups = self._db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT CASE WHEN corpus = 0 THEN grp END) FROM chrome"
            ).fetchone()
        size = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        documents = int(found["documents"])
        return {
            "path": self.path,
            "documents": documents,
            "paragraphs": int(found["paragraphs"]),
            "adds": int(found["adds"]),
            "created": found["created"],
            "updated": found["updated"],
            "created_by": found["created_by"],
            "schema": int(found["schema"]),
            "unicode": found.get("unicode"),
            "bytes": size,
            "bytes_per_document": round(size / documents) if documents else None,
            "chrome_lines": lines,
            "chrome_groups": groups,
            "options": json.loads(found["options"]),
        }

    def __contains__(self, doc_id: object) -> bool:
        with self._errors():
            return self._db.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self._errors():
            return int(self._meta("documents") or 0)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Index({self.path!r}, {meta.describe(self.options)})"

    # -- steps ---------------------------------------------------------------------------

    def _pass_one(
        self,
        documents: Iterable[Document],
        ledger: Ledger,
        spill: Spill,
        progress: Progress | None,
        stats_hook: Callable[[cleaner.CorpusStats | None, set[str]], cleaner.CorpusStats | None],
    ) -> tuple[Context, Iterable[Document | Prepared]]:
        """The signing context and the documents for pass 2, after pass 1 when cleaning:
        :func:`dedup.engine.collect`'s first half, for an add, whose second half packs rows
        for SQLite in the workers instead of collecting them."""
        options = self.options
        ctx = Context(
            options, clean_options=clean_options(options), doc_lsh=document_lsh(options),
            paragraph_lsh=paragraph_lsh(options),
        )  # fmt: skip
        if not options.clean:
            return ctx, documents
        staged, learned = learn(documents, ctx, spill, ledger, progress)
        groups = {s.doc.group for s in staged if s.doc.group is not None}
        return _with(ctx, stats=stats_hook(learned, groups)), (s.load(spill) for s in staged)

    def _drop(self, ids: list[str]) -> list[str]:
        dropped, paragraphs = drop(self._db, self.options, ids)
        self._count("paragraphs", -paragraphs)
        return dropped


class IndexMatches:
    """What new documents share with an index, from their signed batches (see
    :mod:`dedup.index.matcher`): the stored document each new one is dropped for, and
    the stored paragraph each new paragraph repeats, each the first in keep order that
    it matches directly."""

    def __init__(self, db: sqlite3.Connection, options: ScanOptions) -> None:
        self._db = db
        self._options = options
        self._matcher = Matcher(db, options)

    def stats(self, learned: cleaner.CorpusStats | None, groups: set[str]) -> cleaner.CorpusStats | None:
        """The batch's corpus statistics plus the chrome the index remembers for its groups."""
        return with_chrome(learned, read_chrome(self._db, groups))

    def put(self, docs: list[Document], signed: SignedBatch) -> None:
        """Match one signed batch (documents first, then paragraphs of the others)."""
        self._matcher.put(docs, signed)

    def documents(self) -> dict[str, tuple[str, Similarity]]:
        """New document id -> (stored id, :class:`~dedup.verify.Similarity`) of the stored
        document it is dropped for."""
        return {doc_id: (found.id, found.similarity) for doc_id, found in self._matcher.docs.values()}

    def paragraphs(self) -> dict[tuple[str, int], dict[str, Any]]:
        """(new document id, paragraph number) -> the stored paragraph it repeats:
        ``{"id", "paragraph", "line", "similarity"}`` (Jaccard)."""
        return {
            (doc_id, number): {
                "id": found.id,
                "paragraph": found.number,
                "line": found.line or None,
                "similarity": round(found.similarity.jaccard, 4),
            }
            for doc_id, number, found in self._matcher.paras.values()
        }

    def result(self, collection: Collection) -> ScanResult:
        """The query report of the documents ``collection`` holds, signed through :meth:`put`."""
        return query_result(self._matcher, collection, self._options)
