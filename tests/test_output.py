import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from dedup import Document
from dedup.cli import main
from dedup.errors import OutputError
from dedup.output import (
    MARKERS,
    OUTPUT_MARKER,
    OutputFolder,
    check_index_file,
    check_output_dir,
    check_output_file,
    output_name,
    write_atomic,
)
from dedup.readers import RUN_MARKER

REPO = Path(__file__).resolve().parents[1]


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


def _tree(folder):
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _inputs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("x", encoding="utf-8")
    return src


def test_output_folder_checks(tmp_path):
    src = _inputs(tmp_path)
    with pytest.raises(OutputError, match="is inside the input folder"):
        check_output_dir(str(src / "out"), [str(src)], force=False)
    with pytest.raises(OutputError, match="is the input folder"):
        check_output_dir(str(src), [str(src)], force=True)
    out = tmp_path / "out"
    check_output_dir(str(out), [str(src)], force=False)  # absent: fine
    out.mkdir()
    check_output_dir(str(out), [str(src)], force=False)  # empty: fine
    (out / RUN_MARKER).write_text("", encoding="utf-8")
    (out / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not empty .* pass --force to replace it"):
        check_output_dir(str(out), [str(src)], force=False)
    check_output_dir(str(out), [str(src)], force=True)


@pytest.mark.parametrize("inside", ["folder", "file", "deeper"])
def test_an_output_folder_that_holds_an_input_is_refused_even_with_force(tmp_path, inside):
    out = tmp_path / "data" / "out"
    given = {"folder": out / "in", "file": out / "a.txt", "deeper": out / "x" / "y" / "in"}[inside]
    given.parent.mkdir(parents=True, exist_ok=True)
    if inside == "file":
        given.write_text("x", encoding="utf-8")
    else:
        given.mkdir()
    (out / RUN_MARKER).write_text("", encoding="utf-8")  # even an earlier dedup output
    with pytest.raises(OutputError, match=r"holds the input .*replacing it would delete"):
        check_output_dir(str(out), [str(given)], force=True)


def test_links_are_resolved(tmp_path):
    src = _inputs(tmp_path)
    alias = tmp_path / "alias"
    alias.symlink_to(src, target_is_directory=True)
    with pytest.raises(OutputError, match="is the input folder"):
        check_output_dir(str(alias), [str(src)], force=True)
    with pytest.raises(OutputError, match="is inside the input folder"):
        check_output_dir(str(alias / "out"), [str(src)], force=True)
    with pytest.raises(OutputError, match="is one of the inputs"):
        check_output_file(str(alias / "a.txt"), [str(src / "a.txt")], force=True)
    # An input folder with a link into the output: replacing the output would delete inputs.
    out = tmp_path / "out"
    out.mkdir()
    (out / RUN_MARKER).write_text("", encoding="utf-8")
    (src / "archive").symlink_to(out, target_is_directory=True)
    with pytest.raises(OutputError, match=r"is the input folder .* \(through the link .*archive\)"):
        check_output_dir(str(out), [str(src)], force=True)
    with pytest.raises(OutputError, match=r"is inside the input folder .* \(through the link .*archive\)"):
        check_output_file(str(out / "report.txt"), [str(src)], force=True)
    (src / "archive").unlink()
    (src / ".hidden").symlink_to(out, target_is_directory=True)  # not read, so not an input
    check_output_dir(str(out), [str(src)], force=True)


def test_force_replaces_only_what_dedup_wrote(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.txt").write_text("years of work", encoding="utf-8")
    for force in (False, True):
        with pytest.raises(OutputError, match="holds files that dedup did not write.*--force does not replace"):
            check_output_dir(str(out), [str(src)], force=force)
    for marker in MARKERS:
        (out / marker).write_text("", encoding="utf-8")
        check_output_dir(str(out), [str(src)], force=True)
        (out / marker).unlink()


def test_output_file_checks(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is one of the inputs"):
        check_output_file(str(src), [str(src)], force=True)
    with pytest.raises(OutputError, match="exists; pass --force"):
        check_output_file(str(src), [str(tmp_path / "other")], force=False)
    check_output_file(str(src), [str(tmp_path / "other")], force=True)  # not an input: --force replaces it
    (tmp_path / "folder").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        check_output_file(str(tmp_path / "folder"), [str(src)], force=True)


def test_index_file_checks(tmp_path):
    src = _inputs(tmp_path)
    with pytest.raises(OutputError, match="is one of the inputs"):
        check_index_file(str(src / "a.txt"), [str(src / "a.txt")])
    with pytest.raises(OutputError, match="is inside the input folder"):
        check_index_file(str(src / "news.idx"), [str(src)])
    with pytest.raises(OutputError, match="inside the output folder"):
        check_index_file(str(tmp_path / "out" / "news.idx"), [str(src)], str(tmp_path / "out"))
    check_index_file(str(tmp_path / "news.idx"), [str(src)], str(tmp_path / "out"))
    check_index_file(str(tmp_path / "new" / "news.idx"), [str(src)])
    assert (tmp_path / "new").is_dir()


def test_output_parents_are_made_before_the_work_or_refused(tmp_path):
    src = _inputs(tmp_path)
    check_output_file(str(tmp_path / "new" / "deep" / "report.txt"), [str(src)], force=False)
    assert (tmp_path / "new" / "deep").is_dir()
    check_output_dir(str(tmp_path / "other" / "out"), [str(src)], force=False)
    assert (tmp_path / "other").is_dir() and not (tmp_path / "other" / "out").exists()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot create the folder"):
        check_output_file(str(tmp_path / "afile" / "report.txt"), [str(src)], force=False)
    with pytest.raises(OutputError, match="cannot create the folder"):
        check_output_dir(str(tmp_path / "afile" / "out"), [str(src)], force=False)


# --- through the commands: inputs are sacred, whatever the flags -------------------------


@pytest.fixture
def runner():
    return CliRunner()


def _corpus(folder):
    shutil.copytree(REPO / "corpus", folder)
    return folder


def test_run_into_a_folder_that_holds_its_input_is_refused(runner, tmp_path):
    data = tmp_path / "data"
    out = data / "out"
    _corpus(out / "in")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = _tree(data)
    res = runner.invoke(main, ["run", str(out / "in"), "-o", str(out), "--force", "--jobs", "1"])
    assert res.exit_code == 2 and "holds the input" in res.output, res.output
    assert _tree(data) == before


def test_clean_into_a_folder_that_holds_its_input_is_refused(runner, tmp_path):
    out = _corpus(tmp_path / "out")
    one = next(out.glob("*.txt"))
    before = _tree(out)
    for args in (["-o", str(out)], ["--format", "jsonl", "-o", str(one)]):
        res = runner.invoke(main, ["clean", str(one), *args, "--force", "--jobs", "1"])
        assert res.exit_code == 2, res.output
    assert _tree(out) == before


def test_scan_and_index_never_write_over_an_input(runner, tmp_path):
    src = _corpus(tmp_path / "src")
    one = next(src.glob("*.txt"))
    before = _tree(src)
    assert runner.invoke(main, ["scan", str(one), "-o", str(one), "--jobs", "1"]).exit_code == 2
    assert runner.invoke(main, ["index", "add", str(one), str(src), "--jobs", "1"]).exit_code == 2
    assert runner.invoke(main, ["index", "add", str(src / "news.idx"), str(src), "--jobs", "1"]).exit_code == 2
    res = runner.invoke(
        main, ["run", str(src), "-o", str(tmp_path / "out"), "--index", str(tmp_path / "out" / "x.idx")]
    )
    assert res.exit_code == 2 and "inside the output folder" in res.output, res.output
    assert _tree(src) == before
    assert not (tmp_path / "out").exists()


def test_clean_marks_its_folder_so_that_force_may_replace_it(runner, tmp_path):
    src = _corpus(tmp_path / "src")
    out = tmp_path / "out"
    assert runner.invoke(main, ["clean", str(src), "-o", str(out), "--jobs", "1", "-q"]).exit_code == 0
    assert (out / OUTPUT_MARKER).is_file()
    res = runner.invoke(main, ["clean", str(src), "-o", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 2 and "--force" in res.output
    assert runner.invoke(main, ["clean", str(src), "-o", str(out), "--jobs", "1", "-q", "--force"]).exit_code == 0


def _dedup(*args, timeout=60):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    try:
        return subprocess.run(
            [sys.executable, "-c", "from dedup.cli import main; main()", *args], capture_output=True, text=True,
            env=env, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the command read its input before refusing its output")


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "{fifo}", "-o", "{blocked}/report.txt"],
        ["run", "{fifo}", "-o", "{blocked}/out"],
        ["clean", "{fifo}", "--format", "jsonl", "-o", "{blocked}/clean.jsonl"],
        ["clean", "{fifo}", "-o", "{blocked}/out"],
    ],
)
def test_an_impossible_output_is_refused_before_anything_is_read(tmp_path, command):
    # The input is a named pipe that nobody writes: reading it would wait for ever.
    fifo = tmp_path / "input.txt"
    os.mkfifo(fifo)
    (tmp_path / "blocked").write_text("a file, so no folder can be made under it", encoding="utf-8")
    args = [a.format(fifo=fifo, blocked=tmp_path / "blocked") for a in command]
    res = _dedup(*args, "--jobs", "1")
    assert res.returncode == 2, res.stderr
    assert "cannot create the folder" in res.stderr and "Traceback" not in res.stderr


def test_scan_makes_the_folder_of_its_report(runner, tmp_path):
    report = tmp_path / "missing" / "dir" / "report.txt"
    res = runner.invoke(main, ["scan", str(REPO / "corpus"), "-o", str(report), "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert report.read_text(encoding="utf-8").startswith("Scanned 5 documents")


# --- atomic writes: no temporary file left, whatever stops them ---------------------------


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "r.json"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert os.listdir(tmp_path) == ["r.json"]


def test_atomic_write_through_a_link_replaces_the_file_it_names(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(real)
    write_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink() and real.read_text(encoding="utf-8") == "new"


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


def _signal_after(monkeypatch, call, nth):
    """SIGTERM arrives right after the ``nth`` successful ``os.<call>``."""
    real = getattr(os, call)
    done = [0]

    def then_signal(*args, **kwargs):
        result = real(*args, **kwargs)
        done[0] += 1
        if done[0] == nth:
            signal.raise_signal(signal.SIGTERM)
        return result

    monkeypatch.setattr(os, call, then_signal)


@pytest.mark.parametrize(
    "previous, call, nth",
    [
        (False, "mkdir", 1),  # the hidden folder made
        (False, "rename", 1),  # ... renamed into place
        (True, "mkdir", 1),
        (True, "rename", 1),  # the previous output moved aside
        (True, "rename", 2),  # the new one in its place
    ],
)
def test_a_signal_at_any_step_of_an_output_folder_leaves_the_old_or_the_new_and_nothing_else(
    tmp_path, monkeypatch, sigterm_interrupts, previous, call, nth
):
    out = tmp_path / "out"
    if previous:
        out.mkdir()
        (out / "old.txt").write_text("previous output", encoding="utf-8")
    _signal_after(monkeypatch, call, nth)
    with pytest.raises(KeyboardInterrupt):
        with OutputFolder(out) as folder:
            folder.write("new.txt", "new output")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == (["out"] if previous or call == "rename" else [])
    if out.exists():
        assert set(_tree(out)) - set(MARKERS) in ({"old.txt"}, {"new.txt"})


@pytest.mark.parametrize("call", ["open", "replace"])
def test_a_signal_during_an_atomic_write_leaves_no_temporary_file(tmp_path, monkeypatch, sigterm_interrupts, call):
    target = tmp_path / "r.json"
    write_atomic(target, "old")
    _signal_after(monkeypatch, call, 1)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["r.json"]
    assert target.read_text(encoding="utf-8") in ("old", "new")


# --- file modes: those of any new file ----------------------------------------------------


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def _modes(folder):
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in Path(folder).rglob("*")}


def test_outputs_get_the_mode_of_a_new_file(tmp_path, umask):
    file_mode, folder_mode = 0o666 & ~umask, 0o777 & ~umask
    write_atomic(tmp_path / "r.txt", "x")
    assert stat.S_IMODE((tmp_path / "r.txt").stat().st_mode) == file_mode
    with OutputFolder(tmp_path / "out") as folder:
        folder.write("a/b.txt", "x")
    assert _modes(tmp_path / "out") == {"a": folder_mode, "a/b.txt": file_mode, OUTPUT_MARKER: file_mode}
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == folder_mode


def test_command_outputs_get_the_mode_of_a_new_file(tmp_path, umask):
    file_mode, folder_mode = 0o666 & ~umask, 0o777 & ~umask
    runner = CliRunner()
    corpus = str(REPO / "corpus")
    assert runner.invoke(main, ["scan", corpus, "-o", str(tmp_path / "r.json"), "--jobs", "1", "-q"]).exit_code == 0
    assert runner.invoke(main, ["run", corpus, "-o", str(tmp_path / "run"), "--jobs", "1", "-q"]).exit_code == 0
    res = runner.invoke(main, ["clean", corpus, "--format", "jsonl", "-o", str(tmp_path / "c.jsonl"), "--jobs", "1"])
    assert res.exit_code == 0
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "c.jsonl").stat().st_mode) == file_mode
    modes = _modes(tmp_path / "run")
    assert modes and set(modes.values()) == {file_mode}  # the texts, manifest, summary and marker
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == folder_mode
