"""Where outputs go, and writing them atomically: the only module of the engine that writes.

Inputs are only ever read: an output is refused, before anything is read, when it is an
input, holds one (a file or folder given as input, or reached through a link from one,
lies inside the output folder), or lies inside an input folder; links are resolved. An
output folder that already holds files is replaced (``force``) only when a marker file
proves that dedup wrote it. Every file is written to a temporary name beside its target,
then renamed, so an interrupted run leaves the previous file or none, never a truncated
one; Ctrl-C and SIGTERM wait while a temporary file or folder is made, put in place or
removed, so that none is left behind.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import FrameType, TracebackType

from .documents import Document
from .errors import OutputError
from .readers import RUN_MARKER, STDIN

__all__ = [
    "MARKERS", "OUTPUT_MARKER", "OutputFolder", "check_index_file", "check_output_dir", "check_output_file",
    "deferred_signals", "output_name", "write_atomic",
]  # fmt: skip

_UNSAFE = re.compile(r"[^\w.-]+")
# The marker an output folder gets when its writer has none of its own (``dedup clean``);
# ``dedup run`` writes RUN_MARKER, which also tells the reader to skip its manifest.
OUTPUT_MARKER = ".dedup-output"
# Files that prove a folder was written by dedup, so that --force may replace it.
MARKERS = (RUN_MARKER, OUTPUT_MARKER)
# The signals that stop a command (Ctrl-C, kill, timeout, systemd).
_STOP = (signal.SIGINT, signal.SIGTERM)


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
    """
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
        if name == STDIN:
            continue
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
    nothing is read before the output is known to be possible."""
    target = _real(out)
    _check_inputs(out, target, inputs, "output folder")
    if target.exists() and not target.is_dir():
        raise OutputError(f"output folder {out} exists and is not a folder; choose a folder")
    if target.is_dir() and any(target.iterdir()):
        if not any((target / marker).is_file() for marker in MARKERS):
            raise OutputError(
                f"output folder {out} holds files that dedup did not write (no {' or '.join(MARKERS)} marker), "
                "which --force does not replace; choose a new or empty folder, or move those files away"
            )
        if not force:
            raise OutputError(f"output folder {out} is not empty (an earlier dedup output); pass --force to replace it")
    _ready_parent(out, target)


def check_output_file(out: str, inputs: Iterable[str], force: bool) -> None:
    """Refuse (:class:`OutputError`) an output file that is an input or lies inside an
    input folder (a link is followed: a link to an input is that input), a folder, and
    an existing file unless ``force``. Then creates its parent folder.

    With ``force`` any existing file that is not an input may be replaced: the report
    formats have no marker that could prove a file is dedup's, and naming a file after
    ``-o`` is the request (``dedup scan`` and ``dedup index query`` replace their report
    file without asking, like ``sort -o``; ``dedup clean`` asks for ``--force``).
    """
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
    folder, as for an output."""
    target = _real(index)
    _check_inputs(index, target, inputs, "index")
    if output_dir is not None:
        folder = _real(output_dir)
        if target == folder or folder in target.parents:
            raise OutputError(
                f"index {index} is inside the output folder {output_dir}, which the run replaces as a whole; "
                "keep the index outside it"
            )
    _ready_parent(index, target)


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
    """

    def __init__(
        self, target: str | os.PathLike[str], reserved: Iterable[str] = (), marker: str = OUTPUT_MARKER
    ) -> None:
        self.target = Path(os.path.realpath(target))
        self.marker = marker
        self._work: Path | None = None
        self._done = False
        self._taken: set[PurePosixPath] = {PurePosixPath(name) for name in (*reserved, marker)}

    @property
    def work(self) -> Path:
        """The hidden folder the files are written to (made on first use)."""
        if self._done:
            raise RuntimeError(f"the output folder {self.target} was already committed or aborted")
        if self._work is None:
            try:
                with deferred_signals():
                    self.target.parent.mkdir(parents=True, exist_ok=True)
                    work = self._fresh("partial")
                    os.mkdir(work)
                    self._work = work
            except BaseException:  # a signal held while the folder was made comes out here
                self.abort()
                raise
        return self._work

    def _fresh(self, kind: str) -> Path:
        """An unused hidden name beside the target."""
        while True:
            candidate = self.target.parent / f".{self.target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
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
        fail, the previous output is put back."""
        work = self.work
        with deferred_signals():
            if not (work / self.marker).exists():
                (work / self.marker).write_text("written by dedup, which may replace this folder (--force)\n")
            if os.path.lexists(self.target):
                old = self._fresh("old")
                os.rename(self.target, old)
                try:
                    os.rename(work, self.target)
                except BaseException:
                    os.rename(old, self.target)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(work, self.target)
            self._work, self._done = None, True

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
