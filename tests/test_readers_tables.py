"""Tables as input: Parquet (through pyarrow) and CSV/TSV files, and the fields every
record carries."""

import csv
import gzip
import io
import json
import sys

import pytest

from dedup import readers
from dedup.documents import Document
from dedup.errors import InputError

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[test]')")
pq = pytest.importorskip("pyarrow.parquet")


def _read(*paths, **kw):
    return list(readers.iter_documents([str(p) for p in paths], **kw))


def _split(out):
    return [d for d in out if isinstance(d, Document)], [e for e in out if isinstance(e, InputError)]


def _rows(n, start=0):
    return [
        {"id": f"d{k}", "text": f"document {k} says something", "url": f"https://www.site{k % 2}.org/{k}", "n": k}
        for k in range(start, start + n)
    ]


def _parquet(path, rows, row_group_size=None, **kw):
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size, **kw)
    return path


# Parquet


def test_parquet_rows_become_documents_with_ids_lines_groups_and_fields(tmp_path):
    rows = _rows(7)
    rows[2]["id"] = None  # null id: FILE:ROW
    rows[5]["id"] = None
    _parquet(tmp_path / "shard.parquet", rows, row_group_size=3)
    assert pq.ParquetFile(tmp_path / "shard.parquet").metadata.num_row_groups == 3
    docs = _read(tmp_path / "shard.parquet")
    assert [d.id for d in docs] == ["d0", "d1", "shard.parquet:3", "d3", "d4", "shard.parquet:6", "d6"]
    assert [d.line for d in docs] == [1, 2, 3, 4, 5, 6, 7]
    assert docs[4].text == "document 4 says something"
    assert docs[4].source == str(tmp_path / "shard.parquet")
    assert docs[4].record and docs[4].format == "text" and docs[4].position(3) == 5
    assert docs[4].meta == {"url": "https://www.site0.org/4"} and docs[4].group == "site0.org"
    assert docs[4].fields == {"id": "d4", "url": "https://www.site0.org/4", "n": 4}
    assert list(docs[4].fields) == ["id", "url", "n"]  # the record's order


def test_parquet_ids_may_be_integers_and_fields_keep_arrow_values_as_python_objects(tmp_path):
    import datetime

    table = pa.table(
        {
            "when": pa.array([datetime.date(2024, 5, 1), None], pa.date32()),
            "doc_id": pa.array([7, None], pa.int64()),
            "body": ["first body", "second body"],
            "tags": [["a", "b"], []],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    docs = _read(tmp_path / "t.parquet", text_field="body", id_field="doc_id")
    assert [d.id for d in docs] == ["7", "t.parquet:2"]
    assert docs[0].fields == {"when": datetime.date(2024, 5, 1), "doc_id": 7, "tags": ["a", "b"]}
    assert docs[1].fields == {"when": None, "doc_id": None, "tags": []}
    assert docs[0].group == tmp_path.name  # no url column: the folder's name


def test_parquet_row_errors_null_and_empty_text(tmp_path):
    rows = _rows(5)
    rows[1]["text"] = None
    rows[3]["text"] = "  \n "
    _parquet(tmp_path / "p.parquet", rows, row_group_size=2)
    docs, errors = _split(_read(tmp_path / "p.parquet"))
    assert [d.line for d in docs] == [1, 3, 5]
    assert [(e.line, e.reason) for e in errors] == [(2, "field 'text' is null"), (4, "field 'text' is empty")]
    assert [e.doc_id for e in errors] == ["d1", "d3"]  # the ids the documents would have had
    assert str(errors[0]) == f"{tmp_path / 'p.parquet'}:2: field 'text' is null"


def test_parquet_without_the_text_column_is_one_error_listing_the_columns(tmp_path):
    _parquet(tmp_path / "a.parquet", [{"id": "x", "body": "words", "lang": "en"}] * 4)
    _parquet(tmp_path / "b.parquet", _rows(2))
    out = _read(tmp_path)
    docs, errors = _split(out)
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'a.parquet'}: no 'text' column (columns: id, body, lang); choose one with --text-field"
    ]
    assert [d.id for d in docs] == ["d0", "d1"]  # the next file is read


