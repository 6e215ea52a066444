"""``scan``: documents in, near-duplicate documents and paragraphs out, each match verified.

read -> (clean) -> sign in workers -> exact groups + LSH candidates -> verify -> cluster
-> keep/drop. Memory holds per document and per paragraph only ids, counts, exact keys
and band keys; shingle sequences and texts wait in a scratch file (:mod:`dedup.spill`)
until verification or the report needs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import clean as cleaner

from .documents import Document
from .errors import InputError
from .matching import document_lsh, match, paragraph_lsh, same_document, same_paragraph
from .options import ScanOptions
from .pipeline import Failure, Progress, batches, learn, unique_ids
from .readers import iter_documents
from .spill import Spill
from .verify import distinct, similarity
from .work import Context, Prepared, SignedBatch, parallel_map, sign_batch

__all__ = [
    "DocCluster",
    "DocMember",
    "ParagraphCluster",
    "ParagraphMember",
    "ScanResult",
    "Summary",
    "scan",
    "scan_paths",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocMember:
    """A document of a cluster, with its exact similarity to the kept document."""

    id: str
    similarity: float
    containment: float


@dataclass(frozen=True)
class DocCluster:
    """Near-duplicate documents: ``keep`` is kept, the other members are its copies.

    ``members`` lists every document of the cluster, the kept one first (similarity 1).
    """

    keep: str
    members: tuple[DocMember, ...]


@dataclass(frozen=True)
class ParagraphMember:
    """Where a paragraph is: document, 1-based paragraph number, 1-based source line.

    ``line`` is ``None`` when the position in the source is unknown (HTML text that could
    not be located); ``similarity`` is its Jaccard similarity to the cluster's first member.
    """

    id: str
    paragraph: int
    line: int | None
    text: str
    similarity: float


@dataclass(frozen=True)
class ParagraphCluster:
    """Near-duplicate paragraphs from two or more documents; ``similarity`` is the lowest
    similarity of a member to the first one."""

    similarity: float
    members: tuple[ParagraphMember, ...]


@dataclass(frozen=True)
class Summary:
    """Counts of a scan. ``documents`` were compared, ``failed`` could not be read.

    ``paragraphs`` were compared (long enough, in documents kept at document level when
    both levels run); ``duplicate_*`` count the members beyond the first of each
    cluster; ``candidates`` are LSH candidate pairs, ``rejected_candidates`` those that
    verification turned down.
    """

    documents: int
    failed: int
    doc_clusters: int
    duplicate_documents: int
    paragraphs: int
    paragraph_clusters: int
    duplicate_paragraphs: int
    candidates: int
    rejected_candidates: int


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found; :mod:`dedup.report` renders it as text or JSON."""

    options: ScanOptions
    summary: Summary
    doc_clusters: tuple[DocCluster, ...]
    paragraph_clusters: tuple[ParagraphCluster, ...]
    errors: tuple[Failure, ...]
    cleaning: dict[str, Any] | None = None


@dataclass
class _Table:
    """Per-document and per-paragraph columns collected in the main process, a batch at a
    time; :meth:`finish` joins them into arrays."""

    spill: Spill
    ids: list[str] = field(default_factory=list)
    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)
    removed_by_rule: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    para_texts_at: list[np.ndarray] = field(default_factory=list)

    def _put(self, name: str, column: np.ndarray) -> None:
        self.parts.setdefault(name, []).append(column)

    def add(self, docs: list[Document], batch: SignedBatch) -> None:
        base = len(self.ids)
        self.ids.extend(docs[k].id for k in batch.rows.tolist())
        at = self.spill.append(batch.shingles.astype("<u4").tobytes())
        self._put("shingles_at", at + 4 * (np.cumsum(batch.shingle_counts) - batch.shingle_counts))
        self._put("doc_shingles", batch.doc_shingles)
        self._put("tokens", batch.tokens)
        self._put("exact", batch.exact)
        self._put("keys", batch.band_keys)
        for rule, count in batch.removed_by_rule.items():
            self.removed_by_rule[rule] = self.removed_by_rule.get(rule, 0) + count
        for flags in batch.flags:
            for flag in flags:
                self.flagged[flag] = self.flagged.get(flag, 0) + 1
        if not batch.para_texts:
            return
        texts = [t.encode("utf-8", "surrogatepass") for t in batch.para_texts]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        at = self.spill.append(b"".join(texts))
        self._put("para_text_at", np.stack([at + np.cumsum(lengths) - lengths, lengths], axis=1))
        self._put("para_doc", batch.para_doc + base)
        for name in ("para_index", "para_line", "para_start", "para_stop", "para_exact", "para_band_keys"):
            self._put(name.replace("para_band_keys", "para_keys"), getattr(batch, name))

    def column(self, name: str, empty: tuple[int, ...], dtype: Any) -> np.ndarray:
        parts = self.parts.get(name)
        return np.concatenate(parts) if parts else np.zeros(empty, dtype=dtype)


