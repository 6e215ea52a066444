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

from .documents import Document
from .errors import InputError
from .lsh import lsh_params
from .matching import match
from .options import ScanOptions
from .pipeline import Failure, Progress, batches, learn, unique_ids
from .readers import iter_documents
from .spill import Spill
from .verify import Similarity, distinct, similarity
from .work import Context, Prepared, SignedDoc, parallel_map, sign_batch

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
    """Per-document and per-paragraph arrays collected in the main process."""

    spill: Spill
    ids: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    exact: list[bytes] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)
    shingles_at: list[int] = field(default_factory=list)
    doc_shingles: list[int] = field(default_factory=list)
    para_doc: list[np.ndarray] = field(default_factory=list)
    para_index: list[np.ndarray] = field(default_factory=list)
    para_line: list[np.ndarray] = field(default_factory=list)
    para_start: list[np.ndarray] = field(default_factory=list)
    para_stop: list[np.ndarray] = field(default_factory=list)
    para_exact: list[np.ndarray] = field(default_factory=list)
    para_keys: list[np.ndarray] = field(default_factory=list)
    para_text_at: list[np.ndarray] = field(default_factory=list)
    removed_by_rule: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)

    def add(self, doc_id: str, signed: SignedDoc) -> None:
        index = len(self.ids)
        self.ids.append(doc_id)
        self.tokens.append(signed.tokens)
        self.exact.append(signed.exact)
        self.keys.append(signed.band_keys)
        self.shingles_at.append(self.spill.append(signed.shingles.astype("<u4").tobytes()))
        self.doc_shingles.append(signed.doc_shingles)
        for removal in signed.removed:
            self.removed_by_rule[removal.rule] = self.removed_by_rule.get(removal.rule, 0) + 1
        for flag in signed.flags:
            self.flagged[flag] = self.flagged.get(flag, 0) + 1
        count = len(signed.para_texts)
        if not count:
            return
        texts = [t.encode("utf-8") for t in signed.para_texts]
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        base = self.spill.append(b"".join(texts))
        starts = base + np.concatenate(([0], np.cumsum(lengths)[:-1]))
        self.para_doc.append(np.full(count, index, dtype=np.int64))
        self.para_index.append(signed.para_index)
        self.para_line.append(signed.para_line)
        self.para_start.append(signed.para_start)
        self.para_stop.append(signed.para_stop)
        self.para_exact.append(signed.para_exact)
        self.para_keys.append(signed.para_band_keys)
        self.para_text_at.append(np.stack([starts, lengths], axis=1))

    def doc_set(self, i: int) -> np.ndarray:
        """Sorted distinct shingle hashes of document ``i``."""
        raw = self.spill.read(self.shingles_at[i], self.doc_shingles[i] * 4)
        return distinct(np.frombuffer(raw, dtype="<u4"))


@dataclass(frozen=True)
class _Paragraphs:
    """The collected paragraph arrays, one row per paragraph, in document order."""

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
        def cat(parts: list[np.ndarray], shape: tuple[int, ...], dtype: Any) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(shape, dtype=dtype)

        return cls(
            doc=cat(table.para_doc, (0,), np.int64),
            index=cat(table.para_index, (0,), np.int32),
            line=cat(table.para_line, (0,), np.int32),
            start=cat(table.para_start, (0,), np.int64),
            stop=cat(table.para_stop, (0,), np.int64),
            exact=cat(table.para_exact, (0, 2), np.uint64),
            keys=cat(table.para_keys, (0, bands), np.uint64),
            text_at=cat(table.para_text_at, (0, 2), np.int64),
        )


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
        doc_lsh=lsh_params(_lsh_threshold(options), options.num_perm),
        paragraph_lsh=lsh_params(options.paragraph_threshold, options.num_perm),
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


def _lsh_threshold(options: ScanOptions) -> float:
    """The lowest Jaccard similarity a document pair can have and still be accepted."""
    if options.containment is None:
        return options.threshold
    c, r = options.containment, options.min_length_ratio
    # Smallest Jaccard of sets |A| = r|B| with |A & B| = c|A|: c*r / (1 + r - c*r).
    return min(options.threshold, c * r / (1.0 + r - c * r))


