"""The cleaner's own exceptions: ``clean`` stands alone, so it raises these and callers
(``dedup`` among them) wrap them as they see fit."""

from __future__ import annotations

__all__ = ["CleanError", "CleanOptionsError", "RulesError"]


class CleanError(Exception):
    """Base class of the errors the cleaner raises on purpose."""


class CleanOptionsError(CleanError, ValueError):
    """An option of the cleaner is outside its allowed range (names the value and the range)."""


class RulesError(CleanError):
    """A rules file or rule definition is bad (names the file, the rule and the problem)."""
