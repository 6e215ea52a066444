"""Where outputs go, and writing them atomically: the only module of the engine that writes.

Inputs are only ever read: an output is refused, before anything is read, when it is an
input, holds one (a file or folder given as input, or reached through a link from one,
lies inside the output folder), or lies inside an input folder; links are resolved. An
output folder that already holds files is replaced (``force``) only when a marker file
proves that dedup wrote it. Every file is written to a temporary name beside its target,
then renamed, so an interrupted run leaves the previous file or none, never a truncated
one; Ctrl-C and SIGTERM wait while a temporary file or folder is made, put in place or
removed, so that none is left behind.

Outputs may be remote too (``s3://``, ``gs://``..., through fsspec: :mod:`.remote`). The
same checks apply, on normalised URLs, before anything is read; a problem reaching the
store is an :class:`OutputError` in one line. A file is one PUT, so the store shows the
old object or the new one. A folder cannot be renamed into place: it is made in a local
temporary folder, then uploaded, and its marker is uploaded last, so that an output is
complete exactly when it has its marker (see :class:`OutputFolder`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import FrameType, TracebackType
from typing import Any

from . import remote
from .documents import Document
from .errors import OutputError
from .readers import RUN_MARKER, STDIN

__all__ = [
    "INCOMPLETE_MARKER", "MARKERS", "OUTPUT_MARKER", "OutputFolder", "check_index_file", "check_output_dir",
    "check_output_file", "deferred_signals", "output_name", "write_atomic",
]  # fmt: skip

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w.-]+")
# The marker an output folder gets when its writer has none of its own (``dedup clean``);
# ``dedup run`` writes RUN_MARKER, which also tells the reader to skip its manifest.
OUTPUT_MARKER = ".dedup-output"
# Files that prove a folder was written by dedup, so that --force may replace it.
MARKERS = (RUN_MARKER, OUTPUT_MARKER)
# A remote output folder holds this object while dedup uploads it: the output is not
# complete (it has no marker yet), but it is dedup's, so --force may replace it.
INCOMPLETE_MARKER = ".dedup-incomplete"
# The signals that stop a command (Ctrl-C, kill, timeout, systemd).
_STOP = (signal.SIGINT, signal.SIGTERM)
# Files of a remote output folder uploaded at once. A small PUT spends its tens of
# milliseconds waiting on the network, so uploads in parallel make thousands of small
# files take seconds rather than minutes; fsspec's own batched copies run up to 128 at
# once, 16 keeps the open files and threads few. Against the test server (moto, which is
# CPU-bound, on this machine) 16 were 1.7 times as fast as one and 64 no faster; not
# measured against a store across a network.
_UPLOADS = 16
# Protocols fsspec reads but cannot write.
_READ_ONLY = ("http", "https")
# Store names that are one store (s3a:// is Hadoop's name for s3://).
_SAME_STORE = {"s3a": "s3", "gcs": "gs"}
# Where a remote path stops being literal: what follows is a pattern (fsspec's glob).
_GLOB = re.compile(r"[*?\[]")


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs, then deliver them as they would have
    been (the previous handlers run, or the default action is taken).

    For the few steps that must not be cut in two: making a temporary file or folder and
    taking charge of it, renaming outputs into place, removing a partial output. A handler
    that only takes note is used rather than a signal mask: Python runs handlers in the
    main thread whichever thread the signal reached (numpy's threads among them), so only
    the handler decides. Outside the main thread (where handlers cannot be set) the block
    runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if signum not in caught:
            caught.append(signum)

    previous = {}
    try:
        for sig in _STOP:
            if signal.getsignal(sig) is not None:  # None: a handler not set from Python; leave it
                previous[sig] = signal.signal(sig, hold)
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in caught:
            signal.raise_signal(sig)  # runs the handler now, in this thread


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so that readers see the old file or the new one.

    The file gets the mode a plain ``open()`` would give a new file (0666 less the umask),
    and a link at ``path`` is written through (the file it names is replaced). The
    temporary file is removed whatever stops the write, Ctrl-C included.

    A remote ``path`` is written in one PUT of the whole text (an object store shows the
    old object or the new one, never a part); a failure is an :class:`OutputError`.
    """
    if remote.is_remote(os.fspath(path)):
        _put_text(os.fspath(path), text)
        return
    target = Path(os.path.realpath(path))
    tmp: Path | None = None
    fd: int | None = None
    try:
        with deferred_signals():
            tmp, fd = _create_temporary(target)
        handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        fd = None  # the handle owns it
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with deferred_signals():
            if fd is not None:
                os.close(fd)
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
        raise


