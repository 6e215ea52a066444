"""Site chrome remembered across adds: what lets one new page be cleaned like the stored ones.

Each ``add`` and ``query`` learns corpus statistics from its own documents, as a scan
does, and also uses the chrome lines that earlier adds learned for the same groups
(folders or web domains) and corpus-wide. Each ``add`` stores what it learned, in the
``chrome`` table: one row per (group, line hash), with the number of documents the line
was seen in and, where the cleaner kept it, its text. What stored documents were cleaned
with is never revised.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import clean as cleaner

from .runs import MAX_PARAMS

__all__ = ["Chrome", "read_chrome", "remember", "with_chrome"]


@dataclass
class Chrome:
    """Chrome lines remembered from earlier adds: per group key, the line hashes."""

    repeated: dict[str, set[int]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    group_of: dict[int, str] = field(default_factory=dict)

    def add(self, group: str, line: int, docs: int, text: str | None) -> None:
        self.repeated.setdefault(group, set()).add(line)
        if docs > self.counts.get(line, 0):
            self.counts[line] = docs
            self.group_of[line] = group
        if text is not None:
            self.texts.setdefault(line, text)

    def __len__(self) -> int:
        return sum(len(v) for v in self.repeated.values())


def read_chrome(db: sqlite3.Connection, groups: set[str]) -> Chrome:
    """The chrome lines earlier adds learned, corpus-wide and for ``groups``."""
    chrome = Chrome()
    rows = db.execute("SELECT grp, line, docs, text FROM chrome WHERE corpus = 1").fetchall()
    names = sorted(groups)
    for at in range(0, len(names), MAX_PARAMS):
        part = names[at : at + MAX_PARAMS]
        rows += db.execute(
            f"SELECT grp, line, docs, text FROM chrome WHERE grp IN ({', '.join('?' * len(part))})", part
        ).fetchall()
    for grp, line, docs, text in rows:
        chrome.add(grp, line & 0xFFFFFFFFFFFFFFFF, docs, text)
    return chrome


def with_chrome(learned: cleaner.CorpusStats | None, chrome: Chrome) -> cleaner.CorpusStats | None:
    """What a batch learned, plus the chrome earlier adds learned for the same groups."""
    if not len(chrome):
        return learned
    if learned is None:
        learned = cleaner.CorpusStats(documents=0, group_docs={}, repeated={})
    groups = set(learned.repeated) | set(chrome.repeated)
    return cleaner.CorpusStats(
        documents=learned.documents,
        group_docs=dict(learned.group_docs),
        repeated={g: frozenset(learned.repeated.get(g, frozenset()) | chrome.repeated.get(g, set())) for g in groups},
        counts={**chrome.counts, **learned.counts},
        texts={**chrome.texts, **learned.texts},
        group_of={**chrome.group_of, **learned.group_of},
        notes=(*learned.notes, f"{len(chrome)} chrome lines remembered from earlier adds"),
    )


def remember(db: sqlite3.Connection, learned: cleaner.CorpusStats, groups: set[str]) -> None:
    """Store the chrome lines an add learned (``groups``: those of its documents; lines of
    other keys are corpus-wide), for later adds and queries."""
    rows = [
        (grp, _signed64(h), int(grp not in groups), learned.counts.get(h, 0), learned.texts.get(h))
        for grp, lines in learned.repeated.items()
        for h in lines
    ]
    db.executemany(
        "INSERT INTO chrome VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, line) DO UPDATE "
        "SET docs = max(docs, excluded.docs), text = coalesce(text, excluded.text)",
        rows,
    )


def _signed64(value: int) -> int:
    """An unsigned 64-bit value as SQLite's signed integer.

    >>> _signed64(2**64 - 1), _signed64(5)
    (-1, 5)
    """
    return value - (1 << 64) if value >= 1 << 63 else value
