"""The data of a review: what a scan found, plus what a person needs to trust it.

Counts, the histogram of every verified pair and the threshold preview are exact over
the whole corpus; clusters and cleaned documents are sampled (``sample``: the biggest
clusters, then a seeded random spread of the others), so the page stays small.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..documents import Document
from ..engine import Collection, Decisions, Progress, clean_options, collect, decide
from ..errors import InputError, OptionsError
from ..matching import Verified, document_lsh, paragraph_lsh
from ..options import ScanOptions
from ..readers import iter_documents
from ..scan import ScanResult, scan_result
from ..work import Context, clean_result
from .diff import word_diff
from .pairs import Pairs, verified_pairs

__all__ = ["PREVIEW_THRESHOLDS", "ReviewOptions", "review", "review_paths"]

VERSION = 1
# The thresholds the preview covers (the slider's steps).
PREVIEW_THRESHOLDS = tuple(round(0.30 + 0.05 * k, 2) for k in range(14))
# Histogram bins: 20 of 0.05 over [0, 1].
BINS = 20
# Characters of context shown before and after a repeated paragraph.
CONTEXT = 200


@dataclass(frozen=True)
class ReviewOptions:
    """A scan's options, and how many clusters and documents the page shows (``sample``;
    ``None``: all) chosen with ``seed``."""

    scan: ScanOptions = field(default_factory=ScanOptions)
    # Clusters shown per section, and cleaned documents: 100 keeps the page near 2 MiB
    # (3.3 MiB with 200 on bench_review.py's corpus) and its diffs quick to build.
    sample: int | None = 100
    seed: int = 1

    def __post_init__(self) -> None:
        if self.sample is not None and (isinstance(self.sample, bool) or self.sample < 1):
            raise OptionsError(f"sample must be a whole number of at least 1, or None for all; got {self.sample!r}")


def review_paths(
    paths: Iterable[str], options: ReviewOptions | None = None, progress: Progress | None = None
) -> tuple[ScanResult, dict[str, Any]]:
    """Review the files and folders in ``paths``: the scan's result and the review data."""
    options = options or ReviewOptions()
    paths = list(paths)
    scan = options.scan
    return review(iter_documents(paths, scan.text_field, scan.id_field), options, progress, inputs=paths)


def review(
    documents: Iterable[Document | InputError],
    options: ReviewOptions | None = None,
    progress: Progress | None = None,
    inputs: list[str] | None = None,
) -> tuple[ScanResult, dict[str, Any]]:
    """Scan ``documents`` and gather the review (see the module's docstring); the
    scan's result is the one :func:`dedup.scan.scan` gives."""
    options = options or ReviewOptions()
    scan = options.scan
    with collect(documents, scan, progress, keep_text=True, keep_staged=scan.clean) as collection:
        seen = (Verified(), Verified())
        decisions = decide(collection, scan, seen)
        result = scan_result(collection, decisions, scan)
        data = _gather(collection, decisions, result, options, inputs or [], seen)
    return result, data


def _gather(
    collection: Collection,
    decisions: Decisions,
    result: ScanResult,
    options: ReviewOptions,
    inputs: list[str],
    seen: tuple[Verified, Verified],
) -> dict[str, Any]:
    scan = options.scan
    s = result.summary
    doc_pairs, para_pairs, owner, para_active = _pairs(collection, decisions, scan, seen)
    words = sum(collection.removed_words_by_rule.values())
    return {
        "version": VERSION,
        "title": "dedup review",
        "inputs": inputs,
        "options": scan.as_dict(),
        "summary": {
            **dataclasses.asdict(s),
            "boilerplate_spans": sum(collection.removed_by_rule.values()),
            "boilerplate_words": words,
        },
        "failures": [{"path": f.path, "line": f.line, "error": f.error} for f in result.errors],
        "histogram": _histogram(doc_pairs, para_pairs, scan),
        "preview": _preview(collection, decisions, scan, doc_pairs, para_pairs, owner, para_active),
        **_clusters(collection, result, options),
        "cleaning": _cleaning(collection, options),
        "sample": {"size": options.sample, "seed": options.seed},
    }


def _pairs(
    collection: Collection,
    decisions: Decisions,
    scan: ScanOptions,
    seen: tuple[Verified, Verified],
) -> tuple[Pairs | None, Pairs | None, dict[int, int], np.ndarray]:
    """Every candidate pair verified, for documents and for the paragraphs compared."""
    tokens = collection.column("tokens")
    doc_pairs = para_pairs = None
    para_active = np.zeros(0, dtype=np.int64)
    owner: dict[int, int] = {}
    if scan.level in ("doc", "both") and tokens.size:
        exact = collection.column("exact", (0, 2), np.uint64)
        keys = collection.column("keys", (0, document_lsh(scan).bands), np.uint64)
        active = np.flatnonzero(tokens > 0)
        if decisions.by_url:  # dropped for their URL whatever the threshold
            active = active[~np.isin(active, np.asarray(decisions.by_url, dtype=np.int64))]
        doc_pairs = verified_pairs(
            active,
            exact,
            keys,
            collection.shingle_set,
            decisions.rank,
            scan.min_length_ratio,
            scan.containment,
            seen=seen[0],
        )
    if scan.level in ("paragraph", "both"):
        para_doc = collection.column("para_doc")
        if para_doc.size:
            para_active = np.flatnonzero(decisions.kept_by[para_doc] < 0)
            para_exact = collection.column("para_exact", (0, 2), np.uint64)
            keys = collection.column("para_band_keys", (0, paragraph_lsh(scan).bands), np.uint64)
            para_rank = _paragraph_rank(para_doc, decisions.rank)
            para_pairs = verified_pairs(
                para_active, para_exact, keys, collection.paragraph_set, para_rank, 0.0, None, para_doc, seen[1]
            )
            owner = dict(zip(para_active.tolist(), para_doc[para_active].tolist()))
    return doc_pairs, para_pairs, owner, para_active