@dataclass(frozen=True)
class _Docs:
    """The collected document columns, one row per document, in input order."""

    ids: list[str]
    tokens: np.ndarray
    exact: np.ndarray
    keys: np.ndarray
    shingles_at: np.ndarray
    doc_shingles: np.ndarray
    spill: Spill

    @classmethod
    def of(cls, table: _Table, bands: int) -> _Docs:
        return cls(
            ids=table.ids,
            tokens=table.column("tokens", (0,), np.int64),
            exact=table.column("exact", (0, 2), np.uint64),
            keys=table.column("keys", (0, bands), np.uint64),
            shingles_at=table.column("shingles_at", (0,), np.int64),
            doc_shingles=table.column("doc_shingles", (0,), np.int64),
            spill=table.spill,
        )

    def shingle_set(self, i: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Sorted distinct shingle hashes of rows ``[start, stop)`` of document ``i``'s
        sequence (the document's own shingles by default)."""
        stop = int(self.doc_shingles[i]) if stop is None else stop
        raw = self.spill.read(int(self.shingles_at[i]) + 4 * start, 4 * (stop - start))
        return distinct(np.frombuffer(raw, dtype="<u4"))


@dataclass(frozen=True)
class _Paragraphs:
    """The collected paragraph columns, one row per paragraph, in document order."""

    doc: np.ndarray
    index: np.ndarray
    line: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    exact: np.ndarray
    keys: np.ndarray
    text_at: np.ndarray

    @classmethod
    def of(cls, table: _Table, bands: int) -> _Paragraphs:
        return cls(
            doc=table.column("para_doc", (0,), np.int64),
            index=table.column("para_index", (0,), np.int32),
            line=table.column("para_line", (0,), np.int32),
            start=table.column("para_start", (0,), np.int64),
            stop=table.column("para_stop", (0,), np.int64),
            exact=table.column("para_exact", (0, 2), np.uint64),
            keys=table.column("para_keys", (0, bands), np.uint64),
            text_at=table.column("para_text_at", (0, 2), np.int64),
        )


def clean_options(options: ScanOptions) -> cleaner.CleanOptions:
    """The cleaner's options for a scan: built-in rules, plus the user's rule file if any."""
    if options.clean_rules is None:
        return cleaner.CleanOptions()
    return cleaner.CleanOptions(rules=cleaner.load_rules(options.clean_rules))


def scan_paths(
    paths: Iterable[str], options: ScanOptions | None = None, progress: Progress | None = None
) -> ScanResult:
    """Scan the files and folders in ``paths`` (``-`` for standard input)."""
    options = options or ScanOptions()
    return scan(iter_documents(paths, options.text_field, options.id_field), options, progress)


def scan(
    documents: Iterable[Document | InputError],
    options: ScanOptions | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Find near-duplicate documents and paragraphs among ``documents``.

    ``documents`` is consumed once; items that are :class:`InputError` are reported as
    failures, as are documents whose id was already seen. ``progress(stage, count)`` is
    called after each batch with the number of documents done in that stage.
    """
    options = options or ScanOptions()
    ctx = Context(
        options,
        clean_options=clean_options(options),
        doc_lsh=document_lsh(options),
        paragraph_lsh=paragraph_lsh(options),
    )
    errors: list[Failure] = []
    unique = unique_ids(documents, errors)
    with Spill() as spill:
        table = _Table(spill)
        cleaning = None
        if options.clean:
            staged, stats = learn(unique, ctx, spill, errors, progress)
            ctx = replace(ctx, stats=stats)
            _collect((s.load(spill) for s in staged), ctx, table, errors, progress)
            cleaning = {
                "removed_lines_by_rule": dict(sorted(table.removed_by_rule.items())),
                "flags": dict(sorted(table.flagged.items())),
                "corpus_stats": stats.describe() if stats is not None else None,
            }
        else:
            _collect(unique, ctx, table, errors, progress)
        return _decide(table, ctx, errors, cleaning)


def _collect(
    items: Iterable[Document | Prepared],
    ctx: Context,
    table: _Table,
    errors: list[Failure],
    progress: Progress | None,
) -> None:
    """Pass 2: clean and sign in workers; keep the results in ``table``."""
    done = 0
    for batch, signed in parallel_map(sign_batch, batches(items), ctx, ctx.options.jobs):
        errors.extend(Failure.of(error) for _, error in signed.failures)
        table.add([item.doc if isinstance(item, Prepared) else item for item in batch], signed)
        done += len(batch)
        if progress:
            progress("sign", done)


def _decide(table: _Table, ctx: Context, errors: list[Failure], cleaning: dict[str, Any] | None) -> ScanResult:
    """Match documents, then paragraphs of the documents kept, and build the result."""
    options = ctx.options
    docs = _Docs.of(table, ctx.doc_lsh.bands if ctx.doc_lsh else 0)
    n = len(docs.ids)
    candidates = rejected = 0

    doc_clusters: list[DocCluster] = []
    dropped = np.zeros(n, dtype=bool)
    if options.level in ("doc", "both") and n:
        found = match(np.flatnonzero(docs.tokens > 0), docs.exact, docs.keys, docs.shingle_set, same_document(options))
        candidates += found.candidates
        rejected += found.rejected
        for members in found.clusters:
            cluster = _doc_cluster(members, docs, options.keep)
            doc_clusters.append(cluster)
            dropped[[m for m in members if docs.ids[m] != cluster.keep]] = True

    paragraph_clusters: list[ParagraphCluster] = []
    compared = 0
    if options.level in ("paragraph", "both"):
        paras = _Paragraphs.of(table, ctx.paragraph_lsh.bands if ctx.paragraph_lsh else 0)
        active = np.flatnonzero(~dropped[paras.doc]) if len(paras.doc) else np.zeros(0, dtype=np.int64)
        compared = int(active.size)

        def para_set(k: int) -> np.ndarray:
            return docs.shingle_set(int(paras.doc[k]), int(paras.start[k]), int(paras.stop[k]))

        found = match(active, paras.exact, paras.keys, para_set, same_paragraph(options))
        candidates += found.candidates
        rejected += found.rejected
        for members in found.clusters:
            if len(set(paras.doc[members].tolist())) > 1:
                paragraph_clusters.append(_paragraph_cluster(members, paras, docs, para_set))

    summary = Summary(
        documents=n,
        failed=len(errors),
        doc_clusters=len(doc_clusters),
        duplicate_documents=sum(len(c.members) - 1 for c in doc_clusters),
        paragraphs=compared,
        paragraph_clusters=len(paragraph_clusters),
        duplicate_paragraphs=sum(len(c.members) - 1 for c in paragraph_clusters),
        candidates=candidates,
        rejected_candidates=rejected,
    )
    return ScanResult(options, summary, tuple(doc_clusters), tuple(paragraph_clusters), tuple(errors), cleaning)


def _doc_cluster(members: list[int], docs: _Docs, keep: str) -> DocCluster:
    if keep == "longest":
        kept = max(members, key=lambda m: (docs.tokens[m], -m))
    else:
        kept = members[0]
    base = docs.shingle_set(kept)
    out = [DocMember(docs.ids[kept], 1.0, 1.0)]
    for m in members:
        if m == kept:
            continue
        if (docs.exact[m] == docs.exact[kept]).all():
            out.append(DocMember(docs.ids[m], 1.0, 1.0))
        else:
            sim = similarity(base, docs.shingle_set(m))
            out.append(DocMember(docs.ids[m], round(sim.jaccard, 4), round(sim.containment, 4)))
    return DocCluster(docs.ids[kept], tuple(out))


def _paragraph_cluster(
    members: list[int], paras: _Paragraphs, docs: _Docs, para_set: Callable[[int], np.ndarray]
) -> ParagraphCluster:
    first = members[0]
    base = para_set(first)
    out = []
    for m in members:
        if m == first or (paras.exact[m] == paras.exact[first]).all():
            sim = 1.0
        else:
            sim = round(similarity(base, para_set(m)).jaccard, 4)
        offset, length = paras.text_at[m].tolist()
        line = int(paras.line[m])
        out.append(
            ParagraphMember(
                id=docs.ids[paras.doc[m]],
                paragraph=int(paras.index[m]),
                line=line or None,
                text=docs.spill.read(offset, length).decode("utf-8", "surrogatepass"),
                similarity=sim,
            )
        )
    return ParagraphCluster(min(m.similarity for m in out[1:]), tuple(out))
