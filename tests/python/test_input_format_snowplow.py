"""Snowplow's atomic `events` as an input format (var raw_formats {web_events:
snowplow_events}), from files and from a table already in the warehouse (var raw_relations).
Fixture from Snowplow's public atomic.events schema (tests/fixtures/snowplow_events/), staged
rows written by hand.

The quirks: derived_tstamp is the event time (device clocks are skewed: visitor d1's runs two
hours fast, d2's a day slow), collector_tstamp when an event has no derived_tstamp (never the
device's clock), and collector_tstamp is the arrival; the e-commerce plugin's action type comes
from unstruct_event, the product and transaction from the contexts JSON; a duplicate event
(at-least-once delivery) is kept once; page pings give the scroll depth.
"""

from __future__ import annotations

import json

import pytest
from dbt_helpers import DbtProject, make_project, sql_text_literal
from format_fixtures import FIXTURES_DIR, assert_stages_exactly, copy_fixture

FIXTURE = FIXTURES_DIR / "snowplow_events"
EXPECTED = FIXTURE / "expected_stg_web__events.csv"
SELECT = ["--select", "+stg_web__events", "+unmapped_event_types"]


@pytest.fixture(scope="module")
def snowplow_files(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("snowplow_files"))
    copy_fixture(FIXTURE / "events.csv", project.raw_dir / "web_events" / "events.csv")
    project.build(*SELECT, "--vars", json.dumps({"raw_formats": {"web_events": "snowplow_events"}}))
    return project


@pytest.fixture(scope="module")
def snowplow_relation(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """The same events as a table `snowplow.events` already in the warehouse, no files."""
    import duckdb

    project = make_project(tmp_path_factory.mktemp("snowplow_relation"))
    with duckdb.connect(str(project.warehouse)) as connection:
        connection.execute("create schema snowplow")
        connection.execute(
            "create table snowplow.events as select * from read_csv("
            + sql_text_literal(str(FIXTURE / "events.csv"))
            + ", header = true, all_varchar = true)"
        )
    variables = {
        "raw_formats": {"web_events": "snowplow_events"},
        "raw_relations": {"web_events": "snowplow.events"},
    }
    project.build(*SELECT, "--vars", json.dumps(variables))
    return project


def test_files_stage_exactly_the_hand_written_rows(snowplow_files: DbtProject) -> None:
    assert_stages_exactly(snowplow_files, "staging.stg_web__events", EXPECTED)
    # 11 raw rows: 10 events and one duplicate delivery, nothing quarantined.
    counts = snowplow_files.query(
        "select count(*) as rows_in, count(quarantine_reason) as quarantined, "
        "count(*) filter (where dedupe_rank = 1) as kept from staging.base_web__events"
    ).iloc[0]
    assert counts.tolist() == [11, 0, 10]


def test_ip_addresses_are_hashed(snowplow_files: DbtProject) -> None:
    assert snowplow_files.text_columns_containing(["203.0.113.50", "198.51.100.60"]) == []


def test_the_custom_event_is_reported_unmapped(snowplow_files: DbtProject) -> None:
    unmapped = snowplow_files.query(
        "select source, raw_event_type from quality.unmapped_event_types"
    )
    assert unmapped.values.tolist() == [["web", "newsletter_signup"]]


def test_a_warehouse_table_stages_the_same_rows(snowplow_relation: DbtProject) -> None:
    assert_stages_exactly(snowplow_relation, "staging.stg_web__events", EXPECTED)
    assert snowplow_relation.query("select distinct source_file from staging.stg_web__events")[
        "source_file"
    ].tolist() == ["snowplow.events"]


def test_a_relation_lacking_a_format_column_stops_the_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import duckdb

    project = make_project(tmp_path_factory.mktemp("snowplow_bad_relation"))
    with duckdb.connect(str(project.warehouse)) as connection:
        connection.execute("create schema snowplow")
        connection.execute("create table snowplow.events (event_id varchar, event_name varchar)")
    variables = {
        "raw_formats": {"web_events": "snowplow_events"},
        "raw_relations": {"web_events": "snowplow.events"},
    }
    result = project.run("build", *SELECT, "--vars", json.dumps(variables))
    assert not result.ok
    assert "has no column 'domain_userid' (rule: required column)" in result.output
    assert "relation snowplow.events" in result.output


@pytest.mark.parametrize(
    ("formats", "message"),
    [
        (
            {"web_events": "snowplow"},
            "var raw_formats: unknown input format 'snowplow' (known: ga4_events, ",
        ),
        (
            {"orders": "snowplow_events"},
            "input format 'snowplow_events' cannot feed entity 'orders' (it feeds: web_events)",
        ),
        ({"weblog": "snowplow_events"}, "var raw_formats: 'weblog' is no raw entity folder"),
    ],
)
def test_a_wrong_format_setting_stops_the_run_naming_it(
    tmp_path_factory: pytest.TempPathFactory, formats: dict, message: str
) -> None:
    project = make_project(tmp_path_factory.mktemp("snowplow_wrong_setting"))
    result = project.run(
        "run", "--select", "base_web__events", "--vars", json.dumps({"raw_formats": formats})
    )
    assert not result.ok
    assert message in result.output


def test_a_file_lacking_a_format_column_stops_the_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = make_project(tmp_path_factory.mktemp("snowplow_bad_file"))
    folder = project.raw_dir / "web_events"
    folder.mkdir(parents=True)
    header = (FIXTURE / "events.csv").read_text().splitlines()[0].split(",")
    # The export's header without collector_tstamp (and no rows: the check reads the header).
    (folder / "events.csv").write_text(
        ",".join(name for name in header if name != "collector_tstamp") + "\n"
    )
    result = project.run(
        "run",
        "--select",
        "base_web__events",
        "--vars",
        json.dumps({"raw_formats": {"web_events": "snowplow_events"}}),
    )
    assert not result.ok
    assert (
        f"file '{folder}/events.csv' of source web.events ({folder}), input format"
        " snowplow_events has no column 'collector_tstamp' (rule: required column)"
    ) in result.output


def test_a_file_outside_the_format_subfolders_stops_the_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = make_project(tmp_path_factory.mktemp("loose_file"))
    copy_fixture(FIXTURE / "events.csv", project.raw_dir / "web_events" / "events.csv")
    formats = {"web_events": ["snowplow_events", "segment_pages"]}
    result = project.run(
        "run", "--select", "base_web__events", "--vars", json.dumps({"raw_formats": formats})
    )
    assert not result.ok
    assert "events.csv' of source web.events" in result.output
    assert "lies directly in the entity folder" in result.output
    assert "(rule: one subfolder per input format)" in result.output
