"""Records out: rows (dicts) written as JSONL, Parquet, CSV or TSV, the same rows giving the
same bytes.

A row's values are what the readers give (``str``, ``int``, ``float``, ``bool``, ``None``,
``datetime``, ``date``, ``Decimal``, ``bytes``, lists and dicts). :func:`plan_columns` makes
one pass over the rows and gives each column one kind; :class:`RecordWriter` then writes
them, column by column in that order, a missing field being null. How values are written:

============  ========================  ==========================  =======================
value         JSONL                     Parquet (by column kind)    CSV / TSV cell
============  ========================  ==========================  =======================
None          ``null``                  null                        empty (as ``""`` is)
bool          ``true``/``false``        bool                        ``true``/``false``
int           number                    int64                       digits
float         number; NaN and           double (NaN, inf kept)      ``repr``: ``0.5``,
              infinities ``null``                                   ``nan``, ``inf``
              (as pandas writes them)
str           string                    string                      the text
Decimal       string of its digits      string of its digits        its digits
              (``"12.50"``: exact)
datetime      ISO 8601 string           timestamp[us] (UTC when     ISO 8601
                                        any value has a time zone)
date          ISO 8601 string           date32                      ISO 8601
bytes         base64 string             binary                      base64
list, dict    JSON array, object        string of JSON text         JSON text
============  ========================  ==========================  =======================

A column whose values disagree in kind (``int`` and ``float`` excepted: ``float``), or that
holds lists or dicts, or integers beyond 64 bits, is a ``json`` column: in Parquet each of
its cells holds the JSON text of its value (a string ``"a"`` as ``"\\"a\\""``), so that a
reader parses every cell the same way and no value is lost. Types follow the values: an
``int32`` column of a Parquet input comes out ``int64``. Text that cannot be UTF-8
(lone surrogates, from ``"\\udc80"`` escapes in the input) is written as ``\\u`` escapes in
JSONL, and as U+FFFD in Parquet, CSV and TSV, whose strings must be UTF-8.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .errors import OptionsError

__all__ = ["BYTES_PER_GROUP", "KINDS", "RECORD_FORMATS", "ROWS_PER_GROUP", "Column", "RecordWriter",
           "check_format", "plan_columns"]  # fmt: skip

RECORD_FORMATS = ("jsonl", "parquet", "csv", "tsv")
KINDS = ("string", "int", "float", "bool", "timestamp", "date", "binary", "json")
# A Parquet row group is held in memory whole, by the writer and by most readers (pyarrow,
# DuckDB and Spark read one group at a time), so a group closes at whichever bound comes
# first. 64 MiB of text keeps memory bounded however long the documents (10,000 books
# would be gigabytes); 10,000 rows bounds what byte counts do not see, the Python objects
# of many short rows. Both sit where bigger groups no longer make smaller files: on the
# 1,358 articles of wcxb-dev (13 MB of text, 9.7 KB each, zstd) groups of 700 rows (6.7 MB)
# made the file 0.15% bigger than one group, of 100 rows 1.3%, of 30 rows 4%; documents
# are seldom under 1 KB, so 10,000 of them make groups of 10 MB or more.
ROWS_PER_GROUP = 10_000
BYTES_PER_GROUP = 64 * 1024 * 1024
# zstd rather than snappy (pyarrow's default): on the same articles the file was 29%
# smaller (5.2 MB against 7.3 MB) for about the same write time with 100-row groups, and
# every current Parquet reader (pyarrow, DuckDB, Polars, Spark 3, datasets) reads it;
# gzip was 10% smaller again but wrote 13 times slower.
_COMPRESSION = "zstd"
_INT64 = (-(2**63), 2**63 - 1)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BY_TYPE = {
    str: "string", int: "int", float: "float", bool: "bool", dt.datetime: "timestamp", dt.date: "date",
    bytes: "binary", list: "json", dict: "json", tuple: "json", Decimal: "string",
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One output column: its name, the kind of its values (one of :data:`KINDS`) and, for
    a timestamp column, whether Parquet stores it in UTC (``utc``: some value has a time
    zone; values without one are then taken as UTC) rather than as local wall-clock time.
    ``arrow``, when given, is the Arrow type Parquet stores the column as, values as they
    are (the type the column had in the Parquet input, lists and decimals included)."""

    name: str
    kind: str
    utc: bool = False
    arrow: Any = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r} has kind {self.kind!r}; expected one of {', '.join(KINDS)}")