def _put_text(url: str, text: str) -> None:
    fs, key = _store(url, "output")
    try:
        fs.pipe_file(key, text.encode("utf-8"))
    except Exception as exc:
        raise OutputError(f"cannot write {url}: {remote.problem(exc)}") from None


def _create_temporary(target: Path) -> tuple[Path, int]:
    """A new hidden file beside ``target``, open for writing (the kernel applies the umask
    to mode 0666, as for any new file; ``tempfile`` would make it 0600)."""
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue


def output_name(doc: Document) -> PurePosixPath:
    """The relative path of a document's ``.txt`` output: its input path with ``.txt``
    (``page.html`` -> ``page.txt``), or, for a record, its id made safe for a file name.

    >>> output_name(Document("news/page.html", ""))
    PurePosixPath('news/page.txt')
    >>> output_name(Document("https://example.com/a?b=1", "", record=True))
    PurePosixPath('https/example.com/a_b_1.txt')
    """
    parts = [_UNSAFE.sub("_", part).strip("_") for part in doc.id.split("/") if part not in ("", ".", "..")]
    parts = [part for part in parts if part] or ["document"]
    name = PurePosixPath(*parts)
    if doc.record or doc.id == "<stdin>":
        return name.with_name(name.name + ".txt")
    return name.with_suffix(".txt")


def _real(path: str) -> Path:
    return Path(os.path.realpath(path))


def _inputs(inputs: Iterable[str]) -> Iterator[tuple[str, Path, str | None]]:
    """Each input as (name, real path, link): the paths given, and under each folder
    every link the reader would follow (hidden entries are not read, so not followed),
    with the link's own path as ``link``."""
    for name in inputs:
        if name == STDIN or remote.is_remote(name):
            continue  # a remote input is no local path: it cannot clash with a local output
        real = _real(name)
        yield name, real, None
        if real.is_dir():
            yield from _links_under(name, real)


def _links_under(name: str, root: Path) -> Iterator[tuple[str, Path, str | None]]:
    """The links under the folder ``root`` (given as ``name``), as :func:`_inputs` says;
    a listing costs no more than the reader's, and only links are resolved."""
    seen = {root}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = [e for e in it if not e.name.startswith(".")]
        except OSError:
            continue  # the reader reports what it cannot list
        for entry in entries:
            try:
                link = entry.is_symlink()
                is_dir = entry.is_dir()
            except OSError:
                continue
            real = _real(entry.path) if link else Path(entry.path)
            if link:
                yield name, real, entry.path
            if is_dir and real not in seen:
                seen.add(real)
                stack.append(real)


def _check_inputs(out: str, target: Path, inputs: Iterable[str], what: str) -> None:
    """Refuse an output (``what``: "output folder", "output", "index") that is an input,
    lies inside an input folder, or holds an input."""
    for name, real, link in _inputs(inputs):
        given = f"{name} (through the link {link})" if link else name
        if real == target:
            thing = "the input folder" if real.is_dir() else "one of the inputs"
            raise OutputError(f"{what} {out} is {thing} {given}; inputs are only read: choose another {_noun(what)}")
        if real.is_dir() and real in target.parents:
            raise OutputError(f"{what} {out} is inside the input folder {given}; choose a {_noun(what)} outside it")
        if target in real.parents:
            raise OutputError(
                f"{what} {out} holds the input {given}, which replacing it would delete; choose a {_noun(what)} "
                "that holds no input"
            )


def _noun(what: str) -> str:
    return "folder" if what.endswith("folder") else "file"


