"""The rows ``dedup run`` writes in its record formats (JSONL, Parquet, CSV, TSV).

A row is the input record as it came (every field, the text replaced by the cleaned
text), or, for a document that was a file or a web page, its id, text and URL; then
dedup's columns: ``dedup_id`` (the manifest's id), ``dedup_source`` (the input file) and
``dedup_metadata`` (what the reader and the HTML extractor found: title, date, encoding);
with ``--mark-only`` also ``dedup_status`` (``kept`` or ``duplicate``), ``dedup_cluster``
(the id of the first document of its cluster in keep order; null when it is in none),
``dedup_duplicate_of`` and ``dedup_similarity`` (Jaccard similarity to that document).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .documents import Document

__all__ = ["MARK_COLUMNS", "output_row"]

MARK_COLUMNS = ("dedup_status", "dedup_cluster", "dedup_duplicate_of", "dedup_similarity")


def output_row(
    doc: Document,
    text: str,
    metadata: Mapping[str, str],
    text_field: str,
    id_field: str,
    mark: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The output row of ``doc`` with ``text``; ``mark`` holds the :data:`MARK_COLUMNS`.

    >>> output_row(Document("a.txt", "x", source="in/a.txt"), "clean", {}, "text", "id")
    {'id': 'a.txt', 'text': 'clean', 'dedup_id': 'a.txt', 'dedup_source': 'in/a.txt', 'dedup_metadata': {}}
    """
    if doc.record:
        row: dict[str, Any] = {text_field: text, **doc.fields}
    else:
        row = {id_field: doc.id, text_field: text}
        if doc.meta.get("url"):
            row["url"] = doc.meta["url"]
    row["dedup_id"] = doc.id
    row["dedup_source"] = doc.source
    row["dedup_metadata"] = {**doc.meta, **metadata}
    if mark is not None:
        row.update(mark)
    return row
