"""Lifecycle stages through the project on two tiny hand-made shops unlike the generator: one
whose only export is orders, one whose only export is its web clickstream (no orders, no CRM).
As of 2025-06-30 with the default lifecycle vars (new 30 days, at risk beyond 3 usual gaps or
30 days without a usual gap, usual gap from 2 gaps, dormant beyond 90 days), each customer's
stage, stage_since and usual gap are worked out by hand in the comments. And on the generated
build the weekly growth accounting adds up every week.
"""

from __future__ import annotations

import pandas as pd
from dbt_helpers import DbtProject, make_project, write_entity

from behaviorseg.exports import export_segments

VARS = "{as_of_date: '2025-06-30'}"
SELECT = ("--select", "+customer_lifecycle +lifecycle_weekly", "--indirect-selection", "cautious")

ORDER_DAYS = {
    # d = 10, first activity 10 days ago: new.
    "O_NEW": ["2025-06-20"],
    # Monthly (gaps 31 28 31 30 31, median 31, at risk beyond 93), last 15 days ago: active
    # since its new window ended (01-15 + 31 days).
    "O_ACT": ["2025-01-15", "2025-02-15", "2025-03-15", "2025-04-15", "2025-05-15", "2025-06-15"],
    # Weekly (usual gap 7, at risk beyond 21), last 57 days ago: at_risk since 05-04 + 22.
    "O_RISK": ["2025-04-20", "2025-04-27", "2025-05-04"],
    # One order 241 days ago: dormant since 2024-11-01 + 91.
    "O_DORM": ["2024-11-01"],
    # Back 5 days ago after 267 quiet days: reactivated (one gap: no usual gap yet).
    "O_REACT": ["2024-10-01", "2025-06-25"],
    # First order after the as-of date: not a customer yet, no stage.
    "O_LATE": ["2025-07-10"],
}
EXPECTED_ORDERS_ONLY = {
    # customer: (stage, stage_since, days_since_last_activity, usual_gap_days)
    "O_NEW": ("new", "2025-06-20", 10, None),
    "O_ACT": ("active", "2025-02-15", 15, 31.0),
    "O_RISK": ("at_risk", "2025-05-26", 57, 7.0),
    "O_DORM": ("dormant", "2025-01-31", 241, None),
    "O_REACT": ("reactivated", "2025-06-25", 5, None),
}

VISIT_DAYS = {
    # First visit 5 days ago: new (one gap: no usual gap yet).
    "W_NEW": ["2025-06-25", "2025-06-28"],
    # Every 3 days since 04-01 (usual gap 3, at risk beyond 9), last 3 days ago: active since
    # 04-01 + 31.
    "W_ACT": [str(day.date()) for day in pd.date_range("2025-04-01", "2025-06-27", freq="3D")],
    # Two visits, one gap: no usual gap yet; 49 days > 30: at_risk since 05-12 + 31.
    "W_RISK": ["2025-05-10", "2025-05-12"],
    # Three days in a row 147 days ago: dormant since 02-03 + 91.
    "W_DORM": ["2025-02-01", "2025-02-02", "2025-02-03"],
    # Weekly in January, back on 06-20 after 152 days (> 90): reactivated since 06-20.
    "W_REACT": ["2025-01-05", "2025-01-12", "2025-01-19", "2025-06-20", "2025-06-27"],
}
EXPECTED_WEB_ONLY = {
    "W_NEW": ("new", "2025-06-25", 2, None),
    "W_ACT": ("active", "2025-05-02", 3, 3.0),
    "W_RISK": ("at_risk", "2025-06-12", 49, None),
    "W_DORM": ("dormant", "2025-05-05", 147, 1.0),
    "W_REACT": ("reactivated", "2025-06-20", 3, 7.0),
}


def stages(project: DbtProject) -> dict[str, tuple]:
    frame = project.query(
        "select customer_id, lifecycle_stage, stage_since, days_since_last_activity, "
        "usual_gap_days from main.customer_lifecycle order by customer_id"
    )
    return {
        row.customer_id: (
            row.lifecycle_stage,
            str(row.stage_since)[:10],
            int(row.days_since_last_activity),
            None if pd.isna(row.usual_gap_days) else float(row.usual_gap_days),
        )
        for row in frame.itertuples()
    }


