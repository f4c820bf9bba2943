"""Incremental runs give exactly the marts a full refresh gives.

The generated daily files are loaded in two steps (the first ~2/3 of the load days, then the
rest, which carry late arrivals, re-sent events and order status changes, plus a file re-sending
events of the first load with new content); after the second,
incremental build the incremental-sensitive tables are compared with a --full-refresh.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from dbt_helpers import DbtProject, make_project, table_snapshot

from behaviorseg.synthetic import generate

TABLES = {
    "staging.base_web__events": ["source_file", "source_row_number"],
    "staging.base_app__events": ["source_file", "source_row_number"],
    "intermediate.int_events_sessionised": ["event_key"],
    "main.fct_sessions": ["session_id"],
    "main.fct_orders": ["order_id"],
    "main.identity_map": ["identifier_type", "identifier"],
    "main.customer_features": ["customer_id"],
}


def copy_load_days(source: Path, target: Path, first: dt.date, last: dt.date) -> int:
    """Copy the entity files whose load day lies in [first, last]; returns how many."""
    copied = 0
    for path in sorted(source.glob("*/*.parquet")):
        if path.parent.name.startswith("_"):
            continue
        day = dt.date.fromisoformat(path.stem)
        if first <= day <= last:
            (target / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.parent.name / path.name)
            copied += 1
    return copied


def resend_from_first_load(raw_dir: Path, split: dt.date, rows: int = 20) -> dict[str, list]:
    """Write a file of the second load that re-sends ``rows`` web and app events of the first
    load, received later with a changed page/screen: the later copy must replace the loaded one.
    Returns the re-sent event ids per entity."""
    resent = {}
    for entity, changed_column, value in (
        ("web_events", "page_url", "/resent"),
        ("app_events", "screen", "resent"),
    ):
        first_load = pd.read_parquet(raw_dir / entity / f"{split.isoformat()}.parquet")
        copies = first_load.dropna(subset=["event_id"]).head(rows).copy()
        copies["received_at"] = copies["received_at"] + (
            pd.Timedelta(days=20) if copies["received_at"].dtype.kind == "M" else 20 * 86_400_000
        )
        copies[changed_column] = value
        copies.to_parquet(raw_dir / entity / "resent.parquet")
        resent[entity] = list(copies["event_id"])
    return resent


def staged_values(project: DbtProject, resent_ids: dict[str, list]) -> set[str]:
    """The page (web) and screen (app) staging keeps for the re-sent event ids."""
    values = set()
    for entity, column in (("web", "page_url"), ("app", "screen")):
        listed = ", ".join(f"'{event_id}'" for event_id in resent_ids[f"{entity}_events"])
        frame = project.query(
            f"select {column} from staging.stg_{entity}__events where event_id in ({listed})"
        )
        assert len(frame) == len(resent_ids[f"{entity}_events"])
        values |= set(frame[column])
    return values


@pytest.fixture(scope="module")
def two_step_then_full(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("incremental")
    generated = work / "generated"
    start = dt.date(2025, 9, 1)
    generate(out_dir=generated, customers=400, days=45, seed=7, start_date=start)
    project = make_project(work)
    split = start + dt.timedelta(days=29)
    assert copy_load_days(generated, project.raw_dir, dt.date(2000, 1, 1), split) > 0
    project.build()
    first_sessions = project.scalar("select count(*) from main.fct_sessions")
    assert copy_load_days(generated, project.raw_dir, split + dt.timedelta(days=1), dt.date.max)
    resent_ids = resend_from_first_load(project.raw_dir, split)
    project.build()
    assert staged_values(project, resent_ids) == {"/resent", "resent"}
    incremental = table_snapshot(project, TABLES)
    project.build("--full-refresh")
    full = table_snapshot(project, TABLES)
    return first_sessions, incremental, full


@pytest.mark.parametrize("table", list(TABLES))
def test_incremental_equals_full_refresh(two_step_then_full, table: str) -> None:
    _, incremental, full = two_step_then_full
    assert len(full[table]) > 0
    pd.testing.assert_frame_equal(
        incremental[table], full[table], check_exact=False, rtol=1e-9, atol=1e-9
    )


def test_second_step_really_added_data(two_step_then_full) -> None:
    first_sessions, incremental, _ = two_step_then_full
    assert len(incremental["main.fct_sessions"]) > first_sessions
