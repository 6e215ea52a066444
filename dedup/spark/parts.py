"""What Spark's executors run: the local engine's own functions, one piece at a time.

A document becomes a :class:`SignedDoc` (its slice of :func:`dedup.work.sign_batch`'s
columns); its *links* are the LSH buckets, exact keys and URL it shares with others; a
connected component of links is decided by :func:`dedup.engine.decide` on a
:class:`~dedup.engine.Collection` of just its documents. Items only ever meet through a
shared bucket, exact key or URL, so deciding each component alone gives the decisions of
the whole corpus (the keep order inside a component is the corpus's, restricted to it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..documents import Document
from ..engine import Collection, Ledger, decide
from ..errors import InputError
from ..keep import rank_value, value_of
from ..options import ScanOptions
from ..shingles import _fmix64
from ..spill import Spill
from ..urls import canonical_url
from ..verify import Similarity
from ..work import Prepared, SignedBatch, sign_batch

__all__ = ["Decided", "SignedDoc", "batch_of", "decide_part", "links", "order_of", "rank_key", "signed_docs"]

# A document's place in the input: the file's rank in the sorted listing, then its
# position in the file. 2**32 documents per file is far beyond any file read whole.
_FILE_SHIFT = 32


def order_of(rank: int, position: int) -> int:
    """The order key of the ``position``-th item of the ``rank``-th listed input."""
    return (rank << _FILE_SHIFT) | position


@dataclass
class SignedDoc:
    """One document's share of a signed batch: what deciding and reporting need of it."""

    order: int
    id: str
    tokens: int
    exact: np.ndarray  # (2,) uint64
    keys: np.ndarray  # (bands,) uint64
    doc_shingles: int
    shingles: np.ndarray  # uint32 shingle sequence (document, then paragraphs)
    para_index: np.ndarray
    para_line: np.ndarray
    para_start: np.ndarray
    para_stop: np.ndarray
    para_exact: np.ndarray  # (paragraphs, 2) uint64
    para_keys: np.ndarray  # (paragraphs, bands) uint64
    para_texts: list[str]
    keep_value: Any = None
    url: str | None = None
    rules: dict[str, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    # For writing the corpus out (``run``): the document without its text, its cleaned
    # text and metadata, and its paragraphs' first and last lines in that text.
    doc: Document | None = None
    text: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    para_first: np.ndarray | None = None
    para_last: np.ndarray | None = None


def signed_docs(
    batch: list[tuple[int, Document | Prepared]], options: ScanOptions
) -> Iterator[tuple[int, SignedDoc | InputError, dict[str, Any]]]:
    """Sign one batch of ``(order, document)`` items (in the executor, with the context
    :func:`dedup.work.sign_batch` reads already set): per item its signed slice or its
    failure, and the batch's cleaning counts with its first signed item."""
    policy = options.keep_policy
    signed = sign_batch([item for _, item in batch])
    flagged: dict[str, int] = {}
    for flags in signed.flags:
        for flag in flags:
            flagged[flag] = flagged.get(flag, 0) + 1
    totals = {"rules": signed.removed_by_rule, "words": signed.words_by_rule, "flags": flagged}
    for k, error in signed.failures:
        yield batch[k][0], error, {}
    counts = signed.shingle_counts
    starts = np.cumsum(counts) - counts
    para_counts = np.bincount(signed.para_doc, minlength=signed.rows.size)
    para_starts = np.cumsum(para_counts) - para_counts
    for row, k in enumerate(signed.rows.tolist()):
        order, item = batch[k]
        doc = item.doc if isinstance(item, Prepared) else item
        lo, hi = int(para_starts[row]), int(para_starts[row] + para_counts[row])
        out = SignedDoc(
            order=order,
            id=doc.id,
            tokens=int(signed.tokens[row]),
            exact=signed.exact[row].copy(),
            keys=signed.band_keys[row].copy(),
            doc_shingles=int(signed.doc_shingles[row]),
            shingles=signed.shingles[starts[row] : starts[row] + counts[row]].copy(),
            para_index=signed.para_index[lo:hi].copy(),
            para_line=signed.para_line[lo:hi].copy(),
            para_start=signed.para_start[lo:hi].copy(),
            para_stop=signed.para_stop[lo:hi].copy(),
            para_exact=signed.para_exact[lo:hi].copy(),
            para_keys=signed.para_band_keys[lo:hi].copy(),
            para_texts=signed.para_texts[lo:hi],
            keep_value=value_of(policy.field, doc.fields, doc.meta, signed.metadata[row]) if policy.field else None,
            url=canonical_url(doc.meta["url"]) if options.same_url and doc.meta.get("url") else None,
            rules=signed.rules[row],
            flags=signed.flags[row],
        )
        if signed.texts:  # the context keeps texts: this run writes them out
            out.doc, out.text, out.metadata = replace(doc, text=""), signed.texts[row], signed.metadata[row]
            out.para_first, out.para_last = signed.para_first[lo:hi].copy(), signed.para_last[lo:hi].copy()
        yield out.order, out, totals
        totals = {}


_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)
_PARAGRAPH_SALT = np.uint64(0xC2B2AE3D27D4EB4F)
_URL_SALT = np.uint64(0x165667B19E3779F9)


