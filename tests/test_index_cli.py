import json
import shutil
import unicodedata

import pytest
from click.testing import CliRunner

from dedup.index_cli import EXIT_PARTIAL, index
from dedup.report import JSON_VERSION

KYIV = "003_8bc150cff370669c.txt"
QUERY = "004_95bc31070ec5e5b3.txt"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def built(corpus_dir, tmp_path_factory):
    """An index of 000 to 003 (no cleaning, for speed), made once and copied per test."""
    path = tmp_path_factory.mktemp("built") / "news.idx"
    files = [str(p) for p in sorted(corpus_dir.glob("*.txt"))[:4]]
    res = CliRunner().invoke(index, ["add", str(path), *files, "--no-clean", "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    return path


@pytest.fixture
def idx(built, tmp_path):
    path = tmp_path / "news.idx"
    shutil.copy(built, path)
    return path


def test_add_then_query_reports_the_kyiv_paragraphs(runner, corpus_dir, tmp_path):
    path = tmp_path / "news.idx"
    files = [str(p) for p in sorted(corpus_dir.glob("*.txt"))]
    res = runner.invoke(index, ["add", str(path), *files[:4], "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert f"added 4 documents (46 paragraphs) to {path}; it holds 4; 0 failed" in res.stderr
    res = runner.invoke(index, ["query", str(path), files[4], "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "Near-duplicate paragraphs among the documents kept: 3 clusters" in res.stdout
    assert f"{KYIV}  ¶9 line 17" in res.stdout and f"{QUERY}  ¶6 line 11" in res.stdout


def test_query_json_to_stdout_and_to_a_file(runner, idx, corpus_dir, tmp_path):
    query = str(corpus_dir / QUERY)
    res = runner.invoke(index, ["query", str(idx), query, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["version"] == JSON_VERSION and data["summary"]["paragraph_clusters"] == 3
    assert [[m["line"] for m in c["members"]] for c in data["paragraph_clusters"]] == [[17, 11], [19, 12], [21, 14]]
    out = tmp_path / "report.json"
    res = runner.invoke(index, ["query", str(idx), query, "--format", "json", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8")) == data
    assert not list(tmp_path.glob(".report.json.*"))


def test_stats_text_and_json(runner, idx):
    res = runner.invoke(index, ["stats", str(idx)])
    assert res.exit_code == 0, res.output
    assert "documents:   4 (69 paragraphs) from 1 add" in res.stdout
    assert f"schema 2, Unicode {unicodedata.unidata_version})" in res.stdout
    assert "clean=False" in res.stdout
    data = json.loads(runner.invoke(index, ["stats", str(idx), "--format", "json"]).stdout)
    assert data["documents"] == 4 and data["options"]["ngram"] == 3 and data["bytes"] > 0
    assert data["unicode"] == unicodedata.unidata_version


def test_add_skips_present_ids_unless_replace(runner, idx, corpus_dir):
    kyiv = str(corpus_dir / KYIV)
    res = runner.invoke(index, ["add", str(idx), kyiv])
    assert res.exit_code == 0, res.output
    assert f"skipped 1 document already in the index ({KYIV}); --replace to replace them" in res.stderr
    res = runner.invoke(index, ["add", str(idx), kyiv, "--replace"])
    assert res.exit_code == 0, res.output
    assert "added 1 document (11 paragraphs), 1 of them replacing stored ones" in res.stderr


def test_remove_and_unknown_ids(runner, idx, corpus_dir):
    res = runner.invoke(index, ["remove", str(idx), KYIV])
    assert res.exit_code == 0, res.output
    assert "removed 1 document from" in res.stderr
    res = runner.invoke(index, ["query", str(idx), str(corpus_dir / QUERY)])
    assert "Near-duplicate paragraphs among the documents kept: none" in res.stdout
    res = runner.invoke(index, ["remove", str(idx), KYIV, "000_216558cf6ca0eb2a.txt"])
    assert res.exit_code == EXIT_PARTIAL
    assert f"dedup: {KYIV}: not in the index" in res.stderr and "removed 1 document" in res.stderr


def test_options_only_at_creation_or_equal(runner, idx, corpus_dir, tmp_path):
    doc = str(corpus_dir / QUERY)
    res = runner.invoke(index, ["add", str(idx), doc, "--ngram", "5", "--num-perm", "64"])
    assert res.exit_code == 2
    assert "was built with ngram=3 (asked for 5), num_perm=128 (asked for 64)" in res.output
    res = runner.invoke(index, ["query", str(idx), doc, "--clean"])
    assert res.exit_code == 2 and "clean=False (asked for True)" in res.output
    assert runner.invoke(index, ["query", str(idx), doc, "--ngram", "3", "--no-clean"]).exit_code == 0

    new = tmp_path / "five.idx"
    res = runner.invoke(index, ["add", str(new), doc, "--ngram", "5", "--no-containment", "--no-clean"])
    assert res.exit_code == 0, res.output
    options = json.loads(runner.invoke(index, ["stats", str(new), "--format", "json"]).stdout)["options"]
    assert options["ngram"] == 5 and options["containment"] is None and options["clean"] is False
    assert runner.invoke(index, ["add", str(new), str(corpus_dir / KYIV)]).exit_code == 0  # stored options


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threshold", "1.5"], "threshold must be in (0, 1]; got 1.5"),
        (["--level", "page"], "Invalid value for '--level'"),
        (["--containment", "0.9", "--no-containment"], "give --containment or --no-containment, not both"),
    ],
)
def test_bad_options_exit_2(runner, tmp_path, corpus_dir, args, message):
    res = runner.invoke(index, ["add", str(tmp_path / "x.idx"), str(corpus_dir), *args])
    assert res.exit_code == 2
    assert message in res.output
    assert not (tmp_path / "x.idx").exists()


def test_missing_paths_exit_2_and_create_nothing(runner, tmp_path, idx):
    res = runner.invoke(index, ["add", str(tmp_path / "new.idx"), str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "nowhere: no such file or folder" in res.output
    assert not (tmp_path / "new.idx").exists()
    res = runner.invoke(index, ["query", str(tmp_path / "absent.idx"), str(idx)])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_an_index_that_is_an_input_is_refused(runner, tmp_path, corpus_dir):
    (tmp_path / "in").mkdir()
    kyiv = tmp_path / "in" / KYIV
    shutil.copy(corpus_dir / KYIV, kyiv)
    for target in (kyiv, tmp_path / "in" / "news.idx"):
        res = runner.invoke(index, ["add", str(target), str(tmp_path / "in"), "--jobs", "1"])
        assert res.exit_code == 2, res.output
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == [KYIV]
    assert kyiv.read_bytes() == (corpus_dir / KYIV).read_bytes()


def test_corrupt_or_foreign_index_is_a_one_line_error(runner, tmp_path, corpus_dir):
    bad = tmp_path / "notes.idx"
    bad.write_text("these are my notes, not an index\n" * 50)
    for args in (["stats", str(bad)], ["query", str(bad), str(corpus_dir)], ["add", str(bad), str(corpus_dir)]):
        res = runner.invoke(index, args)
        assert res.exit_code == 1
        assert res.output.strip().splitlines() == [
            f"Error: {bad}: not a dedup index (file is not a database); give a new file name or an index"
        ]


def test_bad_documents_are_named_and_the_add_goes_on(runner, tmp_path, corpus_dir):
    (tmp_path / "in").mkdir()
    shutil.copy(corpus_dir / KYIV, tmp_path / "in" / "good.txt")
    (tmp_path / "in" / "bad.jsonl").write_text('{"id": "r1", "text": "a record of a few words"}\n{broken\n')
    (tmp_path / "in" / "empty.txt").write_text("")
    res = runner.invoke(index, ["add", str(tmp_path / "i.idx"), str(tmp_path / "in"), "--jobs", "1"])
    assert res.exit_code == EXIT_PARTIAL
    assert f"dedup: {tmp_path / 'in' / 'bad.jsonl'}:2: not valid JSON" in res.stderr
    assert f"dedup: {tmp_path / 'in' / 'empty.txt'}: empty file" in res.stderr
    assert "added 2 documents" in res.stderr
    res = runner.invoke(index, ["query", str(tmp_path / "i.idx"), str(tmp_path / "in"), "--format", "json"])
    assert res.exit_code == EXIT_PARTIAL
    data = json.loads(res.stdout)
    assert data["summary"]["failed"] == 2 and len(data["doc_clusters"]) == 2  # both stored documents found


def test_query_from_stdin(runner, idx, corpus_dir):
    text = (corpus_dir / QUERY).read_text(encoding="utf-8")
    res = runner.invoke(index, ["query", str(idx), "-", "--format", "json"], input=text)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["summary"]["documents"] == 1 and data["summary"]["paragraph_clusters"] == 3
