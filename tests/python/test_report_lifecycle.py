"""The report's Lifecycle section on hand-made marts with known counts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from behaviorseg.report import build_report
from behaviorseg.report.lifecycle import last_week_sentence, stage_counts, stage_table

BY_SEGMENT = pd.DataFrame(
    {
        "segment_name": ["Regulars", "Regulars", "Regulars", "Lapsed", "Lapsed", "Lapsed"],
        "lifecycle_stage": ["active", "new", "at_risk", "dormant", "reactivated", None],
        "customers": [6, 2, 2, 3, 1, 1],
    }
)


def test_stage_counts_put_stages_in_life_order_with_zeros_and_a_total() -> None:
    counts = stage_counts(BY_SEGMENT, ["Regulars", "Lapsed"])
    assert list(counts.index) == ["Regulars", "Lapsed", "Total"]
    assert list(counts.columns) == [
        "new",
        "active",
        "reactivated",
        "at_risk",
        "dormant",
        "No stage",
    ]
    assert counts.loc["Regulars"].tolist() == [2, 6, 0, 2, 0, 0]
    assert counts.loc["Lapsed"].tolist() == [0, 0, 1, 0, 3, 1]
    assert counts.loc["Total"].tolist() == [2, 6, 1, 2, 3, 1]


def test_stage_table_gives_count_and_share_of_the_segment() -> None:
    table = stage_table(stage_counts(BY_SEGMENT.dropna(), ["Lapsed"]))
    assert list(table["Segment"]) == ["Lapsed", "Regulars", "Total"]
    regulars = table.set_index("Segment").loc["Regulars"]
    assert regulars["Active"] == "6 (60%)"
    assert regulars["At risk"] == "2 (20%)"
    assert regulars["Dormant"] == "0 (0%)"
    assert regulars["Customers"] == "10"
    assert "No stage" not in table.columns


def test_last_week_sentence_skips_the_partial_week() -> None:
    weekly = pd.DataFrame(
        {
            "week_start": pd.to_datetime(["2025-06-09", "2025-06-16", "2025-06-23"]),
            "active": [2, 2, 1],
            "new": [1, 1, 0],
            "retained": [1, 1, 0],
            "reactivated": [0, 0, 1],
            "churned": [0, 1, 2],
            "is_partial": [False, False, True],
        }
    )
    sentence = last_week_sentence(weekly)
    assert sentence.startswith("Week of 2025-06-16: 2 active customers = 1 new + 1 retained")
    assert "1 of the week before's active customers were not seen" in sentence
    assert last_week_sentence(weekly.iloc[2:]) is None


def lifecycle_section(page: str) -> str:
    start = page.index('id="lifecycle"')
    end = page.find("<section", start)
    return page[start : end if end > 0 else len(page)]


def test_report_shows_stage_by_segment(tmp_path: Path) -> None:
    warehouse = tmp_path / "lifecycle.duckdb"
    segments = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "segment_id": [1, 1, 2, 2],
            "segment_name": ["Regulars", "Regulars", "Lapsed", "Lapsed"],
            "assigned_at": pd.Timestamp("2025-06-30"),
        }
    )
    lifecycle = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "lifecycle_stage": ["active", "new", "dormant", "dormant"],
        }
    )
    with duckdb.connect(str(warehouse)) as connection:
        for name, frame in {"customer_segments": segments, "customer_lifecycle": lifecycle}.items():
            connection.register("frame", frame)
            connection.execute(f"create table main.{name} as select * from frame")
            connection.unregister("frame")
    page = build_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    section = lifecycle_section(page)
    assert "could not be drawn" not in section
    assert "Lapsed" in section and "2 (100%)" in section and "1 (50%)" in section


def test_without_lifecycle_marts_the_section_is_a_note(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    page = build_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No lifecycle stages" in lifecycle_section(page)
