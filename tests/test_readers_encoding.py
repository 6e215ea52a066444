"""Declared and detected encodings are read as browsers read them (WHATWG Encoding Standard)."""

import io
import json

import pytest

from dedup.cli import main
from dedup.readers import decode, iter_documents

# Windows-1252 bytes 0x93, 0x94 and 0x96: the curly quotes and the en dash. Read as
# ISO-8859-1 they are the C1 control characters U+0093, U+0094, U+0096.
QUOTED = "The minister called the plan “a disaster” – twice – on Monday, and the café owners agreed."


def _has_c1(text):
    return any("\x80" <= c <= "\x9f" for c in text)


def _page(head, body):
    return f"<html><head>{head}<title>News</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    "label", ["iso-8859-1", "ISO-8859-1", "latin1", "ascii", "us-ascii", "l1", "cp819", "ibm819", "iso8859-1",
              "iso_8859-1", "x-cp1252", "windows-1252"],
)  # fmt: skip
def test_a_page_declaring_a_latin1_label_is_read_as_windows_1252(label):
    page = _page(f'<meta charset="{label}">', QUOTED).encode("cp1252")
    text, note = decode(page, "page.html", html=True)
    assert QUOTED in text and not _has_c1(text)
    assert note == f"cp1252 (declared {label.lower()})"


@pytest.mark.parametrize(
    "label, encoding, body",
    [
        ("iso-8859-9", "cp1254", "Şirket “yeni” bir dönem başlıyor – dedi; çocuklar ışıklı oyunlar oynadı."),
        ("latin5", "cp1254", "Şirket “yeni” bir dönem başlıyor – dedi; çocuklar ışıklı oyunlar oynadı."),
        ("tis-620", "cp874", "สวัสดีครับ “ขอบคุณ” – ครับ… วันนี้อากาศดีมาก"),
        ("iso-8859-11", "cp874", "สวัสดีครับ “ขอบคุณ” – ครับ… วันนี้อากาศดีมาก"),
        ("gb2312", "gb18030", "北京欢迎你，今天天气很好。𠀀"),
    ],
)
def test_other_labels_are_read_as_their_whatwg_encoding(label, encoding, body):
    page = _page(f'<meta http-equiv="Content-Type" content="text/html; charset={label}">', body).encode(encoding)
    text, note = decode(page, "page.html", html=True)
    assert body in text and not _has_c1(text)
    assert note == f"{encoding} (declared {label})"


def test_an_xml_declaration_declares_the_encoding():
    page = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + _page("", QUOTED)).encode("cp1252")
    text, note = decode(page, "page.xhtml", html=True)
    assert QUOTED in text and note == "cp1252 (declared iso-8859-1)"


def test_a_label_outside_the_standard_is_not_trusted():
    # Python would decode this "charset" (and turn the text into something else); the
    # web knows no such encoding, so detection decides.
    page = _page('<meta charset="unicode_escape">', "Le café est très apprécié à Paris, où les garçons rient.")
    text, note = decode(page.encode("cp1252"), "page.html", html=True)
    assert "café est très apprécié" in text and note == "cp1252 (detected)"


@pytest.mark.parametrize(
    "text, encoding",
    [
        # Curly quotes and dashes alone: the coherence ranking once chose DOS code pages
        # (cp852: "ôa disasterö ľ") or Big5 for these.
        ("Officials called it “a disaster” – nothing less. The weather was fine on Monday.", "cp1252"),
        ("He said “hello” – and left the room quietly.", "cp1252"),
        # Thai with curly quotes: detection once guessed UTF-16 (no byte order mark).
        ("สวัสดีครับ “ขอบคุณ” – ครับ", "cp874"),
    ],
)
def test_detected_encodings_give_the_text_back(text, encoding):
    decoded, note = decode(text.encode(encoding), "notes.txt")
    assert decoded == text and note == f"{encoding} (detected)"


def _warc(path, pages):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for uri, kind, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(record)


def test_a_warc_record_is_read_in_the_charset_of_its_http_header(tmp_path):
    turkish = "Şirket “yeni” bir dönem başlıyor – dedi; çocuklar ışıklı oyunlar oynadı."
    _warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://haber.example.com.tr/a", "text/html; charset=ISO-8859-9", _page("", turkish).encode("cp1254")),
            ("https://news.example.com/b", 'text/html;charset="iso-8859-1"', _page("", QUOTED).encode("cp1252")),
        ],
    )
    first, second = iter_documents([str(tmp_path / "crawl.warc.gz")])
    assert turkish in first.text and first.meta["encoding"] == "cp1254 (declared iso-8859-9)"
    assert QUOTED in second.text and second.meta["encoding"] == "cp1252 (declared iso-8859-1)"


def test_dedup_run_writes_the_quotes_of_a_latin1_page(tmp_path):
    from click.testing import CliRunner

    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_bytes(_page('<meta charset="iso-8859-1">', QUOTED).encode("cp1252"))
    result = CliRunner().invoke(main, ["run", str(site), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "page.txt").read_text(encoding="utf-8")
    assert "“a disaster” – twice –" in written and not _has_c1(written)
    (entry,) = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert entry["encoding"] == "cp1252 (declared iso-8859-1)"
