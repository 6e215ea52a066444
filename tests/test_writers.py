import base64
import csv
import datetime as dt
import json
import math
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.errors import OptionsError
from dedup.writers import RecordWriter, check_format, plan_columns

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

UTC = dt.timezone.utc
ROWS = [
    {
        "id": "a", "title": "Été à Paris", "n": 1, "score": 0.5, "ok": True,
        "at": dt.datetime(2024, 1, 2, 3, 4, 5, 600_000), "day": dt.date(2024, 1, 2), "raw": b"\x00\xff",
        "price": Decimal("12.50"), "tags": ["x", "y"], "meta": {"k": "v", "n": 2}, "mixed": "text",
        "dedup_similarity": None,
    },
    {
        "id": "b", "title": None, "n": 2.25, "score": None, "ok": False,
        "at": dt.datetime(2024, 5, 6, 7, 8, 9), "day": None, "raw": None, "price": None,
        "tags": [], "meta": {}, "mixed": 3, "dedup_similarity": 0.875,
    },
    {"id": "c", "text": "line one\nline, \"two\"\tand a tab"},  # fields missing, a new one last
]  # fmt: skip
KINDS = {
    "id": "string", "title": "string", "n": "float", "score": "float", "ok": "bool", "at": "timestamp",
    "day": "date", "raw": "binary", "price": "string", "tags": "json", "meta": "json", "mixed": "json",
    "dedup_similarity": "float", "text": "string",
}  # fmt: skip


def _write(path, fmt, rows=ROWS, columns=None, **bounds):
    with RecordWriter(path, fmt, columns if columns is not None else plan_columns(rows), **bounds) as writer:
        for row in rows:
            writer.write(row)
    return path


# --- the plan ---------------------------------------------------------------------------


def test_plan_gives_every_column_in_first_seen_order_with_one_kind():
    columns = plan_columns(ROWS)
    assert [c.name for c in columns] == list(KINDS)
    assert {c.name: c.kind for c in columns} == KINDS


@pytest.mark.parametrize(
    "values, kind",
    [
        ([1, 2], "int"),
        ([1, 2.5], "float"),  # int and float agree
        ([None, None], "string"),  # nulls only
        ([None, 3], "int"),  # None decides nothing
        (["a", 1], "json"),
        ([True, 1], "json"),  # a bool is no number here
        ([dt.date(2024, 1, 1), dt.datetime(2024, 1, 1)], "json"),
        ([[1, 2], None], "json"),
        ([{"a": {"b": [1]}}], "json"),
        ([2**63], "json"),  # beyond 64 bits: exact as JSON text
        ([-(2**63), 2**63 - 1], "int"),
        ([Decimal("1.5"), "x"], "string"),  # a Decimal is written as its digits
        ([b"x", bytearray(b"y")], "binary"),
    ],
)
def test_plan_kinds(values, kind):
    (column,) = plan_columns({"v": v} for v in values)
    assert column.kind == kind


def test_a_timestamp_column_is_utc_when_some_value_has_a_time_zone():
    naive, aware = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert [c.utc for c in plan_columns([{"t": naive}, {"t": naive}])] == [False]
    assert [c.utc for c in plan_columns([{"t": naive}, {"t": aware}])] == [True]


# --- round trips ------------------------------------------------------------------------


