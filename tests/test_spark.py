"""The Spark back-end gives the local engine's report, byte for byte, whatever the partitions.

Spark runs in local mode (the session fixture in conftest: local[2], shared by all tests).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.cli import main
from dedup.options import ScanOptions
from dedup.report import render_json
from dedup.scan import scan_paths

spark_pipeline = pytest.importorskip("dedup.spark.pipeline", reason="pyspark is not installed")

WORDS = (
    "the minister said on tuesday that talks with the union would resume after the holiday while analysts "
    "expected prices to rise in the coming months as supply chains recover from the storm and the central "
    "bank weighs another cut river city council voted budget school hospital road bridge power grid"
).split()


def _text(rng: random.Random, paragraphs: int) -> str:
    paras = []
    for _ in range(paragraphs):
        paras.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize() + ".")
    return "\n\n".join(paras)


def _edit(rng: random.Random, text: str, rate: float) -> str:
    words = text.split(" ")
    for _ in range(max(1, int(len(words) * rate))):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def random_corpus(folder: Path, seed: int, docs: int = 60, shards: int = 3) -> Path:
    """JSONL shards of news-like records: originals, near copies, abridged copies, shared
    paragraphs, boilerplate lines, dates (some missing or unreadable) and URLs."""
    rng = random.Random(seed)
    chrome = ["Share this article", "Sign up for our newsletter", "All rights reserved."]
    records: list[dict[str, Any]] = []
    for i in range(docs):
        kind = rng.random()
        if records and kind < 0.3:
            base = rng.choice(records)["text"]
            text = _edit(rng, base, rng.uniform(0.0, 0.08))
        elif records and kind < 0.4:
            base = rng.choice(records)["text"].split("\n\n")
            text = "\n\n".join(base[: max(1, len(base) * 2 // 3)])
        elif records and kind < 0.55:
            other = rng.choice(records)["text"].split("\n\n")
            text = _text(rng, rng.randint(2, 5)) + "\n\n" + rng.choice(other)
        else:
            text = _text(rng, rng.randint(2, 7))
        if rng.random() < 0.5:
            text = text + "\n\n" + rng.choice(chrome)
        date = rng.choice([f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", None, "soon", 2024])
        record = {"id": f"d{i}", "text": text, "url": f"https://news.example/{rng.randint(0, docs // 2)}"}
        if date is not None:
            record["date"] = date
        records.append(record)
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-docs // shards)
    for s in range(shards):
        with open(folder / f"part-{s:02d}.jsonl", "w", encoding="utf-8") as f:
            for record in records[s * per : (s + 1) * per]:
                f.write(json.dumps(record) + "\n")
    return folder


def both(spark: Any, paths: list[str], options: ScanOptions, partitions: int | None = None) -> tuple[str, str]:
    local = render_json(scan_paths(paths, options))
    remote = render_json(spark_pipeline.scan_spark(paths, options, spark, partitions=partitions))
    return local, remote


def test_the_sample_corpus_gives_the_local_report_with_cleaning_and_both_levels(spark, corpus_dir):
    local, remote = both(spark, [str(corpus_dir)], ScanOptions(jobs=1))
    assert remote == local
    assert json.loads(remote)["summary"]["paragraph_clusters"] == 3  # the Kyiv Independent paragraphs


def test_local_workers_run_the_drivers_python(spark):
    # Spark's default is the PATH's "python3": a venv's dedup run by its path, the venv not
    # activated, had its workers fail to import the cleaner's dependencies (py3langid).
    if os.environ.get("PYSPARK_PYTHON", sys.executable) != sys.executable:
        pytest.skip("PYSPARK_PYTHON was set before the session: it chooses the workers' Python")
    assert spark.sparkContext.parallelize([0], 1).map(lambda _: sys.executable).collect() == [sys.executable]


def test_partitions_change_nothing(spark, tmp_path):
    folder = random_corpus(tmp_path / "c", seed=11, docs=80, shards=4)
    local, one = both(spark, [str(folder)], ScanOptions(jobs=1), partitions=1)
    five = render_json(spark_pipeline.scan_spark([str(folder)], ScanOptions(jobs=1), spark, partitions=5))
    assert one == local
    assert five == local
    summary = json.loads(local)["summary"]
    assert summary["duplicate_documents"] > 5 and summary["duplicate_paragraphs"] > 0


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    keep=st.sampled_from(["first", "longest", "newest:date", "none"]),
    level=st.sampled_from(["both", "doc", "paragraph"]),
    same_url=st.booleans(),
)
def test_random_corpora_give_the_same_report_on_both_engines(spark, tmp_path_factory, seed, keep, level, same_url):
    folder = random_corpus(tmp_path_factory.mktemp("random"), seed=seed)
    options = ScanOptions(keep=keep, level=level, same_url=same_url, jobs=1)
    local, remote = both(spark, [str(folder)], options, partitions=seed % 4 + 1)
    assert remote == local


def test_bad_inputs_and_repeated_ids_are_accounted_for_as_locally(spark, tmp_path):
    folder = random_corpus(tmp_path / "c", seed=3, docs=20, shards=2)
    (folder / "part-00.jsonl").open("a").write('{"id": "d1", "text": "a repeated id"}\nnot json\n{"text": ""}\n')
    (folder / "broken.parquet").write_bytes(b"not parquet at all")
    local, remote = both(spark, [str(folder)], ScanOptions(jobs=1))
    assert remote == local
    errors = json.loads(remote)["errors"]
    assert len(errors) >= 4 and any("duplicate document id 'd1'" in e["error"] for e in errors)


def test_cli_engine_spark_writes_the_local_report(spark, corpus_dir, tmp_path):
    runner = CliRunner()
    args = ["scan", str(corpus_dir), "--format", "json", "--jobs", "1"]
    local = runner.invoke(main, [*args, "-o", str(tmp_path / "local.json")])
    remote = runner.invoke(main, [*args, "--engine", "spark", "-o", str(tmp_path / "spark.json")])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert (tmp_path / "spark.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_a_dataframe_scan_gives_the_report_of_the_same_records_read_from_a_file(spark, tmp_path):
    folder = random_corpus(tmp_path / "c", seed=21, docs=50, shards=1)
    lines = (folder / "part-00.jsonl").read_text().splitlines()
    records = [dict(json.loads(line), n=k) for k, line in enumerate(lines)]
    (folder / "part-00.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    rng = random.Random(2)
    shuffled = records[:]
    rng.shuffle(shuffled)  # rows arrive in any order: order_by decides
    frame = spark.createDataFrame(
        [(r["id"], r["text"], r["url"], str(r.get("date")), r["n"]) for r in shuffled],
        "id string, text string, url string, date string, n long",
    ).repartition(4)
    options = ScanOptions(jobs=1, same_url=True)
    remote = render_json(spark_pipeline.scan_dataframe(frame, options, order_by="n"))
    local = render_json(scan_paths([str(folder / "part-00.jsonl")], options))
    assert remote == local
    assert json.loads(remote)["summary"]["duplicate_documents"] > 3


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_run_writes_the_local_output_folder_byte_for_byte(spark, tmp_path, corpus_dir, fmt):
    from dedup.run import RunOptions, run_paths

    folder = corpus_dir if fmt == "txt" else random_corpus(tmp_path / "c", seed=8, docs=60, shards=3)
    options = RunOptions(scan=ScanOptions(jobs=1, keep="newest:date" if fmt == "jsonl" else "first"), output_format=fmt)
    run_paths([str(folder)], str(tmp_path / "local"), options)
    result = spark_pipeline.run_spark([str(folder)], str(tmp_path / "spark"), options, spark, partitions=3)
    local, remote = _tree(tmp_path / "local"), _tree(tmp_path / "spark")
    assert remote == local
    assert result.summary.kept > 0 and (fmt == "txt" or result.summary.duplicate > 5)


def test_cli_run_engine_spark_refuses_an_index(tmp_path, corpus_dir):
    found = CliRunner().invoke(
        main, ["run", str(corpus_dir), "-o", str(tmp_path / "out"), "--engine", "spark", "--index", str(tmp_path / "i")]
    )
    assert found.exit_code == 2 and "--index works with the local engine only" in found.output


def test_spark_submit_of_the_entry_point_writes_the_local_report(spark, corpus_dir, tmp_path):
    import os
    import subprocess
    import sys

    import dedup.spark.__main__ as entry

    submit = Path(sys.executable).with_name("spark-submit")
    if not submit.exists():
        pytest.skip(f"no spark-submit beside {sys.executable}")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    conf = ["spark.ui.enabled=false", "spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1"]
    args = [str(submit), "--master", "local[1]", *[a for c in conf for a in ("--conf", c)], entry.__file__]
    done = subprocess.run(
        [*args, "scan", str(corpus_dir), "--format", "json", "-o", str(tmp_path / "spark.json")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    local = render_json(scan_paths([str(corpus_dir)], ScanOptions()))
    assert (tmp_path / "spark.json").read_text() == local


def test_a_template_copied_two_thousand_times_is_one_logged_bucket_with_the_local_outcome(spark, tmp_path, caplog):
    rng = random.Random(4)
    template = _text(rng, 4)
    lines = [json.dumps({"id": f"t{k}", "text": template + f"\n\nPage {k}."}) for k in range(2000)]
    lines += [json.dumps({"id": f"u{k}", "text": _text(rng, 3)}) for k in range(50)]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "pages.jsonl").write_text("\n".join(lines) + "\n")
    options = ScanOptions(jobs=1, clean=False)
    with caplog.at_level("INFO", logger="dedup.spark"):
        local, remote = both(spark, [str(tmp_path / "c")], options, partitions=4)
    assert remote == local
    assert json.loads(remote)["summary"]["duplicate_documents"] == 1999
    assert any("bucket of 2000 documents" in r.getMessage() for r in caplog.records)


def test_standard_input_is_refused_with_a_usage_error(spark):
    found = CliRunner().invoke(main, ["scan", "-", "--engine", "spark"], input="some text\n")
    assert found.exit_code == 2 and "not - (stdin)" in found.output


def test_keep_first_rounds_count_candidates_as_the_local_engine(spark, tmp_path):
    """Found by the property test (seed 619): the local engine counted again, in each round
    of keep first, the pairs of components that had settled; a component decided alone
    did not. Now each pair is counted once on both engines."""
    folder = random_corpus(tmp_path / "c", seed=619)
    local, remote = both(spark, [str(folder)], ScanOptions(jobs=1, level="doc"), partitions=2)
    assert remote == local
