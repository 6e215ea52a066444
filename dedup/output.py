"""Where outputs go, and writing them atomically: the only module of the engine that writes.

An output never replaces an input, never lands inside an input folder, and never replaces
earlier output unless asked (``force``). Every file is written to a temporary name beside
its target, then renamed, so an interrupted run leaves the previous file or none, never a
truncated one.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from types import TracebackType

from .documents import Document
from .errors import OutputError
from .readers import STDIN

__all__ = ["OutputFolder", "check_output_dir", "check_output_file", "output_name", "write_atomic"]

_UNSAFE = re.compile(r"[^\w.-]+")


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so that readers see the old file or the new one."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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


def _input_folders(inputs: Iterable[str]) -> list[tuple[str, Path]]:
    return [(p, Path(p).resolve()) for p in inputs if p != STDIN and Path(p).is_dir()]


def check_output_dir(out: str, inputs: Iterable[str], force: bool) -> None:
    """Refuse an output folder that is, or lies inside, an input folder, or that already
    holds files (unless ``force``)."""
    target = Path(out).resolve()
    for name, folder in _input_folders(inputs):
        if target == folder or folder in target.parents:
            raise OutputError(f"output folder {out} is inside the input folder {name}; choose a folder outside it")
    if target.exists() and not target.is_dir():
        raise OutputError(f"output folder {out} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise OutputError(f"output folder {out} is not empty; pass --force to replace it")


def check_output_file(out: str, inputs: Iterable[str], force: bool) -> None:
    """Refuse an output file that is an input, lies in an input folder, or exists (unless
    ``force``)."""
    target = Path(out).resolve()
    for p in inputs:
        if p != STDIN and Path(p).resolve() == target:
            raise OutputError(f"output {out} is one of the inputs; choose another file")
    for name, folder in _input_folders(inputs):
        if folder in target.parents:
            raise OutputError(f"output {out} is inside the input folder {name}; choose a file outside it")
    if target.exists() and not force:
        raise OutputError(f"output {out} exists; pass --force to replace it")


class OutputFolder:
    """A folder of outputs written as one: files go into a hidden folder beside ``target``,
    which takes the place of ``target`` (and of any previous output there) on ``commit``.

    Leaving the ``with`` block by an exception (Ctrl-C included) removes the partial
    folder, so the previous output stays, or there is none. Files are not synced one by
    one: the rename is the commit point against an interrupted process, not against a
    power cut.
    """

    def __init__(self, target: str | os.PathLike[str], reserved: Iterable[str] = ()) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.work = self._fresh("partial")
        os.mkdir(self.work)
        self._taken: set[PurePosixPath] = {PurePosixPath(name) for name in reserved}

    def _fresh(self, kind: str) -> Path:
        """An unused hidden name beside the target (made with the user's umask)."""
        while True:
            candidate = self.target.parent / f".{self.target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
            if not candidate.exists():
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
        """Put the finished folder in place of the target (two renames)."""
        if self.target.exists():
            old = self._fresh("old")
            os.rename(self.target, old)
            os.rename(self.work, self.target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self.work, self.target)

    def abort(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
