"""Records of tables, read as streams: Parquet files (through pyarrow, one row group at a
time) and CSV/TSV files (Python's csv module, one physical line at a time).

Each record comes as ``(number, {column: value})`` in the file's column order, where the
number is the 1-based row of a Parquet file or the line where a CSV record starts. A
problem comes as an :class:`~dedup.errors.InputError` in the place of the record (or of
the file, when it concerns every record), and reading goes on where it can.
:mod:`dedup.readers` turns the records into documents.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Any

from . import remote
from .errors import InputError

__all__ = ["csv_records", "parquet_records"]

Record = tuple[int, dict[str, Any]]

# Rows of a Parquet row group converted to Python objects at a time: about this many
# bytes of (uncompressed) data, and never more than BATCH_ROWS rows, so that a batch of
# long documents stays small and a batch of short ones does not turn into a million
# Python dicts at once. Measured with scripts/bench_read.py's synthetic articles (4 KB
# each, row groups of 2,000 rows, 20,000 documents): 256 KiB batches (~60 rows) peaked
# at 52 MiB of RSS growth, 1 to 8 MiB batches at 77-80 MiB, 64 KiB at 64 MiB; the time
# per document was the same within the noise of a shared machine.
BATCH_BYTES = 256 << 10
BATCH_ROWS = 1024
# The csv module refuses fields over 128 KiB by default; a document's text can be far
# longer. The C long of every platform holds this limit (Windows' is 32 bits).
CSV_FIELD_LIMIT = 2**31 - 1
# How many column names an error message lists.
_SHOWN = 20
# What surrogateescape turns undecodable bytes into.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def parquet_records(file: IO[bytes], source: str, text_field: str) -> Iterator[Record | InputError]:
    """The rows of a Parquet file, one row group at a time (the footer first; a row group's
    column chunks are read only when its rows are wanted).

    Errors for the file: pyarrow missing, not a Parquet file, no ``text_field`` column or
    one that does not hold strings. A row group that cannot be read or decoded is an
    error for each of its rows (the row number, the row group and the problem); reading
    goes on with the next row group. A row whose values cannot be made Python objects (a
    date out of Python's range) is an error for that row.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        yield InputError(source, "reading .parquet needs pyarrow: pip install 'dedup[parquet]'")
        return
    try:
        table = pq.ParquetFile(file)
        schema = table.schema_arrow
    except Exception as exc:
        if not _arrow_error(exc, pa):
            raise  # the file could not be read at all: readers reports it
        yield InputError(source, f"not a Parquet file ({_one_line(exc)})")
        return
    columns = schema.names
    wrong = _columns_problem(columns, text_field)
    if wrong is None and not _holds_strings(schema.field(text_field).type, pa):
        wrong = (
            f"column {text_field!r} is {schema.field(text_field).type}, not a string type; "
            "choose the text column with --text-field"
        )
    if wrong is not None:
        yield InputError(source, wrong)
        return
    meta = table.metadata
    groups = meta.num_row_groups
    first = 1  # row number of the row group's first row
    for group in range(groups):
        info = meta.row_group(group)
        rows = info.num_rows
        per_batch = max(1, min(BATCH_ROWS, BATCH_BYTES * rows // max(info.total_byte_size, 1)))
        # One thread: with pyarrow's pool of threads decoding columns, the peak memory
        # grew with the number of row groups read (74 to 136 MiB over 40 row groups of
        # the articles above), as memory freed by one thread was not reused by another;
        # with one, it stays flat (and the reading is no slower: the Python objects cost more).
        batches = table.iter_batches(batch_size=per_batch, row_groups=[group], use_threads=False)
        done = 0
        while done < rows:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except Exception as exc:  # pyarrow's decoding errors, or the store's
                why = _one_line(exc) if _arrow_error(exc, pa) else remote.problem(exc)
                reason = f"row group {group + 1} of {groups} cannot be read ({why}); its rows are lost"
                for row in range(first + done, first + rows):
                    yield InputError(source, reason, row)
                break
            yield from _batch_records(batch, first + done, source)
            done += batch.num_rows
        first += rows


def _arrow_error(exc: BaseException, pa: Any) -> bool:
    """Whether pyarrow raised ``exc`` about the data (an error of the file object, such
    as a store's, is re-raised by pyarrow as it is, as a subclass of OSError or other)."""
    return isinstance(exc, pa.ArrowException) or type(exc) is OSError


def _holds_strings(kind: Any, pa: Any) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    is_view = getattr(pa.types, "is_string_view", None)  # pyarrow 16+
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or (is_view and is_view(kind)))


def _batch_records(batch: Any, first: int, source: str) -> Iterator[Record | InputError]:
    """The rows of a record batch as dicts; values Python cannot hold are row errors."""
    try:
        rows = batch.to_pylist()
    except (ValueError, OverflowError):  # pyarrow's ArrowInvalid is a ValueError
        for k in range(batch.num_rows):
            try:
                yield first + k, batch.slice(k, 1).to_pylist()[0]
            except (ValueError, OverflowError) as exc:
                yield InputError(source, f"a value cannot be read into Python ({_one_line(exc)})", first + k)
        return
    for k, row in enumerate(rows):
        yield first + k, row


def csv_records(stream: IO[bytes], source: str, text_field: str, delimiter: str = ",") -> Iterator[Record | InputError]:
    """The records of a CSV (or, with ``delimiter="\\t"``, TSV) file with a header row, as
    Excel writes them (quoted fields may hold delimiters, quotes and line breaks); cells
    are strings, an empty cell an empty string. UTF-8, with or without a byte order mark.
    Blank lines are skipped.

    Errors for the file: no header row, a header that names a column twice, no
    ``text_field`` column. Errors for a record (the line where it starts): bytes that
    are not UTF-8, another number of cells than the header has, bad quoting (reading
    goes on with the next line).
    """
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    undecodable: list[tuple[int, int]] = []  # (line, byte) found in the lines read so far
    dialect = csv.excel_tab if delimiter == "\t" else csv.excel
    reader = csv.reader(_checked_lines(text, undecodable), dialect, strict=True)
    header: list[str] | None = None
    start = 1  # the line where the next record starts
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line, start = start, reader.line_num + 1
            if str(exc) == "unexpected end of data":
                reason = f"a quoted field is never closed (lines {line}-{reader.line_num} are lost)"
            else:
                reason = f"not valid CSV ({exc}); the record is skipped"
            if header is None:
                yield InputError(source, f"cannot read the header row: {reason}", line)
                return
            undecodable.clear()
            yield InputError(source, reason, line)
            continue
        line, start = start, reader.line_num + 1
        if undecodable:
            where, byte = undecodable[0]
            undecodable.clear()
            if header is None and where == 1 and cells and cells[0][:2] in ("\udcff\udcfe", "\udcfe\udcff"):
                why = "the file is UTF-16; save it as UTF-8"
            else:
                why = f"not valid UTF-8 (byte 0x{byte:02x} on line {where})"
            if header is None:
                yield InputError(source, f"cannot read the header row: {why}", line)
                return
            yield InputError(source, why, line)
            continue
        if not cells:
            continue  # a blank line
        if header is None:
            header = cells
            wrong = _columns_problem(header, text_field)
            if wrong is not None:
                yield InputError(source, wrong)
                return
        elif len(cells) != len(header):
            yield InputError(source, f"{len(cells)} cells, but the header has {len(header)} columns", line)
        else:
            yield line, dict(zip(header, cells))
    if header is None:
        yield InputError(source, "empty file (no header row naming the columns)")


def _checked_lines(text: IO[str], undecodable: list[tuple[int, int]]) -> Iterator[str]:
    """The lines of ``text``, noting in ``undecodable`` where a byte was not UTF-8."""
    for number, line in enumerate(text, start=1):
        bad = _UNDECODABLE.search(line)
        if bad:
            undecodable.append((number, ord(bad.group()) - 0xDC00))
        yield line


def _columns_problem(columns: list[str], text_field: str) -> str | None:
    """What is wrong with a table's column names, or ``None``.

    >>> _columns_problem(["id", "body"], "text")
    "no 'text' column (columns: id, body); choose one with --text-field"
    >>> _columns_problem(["id", "text", "id"], "text")
    "two columns are named 'id'; give each column its own name"
    """
    if text_field not in columns:
        shown = ", ".join(map(str, columns[:_SHOWN]))
        if len(columns) > _SHOWN:
            shown += f" and {len(columns) - _SHOWN} more"
        return f"no {text_field!r} column (columns: {shown or 'none'}); choose one with --text-field"
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            return f"two columns are named {name!r}; give each column its own name"
        seen.add(name)
    return None


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line, without control characters (pyarrow's span
    several lines and may quote a damaged byte).

    >>> _one_line(OSError("Couldn't deserialize thrift: \\x0f\\nDeserializing page header failed.\\n"))
    "Couldn't deserialize thrift: Deserializing page header failed."
    """
    text = "".join(ch if ch.isprintable() else " " for ch in str(exc))
    return " ".join(text.split()) or type(exc).__name__
