"""``run``: a clean, distinct corpus out, and a manifest accounting for every input.

read -> clean -> deduplicate documents (one kept per cluster) -> drop paragraphs that
repeat a paragraph of an earlier kept document -> write. Everything is written into a
temporary folder beside the output, which replaces the output only when complete, so an
interrupted run leaves the previous output or none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .documents import Document
from .engine import Collection, Decisions, Failure, Progress, collect, decide
from .errors import InputError, OptionsError
from .options import ScanOptions
from .output import OutputFolder, check_output_dir, output_name
from .readers import RUN_FILES, RUN_MARKER, iter_documents
from .verify import similarity

__all__ = ["FORMATS", "MANIFEST", "MARKER", "SUMMARY", "RunOptions", "RunResult", "RunSummary", "run", "run_paths"]

FORMATS = ("txt", "jsonl")
MANIFEST, SUMMARY = RUN_FILES
DOCUMENTS = "documents.jsonl"
MARKER = RUN_MARKER


@dataclass(frozen=True)
class RunOptions:
    """What ``dedup run`` does beyond a scan's options: paragraph removal, output format,
    and whether it may replace an existing output."""

    scan: ScanOptions = field(default_factory=ScanOptions)
    paragraph_dedup: bool = True
    output_format: str = "txt"
    force: bool = False

    def __post_init__(self) -> None:
        if self.output_format not in FORMATS:
            raise OptionsError(f"output_format must be one of {', '.join(FORMATS)}; got {self.output_format!r}")


@dataclass(frozen=True)
class RunSummary:
    """Counts of a run; they add up to the lines of the manifest."""

    inputs: int
    kept: int
    duplicate: int
    failed: int
    paragraphs_removed: int
    boilerplate_lines_removed: int
    candidates: int
    rejected_candidates: int


@dataclass(frozen=True)
class RunResult:
    """Where the output went, the counts, the inputs that failed, and the documents that
    were read from another encoding than UTF-8 (source, encoding)."""

    out: str
    summary: RunSummary
    failures: tuple[Failure, ...]
    encodings: tuple[tuple[str, str], ...] = ()


def run_paths(
    paths: Iterable[str], out: str, options: RunOptions | None = None, progress: Progress | None = None
) -> RunResult:
    """Run over the files and folders in ``paths`` (``-`` for standard input) into ``out``.

    Refuses (:class:`~dedup.errors.OutputError`) an output folder inside an input folder,
    and an existing non-empty one unless ``options.force``.
    """
    options = options or RunOptions()
    paths = list(paths)
    check_output_dir(out, paths, options.force)
    scan = options.scan
    return run(iter_documents(paths, scan.text_field, scan.id_field), out, options, progress)


def run(
    documents: Iterable[Document | InputError],
    out: str,
    options: RunOptions | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Clean and deduplicate ``documents`` and write the distinct corpus and its manifest
    into the folder ``out`` (replaced as a whole when the run completes)."""
    options = options or RunOptions()
    scan = options.scan
    if not options.paragraph_dedup and scan.level == "both":
        scan = ScanOptions(**{**asdict(scan), "level": "doc", "jobs": scan.jobs})
    with collect(documents, scan, progress, keep_text=True) as collection:
        decisions = decide(collection, scan)
        with OutputFolder(out, reserved=(MANIFEST, SUMMARY, DOCUMENTS, MARKER)) as folder:
            summary = _write(folder, collection, decisions, options, scan)
        encodings = tuple(
            (info.doc.source or info.doc.id, info.doc.meta["encoding"])
            for info in collection.infos
            if "encoding" in info.doc.meta
        )
        return RunResult(str(out), summary, tuple(collection.ledger.failures), encodings)


def _removed_paragraphs(collection: Collection, decisions: Decisions) -> dict[int, list[dict[str, Any]]]:
    """Per kept document, the paragraphs that repeat one of an earlier kept document."""
    para_doc = collection.column("para_doc")
    index = collection.column("para_index")
    line = collection.column("para_line")
    removed: dict[int, list[dict[str, Any]]] = {}
    for members in decisions.paragraph_clusters:
        first = members[0]
        for k in members[1:]:
            if para_doc[k] == para_doc[first]:
                continue  # repeated inside one document: not a copy of another
            removed.setdefault(int(para_doc[k]), []).append(
                {
                    "row": k,
                    "paragraph": int(index[k]),
                    "line": int(line[k]) or None,
                    "duplicate_of": {
                        "id": collection.ids[para_doc[first]],
                        "paragraph": int(index[first]),
                        "line": int(line[first]) or None,
                    },
                    "similarity": round(decisions.paragraph_similarity[k], 4),
                }
            )
    return removed


