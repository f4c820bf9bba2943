"""The report's Friction section on hand-made marts: a planted mobile loop, its alert rows from
behaviorseg.friction, and the page that shows them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from behaviorseg.friction import FrictionRule, friction_alerts
from behaviorseg.report import build_report

MONDAY = dt.date(2026, 1, 5)


def weekly_rows() -> pd.DataFrame:
    """Ten weeks of checkout on desktop and mobile (and 'all'); from week 8 mobile sends half
    of its checkouts back to the cart."""
    rows = []
    for index in range(10):
        week = MONDAY + dt.timedelta(weeks=index)
        mobile = (
            {"purchase": 60, "exit": 40}
            if index < 8
            else {"add_to_cart": 50, "purchase": 30, "exit": 20}
        )
        desktop = {"purchase": 60, "exit": 40}
        for device, counts in (("mobile", mobile), ("desktop", desktop)):
            rows += [(week, device, "all", "checkout", to, n) for to, n in counts.items()]
        both = {to: mobile.get(to, 0) + desktop.get(to, 0) for to in {*mobile, *desktop}}
        rows += [(week, "all", "all", "checkout", to, n) for to, n in both.items() if n]
    frame = pd.DataFrame(
        rows,
        columns=[
            "week_start",
            "device_type",
            "segment_id",
            "from_state",
            "to_state",
            "transitions",
        ],
    )
    totals = frame.groupby(["week_start", "device_type", "from_state"])["transitions"]
    return frame.assign(probability=frame["transitions"] / totals.transform("sum"))


def friction_section(page: str) -> str:
    start = page.index('id="friction"')
    return page[start : page.index("<section", start)]


def test_friction_section_lists_the_latest_critical_alerts(tmp_path: Path) -> None:
    weekly = weekly_rows()
    alerts = friction_alerts(weekly, FrictionRule(baseline_weeks=8))
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        for name, frame in {
            "journey_transitions_weekly": weekly,
            "journey_friction_alerts": alerts,
        }.items():
            connection.register("frame", frame)
            connection.execute(f"create table main.{name} as select * from frame")
            connection.unregister("frame")
    page = build_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    section = friction_section(page)
    assert "mobile: checkout -&gt; add_to_cart rose from 0% to 50%" in section
    assert "2026-03-09" in section  # week 9, the latest
    assert "desktop:" not in section  # desktop never changed
    assert 'id="fig-friction"' in section


def test_without_friction_alerts_the_section_is_a_note(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    page = build_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No critical friction alerts" in friction_section(page)
