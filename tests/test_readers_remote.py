"""Remote inputs through fsspec: a real S3 server (moto's, see conftest.py) and a real
HTTP server on 127.0.0.1; nothing of the clients is mocked."""

import gzip
import http.server
import json
import threading
from pathlib import Path

import pytest

from dedup.documents import Document
from dedup.errors import InputError, PathError
from dedup.readers import iter_documents, list_files

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[test]')")
pq = pytest.importorskip("pyarrow.parquet")
fsspec = pytest.importorskip("fsspec")


def _read(*paths, **kw):
    return list(iter_documents([str(p) for p in paths], **kw))


def _upload(local: Path, url: str) -> None:
    """Every file under ``local`` to the prefix ``url``, by relative path."""
    fs = fsspec.filesystem("s3")
    for path in sorted(local.rglob("*")):
        if path.is_file():
            fs.pipe(f"{url.removeprefix('s3://')}/{path.relative_to(local).as_posix()}", path.read_bytes())
    fs.invalidate_cache()


@pytest.fixture
def fresh_s3():
    """No S3 file system reused from before the test, or left behind by it: fsspec caches
    instances, and one made with the test's settings would serve the next test."""
    s3fs = pytest.importorskip("s3fs")
    s3fs.S3FileSystem.clear_instance_cache()
    yield s3fs
    s3fs.S3FileSystem.clear_instance_cache()