def test_orders_only_shop_gets_the_hand_worked_stages(tmp_path) -> None:
    project = make_project(tmp_path)
    lines = ["order_id,customer_id,order_ts,total_amount"]
    for customer, days in ORDER_DAYS.items():
        lines += [f"{customer}-{n},{customer},{day}T12:00:00Z,25.00" for n, day in enumerate(days)]
    (project.raw_dir / "orders").mkdir()
    (project.raw_dir / "orders" / "orders_export.csv").write_text("\n".join(lines) + "\n")
    project.build(*SELECT, "--vars", VARS)
    assert stages(project) == EXPECTED_ORDERS_ONLY
    # Weeks from Monday; 06-30 is a Monday, so the week of 06-23 is the last complete one:
    # O_REACT is back (reactivated), O_NEW (week of 06-16) is not seen again (churned).
    week = project.query(
        "select * from main.lifecycle_weekly where week_start = date '2025-06-23'"
    ).iloc[0]
    counts = (week.active, week.new, week.retained, week.reactivated, week.churned)
    assert counts == (1, 0, 0, 1, 1)
    assert not bool(week.is_partial)


def test_web_only_shop_gets_the_hand_worked_stages(tmp_path) -> None:
    project = make_project(tmp_path)
    rows = [
        {
            "event_id": f"{customer}-{day}",
            "anonymous_id": f"cookie-{customer}",
            "user_id": customer,
            "event_type": "page_view",
            "event_ts": f"{day}T10:00:00Z",
            "page_url": "/home",
        }
        for customer, days in VISIT_DAYS.items()
        for day in days
    ]
    # A visitor who never logs in is nobody's activity.
    rows.append(
        {
            "event_id": "anon-1",
            "anonymous_id": "cookie-anon",
            "user_id": None,
            "event_type": "page_view",
            "event_ts": "2025-06-29T10:00:00Z",
            "page_url": "/home",
        }
    )
    write_entity(project.raw_dir, "web_events", "export.parquet", rows)
    project.build(*SELECT, "--vars", VARS)
    assert stages(project) == EXPECTED_WEB_ONLY


def test_weekly_accounting_adds_up_and_every_customer_has_one_stage_on_the_generated_build(
    generated_build: DbtProject, tmp_path
) -> None:
    weekly = generated_build.query("select * from main.lifecycle_weekly order by week_start")
    assert len(weekly) > 10
    assert (weekly.active == weekly.new + weekly.retained + weekly.reactivated).all()
    previous_active = weekly.active.shift(1, fill_value=0)
    assert (weekly.churned == previous_active - weekly.retained).all()
    assert weekly.retained.sum() > 0 and weekly.churned.sum() > 0
    counts = generated_build.query(
        "select count(*) as customers, count(distinct lifecycle.customer_id) as staged, "
        "count(lifecycle.lifecycle_stage) as with_stage "
        "from main.dim_customers as customers "
        "cross join intermediate.int_as_of_date_resolved as as_of "
        "left join main.customer_lifecycle as lifecycle using (customer_id) "
        "where customers.first_seen_at <= as_of.as_of_at"
    ).iloc[0]
    assert counts.customers == counts.staged == counts.with_stage > 0
    assert generated_build.scalar("select count(*) from main.customer_lifecycle") == counts.staged
    # The export carries each member's stage, last.
    export_segments(generated_build.warehouse, tmp_path)
    exported = pd.read_parquet(tmp_path / "segment_memberships.parquet")
    assert exported.columns[-1] == "lifecycle_stage"
    stages_by_id = generated_build.query(
        "select customer_id, lifecycle_stage from main.customer_lifecycle"
    ).set_index("customer_id")["lifecycle_stage"]
    assert len(exported) > 0
    assert (exported["lifecycle_stage"] == exported["customer_id"].map(stages_by_id)).all()