def test_jsonl_round_trip(tmp_path):
    path = _write(tmp_path / "out.jsonl", "jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert all(list(r) == list(KINDS) for r in records)  # every column, in order
    first, second, third = records
    assert first == {
        "id": "a", "title": "Été à Paris", "n": 1, "score": 0.5, "ok": True, "at": "2024-01-02T03:04:05.600000",
        "day": "2024-01-02", "raw": base64.b64encode(b"\x00\xff").decode(), "price": "12.50", "tags": ["x", "y"],
        "meta": {"k": "v", "n": 2}, "mixed": "text", "dedup_similarity": None, "text": None,
    }  # fmt: skip
    assert second["n"] == 2.25 and second["mixed"] == 3 and second["title"] is None
    assert third["text"] == ROWS[2]["text"] and third["ok"] is None
    assert "Été" in lines[0]  # ensure_ascii=False


def test_parquet_round_trip(tmp_path):
    path = _write(tmp_path / "out.parquet", "parquet")
    table = pq.read_table(path)
    assert table.schema.names == list(KINDS)
    types = {f.name: f.type for f in table.schema}
    assert types["n"] == pa.float64() and types["ok"] == pa.bool_() and types["day"] == pa.date32()
    assert types["at"] == pa.timestamp("us") and types["raw"] == pa.binary()
    assert types["tags"] == types["meta"] == types["mixed"] == types["price"] == pa.string()
    first, second, third = table.to_pylist()
    assert first["n"] == 1.0 and first["score"] == 0.5 and first["ok"] is True
    assert first["at"] == ROWS[0]["at"] and first["day"] == ROWS[0]["day"] and first["raw"] == b"\x00\xff"
    assert first["price"] == "12.50" and first["title"] == "Été à Paris"
    # json columns hold the JSON text of every value, strings included
    assert [json.loads(r["mixed"]) for r in (first, second)] == ["text", 3]
    assert json.loads(first["meta"]) == {"k": "v", "n": 2} and json.loads(second["tags"]) == []
    assert second["dedup_similarity"] == 0.875 and first["dedup_similarity"] is None
    assert third["text"] == ROWS[2]["text"] and third["n"] is None and third["tags"] is None


def test_parquet_timestamps_with_time_zones_are_stored_in_utc(tmp_path):
    paris = dt.timezone(dt.timedelta(hours=2))
    rows = [{"t": dt.datetime(2024, 6, 1, 12, tzinfo=paris)}, {"t": dt.datetime(2024, 6, 1, 12)}]
    table = pq.read_table(_write(tmp_path / "t.parquet", "parquet", rows))
    assert table.schema.field("t").type == pa.timestamp("us", tz="UTC")
    assert [v.replace(tzinfo=None) for v in table.column("t").to_pylist()] == [
        dt.datetime(2024, 6, 1, 10), dt.datetime(2024, 6, 1, 12),  # a value without zone is taken as UTC
    ]  # fmt: skip


@pytest.mark.parametrize("fmt, dialect", [("csv", "excel"), ("tsv", "excel-tab")])
def test_csv_and_tsv_round_trip(tmp_path, fmt, dialect):
    path = _write(tmp_path / f"out.{fmt}", fmt)
    with open(path, encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f, dialect=dialect))
    assert len(records) == 3 and list(records[0]) == list(KINDS)
    first, second, third = records
    assert first == {
        "id": "a", "title": "Été à Paris", "n": "1", "score": "0.5", "ok": "true", "at": "2024-01-02T03:04:05.600000",
        "day": "2024-01-02", "raw": base64.b64encode(b"\x00\xff").decode(), "price": "12.50", "tags": '["x", "y"]',
        "meta": '{"k": "v", "n": 2}', "mixed": "text", "dedup_similarity": "", "text": "",
    }  # fmt: skip
    assert second["ok"] == "false" and second["title"] == "" and second["mixed"] == "3"
    assert third["text"] == ROWS[2]["text"]  # quoted: line breaks, quotes and tabs survive


def test_non_finite_floats(tmp_path):
    rows = [{"x": math.nan, "y": [math.inf]}]
    assert json.loads(_write(tmp_path / "o.jsonl", "jsonl", rows).read_text()) == {"x": None, "y": [None]}
    table = pq.read_table(_write(tmp_path / "o.parquet", "parquet", rows))
    assert math.isnan(table.column("x")[0].as_py()) and table.column("y")[0].as_py() == "[null]"


def test_lone_surrogates_stay_escaped_in_jsonl_and_become_replacement_characters_elsewhere(tmp_path):
    rows = [{"t": "a\udcffb", "m": {"k": "\ud800"}}]
    line = _write(tmp_path / "o.jsonl", "jsonl", rows).read_bytes()
    assert json.loads(line) == rows[0]  # lossless: \u escapes
    table = pq.read_table(_write(tmp_path / "o.parquet", "parquet", rows))
    assert table.to_pylist() == [{"t": "a\ufffdb", "m": '{"k": "\ufffd"}'}]
    text = _write(tmp_path / "o.csv", "csv", rows).read_text(encoding="utf-8")
    assert "a\ufffdb" in text


