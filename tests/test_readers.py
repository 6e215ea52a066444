import io
import json
import os
import sys

import pytest

from dedup.documents import Document
from dedup.errors import InputError, PathError
from dedup.readers import decode, iter_documents


def _read(*paths, **kw):
    return list(iter_documents([str(p) for p in paths], **kw))


def test_folders_are_walked_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for rel in ["z.txt", "b/x.md", "a/deep/y.html", "a/c.txt", ".hidden.txt", "notes.log"]:
        (tmp_path / rel).write_text(
            "<html><body><p>text</p></body></html>" if rel.endswith("html") else "text", encoding="utf-8"
        )
    docs = _read(tmp_path)
    assert [d.id for d in docs] == ["a/c.txt", "a/deep/y.html", "b/x.md", "z.txt"]
    assert [d.format for d in docs] == ["text", "html", "text", "text"]
    assert docs[1].group == f"{tmp_path.name}/a/deep"
    assert docs[3].group == tmp_path.name


def test_a_file_argument_is_named_by_its_file_name(corpus_dir):
    (doc,) = _read(corpus_dir / "003_8bc150cff370669c.txt")
    assert doc.id == "003_8bc150cff370669c.txt"
    assert doc.text.startswith("Defense chief confirms")


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(PathError, match="nope.txt: no such file or folder"):
        _read(tmp_path / "nope.txt")


def test_jsonl_records_and_their_errors(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "first record"}),
        "",
        json.dumps({"text": "no id here"}),
        "{not json",
        json.dumps({"body": "wrong field"}),
        json.dumps({"id": 7, "text": 42}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "e", "text": "   "}),
        json.dumps({"id": 9, "text": "line one\r\nline two", "url": "https://www.example.com/x"}),
    ]
    (tmp_path / "recs.jsonl").write_text("\n".join(lines), encoding="utf-8")
    out = _read(tmp_path / "recs.jsonl")
    docs = [d for d in out if isinstance(d, Document)]
    errors = [e for e in out if isinstance(e, InputError)]
    assert [(d.id, d.line) for d in docs] == [("a", 1), ("recs.jsonl:3", 3), ("9", 9)]
    assert docs[2].text == "line one\nline two" and docs[2].group == "example.com"
    assert all(d.record for d in docs)
    assert [(e.line, e.reason.split(" (")[0]) for e in errors] == [
        (4, "not valid JSON"),
        (5, "no 'text' field"),
        (6, "field 'text' is int, not a string"),
        (7, "expected a JSON object, found list"),
        (8, "field 'text' is empty"),
    ]
    assert "--text-field" in errors[1].reason


def test_jsonl_text_and_id_fields_are_configurable(tmp_path):
    (tmp_path / "r.jsonl").write_text(json.dumps({"key": "k1", "body": "hello"}) + "\n", encoding="utf-8")
    (doc,) = _read(tmp_path / "r.jsonl", text_field="body", id_field="key")
    assert doc.id == "k1" and doc.text == "hello"


def test_decoding():
    assert decode("\ufeffBOM".encode(), "f") == ("BOM", None)
    assert decode("héllo".encode("utf-16"), "f") == ("héllo", "utf-16")
    assert decode(b"a\r\nb\rc", "f") == ("a\nb\nc", None)
    page = '<html><head><meta charset="iso-8859-1"></head><body>café</body></html>'.encode("latin-1")
    text, note = decode(page, "f", html=True)
    assert "café" in text and note == "cp1252 (declared iso-8859-1)"


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("Le café est très apprécié à Paris, où les garçons servent des crêpes.", "cp1252"),
        ("El niño comió una piña en la mañana; ¡qué rico!", "cp1252"),
        ("Zażółć gęślą jaźń. Wszyscy ludzie rodzą się wolni i równi pod względem godności.", "cp1250"),
        ("Все люди рождаются свободными и равными в своем достоинстве и правах.", "cp1251"),
    ],
)
def test_other_encodings_are_detected_and_noted(text, encoding):
    decoded, note = decode(text.encode(encoding), "f")
    assert decoded == text and note == f"{encoding} (detected)"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x00\x01\x02binary", "binary file (NUL bytes), not text"),
        (b"%PDF-1.7\n...", "a PDF file, not text"),
        (b"PK\x03\x04....", "a ZIP archive (or .docx, .xlsx, .epub), not text"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image, not text"),
    ],
)
def test_binary_files_are_named(data, reason):
    with pytest.raises(InputError) as err:
        decode(data, "f")
    assert err.value.reason == reason


