"""Suites for the raw inputs, from the data contract (docs/data-contract.md): two per entity.

- ``raw__<entity>__files`` (the contract, per file): validated on a frame with one row per file
  of the new load (:func:`file_profile_columns`, built by DuckDB): the file is readable and not
  empty, every required column is present, required timestamp and amount columns mostly parse
  (else the column has the wrong type), no timestamp column lies mostly in the future of its
  arrival (a wrong clock on a whole export) - all ``critical`` -, and the file's row count is
  within a band of the median of previous loads (``warning``). Failing files are named in the
  results.
- ``raw__<entity>`` (quality, per row): validated on the rows of the new load in batches. Raw
  data arrives messy by design (about 0.1 % of rows are malformed and quarantined by staging,
  events are re-sent, codes come in any case), so these are ``warning`` with ``mostly``
  thresholds: null rates of required columns, id uniqueness rate, values that parse, timestamps
  not in the future nor before the floor, codes in their value sets.

Raw rows are validated the way staging reads them (:func:`prepare_raw_batch`): as trimmed text
(empty = null), codes lower-cased, and each timestamp column ``<column>`` parsed into a companion
column ``<column>__utc`` (naive UTC, null when it does not parse) for the range checks.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence

import pandas as pd
from great_expectations.expectations.row_conditions import Column

from behaviorseg.quality.checks import (
    SOURCE_FILE_COLUMN,
    TIMESTAMP_FLOOR,
    Check,
    build_suite,
    critical,
    warning,
)
from behaviorseg.quality.gx_context import gx
from behaviorseg.quality.raw_contracts import RawEntityContract, read_raw_contracts

PARSED_TIMESTAMP_SUFFIX = "__utc"
REQUIRED_NOT_NULL_MOSTLY = 0.99
VALUE_SET_MOSTLY = 0.99
PARSEABLE_MOSTLY = 0.99
WRONG_TYPE_MIN_PARSE_RATE = 0.5
# "Most of a file" in the future of its arrival: a wrong clock on the whole export, not a few
# devices (those rows are quarantined one by one in staging).
WRONG_CLOCK_MAX_FUTURE_RATE = 0.5
# The default of the dbt var raw_max_future_minutes (the gate gets the var's value).
DEFAULT_MAX_FUTURE_MINUTES = 900
TIMESTAMP_RANGE_MOSTLY = 0.999
ID_UNIQUENESS_MIN_RATE = 0.95
VOLUME_HISTORY_WINDOW = 28
VOLUME_BAND = (0.5, 2.0)
FILE_NOT_EMPTY_RULE = "file is not empty"
NANOSECOND_RANGE = (pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31"))

NUMBER_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
WHOLE_NUMBER_PATTERN = r"^[+-]?\d+(\.0*)?$"


# The contract is the sources yml (behaviorseg.quality.raw_contracts reads it).
RAW_CONTRACTS: dict[str, RawEntityContract] = read_raw_contracts()


def raw_suite_name(entity: str) -> str:
    """Suite name of a raw entity, e.g. ``raw__web_events``."""
    return f"raw__{entity}"


def parsed_timestamp_column(column: str) -> str:
    """Name of the parsed (naive UTC) companion of a raw timestamp column."""
    return f"{column}{PARSED_TIMESTAMP_SUFFIX}"


def as_naive_utc(moment: dt.datetime) -> dt.datetime:
    """A datetime as naive UTC (naive input is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def volume_bounds(
    previous_load_row_counts: Sequence[int],
    *,
    band: tuple[float, float] = VOLUME_BAND,
    window: int = VOLUME_HISTORY_WINDOW,
) -> tuple[int, int] | None:
    """Row-count band for a new load: ``band`` times the median of the last ``window`` loads.

    None without history (no volume expectation then).
    """
    recent = [count for count in previous_load_row_counts[-window:] if count > 0]
    if not recent:
        return None
    median = statistics.median(recent)
    return math.floor(median * band[0]), math.ceil(median * band[1])


def raw_suite(
    entity: str,
    *,
    reference_time: dt.datetime,
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
) -> gx.ExpectationSuite:
    """Row-level suite of one raw entity; ``reference_time`` bounds timestamps (no future)."""
    contract = RAW_CONTRACTS[entity]
    checks = [
        *required_value_checks(contract),
        *id_uniqueness_checks(contract),
        *timestamp_checks(contract, as_naive_utc(reference_time), as_naive_utc(timestamp_floor)),
        *value_checks(contract),
    ]
    return build_suite(raw_suite_name(entity), checks, layer="raw", table=entity)


def raw_file_suite_name(entity: str) -> str:
    """Name of the per-file contract suite of a raw entity, e.g. ``raw__web_events__files``."""
    return f"raw__{entity}__files"


def has_column_flag(column: str) -> str:
    """File-profile column: does the file have ``column``?"""
    return f"has_column__{column}"


def parse_rate_column(column: str) -> str:
    """File-profile column: share of the non-empty values of ``column`` that parse."""
    return f"{column}__parse_rate"


def typed_required_columns(contract: RawEntityContract) -> dict[str, str]:
    """Required columns with a type to parse, and the type: timestamp, number or whole number."""
    kinds = {
        **{column: "whole number" for column in contract.whole_number_columns},
        **{column: "number" for column in contract.number_columns},
        **{column: "timestamp" for column in contract.timestamp_columns},
    }
    return {column: kinds[column] for column in contract.required_columns if column in kinds}


def future_rate_column(column: str) -> str:
    """File-profile column: share of the parsed values of ``column`` more than the allowed
    minutes after their arrival (``received_at``, else the file's first load)."""
    return f"{column}__future_rate"


def file_profile_columns(entity: str) -> list[str]:
    """Columns of the file-profile frame the per-file suite runs on (one row per file)."""
    contract = RAW_CONTRACTS[entity]
    return [
        SOURCE_FILE_COLUMN,
        "is_readable",
        "row_count",
        *(has_column_flag(column) for column in contract.required_columns),
        *(parse_rate_column(column) for column in typed_required_columns(contract)),
        *(future_rate_column(column) for column in contract.timestamp_columns),
    ]


def raw_file_suite(
    entity: str,
    *,
    previous_load_row_counts: Sequence[int] = (),
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
) -> gx.ExpectationSuite:
    """Per-file contract suite: readable, not empty, required columns present and of the right
    type, timestamps not mostly in the future (critical); row count in line with recent loads
    (warning, only with history)."""
    contract = RAW_CONTRACTS[entity]
    checks = [
        critical(
            "file is readable",
            gx.expectations.ExpectColumnValuesToBeInSet(column="is_readable", value_set=[True]),
            column="file",
        ),
        critical(
            FILE_NOT_EMPTY_RULE,
            gx.expectations.ExpectColumnValuesToBeBetween(column="row_count", min_value=1),
            column="file",
        ),
    ]
    for column in contract.required_columns:
        checks.append(
            critical(
                "required column",
                gx.expectations.ExpectColumnValuesToBeInSet(
                    column=has_column_flag(column), value_set=[True]
                ),
                column=column,
            )
        )
    for column, kind in typed_required_columns(contract).items():
        checks.append(
            critical(
                f"is a {kind}: at least {WRONG_TYPE_MIN_PARSE_RATE:.0%} of values parse",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=parse_rate_column(column), min_value=WRONG_TYPE_MIN_PARSE_RATE
                ),
                column=column,
            )
        )
    for column in contract.timestamp_columns:
        checks.append(
            critical(
                f"not in the future: at most {WRONG_CLOCK_MAX_FUTURE_RATE:.0%} of values more"
                f" than {int(max_future_minutes)} minutes after their arrival",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=future_rate_column(column), max_value=WRONG_CLOCK_MAX_FUTURE_RATE
                ),
                column=column,
            )
        )
    bounds = volume_bounds(previous_load_row_counts)
    if bounds is not None:
        checks.append(
            warning(
                f"volume within {VOLUME_BAND[0]:g}-{VOLUME_BAND[1]:g} x the median of recent loads",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column="row_count", min_value=bounds[0], max_value=bounds[1]
                ),
                column="file",
            )
        )
    return build_suite(raw_file_suite_name(entity), checks, layer="raw", table=entity)