def _corpus(root: Path) -> Path:
    """Parquet shards, gzipped JSONL, a text file, and what a folder walk skips."""
    (root / "shards").mkdir(parents=True)
    rows = [
        {"id": f"p{k}", "text": f"parquet document {k}", "url": f"https://www.news{k % 3}.com/{k}"} for k in range(9)
    ]
    pq.write_table(pa.Table.from_pylist(rows[:6]), root / "shards" / "part-0.parquet", row_group_size=2)
    pq.write_table(pa.Table.from_pylist(rows[6:]), root / "shards" / "part-1.parquet", row_group_size=2)
    records = [{"id": "j1", "text": "jsonl one", "lang": "en"}, {"text": "jsonl two, no id"}]
    (root / "news.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    (root / "notes.txt").write_text("a plain text file", encoding="utf-8")
    (root / "plain.jsonl").write_text(
        "".join(json.dumps({"id": f"l{k}", "text": f"line {k}"}) + "\n" for k in range(3))
    )
    (root / "table.csv").write_text('id,text,lang\nc1,"a cell\nof two lines",en\nc2,second,\n', encoding="utf-8")
    (root / "readme.log").write_text("not read in a folder", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.txt").write_text("hidden", encoding="utf-8")
    (root / "run").mkdir()
    (root / "run" / ".dedup-run").write_text("", encoding="utf-8")
    (root / "run" / "manifest.jsonl").write_text('{"text": "a manifest, not a document"}\n', encoding="utf-8")
    (root / "run" / "kept.txt").write_text("kept by a run", encoding="utf-8")
    return root


def _view(docs):
    return [(d.id, d.text, d.line, d.group, dict(d.fields), dict(d.meta)) for d in docs]


# S3


def test_an_s3_folder_reads_as_the_same_folder_on_disk(tmp_path, s3_bucket):
    local = _corpus(tmp_path / "corpus")
    _upload(local, f"{s3_bucket}/data/corpus")
    here = _read(local)
    assert all(isinstance(d, Document) for d in here) and len(here) == 18
    for url in (f"{s3_bucket}/data/corpus/", f"{s3_bucket}/data/corpus"):
        there = _read(url)
        assert _view(there) == _view(here)
        assert there[0].source == f"{s3_bucket}/data/corpus/news.jsonl.gz"
        assert there[-3].source == f"{s3_bucket}/data/corpus/shards/part-1.parquet"
    assert [d.id for d in here][:10] == [
        "j1",
        "news.jsonl.gz:2",
        "notes.txt",
        "l0",
        "l1",
        "l2",
        "run/kept.txt",
        "p0",
        "p1",
        "p2",
    ]
    assert [(d.id, d.line, d.fields) for d in here][-2:] == [
        ("c1", 2, {"id": "c1", "lang": "en"}),
        ("c2", 4, {"id": "c2", "lang": ""}),
    ]


def test_s3_and_local_arguments_are_named_apart_and_a_file_argument_is_read_as_text(tmp_path, s3_bucket):
    local = _corpus(tmp_path / "corpus")
    _upload(local, f"{s3_bucket}/corpus")
    docs = _read(local, f"{s3_bucket}/corpus/", f"{s3_bucket}/corpus/readme.log")
    bucket = s3_bucket.removeprefix("s3://")
    notes = [d for d in docs if d.text == "a plain text file"]
    assert [(d.id, d.group) for d in notes] == [
        (f"{tmp_path.name}/corpus/notes.txt", f"{tmp_path.name}/corpus"),
        (f"{bucket}/corpus/notes.txt", f"{bucket}/corpus"),
    ]
    assert docs[-1].id == "readme.log" and docs[-1].text == "not read in a folder"
    assert docs[-1].source == f"{s3_bucket}/corpus/readme.log" and docs[-1].group == "corpus"
    (alone,) = _read(f"{s3_bucket}/corpus/readme.log")
    assert (alone.id, alone.group) == ("readme.log", "corpus")


def test_a_missing_s3_path_is_a_usage_error_before_anything_is_read(tmp_path, s3_bucket):
    _upload(_corpus(tmp_path / "corpus"), f"{s3_bucket}/corpus")
    for missing in (f"{s3_bucket}/corpus/nope.jsonl", f"{s3_bucket}/nope/", "s3://no-such-bucket-here/x.txt"):
        with pytest.raises(PathError, match=f"^{missing}: no such file or folder$"):
            next(list_files([str(tmp_path / "corpus"), missing]))


def test_parquet_on_s3_fetches_the_footer_and_the_row_groups_read(tmp_path, s3_bucket, monkeypatch):
    s3fs = pytest.importorskip("s3fs")
    rows = [{"id": f"d{k}", "text": f"doc {k} " + "remote words " * 100} for k in range(2000)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "big.parquet", row_group_size=50, compression="none")
    size = (tmp_path / "big.parquet").stat().st_size
    _upload(tmp_path, f"{s3_bucket}/t")
    fetched = []
    fetch = s3fs.core.S3File._fetch_range

    def counted(self, start, end):
        fetched.append(end - start)
        return fetch(self, start, end)

    monkeypatch.setattr(s3fs.core.S3File, "_fetch_range", counted)
    docs = iter_documents([f"{s3_bucket}/t/big.parquet"])
    assert next(docs).id == "d0"
    assert sum(fetched) < size / 10, f"{sum(fetched)} bytes of {size} fetched for the first document"
    docs.close()


def test_an_unreachable_store_is_an_error_for_that_input_and_the_others_are_read(
    tmp_path, s3_server, fresh_s3, monkeypatch
):
    (tmp_path / "here.txt").write_text("local text", encoding="utf-8")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's retries and s3fs's: one attempt each
    monkeypatch.setattr(fresh_s3.S3FileSystem, "retries", 1)
    out = _read("s3://bucket/corpus/", tmp_path / "here.txt")
    assert isinstance(out[0], InputError) and out[0].path == "s3://bucket/corpus/"
    assert out[0].reason.startswith("cannot reach the store (Could not connect to the endpoint URL")
    assert "\n" not in str(out[0])
    assert [d.text for d in out[1:]] == ["local text"]


def test_missing_credentials_are_an_error_for_that_input(tmp_path, s3_bucket, fresh_s3, monkeypatch):
    _upload(_corpus(tmp_path / "corpus"), f"{s3_bucket}/corpus")
    fresh_s3.S3FileSystem.clear_instance_cache()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out = _read(f"{s3_bucket}/corpus/notes.txt", tmp_path / "corpus" / "notes.txt")
    assert str(out[0]) == (
        f"{s3_bucket}/corpus/notes.txt: no usable credentials (Unable to locate credentials); "
        "set them as the store's tools expect (AWS_* variables for S3)"
    )
    assert [d.text for d in out[1:]] == ["a plain text file"]


def test_cli_scan_of_an_s3_prefix_finds_the_clusters_of_the_local_copy(tmp_path, s3_bucket):
    from click.testing import CliRunner

    from dedup.cli import main

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    copies = [t.replace("Ukraine", "Ukraina", 1) for t in texts[:2]]  # near-duplicates
    local = tmp_path / "prefix"
    (local / "shards").mkdir(parents=True)
    rows = [{"id": f"a{k}", "text": t} for k, t in enumerate(texts)]
    pq.write_table(pa.Table.from_pylist(rows), local / "shards" / "a.parquet", row_group_size=2)
    lines = "".join(json.dumps({"id": f"b{k}", "text": t}) + "\n" for k, t in enumerate(copies))
    (local / "b.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    _upload(local, f"{s3_bucket}/prefix")
    runner = CliRunner()
    reports = []
    for target in (str(local), f"{s3_bucket}/prefix/"):
        result = runner.invoke(main, ["scan", target, "--format", "json"])
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout))
    here, there = reports
    assert here["summary"]["documents"] == 7 and here["summary"]["doc_clusters"] >= 1
    for key in ("summary", "doc_clusters", "paragraph_clusters"):
        assert there[key] == here[key]


# HTTP


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; anything with "private" in its path is forbidden (403)."""

    def log_message(self, *args):
        pass

    def send_head(self):
        if "private" in self.path:
            self.send_error(403)
            return None
        return super().send_head()


@pytest.fixture
def web(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``tmp_path/www``; yields (folder, base URL)."""
    pytest.importorskip("aiohttp", reason="aiohttp is not installed (pip install -e '.[test]')")
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *args, **kw: _Handler(*args, directory=str(root), **kw)
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_files_and_a_folder_listing_over_http(web):
    root, base = web
    (root / "site" / "deep").mkdir(parents=True)
    (root / "site" / "a.jsonl").write_text(json.dumps({"id": "w1", "text": "from the web"}) + "\n", encoding="utf-8")
    (root / "site" / "deep" / "b.txt").write_text("deeper text", encoding="utf-8")
    (root / "site" / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (doc,) = _read(f"{base}/site/a.jsonl")
    assert (doc.id, doc.text, doc.source, doc.group) == ("w1", "from the web", f"{base}/site/a.jsonl", "site")
    docs = _read(f"{base}/site/")
    assert [(d.id, d.group, d.source) for d in docs] == [
        ("w1", "site", f"{base}/site/a.jsonl"),
        ("deep/b.txt", "site/deep", f"{base}/site/deep/b.txt"),
    ]


def test_http_forbidden_unreachable_and_missing(web, tmp_path):
    root, base = web
    (root / "private.jsonl").write_text(json.dumps({"text": "secret"}) + "\n", encoding="utf-8")
    (root / "open.txt").write_text("open text", encoding="utf-8")
    out = _read(f"{base}/private.jsonl", "http://127.0.0.1:9/x.txt", f"{base}/open.txt")
    assert str(out[0]) == f"{base}/private.jsonl: permission denied (HTTP 403 Forbidden)"
    assert out[1].path == "http://127.0.0.1:9/x.txt" and out[1].reason.startswith("cannot reach the store (")
    assert [d.text for d in out[2:]] == ["open text"]
    with pytest.raises(PathError, match="missing.txt: no such file or folder"):
        _read(f"{base}/open.txt", f"{base}/missing.txt")
