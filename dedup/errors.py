"""Every exception the library raises on purpose: one base class, one subclass per kind.

Messages say what was expected, what was found, where, and how to fix it, so the CLI can
print them as they are.
"""

from __future__ import annotations

__all__ = [
    "ConfigError", "DedupError", "IndexFileError", "IndexOptionsError", "InputError", "OptionsError", "OutputError",
    "PathError",
]  # fmt: skip


class DedupError(Exception):
    """Base class of the errors this package raises on purpose."""


class OptionsError(DedupError, ValueError):
    """An option has a value outside its allowed range (names the option and the range)."""


class ConfigError(DedupError):
    """A configuration file (rules, options) could not be read or has a bad entry."""


class InputError(DedupError):
    """One input document or file could not be read; the run goes on without it.

    ``path`` names the file, ``line`` the 1-based line (JSONL records) or ``None``, and
    ``doc_id`` the document when it is known.
    """

    def __init__(self, path: str, reason: str, line: int | None = None, doc_id: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        self.doc_id = doc_id
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, int | None, str | None]]:
        # A failure in a worker process comes back pickled: rebuild it from its fields
        # (the default would call InputError(message) and fail in the pool).
        return type(self), (self.path, self.reason, self.line, self.doc_id)


class PathError(DedupError):
    """A path given as input does not exist or cannot be listed: a usage error."""


class OutputError(DedupError):
    """An output would overwrite an input, sit inside an input folder, or replace existing
    output without being asked to: a usage error."""


class IndexFileError(DedupError):
    """The file is not a usable index: missing, not a dedup index, damaged, made by a
    newer dedup, or locked by another process for longer than the timeout."""


class IndexOptionsError(OptionsError):
    """Options that differ from those the index was built with (names both values)."""