def test_parquet_text_column_must_hold_strings(tmp_path):
    pq.write_table(pa.table({"text": pa.array([1, 2], pa.int64())}), tmp_path / "ints.parquet")
    pq.write_table(pa.table({"text": pa.array([b"raw"], pa.binary())}), tmp_path / "bytes.parquet")
    pq.write_table(pa.table({"text": pa.array(["a", "b", "a"]).dictionary_encode()}), tmp_path / "dict.parquet")
    pq.write_table(pa.table({"text": pa.array(["long"], pa.large_string())}), tmp_path / "large.parquet")
    out = _read(tmp_path)
    assert [d.text for d in out if isinstance(d, Document)] == ["a", "b", "a", "long"]
    assert sorted(e.reason for e in out if isinstance(e, InputError)) == [
        "column 'text' is binary, not a string type; choose the text column with --text-field",
        "column 'text' is int64, not a string type; choose the text column with --text-field",
    ]


def test_not_a_parquet_file_garbage_truncated_or_empty(tmp_path):
    (tmp_path / "a_garbage.parquet").write_bytes(b"id,text\n1,this is a CSV file in disguise\n" * 20)
    whole = _parquet(tmp_path / "full.parquet", _rows(50), row_group_size=10).read_bytes()
    (tmp_path / "b_truncated.parquet").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "c_empty.parquet").write_bytes(b"")
    (tmp_path / "d_fine.parquet").write_bytes(whole)
    (tmp_path / "full.parquet").unlink()
    out = _read(tmp_path)
    errors = [e for e in out if isinstance(e, InputError)]
    assert [e.path for e in errors] == [str(tmp_path / f"{n}.parquet") for n in ("a_garbage", "b_truncated", "c_empty")]
    assert all(e.reason.startswith("not a Parquet file (") and e.line is None for e in errors)
    assert all("\n" not in str(e) for e in errors)
    assert len([d for d in out if isinstance(d, Document)]) == 50


def _damage(path, group, column="text"):
    """Overwrite bytes in the middle of the page data of one column chunk (found through
    the footer's offsets); returns the row group's first row and row count."""
    meta = pq.ParquetFile(path).metadata
    chunk = next(
        meta.row_group(group).column(c)
        for c in range(meta.num_columns)
        if meta.row_group(group).column(c).path_in_schema == column
    )
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    middle = start + chunk.total_compressed_size // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    first = 1 + sum(meta.row_group(g).num_rows for g in range(group))
    return first, meta.row_group(group).num_rows


