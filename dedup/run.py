"""``run``: a clean, distinct corpus out, and a manifest accounting for every input.

read -> clean -> deduplicate documents (one kept per cluster) -> drop paragraphs that
repeat a paragraph of an earlier kept document -> write. Everything is written into a
temporary folder beside the output, which replaces the output only when complete, so an
interrupted run leaves the previous output or none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import clean as cleaner

from .documents import Document
from .engine import Collection, Decisions, Failure, Progress, clean_options, collect, decide
from .errors import InputError, OptionsError
from .index import Index
from .options import ScanOptions
from .output import OutputFolder, check_output_dir, output_name
from .readers import RUN_FILES, RUN_MARKER, STDIN, iter_documents, table_types
from .rows import MARK_COLUMNS, output_row
from .verify import Similarity, similarity
from .writers import RecordWriter, check_format, plan_columns

__all__ = [
    "FORMATS", "MANIFEST", "MARKER", "SUMMARY", "RunOptions", "RunResult", "RunSummary", "matching_options", "run",
    "run_paths", "write_result",
]  # fmt: skip

FORMATS = ("txt", "jsonl", "parquet", "csv", "tsv")
MANIFEST, SUMMARY = RUN_FILES
# The file of documents for each record format.
DOCUMENTS = {fmt: f"documents.{fmt}" for fmt in FORMATS if fmt != "txt"}
MARKER = RUN_MARKER


@dataclass(frozen=True)
class RunOptions:
    """What ``dedup run`` does beyond a scan's options: paragraph removal, output format,
    whether every document is written with its verdict (``mark_only``) rather than the
    duplicates dropped, and whether it may replace an existing output."""

    scan: ScanOptions = field(default_factory=ScanOptions)
    paragraph_dedup: bool = True
    output_format: str = "txt"
    force: bool = False
    mark_only: bool = False

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
    boilerplate_spans_removed: int
    candidates: int
    rejected_candidates: int
    unranked: int = 0  # documents without a usable keep field (ranked last)


@dataclass(frozen=True)
class _Stored:
    """What new documents share with an index: document id -> (stored id, similarity);
    (document id, paragraph number) -> the stored paragraph it repeats."""

    documents: dict[str, tuple[str, Similarity]]
    paragraphs: dict[tuple[str, int], dict[str, Any]]


@dataclass(frozen=True)
class RunResult:
    """Where the output went, the counts, the inputs that failed, and the documents that
    were read from another encoding than UTF-8 (source, encoding)."""

    out: str
    summary: RunSummary
    failures: tuple[Failure, ...]
    encodings: tuple[tuple[str, str], ...] = ()
    kept: tuple[str, ...] = ()  # ids of the documents kept
    indexed: int = 0  # of them, added to the index
    unranked: tuple[str, ...] = ()  # documents without a usable keep field


def run_paths(
    paths: Iterable[str],
    out: str,
    options: RunOptions | None = None,
    progress: Progress | None = None,
    index: Index | None = None,
) -> RunResult:
    """Run over the files and folders in ``paths`` (``-`` for standard input) into ``out``.

    Refuses (:class:`~dedup.errors.OutputError`) an output folder inside an input folder,
    and an existing non-empty one unless ``options.force``. With an ``index``, everything
    in it counts as already kept; once the output is written, the documents kept are
    read again and added to the index (one transaction), so standard input cannot be
    used. The index's options are the run's (see :class:`~dedup.index.Index`).
    """
    options = options or RunOptions()
    paths = list(paths)
    if index is not None and STDIN in paths:
        raise OptionsError("--index reads the inputs twice (the kept ones are added at the end): not with - (stdin)")
    check_output_dir(out, paths, options.force)
    scan = options.scan
    types = table_types(paths) if options.output_format == "parquet" else None
    result = run(iter_documents(paths, scan.text_field, scan.id_field), out, options, progress, index, types)
    if index is not None:
        kept = set(result.kept)
        fresh = (d for d in iter_documents(paths, scan.text_field, scan.id_field) if getattr(d, "id", None) in kept)
        result = replace(result, indexed=index.add(fresh, progress=progress).added)
    return result


def run(
    documents: Iterable[Document | InputError],
    out: str,
    options: RunOptions | None = None,
    progress: Progress | None = None,
    index: Index | None = None,
    table_types: tuple[Mapping[str, Any], set[str]] | None = None,
) -> RunResult:
    """Clean and deduplicate ``documents`` and write the distinct corpus and its manifest
    into the folder ``out`` (replaced as a whole when the run completes).

    With an ``index``, a document or paragraph that repeats one stored in it is dropped as
    a duplicate of the stored one (this function does not add to the index:
    :func:`run_paths` does). ``table_types`` (Arrow type by column, and the Parquet files
    they were read from: :func:`~dedup.readers.table_types`) gives a Parquet output the
    input's column types when every document came from those files.
    """
    options = options or RunOptions()
    scan = matching_options(options)
    with ExitStack() as stack:
        known = stack.enter_context(index.matching()) if index is not None else None
        collection = stack.enter_context(
            collect(
                documents, scan, progress, keep_text=True,
                stats_hook=known.stats if known else None, batch_hook=known.put if known else None,
            )
        )  # fmt: skip
        decisions = decide(collection, scan)
        stored = _Stored(known.documents(), known.paragraphs()) if known else _Stored({}, {})
        return write_result(collection, decisions, out, options, stored, table_types)


def matching_options(options: RunOptions) -> ScanOptions:
    """The scan options a run matches with (document level only without paragraph
    removal); checks first that the output format can be written."""
    if options.output_format != "txt":
        check_format(options.output_format)  # pyarrow missing: said now, not after the work
    scan = options.scan
    if not options.paragraph_dedup and scan.level == "both":
        scan = ScanOptions(**{**asdict(scan), "level": "doc", "jobs": scan.jobs})
    return scan


def write_result(
    collection: Collection,
    decisions: Decisions,
    out: str,
    options: RunOptions,
    stored: _Stored | None = None,
    table_types: tuple[Mapping[str, Any], set[str]] | None = None,
) -> RunResult:
    """Write a decided collection (``keep_text``) into the folder ``out``: the distinct
    corpus, manifest and summary (any engine's decisions: the same bytes for the same ones)."""
    scan = matching_options(options)
    stored = stored or _Stored({}, {})
    with OutputFolder(out, reserved=(MANIFEST, SUMMARY, *DOCUMENTS.values()), marker=MARKER) as folder:
        summary, kept = _write(folder, collection, decisions, options, scan, stored, table_types)
    encodings = tuple(
        (info.doc.source or info.doc.id, info.doc.meta["encoding"])
        for info in collection.infos
        if "encoding" in info.doc.meta
    )
    unranked = tuple(collection.ids[i] for i in decisions.unranked)
    return RunResult(str(out), summary, tuple(collection.ledger.failures), encodings, tuple(kept), 0, unranked)


def _removed_paragraphs(
    collection: Collection, decisions: Decisions, stored: _Stored
) -> dict[int, list[dict[str, Any]]]:
    """Per kept document, the paragraphs that repeat one of an earlier kept document or
    one stored in the index (the index's wins: it is earlier still), in paragraph order."""
    para_doc = collection.column("para_doc")
    index = collection.column("para_index")
    line = collection.column("para_line")
    cuts: dict[int, dict[str, Any]] = {}

    def where(k: int) -> dict[str, Any]:
        return {"id": collection.ids[para_doc[k]], "paragraph": int(index[k]), "line": int(line[k]) or None}

    for members in decisions.paragraph_clusters:
        first = members[0]
        for k in members[1:]:
            if para_doc[k] == para_doc[first]:
                continue  # repeated inside one document: not a copy of another
            cuts[k] = {"duplicate_of": where(first), "similarity": round(decisions.paragraph_similarity[k], 4)}
            if decisions.keep_none and first not in cuts:  # none: the first copy goes too
                cuts[first] = {"duplicate_of": where(k), "similarity": cuts[k]["similarity"]}
    if stored.paragraphs:
        for k in range(para_doc.size):
            found = stored.paragraphs.get((collection.ids[para_doc[k]], int(index[k])))
            if found is not None:
                of = {"id": found["id"], "paragraph": found["paragraph"], "line": found["line"], "in_index": True}
                cuts[k] = {"duplicate_of": of, "similarity": found["similarity"]}
    removed: dict[int, list[dict[str, Any]]] = {}
    for k in sorted(cuts):
        entry = {"row": k, "paragraph": int(index[k]), "line": int(line[k]) or None, **cuts[k]}
        removed.setdefault(int(para_doc[k]), []).append(entry)
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


@dataclass(frozen=True)
class _Fate:
    """What happens to one signed document: kept with ``text`` (``cuts`` the paragraphs
    removed), or a duplicate of ``duplicate_of``."""

    text: str = ""
    cuts: tuple[dict[str, Any], ...] = ()
    duplicate_of: str | None = None
    similarity: Similarity | None = None
    rule: str | None = None  # what made it a copy: exact, jaccard, containment, url
    in_index: bool = False
    reason: str | None = None
    recleaned: tuple[cleaner.Removal, ...] = ()  # lines the cleaner removed once the cuts were made

    def record(self) -> dict[str, Any]:
        """The manifest fields that say what happened."""
        out: dict[str, Any] = {"status": "kept" if self.duplicate_of is None else "duplicate"}
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
            if self.in_index:
                out["in_index"] = True
            if self.similarity is not None:
                out.update(
                    similarity=round(self.similarity.jaccard, 4), containment=round(self.similarity.containment, 4)
                )
            if self.rule is not None:
                out["rule"] = self.rule
        if self.reason:
            out["reason"] = self.reason
        if self.cuts:
            out["paragraphs_removed"] = [{k: v for k, v in c.items() if k != "row"} for c in self.cuts]
        return out


def _fate(
    i: int,
    collection: Collection,
    decisions: Decisions,
    stored: _Stored,
    cuts: list[dict[str, Any]],
    scan: ScanOptions,
    reclean: cleaner.CleanOptions | None,
    dropped: Callable[[int], _Fate | None],
) -> _Fate:
    """Kept or duplicate: a copy of a stored document first, then of an earlier kept one;
    a kept document whose paragraphs all repeat earlier ones is a duplicate too.

    Cutting paragraphs changes what surrounds the rest (a headline that sat inside the
    article may now open the text), so a cut text is cleaned once more with the same
    rules and statistics: the output is then what the cleaner keeps of it, and a run
    over the output changes nothing. ``dropped(k)`` is the fate of document ``k``, kept at
    document level, if it turned out a duplicate all the same: its copies still name it
    (the document they match, with their similarity to it), and say why it is not in
    the output, whose manifest line says where its text went."""
    doc_id = collection.ids[i]
    if doc_id in stored.documents:
        stored_id, sim = stored.documents[doc_id]
        return _Fate(duplicate_of=stored_id, similarity=sim, in_index=True)
    kept_by = int(decisions.kept_by[i])
    if kept_by >= 0:
        of = collection.ids[kept_by]
        fate = _Fate(duplicate_of=of, similarity=decisions.doc_similarity[i], rule=decisions.doc_rule.get(i))
        if decisions.keep_none:
            return replace(fate, reason="keep none: every document of a cluster is dropped")
        via = dropped(kept_by)
        if via is not None:
            why = f"a copy of {via.duplicate_of} in the index" if via.in_index else via.reason
            fate = replace(fate, reason=f"{of} was dropped in turn ({why})")
        return fate
    first, last = collection.column("para_first"), collection.column("para_last")
    spans = [(int(first[c["row"]]), int(last[c["row"]])) for c in cuts]
    text = _without(collection.text(collection.column("text_at", (0, 2))[i]), spans)
    recleaned: tuple[cleaner.Removal, ...] = ()
    if cuts and reclean is not None:
        again = cleaner.clean_text(text, reclean, collection.stats, collection.infos[i].doc.group)
        text, recleaned = again.text, again.removed
    if cuts and len(text.split()) < scan.min_paragraph_words:
        of = cuts[0]["duplicate_of"]
        reason = "every paragraph repeats a kept document"
        if of.get("in_index"):
            return _Fate(cuts=tuple(cuts), duplicate_of=of["id"], in_index=True, reason=reason)
        sim = similarity(collection.shingle_set(collection.row(of["id"])), collection.shingle_set(i))
        return _Fate(cuts=tuple(cuts), duplicate_of=of["id"], similarity=sim, reason=reason)
    return _Fate(text=text, cuts=tuple(cuts), recleaned=recleaned)


def _write(
    folder: OutputFolder,
    collection: Collection,
    decisions: Decisions,
    options: RunOptions,
    scan: ScanOptions,
    stored: _Stored,
    table_types: tuple[Mapping[str, Any], set[str]] | None = None,
) -> tuple[RunSummary, list[str]]:
    """Write texts, manifest and summary into the output folder; return the counts and
    the ids of the documents written."""
    removed = _removed_paragraphs(collection, decisions, stored)
    reclean = clean_options(scan) if scan.clean else None
    keepers = {members[0] for members in decisions.doc_clusters}
    fates: dict[int, _Fate] = {}  # of documents whose turn has not come, and of keepers

    def fate_of(k: int) -> _Fate:
        if k in fates:
            return fates[k]
        fates[k] = _fate(k, collection, decisions, stored, removed.get(k, []), scan, reclean, dropped)
        return fates[k]

    def dropped(k: int) -> _Fate | None:
        """The fate of document ``k`` (kept at document level) if it is a duplicate."""
        fate = fate_of(k)
        return fate if fate.duplicate_of is not None else None

    kept: list[str] = []
    manifest: list[str] = []
    cluster_of = {m: members[0] for members in decisions.doc_clusters for m in members}
    records = _records(folder, collection, options, table_types) if options.output_format != "txt" else None
    counts = {"kept": 0, "duplicate": 0, "failed": 0, "paragraphs_removed": 0, "boilerplate_spans_removed": 0}
    try:
        for entry in collection.ledger.entries:
            if isinstance(entry, Failure):
                counts["failed"] += 1
                failed = {"id": entry.id, "source": entry.path, "line": entry.line, "status": "failed"}
                manifest.append(_line({**failed, "error": entry.error}))
                continue
            i = collection.row(entry)
            info = collection.infos[i]
            fate = fate_of(i)
            if i in keepers:  # its copies ask what became of it: remember that, not the text
                fates[i] = replace(fate, text="", cuts=(), recleaned=())
            else:
                del fates[i]
            record: dict[str, Any] = {"id": entry, "source": info.doc.source,
                                      "line": info.doc.line if info.doc.record else None, **fate.record()}  # fmt: skip
            if fate.duplicate_of is None:
                kept.append(entry)
            if fate.duplicate_of is None or options.mark_only:
                # Marking only, nothing is cut: the cleaned text as matching saw it.
                text = collection.text(collection.column("text_at", (0, 2))[i]) if options.mark_only else fate.text
                if records is not None:
                    mark = None
                    if options.mark_only:
                        sim = fate.similarity.jaccard if fate.similarity is not None else None
                        label = collection.ids[cluster_of[i]] if i in cluster_of else None
                        mark = dict(zip(MARK_COLUMNS, (record["status"], label, fate.duplicate_of, sim)))
                    meta = info.metadata
                    doc = collection.document(i)
                    records.write(output_row(doc, text, meta, scan.text_field, scan.id_field, mark))
                else:
                    name = folder.claim(output_name(info.doc))
                    folder.write(name, text + "\n" if text else "")
                    record["output"] = str(name)
            counts[record["status"]] += 1
            counts["paragraphs_removed"] += len(fate.cuts)
            by_rule = dict(info.removed_by_rule)
            for r in fate.recleaned:
                by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
            spans = sum(by_rule.values())
            counts["boilerplate_spans_removed"] += spans
            record["boilerplate_spans_removed"] = spans
            if by_rule:
                record["boilerplate_spans_by_rule"] = dict(sorted(by_rule.items()))
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
        unranked=len(decisions.unranked),
        **counts,
    )
    folder.write(MANIFEST, "".join(manifest))
    settings = {
        **scan.as_dict(),
        "paragraph_dedup": options.paragraph_dedup,
        "output_format": options.output_format,
        "mark_only": options.mark_only,
    }
    folder.write(SUMMARY, json.dumps({"summary": asdict(summary), "options": settings}, indent=2) + "\n")
    folder.write(MARKER, "written by dedup run; see manifest.jsonl\n")
    return summary, kept


def _records(
    folder: OutputFolder,
    collection: Collection,
    options: RunOptions,
    table_types: tuple[Mapping[str, Any], set[str]] | None = None,
) -> RecordWriter:
    """The writer of the documents file, its columns planned from every document's fields
    (those not written leave a column empty: the schema is the same whatever is kept).
    When every document is a row of the Parquet files of ``table_types``, their columns
    keep the input's Arrow types."""
    scan = options.scan
    # What the marks hold, so that their columns get their types even if all are null.
    mark = dict(zip(MARK_COLUMNS, ("kept", "", "", 1.0))) if options.mark_only else None
    plan = (
        output_row(collection.document(i), "", info.metadata, scan.text_field, scan.id_field, mark)
        for i, info in enumerate(collection.infos)
    )
    columns = plan_columns(plan)
    if table_types is not None and collection.infos:
        types, files = table_types
        if all(info.doc.record and info.doc.source in files for info in collection.infos):
            columns = [replace(c, arrow=types.get(c.name)) if not c.name.startswith("dedup_") else c for c in columns]
    fmt = options.output_format
    return RecordWriter(folder.work / DOCUMENTS[fmt], fmt, columns)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"