def required_value_checks(contract: RawEntityContract) -> list[Check]:
    """Required columns are rarely null (their presence is the per-file suite's job)."""
    checks = []
    for column in contract.required_columns:
        mostly = contract.not_null_mostly.get(column, REQUIRED_NOT_NULL_MOSTLY)
        checks.append(
            warning(
                f"null rate of a required column at most {1 - mostly:.0%}",
                gx.expectations.ExpectColumnValuesToNotBeNull(column=column, mostly=mostly),
            )
        )
    return checks


def id_uniqueness_checks(contract: RawEntityContract) -> list[Check]:
    """Record keys are mostly unique: re-sends are expected, a high duplicate rate is not.

    One key column: the proportion of distinct values; a compound key: the share of rows whose
    key is not repeated (GX's compound uniqueness with ``mostly``)."""
    rule = f"id uniqueness rate at least {ID_UNIQUENESS_MIN_RATE:.0%}"
    if len(contract.record_key) == 1:
        expectation = gx.expectations.ExpectColumnProportionOfUniqueValuesToBeBetween(
            column=contract.record_key[0], min_value=ID_UNIQUENESS_MIN_RATE
        )
    else:
        expectation = gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=list(contract.record_key), mostly=ID_UNIQUENESS_MIN_RATE
        )
    return [warning(rule, expectation)]


