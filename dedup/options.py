"""Options of a scan: one frozen dataclass, checked when it is made."""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import OptionsError
from .keep import KeepPolicy, parse_keep

__all__ = ["LEVELS", "KEEP_RULES", "MIN_MEMORY", "ScanOptions", "default_jobs", "parse_memory"]

LEVELS = ("doc", "paragraph", "both")
# What an index may keep (a field policy or none needs the whole corpus at once).
KEEP_RULES = ("first", "longest")


# The smallest --memory budget: below it the sorts would be cut into pieces too small to
# pay for their files (and the interpreter alone uses more).
MIN_MEMORY = 64 << 20
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


def parse_memory(text: str | int) -> int:
    """Bytes from a size such as ``2G``, ``512M``, ``1.5GiB`` or ``1073741824`` (binary units).

    >>> parse_memory("2G"), parse_memory("512MiB"), parse_memory(65536 * 1024)
    (2147483648, 536870912, 67108864)
    """
    if isinstance(text, bool):
        raise OptionsError(f"memory must be a size such as 2G or 512M; got {text!r}")
    if isinstance(text, int):
        size = text
    else:
        found = _SIZE.fullmatch(str(text).strip())
        if found is None:
            raise OptionsError(
                f"memory must be a size such as 2G, 512M or 1.5GiB (binary units K, M, G, T); got {text!r}"
            )
        size = int(float(found.group(1)) * _UNITS[found.group(2).upper()])
    if size < MIN_MEMORY:
        raise OptionsError(f"memory must be at least {MIN_MEMORY >> 20}M; got {text!r} ({size:,} bytes)")
    return size


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ScanOptions:
    """What a scan compares and how; every field is in the JSON report except ``jobs``
    and ``memory``, which change how a scan runs, never what it finds.

    The defaults were chosen on the syndication benchmark (``scripts/eval_neardup.py``);
    README.md gives the figures and the trade-off.
    """

    level: str = "both"
    # Documents: word n-gram size, Jaccard threshold, and containment (share of the
    # shorter document's shingles found in the longer) that also confirms a pair when
    # the shorter is at least ``min_length_ratio`` of the longer (abridged copies).
    # Word 3-grams keep lightly edited copies similar (an edit changes 3 shingles, not
    # 5); on the benchmark no unrelated pair came near these values (highest: Jaccard
    # 0.12, containment 0.28) while 97% of true copies pass.
    ngram: int = 3
    threshold: float = 0.5
    containment: float | None = 0.8
    min_length_ratio: float = 0.4
    # Paragraphs: Jaccard threshold and the fewest tokens a paragraph needs to count.
    paragraph_threshold: float = 0.5
    min_paragraph_words: int = 10
    num_perm: int = 128
    seed: int = 1
    # Who survives a cluster (see dedup.keep): first, longest, none, newest:FIELD...
    keep: str = "first"
    # Documents whose canonical URL is the same are one cluster, whatever their texts.
    same_url: bool = False
    clean: bool = True
    # A TOML file of cleaning rules to add or disable (see README); None: built-in rules.
    clean_rules: str | None = None
    text_field: str = "text"
    id_field: str = "id"
    jobs: int = field(default_factory=default_jobs, compare=False)
    # Bytes the bucketing may sort in memory at once (None: no limit); see dedup.lsh.buckets.
    # A size given as text ("2G") is parsed.
    memory: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise OptionsError(f"level must be one of {', '.join(LEVELS)}; got {self.level!r}")
        if not isinstance(self.keep, str):
            raise OptionsError(f"keep must be a string such as 'first' or 'newest:date'; got {self.keep!r}")
        parse_keep(self.keep)
        for name in ("threshold", "paragraph_threshold", "min_length_ratio"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise OptionsError(f"{name} must be in (0, 1]; got {value!r}")
        if self.containment is not None and not 0.0 < self.containment <= 1.0:
            raise OptionsError(f"containment must be in (0, 1] or None (off); got {self.containment!r}")
        _check_int("ngram", self.ngram, 1, 64)
        _check_int("num_perm", self.num_perm, 2, 4096)
        _check_int("seed", self.seed, 0, 2**32 - 1)
        _check_int("min_paragraph_words", self.min_paragraph_words, 1, 10_000)
        _check_int("jobs", self.jobs, 1, 1024)
        if self.memory is not None:
            object.__setattr__(self, "memory", parse_memory(self.memory))
        for name in ("text_field", "id_field"):
            if not getattr(self, name):
                raise OptionsError(f"{name} must be a non-empty field name")

    @property
    def keep_policy(self) -> KeepPolicy:
        """``keep`` parsed."""
        return parse_keep(self.keep)

    def as_dict(self) -> dict[str, Any]:
        """The options that decide the results (everything but ``jobs`` and ``memory``), for reports."""
        out = asdict(self)
        del out["jobs"], out["memory"]
        return out


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise OptionsError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
