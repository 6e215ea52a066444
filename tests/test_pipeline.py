"""End to end as a data pipeline runs it: Parquet shards on S3 in, Parquet and a manifest
on S3 out, one document per cluster chosen by a date column (the real S3-compatible
server of ``conftest.s3_server``, the real CLI)."""

import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from test_keep import _article

from dedup.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _shards():
    """Two shards; stories 0 and 1 appear three times each (dates differ), story 2 once;
    one row has no text, one has no date."""
    base = [_article(40 + k) for k in range(3)]
    rows = [
        ("s0-a", base[0], dt.date(2024, 1, 5), "https://news.example/a"),
        ("s1-a", base[1], dt.date(2024, 2, 1), "https://news.example/b"),
        ("s0-b", base[0] + " Updated with reactions.", dt.date(2024, 3, 9), "https://mirror.example/a"),
        ("bad", None, dt.date(2024, 1, 1), "https://news.example/c"),
        ("s1-b", base[1] + " Correction appended.", None, "https://mirror.example/b"),
        ("s2", base[2], dt.date(2023, 12, 31), "https://news.example/d"),
        ("s0-c", "Syndicated. " + base[0], dt.date(2024, 2, 2), "https://third.example/a"),
        ("s1-c", base[1], dt.date(2024, 1, 15), "https://third.example/b"),
    ]
    columns = ["doc_id", "text", "date", "url"]
    tables = []
    for part in (rows[:4], rows[4:]):
        data = {name: [r[k] for r in part] for k, name in enumerate(columns)}
        data["score"] = [len(r[0]) for r in part]
        data["tags"] = [[r[0][:2], "news"] for r in part]
        tables.append(pa.table(data, schema=pa.schema([
            ("doc_id", pa.string()), ("text", pa.string()), ("date", pa.date32()), ("url", pa.string()),
            ("score", pa.int32()), ("tags", pa.list_(pa.string())),
        ])))  # fmt: skip
    return tables


def test_parquet_shards_on_s3_through_run_keep_newest_to_s3(s3_bucket) -> None:
    import fsspec

    fs = fsspec.filesystem("s3")
    for k, table in enumerate(_shards()):
        buffer = io.BytesIO()
        pq.write_table(table, buffer, row_group_size=2)
        fs.pipe(f"{s3_bucket}/in/part-{k:05d}.parquet", buffer.getvalue())
    fs.invalidate_cache()
    args = ["run", f"{s3_bucket}/in/", "--format", "parquet", "--keep", "newest:date", "--id-field", "doc_id",
            "-o", f"{s3_bucket}/out/", "-q", "--jobs", "1", "--no-clean"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output  # written, one row failed
    assert "/in/part-00000.parquet:4: field 'text' is null" in result.output
    assert "s1-b" in result.output  # no date: ranked last, and said so
    fs.invalidate_cache()
    names = sorted(p.rsplit("/", 1)[1] for p in fs.find(f"{s3_bucket}/out/", withdirs=False))
    assert names == [".dedup-run", "documents.parquet", "manifest.jsonl", "summary.json"]
    table = pq.read_table(io.BytesIO(fs.cat(f"{s3_bucket}/out/documents.parquet")))
    # the input's columns with their types, then dedup's
    assert table.schema.names[:6] == ["text", "doc_id", "date", "url", "score", "tags"]
    for name in ("date", "score", "tags"):
        assert table.schema.field(name).type == _shards()[0].schema.field(name).type, name
    assert table.column("tags").to_pylist() == [["s1", "news"], ["s0", "news"], ["s2", "news"]]
    assert table.column_names[6:] == ["dedup_id", "dedup_source", "dedup_metadata"]
    # one per cluster, the newest: story 0's copy of March 9, story 1's of February 1, story 2
    assert table.column("doc_id").to_pylist() == ["s1-a", "s0-b", "s2"]
    manifest = [json.loads(line) for line in fs.cat(f"{s3_bucket}/out/manifest.jsonl").decode().splitlines()]
    assert [r["id"] for r in manifest] == ["s0-a", "s1-a", "s0-b", "bad", "s1-b", "s2", "s0-c", "s1-c"]
    status = {r["id"]: r for r in manifest}
    assert status["bad"]["status"] == "failed"
    assert {k for k, r in status.items() if r["status"] == "kept"} == {"s1-a", "s0-b", "s2"}
    assert status["s0-a"]["duplicate_of"] == status["s0-c"]["duplicate_of"] == "s0-b"
    assert status["s1-b"]["duplicate_of"] == status["s1-c"]["duplicate_of"] == "s1-a"
    # the input is untouched
    assert sorted(p.rsplit("/", 1)[1] for p in fs.find(f"{s3_bucket}/in/")) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]


def test_scan_and_clean_write_their_outputs_to_s3(s3_bucket, corpus_dir) -> None:
    import fsspec

    fs = fsspec.filesystem("s3")
    for path in sorted(corpus_dir.glob("*.txt")):
        fs.pipe(f"{s3_bucket}/in/{path.name}", path.read_bytes())
    fs.invalidate_cache()
    report = f"{s3_bucket}/reports/scan.json"
    result = CliRunner().invoke(main, ["scan", f"{s3_bucket}/in/", "--format", "json", "-o", report, "-q"])
    assert result.exit_code == 0, result.output
    local = CliRunner().invoke(main, ["scan", str(corpus_dir), "--format", "json", "-q"])
    fs.invalidate_cache()
    assert json.loads(fs.cat(report))["paragraph_clusters"] == json.loads(local.stdout)["paragraph_clusters"]
    # an output inside the input prefix is refused before anything is read
    refused = CliRunner().invoke(main, ["scan", f"{s3_bucket}/in/", "-o", f"{s3_bucket}/in/report.txt"])
    assert refused.exit_code == 2 and "inside the input folder" in refused.output
    cleaned = CliRunner().invoke(main, ["clean", f"{s3_bucket}/in/", "-o", f"{s3_bucket}/clean/", "-q"])
    assert cleaned.exit_code == 0, cleaned.output
    fs.invalidate_cache()
    names = sorted(p.rsplit("/", 1)[1] for p in fs.find(f"{s3_bucket}/clean/"))
    assert names == [".dedup-output", *sorted(p.name for p in corpus_dir.glob("*.txt"))]
