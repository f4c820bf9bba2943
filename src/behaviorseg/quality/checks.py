"""Declarative checks: an expectation plus its severity and a human rule, turned into GX suites.

Every expectation carries, in its ``meta``:

- ``severity``: ``critical`` (a failure stops the run) or ``warning`` (recorded only); GX 1.24.1
  also has a native ``severity`` field (default ``critical``), which is set to the same value;
- ``rule``: the rule in words ("required column", "not in the future"), used in error messages
  and shown as the expectation's description in Data Docs;
- ``check_id``: ``<suite>#<position>``, unique within the suite. GX returns validation results
  in its own order (not the suite's) and without expectation ids for suites that are not saved
  in a store, so results are matched back to checks by this key;
- ``column`` (optional): the column to name in results when the expectation runs on a derived
  column (``has_column__event_ts`` is about ``event_ts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from great_expectations.expectations.metadata_types import FailureSeverity

from behaviorseg.quality.gx_context import gx, shared_context

TIMESTAMP_FLOOR = dt.datetime(1900, 1, 1)
"""Earliest plausible timestamp: the default of the dbt var ``raw_timestamp_floor`` (the gates
receive the var's value through their meta), naive UTC."""

SOURCE_FILE_COLUMN = "source_file"
"""When a validated frame has this column, failing rows are traced back to their files."""


class Severity(StrEnum):
    """What a failed expectation does to the run."""

    CRITICAL = "critical"
    WARNING = "warning"


@dataclass(frozen=True)
class Check:
    """One expectation with its severity and the rule it enforces, in words."""

    expectation: Any
    severity: Severity
    rule: str
    column: str | None = None


def critical(rule: str, expectation: Any, *, column: str | None = None) -> Check:
    """A check whose failure breaks the contract and stops the run."""
    return Check(expectation=expectation, severity=Severity.CRITICAL, rule=rule, column=column)


def warning(rule: str, expectation: Any, *, column: str | None = None) -> Check:
    """A check whose failure is recorded but does not stop the run."""
    return Check(expectation=expectation, severity=Severity.WARNING, rule=rule, column=column)


def build_suite(
    name: str, checks: Iterable[Check], *, layer: str, table: str
) -> gx.ExpectationSuite:
    """Turn checks into a GX suite; severity, rule and check id go into each expectation."""
    shared_context()
    suite = gx.ExpectationSuite(name=name, meta={"layer": layer, "table": table})
    for position, check in enumerate(checks):
        expectation = check.expectation
        meta = {
            **(expectation.meta or {}),
            "severity": check.severity.value,
            "rule": check.rule,
            "check_id": f"{name}#{position:02d}",
        }
        if check.column is not None:
            meta["column"] = check.column
        expectation.meta = meta
        expectation.severity = FailureSeverity(check.severity.value)
        expectation.description = f"{target_column(expectation)}: {check.rule}"
        suite.add_expectation(expectation)
    return suite


def expectation_kwargs(expectation: Any) -> dict[str, Any]:
    """The expectation's arguments (column, bounds, mostly ...) as GX serialises them."""
    return dict(expectation.configuration.kwargs)


def referenced_columns(kwargs: dict[str, Any]) -> list[str]:
    """Columns an expectation reads, from its kwargs (column, column_A/B, column_list)."""
    columns: list[str] = []
    for key in ("column", "column_A", "column_B"):
        if kwargs.get(key):
            columns.append(str(kwargs[key]))
    columns.extend(str(column) for column in kwargs.get("column_list") or ())
    columns.extend(condition_columns(kwargs.get("row_condition")))
    return list(dict.fromkeys(columns))


def condition_columns(condition: Any) -> list[str]:
    """Columns named in a serialised row condition (``Column("status") == ...``, and/or trees)."""
    if isinstance(condition, dict):
        found = []
        column = condition.get("column")
        if isinstance(column, dict) and column.get("name"):
            found.append(str(column["name"]))
        for value in condition.values():
            if isinstance(value, dict | list):
                found.extend(condition_columns(value))
        return found
    if isinstance(condition, list):
        return [name for item in condition for name in condition_columns(item)]
    return []


def describe_target(kwargs: dict[str, Any]) -> str:
    """What an expectation is about, for messages: a column, a column pair or the table."""
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if kwargs.get("column_list"):
        return ", ".join(str(column) for column in kwargs["column_list"])
    return "table"


def target_column(expectation: Any) -> str:
    """The column an expectation is about, as results and messages name it."""
    return check_meta(expectation, "column") or describe_target(expectation_kwargs(expectation))


def check_meta(expectation: Any, key: str) -> Any:
    """One of the values :func:`build_suite` stored in an expectation's meta."""
    return (expectation.meta or {}).get(key)
