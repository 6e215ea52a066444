"""A scratch file for what a scan needs again only for some documents.

Shingle sequences (for exact verification), cleaned texts between the two passes, and
paragraph texts (for the report) would make memory grow with the corpus; they are
appended here instead and read back by offset when needed. The file is anonymous and
goes away when closed.
"""

from __future__ import annotations

import os
import tempfile
from types import TracebackType

__all__ = ["Spill"]


class Spill:
    """Append-only bytes on disk, readable at any time by offset."""

    def __init__(self, folder: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._size = 0
        self._dirty = False

    def append(self, data: bytes) -> int:
        """Store ``data``; returns its offset."""
        offset = self._size
        self._file.write(data)
        self._size += len(data)
        self._dirty = True
        return offset

    def read(self, offset: int, length: int) -> bytes:
        """The ``length`` bytes stored at ``offset``."""
        if self._dirty:
            self._file.flush()
            self._dirty = False
        data = os.pread(self._file.fileno(), length, offset)
        if len(data) != length:
            raise OSError(f"scratch file truncated: wanted {length} bytes at {offset}, got {len(data)}")
        return data

    @property
    def size(self) -> int:
        """Bytes stored so far."""
        return self._size

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