@pytest.mark.parametrize(
    ("compression", "use_dictionary", "problem"),
    [("snappy", True, "Corrupt snappy compressed data"), ("none", False, "PLAIN-encoded BYTE_ARRAY")],
)
def test_a_damaged_row_group_is_one_error_per_row_and_reading_goes_on(tmp_path, compression, use_dictionary, problem):
    rows = [{"id": f"r{k}", "text": f"row {k} " + "lorem ipsum dolor " * 8} for k in range(120)]
    path = _parquet(tmp_path / "d.parquet", rows, 40, compression=compression, use_dictionary=use_dictionary)
    first, count = _damage(path, 1)
    with pytest.raises(Exception, match=problem):  # what pyarrow itself says of it
        pq.ParquetFile(path).read_row_group(1)
    out = _read(path, tmp_path / "d.parquet")  # the file twice: reading goes on after it
    docs, errors = _split(out[: len(out) // 2])
    assert (first, count) == (41, 40)
    assert [e.line for e in errors] == list(range(41, 81))
    assert [d.line for d in docs] == list(range(1, 41)) + list(range(81, 121))
    assert errors[0].reason.startswith("row group 2 of 3 cannot be read (") and problem in errors[0].reason
    assert errors[0].reason.endswith("); its rows are lost") and "\n" not in errors[0].reason
    assert len(out) == 240


def test_reading_parquet_needs_pyarrow(tmp_path, monkeypatch):
    _parquet(tmp_path / "a.parquet", _rows(3))
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": "still read"}) + "\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = _read(tmp_path)
    assert str(out[0]) == f"{tmp_path / 'a.parquet'}: reading .parquet needs pyarrow: pip install 'dedup[parquet]'"
    assert [d.text for d in out[1:]] == ["still read"]


def test_compressed_parquet_and_parquet_under_another_name(tmp_path):
    data = _parquet(tmp_path / "x.parquet", _rows(2)).read_bytes()
    (tmp_path / "x.parquet").unlink()
    (tmp_path / "x.parquet.gz").write_bytes(gzip.compress(data))
    (tmp_path / "part-0001").write_bytes(data)
    out = _read(tmp_path / "x.parquet.gz", tmp_path / "part-0001")
    assert [e.reason for e in out] == [
        "a compressed Parquet file: Parquet compresses its own data; decompress the file",
        "a Parquet file (name it *.parquet to read its rows), not text",
    ]


class _CountingFile(io.FileIO):
    """A file that records the byte ranges read from it."""

    reads: list[tuple[int, int]] = []

    def readinto(self, buffer):
        start = self.tell()
        count = super().readinto(buffer)
        _CountingFile.reads.append((start, count or 0))
        return count

    def read(self, size=-1):
        start = self.tell()
        data = super().read(size)
        _CountingFile.reads.append((start, len(data)))
        return data


def test_parquet_is_streamed_row_group_by_row_group(tmp_path, monkeypatch):
    # 40 row groups of 50 documents of 2 KB, written uncompressed: 4 MB of text. After
    # the first document, only the footer and the first row group may have been read.
    rows = [{"id": f"d{k}", "text": f"doc {k} " + "streamed words here " * 100} for k in range(2000)]
    path = _parquet(tmp_path / "big.parquet", rows, 50, compression="none", use_dictionary=False)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 40
    first_group = meta.row_group(0)
    first_end = max(
        (c.dictionary_page_offset or c.data_page_offset) + c.total_compressed_size
        for c in (first_group.column(k) for k in range(meta.num_columns))
    )
    size = path.stat().st_size
    footer_start = size - 8 - meta.serialized_size
    _CountingFile.reads = []
    monkeypatch.setattr(readers, "open", lambda p, mode: io.BufferedReader(_CountingFile(p, mode)), raising=False)
    docs = readers.iter_documents([str(path)])
    first = next(docs)
    assert first.id == "d0"
    read = sum(count for _, count in _CountingFile.reads)
    assert read < size / 10, f"{read} bytes of {size} read for the first document"
    slack = 65536  # pyarrow reads the footer in one piece of up to 64 KiB
    assert all(
        start + count <= first_end + slack or start >= footer_start - slack for start, count in _CountingFile.reads
    )
    assert sum(1 for _ in docs) == 1999
    docs.close()


def test_a_folder_reads_parquet_csv_and_tsv_files(tmp_path):
    _parquet(tmp_path / "a.parquet", _rows(1))
    (tmp_path / "b.csv").write_text("id,text\nc1,from csv\n", encoding="utf-8")
    (tmp_path / "c.tsv").write_text("id\ttext\nt1\tfrom tsv\n", encoding="utf-8")
    assert [d.id for d in _read(tmp_path)] == ["d0", "c1", "t1"]


# CSV and TSV


def _csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_csv_records_with_quoted_line_breaks_line_numbers_and_string_fields(tmp_path):
    _csv(
        tmp_path / "r.csv",
        "id,text,url,score\r\n"
        'a,"first, with a comma",https://www.example.com/a,1\r\n'
        "\r\n"
        ',"second\r\nspans ""two"" lines",,\r\n'
        "c,third,,0.5\r\n",
    )
    docs = _read(tmp_path / "r.csv")
    assert [(d.id, d.line) for d in docs] == [("a", 2), ("r.csv:4", 4), ("c", 6)]
    assert docs[1].text == 'second\nspans "two" lines'
    assert docs[0].fields == {"id": "a", "url": "https://www.example.com/a", "score": "1"}
    assert docs[1].fields == {"id": "", "url": "", "score": ""}  # empty cells stay empty strings
    assert docs[0].group == "example.com" and docs[2].group == tmp_path.name
    assert all(d.record and d.source == str(tmp_path / "r.csv") for d in docs)


def test_csv_with_a_byte_order_mark_compressed_and_tsv(tmp_path):
    _csv(tmp_path / "bom.csv", "\ufeffid,text\nx,with a BOM\n")
    (tmp_path / "z.csv.gz").write_bytes(gzip.compress(b"text,id\nzipped,z\n"))
    _csv(tmp_path / "t.tsv", 'id\ttext\tnote\n1\ta "quoted" word, and a comma\t\n2\t"tab\tinside"\tn\n')
    docs = _read(tmp_path)
    assert [(d.id, d.text) for d in docs] == [
        ("x", "with a BOM"),
        ("1", 'a "quoted" word, and a comma'),
        ("2", "tab\tinside"),
        ("z", "zipped"),
    ]
    assert docs[0].fields == {"id": "x"} and docs[2].fields == {"id": "2", "note": "n"}


def test_csv_row_errors_and_reading_goes_on(tmp_path):
    _csv(
        tmp_path / "bad.csv",
        "id,text,lang\n"
        "1,good one,en\n"
        "2,too,many,cells\n"
        "3,,en\n"
        '4,"closed"then more,en\n'
        "5,short\n"
        "6,good two,fr\n"
        '7,"never closed,en\n'
        "8,swallowed,en\n",
    )
    docs, errors = _split(_read(tmp_path / "bad.csv"))
    assert [(d.id, d.line) for d in docs] == [("1", 2), ("6", 7)]
    assert [(e.line, e.reason) for e in errors] == [
        (3, "4 cells, but the header has 3 columns"),
        (4, "field 'text' is empty"),
        (5, "not valid CSV (',' expected after '\"'); the record is skipped"),
        (6, "2 cells, but the header has 3 columns"),
        (8, "a quoted field is never closed (lines 8-9 are lost)"),
    ]


def test_csv_file_errors(tmp_path):
    _csv(tmp_path / "a.csv", "id,body\n1,words\n")
    _csv(tmp_path / "b.csv", "")
    _csv(tmp_path / "c.csv", "\n\n")
    _csv(tmp_path / "d.csv", "id,text,id\n1,x,2\n")
    _csv(tmp_path / "e.csv", "text\nstill read\n")
    out = _read(tmp_path)
    assert [str(e) for e in out if isinstance(e, InputError)] == [
        f"{tmp_path / 'a.csv'}: no 'text' column (columns: id, body); choose one with --text-field",
        f"{tmp_path / 'b.csv'}: empty file (no header row naming the columns)",
        f"{tmp_path / 'c.csv'}: empty file (no header row naming the columns)",
        f"{tmp_path / 'd.csv'}: two columns are named 'id'; give each column its own name",
    ]
    assert [d.text for d in out if isinstance(d, Document)] == ["still read"]


def test_csv_that_is_not_utf8(tmp_path):
    _csv(tmp_path / "a.csv", "id,text\n1,caf\xe9 cr\xe8me\n2,fine\n", encoding="latin-1")
    _csv(tmp_path / "b.csv", "id,text\n1,x\n", encoding="utf-16")
    out = _read(tmp_path)
    assert [str(e) for e in out if isinstance(e, InputError)] == [
        f"{tmp_path / 'a.csv'}:2: not valid UTF-8 (byte 0xe9 on line 2)",
        f"{tmp_path / 'b.csv'}:1: cannot read the header row: the file is UTF-16; save it as UTF-8",
    ]
    assert [d.id for d in out if isinstance(d, Document)] == ["2"]


def test_csv_fields_may_be_longer_than_the_csv_modules_default_limit(tmp_path):
    long_text = "word " * 100_000  # 500 KB, over the csv module's 128 KiB default
    with open(tmp_path / "long.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id", "text"], ["L", long_text]])
    (doc,) = _read(tmp_path / "long.csv")
    assert doc.text == long_text


