"""The document record that flows through the pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document"]


@dataclass(frozen=True)
class Document:
    """One input document: its id, its text, and where it came from.

    ``line`` is the 1-based line of ``source`` where the text starts. When ``record`` is
    true the text is a field of a record (a JSONL line), so every position inside it is
    reported as that record's line. ``format`` is ``"text"`` or ``"html"`` (main text is
    extracted before matching). ``group`` names the set of documents that share site
    chrome (source folder, or web site: the host without ``www.``, ``m.``... as
    :func:`dedup.readers.site_of` gives it), for the cleaner's corpus statistics. ``meta``
    holds what the source said about the document (``url``, ``warc_record_id``) and the
    ``encoding`` it was decoded from when that was not UTF-8. ``fields`` holds, for a
    record (a JSONL line, a Parquet or CSV row), every field but the text, in the
    record's order and as read: outputs carry them through, and ``--keep`` may rank by
    one of them.
    """

    id: str
    text: str
    source: str | None = None
    line: int = 1
    record: bool = False
    format: str = "text"
    group: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)

    def position(self, text_line: int) -> int:
        """The 1-based line in ``source`` of the 1-based line ``text_line`` of the text."""
        return self.line if self.record else self.line + text_line - 1