def plan_columns(rows: Iterable[Mapping[str, Any]]) -> list[Column]:
    """Every field of ``rows``, in the order first seen, with the kind of its values.

    ``None`` never decides a kind (a column of nulls only is ``string``); ``int`` and
    ``float`` together make ``float``; lists, dicts, integers beyond 64 bits and values of
    different kinds make ``json``. Needs the rows in memory or a second pass: the writer
    must know every column before its first row (Parquet writes the schema first).

    >>> [(c.name, c.kind) for c in plan_columns([{"id": "a", "n": 1, "x": None}, {"id": "b", "n": 2.5, "t": [1]}])]
    [('id', 'string'), ('n', 'float'), ('x', 'string'), ('t', 'json')]
    """
    seen: dict[str, set[str]] = {}
    aware: set[str] = set()
    for row in rows:
        for name, value in row.items():
            kinds = seen.get(name)
            if kinds is None:
                kinds = seen[name] = set()
            kind = _kind(value)
            if kind is None:
                continue
            kinds.add(kind)
            if kind == "timestamp" and value.utcoffset() is not None:
                aware.add(name)
    columns = []
    for name, kinds in seen.items():
        kind = _merged(kinds)
        columns.append(Column(name, kind, utc=kind == "timestamp" and name in aware))
    return columns


def _kind(value: Any) -> str | None:
    """The kind of one value (``bigint`` for an integer beyond 64 bits), ``None`` for None."""
    kind = _BY_TYPE.get(type(value))
    if kind is None:
        if value is None:
            return None
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, numbers.Integral):
            kind = "int"
        elif isinstance(value, numbers.Real):
            kind = "float"
        elif isinstance(value, dt.datetime):
            kind = "timestamp"
        elif isinstance(value, dt.date):
            kind = "date"
        elif isinstance(value, (bytes, bytearray, memoryview)):
            kind = "binary"
        elif isinstance(value, (Mapping, list, tuple)):
            kind = "json"
        else:
            return "string"  # written as its text (Decimal, time, UUID...)
    if kind == "int" and not _INT64[0] <= value <= _INT64[1]:
        return "bigint"
    return kind


def _merged(kinds: set[str]) -> str:
    if not kinds:
        return "string"
    if len(kinds) == 1:
        (kind,) = kinds
        return "json" if kind == "bigint" else kind
    return "float" if kinds == {"int", "float"} else "json"


def check_format(fmt: str) -> None:
    """Raise :class:`OptionsError` for a format that is not one of :data:`RECORD_FORMATS`,
    or ``parquet`` without pyarrow: call it before the work, so that a run does not fail
    at its end."""
    if fmt not in RECORD_FORMATS:
        raise OptionsError(f"output format {fmt!r} is not one of {', '.join(RECORD_FORMATS)}")
    if fmt == "parquet":
        _pyarrow()


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise OptionsError("writing Parquet needs pyarrow: pip install 'dedup[parquet]'") from None
    return pa, pq


