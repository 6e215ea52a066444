import os
from pathlib import PurePosixPath

import pytest

from dedup import Document
from dedup.errors import OutputError
from dedup.output import check_output_dir, check_output_file, output_name, write_atomic


@pytest.mark.parametrize(
    "doc, name",
    [
        (Document("a/b/page.html", ""), "a/b/page.txt"),
        (Document("notes.md", ""), "notes.txt"),
        (Document("recs.jsonl:3", "", record=True), "recs.jsonl_3.txt"),
        (Document("../../etc/passwd", "", record=True), "etc/passwd.txt"),
        (Document("<stdin>", ""), "stdin.txt"),
    ],
)
def test_output_names_stay_inside_the_output_folder(doc, name):
    assert output_name(doc) == PurePosixPath(name)


def test_output_folder_checks(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is inside the input folder"):
        check_output_dir(str(src / "out"), [str(src)], force=False)
    with pytest.raises(OutputError, match="is inside the input folder"):
        check_output_dir(str(src), [str(src)], force=True)
    out = tmp_path / "out"
    check_output_dir(str(out), [str(src)], force=False)  # absent: fine
    out.mkdir()
    (out / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not empty; pass --force to replace it"):
        check_output_dir(str(out), [str(src)], force=False)
    check_output_dir(str(out), [str(src)], force=True)


def test_output_file_checks(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is one of the inputs"):
        check_output_file(str(src), [str(src)], force=True)
    with pytest.raises(OutputError, match="exists; pass --force"):
        check_output_file(str(src), [str(tmp_path / "other")], force=False)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "r.json"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert os.listdir(tmp_path) == ["r.json"]


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    write_atomic(target, "old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["r.json"]
