import json

import pytest
from click.testing import CliRunner

from dedup.cli import EXIT_PARTIAL, main


@pytest.fixture
def runner():
    return CliRunner()


def test_scan_corpus_text_report(runner, corpus_dir):
    res = runner.invoke(main, ["scan", str(corpus_dir), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "Near-duplicate paragraphs among the documents kept: 3 clusters" in res.output


def test_scan_json_to_file(runner, corpus_dir, tmp_path):
    out = tmp_path / "report.json"
    res = runner.invoke(main, ["scan", str(corpus_dir), "--format", "json", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["summary"]["paragraph_clusters"] == 3
    assert not list(tmp_path.glob(".report.json.*"))  # no temporary file left behind


def test_scan_stdin(runner, corpus_dir):
    text = (corpus_dir / "003_8bc150cff370669c.txt").read_text(encoding="utf-8")
    res = runner.invoke(main, ["scan", "-", "--format", "json", "--jobs", "1"], input=text)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["summary"]["documents"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threshold", "1.5"], "threshold must be in (0, 1]; got 1.5"),
        (["--level", "page"], "Invalid value for '--level'"),
        (["--ngram", "0"], "ngram must be a whole number from 1 to 64; got 0"),
        (["--jobs", "0"], "jobs must be a whole number from 1 to 1024"),
        (["--threshold", "high"], "'high' is not a valid float"),
        (["--memory", "lots"], "memory must be a size such as 2G, 512M or 1.5GiB"),
        (["--memory", "1K"], "memory must be at least 64M"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(runner, corpus_dir, args, message):
    res = runner.invoke(main, ["scan", str(corpus_dir), *args])
    assert res.exit_code == 2
    assert message in res.output


def test_missing_path_exits_2(runner, tmp_path):
    res = runner.invoke(main, ["scan", str(tmp_path / "nowhere")])
    assert res.exit_code == 2
    assert "nowhere: no such file or folder" in res.output


def test_output_must_not_overwrite_an_input(runner, corpus_dir):
    target = corpus_dir / "000_216558cf6ca0eb2a.txt"
    before = target.read_bytes()
    res = runner.invoke(main, ["scan", str(corpus_dir), "-o", str(target)])
    assert res.exit_code == 2
    assert "is inside the input folder" in res.output
    assert target.read_bytes() == before


def test_failed_inputs_are_named_and_the_run_goes_on(runner, tmp_path, corpus_dir):
    (tmp_path / "good.txt").write_text(
        (corpus_dir / "001_ff58ae107db7a909.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "text": "ok text"}\n{broken\n', encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    res = runner.invoke(main, ["scan", str(tmp_path), "--format", "json", "--jobs", "1"])
    assert res.exit_code == EXIT_PARTIAL
    assert f"{tmp_path / 'bad.jsonl'}:2: not valid JSON" in res.stderr
    assert f"{tmp_path / 'empty.txt'}: empty file" in res.stderr
    data = json.loads(res.stdout)
    assert data["summary"]["documents"] == 2 and data["summary"]["failed"] == 2


def test_clean_writes_one_txt_per_input_and_explains(runner, corpus_dir, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(main, ["clean", str(corpus_dir), "-o", str(out), "--explain", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert written == sorted(p.name for p in corpus_dir.glob("*.txt"))
    cleaned = (out / "003_8bc150cff370669c.txt").read_text(encoding="utf-8")
    assert "The Russian border region has seen heavy battles" in cleaned
    assert "LEAVE A REPLY" not in cleaned and "reCAPTCHA" not in cleaned
    explained = [line for line in res.stderr.splitlines() if line.startswith(str(corpus_dir))]
    assert any(":25  comment-form  LEAVE A REPLY" in line for line in explained)
    # Every explained line names a file, a line and a rule.
    assert all(len(line.split("  ")) >= 3 for line in explained)


def test_clean_jsonl_records(runner, corpus_dir):
    res = runner.invoke(main, ["clean", str(corpus_dir), "--format", "jsonl", "-q", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    records = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["id"] for r in records] == sorted(p.name for p in corpus_dir.glob("*.txt"))
    assert all({"id", "source", "text", "removed", "flags"} <= set(r) for r in records)
    assert any(r["rule"] == "comment-form" for rec in records for r in rec["removed"])


def test_clean_stdin_to_stdout(runner, corpus_dir):
    text = (corpus_dir / "004_95bc31070ec5e5b3.txt").read_text(encoding="utf-8")
    res = runner.invoke(main, ["clean", "-", "-q"], input=text)
    assert res.exit_code == 0, res.output
    assert "2 min read" not in res.stdout and "Kyiv Independent could not verify" in res.stdout


def test_clean_refuses_unsafe_outputs(runner, corpus_dir, tmp_path):
    res = runner.invoke(main, ["clean", str(corpus_dir), "-o", str(corpus_dir / "out")])
    assert res.exit_code == 2 and "inside the input folder" in res.output
    res = runner.invoke(main, ["clean", str(corpus_dir)])
    assert res.exit_code == 2 and "-o OUT_DIR" in res.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("keep me", encoding="utf-8")
    res = runner.invoke(main, ["clean", str(corpus_dir), "-o", str(tmp_path / "full")])
    assert res.exit_code == 2 and "--force" in res.output
    assert (tmp_path / "full" / "x.txt").read_text(encoding="utf-8") == "keep me"