def links(doc: SignedDoc, options: ScanOptions) -> np.ndarray:
    """The keys by which ``doc`` can meet another document: its document buckets, the
    buckets of its paragraphs, its URL (``--same-url``), as int64. Two documents that
    share a bucket, an exact key or a URL share a link (exact copies share every bucket);
    two keys that collide only join components, which changes no decision."""
    parts = []
    with np.errstate(over="ignore"):
        if options.level in ("doc", "both") and doc.tokens > 0:
            bands = np.arange(1, doc.keys.size + 1, dtype=np.uint64)
            parts.append(_fmix64(doc.keys ^ (bands * _BAND_SALT)))
        if options.level in ("paragraph", "both") and doc.para_keys.size:
            bands = np.arange(1, doc.para_keys.shape[1] + 1, dtype=np.uint64)
            parts.append(_fmix64((doc.para_keys ^ (bands * _BAND_SALT)).ravel() ^ _PARAGRAPH_SALT))
        if doc.url is not None:
            parts.append(_fmix64(np.array([hash_text(doc.url)], dtype=np.uint64) ^ _URL_SALT))
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(parts)).view(np.int64)


def hash_text(text: str) -> int:
    """A 64-bit hash of a text, the same in every process (Python's ``hash`` is salted)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass
class Decided:
    """What one component's decision says, in the corpus's terms: documents by order key,
    paragraphs by (document order, paragraph number within the document's paragraphs)."""

    kept_by: dict[int, int] = field(default_factory=dict)
    similarity: dict[int, Similarity] = field(default_factory=dict)
    rule: dict[int, str] = field(default_factory=dict)
    doc_clusters: list[list[int]] = field(default_factory=list)
    paragraph_clusters: list[list[tuple[int, int]]] = field(default_factory=list)
    paragraph_similarity: dict[tuple[int, int], float] = field(default_factory=dict)
    # Index, source line and text of each paragraph that is in a cluster (for the report).
    paragraphs: dict[tuple[int, int], tuple[int, int, str]] = field(default_factory=dict)
    position: dict[int, int] = field(default_factory=dict)  # keep first: order of the place taken
    candidates: int = 0
    rejected: int = 0


def decide_part(docs: list[SignedDoc], options: ScanOptions) -> Decided:
    """Decide one component with :func:`dedup.engine.decide`, on a collection of its
    documents in input order (keep values of the wrong kind already set to ``None``)."""
    docs = sorted(docs, key=lambda d: d.order)
    orders = [d.order for d in docs]
    with Collection(Spill(), Ledger(), False, options.keep_policy.field, options.same_url) as part:
        part.ids = [d.id for d in docs]
        part.keep_values = [d.keep_value for d in docs]
        part.urls = [d.url for d in docs]
        counts = np.array([d.shingles.size for d in docs], dtype=np.int64)
        at = part.spill.append(b"".join(d.shingles.astype("<u4").tobytes() for d in docs))
        part.put_column("shingles_at", at + 4 * (np.cumsum(counts) - counts))
        part.put_column("tokens", np.array([d.tokens for d in docs], dtype=np.int64))
        part.put_column("doc_shingles", np.array([d.doc_shingles for d in docs], dtype=np.int64))
        part.put_column("exact", np.stack([d.exact for d in docs]).astype(np.uint64))
        part.put_column("keys", np.stack([d.keys for d in docs]).astype(np.uint64))
        para_counts = np.array([d.para_start.size for d in docs], dtype=np.int64)
        part.put_column("para_doc", np.repeat(np.arange(len(docs), dtype=np.int64), para_counts))
        for name, attr in (("para_start", "para_start"), ("para_stop", "para_stop")):
            part.put_column(name, np.concatenate([getattr(d, attr) for d in docs]).astype(np.int64))
        bands = docs[0].para_keys.shape[1] if docs[0].para_keys.ndim == 2 else 0
        part.put_column("para_exact", np.concatenate([d.para_exact.reshape(-1, 2) for d in docs]).astype(np.uint64))
        part.put_column(
            "para_band_keys", np.concatenate([d.para_keys.reshape(-1, bands) for d in docs]).astype(np.uint64)
        )
        found = decide(part, options)

    para_doc = np.repeat(np.arange(len(docs)), para_counts)
    para_first = np.cumsum(para_counts) - para_counts

    def paragraph(k: int) -> tuple[int, int]:
        d = int(para_doc[k])
        return orders[d], k - int(para_first[d])

    out = Decided(candidates=found.candidates, rejected=found.rejected)
    for m in np.flatnonzero(found.kept_by >= 0).tolist():
        out.kept_by[orders[m]] = orders[int(found.kept_by[m])]
        out.similarity[orders[m]] = found.doc_similarity[m]
        out.rule[orders[m]] = found.doc_rule[m]
    out.doc_clusters = [[orders[m] for m in members] for members in found.doc_clusters]
    if found.position is not None:
        out.position = {orders[i]: orders[int(p)] for i, p in enumerate(found.position.tolist()) if int(p) != i}
    for members in found.paragraph_clusters:
        out.paragraph_clusters.append([paragraph(k) for k in members])
        for k in members:
            d, j = paragraph(k)
            doc = docs[int(para_doc[k])]
            out.paragraphs[(d, j)] = (int(doc.para_index[j]), int(doc.para_line[j]), doc.para_texts[j])
            if k in found.paragraph_similarity:
                out.paragraph_similarity[(d, j)] = found.paragraph_similarity[k]
    return out


def rank_key(doc_order: int, tokens: int, value: float, options: ScanOptions, position: int | None) -> tuple:
    """A document's place in the corpus's keep order, comparable across components: the
    key :func:`dedup.keep.keep_order` sorts by (and, for keep first, the place taken by an
    abridged copy's container, then length, as :func:`dedup.engine.decide` re-sorts)."""
    policy = options.keep_policy
    if policy.kind == "longest":
        return (-tokens, doc_order)
    if policy.field is not None:
        missing = bool(np.isnan(value))
        return (missing, 0.0 if missing else (-value if policy.descending else value), doc_order)
    if position is not None:
        return (position, -tokens, doc_order)
    return (doc_order,)


def readable(value: Any, kind: str | None) -> Any:
    """A keep value as the corpus ranks it: ``None`` unless it reads as ``kind`` (the kind of
    the field's first readable value in input order), so a component ranks like the corpus."""
    found = rank_value(value)
    return value if found is not None and found[0] == kind else None


def batch_of(docs: list[SignedDoc]) -> tuple[list[Document], SignedBatch]:
    """Signed documents (of a run, in input order) as one batch, as ``sign_batch`` made it,
    for :meth:`dedup.engine.Collection.add` on the driver."""
    counts = np.array([d.para_start.size for d in docs], dtype=np.int64)

    def cat(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        parts = [getattr(d, name).reshape((-1, *shape[1:])) for d in docs]
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(shape, dtype=dtype)

    para_bands = docs[0].para_keys.shape[1] if docs and docs[0].para_keys.ndim == 2 else 0
    batch = SignedBatch(
        rows=np.arange(len(docs), dtype=np.int64),
        failures=[],
        tokens=np.array([d.tokens for d in docs], dtype=np.int64),
        exact=np.stack([d.exact for d in docs]).astype(np.uint64),
        band_keys=np.stack([d.keys for d in docs]).astype(np.uint64),
        shingle_counts=np.array([d.shingles.size for d in docs], dtype=np.int64),
        doc_shingles=np.array([d.doc_shingles for d in docs], dtype=np.int64),
        shingles=np.concatenate([d.shingles for d in docs]).astype(np.uint32),
        removed_by_rule={},
        words_by_rule={},
        examples={},
        rules=[d.rules for d in docs],
        flags=[d.flags for d in docs],
        metadata=[d.metadata for d in docs],
        texts=[d.text or "" for d in docs],
        para_doc=np.repeat(np.arange(len(docs), dtype=np.int64), counts),
        para_index=cat("para_index", (0,), np.int32),
        para_line=cat("para_line", (0,), np.int32),
        para_first=cat("para_first", (0,), np.int32),
        para_last=cat("para_last", (0,), np.int32),
        para_start=cat("para_start", (0,), np.int64),
        para_stop=cat("para_stop", (0,), np.int64),
        para_exact=cat("para_exact", (0, 2), np.uint64),
        para_band_keys=cat("para_keys", (0, para_bands), np.uint64),
        para_texts=[t for d in docs for t in d.para_texts],
    )
    return [d.doc for d in docs], batch
