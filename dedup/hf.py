"""Hugging Face ``datasets``: deduplicate a ``Dataset`` in a notebook, with nothing else::

    from dedup.hf import deduplicate
    distinct, report = deduplicate(dataset, text_column="text")

The dataset goes through :func:`dedup.run.run` (the same path as ``dedup run``) and comes
back in its own row order: filtered to the documents kept, their text cleaned and
without paragraphs that repeat an earlier kept document; or, with ``mark_only``, every
row with its text cleaned and the columns ``dedup_status``, ``dedup_cluster``,
``dedup_duplicate_of`` and ``dedup_similarity``. Needs the ``hf`` extra
(``pip install 'dedup[hf]'``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .documents import Document
from .errors import InputError, OptionsError
from .rows import MARK_COLUMNS
from .run import MANIFEST, RunOptions, RunSummary, run

__all__ = ["DedupReport", "deduplicate"]

# The name of the dataset in messages and in the manifest's ``source``.
SOURCE = "<dataset>"


@dataclass(frozen=True)
class DedupReport:
    """What happened to each row: the counts, and one manifest record per row in the
    dataset's order (``status`` kept, duplicate or failed, and why)."""

    summary: RunSummary
    rows: tuple[dict[str, Any], ...]

    @property
    def failed(self) -> tuple[dict[str, Any], ...]:
        return tuple(r for r in self.rows if r["status"] == "failed")


def _documents(dataset: Any, text_column: str, id_column: str | None) -> Iterator[Document | InputError]:
    """Each row as a document with id ``id_column``'s value (or the row number)."""
    columns = [text_column] + ([id_column] if id_column else [])
    for k, row in enumerate(dataset.select_columns(columns)):
        doc_id = str(row[id_column]) if id_column and row[id_column] is not None else str(k)
        text = row[text_column]
        if not isinstance(text, str):
            kind = "null" if text is None else type(text).__name__
            yield InputError(SOURCE, f"column {text_column!r} is {kind}, not a string", k + 1, doc_id)
        elif not text.strip():
            yield InputError(SOURCE, f"column {text_column!r} is empty", k + 1, doc_id)
        else:
            yield Document(doc_id, text, source=SOURCE, line=k + 1, record=True)


def deduplicate(
    dataset: Any,
    text_column: str = "text",
    options: RunOptions | None = None,
    *,
    id_column: str | None = None,
    mark_only: bool | None = None,
) -> tuple[Any, DedupReport]:
    """``dataset`` without its near-duplicates (or marked), and the report of every row.

    ``options`` are those of ``dedup run`` (output format and ``force`` do not apply);
    ``mark_only`` overrides ``options.mark_only``. Rows whose text is null or empty fail
    and are left out (marked ``failed`` with ``mark_only``); the report says why.
    """
    try:
        import datasets  # noqa: F401
    except ImportError:
        raise ImportError("dedup.hf needs the datasets package: pip install 'dedup[hf]'") from None
    if text_column not in dataset.column_names:
        raise OptionsError(f"no column {text_column!r} in the dataset (columns: {', '.join(dataset.column_names)})")
    if id_column is not None and id_column not in dataset.column_names:
        raise OptionsError(f"no column {id_column!r} in the dataset (columns: {', '.join(dataset.column_names)})")
    options = options or RunOptions()
    if mark_only is not None:
        options = replace(options, mark_only=mark_only)
    options = replace(options, output_format="jsonl", force=False)
    with tempfile.TemporaryDirectory(prefix="dedup-hf-") as tmp:
        out = Path(tmp) / "out"
        result = run(_documents(dataset, text_column, id_column), str(out), options)
        manifest = [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]
        texts: dict[str, dict[str, Any]] = {}
        with open(out / "documents.jsonl", encoding="utf-8") as records:
            for line in records:
                row = json.loads(line)
                texts[row["dedup_id"]] = row
    report = DedupReport(result.summary, tuple(manifest))
    field = options.scan.text_field  # where the output rows hold the text
    # The manifest lists rows in input order; a row's place is its line (row number).
    by_row: dict[int, dict[str, Any]] = {r["line"] - 1: r for r in manifest if r.get("line") is not None}
    written = [k for k in range(len(dataset)) if k in by_row and by_row[k]["id"] in texts]
    if options.mark_only:
        marked = dataset
        for name in MARK_COLUMNS:
            values = [_mark(by_row.get(k), texts, name) for k in range(len(dataset))]
            marked = marked.add_column(name, values)
        cleaned = [_text(by_row.get(k), texts, dataset, k, text_column, field) for k in range(len(dataset))]
        return _replace_column(marked, text_column, cleaned), report
    kept = dataset.select(written)
    cleaned = [texts[by_row[k]["id"]][field] for k in written]
    return _replace_column(kept, text_column, cleaned), report


def _mark(record: dict[str, Any] | None, texts: dict[str, dict[str, Any]], name: str) -> Any:
    if record is None or record["id"] not in texts:
        return "failed" if name == "dedup_status" else None
    return texts[record["id"]].get(name)


def _text(
    record: dict[str, Any] | None, texts: dict[str, dict[str, Any]], dataset: Any, k: int, column: str, field: str
) -> Any:
    if record is None or record["id"] not in texts:
        return dataset[k][column]  # a failed row keeps what it had
    return texts[record["id"]][field]


def _replace_column(dataset: Any, name: str, values: list[Any]) -> Any:
    """``dataset`` with column ``name`` holding ``values``, in its place among the columns."""
    order = list(dataset.column_names)
    return dataset.remove_columns(name).add_column(name, values).select_columns(order)
