"""Who survives a cluster: the ``--keep`` policies, and the keep order they give.

``first`` (input order), ``longest``, ``newest:FIELD`` / ``oldest:FIELD`` (an ISO 8601
date or a number), ``max:FIELD`` / ``min:FIELD`` (a number or a date), and ``none``
(every member of a cluster is dropped; matching itself runs in input order). A field is
looked up in the document's record (``Document.fields``), then in what the reader or the
HTML extractor found (``url``; ``date``, ``title``... of a page). A document whose value
is missing or cannot be read ranks after all others, and is reported; ties keep input
order, so the order, and the results, are the same on every run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import OptionsError

__all__ = [
    "FIELD_POLICIES", "POLICIES", "KeepPolicy", "field_ranks", "keep_order", "parse_keep", "rank_value", "value_of",
]  # fmt: skip

POLICIES = ("first", "longest", "none")
# Field policies, and whether a greater value comes first.
FIELD_POLICIES = {"newest": True, "max": True, "oldest": False, "min": False}
_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class KeepPolicy:
    """A parsed ``--keep`` value: its kind, and the field it ranks by (field policies)."""

    kind: str
    field: str | None = None

    @property
    def descending(self) -> bool:
        return FIELD_POLICIES.get(self.kind, False)

    def __str__(self) -> str:
        return f"{self.kind}:{self.field}" if self.field else self.kind


def parse_keep(value: str) -> KeepPolicy:
    """A ``--keep`` value as a policy; :class:`OptionsError` names the choices.

    >>> parse_keep("newest:date"), parse_keep("longest")
    (KeepPolicy(kind='newest', field='date'), KeepPolicy(kind='longest', field=None))
    """
    kind, sep, name = value.partition(":")
    if not sep and kind in POLICIES:
        return KeepPolicy(kind)
    if sep and kind in FIELD_POLICIES and name.strip():
        return KeepPolicy(kind, name.strip())
    if kind in FIELD_POLICIES:
        raise OptionsError(f"keep {value!r} needs a field: {kind}:FIELD (for example {kind}:date)")
    choices = ", ".join([*POLICIES, *(f"{k}:FIELD" for k in FIELD_POLICIES)])
    raise OptionsError(f"keep must be one of {choices}; got {value!r}")


def value_of(name: str, fields: Mapping[str, Any], *found: Mapping[str, Any]) -> Any:
    """The value of field ``name``: from the record's fields, else from the first of the
    ``found`` mappings (reader's and extractor's metadata) that has it; ``None`` if none."""
    if name in fields:
        return fields[name]
    for mapping in found:
        if name in mapping:
            return mapping[name]
    return None


def rank_value(value: Any) -> tuple[str, float] | None:
    """A field value as ``(kind, number)`` for ranking: ``("number", x)`` for numbers and
    numeric strings, ``("date", seconds since 1970 UTC)`` for dates, datetimes and ISO 8601
    strings (a time without a zone is read as UTC); ``None`` when it is neither.

    >>> rank_value(3), rank_value(" 2.5 "), rank_value("2024-03-01"), rank_value("2024-03-01T12:00:00Z")
    (('number', 3.0), ('number', 2.5), ('date', 1709251200.0), ('date', 1709294400.0))
    >>> rank_value("yesterday"), rank_value(None), rank_value(True), rank_value(float("nan"))
    (None, None, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        number = float(value)
        return ("number", number) if math.isfinite(number) else None
    if isinstance(value, dt.datetime):
        return "date", _seconds(value)
    if isinstance(value, dt.date):
        return "date", _seconds(dt.datetime(value.year, value.month, value.day))
    if not isinstance(value, str):
        return None
    if _NUMBER.match(value):
        return rank_value(float(value))
    text = value.strip()
    if text.endswith(("Z", "z")):  # Python 3.10 reads no "Z"
        text = text[:-1] + "+00:00"
    try:
        return "date", _seconds(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def _seconds(moment: dt.datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return (moment - _EPOCH).total_seconds()


def field_ranks(values: list[Any]) -> tuple[np.ndarray, list[int]]:
    """Each value as a number to rank by (NaN where it is missing or unreadable), and the
    positions of the unreadable or missing ones. A field holds one kind: the kind of its
    first readable value; values of the other kind count as unreadable (a column that
    mixes years and dates cannot be ranked both ways at once)."""
    out = np.full(len(values), np.nan)
    kind: str | None = None
    bad: list[int] = []
    for k, value in enumerate(values):
        found = rank_value(value)
        if found is not None and kind is None:
            kind = found[0]
        if found is None or found[0] != kind:
            bad.append(k)
        else:
            out[k] = found[1]
    return out, bad


def keep_order(tokens: np.ndarray, policy: KeepPolicy, values: np.ndarray | None = None) -> np.ndarray:
    """Rank of each document in keep order (0 is kept first).

    ``first`` and ``none``: input order; ``longest``: most tokens first; a field policy:
    by ``values`` (NaN last), greatest first for ``newest`` and ``max``. Ties keep input
    order.

    >>> keep_order(np.array([5, 9, 9]), KeepPolicy("longest")).tolist()
    [2, 0, 1]
    >>> keep_order(np.array([1, 1, 1]), KeepPolicy("newest", "d"), np.array([1.0, np.nan, 3.0])).tolist()
    [1, 2, 0]
    """
    n = tokens.size
    position = np.arange(n)
    if policy.kind == "longest":
        order = np.lexsort((position, -tokens))
    elif policy.field is not None:
        if values is None:
            raise ValueError(f"keep {policy}: no field values given")
        missing = np.isnan(values)
        key = np.where(missing, 0.0, -values if policy.descending else values)
        order = np.lexsort((position, key, missing))
    else:
        order = position
    rank = np.empty(n, dtype=np.int64)
    rank[order] = position
    return rank