def test_empty_outputs_are_valid(tmp_path):
    columns = plan_columns([{"id": "a", "n": 1}])
    assert pq.read_table(_write(tmp_path / "e.parquet", "parquet", [], columns)).schema.names == ["id", "n"]
    assert _write(tmp_path / "e.csv", "csv", [], columns).read_text() == "id,n\n"
    assert _write(tmp_path / "e.jsonl", "jsonl", [], columns).read_text() == ""


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(json_values, min_size=1, max_size=6))
def test_json_values_survive_jsonl_and_parquet(values):
    rows = [{"v": v} for v in values]
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = _write(Path(tmp) / "o.jsonl", "jsonl", rows)
        assert [json.loads(line)["v"] for line in jsonl.read_text(encoding="utf-8").split("\n")[:-1]] == values
        back = pq.read_table(_write(Path(tmp) / "o.parquet", "parquet", rows)).column("v").to_pylist()
    if plan_columns(rows)[0].kind == "json":
        back = [None if b is None else json.loads(b) for b in back]
    assert back == values


# --- row groups -------------------------------------------------------------------------


def _groups(path):
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(k).num_rows for k in range(meta.num_row_groups)]


def test_row_groups_are_bounded_by_rows(tmp_path):
    rows = [{"id": str(k), "text": "x"} for k in range(10)]
    path = _write(tmp_path / "o.parquet", "parquet", rows, rows_per_group=3)
    assert _groups(path) == [3, 3, 3, 1]
    assert pq.read_table(path).column("id").to_pylist() == [str(k) for k in range(10)]


def test_row_groups_are_bounded_by_bytes_of_text(tmp_path):
    rows = [{"id": str(k), "text": "é" * 500} for k in range(10)]  # 1,000 bytes of UTF-8 each
    path = _write(tmp_path / "o.parquet", "parquet", rows, bytes_per_group=2_500)
    assert _groups(path) == [3, 3, 3, 1]
    huge = [{"text": "x" * 10_000}, {"text": "y"}, {"text": "z"}]  # bigger than the bound: a group alone
    assert _groups(_write(tmp_path / "h.parquet", "parquet", huge, bytes_per_group=5_000)) == [1, 2]


# --- determinism ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv", "tsv"])
def test_same_rows_give_the_same_bytes(tmp_path, fmt):
    one = _write(tmp_path / f"one.{fmt}", fmt, rows_per_group=2).read_bytes()
    two = _write(tmp_path / f"two.{fmt}", fmt, rows_per_group=2).read_bytes()
    assert one == two and one


def test_parquet_uses_zstd_and_holds_no_varying_metadata(tmp_path):
    meta = pq.ParquetFile(_write(tmp_path / "o.parquet", "parquet")).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert set(meta.metadata or {}) <= {b"ARROW:schema"}


# --- what does not fit ------------------------------------------------------------------


def test_a_field_that_is_no_column_is_refused(tmp_path):
    columns = plan_columns([{"id": "a"}])
    with RecordWriter(tmp_path / "o.jsonl", "jsonl", columns) as writer:
        writer.write({"id": "a"})
        with pytest.raises(ValueError, match=r"row 2 has fields \['extra'\] that are not columns"):
            writer.write({"id": "b", "extra": 1})


def test_a_value_that_does_not_fit_its_column(tmp_path):
    columns = plan_columns([{"n": 1, "s": "a"}])
    with RecordWriter(tmp_path / "o.parquet", "parquet", columns) as writer:
        writer.write({"n": 2, "s": 5})  # a string column takes anything, as text
        with pytest.raises(ValueError, match="column 'n' holds int values, but a row has 'x' \\(str\\)"):
            writer.write({"n": "x"})
    assert pq.read_table(tmp_path / "o.parquet").to_pylist() == [{"n": 2, "s": "5"}]


def test_formats_and_bounds_are_checked(tmp_path):
    with pytest.raises(OptionsError, match="'xml' is not one of jsonl, parquet, csv, tsv"):
        RecordWriter(tmp_path / "o.xml", "xml", [])
    with pytest.raises(OptionsError, match="at least 1 row"):
        RecordWriter(tmp_path / "o.parquet", "parquet", [], rows_per_group=0)
    assert not list(tmp_path.iterdir())


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(OptionsError, match=r"writing Parquet needs pyarrow: pip install 'dedup\[parquet\]'"):
        check_format("parquet")
    with pytest.raises(OptionsError, match="needs pyarrow"):
        RecordWriter(tmp_path / "o.parquet", "parquet", plan_columns(ROWS))
    check_format("jsonl")
    assert not (tmp_path / "o.parquet").exists()
