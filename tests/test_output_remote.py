"""Remote outputs against a real S3 server (moto's, from conftest): checks, atomic files,
and output folders uploaded with their marker last."""

import os
import signal
import tempfile

import pytest

from dedup.errors import OutputError
from dedup.output import (
    INCOMPLETE_MARKER,
    OUTPUT_MARKER,
    OutputFolder,
    check_index_file,
    check_output_dir,
    check_output_file,
    write_atomic,
)
from dedup.readers import RUN_MARKER

RESERVED = ("manifest.jsonl", "summary.json")


@pytest.fixture
def fs(s3_bucket):
    import fsspec

    return fsspec.filesystem("s3")


@pytest.fixture
def local_tmp(tmp_path, monkeypatch):
    """The temporary folder remote outputs are made in, here under ``tmp_path``."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _objects(fs, url):
    """What the store holds under ``url``: relative key -> bytes."""
    root = url.split("://", 1)[1].rstrip("/")
    fs.invalidate_cache()
    return {path[len(root) + 1 :]: fs.cat_file(path) for path in fs.find(root)}


def _commit(url, files, marker=RUN_MARKER):
    with OutputFolder(url, reserved=RESERVED, marker=marker) as folder:
        for name, text in files.items():
            folder.write(name, text)


NEW = {"a.txt": "first", "sub/b.txt": "second", "manifest.jsonl": "{}\n", "summary.json": "{}\n"}


def test_a_new_remote_output_folder_is_uploaded_whole(s3_bucket, fs, local_tmp):
    out = f"{s3_bucket}/runs/out"
    check_output_dir(out, [], force=False)
    _commit(out, NEW)
    got = _objects(fs, out)
    assert set(got) == {*NEW, RUN_MARKER}
    assert got["sub/b.txt"] == b"second"
    assert not list(local_tmp.iterdir())  # the local copy is gone
    with pytest.raises(OutputError, match="not empty .* pass --force to replace it"):
        check_output_dir(out, [], force=False)


def test_force_replaces_an_earlier_output_and_deletes_what_it_no_longer_has(s3_bucket, fs, local_tmp):
    out = f"{s3_bucket}/out/"  # a trailing slash is the same prefix
    _commit(out, {"old.txt": "old", "keep.txt": "v1", "deep/old.txt": "old"}, marker=OUTPUT_MARKER)
    fs.pipe_file(f"{s3_bucket[5:]}/out2/x.txt", b"a neighbour that only shares the name's start")
    check_output_dir(out, [], force=True)
    _commit(out, {"keep.txt": "v2", **NEW})
    got = _objects(fs, out)
    assert set(got) == {"keep.txt", *NEW, RUN_MARKER}  # old files and the old marker gone
    assert got["keep.txt"] == b"v2"
    assert _objects(fs, f"{s3_bucket}/out2") == {"x.txt": b"a neighbour that only shares the name's start"}


def test_a_prefix_dedup_did_not_write_is_refused_even_with_force(s3_bucket, fs):
    out = f"{s3_bucket}/out"
    fs.pipe_file(f"{out[5:]}/thesis.txt", b"years of work")
    for force in (False, True):
        with pytest.raises(OutputError, match="holds files that dedup did not write.*--force does not replace"):
            check_output_dir(out, [], force=force)


def test_an_empty_folder_object_is_an_empty_output_folder(s3_bucket, fs):
    fs.pipe_file(f"{s3_bucket[5:]}/out/", b"")  # what a console's "Create folder" makes
    check_output_dir(f"{s3_bucket}/out", [], force=False)


def test_an_object_is_no_output_folder(s3_bucket, fs):
    fs.pipe_file(f"{s3_bucket[5:]}/report.txt", b"x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        check_output_dir(f"{s3_bucket}/report.txt", [], force=True)


@pytest.mark.parametrize(
    "out, given, message",
    [
        ("{b}/in", "{b}/in", "is the input"),
        ("S3://{n}/in/", "{b}/in", "is the input"),  # protocol case and trailing slash do not matter
        ("{b}/in", "s3a://{n}/in", "is the input"),  # s3a:// is s3://
        ("{b}/in/out", "{b}/in", "is inside the input folder"),
        ("{b}/in/out", "{b}/in/*.jsonl", "is inside the input folder"),  # a pattern reads the prefix
        ("{b}/data", "{b}/data/in/a.jsonl", "holds the input .*which replacing it would delete"),
        ("{b}", "{b}/in", "holds the input"),
    ],
)
def test_remote_outputs_never_touch_remote_inputs(s3_bucket, out, given, message):
    name = s3_bucket[5:]
    out, given = out.format(b=s3_bucket, n=name), given.format(b=s3_bucket, n=name)
    with pytest.raises(OutputError, match=message):
        check_output_dir(out, [given], force=True)
    with pytest.raises(OutputError, match=message.replace("folder", "")):
        check_output_file(out, [given], force=True)


def test_remote_and_local_paths_never_clash(s3_bucket, tmp_path):
    check_output_dir(f"{s3_bucket}/in2", [f"{s3_bucket}/in", str(tmp_path)], force=False)  # a name's start only
    check_output_dir(str(tmp_path / "out"), [f"{s3_bucket}/in"], force=False)
    check_output_file(str(tmp_path / "r.json"), [f"{s3_bucket}/r.json"], force=False)


def test_the_local_work_folder_must_lie_outside_the_inputs(s3_bucket, tmp_path, monkeypatch):
    src = tmp_path / "in"
    (src / "tmp").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(src / "tmp"))
    with pytest.raises(OutputError, match="temporary folder .* is inside the input folder .*set TMPDIR"):
        check_output_dir(f"{s3_bucket}/out", [str(src)], force=False)


def test_remote_output_files(s3_bucket, fs):
    report = f"{s3_bucket}/reports/r.json"
    check_output_file(report, [], force=False)
    write_atomic(report, "first")
    with pytest.raises(OutputError, match="exists; pass --force"):
        check_output_file(report, [], force=False)
    check_output_file(report, [], force=True)
    write_atomic(report, "é second")
    assert _objects(fs, f"{s3_bucket}/reports") == {"r.json": "é second".encode()}
    with pytest.raises(OutputError, match="is a folder"):
        check_output_file(f"{s3_bucket}/reports", [], force=True)


def test_a_remote_index_is_refused(s3_bucket, tmp_path):
    with pytest.raises(OutputError, match="an index is a local SQLite file"):
        check_index_file(f"{s3_bucket}/news.idx", [])
    check_index_file(str(tmp_path / "news.idx"), [], f"{s3_bucket}/out")  # a local index, a remote output


def test_store_problems_are_one_line_errors_before_anything_is_read(s3_bucket, fs, monkeypatch):
    with pytest.raises(OutputError, match="the bucket no-such-bucket-0 does not exist"):
        check_output_dir("s3://no-such-bucket-0/out", [], force=False)
    with pytest.raises(OutputError, match="the bucket no-such-bucket-0 does not exist"):
        check_output_file("s3://no-such-bucket-0/r.json", [], force=False)

    def denied(*args, **kwargs):
        raise PermissionError("Access Denied")

    monkeypatch.setattr(fs, "info", denied)
    with pytest.raises(OutputError) as caught:
        check_output_dir(f"{s3_bucket}/out", [], force=False)
    assert str(caught.value) == f"cannot reach the output folder {s3_bucket}/out: permission denied (Access Denied)"
    with pytest.raises(OutputError, match="https:// is read only"):
        check_output_dir("https://example.com/out", [], force=False)


# --- aborts, failures, order --------------------------------------------------------------


def test_abort_touches_nothing_remote(s3_bucket, fs, local_tmp):
    out = f"{s3_bucket}/out"
    _commit(out, {"old.txt": "old"})
    before = _objects(fs, out)
    with pytest.raises(RuntimeError, match="stop"):
        with OutputFolder(out, reserved=RESERVED, marker=RUN_MARKER) as folder:
            folder.write("new.txt", "new")
            raise RuntimeError("stop")
    assert _objects(fs, out) == before
    assert not list(local_tmp.iterdir())
    empty = f"{s3_bucket}/never"
    folder = OutputFolder(empty)
    folder.write("a.txt", "x")
    folder.abort()
    assert _objects(fs, empty) == {} and not list(local_tmp.iterdir())


@pytest.fixture
def calls(fs, monkeypatch):
    """Every write and delete the store is asked for, in order: (verb, relative key)."""
    log = []
    for method, verb in (("put_file", "put"), ("pipe_file", "put"), ("rm", "rm"), ("rm_file", "rm")):
        real = getattr(fs, method)

        def record(*args, _real=real, _verb=verb, _method=method, **kwargs):
            paths = args[1] if _method == "put_file" else args[0]
            for path in [paths] if isinstance(paths, str) else paths:
                log.append((_verb, path.split("/out/", 1)[1]))
            return _real(*args, **kwargs)

        monkeypatch.setattr(fs, method, record)
    return log


def test_the_marker_is_uploaded_last(s3_bucket, fs, local_tmp, calls):
    out = f"{s3_bucket}/out"
    _commit(out, {"stale.txt": "old", "f00.txt": "old"}, marker=OUTPUT_MARKER)
    calls.clear()
    files = {f"f{k:02}.txt": str(k) for k in range(40)}
    _commit(out, {**files, **NEW})
    plain = len(files) + 2  # and a.txt, sub/b.txt
    assert calls[:2] == [("put", INCOMPLETE_MARKER), ("rm", OUTPUT_MARKER)]  # no longer taken for complete
    assert set(calls[2 : 2 + plain]) == {("put", name) for name in [*files, "a.txt", "sub/b.txt"]}  # any order
    assert calls[2 + plain :] == [
        ("put", "manifest.jsonl"), ("put", "summary.json"),  # the reserved ones, in their order
        ("rm", "stale.txt"),  # what the previous output had and this one has not
        ("put", RUN_MARKER),  # the marker: the output is complete
        ("rm", INCOMPLETE_MARKER),
    ]  # fmt: skip
    assert set(_objects(fs, out)) == {*files, *NEW, RUN_MARKER}


@pytest.mark.parametrize("failing", ["a.txt", "summary.json", RUN_MARKER])
def test_a_failed_upload_leaves_no_marker_and_keeps_the_local_files(s3_bucket, fs, local_tmp, monkeypatch, failing):
    out = f"{s3_bucket}/out"
    _commit(out, {"old.txt": "old"})
    real = fs.put_file

    def put_file(lpath, rpath, *args, **kwargs):
        if rpath.endswith("/" + failing):
            raise PermissionError("Access Denied")
        return real(lpath, rpath, *args, **kwargs)

    monkeypatch.setattr(fs, "put_file", put_file)
    with pytest.raises(OutputError) as caught:
        _commit(out, NEW)
    message = str(caught.value)
    assert f"cannot upload {out}/{failing}: permission denied (Access Denied)" in message
    assert "incomplete" in message and "--force" in message and "\n" not in message
    assert RUN_MARKER not in _objects(fs, out) and INCOMPLETE_MARKER in _objects(fs, out)
    (kept,) = local_tmp.iterdir()  # the finished output, named in the message
    assert str(kept) in message and (kept / "a.txt").read_text() == "first"
    # The incomplete output is dedup's: --force replaces it, and the flag goes.
    monkeypatch.undo()
    check_output_dir(out, [], force=True)
    _commit(out, NEW)
    assert set(_objects(fs, out)) == {*NEW, RUN_MARKER}


def test_a_file_that_cannot_be_read_stops_the_upload_before_the_marker(s3_bucket, fs, local_tmp):
    out = f"{s3_bucket}/out"
    with pytest.raises(OutputError, match=f"cannot upload {out}/broken.txt"):
        with OutputFolder(out, reserved=RESERVED, marker=RUN_MARKER) as folder:
            folder.write("a.txt", "x")
            os.symlink(folder.work / "nowhere", folder.work / "broken.txt")
    assert RUN_MARKER not in _objects(fs, out)


def test_a_signal_during_the_upload_leaves_an_incomplete_output_and_no_local_folder(
    s3_bucket, fs, local_tmp, monkeypatch, sigterm_interrupts
):
    out = f"{s3_bucket}/out"
    _commit(out, {"old.txt": "old"})
    real = fs.put_file

    def put_file(lpath, rpath, *args, **kwargs):
        result = real(lpath, rpath, *args, **kwargs)
        if rpath.endswith("/manifest.jsonl"):
            signal.raise_signal(signal.SIGTERM)
        return result

    monkeypatch.setattr(fs, "put_file", put_file)
    with pytest.raises(KeyboardInterrupt):
        _commit(out, NEW)
    assert RUN_MARKER not in _objects(fs, out)
    assert not list(local_tmp.iterdir())


def test_a_store_that_refuses_the_first_write_leaves_the_previous_output_whole(s3_bucket, fs, local_tmp, monkeypatch):
    out = f"{s3_bucket}/out"
    _commit(out, {"old.txt": "old"})
    before = _objects(fs, out)

    def pipe_file(*args, **kwargs):
        raise PermissionError("Access Denied")

    monkeypatch.setattr(fs, "pipe_file", pipe_file)
    with pytest.raises(OutputError, match=f"cannot upload {out}/{INCOMPLETE_MARKER}: .*; nothing at {out} was changed"):
        _commit(out, NEW)
    monkeypatch.undo()
    assert _objects(fs, out) == before
