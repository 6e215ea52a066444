"""What the cleaner returns: the kept text, where each kept line came from, and every removal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["CleanResult", "Removal"]


@dataclass(frozen=True)
class Removal:
    """One removed span of the input, with the rule that removed it.

    ``first_line`` and ``last_line`` are 1-based and inclusive, counted in the text given to
    the cleaner. For an in-line trim (a glued date, a credit at the end of a caption) the
    span is one line and ``text`` holds only the trimmed part.
    """

    first_line: int
    last_line: int
    rule: str
    text: str


@dataclass(frozen=True)
class CleanResult:
    """The cleaned text of one document and the account of what was removed.

    ``line_map[i]`` is the 1-based input line that line ``i`` of ``text.split("\\n")`` came
    from (0 where it cannot be located, which only happens for HTML input). ``language``
    is the ISO 639-1 code the document was cleaned as (``""``: too little text to tell).
    """

    text: str
    line_map: tuple[int, ...]
    removed: tuple[Removal, ...]
    flags: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    language: str = ""

    def removed_by_rule(self) -> dict[str, int]:
        """Count of removed non-blank lines per rule id (trims count once each)."""
        counts: dict[str, int] = {}
        for r in self.removed:
            counts[r.rule] = counts.get(r.rule, 0) + r.last_line - r.first_line + 1
        return counts