def _paragraph_rank(para_doc: np.ndarray, rank: np.ndarray) -> np.ndarray:
    para_rank = np.empty(para_doc.size, dtype=np.int64)
    para_rank[np.lexsort((np.arange(para_doc.size), rank[para_doc]))] = np.arange(para_doc.size)
    return para_rank


def _bin(value: float) -> int:
    return min(int(value * BINS), BINS - 1)


def _histogram(doc_pairs: Pairs | None, para_pairs: Pairs | None, scan: ScanOptions) -> dict[str, Any]:
    """Verified pairs by similarity: documents by Jaccard, those that only containment
    accepted by containment, paragraphs by Jaccard."""
    documents, contained, paragraphs = [0] * BINS, [0] * BINS, [0] * BINS
    for sim, fits in doc_pairs.verified if doc_pairs else ():
        documents[_bin(sim.jaccard)] += 1
        if sim.jaccard < scan.threshold and scan.containment is not None and fits:
            if sim.containment >= scan.containment:
                contained[_bin(sim.containment)] += 1
    for sim, _ in para_pairs.verified if para_pairs else ():
        paragraphs[_bin(sim.jaccard)] += 1
    return {
        "bins": [round(k / BINS, 2) for k in range(BINS)],
        "documents": documents,
        "documents_containment": contained,
        "paragraphs": paragraphs,
    }


def _preview(
    collection: Collection,
    decisions: Decisions,
    scan: ScanOptions,
    doc_pairs: Pairs | None,
    para_pairs: Pairs | None,
    owner: dict[int, int],
    para_active: np.ndarray,
) -> list[dict[str, Any]]:
    """Documents dropped with each threshold (the containment rule as set), and repeated
    paragraphs cut with each paragraph threshold (documents as decided), replayed."""
    by_url = len(decisions.by_url)
    doc_order = np.argsort(decisions.rank, kind="stable").tolist()
    para_doc = collection.column("para_doc")
    para_order: list[int] = []
    if para_active.size:
        para_rank = _paragraph_rank(para_doc, decisions.rank)
        para_order = para_active[np.argsort(para_rank[para_active], kind="stable")].tolist()
    doc_items = doc_pairs.involved_items(doc_order) if doc_pairs is not None else []
    para_items = para_pairs.involved_items(para_order) if para_pairs is not None else []
    out = []
    for t in PREVIEW_THRESHOLDS:
        documents = paragraphs = 0
        if doc_pairs is not None:
            dropped = doc_pairs.dropped(doc_items, t)
            documents = len(dropped) + by_url
            if decisions.keep_none:  # the documents they were dropped for go too
                documents += len(_keepers(doc_pairs, doc_items, t))
        if para_pairs is not None:
            paragraphs = len(para_pairs.dropped(para_items, t, owner))
        out.append({"threshold": t, "documents": documents, "paragraphs": paragraphs})
    return out


def _keepers(pairs: Pairs, items: list[tuple[int, int]], threshold: float) -> set[int]:
    """With keep none: the kept items that some dropped item matched (they are dropped too)."""
    dropped = set(pairs.dropped(items, threshold))
    kept_groups: dict[int, int] = {}
    for i, g in items:
        if i not in dropped:
            kept_groups.setdefault(g, i)
    found: set[int] = set()
    for i, g in items:
        if i not in dropped:
            continue
        if g in kept_groups:
            found.add(kept_groups[g])
            continue
        for h in [*pairs.contained.get(g, ()), *(h for j, h in pairs.pairs.get(g, ()) if j >= threshold)]:
            if h in kept_groups:
                found.add(kept_groups[h])
                break
    return found


def _sample(items: list[Any], size: int | None, seed: int) -> list[Any]:
    """The first half of ``size`` (items come biggest first), then a seeded spread of the rest."""
    if size is None or len(items) <= size:
        return items
    head = size - size // 2
    rest = list(range(head, len(items)))
    chosen = sorted(random.Random(seed).sample(rest, size - head))
    return items[:head] + [items[k] for k in chosen]


