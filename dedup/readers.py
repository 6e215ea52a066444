"""Turn paths into documents: the only module of the engine that reads input files.

Files and folders (recursive, in sorted order, hidden entries skipped) and ``-`` for
standard input. By name: ``.txt``/``.md`` text, ``.html``/``.htm`` HTML, ``.jsonl`` one
JSON object a line, ``.json`` an array of objects, ``.warc`` the HTML responses of a web
archive; any of them may be compressed (``.gz``, ``.zst``). Text that is not UTF-8 is
decoded with the encoding it declares or that is detected, and the document says so in
its ``meta``. A problem with one file or record is yielded as an
:class:`~dedup.errors.InputError` in its place, and reading goes on.
"""

from __future__ import annotations

import bisect
import gzip
import io
import json
import logging
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from .documents import Document
from .errors import InputError, PathError

__all__ = ["COMPRESSIONS", "FORMATS", "RUN_FILES", "RUN_MARKER", "STDIN", "decode", "iter_documents", "list_files"]

log = logging.getLogger(__name__)

STDIN = "-"
# File name endings read from folders, and how each is read.
FORMATS = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".json": "json",
    ".warc": "warc",
}
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
# A folder written by ``dedup run`` holds this marker; reading it skips the run's own
# manifest and summary, so a run over a run's output sees only the documents.
RUN_MARKER = ".dedup-run"
RUN_FILES = ("manifest.jsonl", "summary.json")
# How much of a file's start is checked for NUL bytes (the mark of a binary file).
_SNIFF = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
# Signatures of common binary files that end up in text folders.
_MAGIC = (
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or .docx, .xlsx, .epub)"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
)


@dataclass(frozen=True)
class _Input:
    path: str | None  # None for standard input
    doc_id: str
    fmt: str  # text, html, jsonl, json, warc, or auto (standard input)
    compression: str | None
    group: str | None


def _kind(name: str) -> tuple[str | None, str | None]:
    """(format, compression) from a file name; format None if unknown.

    >>> _kind("a/page.HTML"), _kind("x.jsonl.gz"), _kind("crawl.warc.gz"), _kind("notes.log")
    (('html', None), ('jsonl', 'gzip'), ('warc', 'gzip'), (None, None))
    """
    stem, ext = os.path.splitext(name.lower())
    compression = COMPRESSIONS.get(ext)
    if compression:
        stem, ext = os.path.splitext(stem)
    return FORMATS.get(ext), compression


def list_files(paths: Iterable[str]) -> Iterator[_Input | InputError]:
    """The input files named by ``paths``, in order; folders expanded recursively, sorted.

    Raises :class:`PathError` for a path that does not exist (a usage error, checked for
    every path before anything is read). A file named on the command line is read even
    with an unknown ending (as text); in folders, only known endings are read.
    """
    paths = list(paths)
    for p in paths:
        if p != STDIN and not os.path.lexists(p):
            raise PathError(f"{p}: no such file or folder")
    for p in paths:
        if p == STDIN:
            yield _Input(None, "<stdin>", "auto", None, None)
        elif os.path.isdir(p):
            yield from _walk(p)
        elif not os.path.exists(p):
            yield InputError(p, "broken symbolic link")
        else:
            parent, name = os.path.split(os.path.normpath(p))
            fmt, compression = _kind(name)
            yield _Input(p, name, fmt or "text", compression, os.path.basename(parent) or None)


def _walk(root: str) -> Iterator[_Input | InputError]:
    """Files under ``root`` with a known ending, sorted by relative path; follows links once.

    Plain strings rather than ``pathlib`` here: this runs once per file of the corpus.
    """
    root_name = os.path.basename(os.path.normpath(root))
    seen = {os.path.realpath(root)}
    stack = [("", root)]
    found: list[tuple[str, str, str, str | None]] = []
    errors: list[InputError] = []
    while stack:
        rel_folder, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(InputError(folder, f"cannot list folder: {exc.strerror or exc}"))
            continue
        run_output = any(e.name == RUN_MARKER for e in entries)
        for entry in entries:
            if entry.name.startswith(".") or (run_output and entry.name in RUN_FILES):
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
                fmt, compression = _kind(entry.name)
                if fmt:
                    found.append((rel, entry.path, fmt, compression))
                else:
                    log.info("%s: skipped (not one of %s)", entry.path, ", ".join(FORMATS))
            elif entry.is_symlink():
                errors.append(InputError(entry.path, "broken symbolic link"))
    yield from errors
    found.sort()
    for rel, path, fmt, compression in found:
        parent = rel.rpartition("/")[0]
        yield _Input(path, rel, fmt, compression, f"{root_name}/{parent}" if parent else root_name)


