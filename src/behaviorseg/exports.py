"""Segment exports for CRM/CDP and marketing automation: a versioned file interface.

`export_segments` writes the mart segment_memberships (marketing-consented customers only) as
CSV, Parquet and JSON Lines, and the changes since the previous export (who joined or left
which segment) in the same three formats, so a sync can send deltas. The previous export is the
Parquet file already in the output folder. A manifest records the contract version, columns,
row counts and time of the export.

Contract version 1.2 (changing a column name or type means a new major version; a minor version
only adds columns at the end):

segment_memberships: customer_id, email_hash, segment_id, segment_name, rfm_segment,
engagement_score, campaign, campaign_channel, campaign_offer, is_anomaly, updated_at, and
since 1.1 predicted_clv, churn_probability, and since 1.2 lifecycle_stage.
segment_membership_changes: customer_id, email_hash, change ('joined' or 'left'), segment_id,
segment_name, changed_at.

is_anomaly is null unless the dbt var export_anomaly_flag is true (the column stays). In the CSV
files a text cell starting with =, +, -, @, tab or carriage return gets a leading single quote
(OWASP CSV injection); Parquet and JSON Lines keep the values as they are. Every file is written
to a temporary name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

EXPORT_CONTRACT_VERSION = "1.2"
MEMBERSHIP_COLUMNS: dict[str, str] = {
    "customer_id": "string",
    "email_hash": "string",
    "segment_id": "Int64",
    "segment_name": "string",
    "rfm_segment": "string",
    "engagement_score": "float64",
    "campaign": "string",
    "campaign_channel": "string",
    "campaign_offer": "string",
    "is_anomaly": "boolean",
    "updated_at": "datetime64[us]",
    # 1.1: predicted customer value and churn propensity (docs/customer_value.md).
    "predicted_clv": "float64",
    "churn_probability": "float64",
    # 1.2: the customer's lifecycle stage (customer_lifecycle, docs/lifecycle.md).
    "lifecycle_stage": "string",
}
# Columns a minor version added: an earlier export's file lacks them (null when read back).
ADDED_SINCE_1_0: tuple[str, ...] = ("predicted_clv", "churn_probability", "lifecycle_stage")
CHANGE_COLUMNS: dict[str, str] = {
    "customer_id": "string",
    "email_hash": "string",
    "change": "string",
    "segment_id": "Int64",
    "segment_name": "string",
    "changed_at": "datetime64[us]",
}
MEMBERSHIPS = "segment_memberships"
CHANGES = "segment_membership_changes"


class ExportContractError(ValueError):
    """The warehouse's segment_memberships no longer matches the export contract."""


@dataclass(frozen=True)
class ExportSummary:
    """What one export wrote."""

    out_dir: Path
    members: int
    joined: int
    left: int
    is_first_export: bool


def empty_export_reason(
    customers: int, crm_customers: int, consented: int, consented_segmented: int
) -> str | None:
    """One line saying why an export holds no member (None when it holds some): from the
    warehouse's counts of customers, CRM records, consented customers and consented customers
    in a segment."""
    if consented_segmented > 0:
        return None
    if customers == 0:
        return "No member exported: dim_customers holds no customer."
    if crm_customers == 0:
        return (
            "No member exported: no customer has marketing consent because no `customers` "
            "entity (CRM) was loaded; consent comes from it."
        )
    if consented == 0:
        return (
            f"No member exported: none of the {customers:,} customers has marketing consent "
            "(dim_customers.has_marketing_consent)."
        )
    return (
        f"No member exported: none of the {consented:,} customers with marketing consent is in "
        "a segment (customer_segments)."
    )


def export_empty_reason(warehouse: Path | str) -> str | None:
    """:func:`empty_export_reason` read from the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        customers, consented, consented_segmented = connection.execute(
            "select count(*), count(*) filter (where has_marketing_consent), "
            "count(*) filter (where has_marketing_consent and customer_id in "
            "(select customer_id from main.customer_segments)) from main.dim_customers"
        ).fetchone()
        (crm_customers,) = connection.execute(
            "select count(*) from staging.stg_crm__customers"
        ).fetchone()
    return empty_export_reason(customers, crm_customers, consented, consented_segmented)


def read_memberships(warehouse: Path | str) -> pd.DataFrame:
    """segment_memberships from the warehouse, in contract order and types."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        frame = connection.sql(f"select * from main.{MEMBERSHIPS} order by customer_id").df()
    return conform(frame, MEMBERSHIP_COLUMNS, MEMBERSHIPS)


def conform(frame: pd.DataFrame, contract: dict[str, str], name: str) -> pd.DataFrame:
    """The frame with exactly the contract's columns and types; raises when one is missing."""
    missing = [column for column in contract if column not in frame.columns]
    if missing:
        raise ExportContractError(
            f"{name} misses contract column(s) {missing} "
            f"(export contract {EXPORT_CONTRACT_VERSION})"
        )
    return frame[list(contract)].astype(contract).reset_index(drop=True)


