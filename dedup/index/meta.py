"""The index file's identity: format, schema, the options and code it was built with.

The ``meta`` table holds: ``format`` and ``schema``; ``created_by``, ``created`` and
``updated``; ``options`` (JSON, the :data:`STORED_OPTIONS`); ``lsh`` (band cuts) and
``signing`` (a fingerprint of the signing code) that must match this dedup's;
``unicode``, the Unicode version (:data:`unicodedata.unidata_version`) that the tokens
were made with; and counters (``documents``, ``paragraphs``, ``adds``, ``next_doc``).

Unicode: tokens are made of letters, marks and digits by Unicode category, after NFKC and
case folding, so a Python with another Unicode version can tokenise the same text
otherwise (characters assigned in between are letters under one, unassigned under the
other). An add or query under another version than the stored one is refused, naming
both. Files written before the version was recorded have no ``unicode`` row: they are
taken to have been made under the version of the Python that opens them (nothing else
is known about them, and refusing them would make every such index unusable), and their
next add records that version, which is then checked like any other.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sqlite3
import unicodedata
import zlib
from typing import Any

from .. import __version__
from ..errors import IndexFileError, IndexOptionsError
from ..lsh import band_keys
from ..matching import document_lsh, paragraph_lsh
from ..options import ScanOptions
from ..signing import sign_text

__all__ = [
    "APPLICATION_ID", "FORMAT", "SCHEMA", "STORED_OPTIONS", "UNICODE", "check_options", "check_unicode", "describe",
    "error_kind", "identify", "new_meta", "now",
]  # fmt: skip

# The options an index is built with: they decide what is stored (shingles, signatures,
# band cuts, paragraphs, cleaning) and what is accepted, so a query must use the same.
# ``keep``, ``text_field``, ``id_field`` and ``jobs`` may differ from call to call.
STORED_OPTIONS = (
    "level", "ngram", "num_perm", "seed", "threshold", "containment", "min_length_ratio", "paragraph_threshold",
    "min_paragraph_words", "clean", "clean_rules",
)  # fmt: skip

FORMAT = "dedup-index"
SCHEMA = 2
APPLICATION_ID = int.from_bytes(b"ddix", "big")  # in the SQLite header: tells our files apart
# The Unicode version of this Python's character database, which tokenisation follows.
UNICODE = unicodedata.unidata_version

# A fixed text whose band keys fingerprint the signing code (normalisation, shingles,
# MinHash, band keys): a dedup that signs differently cannot use the stored keys.
_PROBE_TEXT = (
    "Index probe: the quick brown fox jumps over the lazy dog, and then it jumps back again.\n\n"
    "A second paragraph, also long enough to be signed on its own, says \u201cfive\u201d words twice over."
)


def identify(db: sqlite3.Connection, path: str) -> dict[str, str] | None:
    """The meta table of our index; None for an empty file; errors for anything else."""
    try:
        app = db.execute("PRAGMA application_id").fetchone()[0]  # from the file header
        if app != APPLICATION_ID:
            tables = sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"{path}: not a dedup index ({exc}); give a new file name or an index") from None
    if app != APPLICATION_ID:
        if app == 0 and not tables:
            return None
        listed = ", ".join(tables[:6]) + (", ..." if len(tables) > 6 else "")
        raise IndexFileError(
            f"{path}: an SQLite database but not a dedup index (tables: {listed or 'none'}); "
            "give a new file name or an index"
        )
    try:
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"{path}: damaged index ({exc}); rebuild it from its sources") from None
    if meta.get("format") != FORMAT:
        raise IndexFileError(f"{path}: damaged index (format {meta.get('format')!r}); rebuild it")
    if int(meta.get("schema", 0)) > SCHEMA:
        raise IndexFileError(
            f"{path}: made by a newer dedup ({meta.get('created_by')}, schema {meta['schema']}; "
            f"this one reads schema {SCHEMA}); upgrade dedup"
        )
    if int(meta.get("schema", 0)) < SCHEMA:
        raise IndexFileError(
            f"{path}: made by an older dedup ({meta.get('created_by')}, schema {meta.get('schema')}; "
            f"this one reads schema {SCHEMA}, which stores band keys differently); rebuild the index: "
            "add its sources to a new file"
        )
    return meta


def new_meta(options: ScanOptions) -> dict[str, Any]:
    """The meta rows of a new index built with ``options``."""
    created = now()
    return {
        "format": FORMAT,
        "schema": SCHEMA,
        "created_by": f"dedup {__version__}",
        "created": created,
        "updated": created,
        "options": json.dumps({name: getattr(options, name) for name in STORED_OPTIONS}),
        "lsh": json.dumps(_cuts(options)),
        "signing": _signing_fingerprint(options),
        "unicode": UNICODE,
        "documents": 0,
        "paragraphs": 0,
        "adds": 0,
        "next_doc": 1,
    }


def check_options(
    path: str, meta: dict[str, str], options: ScanOptions | None, settings: dict[str, Any]
) -> ScanOptions:
    """The options to use with an existing index: ``options`` (default: the stored ones)
    updated with ``settings``, refused if they differ from the stored ones where it
    matters, or if this dedup signs otherwise than the one that built the index."""
    stored = json.loads(meta["options"])
    base = options if options is not None else ScanOptions(**stored)
    wanted = dataclasses.replace(base, **settings)
    differ = [
        f"{name}={stored.get(name)!r} (asked for {getattr(wanted, name)!r})"
        for name in STORED_OPTIONS
        if stored.get(name) != getattr(wanted, name)
    ]
    if differ:
        raise IndexOptionsError(
            f"{path} was built with {', '.join(differ)}; its stored signatures and band keys only "
            "answer for its own options: leave these options out, or build a new index"
        )
    if json.loads(meta["lsh"]) != _cuts(wanted) or meta["signing"] != _signing_fingerprint(wanted):
        raise IndexOptionsError(
            f"{path} was built by {meta.get('created_by')}, whose signatures or band keys differ from "
            f"those of this dedup ({__version__}): the stored keys cannot be matched; rebuild the index"
        )
    return wanted


def check_unicode(path: str, stored: str | None) -> None:
    """Refuse to tokenise new texts for an index whose tokens were made under another
    Unicode version (``stored``; None: not recorded, taken as this Python's)."""
    if stored is not None and stored != UNICODE:
        raise IndexFileError(
            f"{path}: its tokens were made with Unicode {stored}, and this Python's character database is "
            f"Unicode {UNICODE}: characters assigned in between would be tokenised differently, so new "
            f"texts could not be compared with the stored ones. Use a Python whose unicodedata is Unicode "
            f"{stored}, or rebuild the index under this one (add its sources to a new file)"
        )


# SQLite's primary result codes by what they say about the index file.
_ERROR_KINDS = {
    "SQLITE_BUSY": "busy", "SQLITE_LOCKED": "busy", "SQLITE_CORRUPT": "damaged", "SQLITE_NOTADB": "damaged",
    "SQLITE_IOERR": "file", "SQLITE_FULL": "file", "SQLITE_READONLY": "file", "SQLITE_CANTOPEN": "file",
    "SQLITE_PERM": "file", "SQLITE_PROTOCOL": "file",
}  # fmt: skip
# The same from the message, for Python 3.10 (no ``sqlite_errorname``).
_ERROR_MESSAGES = {
    "locked": "busy", "malformed": "damaged", "not a database": "damaged", "disk": "file", "readonly": "file",
    "unable to open": "file",
}  # fmt: skip


def error_kind(exc: sqlite3.DatabaseError) -> str | None:
    """What a SQLite error says about the index: busy, damaged, file, or None (a bug)."""
    name = getattr(exc, "sqlite_errorname", None)
    if name is not None:
        return _ERROR_KINDS.get("_".join(name.split("_")[:2]))
    message = str(exc)
    return next((kind for words, kind in _ERROR_MESSAGES.items() if words in message), None)


def _cuts(options: ScanOptions) -> dict[str, list[int]]:
    doc, para = document_lsh(options), paragraph_lsh(options)
    return {"doc": [doc.bands, doc.rows], "paragraph": [para.bands, para.rows]}


def _signing_fingerprint(options: ScanOptions) -> str:
    """A hash of the band keys of a fixed text: equal iff this code signs as the index's did."""
    signed = sign_text(_PROBE_TEXT, options)
    doc = band_keys(signed.signature[None, :], document_lsh(options))
    para = band_keys(signed.paragraphs.signatures, paragraph_lsh(options))
    digest = zlib.crc32(doc.astype("<u8").tobytes() + para.astype("<u8").tobytes() + signed.exact)
    return f"{digest:08x}"


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def describe(options: ScanOptions) -> str:
    return ", ".join(f"{name}={getattr(options, name)!r}" for name in STORED_OPTIONS)
