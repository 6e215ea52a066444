import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_keep import _article as _story

from dedup import ScanOptions
from dedup.cli import EXIT_PARTIAL, main
from dedup.errors import OutputError
from dedup.run import MANIFEST, SUMMARY, RunOptions, run_paths

BAD = Path(__file__).parent / "data" / "bad_inputs"
ONE_JOB = RunOptions(scan=ScanOptions(jobs=1))


def _manifest(out):
    return [json.loads(line) for line in (Path(out) / MANIFEST).read_text(encoding="utf-8").splitlines()]


def _tree(folder):
    """Relative path -> content hash of every file under ``folder``."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _counts_match(out):
    manifest = _manifest(out)
    summary = json.loads((Path(out) / SUMMARY).read_text(encoding="utf-8"))["summary"]
    statuses = [r["status"] for r in manifest]
    assert summary["inputs"] == len(manifest)
    for status in ("kept", "duplicate", "failed"):
        assert summary[status] == statuses.count(status)
    assert summary["paragraphs_removed"] == sum(len(r.get("paragraphs_removed", [])) for r in manifest)
    assert summary["boilerplate_spans_removed"] == sum(r.get("boilerplate_spans_removed", 0) for r in manifest)
    for r in manifest:  # each count says what it counts, and the two agree
        assert r.get("boilerplate_spans_removed", 0) == sum(r.get("boilerplate_spans_by_rule", {}).values()), r
    # what a duplicate or a removed paragraph repeats is in the output (or in an index), or
    # was itself dropped as a duplicate, which its own line explains
    written = {r["id"] for r in manifest if r["status"] == "kept"}
    by_id = {r["id"]: r for r in manifest if r["status"] != "failed"}
    for r in manifest:
        if r["status"] == "duplicate" and not r.get("in_index"):
            of = by_id[r["duplicate_of"]]
            assert of["status"] == "kept" or (of["status"] == "duplicate" and "dropped in turn" in r["reason"]), r
        for cut in r.get("paragraphs_removed", []):
            assert cut["duplicate_of"].get("in_index") or cut["duplicate_of"]["id"] in written, r
    return manifest


def test_sample_corpus_keeps_each_kyiv_paragraph_once(corpus_dir, tmp_path):
    out = tmp_path / "out"
    result = run_paths([str(corpus_dir)], str(out), ONE_JOB)
    assert result.summary.kept == 5 and result.summary.duplicate == 0 and result.summary.paragraphs_removed == 3
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.txt")}
    assert len(texts) == 5
    for start in ("The Russian border region has seen heavy battles", "According to Zelensky, Russia has confirmed"):
        assert sum(t.count(start) for t in texts.values()) == 1
        assert start in texts["003_8bc150cff370669c.txt"]
    assert "Kyiv Independent could not verify" in texts["004_95bc31070ec5e5b3.txt"]
    assert "LEAVE A REPLY" not in texts["003_8bc150cff370669c.txt"]
    manifest = _counts_match(out)
    removed = next(r for r in manifest if r["id"].startswith("004"))["paragraphs_removed"]
    assert [(c["line"], c["duplicate_of"]["id"][:3], c["duplicate_of"]["line"]) for c in removed] == [
        (11, "003", 17),
        (12, "003", 19),
        (14, "003", 21),
    ]


def test_no_paragraph_dedup_keeps_them(corpus_dir, tmp_path):
    out = tmp_path / "out"
    options = RunOptions(scan=ScanOptions(jobs=1), paragraph_dedup=False)
    run_paths([str(corpus_dir)], str(out), options)
    text = (out / "004_95bc31070ec5e5b3.txt").read_text(encoding="utf-8")
    assert "The Russian border region has seen heavy battles" in text


def test_jsonl_output(corpus_dir, tmp_path):
    out = tmp_path / "out"
    run_paths([str(corpus_dir)], str(out), RunOptions(scan=ScanOptions(jobs=1), output_format="jsonl"))
    records = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == sorted(p.name for p in corpus_dir.glob("*.txt"))
    # a file's row: its id and cleaned text, then dedup's columns
    assert all(list(r) == ["id", "text", "dedup_id", "dedup_source", "dedup_metadata"] for r in records)
    assert all(r["dedup_source"] == str(corpus_dir / r["id"]) for r in records)
    assert not list(out.glob("*.txt"))


def test_record_formats_carry_the_input_fields_and_agree(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    text = _story(1)
    lines = [
        {"id": "a", "text": text, "date": "2024-01-01", "score": 3, "tags": ["x", "y"]},
        {"id": "b", "text": text + " One more sentence at the end of it.", "date": "2024-02-01", "score": 5.5},
        {"id": "c", "text": _story(2), "date": None, "score": 1},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    rows = {}
    for fmt in ("jsonl", "parquet", "csv"):
        out = tmp_path / fmt
        run_paths([str(src)], str(out), RunOptions(scan=ScanOptions(jobs=1, clean=False), output_format=fmt,
                                                   mark_only=True))  # fmt: skip
        if fmt == "parquet":
            table = pq.read_table(out / "documents.parquet")
            assert str(table.schema.field("score").type) == "double"
            rows[fmt] = table.to_pylist()
        elif fmt == "csv":
            import csv

            with open(out / "documents.csv", newline="", encoding="utf-8") as f:
                rows[fmt] = list(csv.DictReader(f))
        else:
            rows[fmt] = [json.loads(x) for x in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    for fmt, got in rows.items():
        assert [r["id"] for r in got] == ["a", "b", "c"], fmt
        assert [r["dedup_status"] for r in got] == ["kept", "duplicate", "kept"], fmt
        assert [r["dedup_cluster"] or None for r in got] == ["a", "a", None], fmt
        assert got[1]["dedup_duplicate_of"] == "a", fmt
    assert rows["jsonl"][0]["tags"] == ["x", "y"] and rows["parquet"][0]["tags"] == '["x", "y"]'
    assert rows["jsonl"][2]["date"] is None and rows["csv"][2]["date"] == ""
    assert rows["jsonl"][1]["text"] == lines[1]["text"]  # marking only: the duplicate's text is written too


@pytest.mark.parametrize("fmt", ["txt", "parquet"])
def test_outputs_are_identical_with_one_or_two_workers(corpus_dir, tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    src = tmp_path / "src"
    shutil.copytree(corpus_dir, src)
    shutil.copy(corpus_dir / "000_216558cf6ca0eb2a.txt", src / "zz_copy.txt")
    trees = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        options = RunOptions(scan=ScanOptions(jobs=jobs), output_format=fmt, mark_only=fmt != "txt")
        run_paths([str(src)], str(out), options)
        trees.append(_tree(out))
    assert trees[0] == trees[1]


def test_output_safety(corpus_dir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(corpus_dir, src)
    before = _tree(src)
    with pytest.raises(OutputError, match="inside the input folder"):
        run_paths([str(src)], str(src / "out"), ONE_JOB)
    with pytest.raises(OutputError, match="is the input folder"):
        run_paths([str(src)], str(src), ONE_JOB)
    out = tmp_path / "out"
    run_paths([str(src)], str(out), ONE_JOB)
    first = _tree(out)
    with pytest.raises(OutputError, match="pass --force"):
        run_paths([str(src)], str(out), ONE_JOB)
    (src / "extra.txt").write_text("A new document about something else entirely, with enough words.", "utf-8")
    run_paths([str(src)], str(out), RunOptions(scan=ScanOptions(jobs=1), force=True))
    assert set(_tree(out)) == set(first) | {"extra.txt"}
    after = _tree(src)
    del after["extra.txt"]
    assert after == before  # inputs are only ever read
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folders left


def _bad_folder(tmp_path):
    src = tmp_path / "bad"
    shutil.copytree(BAD, src)
    os.symlink(src / "missing.txt", src / "broken-link.txt")
    (src / "sub").mkdir()
    os.symlink(src, src / "sub" / "loop")
    # 100 MB on one line, made here rather than kept in the repository.
    words = (BAD / "article.txt").read_text(encoding="utf-8").split()
    line = " ".join(words)
    with open(src / "one-line.txt", "w", encoding="utf-8") as handle:
        for _ in range(100_000_000 // (len(line) + 1) + 1):
            handle.write(line + " ")
    if os.geteuid() != 0:  # root reads anything
        (src / "locked.txt").write_text("secret", encoding="utf-8")
        (src / "locked.txt").chmod(0)
    return src


def test_bad_inputs_end_to_end(tmp_path):
    src = _bad_folder(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(src), "-o", str(out), "--jobs", "2"])
    assert res.exit_code == EXIT_PARTIAL, res.output
    manifest = _counts_match(out)
    by_source = {}
    for r in manifest:
        by_source.setdefault(Path(r["source"]).name, []).append(r)

    def reason(name, line=None):
        (hit,) = [r for r in by_source[name] if line is None or r["line"] == line]
        assert hit["status"] == "failed"
        assert f"{src / name if name not in ('loop',) else src / 'sub' / 'loop'}" in res.stderr
        return hit["error"]

    assert reason("broken-link.txt") == "broken symbolic link"
    assert reason("loop") == "symbolic link loop (folder already visited)"
    assert reason("binary.txt") == "binary file (NUL bytes), not text"
    assert reason("paper.txt") == "a PDF file, not text"
    assert reason("empty.txt") == "empty file"
    assert reason("whitespace.txt") == "file has only white space"
    assert reason("records.jsonl", 2).startswith("not valid JSON")
    assert reason("records.jsonl", 3).startswith("no 'text' field (fields: body, id)")
    assert reason("records.jsonl", 4) == "field 'text' is list, not a string"
    assert reason("records.jsonl", 5).startswith("duplicate document id 'article.txt'")
    assert reason("records.jsonl", 6).startswith("duplicate document id 'rec-1'")
    assert reason("records.jsonl", 7) == "field 'text' is empty"
    assert reason("array.json", 6).startswith("no 'text' field")
    truncated = [r for r in by_source["truncated.jsonl.gz"] if r["status"] == "failed"]
    assert len(truncated) == 1 and "truncated gzip file" in truncated[0]["error"]
    assert sum(r["status"] == "kept" for r in by_source["truncated.jsonl.gz"]) > 5
    encodings = {name: by_source[name][0].get("encoding") for name in ("windows-1252.txt", "utf16.txt")}
    assert encodings == {"windows-1252.txt": "cp1252 (detected)", "utf16.txt": "utf-16"}
    assert "café" in (out / "windows-1252.txt").read_text(encoding="utf-8")
    assert by_source["invalid-utf8.txt"][0]["status"] == "kept" and by_source["invalid-utf8.txt"][0]["encoding"]
    copy = by_source["article_copy.txt"][0]
    assert copy["status"] == "duplicate" and copy["duplicate_of"] == "article.txt" and copy["similarity"] == 1.0
    assert by_source["one-line.txt"][0]["status"] in ("kept", "duplicate")
    if os.geteuid() != 0:
        assert reason("locked.txt").startswith("cannot read: Permission denied")
    assert "not UTF-8; read as cp1252 (detected)" in res.stderr


def test_missing_input_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["run", str(tmp_path / "nope"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "nope: no such file or folder" in res.output
    assert not (tmp_path / "out").exists()


def _dedup(*args):
    return [sys.executable, "-c", "from dedup.cli import main; main()", *args]


def _many_docs(folder, count=1500):
    folder.mkdir()
    words = [f"w{k}" for k in range(5000)]
    for i in range(count):
        body = " ".join(words[(i * 37 + j * 11) % 5000] for j in range(300))
        (folder / f"d{i:05d}.txt").write_text(body + "\n", encoding="utf-8")


@pytest.mark.parametrize("how", ["kill", "term"])
def test_interrupted_run_leaves_the_previous_output_or_none(tmp_path, how):
    src = tmp_path / "src"
    _many_docs(src)
    out = tmp_path / "out"
    old = tmp_path / "old-copy"
    (out).mkdir()
    (out / "previous.txt").write_text("previous output\n", encoding="utf-8")
    (out / ".dedup-run").write_text("", encoding="utf-8")  # an earlier run's: --force may replace it
    shutil.copytree(out, old)
    proc = subprocess.Popen(_dedup("run", str(src), "-o", str(out), "--force", "--no-clean", "-q"))
    deadline = time.monotonic() + 120
    # Wait until the run is writing its output (the partial folder exists), then stop it.
    while not list(tmp_path.glob(".out.partial-*")):
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
    code = proc.wait(timeout=60)
    assert _tree(out) == _tree(old)  # the previous output, untouched
    if how == "term":
        assert code == 130
        assert not list(tmp_path.glob(".out.*"))  # and the partial folder removed
    # A new run over the interrupted one completes.
    assert subprocess.run(_dedup("run", str(src), "-o", str(out), "--force", "--no-clean", "-q")).returncode == 0
    assert len(_manifest(out)) == 1500


PARAGRAPHS = [
    p
    for f in sorted((Path(__file__).parents[1] / "corpus").glob("*.txt"))
    for p in f.read_text(encoding="utf-8").split("\n")
    if len(p.split()) >= 12
]
docs_strategy = st.lists(
    st.lists(st.sampled_from(PARAGRAPHS), min_size=1, max_size=5, unique=True), min_size=1, max_size=6
)
bad_strategy = st.lists(st.sampled_from(["empty", "binary", "badjson"]), max_size=3)
# Each example is a few whole runs; DEDUP_RUN_EXAMPLES=500 searches harder than CI does.
PROPERTY = settings(
    max_examples=int(os.environ.get("DEDUP_RUN_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _write_corpus(folder, docs, bad):
    folder.mkdir(parents=True)
    for k, paragraphs in enumerate(docs):
        (folder / f"doc{k}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    for k, kind in enumerate(bad):
        data = {"empty": b"", "binary": b"\x00\x01\x02", "badjson": b'{"text": '}[kind]
        (folder / f"bad{k}.{'jsonl' if kind == 'badjson' else 'txt'}").write_bytes(data)


@PROPERTY
@given(docs=docs_strategy, bad=bad_strategy)
def test_every_input_is_in_the_manifest(tmp_path_factory, docs, bad):
    base = tmp_path_factory.mktemp("p")
    _write_corpus(base / "src", docs, bad)
    result = run_paths([str(base / "src")], str(base / "out"), ONE_JOB)
    manifest = _counts_match(base / "out")
    sources = sorted(Path(r["source"]).name for r in manifest)
    assert sources == sorted(p.name for p in (base / "src").iterdir())
    assert result.summary.failed == len(bad)


@PROPERTY
@given(docs=docs_strategy, which=st.integers(min_value=0, max_value=5))
def test_an_exact_copy_is_a_duplicate_and_nothing_else_changes(tmp_path_factory, docs, which):
    base = tmp_path_factory.mktemp("p")
    _write_corpus(base / "src", docs, [])
    run_paths([str(base / "src")], str(base / "out1"), ONE_JOB)
    original = sorted((base / "src").iterdir())[which % len(docs)]
    shutil.copy(original, base / "src" / "zzz_copy.txt")
    run_paths([str(base / "src")], str(base / "out2"), ONE_JOB)
    before = {r["id"]: r for r in _manifest(base / "out1")}
    after = {r["id"]: r for r in _manifest(base / "out2")}
    copy = after.pop("zzz_copy.txt")
    twin = before[original.name]
    assert copy["status"] == "duplicate"
    if twin["status"] == "kept":
        assert (copy["duplicate_of"], copy["similarity"]) == (original.name, 1.0)
    else:  # a member of a cluster is reported against the document kept
        assert (copy["duplicate_of"], copy["similarity"]) == (twin["duplicate_of"], twin["similarity"])
    assert before == after
    tree1, tree2 = _tree(base / "out1"), _tree(base / "out2")
    assert {k: v for k, v in tree1.items() if k not in (MANIFEST, SUMMARY)} == {
        k: v for k, v in tree2.items() if k not in (MANIFEST, SUMMARY)
    }


@PROPERTY
@given(docs=docs_strategy)
def test_a_run_over_its_own_output_changes_nothing(tmp_path_factory, docs):
    base = tmp_path_factory.mktemp("p")
    _write_corpus(base / "src", docs, [])
    run_paths([str(base / "src")], str(base / "out1"), ONE_JOB)
    again = run_paths([str(base / "out1")], str(base / "out2"), ONE_JOB)
    assert again.summary.duplicate == 0 and again.summary.failed == 0 and again.summary.paragraphs_removed == 0
    texts1 = {k: v for k, v in _tree(base / "out1").items() if k.endswith(".txt")}
    texts2 = {k: v for k, v in _tree(base / "out2").items() if k.endswith(".txt")}
    assert texts1 == texts2


def test_a_copy_of_a_document_whose_paragraphs_all_repeat_names_the_document_it_matches(tmp_path):
    # doc2 is kept at document level (too short beside doc0 to be its abridged copy) but
    # every paragraph of it repeats doc0: it is dropped, and so is its exact copy doc3,
    # as a duplicate of doc2, which it matches (not of doc0, which it does not match at
    # the thresholds), saying that doc2 was dropped in turn.
    a = (
        "A significant number of North Korean soldiers were killed in the first clashes against Ukraine alongside"
        ' Russian forces. This information was reported by "The New York Times," citing anonymous Ukrainian and'
        " American sources."
    )
    b = (
        'According to the "NYT," the clashes occurred in the Kursk region of Russia, where Ukrainian forces have'
        " been conducting operations since August. An anonymous Ukrainian official stated that the skirmish was"
        " limited and aimed at detecting weak points in Ukrainian defence lines. The North Koreans were part of the"
        " 810th Independent Guards Marine Brigade."
    )
    _write_corpus(tmp_path / "src", [[a, b], [b], [a], [a]], [])
    result = run_paths([str(tmp_path / "src")], str(tmp_path / "out"), ONE_JOB)
    manifest = {r["id"]: r for r in _counts_match(tmp_path / "out")}
    assert result.summary.kept == 1 and result.summary.duplicate == 3
    assert manifest["doc2.txt"]["reason"] == "every paragraph repeats a kept document"
    copy = manifest["doc3.txt"]
    assert copy["duplicate_of"] == "doc2.txt" and copy["similarity"] == 1.0
    assert copy["reason"] == "doc2.txt was dropped in turn (every paragraph repeats a kept document)"
    assert manifest["doc2.txt"]["duplicate_of"] == "doc0.txt"


def test_daily_batches_against_an_index(corpus_dir, tmp_path):
    from dedup.index import Index

    day1, day2 = tmp_path / "day1", tmp_path / "day2"
    day1.mkdir()
    day2.mkdir()
    for p in sorted(corpus_dir.glob("00[0-3]*.txt")):
        shutil.copy(p, day1)
    shutil.copy(corpus_dir / "004_95bc31070ec5e5b3.txt", day2)
    shutil.copy(corpus_dir / "001_ff58ae107db7a909.txt", day2 / "again_001.txt")
    runner = CliRunner()
    idx = tmp_path / "news.idx"
    res = runner.invoke(main, ["run", str(day1), "-o", str(tmp_path / "out1"), "--index", str(idx), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["run", str(day2), "-o", str(tmp_path / "out2"), "--index", str(idx), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    manifest = {r["id"]: r for r in _manifest(tmp_path / "out2")}
    again = manifest["again_001.txt"]
    assert again["status"] == "duplicate" and again["in_index"] and again["duplicate_of"] == "001_ff58ae107db7a909.txt"
    cuts = manifest["004_95bc31070ec5e5b3.txt"]["paragraphs_removed"]
    assert [(c["line"], c["duplicate_of"]["id"][:3], c["duplicate_of"]["line"], c["duplicate_of"]["in_index"])
            for c in cuts] == [(11, "003", 17, True), (12, "003", 19, True), (14, "003", 21, True)]  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "out2").glob("*.txt")) == ["004_95bc31070ec5e5b3.txt"]
    with Index(idx) as index:
        assert len(index) == 5 and "004_95bc31070ec5e5b3.txt" in index and "again_001.txt" not in index
    res = runner.invoke(main, ["run", "-", "-o", str(tmp_path / "out3"), "--index", str(idx)], input="some text")
    assert res.exit_code == 2 and "not with - (stdin)" in res.output


def test_an_html_page_without_main_text_fails_with_its_reason_instead_of_an_empty_file(corpus_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(next(corpus_dir.glob("000_*.txt")), folder)
    (folder / "empty.html").write_text("<html><head><script>var x = 1;</script></head><body><div></div></body></html>")
    out = tmp_path / "out"
    run_paths([str(folder)], str(out), ONE_JOB)
    by_id = {r["id"]: r for r in _manifest(out)}
    assert by_id["empty.html"]["status"] == "failed"
    assert "no main text" in by_id["empty.html"]["error"]
    assert not (out / "empty.txt").exists()


def test_each_dropped_document_names_one_it_matches_at_the_thresholds(tmp_path):
    # Windows of 200 words shifted by 60: neighbours match (Jaccard 0.53), the ends do not
    # (0.25): d2 must not be dropped for d0 through d1.
    import random

    rng = random.Random(11)
    words = rng.choices([f"w{k}" for k in range(5000)], k=400)
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(4):
        (folder / f"d{k}.txt").write_text(" ".join(words[k * 60 : k * 60 + 200]) + "\n")
    out = tmp_path / "out"
    run_paths([str(folder)], str(out), RunOptions(scan=ScanOptions(jobs=1, clean=False)))
    by_id = {r["id"]: r for r in _manifest(out)}
    assert {i: r["status"] for i, r in by_id.items()} == {
        "d0.txt": "kept", "d1.txt": "duplicate", "d2.txt": "kept", "d3.txt": "duplicate"
    }  # fmt: skip
    assert by_id["d1.txt"]["duplicate_of"] == "d0.txt" and by_id["d3.txt"]["duplicate_of"] == "d2.txt"
    for r in by_id.values():
        if r["status"] == "duplicate":
            assert r["similarity"] >= 0.5 or r["containment"] >= 0.8
    assert (out / "d2.txt").read_text().split() == words[120:320]  # its words are not lost


def test_mark_only_writes_every_document_with_the_verdicts_of_a_normal_run(corpus_dir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(corpus_dir, src)
    shutil.copy(corpus_dir / "000_216558cf6ca0eb2a.txt", src / "zz_copy.txt")
    normal, marked = tmp_path / "normal", tmp_path / "marked"
    run_paths([str(src)], str(normal), RunOptions(scan=ScanOptions(jobs=1), output_format="jsonl"))
    run_paths([str(src)], str(marked), RunOptions(scan=ScanOptions(jobs=1), output_format="jsonl", mark_only=True))
    rows = [json.loads(x) for x in (marked / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == sorted(p.name for p in src.iterdir())  # every document, none dropped
    kept = [json.loads(x)["id"] for x in (normal / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows if r["dedup_status"] == "kept"] == kept
    [copy] = [r for r in rows if r["dedup_status"] == "duplicate"]
    assert copy["id"] == "zz_copy.txt" and copy["dedup_duplicate_of"] == "000_216558cf6ca0eb2a.txt"
    assert copy["dedup_cluster"] == "000_216558cf6ca0eb2a.txt" and copy["dedup_similarity"] == 1.0
    assert _manifest(marked) == _manifest(normal)  # the same verdicts, and the same reasons
    # nothing is cut when marking: a kept document keeps the paragraphs it repeats
    by_id = {r["id"]: r for r in rows}
    assert "The Russian border region has seen heavy battles" in by_id["004_95bc31070ec5e5b3.txt"]["text"]


def test_a_parquet_output_keeps_the_parquet_input_column_types(tmp_path):
    import datetime as dt
    from decimal import Decimal

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    schema = pa.schema([("id", pa.int16()), ("text", pa.large_string()), ("price", pa.decimal128(9, 2)),
                        ("seen", pa.timestamp("ms", tz="UTC")), ("tags", pa.list_(pa.int8()))])  # fmt: skip
    when = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)
    table = pa.table({"id": [1, 2], "text": [_story(30), _story(31)], "price": [Decimal("1.50"), None],
                      "seen": [when, when], "tags": [[1, 2], []]}, schema=schema)  # fmt: skip
    src = tmp_path / "src"
    src.mkdir()
    pq.write_table(table, src / "a.parquet")
    out = tmp_path / "out"
    run_paths([str(src)], str(out), RunOptions(scan=ScanOptions(jobs=1, clean=False), output_format="parquet"))
    written = pq.read_table(out / "documents.parquet")
    for field in schema:
        assert written.schema.field(field.name).type == field.type, field.name
    assert written.column("price").to_pylist() == [Decimal("1.50"), None]
    # beside a JSONL file, the columns take the types of their values, and nothing fails
    (src / "b.jsonl").write_text(json.dumps({"id": "x", "text": _story(32), "tags": "none"}) + "\n")
    mixed = tmp_path / "mixed"
    run_paths([str(src)], str(mixed), RunOptions(scan=ScanOptions(jobs=1, clean=False), output_format="parquet"))
    rows = pq.read_table(mixed / "documents.parquet").to_pylist()
    # ids of two kinds make a JSON text column (README); the types are no longer the input's
    assert [r["id"] for r in rows] == ["1", "2", '"x"'] and rows[2]["tags"] == '"none"' and rows[0]["tags"] == "[1, 2]"


def test_run_with_a_memory_budget_writes_the_same_output(corpus_dir, tmp_path, monkeypatch):
    from dedup import lsh

    runner = CliRunner()
    args = ["run", str(corpus_dir), "--format", "jsonl", "--jobs", "1", "-q"]
    assert runner.invoke(main, [*args, "-o", str(tmp_path / "a")]).exit_code == 0
    monkeypatch.setattr(lsh, "SORT_ROW_BYTES", (64 << 20) // 4)  # every band sorted on disk
    res = runner.invoke(main, [*args, "-o", str(tmp_path / "b"), "--memory", "64M"])
    assert res.exit_code == 0, res.output
    for name in (MANIFEST, SUMMARY, "documents.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