# Fields of every kind of record


def test_every_record_format_carries_its_other_fields(tmp_path):
    record = {"id": "r1", "lang": "en", "text": "the same record everywhere", "url": "https://example.com/r1"}
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([record]), encoding="utf-8")
    _parquet(tmp_path / "c.parquet", [record])
    _csv(tmp_path / "d.csv", "id,lang,text,url\nr1,en,the same record everywhere,https://example.com/r1\n")
    docs = _read(tmp_path)
    assert len(docs) == 4
    assert all(d.fields == {"id": "r1", "lang": "en", "url": "https://example.com/r1"} for d in docs)
    assert all(list(d.fields) == ["id", "lang", "url"] for d in docs)
    assert {(d.id, d.text, d.group) for d in docs} == {("r1", "the same record everywhere", "example.com")}


def test_whole_files_have_no_fields_and_json_values_stay_as_read(tmp_path):
    (tmp_path / "a.txt").write_text("plain text", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"text": "t", "meta": {"score": 0.5, "tags": ["x"]}, "n": None}) + "\n"
        + json.dumps({"text": None}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = _read(tmp_path)
    assert out[0].fields == {}
    assert out[1].fields == {"meta": {"score": 0.5, "tags": ["x"]}, "n": None}
    assert out[2].reason == "field 'text' is null" and out[2].line == 2 and out[2].doc_id == "b.jsonl:2"


def test_a_parquet_value_python_cannot_hold_is_an_error_for_its_row(tmp_path):
    seconds = pa.array([0, 300_000_000_000, 86_400], pa.timestamp("s"))  # the second is in the year 11476
    pq.write_table(pa.table({"when": seconds, "text": ["a", "b", "c"]}), tmp_path / "dates.parquet")
    out = _read(tmp_path / "dates.parquet")
    assert [d.text for d in out if isinstance(d, Document)] == ["a", "c"]
    assert [(e.line, e.reason) for e in out if isinstance(e, InputError)] == [
        (2, "a value cannot be read into Python (date value out of range)")
    ]