def timestamp_checks(
    contract: RawEntityContract, reference_time: dt.datetime, timestamp_floor: dt.datetime
) -> list[Check]:
    """Timestamps parse, are not in the future and not before the floor (mostly)."""
    checks = []
    for column in contract.timestamp_columns:
        parsed = parsed_timestamp_column(column)
        has_raw_value = Column(column).is_not_null()
        checks.extend(
            [
                warning(
                    f"{column} parses as a timestamp",
                    gx.expectations.ExpectColumnValuesToNotBeNull(
                        column=parsed, mostly=PARSEABLE_MOSTLY, row_condition=has_raw_value
                    ),
                ),
                warning(
                    f"{column} not in the future (after {reference_time:%Y-%m-%d %H:%M} UTC)",
                    gx.expectations.ExpectColumnValuesToBeBetween(
                        column=parsed, max_value=reference_time, mostly=TIMESTAMP_RANGE_MOSTLY
                    ),
                ),
                warning(
                    f"{column} not before the floor {timestamp_floor:%Y-%m-%d}",
                    gx.expectations.ExpectColumnValuesToBeBetween(
                        column=parsed, min_value=timestamp_floor, mostly=TIMESTAMP_RANGE_MOSTLY
                    ),
                ),
            ]
        )
    return checks


def value_checks(contract: RawEntityContract) -> list[Check]:
    """Codes in their value sets, numbers and whole numbers parse, patterns match (mostly)."""
    checks = []
    for column, values in contract.value_sets.items():
        checks.append(
            warning(
                "value in the accepted set",
                gx.expectations.ExpectColumnValuesToBeInSet(
                    column=column, value_set=list(values), mostly=VALUE_SET_MOSTLY
                ),
            )
        )
    for column in contract.number_columns:
        checks.append(
            warning(
                "parses as a number",
                gx.expectations.ExpectColumnValuesToMatchRegex(
                    column=column, regex=NUMBER_PATTERN, mostly=PARSEABLE_MOSTLY
                ),
            )
        )
    for column in contract.whole_number_columns:
        checks.append(
            warning(
                "parses as a whole number",
                gx.expectations.ExpectColumnValuesToMatchRegex(
                    column=column, regex=WHOLE_NUMBER_PATTERN, mostly=PARSEABLE_MOSTLY
                ),
            )
        )
    for column, (pattern, meaning) in contract.patterns.items():
        checks.append(
            warning(
                f"is {meaning}",
                gx.expectations.ExpectColumnValuesToMatchRegex(
                    column=column, regex=pattern, mostly=PARSEABLE_MOSTLY
                ),
            )
        )
    return checks


def prepare_raw_batch(frame: pd.DataFrame, entity: str) -> pd.DataFrame:
    """A raw batch as staging reads it: contract columns as trimmed text (empty = null), codes
    lower-cased, a naive-UTC ``<column>__utc`` companion for each timestamp column, and a
    missing optional column as nulls (the contract: "a missing optional column becomes null").
    A missing required column stays missing, so its ``required column`` check fails."""
    contract = RAW_CONTRACTS[entity]
    prepared = frame.copy()
    for column in contract.contract_columns:
        if column not in prepared.columns:
            if column in contract.required_columns:
                continue
            prepared[column] = pd.Series(pd.NA, index=prepared.index, dtype="str")
        text = clean_text(prepared[column])
        if column in contract.code_columns:
            text = text.str.lower()
        prepared[column] = text
        if column in contract.timestamp_columns:
            prepared[parsed_timestamp_column(column)] = parse_utc_timestamps(text)
    return prepared


def clean_text(values: pd.Series) -> pd.Series:
    """Values as trimmed text; missing and empty values become null."""
    as_text = values.astype("str").where(values.notna())
    stripped = as_text.str.strip()
    return stripped.where(stripped != "")


def parse_utc_timestamps(values: pd.Series) -> pd.Series:
    """ISO-8601 text with any UTC offset (none = UTC) to naive UTC; unparseable -> NaT."""
    parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    return as_nanoseconds(parsed.dt.tz_localize(None))


def as_nanoseconds(values: pd.Series) -> pd.Series:
    """Naive timestamps as ``datetime64[ns]``, which keeps GX 1.24.1's range checks vectorised
    (it compares other units one Python value at a time). Values beyond the ns range are
    clipped to 1678-01-01 / 2261-12-31, so they still fail a floor or not-in-future check."""
    clipped = values.clip(lower=NANOSECOND_RANGE[0], upper=NANOSECOND_RANGE[1])
    return clipped.astype("datetime64[ns]")
