"""``scan``: documents in, near-duplicate documents and paragraphs out, each match verified.

read -> (clean) -> sign in workers -> exact groups + LSH candidates -> verify -> cluster
-> keep/drop. Memory holds per document and per paragraph only ids, counts, exact keys
and band keys; shingle sequences and texts wait in a scratch file (:mod:`dedup.spill`)
until verification or the report needs them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

import clean as cleaner

from .documents import Document
from .engine import Collection, Decisions, Failure, Progress, collect, decide
from .errors import InputError
from .options import ScanOptions
from .readers import iter_documents

__all__ = [
    "DocCluster",
    "DocMember",
    "ParagraphCluster",
    "ParagraphMember",
    "ScanResult",
    "Summary",
    "cleaning_report",
    "result_of",
    "scan",
    "scan_paths",
    "scan_result",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocMember:
    """A document of a cluster, with its exact similarity to the kept document and the
    rule that made it a copy (``exact``, ``jaccard``, ``containment``, ``url``; empty for
    the kept document itself)."""

    id: str
    similarity: float
    containment: float
    rule: str = ""


@dataclass(frozen=True)
class DocCluster:
    """Near-duplicate documents: ``keep`` is kept, the other members are its copies.

    ``members`` lists every document of the cluster, the kept one first (similarity 1).
    With ``keep none``, ``keep`` is ``None``: the first member is dropped like the rest.
    """

    keep: str | None
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

    @classmethod
    def of(
        cls,
        documents: int,
        failed: int,
        doc_clusters: Sequence[DocCluster],
        paragraphs: int,
        paragraph_clusters: Sequence[ParagraphCluster],
        candidates: int,
        rejected: int,
    ) -> Summary:
        """The counts of a scan that found these clusters."""
        return cls(
            documents=documents,
            failed=failed,
            doc_clusters=len(doc_clusters),
            duplicate_documents=sum(len(c.members) - (c.keep is not None) for c in doc_clusters),
            paragraphs=paragraphs,
            paragraph_clusters=len(paragraph_clusters),
            duplicate_paragraphs=sum(len(c.members) - 1 for c in paragraph_clusters),
            candidates=candidates,
            rejected_candidates=rejected,
        )


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found; :mod:`dedup.report` renders it as text or JSON."""

    options: ScanOptions
    summary: Summary
    doc_clusters: tuple[DocCluster, ...]
    paragraph_clusters: tuple[ParagraphCluster, ...]
    errors: tuple[Failure, ...]
    cleaning: dict[str, Any] | None = None
    # Documents whose keep field (keep newest:FIELD...) was missing or unreadable.
    unranked: tuple[str, ...] = ()


def cleaning_report(
    by_rule: dict[str, int], flagged: dict[str, int], stats: cleaner.CorpusStats | None
) -> dict[str, Any]:
    """The ``cleaning`` part of a report: spans removed per rule, documents per flag, and
    the corpus statistics the cleaner used."""
    return {
        "removed_spans_by_rule": dict(sorted(by_rule.items())),
        "flags": dict(sorted(flagged.items())),
        "corpus_stats": stats.describe() if stats is not None else None,
    }


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
    with collect(documents, options, progress) as collection:
        decisions = decide(collection, options)
        return scan_result(collection, decisions, options)


def scan_result(collection: Collection, decisions: Decisions, options: ScanOptions) -> ScanResult:
    """The report of a collection as :func:`~dedup.engine.decide` decided it."""
    ids = collection.ids
    doc_clusters = []
    for members in decisions.doc_clusters:
        out = [DocMember(ids[members[0]], 1.0, 1.0)]
        for m in members[1:]:
            sim = decisions.doc_similarity[m]
            out.append(DocMember(ids[m], round(sim.jaccard, 4), round(sim.containment, 4), decisions.doc_rule[m]))
        doc_clusters.append(DocCluster(None if decisions.keep_none else ids[members[0]], tuple(out)))

    para_doc = collection.column("para_doc")
    index = collection.column("para_index", dtype=np.int32)
    line = collection.column("para_line", dtype=np.int32)
    text_at = collection.column("para_text_at", (0, 2))
    paragraph_clusters = []
    for members in decisions.paragraph_clusters:
        if len(set(para_doc[members].tolist())) < 2:
            continue  # repeated inside one document: the cleaner's business, not a copy
        out = [
            ParagraphMember(
                id=ids[para_doc[k]],
                paragraph=int(index[k]),
                line=int(line[k]) or None,
                text=collection.text(text_at[k]),
                similarity=round(decisions.paragraph_similarity.get(k, 1.0), 4),
            )
            for k in members
        ]
        paragraph_clusters.append(ParagraphCluster(min(m.similarity for m in out[1:]), tuple(out)))

    result = result_of(
        collection, options, doc_clusters, paragraph_clusters,
        decisions.paragraphs_compared, decisions.candidates, decisions.rejected,
    )  # fmt: skip
    return replace(result, unranked=tuple(ids[i] for i in decisions.unranked))


def result_of(
    collection: Collection,
    options: ScanOptions,
    doc_clusters: Sequence[DocCluster],
    paragraph_clusters: Sequence[ParagraphCluster],
    paragraphs: int,
    candidates: int,
    rejected: int,
) -> ScanResult:
    """The report of a collection's documents with these clusters and counts (a scan's,
    or an index query's)."""
    failures = collection.ledger.failures
    summary = Summary.of(
        len(collection.ids), len(failures), doc_clusters, paragraphs, paragraph_clusters, candidates, rejected
    )
    cleaning = None
    if options.clean:
        cleaning = cleaning_report(collection.removed_by_rule, collection.flagged, collection.stats)
    return ScanResult(options, summary, tuple(doc_clusters), tuple(paragraph_clusters), tuple(failures), cleaning)
