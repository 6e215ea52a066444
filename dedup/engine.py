"""The engine shared by ``scan`` and ``run``: collect signed documents, then decide.

:func:`collect` reads the documents once: pass 1 (when cleaning) learns the cleaner's
corpus statistics and parks main texts in the scratch file; pass 2 cleans and signs in
workers. Memory keeps, per document and per paragraph, only ids, counts, exact keys and
band keys; shingle sequences and texts wait in the scratch file (:mod:`dedup.spill`)
until verification or the output needs them. :func:`decide` then finds the document
clusters, the kept document of each, and the clusters of paragraphs among the kept ones.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

import numpy as np

import clean as cleaner

from .documents import Document
from .errors import ConfigError, InputError
from .keep import KeepPolicy, field_ranks, keep_order, value_of
from .matching import Matches, Verified, accepted_by, document_lsh, match, paragraph_lsh, same_document, same_paragraph
from .options import ScanOptions
from .spill import BandKeys, Spill
from .urls import canonical_url
from .verify import Similarity, distinct, similarity
from .work import EXAMPLES, Context, Prepared, SignedBatch, parallel_map, prepare_batch, sign_batch

__all__ = [
    "Collection", "Decisions", "Failure", "Ledger", "Progress", "batches", "cleaner_options", "collect", "decide",
    "keep_order", "keep_rank", "learn", "unique_ids", "without_fields",
]  # fmt: skip

# Documents per batch sent to a worker, and the text size that closes a batch early.
BATCH_DOCS = 64
BATCH_CHARS = 1 << 20

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Failure:
    """An input that could not be processed: file, line (records), reason, and the
    document id when it is known."""

    path: str
    error: str
    line: int | None = None
    id: str | None = None

    @classmethod
    def of(cls, error: InputError) -> Failure:
        return cls(error.path, error.reason, error.line, error.doc_id)


class Ledger:
    """Every input in the order it was read: a document id, or the failure in its place."""

    def __init__(self) -> None:
        self.entries: list[str | Failure] = []
        self._at: dict[str, int] = {}

    def document(self, doc_id: str) -> None:
        self._at[doc_id] = len(self.entries)
        self.entries.append(doc_id)

    def fail(self, failure: Failure, instead: bool = False) -> None:
        """Record a failure: ``instead`` of its document's entry (it failed in a worker),
        or as a new input (it could not be read)."""
        if instead and failure.id in self._at and self.entries[self._at[failure.id]] == failure.id:
            self.entries[self._at[failure.id]] = failure
        else:
            self.entries.append(failure)

    @property
    def failures(self) -> list[Failure]:
        return [e for e in self.entries if isinstance(e, Failure)]


def unique_ids(items: Iterable[Document | InputError], ledger: Ledger) -> Iterator[Document]:
    """Documents with an id not seen before; errors and repeated ids go to the ledger."""
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, InputError):
            ledger.fail(Failure.of(item))
        elif item.id in seen:
            line = item.line if item.record else None
            reason = f"duplicate document id {item.id!r} (first from {seen[item.id]}); skipped"
            ledger.fail(Failure(item.source or item.id, reason, line, item.id))
        else:
            seen[item.id] = item.source or item.id
            ledger.document(item.id)
            yield item


def batches(items: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    chars = 0
    for item in items:
        batch.append(item)
        chars += len(item.text)
        if len(batch) >= BATCH_DOCS or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


@dataclass(frozen=True, slots=True)
class Staged:
    """A pass-1 result waiting for pass 2: the document without its text, and where the
    main text and line map were put in the scratch file.

    One is held per document until pass 2 is done, so it is slotted and flat: offsets
    and sizes (``lines_at`` -1 without a line map), no metadata dict when there is none.
    Measured with tracemalloc: 263 bytes a document besides the document, 125 now.
    """

    doc: Document
    text_at: int
    text_size: int
    lines_at: int
    lines_size: int
    metadata: dict[str, str] | None

    @classmethod
    def store(cls, prepared: Prepared, spill: Spill) -> Staged:
        text = prepared.text.encode("utf-8", "surrogatepass")
        lines_at, lines_size = -1, 0
        if prepared.lines is not None:
            raw = np.asarray(prepared.lines, dtype="<i4").tobytes()
            lines_at, lines_size = spill.append(raw), len(raw)
        slim = replace(prepared.doc, text="")
        return cls(slim, spill.append(text), len(text), lines_at, lines_size, dict(prepared.metadata) or None)

    def load(self, spill: Spill) -> Prepared:
        text = spill.read(self.text_at, self.text_size).decode("utf-8", "surrogatepass")
        lines = None
        if self.lines_at >= 0:
            lines = tuple(np.frombuffer(spill.read(self.lines_at, self.lines_size), dtype="<i4").tolist())
        return Prepared(self.doc, text, lines, dict(self.metadata or {}))


def learn(
    documents: Iterable[Document], ctx: Context, spill: Spill, ledger: Ledger, progress: Progress | None
) -> tuple[list[Staged], cleaner.CorpusStats | None]:
    """Pass 1: main texts to the scratch file, and the cleaner's corpus statistics.

    An exact copy of a document already seen adds nothing to the statistics: otherwise a
    text copied three times would look like site chrome to the cleaner.
    """
    builder = cleaner.CorpusStatsBuilder(ctx.clean_options)
    staged: list[Staged] = []
    for _, results in parallel_map(prepare_batch, batches(documents), ctx, ctx.options.jobs):
        for item in results:
            if isinstance(item, InputError):
                ledger.fail(Failure.of(item), instead=True)
                continue
            prepared, fp, key = item
            builder.add(fp, prepared.doc.group, doc_key=key)
            staged.append(Staged.store(prepared, spill))
            del item, prepared
        del results  # not alive while the next batch is read and prepared
        if progress:
            progress("learn", len(staged))
    # Corpus statistics need a corpus: with one document there is nothing to learn.
    return staged, builder.build() if len(staged) > 1 else None


def cleaner_options(rules: str | None) -> cleaner.CleanOptions:
    """The cleaner's options: built-in rules, plus those of the user's rules file if any
    (whose errors become :class:`~dedup.errors.ConfigError`)."""
    if rules is None:
        return cleaner.CleanOptions()
    try:
        return cleaner.CleanOptions(rules=cleaner.load_rules(rules))
    except cleaner.CleanError as exc:
        raise ConfigError(str(exc)) from None


def clean_options(options: ScanOptions) -> cleaner.CleanOptions:
    """The cleaner's options for a run: built-in rules, plus the user's rule file if any."""
    return cleaner_options(options.clean_rules)


@dataclass(frozen=True)
class DocInfo:
    """What a run reports of a signed document besides its signature."""

    doc: Document
    removed_by_rule: dict[str, int]  # boilerplate spans removed, per rule
    flags: tuple[str, ...]
    metadata: dict[str, str]


# The columns of band keys: kept on disk a band at a time (:class:`~dedup.spill.BandKeys`),
# never in memory whole; the largest columns by far (240 bytes a paragraph by default).
BAND_COLUMNS = ("keys", "para_band_keys")


class Collection:
    """The signed documents and paragraphs of a run, as columns, with the scratch file.

    Use as a context manager (it owns the scratch file). Rows are documents in input
    order; paragraph rows are in document order. Band key columns (:data:`BAND_COLUMNS`)
    stay on disk (read a band at a time), bucketed within the ``memory`` budget (bytes; ``None``:
    no limit; see :func:`dedup.lsh.buckets`).
    """

    def __init__(
        self,
        spill: Spill,
        ledger: Ledger,
        keep_text: bool,
        keep_field: str | None = None,
        same_url: bool = False,
        memory: int | None = None,
    ) -> None:
        self.spill = spill
        self.memory = memory
        self.ledger = ledger
        self.keep_text = keep_text
        self.keep_field = keep_field
        self.same_url = same_url
        # Per document: the raw value of the keep field, and the canonical URL (when asked).
        self.keep_values: list[Any] = []
        self.urls: list[str | None] = []
        self.ids: list[str] = []
        self.infos: list[DocInfo] = []
        self.removed_by_rule: dict[str, int] = {}
        self.removed_words_by_rule: dict[str, int] = {}
        self.rule_examples: dict[str, list[str]] = {}
        # Pass 1's staging of each document (its main text before cleaning), by id, when
        # the collection was asked to keep them (a review shows what cleaning removed).
        self.staged: dict[str, Staged] = {}
        self.flagged: dict[str, int] = {}
        self.stats: cleaner.CorpusStats | None = None
        self._parts: dict[str, list[np.ndarray]] = {}
        self._columns: dict[str, np.ndarray] = {}
        self._rows: dict[str, int] = {}
        self._fields_at: list[tuple[int, int] | None] = []  # where each document's record fields are

    def _put(self, name: str, column: np.ndarray) -> None:
        if name in BAND_COLUMNS:
            store = self._columns.get(name)
            if store is None:
                store = self._columns[name] = BandKeys(column.shape[1], memory=self.memory)
            store.append(column)
            return
        self._parts.setdefault(name, []).append(column)

    def add(self, docs: list[Document], batch: SignedBatch) -> None:
        """Keep a batch's results; shingles and texts go to the scratch file."""
        base = len(self.ids)
        for _, error in batch.failures:
            self.ledger.fail(Failure.of(error), instead=True)
        kept = [docs[k] for k in batch.rows.tolist()]
        self.ids.extend(d.id for d in kept)
        if self.keep_field is not None:
            name = self.keep_field
            self.keep_values.extend(value_of(name, d.fields, d.meta, batch.metadata[k]) for k, d in enumerate(kept))
        if self.same_url:
            self.urls.extend(canonical_url(d.meta["url"]) if d.meta.get("url") else None for d in kept)
        at = self.spill.append(batch.shingles.astype("<u4").tobytes())
        self._put("shingles_at", at + 4 * (np.cumsum(batch.shingle_counts) - batch.shingle_counts))
        for name in ("doc_shingles", "tokens", "exact"):
            self._put(name, getattr(batch, name))
        self._put("keys", batch.band_keys)
        for rule, count in batch.removed_by_rule.items():
            self.removed_by_rule[rule] = self.removed_by_rule.get(rule, 0) + count
        for rule, count in batch.words_by_rule.items():
            self.removed_words_by_rule[rule] = self.removed_words_by_rule.get(rule, 0) + count
        for rule, texts in batch.examples.items():
            shown = self.rule_examples.setdefault(rule, [])
            shown.extend(t for t in texts if len(shown) < EXAMPLES and t not in shown)
        for flags in batch.flags:
            for flag in flags:
                self.flagged[flag] = self.flagged.get(flag, 0) + 1
        if self.keep_text:
            self._put("text_at", self._store_texts(batch.texts))
            for k, doc in enumerate(kept):
                # A record's fields wait in the scratch file until the output needs them.
                at = None
                if doc.fields:
                    raw = pickle.dumps(dict(doc.fields), pickle.HIGHEST_PROTOCOL)
                    at = (self.spill.append(raw), len(raw))
                self._fields_at.append(at)
                info = DocInfo(replace(doc, fields={}) if doc.fields else doc, batch.rules[k], batch.flags[k],
                               batch.metadata[k])  # fmt: skip
                self.infos.append(info)
            self._put("para_first", batch.para_first)
            self._put("para_last", batch.para_last)
        if batch.para_texts:
            self._put("para_text_at", self._store_texts(batch.para_texts))
            self._put("para_doc", batch.para_doc + base)
            for name in ("para_index", "para_line", "para_start", "para_stop", "para_exact", "para_band_keys"):
                self._put(name, getattr(batch, name))

    def _store_texts(self, texts: list[str]) -> np.ndarray:
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        at = self.spill.append(b"".join(encoded))
        return np.stack([at + np.cumsum(lengths) - lengths, lengths], axis=1)

    def column(self, name: str, empty: tuple[int, ...] = (0,), dtype: Any = np.int64) -> Any:
        """All batches of a column joined (once): an array, or for band keys
        (:data:`BAND_COLUMNS`) a :class:`~dedup.spill.BandKeys` that reads a band at a time."""
        if name not in self._columns:
            parts = self._parts.pop(name, None)
            self._columns[name] = np.concatenate(parts) if parts else np.zeros(empty, dtype=dtype)
        return self._columns[name]

    def put_column(self, name: str, column: np.ndarray) -> None:
        """Set a whole column at once (a back-end that builds a collection from parts)."""
        self._parts.pop(name, None)
        self._columns[name] = column

    def document(self, i: int) -> Document:
        """Document ``i`` (without its text) with its record fields, read back from the
        scratch file (``keep_text`` collections)."""
        doc = self.infos[i].doc
        at = self._fields_at[i]
        return doc if at is None else replace(doc, fields=pickle.loads(self.spill.read(*at)))

    def row(self, doc_id: str) -> int:
        """The row of the document with this id."""
        if len(self._rows) != len(self.ids):
            self._rows = {d: i for i, d in enumerate(self.ids)}
        return self._rows[doc_id]

    def text(self, at: np.ndarray) -> str:
        offset, length = at.tolist()
        return self.spill.read(offset, length).decode("utf-8", "surrogatepass")

    def shingle_set(self, i: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Sorted distinct shingle hashes of rows ``[start, stop)`` of document ``i``'s
        sequence (the document's own shingles by default)."""
        stop = int(self.column("doc_shingles")[i]) if stop is None else stop
        raw = self.spill.read(int(self.column("shingles_at")[i]) + 4 * start, 4 * (stop - start))
        return distinct(np.frombuffer(raw, dtype="<u4"))

    def paragraph_set(self, k: int) -> np.ndarray:
        doc, start, stop = self.column("para_doc")[k], self.column("para_start")[k], self.column("para_stop")[k]
        return self.shingle_set(int(doc), int(start), int(stop))

    def close(self) -> None:
        for name in BAND_COLUMNS:
            store = self._columns.get(name)
            if isinstance(store, BandKeys):
                store.close()
        self.spill.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _unstaged(staged: list[Staged], spill: Spill) -> Iterator[Prepared]:
    """Each staged document loaded for pass 2, and let go of once loaded: the list would
    otherwise hold every one of them (about 300 bytes a document) until pass 2 ends."""
    for k in range(len(staged)):
        prepared = staged[k].load(spill)
        staged[k] = None  # type: ignore[call-overload]
        yield prepared


def without_fields(doc: Document, keep: str | None) -> Document:
    """The document with no record field but ``keep`` (a scan needs no other; each is held
    in memory until the document is signed)."""
    if doc.fields:
        return replace(doc, fields={keep: doc.fields[keep]} if keep in doc.fields else {})
    return doc


# Turns what pass 1 learned (and the groups it saw) into the statistics pass 2 cleans with.
StatsHook = Callable[[cleaner.CorpusStats | None, set[str]], cleaner.CorpusStats | None]
# Sees each signed batch with its documents as it arrives (a persistent index matches them).
BatchHook = Callable[[list[Document], SignedBatch], None]


def collect(
    documents: Iterable[Document | InputError],
    options: ScanOptions,
    progress: Progress | None = None,
    keep_text: bool = False,
    stats_hook: StatsHook | None = None,
    batch_hook: BatchHook | None = None,
    keep_staged: bool = False,
) -> Collection:
    """Read, clean and sign ``documents`` (consumed once); ``keep_text`` also keeps each
    cleaned text in the scratch file, for writing it out. ``stats_hook`` may add to the
    corpus statistics (an index's remembered site chrome); ``batch_hook`` sees each
    signed batch. ``keep_staged`` keeps each document's main text before cleaning (in the
    scratch file; ``Collection.staged``), even for a single document."""
    ctx = Context(
        options,
        clean_options=clean_options(options),
        doc_lsh=document_lsh(options),
        paragraph_lsh=paragraph_lsh(options),
        keep_text=keep_text,
    )
    ledger = Ledger()
    policy = options.keep_policy
    collection = Collection(Spill(), ledger, keep_text, policy.field, options.same_url, options.memory)
    try:
        unique = unique_ids(documents, ledger)
        if not keep_text:  # a scan needs no record field but the one it keeps by
            unique = (without_fields(doc, policy.field) for doc in unique)
        head = list(itertools.islice(unique, 2))
        alone, head_groups = len(head) < 2, {d.group for d in head if d.group is not None}
        items: Iterable[Document | Prepared] = itertools.chain(head, unique)
        del head  # the chain holds the first documents only until they are read
        if options.clean:
            if alone and not keep_staged:
                # One document is no corpus: nothing to learn, so no first pass (a single
                # query against an index is the common case); the hook may still add chrome.
                groups = head_groups
            else:
                staged, collection.stats = learn(items, ctx, collection.spill, ledger, progress)
                if keep_staged:
                    collection.staged = {s.doc.id: s for s in staged}
                groups = {s.doc.group for s in staged if s.doc.group is not None}
                items = _unstaged(staged, collection.spill)
                del staged
            if stats_hook is not None:
                collection.stats = stats_hook(collection.stats, groups)
            ctx = replace(ctx, stats=collection.stats)
        done = 0
        for batch, signed in parallel_map(sign_batch, batches(items), ctx, options.jobs):
            docs = [item.doc if isinstance(item, Prepared) else item for item in batch]
            collection.add(docs, signed)
            if batch_hook is not None:
                batch_hook(docs, signed)
            done += len(batch)
            if progress:
                progress("sign", done)
            del batch, signed, docs  # not alive while the next batch is read and signed
    except BaseException:
        collection.close()
        raise
    return collection


@dataclass
class Decisions:
    """What :func:`decide` found.

    ``kept_by[i]`` is the document kept in place of document ``i`` (``-1``: ``i`` is
    kept), with ``doc_similarity[i]`` its exact similarity to it and ``doc_rule[i]`` what
    made them one (``exact``, ``jaccard``, ``containment`` or ``url``). A document cluster
    lists its kept document first, in keep order; with ``keep_none`` that one is dropped
    too (``kept_by`` names the cluster's second member). Each paragraph cluster lists
    paragraph rows with the one that stays first (documents in keep order), and
    ``paragraph_similarity[k]`` is row ``k``'s Jaccard similarity to that first one.
    ``unranked`` lists the documents whose keep field was missing or unreadable.
    """

    doc_clusters: list[list[int]] = field(default_factory=list)
    kept_by: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    doc_similarity: dict[int, Similarity] = field(default_factory=dict)
    doc_rule: dict[int, str] = field(default_factory=dict)
    paragraph_clusters: list[list[int]] = field(default_factory=list)
    paragraph_similarity: dict[int, float] = field(default_factory=dict)
    paragraphs_compared: int = 0
    candidates: int = 0
    rejected: int = 0
    keep_none: bool = False
    unranked: list[int] = field(default_factory=list)
    rank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # keep order used
    by_url: list[int] = field(default_factory=list)  # documents dropped for their URL (--same-url)
    # keep first: each document's place before ties by length, where an abridged copy's
    # container took its place (the keep order is by it, then most tokens, then input order)
    position: np.ndarray | None = None


# Rounds of "an abridged copy that came first gives way to the text that contains it"
# (keep first). Each round moves containers ahead of what they contain, so the order
# settles; on the syndication benchmark one round settled it.
_YIELD_ROUNDS = 8


def _same_url(collection: Collection, rank: np.ndarray) -> dict[int, int]:
    """Documents dropped for the first document (in keep order) with their canonical URL."""
    by_url: dict[str, list[int]] = {}
    for i, url in enumerate(collection.urls):
        if url is not None:
            by_url.setdefault(url, []).append(i)
    dropped: dict[int, int] = {}
    for members in by_url.values():
        if len(members) > 1:
            members.sort(key=lambda i: rank[i])
            dropped.update((m, members[0]) for m in members[1:])
    return dropped


def _documents(
    collection: Collection,
    options: ScanOptions,
    rank: np.ndarray,
    out: Decisions,
    seen: Verified | None = None,
) -> np.ndarray:
    """Document level: same URL first (when asked), then near-duplicates among the rest.

    With ``keep first``, a document that holds an earlier one (an abridged copy, accepted
    by containment) takes its place in the keep order, and matching runs again, so the
    full text survives rather than its shorter version. Returns the keep order used.
    """
    n = len(collection.ids)
    tokens = collection.column("tokens")
    exact = collection.column("exact", (0, 2), np.uint64)
    keys = collection.column("keys", (0, document_lsh(options).bands), np.uint64)
    by_url = _same_url(collection, rank) if options.same_url else {}
    out.by_url = sorted(by_url)
    active = np.flatnonzero(tokens > 0)
    if by_url:
        active = active[~np.isin(active, np.fromiter(by_url, dtype=np.int64, count=len(by_url)))]
    accept = same_document(options)
    # Verdicts carried from round to round: a pair is verified, and counted, once.
    known: dict[tuple[int, int], tuple[Similarity, bool]] = {}
    found = match(active, exact, keys, collection.shingle_set, accept, rank, verified=seen, known=known)
    candidates, rejected = found.candidates, found.rejected
    if options.keep_policy.kind == "first" and options.containment is not None:
        position = np.arange(n, dtype=np.float64)
        for _ in range(_YIELD_ROUNDS):
            moved = False
            for m, k in found.kept_by.items():
                if accepted_by(found.similarity[m], options) == "containment" and tokens[m] > tokens[k]:
                    if position[m] > position[k]:
                        position[m], moved = position[k], True
            if not moved:
                break
            rank = np.empty(n, dtype=np.int64)
            rank[np.lexsort((np.arange(n), -tokens, position))] = np.arange(n)
            found = match(active, exact, keys, collection.shingle_set, accept, rank, verified=seen, known=known)
            candidates, rejected = candidates + found.candidates, rejected + found.rejected
        out.position = position
    _merge(collection, options, found, by_url, rank, out)
    out.candidates += candidates
    out.rejected += rejected
    return rank


def _merge(
    collection: Collection,
    options: ScanOptions,
    found: Matches,
    by_url: dict[int, int],
    rank: np.ndarray,
    out: Decisions,
) -> None:
    """Document clusters from near-duplicate matches and same-URL groups together."""
    followers: dict[int, list[int]] = {}
    for m, k in found.kept_by.items():
        out.kept_by[m] = k
        out.doc_similarity[m] = found.similarity[m]
        out.doc_rule[m] = accepted_by(found.similarity[m], options)
    for m, k in by_url.items():
        out.kept_by[m] = k
        out.doc_similarity[m] = similarity(collection.shingle_set(m), collection.shingle_set(k))
        out.doc_rule[m] = "url"
    for m in sorted(found.kept_by.keys() | by_url.keys(), key=lambda i: rank[i]):
        followers.setdefault(int(out.kept_by[m]), []).append(m)
    out.doc_clusters = [[k, *members] for k, members in sorted(followers.items(), key=lambda kv: rank[kv[0]])]
    if out.keep_none:
        for k, first, *_ in out.doc_clusters:
            out.kept_by[k] = first
            out.doc_similarity[k] = out.doc_similarity[first]
            out.doc_rule[k] = out.doc_rule[first]


def keep_rank(collection: Collection, policy: KeepPolicy) -> tuple[np.ndarray, list[int]]:
    """Each document's rank in keep order, and the documents whose keep field was missing
    or unreadable (ranked last)."""
    tokens = collection.column("tokens")
    if policy.field is None:
        return keep_order(tokens, policy), []
    values, unranked = field_ranks(collection.keep_values)
    return keep_order(tokens, policy, values), unranked


def decide(
    collection: Collection,
    options: ScanOptions,
    seen: tuple[Verified, Verified] | None = None,
) -> Decisions:
    """Decide documents (each dropped one for a kept document it matches), then the
    paragraphs of the kept ones (each repeated one for a paragraph of an earlier kept
    document that it matches). ``seen`` (documents, paragraphs) receives the similarity
    of every pair verified (a review reuses them)."""
    n = len(collection.ids)
    rank, unranked = keep_rank(collection, options.keep_policy)
    out = Decisions(kept_by=np.full(n, -1, dtype=np.int64), unranked=unranked)
    out.keep_none = options.keep_policy.kind == "none"

    if options.level in ("doc", "both") and n:
        rank = _documents(collection, options, rank, out, seen[0] if seen else None)

    out.rank = rank
    if options.level in ("paragraph", "both"):
        para_doc = collection.column("para_doc")
        active = np.flatnonzero(out.kept_by[para_doc] < 0) if para_doc.size else para_doc
        out.paragraphs_compared = int(active.size)
        para_exact = collection.column("para_exact", (0, 2), np.uint64)
        keys = collection.column("para_band_keys", (0, paragraph_lsh(options).bands), np.uint64)
        # Paragraphs in the keep order of their documents, then in document order.
        para_rank = np.empty(para_doc.size, dtype=np.int64)
        para_rank[np.lexsort((np.arange(para_doc.size), rank[para_doc]))] = np.arange(para_doc.size)
        found = match(
            active,
            para_exact,
            keys,
            collection.paragraph_set,
            same_paragraph(options),
            para_rank,
            groups=para_doc,
            verified=seen[1] if seen else None,
        )
        out.candidates += found.candidates
        out.rejected += found.rejected
        out.paragraph_clusters = found.clusters
        out.paragraph_similarity = {k: sim.jaccard for k, sim in found.similarity.items()}
    return out
