"""The Great Expectations gates inside the DAG: results logged, Data Docs built, and a raw file
that breaks the contract stops the build cleanly (the previous marts stay as they were)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from dbt_helpers import DbtProject, DbtResult, make_project

from behaviorseg.quality.data_docs import build_data_docs_from_warehouse
from behaviorseg.synthetic import generate

FEATURES = "select * from main.customer_features order by customer_id"


@dataclass(frozen=True)
class GateRun:
    """What one build of the broken data did."""

    result: DbtResult
    features_after: pd.DataFrame


@dataclass(frozen=True)
class GateScenario:
    project: DbtProject
    features_before: pd.DataFrame
    missing_column: GateRun
    missing_column_file: Path
    unparseable: GateRun
    unparseable_file: Path


def web_file_like(project: DbtProject) -> pd.DataFrame:
    """A day of real web events to break in different ways."""
    first = sorted((project.raw_dir / "web_events").glob("*.parquet"))[0]
    return pd.read_parquet(first).head(50)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> GateScenario:
    project = make_project(tmp_path_factory.mktemp("gates"))
    generate(
        out_dir=project.raw_dir, customers=300, days=30, seed=5, start_date=dt.date(2025, 3, 1)
    )
    project.build()
    before = project.query(FEATURES)
    sample = web_file_like(project)

    missing = project.raw_dir / "web_events" / "2025-04-15.parquet"
    sample.drop(columns=["event_ts"]).to_parquet(missing, index=False)
    missing_run = GateRun(project.run("build"), project.query(FEATURES))
    missing.unlink()

    unparseable = project.raw_dir / "web_events" / "2025-04-16.parquet"
    sample.assign(event_ts="last tuesday").to_parquet(unparseable, index=False)
    unparseable_run = GateRun(project.run("build"), project.query(FEATURES))
    return GateScenario(project, before, missing_run, missing, unparseable_run, unparseable)


def test_gates_log_at_least_30_expectations_in_3_suites(scenario: GateScenario) -> None:
    logged = scenario.project.query(
        "select gate, count(*) as expectations, count(distinct suite_name) as suites "
        "from quality.dq_validation_results where status <> 'skipped' group by gate"
    ).set_index("gate")
    assert set(logged.index) == {"raw", "staging", "marts"}
    assert logged["expectations"].sum() >= 30
    assert logged["suites"].sum() >= 3
    severities = scenario.project.query(
        "select distinct severity from quality.dq_validation_results"
    )["severity"]
    assert set(severities) == {"critical", "warning"}


def test_data_docs_are_built_from_the_logged_results(
    scenario: GateScenario, tmp_path: Path
) -> None:
    index = build_data_docs_from_warehouse(scenario.project.warehouse, tmp_path / "docs")
    assert index is not None and index.exists()
    assert "raw__web_events" in index.read_text()


def test_a_file_without_event_ts_stops_the_build_naming_it(scenario: GateScenario) -> None:
    run = scenario.missing_column
    assert not run.result.ok
    assert str(scenario.missing_column_file) in run.result.output
    assert "has no column 'event_ts' (rule: required column)" in run.result.output
    pd.testing.assert_frame_equal(run.features_after, scenario.features_before)


def test_unparseable_timestamps_stop_the_build_at_the_raw_gate(scenario: GateScenario) -> None:
    run = scenario.unparseable
    assert not run.result.ok
    assert "critical data quality expectation" in run.result.output
    assert str(scenario.unparseable_file) in run.result.output
    assert "event_ts" in run.result.output
    pd.testing.assert_frame_equal(run.features_after, scenario.features_before)
    failed = scenario.project.query(
        'select "column", rule from quality.dq_validation_results '
        "where gate = 'raw' and status = 'failed' and severity = 'critical'"
    )
    assert failed.to_dict("records") == [
        {"column": "event_ts", "rule": "is a timestamp: at least 50% of values parse"}
    ]


@pytest.mark.parametrize(("days_ago", "expect_ok"), [(1, True), (30, False)])
def test_source_freshness_follows_the_newest_raw_rows(
    tmp_path: Path, days_ago: int, expect_ok: bool
) -> None:
    project = make_project(tmp_path)
    end = dt.date.today() - dt.timedelta(days=days_ago)
    generate(
        out_dir=project.raw_dir, customers=60, days=5, seed=2, start_date=end - dt.timedelta(5)
    )
    result = project.run("source", "freshness")
    assert result.ok is expect_ok, result.output[-2000:]
    assert "freshness of web.events" in result.output