def membership_changes(
    previous: pd.DataFrame | None, current: pd.DataFrame, changed_at: dt.datetime
) -> pd.DataFrame:
    """Who joined and who left each segment between two exports.

    A customer who moved segments left the old one and joined the new one; a customer who
    disappeared (consent withdrawn, erased) left; a new customer joined. On a first export
    (no previous) every member joined.
    """
    keys = ["customer_id", "segment_id"]
    if previous is None:
        previous = current.iloc[0:0]
    before = previous[["customer_id", "email_hash", "segment_id", "segment_name"]]
    after = current[["customer_id", "email_hash", "segment_id", "segment_name"]]
    joined = after.merge(before[keys], on=keys, how="left", indicator=True)
    joined = joined[joined["_merge"] == "left_only"].drop(columns="_merge")
    left = before.merge(after[keys], on=keys, how="left", indicator=True)
    left = left[left["_merge"] == "left_only"].drop(columns="_merge")
    changes = pd.concat(
        [joined.assign(change="joined"), left.assign(change="left")], ignore_index=True
    ).assign(changed_at=pd.Timestamp(changed_at))
    changes = changes.sort_values(["customer_id", "change"], ascending=[True, False])
    return conform(changes, CHANGE_COLUMNS, CHANGES)


def previous_memberships(out_dir: Path) -> pd.DataFrame | None:
    """The last export's members (its Parquet file), or None before the first export."""
    path = out_dir / f"{MEMBERSHIPS}.parquet"
    if not path.exists():
        return None
    previous = pd.read_parquet(path)
    for column in ADDED_SINCE_1_0:
        if column not in previous.columns:
            previous[column] = None
    return conform(previous, MEMBERSHIP_COLUMNS, MEMBERSHIPS)


# OWASP "CSV injection": a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote (OWASP);
    any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell neutralised (numbers, dates and nulls untouched)."""
    text_columns = [
        column
        for column in frame.columns
        if pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object
    ]
    neutralised = frame.copy()
    for column in text_columns:
        neutralised[column] = neutralised[column].map(neutralise_cell, na_action="ignore")
    return neutralised


def replace_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` on a temporary file next to ``path``, then rename it into place, so a
    reader sees the old file or the new one, never a half-written one."""
    partial = path.with_name(f".{path.name}.tmp")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_all_formats(frame: pd.DataFrame, out_dir: Path, name: str) -> list[Path]:
    """`<name>.csv` (formulas neutralised), `.parquet` and `.jsonl` (one JSON object per line,
    ISO timestamps), each replaced atomically."""
    csv_frame = neutralise_formulas(frame)
    writers: dict[str, Callable[[Path], object]] = {
        "csv": lambda path: csv_frame.to_csv(path, index=False),
        "parquet": lambda path: frame.to_parquet(path, index=False),
        "jsonl": lambda path: frame.to_json(
            path, orient="records", lines=True, date_format="iso", date_unit="s"
        ),
    }
    return [
        replace_atomically(out_dir / f"{name}.{extension}", write)
        for extension, write in writers.items()
    ]


def export_segments(
    warehouse: Path | str, out_dir: Path | str, *, exported_at: dt.datetime | None = None
) -> ExportSummary:
    """Write the memberships and the changes since the previous export into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    exported_at = exported_at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    current = read_memberships(warehouse)
    previous = previous_memberships(out_dir)
    changes = membership_changes(previous, current, exported_at)
    # The changes first: if writing the members failed, the next export recomputes them.
    write_all_formats(changes, out_dir, CHANGES)
    write_all_formats(current, out_dir, MEMBERSHIPS)
    summary = ExportSummary(
        out_dir=out_dir,
        members=len(current),
        joined=int((changes["change"] == "joined").sum()),
        left=int((changes["change"] == "left").sum()),
        is_first_export=previous is None,
    )
    write_manifest(out_dir, summary, exported_at)
    return summary


def write_manifest(out_dir: Path, summary: ExportSummary, exported_at: dt.datetime) -> Path:
    """export_manifest.json: contract version, columns and types, counts, time."""
    manifest = {
        "contract_version": EXPORT_CONTRACT_VERSION,
        "exported_at": exported_at.isoformat(),
        "files": {
            MEMBERSHIPS: {"rows": summary.members, "columns": MEMBERSHIP_COLUMNS},
            CHANGES: {
                "rows": summary.joined + summary.left,
                "joined": summary.joined,
                "left": summary.left,
                "columns": CHANGE_COLUMNS,
            },
        },
        "formats": ["csv", "parquet", "jsonl"],
        "first_export": summary.is_first_export,
    }
    text = json.dumps(manifest, indent=2) + "\n"
    return replace_atomically(out_dir / "export_manifest.json", lambda path: path.write_text(text))