def decode(data: bytes, source: str, html: bool = False) -> tuple[str, str | None]:
    """Bytes to text, and a note on the encoding when it was not UTF-8.

    UTF-8 (a byte order mark is dropped), UTF-16 with a byte order mark, for HTML the
    charset it declares, else the encoding ``charset_normalizer`` detects. Line endings
    become ``\\n``. Raises :class:`InputError` for binary or undecodable data.

    >>> decode("El niño comió una piña en la mañana.".encode("cp1252"), "f")
    ('El niño comió una piña en la mañana.', 'cp1252 (detected)')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(source, f"not valid UTF-16 despite its byte order mark ({exc.reason})") from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(source, f"{what}, not text")
    if b"\x00" in data[:_SNIFF]:
        raise InputError(source, "binary file (NUL bytes), not text")
    try:
        return _newlines(data.decode("utf-8-sig")), None
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii")
            try:
                return _newlines(data.decode(name)), f"{name} (declared)"
            except (LookupError, UnicodeDecodeError):
                pass
    encoding = _detect(data)
    if encoding is not None:
        try:
            return _newlines(data.decode(encoding)), f"{encoding} (detected)"
        except (LookupError, UnicodeDecodeError):
            pass
    raise InputError(source, f"not valid UTF-8 ({bad}) and no other encoding fits; convert it to UTF-8")


def _detect(data: bytes) -> str | None:
    """The encoding of non-UTF-8 bytes, by ``charset_normalizer``.

    Among the candidates that read as cleanly as the best, Windows-1252 wins: it is the
    usual non-UTF-8 encoding of Western text, and on short samples the coherence ranking
    can prefer a DOS code page that turns Spanish "ñ" into "˝" (seen in testing).
    """
    from charset_normalizer import from_bytes

    results = from_bytes(data[: 1 << 20])
    if not results:
        return None
    cleanest = min(match.chaos for match in results)
    close = {match.encoding for match in results if match.chaos <= cleanest + 0.01}
    best = results.best()
    return "cp1252" if "cp1252" in close else (best.encoding if best else None)


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def iter_documents(
    paths: Iterable[str], text_field: str = "text", id_field: str = "id"
) -> Iterator[Document | InputError]:
    """Every document under ``paths``, in input order, or an :class:`InputError` in its place.

    Records (JSONL lines, JSON array items) take their text from ``text_field`` and their
    id from ``id_field`` (``FILE:LINE`` when a record has none).
    """
    for item in list_files(paths):
        if isinstance(item, InputError):
            yield item
            continue
        source = STDIN if item.path is None else item.path
        try:
            stream = _open(item, source)
        except InputError as exc:
            yield exc
            continue
        except OSError as exc:
            yield InputError(source, f"cannot read: {exc.strerror or exc}")
            continue
        with stream:
            yield from _read(item, source, stream, text_field, id_field)


def _open(item: _Input, source: str) -> IO[bytes]:
    """A binary stream of the file's (decompressed) bytes."""
    raw: IO[bytes] = sys.stdin.buffer if item.path is None else open(item.path, "rb")  # noqa: SIM115
    if item.compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if item.compression == "zstd":
        return _zstd_reader(raw, source)
    return raw


def _zstd_reader(raw: IO[bytes], source: str) -> IO[bytes]:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+

        return zstd.ZstdFile(raw)  # type: ignore[no-any-return]
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raw.close()
        raise InputError(source, "a .zst file: install the zstd extra (pip install 'dedup[zstd]')") from None
    # The reader has no line iteration of its own; buffering adds it.
    return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))  # type: ignore[arg-type]


