"""Where outputs go, and writing them atomically: the only module of the engine that writes.

An output never replaces an input, never lands inside an input folder, and never replaces
earlier output unless asked (``force``). Every file is written to a temporary name beside
its target, then renamed, so an interrupted run leaves the previous file or none, never a
truncated one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .documents import Document
from .errors import OutputError
from .readers import STDIN

__all__ = ["check_output_dir", "check_output_file", "output_name", "write_atomic"]

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
        raise OutputError(f"output folder {out} is not empty; pass --force to write into it")


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