class RecordWriter:
    """Writes rows to the local file ``path`` as ``fmt`` (one of :data:`RECORD_FORMATS`),
    with ``columns`` (from :func:`plan_columns`) in their order; a field missing from a row
    is null (an empty cell in CSV and TSV). The module docstring says how each value is
    written. Use it as a context manager (or call :meth:`close`)::

        with RecordWriter("out.parquet", "parquet", plan_columns(rows)) as writer:
            for row in rows:
                writer.write(row)

    JSONL: one JSON object a line (UTF-8, ``ensure_ascii=False``). CSV and TSV: a header of
    the column names, then one record a row, ``\\n`` line ends; a cell holding the
    delimiter, a quote or a line break is quoted, so a text of many lines stays one record
    (TSV is the csv module's ``excel-tab`` dialect, which pandas and DuckDB read).
    Parquet: one file, zstd-compressed, in row groups closed at ``rows_per_group`` rows or
    ``bytes_per_group`` bytes of values, whichever comes first, so memory stays bounded
    whatever the document sizes (a row bigger than the bound is a group alone).

    Every value fits its column when the columns were planned from the rows written. One
    that does not (a plan made from other rows) is written as its text in ``string`` and
    ``json`` columns, and raises :class:`ValueError` in the typed ones, where a guess would
    change the data; a field that is no column raises :class:`ValueError` too.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fmt: str,
        columns: Sequence[Column],
        rows_per_group: int = ROWS_PER_GROUP,
        bytes_per_group: int = BYTES_PER_GROUP,
    ) -> None:
        check_format(fmt)
        if rows_per_group < 1 or bytes_per_group < 1:
            raise OptionsError(
                f"row groups need at least 1 row and 1 byte; got rows_per_group={rows_per_group}, "
                f"bytes_per_group={bytes_per_group}"
            )
        self.columns = tuple(columns)
        self._names = {column.name for column in self.columns}
        if len(self._names) != len(self.columns):
            raise ValueError(f"column names repeat: {[c.name for c in self.columns]}")
        self.path = Path(path)
        self.format = fmt
        self.rows = 0
        self._sink: _Sink
        if fmt == "parquet":
            self._sink = _Parquet(self.path, self.columns, rows_per_group, bytes_per_group)
        elif fmt == "jsonl":
            self._sink = _JsonLines(self.path, self.columns)
        else:
            self._sink = _Delimited(self.path, self.columns, "excel" if fmt == "csv" else "excel-tab")

    def write(self, row: Mapping[str, Any]) -> None:
        """Write one row (its fields in column order, a missing one null)."""
        if not self._names.issuperset(row.keys()):
            extra = [name for name in row if name not in self._names]
            raise ValueError(
                f"row {self.rows + 1} has fields {extra} that are not columns of {self.path}; "
                "plan the columns from every row written (plan_columns)"
            )
        self._sink.write(row)
        self.rows += 1

    def close(self) -> None:
        """Write what is buffered and close the file (a Parquet file gets its footer)."""
        self._sink.close(flush=True)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:  # the file is not wanted: close it without writing what is buffered
            self._sink.close(flush=False)


class _Sink:
    def write(self, row: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def close(self, flush: bool) -> None:
        raise NotImplementedError


class _JsonLines(_Sink):
    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.names = [c.name for c in columns]
        self.file: IO[bytes] = open(path, "wb")  # noqa: SIM115  (closed by close())

    def write(self, row: Mapping[str, Any]) -> None:
        record = {name: row.get(name) for name in self.names}
        try:
            line = (_dumps(record) + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: \u escapes keep it, and the line valid
            line = (_dumps(record, ensure_ascii=True) + "\n").encode("ascii")
        self.file.write(line)

    def close(self, flush: bool) -> None:
        self.file.close()


class _Delimited(_Sink):
    def __init__(self, path: Path, columns: Sequence[Column], dialect: str) -> None:
        self.names = [c.name for c in columns]
        self.file: IO[bytes] = open(path, "wb")  # noqa: SIM115  (closed by close())
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, dialect=dialect, lineterminator="\n")
        self._put(self.names)

    def write(self, row: Mapping[str, Any]) -> None:
        self._put(["" if (v := row.get(name)) is None else _text(v) for name in self.names])

    def _put(self, cells: list[str]) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        line = self.buffer.getvalue()
        try:
            data = line.encode("utf-8")
        except UnicodeEncodeError:
            data = _valid(line).encode("utf-8")
        self.file.write(data)

    def close(self, flush: bool) -> None:
        self.file.close()


class _Parquet(_Sink):
    def __init__(self, path: Path, columns: Sequence[Column], rows_per_group: int, bytes_per_group: int) -> None:
        pa, pq = _pyarrow()
        self.pa = pa
        self.columns = list(columns)
        self.schema = pa.schema([pa.field(c.name, _arrow_type(pa, c)) for c in self.columns])
        self.rows_per_group = rows_per_group
        self.bytes_per_group = bytes_per_group
        self.values: list[list[Any]] = [[] for _ in self.columns]
        self.count = 0
        self.size = 0
        # No key-value metadata but the schema pyarrow stores itself, nothing that varies
        # from run to run: the same rows give the same bytes.
        self.writer = pq.ParquetWriter(str(path), self.schema, compression=_COMPRESSION)

    def write(self, row: Mapping[str, Any]) -> None:
        size = 0
        for column, values in zip(self.columns, self.values):
            value = row.get(column.name)
            if value is not None and column.arrow is None:
                value = _cell(column, value)
                if isinstance(value, str):
                    size += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
                elif isinstance(value, bytes):
                    size += len(value)
                else:
                    size += 8
            values.append(value)
        self.count += 1
        self.size += size
        if self.count >= self.rows_per_group or self.size >= self.bytes_per_group:
            self._flush()

    def _flush(self) -> None:
        if not self.count:
            return
        arrays = []
        for field, values in zip(self.schema, self.values):
            try:
                arrays.append(self.pa.array(values, field.type))
            except UnicodeEncodeError:  # lone surrogates: Arrow strings are UTF-8
                arrays.append(self.pa.array([_valid(v) if isinstance(v, str) else v for v in values], field.type))
        table = self.pa.Table.from_arrays(arrays, schema=self.schema)
        self.writer.write_table(table, row_group_size=self.count)
        self.values = [[] for _ in self.columns]
        self.count = self.size = 0

    def close(self, flush: bool) -> None:
        try:
            if flush:
                self._flush()
        finally:
            self.writer.close()


def _arrow_type(pa: Any, column: Column) -> Any:
    if column.arrow is not None:
        return column.arrow
    kind = column.kind
    if kind == "timestamp":
        return pa.timestamp("us", tz="UTC" if column.utc else None)
    return {
        "string": pa.string(), "json": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
        "date": pa.date32(), "binary": pa.binary(),
    }[kind]  # fmt: skip


def _cell(column: Column, value: Any) -> Any:
    """``value`` (not None) as the Parquet column ``column`` stores it."""
    kind = column.kind
    if kind == "string":
        return _text(value)
    if kind == "json":
        return _dumps(value)
    fits = {
        "int": isinstance(value, numbers.Integral) and not isinstance(value, bool),
        "float": isinstance(value, numbers.Real) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "timestamp": isinstance(value, dt.datetime),
        "date": isinstance(value, dt.date) and not isinstance(value, dt.datetime),
        "binary": isinstance(value, (bytes, bytearray, memoryview)),
    }[kind]
    if not fits:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        raise ValueError(
            f"column {column.name!r} holds {kind} values, but a row has {shown} ({type(value).__name__}); "
            "plan the columns from every row written (plan_columns)"
        )
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "binary":
        return bytes(value)
    if kind == "timestamp":
        aware = value.utcoffset() is not None
        if column.utc:
            return value.astimezone(dt.timezone.utc) if aware else value.replace(tzinfo=dt.timezone.utc)
        if aware:
            return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _text(value: Any) -> str:
    """A value as the text of a CSV cell or a string column.

    >>> [_text(v) for v in ("a", True, 2, 0.5, Decimal("1.10"), dt.date(2024, 1, 2), b"hi", {"k": [1]})]
    ['a', 'true', '2', '0.5', '1.10', '2024-01-02', 'aGk=', '{"k": [1]}']
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list, tuple)):
        return _dumps(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _dumps(value: Any, ensure_ascii: bool = False) -> str:
    """``value`` as JSON text (strict JSON: NaN and infinities become null).

    >>> _dumps({"t": dt.datetime(2024, 1, 2, 3, 4), "x": float("nan"), (1, 2): Decimal("1.10")})
    '{"t": "2024-01-02T03:04:00", "x": null, "(1, 2)": "1.10"}'
    """
    try:
        return json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=False, default=_json_default)
    except (ValueError, TypeError):  # a NaN or an infinity, or a key JSON has no form for
        return json.dumps(_plain(value), ensure_ascii=ensure_ascii, allow_nan=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, numbers.Integral):  # numpy integers
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)  # Decimal: its exact digits; anything else: its text


def _plain(value: Any) -> Any:
    """``value`` with non-finite floats as None and keys JSON cannot have as text."""
    if isinstance(value, Mapping):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _key(key: Any) -> Any:
    if key is None or isinstance(key, (str, int)):  # bool is an int
        return key
    return str(key)


def _valid(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD, so that it can be UTF-8."""
    return _SURROGATE.sub("\ufffd", text)
