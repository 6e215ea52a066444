"""The project's exception classes, imported on first use.

``dedup`` imports this package at start-up; importing ``dedup.errors`` at the top of our
modules would run ``dedup/__init__`` in the middle of our own import (a cycle) when
``clean`` is imported first. The errors are only needed when something is wrong.
"""

from __future__ import annotations


def options_error(message: str) -> Exception:
    """A ``dedup.errors.OptionsError`` (also a ``ValueError``)."""
    from dedup.errors import OptionsError

    return OptionsError(message)


def config_error(message: str) -> Exception:
    """A ``dedup.errors.ConfigError``."""
    from dedup.errors import ConfigError

    return ConfigError(message)
