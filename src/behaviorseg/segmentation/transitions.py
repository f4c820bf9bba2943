"""Segment transitions: who moved from which segment to which between two runs."""

from __future__ import annotations

import pandas as pd

TRANSITION_COLUMNS = [
    "customer_id",
    "from_segment_id",
    "from_segment_name",
    "to_segment_id",
    "to_segment_name",
    "has_moved",
]
TRANSITION_MATRIX_COLUMNS = [
    "from_segment_id",
    "from_segment_name",
    "to_segment_id",
    "to_segment_name",
    "customers",
    "share_of_from",
]


def _assignments(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    selected = frame[["customer_id", "segment_id", "segment_name"]]
    return selected.rename(
        columns={"segment_id": f"{prefix}_segment_id", "segment_name": f"{prefix}_segment_name"}
    )


def segment_transitions(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per customer in either run (customer_id, segment_id, segment_name frames).

    A customer only in the current run has null ``from_*`` (new), one only in the previous run
    null ``to_*`` (gone). ``has_moved`` is true when the segment id differs (new and gone
    customers included). Sorted by customer_id.
    """
    merged = _assignments(previous, "from").merge(
        _assignments(current, "to"), on="customer_id", how="outer", sort=True
    )
    for column in ("from_segment_id", "to_segment_id"):
        merged[column] = merged[column].astype("Int64")
    same = merged["from_segment_id"].eq(merged["to_segment_id"]).fillna(False)
    merged["has_moved"] = ~same.astype(bool)
    return merged[TRANSITION_COLUMNS].reset_index(drop=True)


def transition_matrix(transitions: pd.DataFrame) -> pd.DataFrame:
    """Customers per (from, to) pair with the share of the from segment; nulls kept as a pair.

    ``share_of_from`` is customers / all customers with the same from segment (new customers,
    from null, form their own row group).
    """
    keys = ["from_segment_id", "from_segment_name", "to_segment_id", "to_segment_name"]
    counts = (
        transitions.groupby(keys, dropna=False, sort=True).size().rename("customers").reset_index()
    )
    from_totals = counts.groupby(["from_segment_id"], dropna=False)["customers"].transform("sum")
    counts["share_of_from"] = counts["customers"] / from_totals
    return counts[TRANSITION_MATRIX_COLUMNS]