def _clusters(collection: Collection, result: ScanResult, options: ReviewOptions) -> dict[str, Any]:
    text_at = collection.column("text_at", (0, 2))
    doc_clusters = sorted(result.doc_clusters, key=lambda c: (-len(c.members), c.members[0].id))
    shown = []
    for c in _sample(doc_clusters, options.sample, options.seed):
        kept = collection.text(text_at[collection.row(c.members[0].id)])
        shown.append({
            "keep": c.keep,
            "size": len(c.members),
            "members": [{"id": m.id, "similarity": m.similarity, "containment": m.containment, "rule": m.rule}
                        for m in c.members],
            "diffs": [word_diff(kept, collection.text(text_at[collection.row(m.id)])) for m in c.members[1:]],
        })  # fmt: skip
    para_clusters = sorted(result.paragraph_clusters, key=lambda c: (-len(c.members), c.members[0].id))
    paragraphs = []
    para_doc = collection.column("para_doc")
    para_index = collection.column("para_index", dtype=np.int32)
    para_text = collection.column("para_text_at", (0, 2))
    chosen = _sample(para_clusters, options.sample, options.seed)
    rows = {collection.row(m.id) for c in chosen for m in c.members}
    where = {(int(para_doc[k]), int(para_index[k])): k for k in np.flatnonzero(np.isin(para_doc, list(rows))).tolist()}
    for c in chosen:
        members = []
        for m in c.members:
            doc = collection.row(m.id)
            k = where.get((doc, m.paragraph))
            before = after = ""
            if k is not None and k > 0 and para_doc[k - 1] == doc:
                before = collection.text(para_text[k - 1])[-CONTEXT:]
            if k is not None and k + 1 < para_doc.size and para_doc[k + 1] == doc:
                after = collection.text(para_text[k + 1])[:CONTEXT]
            source = collection.infos[doc].doc.source
            members.append({"id": m.id, "source": source, "paragraph": m.paragraph, "line": m.line, "text": m.text,
                            "similarity": m.similarity, "before": before, "after": after})  # fmt: skip
        for m in members[1:]:
            m["diff"] = word_diff(members[0]["text"], m["text"])
        paragraphs.append({"similarity": c.similarity, "size": len(c.members), "members": members})
    return {
        "doc_clusters": shown,
        "doc_clusters_total": len(doc_clusters),
        "paragraph_clusters": paragraphs,
        "paragraph_clusters_total": len(para_clusters),
    }


def _cleaning(collection: Collection, options: ReviewOptions) -> dict[str, Any]:
    """The rules that removed the most words, and sampled documents as they were before
    cleaning, each removed line marked with its rule (cleaned again the same way: the
    same rules and corpus statistics give the same removals)."""
    rules = [
        {"rule": rule, "spans": collection.removed_by_rule.get(rule, 0), "words": words,
         "examples": collection.rule_examples.get(rule, [])}
        for rule, words in sorted(collection.removed_words_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    ]  # fmt: skip
    scan = options.scan
    if not scan.clean:
        return {"rules": rules, "documents": [], "documents_total": 0}
    ids = [i for i in collection.ids if i in collection.staged]
    with_removals = [i for i in ids if collection.infos[collection.row(i)].removed_by_rule]
    pool = with_removals or ids
    if options.sample is not None and len(pool) > options.sample:

        def key(doc_id: str) -> bytes:
            return hashlib.blake2b(f"{options.seed}:{doc_id}".encode(), digest_size=8).digest()

        chosen = set(sorted(pool, key=key)[: options.sample])
        pool = [i for i in pool if i in chosen]
    ctx = Context(scan, clean_options=clean_options(scan), stats=collection.stats)
    documents = []
    for doc_id in pool:
        prepared = collection.staged[doc_id].load(collection.spill)
        found = clean_result(prepared, ctx)
        source_lines = prepared.text.split("\n")
        marks: dict[int, str] = {}
        trims: dict[int, list[tuple[str, str]]] = {}
        for r in found.removed:
            if r.first_line == r.last_line and r.text.strip() != source_lines[r.first_line - 1].strip():
                trims.setdefault(r.first_line, []).append((r.rule, r.text))
                continue
            for k in range(r.first_line, r.last_line + 1):
                marks[k] = r.rule
        lines = []
        for k, text in enumerate(source_lines, start=1):
            at = prepared.source_line(k) or None
            if k in marks:
                lines.append({"line": at, "text": text, "rule": marks[k]})
                continue
            # A trimmed line: the removed parts before or after what stays, as in the line.
            head = [(rule, part) for rule, part in trims.get(k, ()) if text.lstrip().startswith(part.strip())]
            tail = [t for t in trims.get(k, ()) if t not in head]
            for _, part in trims.get(k, ()):
                text = text.replace(part, "", 1)
            lines.extend({"line": at, "text": part, "rule": rule} for rule, part in head)
            lines.append({"line": at, "text": text, "rule": None})
            lines.extend({"line": at, "text": part, "rule": rule} for rule, part in tail)
        info = collection.infos[collection.row(doc_id)]
        documents.append({"id": doc_id, "source": info.doc.source, "removed_spans": len(found.removed),
                          "lines": lines})  # fmt: skip
    return {"rules": rules, "documents": documents, "documents_total": len(with_removals or ids)}
