"""Turn paths into documents: the only module of the engine that reads input files.

Files and folders (recursive, in sorted order, hidden entries skipped), ``-`` for
standard input, and the same on object stores and web servers (``s3://``, ``gs://``,
``hf://``, ``https://`` URLs, through fsspec: see :mod:`dedup.remote`). By name:
``.txt``/``.md`` text, ``.html``/``.htm`` HTML, ``.jsonl`` one JSON object a line,
``.json`` an array of objects, ``.parquet``, ``.csv`` and ``.tsv`` tables (one record a
row: see :mod:`dedup.tables`), ``.warc`` the HTML responses of a web archive; any of them
but Parquet may be compressed (``.gz``, ``.zst``). Text that is not UTF-8 is
decoded with the encoding it declares or that is detected, read as browsers read it (the
WHATWG Encoding Standard: a page that says ``iso-8859-1`` is Windows-1252), and the
document says so in its ``meta``. A problem with one file or record is yielded as an
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

from . import remote, tables
from .documents import Document
from .encodings import HTTP_CHARSET, decode, newlines
from .errors import InputError, PathError

__all__ = [
    "COMPRESSIONS", "FORMATS", "RUN_FILES", "RUN_MARKER", "STDIN", "decode", "iter_documents", "list_files",
    "read_input", "record_document", "site_of", "table_types",
]  # fmt: skip

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
    ".parquet": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".warc": "warc",
}
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
# A folder written by ``dedup run`` holds this marker; reading it skips the run's own
# manifest and summary, so a run over a run's output sees only the documents.
RUN_MARKER = ".dedup-run"
RUN_FILES = ("manifest.jsonl", "summary.json")
# Buffer for reading a remote file as a stream (each refill is one ranged request at most).
_REMOTE_BUFFER = 1 << 20
# First labels of a host name that name the same site as the rest of it (www, www2...,
# mobile and AMP editions), for grouping pages by site.
_SITE_PREFIX = re.compile(r"(?:www\d*|m|mobile|amp)\.(?=[^.]+\.[^.])")


@dataclass(frozen=True)
class _Input:
    path: str | None  # None for standard input; a URL for a remote file
    doc_id: str
    fmt: str  # a value of FORMATS, or auto (standard input)
    compression: str | None
    group: str | None


@dataclass(frozen=True)
class _Store:
    """A remote path argument: its file system, the path within it, and whether it is a
    folder; or, in ``problem``, why it cannot be reached."""

    url: str
    fs: Any = None
    path: str = ""
    folder: bool = False
    problem: str | None = None


def site_of(url: str) -> str | None:
    """The site of a URL, for grouping pages that share chrome: its host name in lower
    case, without port, trailing dot, or a leading ``www.``, ``www2.``, ``m.``,
    ``mobile.`` or ``amp.`` (one site's desktop, mobile and AMP pages are one group).
    ``None`` when ``url`` has no host.

    >>> [site_of(u) for u in ("https://WWW.Example.com:443/a", "http://m.example.com./b", "https://example.com")]
    ['example.com', 'example.com', 'example.com']
    >>> site_of("https://amp.news.example.co.uk/x"), site_of("https://www.com/"), site_of("http://[oops/")
    ('news.example.co.uk', 'www.com', None)
    """
    if "://" not in url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a malformed address ("http://[oops")
        return None
    host = (host or "").rstrip(".")
    while prefix := _SITE_PREFIX.match(host):
        host = host[prefix.end() :]
    return host or None


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
    every path before anything is read; for a URL, when its store says so). A remote path
    that cannot be reached (no credentials, permission denied, the store's package not
    installed, no connection) is an :class:`InputError` in its place. A file named on the
    command line is read even with an unknown ending (as text); in folders, only known
    endings are read. A remote folder (a prefix holding files on an object store, or a
    web page ending with ``/``, whose links are its files) is listed as a local one is.

    Document ids are unique by construction. With one path, a file in a folder is known
    by its path relative to the folder (``news/page.html``), a file argument by its name.
    With several paths, each is first given a name (:func:`_argument_names`): the last
    part of its path (``siteA``), or as many of the last parts as it takes to tell it
    from the others (``a/site`` and ``b/site``); a file in a folder is then known as that
    name and its relative path (``siteA/index.txt``, ``siteB/index.txt``), a file
    argument by its name. The same file given twice (or a folder and a folder inside it)
    still yields the same document twice. Standard input is ``<stdin>``.
    """
    paths = list(paths)
    for p in paths:
        if p != STDIN and not remote.is_remote(p) and not os.path.lexists(p):
            raise PathError(f"{p}: no such file or folder")
    stores = {p: _reach(p) for p in dict.fromkeys(paths) if remote.is_remote(p)}
    folders = [stores[p].folder if p in stores else p != STDIN and os.path.isdir(p) for p in paths]
    for p, name in zip(paths, _argument_names(paths, folders)):
        if p in stores:
            yield from _remote_inputs(stores[p], name)
        elif p == STDIN:
            yield _Input(None, "<stdin>", "auto", None, None)
        elif os.path.isdir(p):
            yield from _walk(p, name)
        elif not os.path.exists(p):
            yield InputError(p, "broken symbolic link")
        else:
            parent, base = os.path.split(os.path.normpath(p))
            fmt, compression = _kind(base)
            group = name.rpartition("/")[0] if name else ""
            yield _Input(p, name or base, fmt or "text", compression, group or os.path.basename(parent) or None)


def _argument_names(paths: list[str], folders: list[bool] | None = None) -> list[str | None]:
    """What each path argument is called in document ids when there are several (``None``
    for standard input, and for every path when there is only one).

    A name is the shortest run of last parts of the absolute path (of a URL: its bucket
    or host and the parts of its path) such that no other argument has the same name
    and no folder's name is the start of another's (ids ``a/x.txt`` of folder ``a`` and
    ``x.txt`` of a folder named ``a/b``... would meet).
    Where two arguments clash, both take one part more, until they differ or one of them
    has no parts left (the same path twice, or a folder given beside its parent).
    ``folders`` says which paths are folders (looked up on disk when not given).

    >>> _argument_names(["/data/siteA", "/data/siteB", "-"])
    ['siteA', 'siteB', None]
    >>> _argument_names(["/x/a/site", "/y/b/site", "/z/other"])
    ['a/site', 'b/site', 'other']
    >>> _argument_names(["s3://bucket/crawl/", "https://example.org/crawl/", "/data/crawl", "gs://b/x.jsonl"])
    ['bucket/crawl', 'example.org/crawl', 'data/crawl', 'x.jsonl']
    """
    real = [k for k, p in enumerate(paths) if p != STDIN]
    names: list[str | None] = [None] * len(paths)
    if len(real) < 2:
        return names
    parts = {k: _parts(paths[k]) for k in real}
    folder = {k: folders[k] if folders is not None else os.path.isdir(paths[k]) for k in real}
    depth = dict.fromkeys(real, 1)
    while True:
        label = {k: tuple(parts[k][len(parts[k]) - min(depth[k], len(parts[k])) :]) for k in real}
        owners: dict[tuple[str, ...], list[int]] = {}
        starts: dict[tuple[str, ...], list[int]] = {}  # proper starts of names -> whose
        for k in real:
            owners.setdefault(label[k], []).append(k)
            for cut in range(1, len(label[k])):
                starts.setdefault(label[k][:cut], []).append(k)
        grow: set[int] = set()
        for k in real:
            clash = [j for j in owners[label[k]] if j != k] + (starts.get(label[k], []) if folder[k] else [])
            if clash:
                grow.update([k, *clash])
        grow = {k for k in grow if depth[k] < len(parts[k])}
        if not grow:
            break
        for k in grow:
            depth[k] += 1
    for k in real:
        names[k] = "/".join(label[k])
    return names


def _parts(path: str) -> list[str]:
    if remote.is_remote(path):
        return remote.parts(path)
    return [part for part in os.path.abspath(path).split(os.sep) if part]


def _walk(root: str, name: str | None = None) -> Iterator[_Input | InputError]:
    """Files under ``root`` with a known ending, sorted by relative path; follows links once.

    Ids are paths relative to ``root``, after ``name/`` when a name is given.
    Plain strings rather than ``pathlib`` here: this runs once per file of the corpus.
    """
    root_name = name or os.path.basename(os.path.normpath(root))
    prefix = f"{name}/" if name else ""
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
        yield _Input(path, prefix + rel, fmt, compression, f"{root_name}/{parent}" if parent else root_name)


def _reach(url: str) -> _Store:
    """Where a remote path argument is. Raises :class:`PathError` when the store says it
    does not exist; any other failure is kept as the store's ``problem``."""
    try:
        fs, path = remote.filesystem(url)
        info = remote.stat(fs, path)
    except FileNotFoundError:
        raise PathError(f"{url}: no such file or folder") from None
    except Exception as exc:  # stores raise their own types (botocore, aiohttp...), with no common base
        return _Store(url, problem=remote.problem(exc))
    # A web page's links are its files (fsspec's listing) when its address ends with "/".
    web_folder = url.endswith("/") and remote.protocol(url) in ("http", "https")
    return _Store(url, fs, path, info.get("type") == "directory" or web_folder)


def _remote_inputs(store: _Store, name: str | None) -> Iterator[_Input | InputError]:
    """The input files of a remote path argument, as :func:`list_files` makes them of a
    local one; ``source`` of each is its URL."""
    if store.problem is not None:
        yield InputError(store.url, store.problem)
        return
    parts = remote.parts(store.url)
    if store.folder:
        yield from _walk_remote(store, name)
        return
    fmt, compression = _kind(parts[-1])
    group = name.rpartition("/")[0] if name else ""
    parent = parts[-2] if len(parts) > 1 else None
    yield _Input(store.url, name or parts[-1], fmt or "text", compression, group or parent)


def _walk_remote(store: _Store, name: str | None) -> Iterator[_Input | InputError]:
    """Files under a remote folder, chosen, named and grouped as :func:`_walk` does a
    local folder's: known endings, no hidden entries, no run files beside RUN_MARKER."""
    root_name = name or remote.parts(store.url)[-1]
    base = store.path.rstrip("/") + "/"
    try:
        listed = store.fs.find(store.path, detail=True)
    except Exception as exc:  # the store's own error types
        yield InputError(store.url, f"cannot list folder: {remote.problem(exc)}")
        return
    rels = sorted(
        path[len(base) :] for path, info in listed.items() if path.startswith(base) and info.get("type") != "directory"
    )
    run_folders = {rel.rpartition("/")[0] for rel in rels if rel.rpartition("/")[2] == RUN_MARKER}
    for rel in rels:
        parent, _, file_name = rel.rpartition("/")
        if any(part.startswith(".") for part in rel.split("/")) or (parent in run_folders and file_name in RUN_FILES):
            continue
        fmt, compression = _kind(file_name)
        if not fmt:
            log.info("%s: skipped (not one of %s)", remote.join(store.url, rel), ", ".join(FORMATS))
            continue
        doc_id = f"{name}/{rel}" if name else rel
        group = f"{root_name}/{parent}" if parent else root_name
        yield _Input(remote.join(store.url, rel), doc_id, fmt, compression, group)


def iter_documents(
    paths: Iterable[str], text_field: str = "text", id_field: str = "id"
) -> Iterator[Document | InputError]:
    """Every document under ``paths``, in input order, or an :class:`InputError` in its place.

    Records (JSONL lines, JSON array items, Parquet and CSV rows) take their text from
    ``text_field`` and their id from ``id_field`` (``FILE:LINE`` when a record has none,
    the line being a Parquet file's 1-based row); their other fields are the document's
    ``fields``. The ``source`` of a remote document is its URL.
    """
    for item in list_files(paths):
        if isinstance(item, InputError):
            yield item
        else:
            yield from read_input(item, text_field, id_field)


def read_input(item: _Input, text_field: str = "text", id_field: str = "id") -> Iterator[Document | InputError]:
    """The documents of one file that :func:`list_files` named, in order, or an
    :class:`InputError` in place of each one that cannot be read (a back-end that reads
    files in parallel calls this per file, so documents come out as they do here)."""
    source = STDIN if item.path is None else item.path
    try:
        stream = _open(item, source)
    except InputError as exc:
        yield exc
        return
    except Exception as exc:
        reason = _cannot_read(source, exc)
        if reason is None:
            raise
        yield InputError(source, reason)
        return
    with stream:
        yield from _read(item, source, stream, text_field, id_field)


def _cannot_read(source: str, exc: Exception) -> str | None:
    """Why a file cannot be read, for an error of the file system or the store (``None``
    for any other exception: a bug, not a problem of the input)."""
    if remote.is_remote(source) and remote.is_store_error(exc):
        return remote.problem(exc)
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return None


def _open(item: _Input, source: str) -> IO[bytes]:
    """A binary stream of the file's (decompressed) bytes; a remote file's through fsspec."""
    raw: IO[bytes]
    if item.path is None:
        raw = sys.stdin.buffer
    elif remote.is_remote(item.path):
        fs, path = remote.filesystem(item.path)
        if item.fmt == "parquet":
            # pyarrow reads a Parquet file in a few long ranges (footer, column chunks)
            # and seeks between them: no read-ahead, which fetches a block beyond each
            # read (50 MiB with s3fs), so only the footer and the row groups read are fetched.
            raw = fs.open(path, "rb", cache_type="none")
        else:
            # fsspec's own readline reads a whole block (50 MiB with s3fs) for each line
            # and seeks back: 1.26 s for a 5 MB JSONL file of 5,000 lines on a local S3
            # server, 0.016 s through a buffer.
            raw = io.BufferedReader(fs.open(path, "rb"), _REMOTE_BUFFER)
    else:
        raw = open(item.path, "rb")  # noqa: SIM115
    if item.compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if item.compression == "zstd":
        return _zstd_reader(raw, source)
    return raw


def table_types(paths: Iterable[str]) -> tuple[dict[str, Any], set[str]]:
    """The Arrow type of each column of the Parquet files under ``paths`` (read from their
    footers), and the files; so that a Parquet output can give the input's columns their
    own types (``int32``, lists, decimals...) rather than types guessed from the values.
    A column whose files disagree (and cannot be promoted to one type) is left out; a file
    that cannot be read is left to the reader to report.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return {}, set()
    schemas, files = [], set()
    for item in list_files(paths):
        if isinstance(item, InputError) or item.fmt != "parquet" or item.path is None or item.compression:
            continue
        try:
            with _open(item, item.path) as stream:
                schemas.append(pq.ParquetFile(stream).schema_arrow)
            files.add(item.path)
        except Exception:  # noqa: BLE001  (reported when the file is read)
            continue
    types: dict[str, Any] = {}
    for name in dict.fromkeys(n for schema in schemas for n in schema.names):
        found = [schema.field(name) for schema in schemas if name in schema.names]
        try:
            types[name] = pa.unify_schemas([pa.schema([f]) for f in found], promote_options="permissive").field(0).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
            continue
    return types, files


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
        elif fmt == "json":
            yield from _json_array(stream.read(), source, item, text_field, id_field)
        elif fmt == "parquet" and item.compression:
            yield InputError(source, "a compressed Parquet file: Parquet compresses its own data; decompress the file")
        elif fmt == "parquet":
            yield from _rows(tables.parquet_records(stream, source, text_field), source, item, text_field, id_field)
        elif fmt in ("csv", "tsv"):
            records = tables.csv_records(stream, source, text_field, "\t" if fmt == "tsv" else ",")
            yield from _rows(records, source, item, text_field, id_field)
        else:
            # The file's bytes are freed before the document is yielded: this generator
            # stays suspended while the document is processed, and a variable here would
            # keep a second copy of a huge file alive all that time.
            yield _whole_file(stream.read(), source, item, fmt)
    except InputError as exc:
        yield exc
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield InputError(source, _compression_problem(item, exc))
    except Exception as exc:  # zstandard, warcio and the stores raise their own error types
        if type(exc).__module__.split(".")[0] in ("zstandard", "warcio", "compression"):
            yield InputError(source, _compression_problem(item, exc))
        elif (reason := _cannot_read(source, exc)) is not None:
            yield InputError(source, reason)
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
    """One record (a JSON object, a table's row) as a document, or why it cannot be one;
    the error names the id the document would have had."""
    if not isinstance(record, dict):
        return InputError(source, f"expected a JSON object, found {type(record).__name__}", line)
    raw_id = record.get(id_field)
    has_id = isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id) != ""
    doc_id = str(raw_id) if has_id else f"{item.doc_id}:{line}"
    if text_field not in record:
        fields = ", ".join(sorted(map(str, record))[:8]) or "none"
        reason = f"no {text_field!r} field (fields: {fields}); choose one with --text-field"
        return InputError(source, reason, line, doc_id)
    text = record[text_field]
    if text is None:
        return InputError(source, f"field {text_field!r} is null", line, doc_id)
    if not isinstance(text, str):
        return InputError(source, f"field {text_field!r} is {type(text).__name__}, not a string", line, doc_id)
    if not text.strip():
        return InputError(source, f"field {text_field!r} is empty", line, doc_id)
    url = record.get("url")
    meta = {"url": url} if isinstance(url, str) and url else {}
    group = (site_of(url) if meta else None) or item.group
    fields = {key: value for key, value in record.items() if key != text_field}
    return Document(
        id=doc_id,
        text=newlines(text),
        source=source,
        line=line,
        record=True,
        format="text",
        group=group,
        meta=meta,
        fields=fields,
    )


def record_document(
    record: dict[str, Any], source: str, line: int, text_field: str = "text", id_field: str = "id"
) -> Document | InputError:
    """A record that is not read from a file (a DataFrame's row) as a document, just as the
    same record on line ``line`` of a JSONL file ``source`` would be (id ``SOURCE:LINE``
    when it has none)."""
    return _record(record, source, line, _Input(source, source, "jsonl", None, None), text_field, id_field)


def _rows(
    records: Iterable[tuple[int, dict[str, Any]] | InputError],
    source: str,
    item: _Input,
    text_field: str,
    id_field: str,
) -> Iterator[Document | InputError]:
    """Documents of the rows of a table (:mod:`dedup.tables`)."""
    for found in records:
        if isinstance(found, InputError):
            yield found
        else:
            yield _record(found[1], source, found[0], item, text_field, id_field)


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
        del raw  # not held while the record is processed (a one-line record can be huge)
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
    del data  # the text is what the records are read from
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
        charset = HTTP_CHARSET.search(kind)
        try:
            # The body is not kept in a variable: this generator is suspended while the
            # document is processed, and would hold a second copy of the page meanwhile.
            text, note = decode(
                record.content_stream().read(), f"{source} record {record_id}", True, charset and charset.group(1)
            )
        except InputError as exc:
            yield exc
            continue
        if not text.strip():
            yield InputError(source, f"record {record_id} ({uri}) has an empty body")
            continue
        meta = {"url": uri, "warc_record_id": record_id}
        if note:
            meta["encoding"] = note
        group = site_of(uri) or item.group
        yield Document(id=record_id.strip("<>"), text=text, source=source, format="html", group=group, meta=meta)
