"""Vectorised text rendering: ids, ISO-8601 timestamps and lookups without per-row Python.

Formatting millions of values with f-strings or `strftime` dominates a generator's run time, so
values are written digit by digit into one byte buffer (two digits per step) and handed to Arrow
as a string array without copying; small vocabularies become dictionary arrays (no copying at
all, and Parquet stores them dictionary-encoded anyway).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
# Tens and units digit of 0..99, and high and low hex digit of 0..255, as ASCII codes.
_TENS = np.repeat(_DIGITS, 10)
_UNITS = np.tile(_DIGITS, 10)
_HEX_LOWER = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_ID_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MS_PER_DAY = 86_400_000
ISO_WIDTH = 23  # YYYY-MM-DDTHH:MM:SS.mmm
SUFFIX_WIDTH = 6  # +HH:MM

# Values are built column-major (one row per character position, so every write is one
# contiguous vector operation) and transposed once into the row-major bytes Arrow needs.


def rows_from_columns(columns: np.ndarray) -> np.ndarray:
    """(width, n) column-major characters -> (n, width) row-major bytes."""
    return np.ascontiguousarray(columns.T)


def strings_from_fixed_width(buffer: np.ndarray) -> pa.StringArray:
    """An Arrow string array from a (rows, width) uint8 array of ASCII, one value per row."""
    rows, width = buffer.shape
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(buffer)
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


def strings_from_padded(buffer: np.ndarray, lengths: np.ndarray) -> pa.StringArray:
    """An Arrow string array from the first `lengths[i]` bytes of each buffer row."""
    used = np.arange(buffer.shape[1])[None, :] < lengths[:, None]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = buffer[used]
    return pa.StringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(data))


def write_pair(columns: np.ndarray, position: int, values: np.ndarray) -> None:
    """Write two decimal digits of values (0..99) at a character position."""
    columns[position] = _TENS[values]
    columns[position + 1] = _UNITS[values]


def write_digits(columns: np.ndarray, position: int, values: np.ndarray, width: int) -> None:
    """Write zero-padded decimal values into character positions [position, position + width)."""
    remaining = values.astype(np.int64, copy=True)
    end = position + width
    while end - position >= 2:
        write_pair(columns, end - 2, remaining % 100)
        remaining //= 100
        end -= 2
    if end > position:
        columns[position] = _DIGITS[remaining % 10]


def padded_numbers(prefix: str, values: np.ndarray, width: int) -> pa.StringArray:
    """`prefix` + zero-padded decimal numbers, e.g. C0000042."""
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    columns = np.empty((len(head) + width, len(values)), dtype=np.uint8)
    columns[: len(head)] = head[:, None]
    write_digits(columns, len(head), values, width)
    return strings_from_fixed_width(rows_from_columns(columns))


def scramble(values: np.ndarray, salt: int) -> np.ndarray:
    """A bijection on uint64 (odd multiply, xor-shift): distinct inputs give distinct ids."""
    mixed = (values.astype(np.uint64) + np.uint64(salt)) * _ID_MULTIPLIER
    return mixed ^ (mixed >> np.uint64(29))


def hex_ids(values: np.ndarray, salt: int, width: int = 16, upper: bool = False) -> pa.StringArray:
    """Random-looking but unique hex ids (`width` hex digits) for sequence numbers."""
    remaining = scramble(values, salt)
    digits = _HEX_UPPER if upper else _HEX_LOWER
    columns = np.empty((width, len(values)), dtype=np.uint8)
    for position in range(width - 1, -1, -1):
        columns[position] = digits[(remaining & np.uint64(15)).astype(np.intp)]
        remaining >>= np.uint64(4)
    return strings_from_fixed_width(rows_from_columns(columns))


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) from days since 1970-01-01 (Hinnant's algorithm, proleptic Gregorian)."""
    shifted = days.astype(np.int64) + 719_468
    era = np.floor_divide(shifted, 146_097)
    day_of_era = shifted - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = np.where(month_index < 10, month_index + 3, month_index - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def date_columns(days: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD' as (10, n) characters for days since 1970-01-01."""
    year, month, day = civil_from_days(days)
    columns = np.empty((10, len(days)), dtype=np.uint8)
    write_digits(columns, 0, year, 4)
    columns[4] = columns[7] = ord("-")
    write_pair(columns, 5, month)
    write_pair(columns, 8, day)
    return columns


def iso_columns(epoch_ms: np.ndarray, extra: int = 0) -> np.ndarray:
    """'YYYY-MM-DDTHH:MM:SS.mmm' as (23 + extra, n) characters (extra rows left unset)."""
    days = np.floor_divide(epoch_ms, _MS_PER_DAY)
    in_day = epoch_ms - days * _MS_PER_DAY
    columns = np.empty((ISO_WIDTH + extra, len(epoch_ms)), dtype=np.uint8)
    if len(epoch_ms):
        # Few distinct days: format each once and gather.
        first = days.min()
        table = date_columns(np.arange(first, days.max() + 1))
        np.take(table, days - first, axis=1, out=columns[:10])
    columns[10] = ord("T")
    columns[13] = columns[16] = ord(":")
    columns[19] = ord(".")
    seconds = in_day // 1000
    write_pair(columns, 11, seconds // 3600)
    write_pair(columns, 14, seconds // 60 % 60)
    write_pair(columns, 17, seconds % 60)
    write_digits(columns, 20, in_day % 1000, 3)
    return columns


def local_timestamps(utc_ms: np.ndarray, offset_minutes: np.ndarray, zulu: np.ndarray) -> pa.Array:
    """ISO-8601 text of the wall-clock time at each UTC offset, with its suffix.

    A zero offset is written 'Z' where `zulu`, else '+00:00' (both occur in real exports).
    """
    offsets = offset_minutes.astype(np.int64)
    columns = iso_columns(utc_ms.astype(np.int64) + offsets * 60_000, extra=SUFFIX_WIDTH)
    is_zulu = zulu & (offsets == 0)
    sign = np.where(offsets >= 0, ord("+"), ord("-"))
    columns[ISO_WIDTH] = np.where(is_zulu, ord("Z"), sign)
    magnitude = np.abs(offsets)
    write_pair(columns, ISO_WIDTH + 1, magnitude // 60)
    columns[ISO_WIDTH + 3] = ord(":")
    write_pair(columns, ISO_WIDTH + 4, magnitude % 60)
    lengths = np.where(is_zulu, ISO_WIDTH + 1, ISO_WIDTH + SUFFIX_WIDTH)
    return strings_from_padded(rows_from_columns(columns), lengths)


def lookup(values: pa.Array, codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """values[codes], null where `missing` is true (or where a code is negative)."""
    mask = codes < 0 if missing is None else (missing | (codes < 0))
    indices = pa.array(np.where(mask, 0, codes), mask=mask)
    return values.take(indices)


def dictionary(values: pa.Array, codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Like `lookup` for a small vocabulary, as a dictionary array (no copying of strings)."""
    mask = codes < 0 if missing is None else (missing | (codes < 0))
    indices = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, values)


def nullable(values: np.ndarray, missing: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A typed Arrow array with nulls where `missing` is true."""
    return pa.array(values, type=arrow_type, mask=missing)


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def null_where(values: pa.Array, missing: np.ndarray) -> pa.Array:
    """`values` with nulls where `missing` is true."""
    if not missing.any():
        return values
    return pc.if_else(pa.array(missing), pa.scalar(None, values.type), values)
