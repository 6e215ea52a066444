"""The report of a query: what a scan reports, for the pairs of a stored and a new item.

A cluster is a stored document (paragraph) and the new ones dropped for it, each with its
similarity to it (:mod:`dedup.index.matcher`); the classes, counts and JSON are
:mod:`dedup.scan`'s. Clusters come in the keep order of their stored item, members in
the keep order of the new documents, as :func:`dedup.matching.match` orders a scan's.
"""

from __future__ import annotations

import numpy as np

from ..engine import Collection, keep_order
from ..matching import accepted_by
from ..options import ScanOptions
from ..scan import DocCluster, DocMember, ParagraphCluster, ParagraphMember, ScanResult, result_of
from .matcher import Found, Matcher, in_keep_order

__all__ = ["query_result"]


def query_result(matcher: Matcher, collection: Collection, options: ScanOptions) -> ScanResult:
    """The report of the new documents of ``collection``, as ``matcher`` decided them."""
    rank = keep_order(collection.column("tokens"), options.keep_policy)
    doc_clusters = _doc_clusters(matcher, collection, rank, options.keep)
    paragraph_clusters = _paragraph_clusters(matcher, collection, rank, options.keep)
    return result_of(
        collection, options, doc_clusters, paragraph_clusters, matcher.paragraphs, matcher.candidates, matcher.rejected
    )


def _by_stored(found: dict[int, Found], matcher: Matcher, keep: str) -> list[tuple[Found, list[int]]]:
    """The new rows of ``found`` by the stored item they were dropped for (any of their
    ``Found``: its item is what counts), stored items in keep order."""
    groups: dict[tuple[int, int], tuple[Found, list[int]]] = {}
    for row, item in sorted(found.items()):
        groups.setdefault((item.doc, item.slot), (item, []))[1].append(row)
    ordered = sorted(groups)  # storage order
    stored = matcher.stored.load({doc for doc, _ in ordered})
    return [groups[ordered[at]] for at in in_keep_order([stored[doc].tokens for doc, _ in ordered], keep)]


def _doc_clusters(matcher: Matcher, collection: Collection, rank: np.ndarray, keep: str) -> list[DocCluster]:
    found = {row: item for row, (_, item) in matcher.docs.items()}
    out = []
    for kept, rows in _by_stored(found, matcher, keep):
        members = [DocMember(kept.id, 1.0, 1.0)]
        for row in sorted(rows, key=lambda r: rank[r]):
            sim = found[row].similarity
            members.append(
                DocMember(
                    collection.ids[row],
                    round(sim.jaccard, 4),
                    round(sim.containment, 4),
                    accepted_by(sim, matcher.options),
                )
            )
        out.append(DocCluster(kept.id, tuple(members)))
    return out


def _paragraph_clusters(
    matcher: Matcher, collection: Collection, rank: np.ndarray, keep: str
) -> list[ParagraphCluster]:
    found = {row: item for row, (_, _, item) in matcher.paras.items()}
    para_doc = collection.column("para_doc")
    number = collection.column("para_index", dtype=np.int32)
    line = collection.column("para_line", dtype=np.int32)
    text_at = collection.column("para_text_at", (0, 2))
    stored = matcher.stored
    texts: dict[int, bytes] = {}  # paragraph texts of the stored documents, by row
    out = []
    for kept, rows in _by_stored(found, matcher, keep):
        if kept.doc not in texts:
            texts[kept.doc] = stored.texts(kept.doc)
        text = stored.paragraph_text(stored.load([kept.doc])[kept.doc], kept.slot, texts[kept.doc])
        members = [ParagraphMember(kept.id, kept.number, kept.line or None, text, 1.0)]
        for k in sorted(rows, key=lambda k: (rank[para_doc[k]], k)):
            members.append(
                ParagraphMember(
                    id=collection.ids[para_doc[k]],
                    paragraph=int(number[k]),
                    line=int(line[k]) or None,
                    text=collection.text(text_at[k]),
                    similarity=round(found[k].similarity.jaccard, 4),
                )
            )
        out.append(ParagraphCluster(min(m.similarity for m in members[1:]), tuple(members)))
    return out