def _ready_parent(out: str, target: Path) -> None:
    """Create the folder that will hold ``out`` (an error now, not after the work)."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {parent} for {out}: {exc.strerror or exc}") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in the folder {parent} (permission denied); choose another place for {out}")


def check_output_dir(out: str, inputs: Iterable[str], force: bool) -> None:
    """Refuse (:class:`OutputError`) an output folder that is an input, holds one, or
    lies inside an input folder; one that exists and is not a folder; and one that
    already holds files, unless ``force`` and a marker (:data:`MARKERS`) shows dedup
    wrote it (then it is replaced as a whole). Then creates its parent folder, so that
    nothing is read before the output is known to be possible.

    A remote ``out`` (a prefix of a store) is checked the same way against the remote
    inputs, by URL (a pattern input counts as the prefix before its first ``*``, ``?`` or
    ``[``); a prefix left by an interrupted upload (:data:`INCOMPLETE_MARKER`) counts as
    dedup's. The local temporary folder it is made in must lie outside the input folders.
    """
    if remote.is_remote(out):
        _check_remote_dir(out, inputs, force)
        return
    target = _real(out)
    _check_inputs(out, target, inputs, "output folder")
    if target.exists() and not target.is_dir():
        raise OutputError(f"output folder {out} exists and is not a folder; choose a folder")
    if target.is_dir() and any(target.iterdir()):
        if not any((target / marker).is_file() for marker in MARKERS):
            raise _not_dedup(out)
        if not force:
            raise _not_empty(out)
    _ready_parent(out, target)


def _not_dedup(out: str) -> OutputError:
    return OutputError(
        f"output folder {out} holds files that dedup did not write (no {' or '.join(MARKERS)} marker), "
        "which --force does not replace; choose a new or empty folder, or move those files away"
    )


def _not_empty(out: str) -> OutputError:
    return OutputError(f"output folder {out} is not empty (an earlier dedup output); pass --force to replace it")


def _check_remote_dir(out: str, inputs: Iterable[str], force: bool) -> None:
    inputs = list(inputs)
    _check_remote_inputs(out, inputs, "output folder")
    _check_temporary(out, inputs)
    fs, root = _store(out, "output folder")
    info = _info(fs, root, out, "output folder")
    if info is not None and info.get("type") != "directory":
        raise OutputError(f"output folder {out} exists and is not a folder (it is an object); choose a folder")
    if info is None:
        return
    marked = False
    try:  # a few HEADs, rather than a listing that may run to millions of objects
        marked = any(fs.exists(f"{root}/{marker}") for marker in (*MARKERS, INCOMPLETE_MARKER))
        # Without a marker the prefix is refused unless it is empty but for a "folder"
        # object of its own name (which consoles make): listed only then.
        empty = not marked and all(name.rstrip("/") == root for name in fs.ls(root, detail=False))
    except FileNotFoundError:
        empty = True
    except Exception as exc:
        raise OutputError(f"cannot list the output folder {out}: {remote.problem(exc)}") from None
    if marked and not force:
        raise _not_empty(out)
    if not marked and not empty:
        raise _not_dedup(out)


def check_output_file(out: str, inputs: Iterable[str], force: bool) -> None:
    """Refuse (:class:`OutputError`) an output file that is an input or lies inside an
    input folder (a link is followed: a link to an input is that input), a folder, and
    an existing file unless ``force``. Then creates its parent folder.

    With ``force`` any existing file that is not an input may be replaced: the report
    formats have no marker that could prove a file is dedup's, and naming a file after
    ``-o`` is the request (``dedup scan`` and ``dedup index query`` replace their report
    file without asking, like ``sort -o``; ``dedup clean`` asks for ``--force``).

    A remote ``out`` is checked the same way against the remote inputs, by URL; a prefix
    holding objects counts as a folder.
    """
    if remote.is_remote(out):
        _check_remote_inputs(out, inputs, "output")
        fs, key = _store(out, "output")
        info = _info(fs, key, out, "output")
        if info is not None and info.get("type") == "directory":
            raise OutputError(f"output {out} is a folder (a prefix holding objects); give a file name")
        if info is not None and not force:
            raise OutputError(f"output {out} exists; pass --force to replace it")
        return
    target = _real(out)
    _check_inputs(out, target, inputs, "output")
    if target.is_dir():
        raise OutputError(f"output {out} is a folder; give a file name")
    if target.exists() and not force:
        raise OutputError(f"output {out} exists; pass --force to replace it")
    _ready_parent(out, target)


def check_index_file(index: str, inputs: Iterable[str], output_dir: str | None = None) -> None:
    """Refuse (:class:`OutputError`) an index file that is an input or lies inside an
    input folder (adding writes to it while the inputs are read), or that lies inside
    ``output_dir``, the folder ``dedup run`` replaces as a whole. Then creates its parent
    folder, as for an output. An index is a local file: a remote ``index`` is refused."""
    if remote.is_remote(index):
        raise OutputError(
            f"index {index}: an index is a local SQLite file, which needs a local disk to be updated in place; "
            "give a local path (and copy the file to the store afterwards if you want it there)"
        )
    target = _real(index)
    _check_inputs(index, target, inputs, "index")
    if output_dir is not None and not remote.is_remote(output_dir):
        folder = _real(output_dir)
        if target == folder or folder in target.parents:
            raise OutputError(
                f"index {index} is inside the output folder {output_dir}, which the run replaces as a whole; "
                "keep the index outside it"
            )
    _ready_parent(index, target)


def _store(url: str, what: str) -> tuple[Any, str]:
    """The file system of the remote ``url`` and the path within it; a missing package,
    an unknown or a read-only protocol is an :class:`OutputError`."""
    name = remote.protocol(url)
    if name in _READ_ONLY:
        raise OutputError(f"{what} {url}: {name}:// is read only; write to a local path or an object store (s3://...)")
    try:
        fs, path = remote.filesystem(url)
    except (ImportError, ValueError) as exc:
        raise OutputError(f"{what} {url}: {exc}") from None
    return fs, path.rstrip("/")


def _info(fs: Any, path: str, url: str, what: str) -> dict[str, Any] | None:
    """What the store holds at ``path``: an object, a prefix (``type`` ``directory``), or
    nothing (``None``, once the bucket is known to exist, so that a missing bucket is
    found now rather than after the work)."""
    try:
        fs.invalidate_cache(path)
        try:
            return dict(fs.info(path))
        except FileNotFoundError:
            pass
        bucket = path.split("/", 1)[0]
        if remote.protocol(url) in ("s3", "s3a", "gs", "gcs") and not fs.exists(bucket):
            raise OutputError(
                f"cannot write {what} {url}: the bucket {bucket} does not exist, or these credentials cannot see it; "
                "create it, or check its name"
            )
        return None
    except OutputError:
        raise
    except Exception as exc:
        raise OutputError(f"cannot reach the {what} {url}: {remote.problem(exc)}") from None


def _url_key(url: str) -> str:
    """A remote path compared as the store sees it: protocol in lower case (one name a
    store), no trailing slash, a pattern cut at its last literal folder.

    >>> _url_key("S3A://bucket/in/"), _url_key("s3://bucket/in/*.jsonl"), _url_key("gs://b/x[0-9]")
    ('s3://bucket/in', 's3://bucket/in', 'gs://b')
    """
    name = remote.protocol(url)
    path = url.split("://", 1)[1]
    pattern = _GLOB.search(path)
    if pattern:
        path = path[: pattern.start()].rpartition("/")[0]
    return f"{_SAME_STORE.get(name, name)}://{path.rstrip('/')}"


def _check_remote_inputs(out: str, inputs: Iterable[str], what: str) -> None:
    """The remote counterpart of :func:`_check_inputs`, by URL (a local input never clashes
    with a remote output)."""
    target = _url_key(out)
    for name in inputs:
        if not remote.is_remote(name):
            continue
        given = _url_key(name)
        if given == target:
            raise OutputError(f"{what} {out} is the input {name}; inputs are only read: choose another {_noun(what)}")
        if target.startswith(given + "/"):
            raise OutputError(f"{what} {out} is inside the input folder {name}; choose a {_noun(what)} outside it")
        if given.startswith(target + "/"):
            raise OutputError(
                f"{what} {out} holds the input {name}, which replacing it would delete; choose a {_noun(what)} "
                "that holds no input"
            )


def _check_temporary(out: str, inputs: Iterable[str]) -> None:
    """Refuse a remote output whose local temporary folder would lie inside an input folder."""
    temporary = _real(tempfile.gettempdir())
    for name, real, link in _inputs(inputs):
        if real.is_dir() and (real == temporary or real in temporary.parents):
            given = f"{name} (through the link {link})" if link else name
            raise OutputError(
                f"output folder {out} is made in the temporary folder {temporary} before it is uploaded, and that "
                f"is inside the input folder {given}; set TMPDIR to a folder outside the inputs"
            )


class OutputFolder:
    """A folder of outputs written as one: files go into a hidden folder beside ``target``,
    which takes the place of ``target`` (and of any previous output there) on ``commit``.

    Use it as a context manager: leaving the block commits, or removes the hidden folder
    when the block ends by an exception (Ctrl-C included), so the previous output stays,
    or there is none. (Without ``with``, call ``commit`` or ``abort`` in a ``try``: the
    hidden folder is made on the first write.) It is made, renamed into place and removed
    with SIGINT and SIGTERM held (:func:`deferred_signals`): whenever a signal comes,
    either the previous output or the complete new one is in place, and no hidden folder
    is left. The committed folder holds ``marker`` (unless the writer wrote it already),
    which lets a later ``--force`` replace it. A link at ``target`` is followed: the
    folder it names is replaced. Files are not synced one by one: the rename is the
    commit point against an interrupted process, not against a power cut.

    A remote ``target`` (a prefix of a store) cannot be renamed into place: ``work`` is a
    hidden local temporary folder (``TMPDIR``), and ``commit`` uploads it in an order
    that makes the marker the sign of a complete output: :data:`INCOMPLETE_MARKER` first
    (the prefix is dedup's, so ``--force`` may replace it, but unfinished), then the
    previous output's marker is deleted, the files uploaded (all but ``reserved``, in
    sorted order, several at once), then the ``reserved`` ones in their order (manifest,
    summary), the previous output's other objects deleted, the marker uploaded last and
    the incomplete flag deleted. An interrupted upload leaves an output without marker,
    never one that looks complete. A failed upload raises :class:`OutputError` naming the
    object and keeps the local folder (its name is in the message), so that the work is
    not lost; ``abort`` removes the local folder and touches nothing remote.
    """

    def __init__(
        self, target: str | os.PathLike[str], reserved: Iterable[str] = (), marker: str = OUTPUT_MARKER
    ) -> None:
        given = os.fspath(target)
        self.remote = remote.is_remote(given)
        self.target: Path | str = given.rstrip("/") if self.remote else Path(os.path.realpath(target))
        self.marker = marker
        self.reserved = tuple(reserved)
        self._work: Path | None = None
        self._done = False
        self._taken: set[PurePosixPath] = {PurePosixPath(name) for name in (*self.reserved, marker)}

    @property
    def work(self) -> Path:
        """The hidden folder the files are written to (made on first use)."""
        if self._done:
            raise RuntimeError(f"the output folder {self.target} was already committed or aborted")
        if self._work is None:
            try:
                with deferred_signals():
                    if self.remote:
                        self._work = Path(tempfile.mkdtemp(prefix=".dedup-output-"))
                    else:
                        Path(self.target).parent.mkdir(parents=True, exist_ok=True)
                        work = self._fresh("partial")
                        os.mkdir(work)
                        self._work = work
            except BaseException:  # a signal held while the folder was made comes out here
                self.abort()
                raise
        return self._work

    def _fresh(self, kind: str) -> Path:
        """An unused hidden name beside the target."""
        target = Path(self.target)
        while True:
            candidate = target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
            if not os.path.lexists(candidate):
                return candidate

    def claim(self, name: PurePosixPath) -> PurePosixPath:
        """``name``, or ``name~2``, ``name~3``... when another file took it already."""
        candidate, k = name, 1
        while candidate in self._taken:
            k += 1
            candidate = name.with_name(f"{name.stem}~{k}{name.suffix}")
        self._taken.add(candidate)
        return candidate

    def write(self, name: PurePosixPath | str, text: str) -> None:
        path = self.work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self) -> None:
        """Put the finished folder in place of the target: the previous output is moved
        aside, the new one renamed in, the previous one removed; should the second rename
        fail, the previous output is put back. (A remote target is uploaded instead, as the
        class says.)"""
        work = self.work
        if self.remote:
            self._commit_remote(work)
            return
        target = Path(self.target)
        with deferred_signals():
            if not (work / self.marker).exists():
                (work / self.marker).write_text("written by dedup, which may replace this folder (--force)\n")
            if os.path.lexists(target):
                old = self._fresh("old")
                os.rename(target, old)
                try:
                    os.rename(work, target)
                except BaseException:
                    os.rename(old, target)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(work, target)
            self._work, self._done = None, True

    def _commit_remote(self, work: Path) -> None:
        if not (work / self.marker).exists():
            (work / self.marker).write_text("written by dedup, which may replace this folder (--force)\n")
        try:
            _Upload(str(self.target), work, self.reserved, self.marker).run()
        except OutputError as exc:  # the store failed: keep the finished files for the user
            self._work, self._done = None, True
            raise OutputError(f"{exc}; the finished output is kept in {work}") from None
        self.abort()  # the uploaded copy is no longer needed

    def abort(self) -> None:
        """Remove the hidden folder, if it was made (nothing else is touched)."""
        with deferred_signals():
            if self._work is not None:
                shutil.rmtree(self._work, ignore_errors=True)
            self._work, self._done = None, True

    def __enter__(self) -> OutputFolder:
        self.work  # noqa: B018  (made now: writers may open files in it directly)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()
            return
        try:
            self.commit()
        except BaseException:
            self.abort()
            raise


class _Upload:
    """The upload of a finished local folder ``work`` to the prefix ``url``, in the order
    :class:`OutputFolder` gives."""

    def __init__(self, url: str, work: Path, reserved: Sequence[str], marker: str) -> None:
        self.url = url
        self.work = work
        self.fs, self.root = _store(url, "output folder")
        files = sorted(Path(top, n).relative_to(work).as_posix() for top, _, names in os.walk(work) for n in names)
        present = set(files)
        wanted = dict.fromkeys(PurePosixPath(name).as_posix() for name in reserved)
        self.reserved = [name for name in wanted if name in present and name != marker]
        self.files = [name for name in files if name not in self.reserved and name != marker]
        self.marker = marker
        self.all = present
        self.changed = False  # whether the store holds anything of this upload yet

    def run(self) -> None:
        try:
            self.fs.invalidate_cache(self.root)
            previous = {
                path[len(self.root) + 1 :]
                for path in self.fs.find(self.root)
                if path.startswith(self.root + "/") and len(path) > len(self.root) + 1
            }
        except Exception as exc:
            raise OutputError(f"cannot list the output folder {self.url}: {remote.problem(exc)}") from None
        flag = f"dedup is writing this output; it is complete when {self.marker} is here\n".encode()
        self._do(INCOMPLETE_MARKER, "upload", lambda: self.fs.pipe_file(self._key(INCOMPLETE_MARKER), flag))
        self.changed = True
        self._remove(sorted(previous & set(MARKERS)))
        self._put_all(self.files)
        for name in self.reserved:
            self._put(name)
        self._remove(sorted(previous - self.all - {*MARKERS, INCOMPLETE_MARKER}))
        self._put(self.marker)
        try:
            self.fs.rm_file(self._key(INCOMPLETE_MARKER))
        except Exception as exc:  # the output is complete all the same: say so, do not fail
            log.warning(
                "the output at %s is complete, but its %s could not be deleted: %s",
                self.url, INCOMPLETE_MARKER, remote.problem(exc),
            )  # fmt: skip

    def _key(self, name: str) -> str:
        return f"{self.root}/{name}"

    def _do(self, name: str, verb: str, call: Callable[[], object]) -> None:
        try:
            call()
        except Exception as exc:
            state = f"nothing at {self.url} was changed"
            if self.changed:
                state = f"the output at {self.url} is incomplete (no {self.marker}): run again with --force"
            raise OutputError(f"cannot {verb} {remote.join(self.url, name)}: {remote.problem(exc)}; {state}") from None

    def _put(self, name: str) -> None:
        self._do(name, "upload", lambda: self.fs.put_file(str(self.work / name), self._key(name)))

    def _put_all(self, names: Sequence[str]) -> None:
        """Upload ``names``, several at once; the first failure stops the rest."""
        if len(names) < 2:
            for name in names:
                self._put(name)
            return
        with ThreadPoolExecutor(max_workers=_UPLOADS, thread_name_prefix="dedup-upload") as pool:
            futures = [pool.submit(self._put, name) for name in names]
            try:
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                for future in futures:
                    if future in done:
                        future.result()  # the first failure, in upload order, comes out here
            finally:
                for future in futures:
                    future.cancel()

    def _remove(self, names: Sequence[str]) -> None:
        if names:
            shown = names[0] if len(names) == 1 else f"{names[0]} (and {len(names) - 1} more objects)"
            self._do(shown, "delete", lambda: self.fs.rm([self._key(name) for name in names]))
