"""Render a :class:`~dedup.scan.ScanResult`: the stable JSON contract, or text for people."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .scan import ScanResult

__all__ = ["JSON_VERSION", "as_dict", "render_json", "render_text"]

JSON_VERSION = 2
# Characters of a paragraph shown in the text report.
_PREVIEW = 90


def as_dict(result: ScanResult) -> dict[str, Any]:
    """The JSON contract as plain data; within a version, keys never change meaning.

    Version 2: a cluster is a kept document (paragraph) and those dropped for it, each
    matching it directly; ``cleaning.removed_spans_by_rule`` replaces version 1's
    ``removed_lines_by_rule``, which counted spans under the name of lines. Added within
    version 2: a member's ``rule`` (what made it a copy: ``exact``, ``jaccard``,
    ``containment``, ``url``); ``keep`` is ``null`` with ``keep none``; ``keep_field``
    (with ``keep newest:FIELD``...) counts and lists the documents without a usable value.
    """
    s = result.summary
    out: dict[str, Any] = {
        "version": JSON_VERSION,
        "options": result.options.as_dict(),
        "summary": {
            **dataclasses.asdict(s),
        },
        "doc_clusters": [
            {
                "keep": c.keep,
                "members": [
                    {
                        "id": m.id,
                        "similarity": m.similarity,
                        "containment": m.containment,
                        **({"rule": m.rule} if m.rule else {}),
                    }
                    for m in c.members
                ],
            }
            for c in result.doc_clusters
        ],
        "paragraph_clusters": [
            {
                "similarity": c.similarity,
                "members": [
                    {"id": m.id, "paragraph": m.paragraph, "line": m.line, "text": m.text, "similarity": m.similarity}
                    for m in c.members
                ],
            }
            for c in result.paragraph_clusters
        ],
        "errors": [{"path": e.path, "line": e.line, "error": e.error} for e in result.errors],
    }
    if result.cleaning is not None:
        out["cleaning"] = result.cleaning
    policy = result.options.keep_policy
    if policy.field is not None:
        out["keep_field"] = {
            "field": policy.field,
            "unranked": len(result.unranked),
            "unranked_ids": list(result.unranked),
        }
    return out


def render_json(result: ScanResult) -> str:
    """The JSON report, deterministic byte for byte for the same result."""
    return json.dumps(as_dict(result), ensure_ascii=False, indent=2) + "\n"


def _preview(text: str, width: int = _PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def render_text(result: ScanResult) -> str:
    """A report a person can read top to bottom: what was compared, what matched, why."""
    s, o = result.summary, result.options
    lines = []
    head = f"Scanned {_plural(s.documents, 'document')}"
    if s.failed:
        head += f" ({s.failed} failed, listed at the end)"
    if o.level != "doc":
        head += f", {_plural(s.paragraphs, 'paragraph')} of {o.min_paragraph_words}+ words compared"
    lines.append(head + ".")
    if result.cleaning is not None:
        removed = sum(result.cleaning["removed_spans_by_rule"].values())
        lines.append(f"Boilerplate removed before matching: {_plural(removed, 'span')} (--no-clean to keep it).")
    lines.append("")

    if o.level in ("doc", "both"):
        rule = f"Jaccard >= {o.threshold:g}"
        if o.containment is not None:
            rule += f", or >= {o.containment:g} of a text at least {o.min_length_ratio:g} as long found in the other"
        if not result.doc_clusters:
            lines.append(f"Near-duplicate documents: none ({rule}).")
        else:
            lines.append(
                f"Near-duplicate documents: {_plural(s.doc_clusters, 'cluster')}, "
                f"{_plural(s.duplicate_documents, 'copy', 'copies')} to drop ({rule}; keep {o.keep})."
            )
            width = max(len(m.id) for c in result.doc_clusters for m in c.members)
            for n, c in enumerate(result.doc_clusters, 1):
                lines.append(
                    f"  D{n}  keep {c.keep}" if c.keep is not None else f"  D{n}  drop all, first {c.members[0].id}"
                )
                for m in c.members[1:]:
                    why = f"similarity {m.similarity:.2f}"
                    if m.rule == "url":
                        why += ", same URL"
                    elif m.similarity < o.threshold:
                        why += f", contained {m.containment:.2f}"
                    lines.append(f"        {m.id:<{width}}  {why}")
        lines.append("")

    if o.level in ("paragraph", "both"):
        scope = " among the documents kept" if o.level == "both" else ""
        if not result.paragraph_clusters:
            lines.append(f"Near-duplicate paragraphs{scope}: none (Jaccard >= {o.paragraph_threshold:g}).")
        else:
            lines.append(
                f"Near-duplicate paragraphs{scope}: {_plural(s.paragraph_clusters, 'cluster')} "
                f"(Jaccard >= {o.paragraph_threshold:g}), {s.duplicate_paragraphs} redundant."
            )
            for n, c in enumerate(result.paragraph_clusters, 1):
                lines.append(f"  P{n}  similarity {c.similarity:.2f}")
                width = max(len(m.id) for m in c.members)
                for m in c.members:
                    where = f"¶{m.paragraph} line {m.line}" if m.line else f"¶{m.paragraph}"
                    lines.append(f"      {m.id:<{width}}  {where:<14} {_preview(m.text)}")
        lines.append("")

    if o.keep_policy.field is not None and result.unranked:
        shown = ", ".join(result.unranked[:3]) + (", ..." if len(result.unranked) > 3 else "")
        lines.append(
            f"Keep order: {_plural(len(result.unranked), 'document')} without a usable {o.keep_policy.field!r} "
            f"(missing, or not a number or ISO 8601 date) ranked last: {shown}."
        )
    lines.append(
        f"Verification: {_plural(s.candidates, 'LSH candidate pair')}, "
        f"{s.rejected_candidates} rejected on exact similarity."
    )
    if result.errors:
        lines.append("")
        lines.append(f"Failed: {_plural(len(result.errors), 'input')}")
        for e in result.errors:
            where = f"{e.path}:{e.line}" if e.line else e.path
            lines.append(f"  {where}: {e.error}")
    return "\n".join(lines) + "\n"
