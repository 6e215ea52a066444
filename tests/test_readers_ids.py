"""Document ids are unique by construction when several paths are given."""

import json
import os

from click.testing import CliRunner

from dedup.cli import main
from dedup.documents import Document
from dedup.readers import iter_documents

STORY_A = "The harbour council approved the new ferry budget on Monday after a long debate about fares."
STORY_B = "The football club lost the derby on Sunday afternoon in front of a crowd of forty thousand."


def _ids(*paths):
    return [d.id for d in iter_documents([str(p) for p in paths])]


def _sites(tmp_path, *folders):
    for folder, story in zip(folders, [STORY_A, STORY_B] * len(folders)):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "index.txt").write_text(story, encoding="utf-8")
    return [tmp_path / f for f in folders]


def test_two_folders_holding_the_same_file_name(tmp_path):
    site_a, site_b = _sites(tmp_path, "siteA", "siteB")
    (site_a / "news").mkdir()
    (site_a / "news" / "page.md").write_text("more", encoding="utf-8")
    assert _ids(site_a, site_b) == ["siteA/index.txt", "siteA/news/page.md", "siteB/index.txt"]
    docs = list(iter_documents([str(site_a), str(site_b)]))
    assert [d.group for d in docs] == ["siteA", "siteA/news", "siteB"]


def test_one_folder_keeps_relative_ids(tmp_path):
    (site_a,) = _sites(tmp_path, "siteA")
    assert _ids(site_a) == ["index.txt"]


def test_folders_of_the_same_name_take_as_much_of_their_path_as_tells_them_apart(tmp_path):
    one, two = _sites(tmp_path, "a/site", "b/site")
    assert _ids(one, two) == ["a/site/index.txt", "b/site/index.txt"]
    assert [d.group for d in iter_documents([str(one), str(two)])] == ["a/site", "b/site"]


def test_a_folder_name_that_starts_another_names_id_takes_more_of_its_path(tmp_path):
    # Named "a", "a/b" and "c/b", folder x/a's file b/f.txt and folder y/a/b's f.txt
    # would both be a/b/f.txt.
    (tmp_path / "x/a/b").mkdir(parents=True)
    (tmp_path / "x/a/b/f.txt").write_text("one", encoding="utf-8")
    (tmp_path / "y/a/b").mkdir(parents=True)
    (tmp_path / "y/a/b/f.txt").write_text("two", encoding="utf-8")
    (tmp_path / "z/c/b").mkdir(parents=True)
    (tmp_path / "z/c/b/g.txt").write_text("three", encoding="utf-8")
    ids = _ids(tmp_path / "x/a", tmp_path / "y/a/b", tmp_path / "z/c/b")
    assert ids == ["x/a/b/f.txt", "y/a/b/f.txt", "c/b/g.txt"]


def test_file_arguments_of_the_same_name(tmp_path):
    site_a, site_b = _sites(tmp_path, "siteA", "siteB")
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    assert _ids(site_a / "index.txt", site_b / "index.txt", tmp_path / "notes.txt") == [
        "siteA/index.txt",
        "siteB/index.txt",
        "notes.txt",
    ]


def test_records_keep_their_ids_and_fall_back_to_a_unique_file_name(tmp_path):
    for folder in ("siteA", "siteB"):
        (tmp_path / folder).mkdir()
        records = [{"id": f"{folder}-1", "text": "first"}, {"text": "no id"}]
        (tmp_path / folder / "recs.jsonl").write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    ids = _ids(tmp_path / "siteA", tmp_path / "siteB")
    assert ids == ["siteA-1", "siteA/recs.jsonl:2", "siteB-1", "siteB/recs.jsonl:2"]


def test_scan_compares_both_index_files(tmp_path):
    site_a, site_b = _sites(tmp_path, "siteA", "siteB")
    (site_b / "index.txt").write_text(STORY_A, encoding="utf-8")  # a copy
    result = CliRunner().invoke(main, ["scan", str(site_a), str(site_b), "--format", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["documents"] == 2 and report["errors"] == []
    (cluster,) = report["doc_clusters"]
    assert [m["id"] for m in cluster["members"]] == ["siteA/index.txt", "siteB/index.txt"]


def test_run_writes_each_site_into_its_own_folder(tmp_path):
    site_a, site_b = _sites(tmp_path, "siteA", "siteB")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(site_a), str(site_b), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "siteA" / "index.txt").read_text(encoding="utf-8").strip() == STORY_A
    assert (out / "siteB" / "index.txt").read_text(encoding="utf-8").strip() == STORY_B
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [(m["id"], m["status"], m["output"]) for m in manifest] == [
        ("siteA/index.txt", "kept", "siteA/index.txt"),
        ("siteB/index.txt", "kept", "siteB/index.txt"),
    ]


def test_relative_paths_are_named_as_given(tmp_path, monkeypatch):
    _sites(tmp_path, "siteA", "siteB")
    monkeypatch.chdir(tmp_path)
    assert _ids("siteA", "./siteB/") == ["siteA/index.txt", "siteB/index.txt"]
    monkeypatch.chdir(tmp_path / "siteA")
    assert _ids(".", os.path.join("..", "siteB")) == ["siteA/index.txt", "siteB/index.txt"]
    assert all(isinstance(d, Document) for d in iter_documents([".", "../siteB"]))
