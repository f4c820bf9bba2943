"""Segment / RudderStack warehouse exports as input formats: the per-event tables (tracks
columns plus the event's properties) in web_events/segment_tracks/, `pages` in
web_events/segment_pages/ and `identifies` in web_events/segment_identifies/ (var raw_formats
with a list). Fixture from Segment's public warehouse schema (tests/fixtures/segment/), with the
staged rows written by hand.

One build: the events stage exactly as expected (context_* columns read, URLs cleaned, the
re-sent event kept once with its latest received_at, IPs hashed), the anonymous visits of a
visitor who later identified belong to that user's person (the identifies join), the shipped
vocabulary maps Segment's e-commerce events, and the one event it does not list is reported.
"""

from __future__ import annotations

import json

import pytest
from dbt_helpers import DbtProject, make_project
from format_fixtures import FIXTURES_DIR, assert_stages_exactly, copy_fixture

FIXTURE = FIXTURES_DIR / "segment"
FORMATS = ["segment_tracks", "segment_pages", "segment_identifies"]
CLEAR_TEXT = ["203.0.113.7", "198.51.100.23", "192.0.2.44", "secret1", "jo@example.com"]


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("segment"))
    for input_format in FORMATS:
        copy_fixture(FIXTURE / input_format, project.raw_dir / "web_events" / input_format)
    project.build(
        "--select",
        "+int_events_sessionised",
        "+unmapped_event_types",
        "--vars",
        json.dumps({"raw_formats": {"web_events": FORMATS}}),
    )
    return project


def test_stages_exactly_the_hand_written_rows(segment: DbtProject) -> None:
    assert_stages_exactly(
        segment, "staging.stg_web__events", FIXTURE / "expected_stg_web__events.csv"
    )
    # Every row in (17 raw rows, one re-send) is staged or deduplicated, none quarantined.
    assert segment.scalar("select count(*) from staging.base_web__events") == 17
    assert (
        segment.scalar(
            "select count(*) from staging.base_web__events where quarantine_reason is not null"
        )
        == 0
    )


def test_clear_text_pii_is_nowhere(segment: DbtProject) -> None:
    assert segment.text_columns_containing(CLEAR_TEXT) == []
    assert segment.scalar("select count(*) from staging.stg_web__events where ip_hash is null") == 0


def test_identifies_join_anonymous_visits_to_their_user(segment: DbtProject) -> None:
    by_cookie = segment.query(
        "select staged.anonymous_id, count(distinct events.person_id) as persons, "
        "count(*) filter (where events.person_id is null) as without_person, "
        "min(events.person_id) as person_id "
        "from intermediate.int_events_sessionised as events "
        "inner join staging.stg_web__events as staged on staged.event_id = events.event_id "
        "group by staged.anonymous_id"
    ).set_index("anonymous_id")
    assert by_cookie["without_person"].sum() == 0
    assert by_cookie["persons"].tolist() == [1, 1, 1]
    person = by_cookie["person_id"]
    # anon-A1 identified as U1 on 1 May, anon-A3 on 3 May (its only link to U1: its pages and
    # tracks carry no user_id): one person; anon-A2 never identified.
    assert person["anon-A1"] == person["anon-A3"]
    assert person["anon-A2"] != person["anon-A1"]


def test_shipped_vocabulary_maps_the_ecommerce_spec(segment: DbtProject) -> None:
    flags = segment.query(
        "select event_id, event_type, is_product_view, is_cart_add, is_checkout, is_purchase "
        "from intermediate.int_events_sessionised where event_id like 'tr-%' order by event_id"
    )
    assert flags["event_type"].tolist() == [
        "product_view",
        "product_view",
        "product_view",
        "add_to_cart",
        "add_to_cart",
        "begin_checkout",
        "purchase",
        "newsletter subscribed",
    ]
    assert flags["is_product_view"].sum() == 3
    assert flags["is_cart_add"].sum() == 2
    assert flags["is_checkout"].sum() == 1
    assert flags["is_purchase"].sum() == 1
    unmapped = segment.query("select * from quality.unmapped_event_types")
    assert unmapped[["source", "raw_event_type"]].values.tolist() == [
        ["web", "newsletter subscribed"]
    ]