def _without(text: str, drop: list[tuple[int, int]]) -> str:
    """``text`` without the 1-based inclusive line ranges in ``drop``; runs of blank lines
    left behind become one."""
    lines = text.split("\n")
    gone = set()
    for first, last in drop:
        gone.update(range(first - 1, last))
    out: list[str] = []
    for k, line in enumerate(lines):
        if k in gone or (not line.strip() and (not out or not out[-1].strip())):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def _write(
    folder: OutputFolder, collection: Collection, decisions: Decisions, options: RunOptions, scan: ScanOptions
) -> RunSummary:
    """Write texts, manifest and summary into the output folder; return the counts."""
    removed = _removed_paragraphs(collection, decisions)
    first = collection.column("para_first")
    last = collection.column("para_last")
    text_at = collection.column("text_at", (0, 2))
    row_of = {doc_id: i for i, doc_id in enumerate(collection.ids)}
    manifest: list[str] = []
    jsonl = options.output_format == "jsonl"
    records = open(folder.work / DOCUMENTS, "w", encoding="utf-8") if jsonl else None  # noqa: SIM115
    counts = {"kept": 0, "duplicate": 0, "failed": 0, "paragraphs_removed": 0, "boilerplate_lines_removed": 0}
    try:
        for entry in collection.ledger.entries:
            if isinstance(entry, Failure):
                counts["failed"] += 1
                manifest.append(_line({"id": entry.id, "source": entry.path, "line": entry.line, "status": "failed",
                                       "error": entry.error}))  # fmt: skip
                continue
            i = row_of[entry]
            info = collection.infos[i]
            record: dict[str, Any] = {
                "id": entry,
                "source": info.doc.source,
                "line": info.doc.line if info.doc.record else None,
            }
            counts["boilerplate_lines_removed"] += info.removed_lines
            kept_by = int(decisions.kept_by[i])
            cuts = removed.get(i, []) if kept_by < 0 else []
            text = ""
            if cuts or kept_by < 0:
                spans = [(int(first[c["row"]]), int(last[c["row"]])) for c in cuts]
                text = _without(collection.text(text_at[i]), spans)
            if cuts and len(text.split()) < scan.min_paragraph_words:
                # Every paragraph repeats an earlier kept document: a copy assembled from
                # them, not a document of its own.
                kept_by = row_of[cuts[0]["duplicate_of"]["id"]]
                sim = similarity(collection.shingle_set(kept_by), collection.shingle_set(i))
                record["reason"] = "every paragraph repeats a kept document"
            elif kept_by >= 0:
                sim = decisions.doc_similarity[i]
            if kept_by >= 0:
                counts["duplicate"] += 1
                record.update(status="duplicate", duplicate_of=collection.ids[kept_by],
                              similarity=round(sim.jaccard, 4), containment=round(sim.containment, 4))  # fmt: skip
            else:
                counts["kept"] += 1
                record["status"] = "kept"
                if records is not None:
                    meta = {**info.doc.meta, **info.metadata}
                    records.write(_line({"id": entry, "text": text, "source": info.doc.source, "metadata": meta}))
                else:
                    name = folder.claim(output_name(info.doc))
                    folder.write(name, text + "\n" if text else "")
                    record["output"] = str(name)
            if cuts:
                counts["paragraphs_removed"] += len(cuts)
                record["paragraphs_removed"] = [{k: v for k, v in c.items() if k != "row"} for c in cuts]
            record["boilerplate_lines_removed"] = info.removed_lines
            if info.removed_by_rule:
                record["boilerplate_by_rule"] = dict(sorted(info.removed_by_rule.items()))
            if info.flags:
                record["flags"] = list(info.flags)
            if "encoding" in info.doc.meta:
                record["encoding"] = info.doc.meta["encoding"]
            manifest.append(_line(record))
    finally:
        if records is not None:
            records.close()
    summary = RunSummary(
        inputs=len(collection.ledger.entries),
        candidates=decisions.candidates,
        rejected_candidates=decisions.rejected,
        **counts,
    )
    folder.write(MANIFEST, "".join(manifest))
    settings = {**scan.as_dict(), "paragraph_dedup": options.paragraph_dedup, "output_format": options.output_format}
    folder.write(SUMMARY, json.dumps({"summary": asdict(summary), "options": settings}, indent=2) + "\n")
    folder.write(MARKER, "written by dedup run; see manifest.jsonl\n")
    return summary


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"
