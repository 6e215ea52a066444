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
    assert docs[2].text == "line one\nline two" and docs[2].group == "www.example.com"
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
    assert decode("\ufeffBOM".encode("utf-8"), "f") == "BOM"
    assert decode("héllo".encode("utf-16"), "f") == "héllo"
    assert decode(b"a\r\nb\rc", "f") == "a\nb\nc"
    with pytest.raises(InputError, match=r"f: not valid UTF-8 \(byte 0xe9 at offset 1\)"):
        decode("héllo".encode("latin-1"), "f")
    with pytest.raises(InputError, match="binary file"):
        decode(b"\x00\x01PK", "f")
    page = '<html><head><meta charset="iso-8859-1"></head><body>café</body></html>'.encode("latin-1")
    assert "café" in decode(page, "f", html=True)


def test_bad_files_become_errors_and_reading_goes_on(tmp_path):
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "c_latin.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "d_good.txt").write_text("fine", encoding="utf-8")
    out = _read(tmp_path)
    assert [(type(x).__name__, getattr(x, "reason", None)) for x in out] == [
        ("InputError", "empty file"),
        ("InputError", "file has only white space"),
        ("InputError", "not valid UTF-8 (byte 0xe9 at offset 3); convert it to UTF-8"),
        ("Document", None),
    ]


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
