"""Export deltas on hand-made memberships with known answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from behaviorseg.exports import (
    MEMBERSHIP_COLUMNS,
    MEMBERSHIPS,
    conform,
    membership_changes,
    previous_memberships,
)

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5)


def members(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "segment_id", "segment_name"])
    frame = frame.assign(
        email_hash="h" + frame["customer_id"],
        rfm_segment="Champions",
        engagement_score=50.0,
        campaign=None,
        campaign_channel=None,
        campaign_offer=None,
        is_anomaly=False,
        updated_at=pd.Timestamp("2026-01-01"),
        predicted_clv=120.5,
        churn_probability=0.2,
        lifecycle_stage="active",
    )
    return conform(frame, MEMBERSHIP_COLUMNS, "test")


def test_first_export_has_every_member_joining() -> None:
    current = members([("a", 1, "One"), ("b", 2, "Two")])
    changes = membership_changes(None, current, WHEN)
    assert changes[["customer_id", "change", "segment_id"]].values.tolist() == [
        ["a", "joined", 1],
        ["b", "joined", 2],
    ]
    assert (changes["changed_at"] == pd.Timestamp(WHEN)).all()


def test_moves_joins_and_leaves_between_two_exports() -> None:
    previous = members([("a", 1, "One"), ("b", 2, "Two"), ("c", 1, "One")])
    current = members([("a", 1, "One"), ("b", 1, "One"), ("d", 2, "Two")])
    changes = membership_changes(previous, current, WHEN)
    assert sorted(map(tuple, changes[["customer_id", "change", "segment_id"]].values)) == [
        ("b", "joined", 1),
        ("b", "left", 2),
        ("c", "left", 1),
        ("d", "joined", 2),
    ]


def test_no_change_means_no_rows() -> None:
    same = members([("a", 1, "One")])
    assert membership_changes(same, same, WHEN).empty


def test_an_export_of_contract_1_0_still_reads_as_the_previous_one(tmp_path) -> None:
    # Contract 1.1 added predicted_clv and churn_probability at the end, 1.2 lifecycle_stage;
    # the file of a 1.0 export lacks them and still gives the deltas.
    old = members([("a", 1, "One")]).drop(
        columns=["predicted_clv", "churn_probability", "lifecycle_stage"]
    )
    old.to_parquet(tmp_path / f"{MEMBERSHIPS}.parquet")
    previous = previous_memberships(tmp_path)
    assert list(previous.columns) == list(MEMBERSHIP_COLUMNS)
    assert previous["predicted_clv"].isna().all()
    assert membership_changes(previous, members([("a", 1, "One")]), WHEN).empty


def test_an_export_of_contract_1_1_reads_with_an_empty_lifecycle_stage(tmp_path) -> None:
    old = members([("a", 1, "One"), ("b", 2, "Two")]).drop(columns=["lifecycle_stage"])
    old.to_parquet(tmp_path / f"{MEMBERSHIPS}.parquet")
    previous = previous_memberships(tmp_path)
    assert list(previous.columns)[-1] == "lifecycle_stage"
    assert list(previous.columns)[:-1] == list(old.columns)
    assert previous["lifecycle_stage"].isna().all()
    assert previous["predicted_clv"].tolist() == [120.5, 120.5]
    changes = membership_changes(previous, members([("a", 1, "One"), ("b", 1, "One")]), WHEN)
    assert sorted(map(tuple, changes[["customer_id", "change"]].values)) == [
        ("b", "joined"),
        ("b", "left"),
    ]
