"""The driver's part of a Spark scan: the components' decisions put together as the local
engine's :class:`~dedup.engine.Decisions`, and the report made by the local code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

import clean as cleaner

from ..engine import Collection, Decisions, Failure, Ledger
from ..keep import rank_value
from ..options import ScanOptions
from ..scan import ScanResult, scan_result
from ..spill import Spill
from .parts import Decided, SignedDoc, rank_key, readable

__all__ = ["Light", "assemble", "decisions_of", "ledger_of", "ranked"]


@dataclass(frozen=True)
class Light:
    """What the driver keeps of a signed document."""

    order: int
    id: str
    tokens: int
    paragraphs: int
    keep: Any = None  # the keep field's value as read
    value: float = float("nan")  # as ranked (NaN: missing, unreadable, or of the other kind)

    @classmethod
    def of(cls, doc: SignedDoc) -> Light:
        return cls(doc.order, doc.id, doc.tokens, int(doc.para_start.size), doc.keep_value)


def ranked(light: list[Light], field: str | None) -> tuple[list[Light], str | None]:
    """The documents in input order with their keep values ranked as
    :func:`dedup.keep.field_ranks` ranks them: a field holds the kind (dates or numbers)
    of its first readable value in input order; the kind, for the components."""
    light = sorted(light, key=lambda d: d.order)
    if field is None:
        return light, None
    kind = next((found[0] for d in light if (found := rank_value(d.keep)) is not None), None)
    out = []
    for d in light:
        found = rank_value(readable(d.keep, kind))
        out.append(replace(d, value=found[1]) if found is not None else d)
    return out, kind


def ledger_of(light: list[Light], failures: list[tuple[int, Failure]]) -> Ledger:
    """Every input in input order, as :func:`dedup.engine.collect` records it: the
    documents signed, and each failure at the place of what failed."""
    ledger = Ledger()
    entries: list[tuple[int, Light | Failure]] = [(d.order, d) for d in light] + list(failures)
    for _, entry in sorted(entries, key=lambda e: e[0]):
        if isinstance(entry, Failure):
            ledger.fail(entry)
        else:
            ledger.document(entry.id)
    return ledger


def decisions_of(
    light: list[Light], decided: Iterable[Decided], options: ScanOptions
) -> tuple[Decisions, dict[int, tuple[int, int, str]]]:
    """The components' decisions as :func:`dedup.engine.decide` makes them for the whole
    corpus (rows are the documents of ``light``, in input order as :func:`ranked` gives
    them), and the index, source line and text of each paragraph in a cluster, by
    paragraph row."""
    n = len(light)
    row = {d.order: i for i, d in enumerate(light)}
    np.array([d.tokens for d in light], dtype=np.int64)
    para_counts = np.array([d.paragraphs for d in light], dtype=np.int64)
    para_first = np.cumsum(para_counts) - para_counts
    out = Decisions(kept_by=np.full(n, -1, dtype=np.int64), keep_none=options.keep_policy.kind == "none")
    if options.keep_policy.field is not None:
        out.unranked = [i for i, d in enumerate(light) if np.isnan(d.value)]
    position: dict[int, int] = {}
    doc_clusters: list[list[int]] = []
    paragraph_clusters: list[list[int]] = []
    texts: dict[int, tuple[int, int, str]] = {}
    for part in decided:
        out.candidates += part.candidates
        out.rejected += part.rejected
        position.update(part.position)
        for m, k in part.kept_by.items():
            out.kept_by[row[m]] = row[k]
            out.doc_similarity[row[m]] = part.similarity[m]
            out.doc_rule[row[m]] = part.rule[m]
        doc_clusters.extend([row[m] for m in members] for members in part.doc_clusters)
        for members in part.paragraph_clusters:
            paragraph_clusters.append([int(para_first[row[d]]) + j for d, j in members])
        for (d, j), sim in part.paragraph_similarity.items():
            out.paragraph_similarity[int(para_first[row[d]]) + j] = sim
        for (d, j), where in part.paragraphs.items():
            texts[int(para_first[row[d]]) + j] = where

    first_with_rounds = options.keep_policy.kind == "first" and options.containment is not None

    def doc_key(i: int) -> tuple:
        """Document row ``i``'s place in the keep order the decisions used."""
        d = light[i]
        at = position.get(d.order, d.order) if first_with_rounds else None
        return rank_key(d.order, d.tokens, d.value, options, at)

    out.doc_clusters = sorted(doc_clusters, key=lambda members: doc_key(members[0]))
    para_doc = np.repeat(np.arange(n, dtype=np.int64), para_counts)
    out.paragraph_clusters = sorted(paragraph_clusters, key=lambda ms: (doc_key(int(para_doc[ms[0]])), ms[0]))
    if options.level in ("paragraph", "both"):
        out.paragraphs_compared = int(para_counts[out.kept_by < 0].sum())
    return out, texts


def assemble(
    light: list[Light],
    decided: Iterable[Decided],
    failures: list[tuple[int, Failure]],
    totals: dict[str, Any],
    stats: cleaner.CorpusStats | None,
    options: ScanOptions,
) -> ScanResult:
    """The scan's report, made by :func:`dedup.scan.scan_result` from the parts
    (``light`` in input order)."""
    out, texts = decisions_of(light, decided, options)
    para_counts = np.array([d.paragraphs for d in light], dtype=np.int64)
    para_doc = np.repeat(np.arange(len(light), dtype=np.int64), para_counts)
    with Collection(Spill(), ledger_of([], failures), False) as report:
        report.ids = [d.id for d in light]
        report.removed_by_rule = dict(totals.get("rules", {}))
        report.flagged = dict(totals.get("flags", {}))
        report.stats = stats
        size = int(para_counts.sum())
        index = np.zeros(size, dtype=np.int32)
        line = np.zeros(size, dtype=np.int32)
        text_at = np.zeros((size, 2), dtype=np.int64)
        for k, (i, ln, text) in texts.items():
            raw = text.encode("utf-8", "surrogatepass")
            index[k], line[k] = i, ln
            text_at[k] = (report.spill.append(raw), len(raw))
        report.put_column("para_doc", para_doc)
        report.put_column("para_index", index)
        report.put_column("para_line", line)
        report.put_column("para_text_at", text_at)
        return scan_result(report, out, options)
