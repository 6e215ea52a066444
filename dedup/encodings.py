"""Bytes to text as browsers read them: UTF-8, byte order marks, declared charsets by the
WHATWG Encoding Standard's labels, and detection for the rest; binary files refused."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from .errors import InputError

__all__ = ["HTTP_CHARSET", "decode", "newlines"]

# How much of a file's start is checked for NUL bytes (the mark of a binary file).
_SNIFF = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
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
# Signatures of common binary files that end up in text folders.
_MAGIC = (
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or .docx, .xlsx, .epub)"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
    (b"PAR1", "a Parquet file (name it *.parquet to read its rows)"),
)


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
            return newlines(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(source, f"not valid UTF-16 despite its byte order mark ({exc.reason})") from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(source, f"{what}, not text")
    if b"\x00" in data[:_SNIFF]:
        raise InputError(source, "binary file (NUL bytes), not text")
    try:
        return newlines(data.decode("utf-8-sig")), None
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    for label, codec in _declared(data, html, charset):
        try:
            return newlines(data.decode(codec)), f"{codec} (declared {label})"
        except UnicodeDecodeError:
            pass
    encoding = _detect(data)
    if encoding is not None:
        try:
            return newlines(data.decode(encoding)), f"{encoding} (detected)"
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


def newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # a second copy only for old Mac line endings
            text = text.replace("\r", "\n")
    return text