def test_bad_files_become_errors_and_reading_goes_on(tmp_path):
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "c_pdf.txt").write_bytes(b"%PDF-1.4 binary stuff")
    (tmp_path / "d_good.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "e_latin.txt").write_bytes("Le café est très apprécié à Paris, où les garçons rient.".encode("latin-1"))
    out = _read(tmp_path)
    assert [(type(x).__name__, getattr(x, "reason", None)) for x in out] == [
        ("InputError", "empty file"),
        ("InputError", "file has only white space"),
        ("InputError", "a PDF file, not text"),
        ("Document", None),
        ("Document", None),
    ]
    assert out[4].meta == {"encoding": "cp1252 (detected)"} and "café" in out[4].text


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_broken_links_and_loops_are_reported(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ok.txt").write_text("fine", encoding="utf-8")
    os.symlink(tmp_path / "missing.txt", tmp_path / "broken.txt")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    out = _read(tmp_path)
    reasons = sorted(x.reason for x in out if isinstance(x, InputError))
    assert reasons == ["broken symbolic link", "symbolic link loop (folder already visited)"]
    assert [d.id for d in out if isinstance(d, Document)] == ["sub/ok.txt"]


@pytest.mark.parametrize(
    "data, fmt",
    [
        (b'{"id": "s1", "text": "from stdin"}\n', "text"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"Just some text.\n", "text"),
    ],
)
def test_stdin_format_is_sniffed(monkeypatch, data, fmt):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    (doc,) = list(iter_documents(["-"]))
    assert doc.format == fmt
    assert doc.id == ("s1" if data.startswith(b"{") else "<stdin>")


def _jsonl_bytes(n):
    return "".join(json.dumps({"id": f"r{k}", "text": f"record number {k}"}) + "\n" for k in range(n)).encode()


def test_compressed_files_are_read_by_their_inner_format(tmp_path):
    import gzip

    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(_jsonl_bytes(3)))
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(b"plain text inside gzip"))
    out = _read(tmp_path)
    assert [(d.id, d.text) for d in out] == [
        ("r0", "record number 0"),
        ("r1", "record number 1"),
        ("r2", "record number 2"),
        ("b.txt.gz", "plain text inside gzip"),
    ]


def test_truncated_gzip_keeps_the_records_before_the_break(tmp_path):
    import gzip

    data = gzip.compress(_jsonl_bytes(2000))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    out = _read(tmp_path / "cut.jsonl.gz")
    docs = [d for d in out if isinstance(d, Document)]
    assert 0 < len(docs) < 2000
    assert isinstance(out[-1], InputError) and "truncated gzip file" in out[-1].reason


def test_not_a_gzip_file(tmp_path):
    (tmp_path / "fake.txt.gz").write_bytes(b"this is not gzip at all")
    (err,) = _read(tmp_path / "fake.txt.gz")
    assert isinstance(err, InputError) and err.reason.startswith("damaged gzip data")


def test_zstd_files(tmp_path):
    zstandard = pytest.importorskip("zstandard", reason="the zstd extra is not installed")
    (tmp_path / "z.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(_jsonl_bytes(2)))
    assert [d.id for d in _read(tmp_path / "z.jsonl.zst")] == ["r0", "r1"]


def test_json_arrays_with_the_line_of_each_record(tmp_path):
    body = (
        '[\n  {"id": "a", "text": "first"},\n  {"text": "second"},\n  "not an object",\n  {"id": "d", "text": "x"}\n]'
    )
    (tmp_path / "arr.json").write_text(body, encoding="utf-8")
    out = _read(tmp_path / "arr.json")
    assert [(getattr(x, "id", None), x.line) for x in out] == [("a", 2), ("arr.json:3", 3), (None, 4), ("d", 5)]
    assert isinstance(out[2], InputError) and "expected a JSON object, found str" in out[2].reason


def test_json_that_is_not_an_array(tmp_path):
    (tmp_path / "obj.json").write_text('{"text": "one"}', encoding="utf-8")
    (err,) = _read(tmp_path / "obj.json")
    assert "expected a JSON array of objects" in err.reason


def _warc(path, pages, gzip=True):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for uri, kind, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(record)


@pytest.mark.parametrize("gzip", [True, False])
def test_warc_html_responses_keep_their_record_id_and_uri(tmp_path, gzip):
    name = "crawl.warc.gz" if gzip else "crawl.warc"
    _warc(
        tmp_path / name,
        [
            ("https://news.example.com/a", "text/html; charset=utf-8", b"<html><body><p>Story A</p></body></html>"),
            ("https://news.example.com/logo.png", "image/png", b"\x89PNG...."),
            ("https://other.example.org/b", "text/html", b"<html><body><p>Story B</p></body></html>"),
        ],
        gzip=gzip,
    )
    docs = _read(tmp_path / name)
    assert [d.meta["url"] for d in docs] == ["https://news.example.com/a", "https://other.example.org/b"]
    assert all(d.format == "html" and d.id.startswith("urn:uuid:") for d in docs)
    assert docs[0].meta["warc_record_id"].strip("<>") == docs[0].id
    assert [d.group for d in docs] == ["news.example.com", "other.example.org"]
