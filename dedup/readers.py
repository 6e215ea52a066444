"""Turn paths into documents: the only module of the engine that reads input files.

Files and folders (recursive, in sorted order, hidden entries skipped) and ``-`` for
standard input. By name: ``.txt``/``.md`` text, ``.html``/``.htm`` HTML, ``.jsonl`` one
JSON object a line, ``.json`` an array of objects, ``.warc`` the HTML responses of a web
archive; any of them may be compressed (``.gz``, ``.zst``). Text that is not UTF-8 is
decoded with the encoding it declares or that is detected, read as browsers read it (the
WHATWG Encoding Standard: a page that says ``iso-8859-1`` is Windows-1252), and the
document says so in its ``meta``. A problem with one file or record is yielded as an
:class:`~dedup.errors.InputError` in its place, and reading goes on.
"""

from __future__ import annotations

import bisect
import codecs
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

__all__ = [
    "COMPRESSIONS", "FORMATS", "RUN_FILES", "RUN_MARKER", "STDIN", "decode", "iter_documents", "list_files", "site_of",
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
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
# The WHATWG Encoding Standard's labels (encoding.spec.whatwg.org, "Names and labels"),
# by the Python codec that decodes them as browsers do. Labels of the Latin-1 family
# (iso-8859-1, latin1, ascii...) mean Windows-1252, iso-8859-9 means Windows-1254,
# tis-620 means Windows-874, gb2312 means GB18030: the pages that say so use the bytes
# 0x80-0x9F for quotes and dashes, never for the C1 control characters Latin-1 gives.
# x-user-defined is Windows-1252 when a page declares it (HTML's rule). The labels of the
# "replacement" encoding (iso-2022-kr, hz-gb-2312...) are left out: not decoded.
_WHATWG = {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "cp866": "866 cp866 csibm866 ibm866",
    "iso8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    "iso8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    "iso8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    "iso8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988",
    "iso8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e"
    " iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "iso8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597"
    " iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "iso8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598"
    " iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical",
    "iso8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "iso8859-16": "iso-8859-16",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "mac-roman": "csmacintosh mac macintosh x-mac-roman",
    "cp874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "cp1250": "cp1250 windows-1250 x-cp1250",
    "cp1251": "cp1251 windows-1251 x-cp1251",
    "cp1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591"
    " iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252 x-user-defined",
    "cp1253": "cp1253 windows-1253 x-cp1253",
    "cp1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 latin5"
    " windows-1254 x-cp1254",
    "cp1255": "cp1255 windows-1255 x-cp1255",
    "cp1256": "cp1256 windows-1256 x-cp1256",
    "cp1257": "cp1257 windows-1257 x-cp1257",
    "cp1258": "cp1258 windows-1258 x-cp1258",
    "mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "gb18030": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc_jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso2022_jp": "csiso2022jp iso-2022-jp",
    "cp932": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "cp949": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601"
    " windows-949",
    "utf-16-be": "unicodefffe utf-16be",
    "utf-16-le": "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
}
_LABELS = {label: codec for codec, labels in _WHATWG.items() for label in labels.split()}
# First labels of a host name that name the same site as the rest of it (www, www2...,
# mobile and AMP editions), for grouping pages by site.
_SITE_PREFIX = re.compile(r"(?:www\d*|m|mobile|amp)\.(?=[^.]+\.[^.])")
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
    every path before anything is read). A file named on the command line is read even
    with an unknown ending (as text); in folders, only known endings are read.

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
        if p != STDIN and not os.path.lexists(p):
            raise PathError(f"{p}: no such file or folder")
    for p, name in zip(paths, _argument_names(paths)):
        if p == STDIN:
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


def _argument_names(paths: list[str]) -> list[str | None]:
    """What each path argument is called in document ids when there are several (``None``
    for standard input, and for every path when there is only one).

    A name is the shortest run of last parts of the absolute path such that no other
    argument has the same name and no folder's name is the start of another's (ids
    ``a/x.txt`` of folder ``a`` and ``x.txt`` of a folder named ``a/b``... would meet).
    Where two arguments clash, both take one part more, until they differ or one of them
    has no parts left (the same path twice, or a folder given beside its parent).

    >>> _argument_names(["/data/siteA", "/data/siteB", "-"])
    ['siteA', 'siteB', None]
    >>> _argument_names(["/x/a/site", "/y/b/site", "/z/other"])
    ['a/site', 'b/site', 'other']
    """
    real = [k for k, p in enumerate(paths) if p != STDIN]
    names: list[str | None] = [None] * len(paths)
    if len(real) < 2:
        return names
    parts = {k: [part for part in os.path.abspath(paths[k]).split(os.sep) if part] for k in real}
    folder = {k: os.path.isdir(paths[k]) for k in real}
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


