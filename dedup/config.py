"""Options from configuration files: ``[tool.dedup]`` in ``pyproject.toml`` (in the current
folder) and ``dedup.toml`` beside the input. Flags given on the command line win over
``dedup.toml``, which wins over ``pyproject.toml``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from .errors import ConfigError
from .readers import STDIN

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["CONFIG_NAME", "Setting", "find_config", "load_config"]

CONFIG_NAME = "dedup.toml"


def find_config(paths: Iterable[str], cwd: str | os.PathLike[str] = ".") -> list[Path]:
    """Configuration files that apply, weakest first: ``pyproject.toml`` of ``cwd`` (if it
    has a ``[tool.dedup]`` table), then ``dedup.toml`` in the first input folder (or beside
    the first input file) that has one."""
    found = []
    project = Path(cwd) / "pyproject.toml"
    if project.is_file():
        found.append(project)
    for p in paths:
        if p == STDIN:
            continue
        folder = Path(p) if Path(p).is_dir() else Path(p).parent
        if (folder / CONFIG_NAME).is_file():
            found.append(folder / CONFIG_NAME)
            break
    return found


class Setting(NamedTuple):
    """An option's value as the file gave it (the CLI checks its type as for a flag), and
    the file, for messages."""

    value: Any
    path: Path


def load_config(files: Iterable[Path], known: Iterable[str]) -> dict[str, Setting]:
    """Option values from ``files`` (later files win), keys with ``_`` for ``-``.

    Raises :class:`ConfigError` naming the file for a file that is not TOML or an option
    that does not exist.
    """
    known = set(known)
    values: dict[str, Setting] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read configuration ({exc})") from None
        table = data.get("tool", {}).get("dedup", {}) if path.name == "pyproject.toml" else data
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.dedup] must be a table of options")
        for key, value in table.items():
            name = key.replace("-", "_")
            if name not in known:
                raise ConfigError(f"{path}: unknown option {key!r} (known: {', '.join(sorted(known))})")
            values[name] = Setting(value, path)
    return values