def _read(
    item: _Input, source: str, stream: IO[bytes], text_field: str, id_field: str
) -> Iterator[Document | InputError]:
    """Documents of one opened file; a read error (truncated archive) ends it with an error."""
    fmt = item.fmt
    try:
        if fmt == "auto":
            stream = io.BufferedReader(stream) if not hasattr(stream, "peek") else stream  # type: ignore[arg-type]
            fmt = _sniff(stream.peek(1024))  # type: ignore[attr-defined]
        if fmt == "jsonl":
            yield from _jsonl(stream, source, item, text_field, id_field)
        elif fmt == "warc":
            yield from _warc(stream, source, item)
        else:
            data = stream.read()
            if fmt == "json":
                yield from _json_array(data, source, item, text_field, id_field)
            else:
                yield _whole_file(data, source, item, fmt)
    except InputError as exc:
        yield exc
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield InputError(source, _compression_problem(item, exc))
    except OSError as exc:
        yield InputError(source, f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # zstandard and warcio raise their own error types
        if type(exc).__module__.split(".")[0] in ("zstandard", "warcio", "compression"):
            yield InputError(source, _compression_problem(item, exc))
        else:
            raise


def _compression_problem(item: _Input, exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return f"truncated {item.compression or item.fmt} file (it ends before its end-of-stream marker)"
    return f"damaged {item.compression or item.fmt} data ({exc})"


def _whole_file(data: bytes, source: str, item: _Input, fmt: str) -> Document | InputError:
    try:
        text, note = decode(data, source, html=fmt == "html")
    except InputError as exc:
        return exc
    if not text.strip():
        return InputError(source, "empty file" if not text else "file has only white space")
    meta = {"encoding": note} if note else {}
    return Document(id=item.doc_id, text=text, source=source, format=fmt, group=item.group, meta=meta)


def _sniff(head: bytes) -> str:
    """Format of standard input: JSONL if it opens with a JSON object, HTML if with a tag."""
    head = head.lstrip()
    lowered = head[:1024].lower()
    if head.startswith(b"{"):
        first = head.split(b"\n", 1)[0]
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except ValueError:
            pass
    if head.startswith(b"WARC/"):
        return "warc"
    if lowered.startswith(b"<") and (b"<html" in lowered or b"<!doctype html" in lowered or b"<body" in lowered):
        return "html"
    return "text"


def _record(record: Any, source: str, line: int, item: _Input, text_field: str, id_field: str) -> Document | InputError:
    """One JSON record as a document, or why it cannot be one."""
    if not isinstance(record, dict):
        return InputError(source, f"expected a JSON object, found {type(record).__name__}", line)
    if text_field not in record:
        fields = ", ".join(sorted(map(str, record))[:8]) or "none"
        return InputError(source, f"no {text_field!r} field (fields: {fields}); choose one with --text-field", line)
    text = record[text_field]
    if not isinstance(text, str):
        return InputError(source, f"field {text_field!r} is {type(text).__name__}, not a string", line)
    if not text.strip():
        return InputError(source, f"field {text_field!r} is empty", line)
    raw_id = record.get(id_field)
    has_id = isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id) != ""
    doc_id = str(raw_id) if has_id else f"{item.doc_id}:{line}"
    url = record.get("url")
    meta = {"url": url} if isinstance(url, str) and url else {}
    group = urlsplit(url).hostname if meta and "://" in url else item.group
    return Document(
        id=doc_id, text=_newlines(text), source=source, line=line, record=True, format="text", group=group, meta=meta
    )


def _jsonl(
    stream: IO[bytes], source: str, item: _Input, text_field: str, id_field: str
) -> Iterator[Document | InputError]:
    """One document per JSONL line, read as a stream; a bad line is an error for that line.

    A compressed file that breaks off ends with an error naming the last line read.
    """
    number = 0
    lines = iter(stream)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            problem = _compression_problem(item, exc)
            yield InputError(source, f"{problem}; records after line {number} are lost", number + 1)
            return
        number += 1
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
        yield _record(record, source, number, item, text_field, id_field)


def _json_array(
    data: bytes, source: str, item: _Input, text_field: str, id_field: str
) -> Iterator[Document | InputError]:
    """The objects of a JSON array, each with the line where it starts."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield InputError(source, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")
        return
    newlines = [m.start() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        yield InputError(source, "expected a JSON array of objects ([{...}, ...]); for one object a line use .jsonl")
        return
    pos = _skip_space(text, pos + 1)
    while pos < len(text) and text[pos] != "]":
        line = bisect.bisect_left(newlines, pos) + 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError as exc:
            yield InputError(source, f"not valid JSON ({exc}); the rest of the file is skipped", line)
            return
        yield _record(value, source, line, item, text_field, id_field)
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif not text.startswith("]", pos):
            yield InputError(source, "not valid JSON (expected ',' or ']'); the rest of the file is skipped", line)
            return


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _warc(stream: IO[bytes], source: str, item: _Input) -> Iterator[Document | InputError]:
    """HTML response records of a WARC file (warcio reads both plain and gzipped WARC)."""
    from warcio.archiveiterator import ArchiveIterator

    for number, record in enumerate(ArchiveIterator(stream), start=1):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        kind = (record.http_headers.get_header("Content-Type") or "").lower()
        if "html" not in kind:
            continue
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        record_id = record.rec_headers.get_header("WARC-Record-ID") or f"{item.doc_id}#{number}"
        body = record.content_stream().read()
        try:
            text, note = decode(body, f"{source} record {record_id}", html=True)
        except InputError as exc:
            yield exc
            continue
        if not text.strip():
            yield InputError(source, f"record {record_id} ({uri}) has an empty body")
            continue
        meta = {"url": uri, "warc_record_id": record_id}
        if note:
            meta["encoding"] = note
        host = urlsplit(uri).hostname if "://" in uri else None
        yield Document(
            id=record_id.strip("<>"), text=text, source=source, format="html", group=host or item.group, meta=meta
        )