def _collect(
    items: Iterable[Document | Prepared],
    ctx: Context,
    table: _Table,
    errors: list[Failure],
    progress: Progress | None,
) -> None:
    """Pass 2: clean and sign in workers; keep the results in ``table``."""
    done = 0
    for batch, results in parallel_map(sign_batch, batches(items), ctx, ctx.options.jobs):
        for item, result in zip(batch, results):
            if isinstance(result, InputError):
                errors.append(Failure.of(result))
            else:
                doc = item.doc if isinstance(item, Prepared) else item
                table.add(doc.id, result)
        done += len(batch)
        if progress:
            progress("sign", done)


def _decide(table: _Table, ctx: Context, errors: list[Failure], cleaning: dict[str, Any] | None) -> ScanResult:
    """Match documents, then paragraphs of the documents kept, and build the result."""
    options = ctx.options
    n = len(table.ids)
    tokens = np.asarray(table.tokens, dtype=np.int64)
    exact = np.frombuffer(b"".join(table.exact), dtype=np.uint64).reshape(n, 2) if n else np.zeros((0, 2), np.uint64)
    candidates = rejected = 0

    doc_clusters: list[DocCluster] = []
    dropped = np.zeros(n, dtype=bool)
    if options.level in ("doc", "both") and n:
        keys = np.stack(table.keys)
        found = match(np.flatnonzero(tokens > 0), exact, keys, table.doc_set, _doc_rule(options))
        candidates += found.candidates
        rejected += found.rejected
        for members in found.clusters:
            cluster = _doc_cluster(members, table, tokens, exact, options.keep)
            doc_clusters.append(cluster)
            dropped[[m for m in members if table.ids[m] != cluster.keep]] = True

    paragraph_clusters: list[ParagraphCluster] = []
    compared = 0
    if options.level in ("paragraph", "both"):
        paras = _Paragraphs.of(table, lsh_params(options.paragraph_threshold, options.num_perm).bands)
        active = np.flatnonzero(~dropped[paras.doc]) if len(paras.doc) else np.zeros(0, dtype=np.int64)
        compared = int(active.size)

        def para_set(k: int) -> np.ndarray:
            at = table.shingles_at[paras.doc[k]] + int(paras.start[k]) * 4
            raw = table.spill.read(at, int(paras.stop[k] - paras.start[k]) * 4)
            return distinct(np.frombuffer(raw, dtype="<u4"))

        threshold = options.paragraph_threshold
        found = match(active, paras.exact, paras.keys, para_set, lambda sim, a, b: sim.jaccard >= threshold)
        candidates += found.candidates
        rejected += found.rejected
        for members in found.clusters:
            if len(set(paras.doc[members].tolist())) > 1:
                paragraph_clusters.append(_paragraph_cluster(members, paras, table, para_set))

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


def _doc_rule(options: ScanOptions) -> Callable[[Similarity, np.ndarray, np.ndarray], bool]:
    """Same article: Jaccard at the threshold, or (abridged copy) the shorter one mostly
    contained in the longer and not much shorter than it."""
    threshold, containment, ratio = options.threshold, options.containment, options.min_length_ratio

    def accept(sim: Similarity, a: np.ndarray, b: np.ndarray) -> bool:
        if sim.jaccard >= threshold:
            return True
        if containment is None or sim.containment < containment:
            return False
        small, large = sorted((a.size, b.size))
        return small >= ratio * large

    return accept


def _doc_cluster(members: list[int], table: _Table, tokens: np.ndarray, exact: np.ndarray, keep: str) -> DocCluster:
    if keep == "longest":
        kept = max(members, key=lambda m: (tokens[m], -m))
    else:
        kept = members[0]
    base = table.doc_set(kept)
    out = [DocMember(table.ids[kept], 1.0, 1.0)]
    for m in members:
        if m == kept:
            continue
        if (exact[m] == exact[kept]).all():
            out.append(DocMember(table.ids[m], 1.0, 1.0))
        else:
            sim = similarity(base, table.doc_set(m))
            out.append(DocMember(table.ids[m], round(sim.jaccard, 4), round(sim.containment, 4)))
    return DocCluster(table.ids[kept], tuple(out))


def _paragraph_cluster(
    members: list[int], paras: _Paragraphs, table: _Table, para_set: Callable[[int], np.ndarray]
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
                id=table.ids[paras.doc[m]],
                paragraph=int(paras.index[m]),
                line=line or None,
                text=table.spill.read(offset, length).decode("utf-8", "surrogatepass"),
                similarity=sim,
            )
        )
    return ParagraphCluster(min(m.similarity for m in out[1:]), tuple(out))
