"""Turn paths into documents: the only module of the engine that reads input files.

Files and folders (recursive, in sorted order, hidden entries skipped) and ``-`` for
standard input. ``.txt`` and ``.md`` are text, ``.html``/``.htm`` HTML, ``.jsonl`` one
JSON object a line. A problem with one file or record is yielded as an
:class:`~dedup.errors.InputError` in its place, and reading goes on.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from .documents import Document
from .errors import InputError, PathError

__all__ = ["FORMATS", "STDIN", "decode", "iter_documents", "list_files"]

log = logging.getLogger(__name__)

STDIN = "-"
# File name endings read from folders, and how each is read.
FORMATS = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
# How much of a file's start is checked for NUL bytes (the mark of a binary file).
_SNIFF = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class _Input:
    path: str | None  # None for standard input
    doc_id: str
    fmt: str
    group: str | None


def list_files(paths: Iterable[str]) -> Iterator[_Input | InputError]:
    """The input files named by ``paths``, in order; folders expanded recursively, sorted.

    Raises :class:`PathError` for a path that does not exist (a usage error, checked for
    every path before anything is read).
    """
    paths = list(paths)
    for p in paths:
        if p != STDIN and not os.path.lexists(p):
            raise PathError(f"{p}: no such file or folder")
    for p in paths:
        if p == STDIN:
            yield _Input(None, "<stdin>", "auto", None)
        elif os.path.isdir(p):
            yield from _walk(p)
        elif not os.path.exists(p):
            yield InputError(p, "broken symbolic link")
        else:
            parent, name = os.path.split(os.path.normpath(p))
            yield _Input(p, name, _format(name, "text"), os.path.basename(parent) or None)


def _format(name: str, default: str | None = None) -> str | None:
    return FORMATS.get(os.path.splitext(name)[1].lower(), default)


def _walk(root: str) -> Iterator[_Input | InputError]:
    """Files under ``root`` with a known ending, sorted by relative path; follows links once.

    Plain strings rather than ``pathlib`` here: this runs once per file of the corpus.
    """
    root_name = os.path.basename(os.path.normpath(root))
    seen = {os.path.realpath(root)}
    stack = [("", root)]
    found: list[tuple[str, str, str]] = []
    errors: list[InputError] = []
    while stack:
        rel_folder, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(InputError(folder, f"cannot list folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError as exc:
                errors.append(InputError(entry.path, f"cannot read: {exc.strerror or exc}"))
                continue
            if is_dir:
                real = os.path.realpath(entry.path)
                if real in seen:
                    errors.append(InputError(entry.path, "symbolic link loop (folder already visited)"))
                else:
                    seen.add(real)
                    stack.append((rel, entry.path))
            elif is_file:
                fmt = _format(entry.name)
                if fmt:
                    found.append((rel, entry.path, fmt))
                else:
                    log.info("%s: skipped (not one of %s)", entry.path, ", ".join(FORMATS))
            elif entry.is_symlink():
                errors.append(InputError(entry.path, "broken symbolic link"))
    yield from errors
    found.sort()
    for rel, path, fmt in found:
        parent = rel.rpartition("/")[0]
        yield _Input(path, rel, fmt, f"{root_name}/{parent}" if parent else root_name)


def decode(data: bytes, source: str, html: bool = False) -> str:
    """Bytes to text: UTF-8 (or UTF-16 with a byte order mark; for HTML, its declared charset).

    Line endings become ``\\n``. Raises :class:`InputError` for binary or undecodable data.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise InputError(source, f"not valid UTF-16 despite its byte order mark ({exc.reason})") from None
    if b"\x00" in data[:_SNIFF]:
        raise InputError(source, "binary file (NUL bytes), not text")
    try:
        return _newlines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        if html:
            declared = _META_CHARSET.search(data[:4096])
            if declared:
                try:
                    return _newlines(data.decode(declared.group(1).decode("ascii")))
                except (LookupError, UnicodeDecodeError):
                    pass
        raise InputError(
            source,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); convert it to UTF-8",
        ) from None


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def iter_documents(
    paths: Iterable[str], text_field: str = "text", id_field: str = "id"
) -> Iterator[Document | InputError]:
    """Every document under ``paths``, in input order, or an :class:`InputError` in its place.

    JSONL records take their text from ``text_field`` and their id from ``id_field``
    (``FILE:LINE`` when a record has none).
    """
    for item in list_files(paths):
        if isinstance(item, InputError):
            yield item
            continue
        source = STDIN if item.path is None else item.path
        try:
            data = sys.stdin.buffer.read() if item.path is None else _read_bytes(item.path)
        except OSError as exc:
            yield InputError(source, f"cannot read: {exc.strerror or exc}")
            continue
        fmt = _sniff(data) if item.fmt == "auto" else item.fmt
        if fmt == "jsonl":
            yield from _records(data, source, item, text_field, id_field)
            continue
        try:
            text = decode(data, source, html=fmt == "html")
        except InputError as exc:
            yield exc
            continue
        if not text.strip():
            yield InputError(source, "empty file" if not text else "file has only white space")
            continue
        yield Document(id=item.doc_id, text=text, source=source, format=fmt, group=item.group)


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _sniff(data: bytes) -> str:
    """Format of standard input: JSONL if it opens with a JSON object, HTML if with a tag."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"{"):
        first = data.lstrip().split(b"\n", 1)[0]
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except ValueError:
            pass
    if head.startswith(b"<") and (b"<html" in head or b"<!doctype html" in head or b"<body" in head):
        return "html"
    return "text"


def _records(data: bytes, source: str, item: _Input, text_field: str, id_field: str) -> Iterator[Document | InputError]:
    """One document per JSONL line; a bad line is an error for that line only."""
    name = item.doc_id
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except UnicodeDecodeError as exc:
            yield InputError(source, f"not valid UTF-8 ({exc.reason})", number)
            continue
        except ValueError as exc:
            yield InputError(source, f"not valid JSON ({exc})", number)
            continue
        if not isinstance(record, dict):
            yield InputError(source, f"expected a JSON object, found {type(record).__name__}", number)
            continue
        if text_field not in record:
            fields = ", ".join(sorted(record)[:8]) or "none"
            yield InputError(
                source, f"no {text_field!r} field (fields: {fields}); choose one with --text-field", number
            )
            continue
        text = record[text_field]
        if not isinstance(text, str):
            yield InputError(source, f"field {text_field!r} is {type(text).__name__}, not a string", number)
            continue
        if not text.strip():
            yield InputError(source, f"field {text_field!r} is empty", number)
            continue
        raw_id = record.get(id_field)
        doc_id = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else f"{name}:{number}"
        url = record.get("url")
        group = urlsplit(url).hostname if isinstance(url, str) and "://" in url else item.group
        yield Document(
            id=doc_id, text=_newlines(text), source=source, line=number, record=True, format="text", group=group
        )
