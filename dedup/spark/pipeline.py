"""``scan`` on Spark: the local engine's stages, spread over executors, with its answer.

read (one task per file, :func:`dedup.readers.read_input`) -> ids checked -> pass 1
(prepare, exact corpus statistics merged from parts) -> pass 2 (clean and sign, the
local batch function) -> links (shared buckets, exact keys, URLs) -> connected components
(:mod:`dedup.spark.components`) -> each component decided by :func:`dedup.engine.decide`
-> the report assembled on the driver by :mod:`dedup.spark.assemble`.

Order never comes from arrival: every item carries its order key (file rank in the
sorted listing, position in the file), so partitions and executors change nothing.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pyspark import StorageLevel

import clean as cleaner

from ..documents import Document
from ..engine import BATCH_DOCS, Collection, Failure, batches, clean_options, without_fields
from ..errors import InputError, OptionsError
from ..matching import document_lsh, paragraph_lsh
from ..options import ScanOptions
from ..output import check_output_dir
from ..readers import STDIN, list_files, read_input, record_document, table_types
from ..run import RunOptions, RunResult, matching_options, write_result
from ..scan import ScanResult
from ..spill import Spill
from ..work import Context, Prepared, parallel_map, prepare_batch
from .assemble import Light, assemble, decisions_of, ledger_of, ranked
from .components import components
from .parts import Decided, SignedDoc, batch_of, decide_part, links, order_of, readable, signed_docs
from .session import session

__all__ = ["run_spark", "scan_dataframe", "scan_spark"]

log = logging.getLogger(__name__)

# Cached stages spill to disk rather than being computed again when memory is short.
_SPILL = StorageLevel.MEMORY_AND_DISK

# Buckets named in the log (at info level) when a run ends: the biggest, by members.
_BIGGEST_BUCKETS = 5


def _read(listed: tuple[int, Any], text_field: str, id_field: str) -> Iterator[tuple[int, Document | InputError]]:
    rank, item = listed
    for position, doc in enumerate(read_input(item, text_field, id_field)):
        yield order_of(rank, position), doc


@dataclass(frozen=True)
class _Ordered:
    """An item with its order key, measured by its text as batches are cut."""

    order: int
    item: Document | Prepared

    @property
    def text(self) -> str:  # what engine.batches measures
        return self.item.text


def _batched(items: Iterable[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    """``(order, item)`` pairs in the batches :func:`dedup.engine.batches` cuts."""
    for batch in batches(_Ordered(order, item) for order, item in items):
        yield [(o.order, o.item) for o in batch]


def _prepare(items: Iterator[tuple[int, Document]], ctx: Context) -> Iterator[tuple[int, Any]]:
    """Pass 1 in an executor: ``(order, (prepared, fingerprint, key) | InputError)``."""
    for batch in _batched(items):
        _, results = next(parallel_map(prepare_batch, [[doc for _, doc in batch]], ctx, 1))
        yield from zip((order for order, _ in batch), results)


def _count(items: Iterator[tuple[int, Any]], ctx: Context) -> Iterator[cleaner.CorpusStatsBuilder]:
    """One part's corpus statistics, from its prepared documents (parts merge exactly,
    whichever part a copy of a text is in)."""
    builder = cleaner.CorpusStatsBuilder(ctx.clean_options)
    for _, (prepared, fp, key) in items:
        builder.add(fp, prepared.doc.group, doc_key=key)
    yield builder


@dataclass(frozen=True)
class _Row:
    """A signed document as the stages after signing carry it: what the driver and the
    links need, and the rest pickled once (only a component's documents are unpickled)."""

    light: Light
    links: np.ndarray
    blob: bytes


def _sign(items: Iterator[tuple[int, Document | Prepared]], ctx: Context) -> Iterator[tuple[int, Any, dict]]:
    """Pass 2 in an executor: each document's signed row (or failure), with the batch's
    cleaning counts."""
    options = ctx.options

    def rows(batch: list[tuple[int, Any]]) -> list[tuple[int, Any, dict]]:
        out = []
        for order, item, totals in signed_docs(batch, options):
            if isinstance(item, SignedDoc):
                blob = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
                item = _Row(Light.of(item), links(item, options), blob)
            out.append((order, item, totals))
        return out

    for batch in _batched(items):
        # sign_batch reads the context parallel_map sets; one batch, in this process
        for _, signed in parallel_map(rows, [batch], ctx, 1):
            yield from signed


def _decide(blobs: Iterable[bytes], options: ScanOptions, kind: str | None) -> Decided:
    docs = [pickle.loads(blob) for blob in blobs]
    if options.keep_policy.field is not None:
        docs = [replace(d, keep_value=readable(d.keep_value, kind)) for d in docs]
    return decide_part(docs, options)


def scan_spark(
    paths: Iterable[str],
    options: ScanOptions | None = None,
    spark: Any = None,
    master: str | None = None,
    partitions: int | None = None,
) -> ScanResult:
    """:func:`dedup.scan.scan_paths` on Spark: the same report, document for document.

    ``spark`` is a ``SparkSession`` (default: the active one, or a new one for ``master``);
    ``partitions`` how many parts the documents are cut into (default: the session's
    parallelism); neither changes the report. The driver holds one small record per
    document (id, counts) and the clusters; texts, signatures and the edges between
    documents stay in the executors.
    """
    options = options or ScanOptions()
    spark = spark or session(master)
    parts = partitions or spark.sparkContext.defaultParallelism
    read, failures = _read_paths(spark, paths, options, parts)
    return _scan(spark, read, failures, options)


def run_spark(
    paths: Iterable[str],
    out: str,
    options: RunOptions | None = None,
    spark: Any = None,
    master: str | None = None,
    partitions: int | None = None,
) -> RunResult:
    """:func:`dedup.run.run_paths` on Spark: the same output folder, byte for byte.

    Matching runs in the executors as for :func:`scan_spark`; the output is written by
    the driver with the local writer (it receives the signed documents in input order,
    one part at a time, into its scratch file), so its disk holds the cleaned corpus.
    """
    options = options or RunOptions()
    paths = list(paths)
    check_output_dir(out, paths, options.force)
    scan = matching_options(options)
    types = table_types(paths) if options.output_format == "parquet" else None
    spark = spark or session(master)
    parts = partitions or spark.sparkContext.defaultParallelism
    read, failures = _read_paths(spark, paths, scan, parts)
    signed = _sign_all(spark, read, failures, _context(scan, True), slim=False)
    try:
        decided = _decide_all(spark, signed, scan)
        decisions, _ = decisions_of(signed.light, decided, scan)
        ledger = ledger_of(signed.light, signed.failures)
        with Collection(Spill(), ledger, True, scan.keep_policy.field, scan.same_url) as collection:
            chunk: list[SignedDoc] = []
            for blob in signed.docs.map(lambda row: (row.light.order, row.blob)).sortByKey().values().toLocalIterator():
                chunk.append(pickle.loads(blob))
                if len(chunk) == BATCH_DOCS:
                    collection.add(*batch_of(chunk))
                    chunk = []
            if chunk:
                collection.add(*batch_of(chunk))
            collection.stats = signed.stats
            collection.removed_by_rule = dict(signed.totals.get("rules", {}))
            collection.flagged = dict(signed.totals.get("flags", {}))
            return write_result(collection, decisions, out, options, None, types)
    finally:
        for rdd in signed.persisted:
            rdd.unpersist()


def _read_paths(spark: Any, paths: Iterable[str], options: ScanOptions, parts: int) -> tuple[Any, list]:
    """``(order, document or error)`` of every input, read one file per task, and the
    failures of listing."""
    paths = list(paths)
    if STDIN in paths:
        raise OptionsError("--engine spark reads files and folders, not - (stdin): tasks run elsewhere")
    listed = list(list_files(paths))
    failures: list[tuple[int, Failure]] = []
    inputs = []
    for rank, item in enumerate(listed):
        if isinstance(item, InputError):
            failures.append((order_of(rank, 0), Failure.of(item)))
        else:
            inputs.append((rank, item))
    slices = max(1, min(len(inputs), 4 * parts))
    tf, idf = options.text_field, options.id_field
    read = spark.sparkContext.parallelize(inputs, slices).flatMap(lambda listed: _read(listed, tf, idf))
    if len(inputs) < parts:
        read = read.repartition(parts)
    return read, failures


def scan_dataframe(
    frame: Any,
    options: ScanOptions | None = None,
    order_by: str | list[str] | None = None,
    source: str = "dataframe",
    partitions: int | None = None,
) -> ScanResult:
    """Scan the rows of a Spark DataFrame: each row a record, as a JSONL line would be
    (text in ``options.text_field``, id in ``options.id_field``, the other columns its
    fields). Input order, which decides who is kept first, is the order of ``order_by``
    (default: the id column), never the order rows arrive in; ``source`` names the
    DataFrame in errors and in ids of rows without one (``SOURCE:ROW``)."""
    options = options or ScanOptions()
    spark = frame.sparkSession
    parts = partitions or spark.sparkContext.defaultParallelism
    keys = [order_by] if isinstance(order_by, str) else list(order_by or [options.id_field])
    tf, idf = options.text_field, options.id_field
    rows = frame.orderBy(*keys).rdd.zipWithIndex()
    read = rows.map(lambda ri: (order_of(0, ri[1]), record_document(ri[0].asDict(recursive=True), source, ri[1] + 1,
                                                                     tf, idf)))  # fmt: skip
    return _scan(spark, read.repartition(parts), [], options)


@dataclass
class _Signed:
    """The signed corpus, in the executors, and what the driver gathered of it."""

    docs: Any  # RDD of _Row
    light: list[Light]
    failures: list[tuple[int, Failure]]
    totals: dict[str, Any]
    stats: cleaner.CorpusStats | None
    kind: str | None  # the keep field's kind (dates or numbers), from its first readable value
    persisted: list[Any]


def _sign_all(spark: Any, read: Any, failures: list[tuple[int, Failure]], ctx: Context, slim: bool) -> _Signed:
    """Ids checked, pass 1 (corpus statistics), pass 2 (clean and sign), as ``collect``
    does; ``read`` holds ``(order, document or error)``."""
    sc = spark.sparkContext
    options = ctx.options
    keep = options.keep_policy.field
    if slim:
        read = read.map(lambda od: (od[0], _slim(od[1], keep)))
    read = read.persist(_SPILL)
    failures = (
        failures
        + read.filter(lambda od: isinstance(od[1], InputError)).map(lambda od: (od[0], Failure.of(od[1]))).collect()
    )
    docs = read.filter(lambda od: isinstance(od[1], Document))

    # A document id seen before is a failure at the later copy's place (as unique_ids).
    repeated = (
        docs.map(lambda od: (od[1].id, (od[0], od[1].source or od[1].id, od[1].line if od[1].record else None)))
        .groupByKey()
        .filter(lambda kv: len(kv[1]) > 1)
        .flatMap(_repeats)
        .collect()
    )
    failures += repeated
    skip = sc.broadcast({order for order, _ in repeated})
    docs = docs.filter(lambda od: od[0] not in skip.value)

    stats = None
    items: Any = docs
    persisted = [read]
    if options.clean and docs.count() > 1:
        prepared = docs.mapPartitions(lambda part: _prepare(part, ctx)).persist(_SPILL)
        persisted.append(prepared)
        failures += (
            prepared.filter(lambda p: isinstance(p[1], InputError)).map(lambda p: (p[0], Failure.of(p[1]))).collect()
        )
        good = prepared.filter(lambda p: not isinstance(p[1], InputError))
        if good.count() > 1:
            stats = good.mapPartitions(lambda part: _count(part, ctx)).reduce(_merge).build()
        items = good.map(lambda p: (p[0], p[1][0]))
    ctx = replace(ctx, stats=stats)
    signed = items.mapPartitions(lambda part: _sign(part, ctx)).persist(_SPILL)
    persisted.append(signed)
    failures += signed.filter(lambda s: isinstance(s[1], InputError)).map(lambda s: (s[0], Failure.of(s[1]))).collect()
    totals = signed.map(lambda s: s[2]).filter(bool).treeReduce(_add_totals) if not signed.isEmpty() else {}
    good = signed.filter(lambda s: isinstance(s[1], _Row)).map(lambda s: s[1])
    light, kind = ranked(good.map(lambda row: row.light).collect(), keep)
    return _Signed(good, light, failures, totals, stats, kind, persisted)


def _decide_all(spark: Any, signed: _Signed, options: ScanOptions) -> list[Decided]:
    """Links, connected components, and each component decided where it lies (links move
    between the JVM and the tasks' Python as Arrow batches; a document's pickle is opened
    only in the task that decides its component)."""
    from pyspark.sql import functions as F

    kind = signed.kind
    rows = spark.createDataFrame(
        signed.docs.map(lambda row: (row.light.order, bytearray(row.links.tobytes()))), "node long, links binary"
    ).persist(_SPILL)
    try:
        frame = rows.mapInArrow(_explode, "link long, node long")
        shared = (
            frame.groupBy("link").agg(F.min("node").alias("root"), F.count("*").alias("size")).where("size > 1")
        ).persist(_SPILL)
        biggest = shared.orderBy(F.desc("size"), "link").limit(_BIGGEST_BUCKETS).collect()
        if not biggest:
            shared.unpersist()
            return []
        for row in biggest:
            log.info("bucket of %d documents (first: order %d)", row["size"], row["root"])
        edges = frame.join(shared, "link").where(F.col("node") != F.col("root"))
        labels = components(edges.select(F.col("node").alias("a"), F.col("root").alias("b")))
        grouped = (
            labels.rdd.map(lambda r: (r["node"], r["component"]))
            .join(signed.docs.map(lambda row: (row.light.order, row.blob)))
            .map(lambda kv: kv[1])
            .groupByKey()
        )
        decided = grouped.map(lambda pair: _decide(pair[1], options, kind)).collect()
        shared.unpersist()
        return decided
    finally:
        rows.unpersist()


def _explode(frames: Iterator[Any]) -> Iterator[Any]:
    """``(node, links)`` rows to one ``(link, node)`` row per link, in Arrow."""
    import pyarrow as pa

    for batch in frames:
        nodes = batch.column("node").to_numpy()
        arrays = [np.frombuffer(raw, dtype=np.int64) for raw in batch.column("links").to_pylist()]
        counts = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
        links = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
        yield pa.RecordBatch.from_arrays([pa.array(links), pa.array(np.repeat(nodes, counts))], names=["link", "node"])


def _context(options: ScanOptions, keep_text: bool) -> Context:
    return Context(
        options, clean_options=clean_options(options), doc_lsh=document_lsh(options),
        paragraph_lsh=paragraph_lsh(options), keep_text=keep_text,
    )  # fmt: skip


def _scan(spark: Any, read: Any, failures: list[tuple[int, Failure]], options: ScanOptions) -> ScanResult:
    """The stages after reading: ``read`` holds ``(order, document or error)``."""
    signed = _sign_all(spark, read, failures, _context(options, False), slim=True)
    try:
        decided = _decide_all(spark, signed, options)
        return assemble(signed.light, decided, signed.failures, signed.totals, signed.stats, options)
    finally:
        for rdd in signed.persisted:
            rdd.unpersist()


def _slim(item: Document | InputError, keep: str | None) -> Document | InputError:
    """A scan needs no record field but the one it keeps by (as the local engine)."""
    return without_fields(item, keep) if isinstance(item, Document) else item


def _repeats(kv: tuple[str, Iterable[tuple[int, str, int | None]]]) -> Iterator[tuple[int, Failure]]:
    doc_id, seen = kv
    first, *later = sorted(seen)
    for order, source, line in later:
        reason = f"duplicate document id {doc_id!r} (first from {first[1]}); skipped"
        yield order, Failure(source, reason, line, doc_id)


def _merge(a: cleaner.CorpusStatsBuilder, b: cleaner.CorpusStatsBuilder) -> cleaner.CorpusStatsBuilder:
    a.merge(b)
    return a


def _add_totals(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("rules", "words", "flags"):
        merged = dict(a.get(name, {}))
        for key, count in b.get(name, {}).items():
            merged[key] = merged.get(key, 0) + count
        out[name] = merged
    return out