def decode(data: bytes, source: str, html: bool = False, charset: str | None = None) -> tuple[str, str | None]:
    """Bytes to text, and a note on the encoding when it was not UTF-8.

    UTF-8 (a byte order mark is dropped), UTF-16 with a byte order mark, the ``charset``
    a transport declared (a WARC record's HTTP header), for HTML the charset its ``<meta>``
    or XML declaration declares, else the encoding ``charset_normalizer`` detects. A
    declared or detected encoding is read as the WHATWG Encoding Standard says (see
    :func:`_codec`). Line endings become ``\\n``. Raises :class:`InputError` for binary
    or undecodable data.

    >>> decode("El niño comió una piña en la mañana.".encode("cp1252"), "f")
    ('El niño comió una piña en la mañana.', 'cp1252 (detected)')
    >>> decode(b'<meta charset="iso-8859-1"><p>\\x93Caf\\xe9\\x94 \\x96 bar', "f", html=True)
    ('<meta charset="iso-8859-1"><p>“Café” – bar', 'cp1252 (declared iso-8859-1)')
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
    for label, codec in _declared(data, html, charset):
        try:
            return _newlines(data.decode(codec)), f"{codec} (declared {label})"
        except UnicodeDecodeError:
            pass
    encoding = _detect(data)
    if encoding is not None:
        try:
            return _newlines(data.decode(encoding)), f"{encoding} (detected)"
        except (LookupError, UnicodeDecodeError):
            pass
    raise InputError(source, f"not valid UTF-8 ({bad}) and no other encoding fits; convert it to UTF-8")


def _codec(label: str) -> str | None:
    """The Python codec that decodes an encoding label as the WHATWG Encoding Standard
    says (what browsers do), or ``None`` for a label it does not know.

    >>> [_codec(x) for x in ("ISO-8859-1", " latin1", "US-ASCII", "iso-8859-9", "TIS-620", "utf8", "utf-7")]
    ['cp1252', 'cp1252', 'cp1252', 'cp1254', 'cp874', 'utf-8', None]
    """
    return _LABELS.get(label.strip("\t\n\f\r ").lower())


def _declared(data: bytes, html: bool, charset: str | None) -> Iterator[tuple[str, str]]:
    """``(label, codec)`` of each encoding the data declares, the transport's first.

    A page's own declaration of UTF-16 is read as UTF-8, as HTML says (a page that can
    declare it in ASCII is not UTF-16).
    """
    labels = [charset] if charset else []
    if html:
        head = data[:4096]
        labels += [m.group(1).decode("ascii") for m in (_META_CHARSET.search(head), _XML_ENCODING.match(head)) if m]
    for k, label in enumerate(labels):
        codec = _codec(label)
        if codec is not None and codec.startswith("utf-16") and (k > 0 or not charset):
            codec = "utf-8"
        if codec is not None:
            yield label.strip().lower(), codec


def _web_codec(name: str) -> str | None:
    """A detected Python codec as the web reads it (``latin_1`` is Windows-1252, as its
    WHATWG label ``iso8859-1`` says), or ``None`` if it is not one of the web's encodings
    (DOS and most Mac code pages).

    >>> [_web_codec(x) for x in ("latin_1", "iso8859_9", "tis_620", "euc_kr", "cp1251", "mac_roman", "cp852")]
    ['cp1252', 'cp1254', 'cp874', 'cp949', 'cp1251', 'mac-roman', None]
    """
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    found = _codec(canonical) or _codec(canonical.replace("_", "-"))
    return found or (canonical if canonical in _WHATWG else None)


def _detect(data: bytes) -> str | None:
    """The encoding of non-UTF-8 bytes, by ``charset_normalizer``, as the web reads it.

    Among the candidates that read as cleanly as the best (each with the code pages that
    give the very same text), the web's encodings come first, mapped as browsers map
    them (:func:`_web_codec`): on short samples the coherence ranking prefers DOS code
    pages that turn curly quotes into "ô" and "ö" or Spanish "ñ" into "˝" (seen in
    testing). Among those, Windows-1252 wins, the usual non-UTF-8 encoding of Western
    text. UTF-16 and UTF-32 are never guessed: without a byte order mark they are read
    only when declared.
    """
    from charset_normalizer import from_bytes

    results = [m for m in from_bytes(data[: 1 << 20]) if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not results:
        return None
    cleanest = min(match.chaos for match in results)
    close = [name for m in results if m.chaos <= cleanest + 0.01 for name in (m.encoding, *m.could_be_from_charset)]
    web = [codec for codec in map(_web_codec, close) if codec is not None and not codec.startswith("utf-16")]
    if "cp1252" in web:
        return "cp1252"
    return web[0] if web else results[0].encoding


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # a second copy only for old Mac line endings
            text = text.replace("\r", "\n")
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
        elif fmt == "json":
            yield from _json_array(stream.read(), source, item, text_field, id_field)
        else:
            # The file's bytes are freed before the document is yielded: this generator
            # stays suspended while the document is processed, and a variable here would
            # keep a second copy of a huge file alive all that time.
            yield _whole_file(stream.read(), source, item, fmt)
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
    group = (site_of(url) if meta else None) or item.group
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
        charset = _HTTP_CHARSET.search(kind)
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
