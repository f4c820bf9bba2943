"""Great Expectations quality gates: suites, batched runner, DuckDB sources, Data Docs.

Every test uses small hand-made frames whose right answer is known.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from behaviorseg.quality import (
    CriticalQualityError,
    RawLoadValidation,
    all_suites,
    build_data_docs,
    frames_from_query,
    load_row_counts,
    mart_targets,
    prepare_raw_batch,
    raise_on_critical,
    raw_file_suite,
    raw_suite,
    staging_targets,
    validate_batches,
    validate_new_raw_files,
    validate_targets,
    validated_files,
    volume_bounds,
)
from behaviorseg.quality.gates import RAW_FILES_TABLE, raw_gate_results
from behaviorseg.quality.raw_loads import LISTING_TABLE, profile_raw_file, raw_file_profiles
from behaviorseg.quality.suites import (
    activity_forecasts_suite,
    customer_features_suite,
    journey_markov_suite,
    segment_profiles_suite,
    stg_commerce_orders_suite,
    stg_crm_customers_suite,
)

REFERENCE_TIME = dt.datetime(2026, 1, 1)
RUN_AT = dt.datetime(2026, 1, 1, 6, 0, 0)
EVENT_TYPES = ["page_view", "product_view", "search", "add_to_cart", "purchase", "login"]
COMPARED_COLUMNS = [
    "suite_name",
    "expectation",
    "column",
    "rule",
    "severity",
    "success",
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
]


# --- hand-made frames -----------------------------------------------------------------------


def web_events(rows: int = 20, day: int = 1) -> pd.DataFrame:
    """Clean raw web events, as text (the way a CSV export arrives)."""
    return pd.DataFrame(
        {
            "event_id": [f"e{day:02d}-{i:04d}" for i in range(rows)],
            "anonymous_id": [f"a{i % 7}" for i in range(rows)],
            "user_id": [None if i % 3 else f"c{i}" for i in range(rows)],
            "event_type": [EVENT_TYPES[i % len(EVENT_TYPES)] for i in range(rows)],
            "event_ts": [f"2025-10-{day:02d}T{i % 24:02d}:15:00+02:00" for i in range(rows)],
            "received_at": [f"2025-10-{day:02d} {i % 24:02d}:16:00Z" for i in range(rows)],
            "device_type": [["mobile", "Desktop ", "tablet", "KIOSK"][i % 4] for i in range(rows)],
            "price": ["9.99"] * rows,
            "scroll_depth": [str(i % 101) for i in range(rows)],
            "time_on_page_s": ["12.5"] * rows,
            "email": ["someone@example.com"] * rows,  # not a contract column: never read
        }
    )


def staging_orders(rows: int = 20) -> pd.DataFrame:
    """Clean stg_commerce__orders rows."""
    return pd.DataFrame(
        {
            "order_id": [f"o{i:03d}" for i in range(rows)],
            "customer_id": [f"c{i % 5}" for i in range(rows)],
            "ordered_at": pd.date_range("2025-10-01", periods=rows, freq="h"),
            "status": ["completed", "cancelled", "refunded", "completed"] * (rows // 4),
            "channel": ["web", "app"] * (rows // 2),
            "total_amount": [10.0 + i for i in range(rows)],
            "discount_amount": [0.0] * rows,
        }
    )


def staging_customers() -> pd.DataFrame:
    """Clean stg_crm__customers rows (hashes are 64 hex characters)."""
    hex64 = ["0123456789abcdef" * 4, "f" * 64, "a" * 64]
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3"],
            "email_hash": hex64,
            "phone_hash": [None, "b" * 64, "c" * 64],
            "has_marketing_consent": [True, False, False],
            "country": ["DE", "FR", "US"],
        }
    )


def customer_features() -> pd.DataFrame:
    """Clean customer_features rows (r/f/m null for a customer who never bought)."""
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4"],
            "r_score": [5, 1, 3, None],
            "f_score": [4, 2, 3, None],
            "m_score": [1, 5, 2, None],
            "engagement_score": [0.0, 100.0, 55.5, 12.0],
            "rfm_segment": ["Champions", "Lost", "Loyal", "No Purchases Yet"],
            "as_of_date": pd.to_datetime(["2025-12-31"] * 4),
        }
    )


def forecasts() -> pd.DataFrame:
    """Clean activity_forecasts rows."""
    return pd.DataFrame(
        {
            "ds": pd.date_range("2026-01-01", periods=3, freq="D"),
            "yhat": [10.0, 12.0, 11.0],
            "yhat_lower": [8.0, 12.0, 9.0],
            "yhat_upper": [12.0, 13.0, 11.0],
        }
    )


def failed(results: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(column, rule, severity) of every failed expectation."""
    rows = results[results["status"] == "failed"]
    return set(zip(rows["column"], rows["rule"], rows["severity"], strict=True))


def row_for(results: pd.DataFrame, column: str, rule_part: str) -> pd.Series:
    """The single result row of a column whose rule contains ``rule_part``."""
    match = results[(results["column"] == column) & results["rule"].str.contains(rule_part)]
    assert len(match) == 1, match
    return match.iloc[0]


def split_frame(frame: pd.DataFrame, pieces: int) -> list[pd.DataFrame]:
    """``frame`` cut into ``pieces`` consecutive batches of (nearly) equal size."""
    bounds = np.linspace(0, len(frame), pieces + 1).round().astype(int)
    return [frame.iloc[start:stop] for start, stop in itertools.pairwise(bounds)]


def raw_web_batches(frame: pd.DataFrame, pieces: int = 1) -> list[pd.DataFrame]:
    """A raw web events frame prepared and split into ``pieces`` batches."""
    return [prepare_raw_batch(part, "web_events") for part in split_frame(frame, pieces)]


# --- suites ---------------------------------------------------------------------------------


def test_at_least_30_expectations_across_at_least_3_suites_each_with_a_severity() -> None:
    suites = all_suites(REFERENCE_TIME)
    expectations = [expectation for suite in suites for expectation in suite.expectations]
    layers = {suite.meta["layer"] for suite in suites}

    assert len(suites) >= 3
    assert len(expectations) >= 30
    assert layers == {"raw", "staging", "marts"}
    assert len({suite.name for suite in suites}) == len(suites)
    for suite in suites:
        check_ids = [expectation.meta["check_id"] for expectation in suite.expectations]
        assert len(set(check_ids)) == len(check_ids)
    for expectation in expectations:
        assert expectation.meta["severity"] in {"critical", "warning"}
        assert expectation.meta["rule"]
        assert expectation.severity.value == expectation.meta["severity"]


def test_volume_band_is_around_the_median_of_recent_loads() -> None:
    assert volume_bounds([100, 120, 80]) == (50, 200)
    assert volume_bounds([]) is None
    assert volume_bounds([0, 0]) is None


def test_file_suite_adds_the_volume_expectation_only_with_history() -> None:
    without = raw_file_suite("orders")
    with_history = raw_file_suite("orders", previous_load_row_counts=[9])
    assert len(with_history.expectations) == len(without.expectations) + 1


# --- raw ------------------------------------------------------------------------------------


def test_clean_raw_web_events_pass_every_expectation() -> None:
    suite = raw_suite("web_events", reference_time=REFERENCE_TIME)
    results = validate_batches(suite, raw_web_batches(web_events()), run_at=RUN_AT)

    assert failed(results) == set()
    assert results["success"].all()
    assert len(results) == len(suite.expectations)


def test_broken_raw_web_events_fail_exactly_the_expected_warnings() -> None:
    frame = web_events()
    frame.loc[[3, 7], "event_id"] = None  # 2 of 20 null ids: over the 1 % null rate
    frame.loc[5, "event_id"] = frame.loc[4, "event_id"]  # 17 distinct of 18: under 95 %
    frame.loc[10, "event_ts"] = "2030-01-01T00:00:00Z"  # in the future
    frame.loc[12, "event_type"] = "teleport"  # outside the value set
    suite = raw_suite("web_events", reference_time=REFERENCE_TIME)

    results = validate_batches(suite, raw_web_batches(frame), run_at=RUN_AT)

    assert failed(results) == {
        ("event_id", "null rate of a required column at most 1%", "warning"),
        ("event_id", "id uniqueness rate at least 95%", "warning"),
        ("event_ts__utc", "event_ts not in the future (after 2026-01-01 00:00 UTC)", "warning"),
        ("event_type", "value in the accepted set", "warning"),
    }
    null_ids = row_for(results, "event_id", "null rate")
    assert (null_ids["unexpected_count"], null_ids["element_count"]) == (2, 20)
    assert row_for(results, "event_id", "uniqueness")["observed_value"].startswith("0.944")
    assert "2030-01-01" in row_for(results, "event_ts__utc", "future")["observed_value"]
    assert "teleport" in row_for(results, "event_type", "accepted set")["observed_value"]
    raise_on_critical(results)  # warnings only: does not raise


# --- staging --------------------------------------------------------------------------------


def test_clean_staging_orders_and_customers_pass() -> None:
    orders = validate_batches(stg_commerce_orders_suite(REFERENCE_TIME), [staging_orders()])
    customers = validate_batches(stg_crm_customers_suite(), [staging_customers()])
    assert failed(orders) == set()
    assert failed(customers) == set()


def test_broken_staging_orders_fail_the_expected_critical_expectations() -> None:
    frame = staging_orders()
    frame.loc[1, "order_id"] = frame.loc[0, "order_id"]  # duplicate id
    frame.loc[6, "order_id"] = None  # null id
    frame.loc[2, "status"] = "lost"  # outside the set
    frame.loc[3, "total_amount"] = -5.0  # negative on a completed order
    frame.loc[1, "total_amount"] = -1.0  # negative on a cancelled order: allowed
    frame.loc[4, "ordered_at"] = pd.Timestamp("2031-01-01")  # in the future

    results = validate_batches(stg_commerce_orders_suite(REFERENCE_TIME), [frame])

    assert failed(results) == {
        ("order_id", "key is never null", "critical"),
        ("order_id", "key is unique", "critical"),
        ("status", "status in completed/cancelled/refunded", "critical"),
        ("total_amount", "amount not negative on a completed order", "critical"),
        ("ordered_at", "not in the future (after 2026-01-01 00:00 UTC)", "warning"),
    }
    assert row_for(results, "order_id", "never null")["unexpected_count"] == 1
    assert row_for(results, "order_id", "unique")["unexpected_count"] == 2
    negative = row_for(results, "total_amount", "completed order")
    assert negative["unexpected_count"] == 1
    assert negative["element_count"] == 10  # only completed orders are considered


def test_clear_text_email_in_staging_is_critical() -> None:
    frame = staging_customers()
    frame.loc[0, "email_hash"] = "jane.doe@example.com"
    results = validate_batches(stg_crm_customers_suite(), [frame])
    assert failed(results) == {
        ("email_hash", "e-mail hashed: 64 hex characters", "critical"),
        ("email_hash", "no clear-text e-mail (no '@')", "critical"),
    }


# --- marts ----------------------------------------------------------------------------------


def test_clean_marts_pass() -> None:
    assert failed(validate_batches(customer_features_suite(), [customer_features()])) == set()
    assert failed(validate_batches(activity_forecasts_suite(), [forecasts()])) == set()


def test_r_score_of_6_fails_the_score_range() -> None:
    frame = customer_features()
    frame.loc[0, "r_score"] = 6
    results = validate_batches(customer_features_suite(), [frame])
    assert failed(results) == {("r_score", "within 1-5", "critical")}
    assert row_for(results, "r_score", "within")["unexpected_count"] == 1


def test_segment_shares_summing_to_1_2_fail() -> None:
    frame = pd.DataFrame(
        {"segment_name": ["Power Users", "Churn Risk", "New"], "share": [0.5, 0.4, 0.3]}
    )
    results = validate_batches(segment_profiles_suite(), [frame])
    assert failed(results) == {("share", "segment shares sum to 1", "critical")}
    assert float(row_for(results, "share", "sum to 1")["observed_value"]) == pytest.approx(1.2)


def test_probability_above_1_fails() -> None:
    frame = pd.DataFrame(
        {"p_purchase": [0.2, 1.5], "drop_off_rate": [0.1, 0.3], "expected_steps": [2.0, 3.0]}
    )
    results = validate_batches(journey_markov_suite(), [frame])
    assert failed(results) == {("p_purchase", "within 0-1", "critical")}


def test_forecast_lower_bound_above_yhat_fails() -> None:
    frame = forecasts()
    frame.loc[1, "yhat_lower"] = 12.5  # above yhat 12.0
    results = validate_batches(activity_forecasts_suite(), [frame])
    assert failed(results) == {("yhat, yhat_lower", "yhat_lower <= yhat", "critical")}
    assert row_for(results, "yhat, yhat_lower", "yhat_lower")["unexpected_count"] == 1


# --- batching -------------------------------------------------------------------------------


def test_one_batch_and_seven_batches_give_the_same_results() -> None:
    orders = staging_orders(rows=72).iloc[:70].copy()
    orders.loc[10, "order_id"] = orders.loc[9, "order_id"]  # straddles batches 1 and 2
    orders.loc[25, "status"] = "lost"
    suite = stg_commerce_orders_suite(REFERENCE_TIME)

    whole = validate_batches(suite, [orders])
    split = validate_batches(suite, split_frame(orders, 7))

    assert list(split["batches"].unique()) == [7]
    pd.testing.assert_frame_equal(whole[COMPARED_COLUMNS], split[COMPARED_COLUMNS])
    unique = row_for(split, "order_id", "unique")
    assert not unique["success"]
    assert unique["unexpected_count"] == 2


def test_mostly_applies_to_the_whole_table_not_to_each_batch() -> None:
    events = web_events(rows=70)
    events.loc[10, "event_id"] = events.loc[9, "event_id"]  # duplicate across batches 1 and 2
    events.loc[[20, 21], "anonymous_id"] = None  # 20 % of batch 3, 2.9 % of the table (<= 10 %)
    suite = raw_suite("web_events", reference_time=REFERENCE_TIME)

    whole = validate_batches(suite, raw_web_batches(events))
    split = validate_batches(suite, raw_web_batches(events, pieces=7))

    pd.testing.assert_frame_equal(whole[COMPARED_COLUMNS], split[COMPARED_COLUMNS])
    assert row_for(split, "anonymous_id", "null rate")["success"]
    third_batch_alone = validate_batches(suite, raw_web_batches(events, pieces=7)[2:3])
    assert not row_for(third_batch_alone, "anonymous_id", "null rate")["success"]
    assert row_for(split, "event_id", "uniqueness")["observed_value"] == str(69 / 70)


# --- DuckDB sources, missing tables, raw loads ----------------------------------------------


def test_frames_from_query_streams_bounded_batches() -> None:
    connection = duckdb.connect()
    sizes = [len(frame) for frame in frames_from_query(connection, "select * from range(25)", 10)]
    empty = list(frames_from_query(connection, "select 1 as a where false", 10))
    assert sizes == [10, 10, 5]
    assert len(empty) == 1
    assert list(empty[0].columns) == ["a"]
    assert empty[0].empty


def test_missing_mart_tables_are_skipped_with_a_reason() -> None:
    connection = duckdb.connect()
    connection.register("features_frame", customer_features())
    connection.execute("create table customer_features as select * from features_frame")
    connection.execute(
        "create table journey_transitions as select * from (values "
        "('all', 'landing', 'browse', 6, 0.6), ('all', 'landing', 'exit', 4, 0.4), "
        "('all', 'browse', 'exit', 9, 0.9)) t(segment_id, from_state, to_state, transitions, "
        "probability)"
    )

    results = validate_targets(connection, mart_targets(), rows_per_batch=2, run_at=RUN_AT)

    ran = results[results["status"] != "skipped"]
    skipped = results[results["status"] == "skipped"]
    assert set(ran["suite_name"]) == {
        "marts__customer_features",
        "marts__journey_transitions",
        "marts__journey_transitions__state_totals",
    }
    assert set(skipped["suite_name"]) == {
        "marts__customer_segments",
        "marts__segment_profiles",
        "marts__journey_markov",
        "marts__activity_forecasts",
    }
    assert skipped["success"].isna().all()
    assert skipped["observed_value"].str.contains("not found").all()
    profiles = skipped[skipped["suite_name"] == "marts__segment_profiles"]
    assert set(profiles["observed_value"]) == {
        "skipped: table 'segment_profiles' not found (its model is not built yet)"
    }
    # 'browse' sums to 0.9: the per-state total (a SQL aggregate) fails, nothing else does.
    assert failed(ran) == {
        ("probability_total", "outgoing probabilities of a state sum to 1", "critical")
    }
    with pytest.raises(CriticalQualityError, match="probability_total"):
        raise_on_critical(results)


def test_an_aggregate_query_that_cannot_run_is_a_critical_failure() -> None:
    connection = duckdb.connect()
    connection.execute("create table journey_transitions as select 'landing' as from_state")
    targets = [t for t in mart_targets() if t.query is not None]

    results = validate_targets(connection, targets)

    assert failed(results) == {
        ("table", "the suite's aggregate query runs on the table", "critical")
    }
    assert "not found" in results["observed_value"].iloc[0]


def test_staging_targets_read_only_the_columns_they_check(tmp_path: Path) -> None:
    connection = duckdb.connect()
    connection.register("orders_frame", staging_orders())
    connection.execute("create schema staging")
    connection.execute("create table staging.stg_commerce__orders as select * from orders_frame")
    targets = [t for t in staging_targets(REFERENCE_TIME) if t.table == "stg_commerce__orders"]

    results = validate_targets(
        connection, targets, relations={"stg_commerce__orders": "staging.stg_commerce__orders"}
    )

    assert failed(results) == set()
    assert set(results["data_asset"]) == {"staging.stg_commerce__orders"}


def test_staged_events_are_validated_on_their_newest_load(tmp_path: Path) -> None:
    events = web_events(rows=12)
    events["event_at"] = pd.to_datetime(events["event_ts"], utc=True).dt.tz_localize(None)
    events["event_type"] = "page_view"
    events["price"] = events["price"].astype(float)
    events["scroll_depth"] = events["scroll_depth"].astype(int)
    earlier, newest = events.iloc[:8].copy(), events.iloc[8:].copy()
    earlier["loaded_at"] = pd.Timestamp("2025-10-01 06:00:00")
    newest["loaded_at"] = pd.Timestamp("2025-10-02 06:00:00")
    earlier.loc[earlier.index[0], "event_id"] = None  # broken, but validated by an earlier run
    connection = duckdb.connect()
    connection.register("loads", pd.concat([earlier, newest]))
    connection.execute("create schema staging")
    connection.execute("create table staging.stg_web__events as select * from loads")
    targets = [t for t in staging_targets(REFERENCE_TIME) if t.table == "stg_web__events"]

    results = validate_targets(
        connection, targets, relations={"stg_web__events": "staging.stg_web__events"}
    )

    assert failed(results) == set()
    counted = results["element_count"].dropna()
    assert set(counted) == {len(newest)}
    # The first build (one load) validates every row and finds the broken one.
    connection.execute("update staging.stg_web__events set loaded_at = '2025-10-02 06:00:00'")
    first_build = validate_targets(
        connection, targets, relations={"stg_web__events": "staging.stg_web__events"}
    )
    assert any(
        column == "event_id" and severity == "critical"
        for column, _, severity in failed(first_build)
    )


def write_files(raw_dir: Path, files: dict[str, pd.DataFrame | bytes]) -> dict[str, str]:
    """Write ``{name: frame or raw bytes}`` into ``raw_dir/web_events``; name -> file key."""
    folder = raw_dir / "web_events"
    folder.mkdir(parents=True, exist_ok=True)
    keys = {}
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif name.endswith(".csv"):
            content.to_csv(path, index=False)
        else:
            content.to_parquet(path)
        keys[name] = path.as_posix()
    return keys


def validate_web_load(raw_dir: Path, keys: dict[str, str], **options: object) -> RawLoadValidation:
    """validate_new_raw_files on the listed web_events files (``keys``, as written) with small
    batches."""
    return validate_new_raw_files(
        duckdb.connect(),
        raw_dir,
        "web_events",
        files=list(keys.values()),
        reference_time=REFERENCE_TIME,
        rows_per_batch=16,
        run_at=RUN_AT,
        **options,
    )


def test_only_the_new_raw_files_are_validated_in_batches(tmp_path: Path) -> None:
    with_real_timestamps = web_events(day=2)
    with_real_timestamps["event_ts"] = pd.to_datetime(with_real_timestamps["event_ts"], utc=True)
    keys = write_files(
        tmp_path,
        {
            "2025-10-01.parquet": web_events(day=1),
            "2025-10-02.parquet": with_real_timestamps,
            "2025-10-03.csv": web_events(day=3),
        },
    )

    load = validate_web_load(tmp_path, keys, already_validated=[keys["2025-10-01.parquet"]])

    assert list(load.files["source_file"]) == [keys["2025-10-02.parquet"], keys["2025-10-03.csv"]]
    assert failed(load.results) == set()
    row_level = load.results[load.results["suite_name"] == "raw__web_events"]
    assert set(row_level["batches"]) == {4}  # Parquet 16 + 4 rows, then CSV 16 + 4 rows
    assert row_for(row_level, "event_id", "null rate")["element_count"] == 40
    assert set(load.results["data_asset"]) == {(tmp_path / "web_events").as_posix()}
    assert validated_files(load.files) == {keys["2025-10-02.parquet"], keys["2025-10-03.csv"]}
    assert load_row_counts(load.files) == [20, 20]


def test_parquet_files_profiled_together_match_one_file_at_a_time(tmp_path: Path) -> None:
    garbage = web_events(day=3)
    garbage.loc[:9, "event_ts"] = "yesterday"
    typed = web_events(day=4)
    typed["event_ts"] = pd.to_datetime(typed["event_ts"], utc=True)
    files = {
        "2025-10-01.parquet": web_events(day=1),
        "2025-10-02.parquet": web_events(day=2).drop(columns=["event_ts", "event_type"]),
        "2025-10-03.parquet": garbage,
        "2025-10-04.parquet": typed,
        "2025-10-05.parquet": web_events(day=5).iloc[0:0],
    }
    write_files(tmp_path, files)
    paths = [tmp_path / "web_events" / name for name in files]
    connection = duckdb.connect()

    together = raw_file_profiles(connection, paths, "web_events")
    one_at_a_time = pd.DataFrame(
        [profile_raw_file(connection, path, "web_events") for path in paths],
        columns=together.columns,
    )

    pd.testing.assert_frame_equal(together, one_at_a_time, check_dtype=False)
    assert list(together["row_count"]) == [20, 20, 20, 20, 0]
    assert list(together["has_column__event_ts"]) == [True, False, True, True, True]
    assert pd.isna(together.loc[1, "event_ts__parse_rate"])
    assert together.loc[[0, 2, 3], "event_ts__parse_rate"].tolist() == [1.0, 0.5, 1.0]


def test_a_file_without_a_required_column_stops_the_run_naming_file_column_and_rule(
    tmp_path: Path,
) -> None:
    keys = write_files(
        tmp_path,
        {
            "2025-10-04.parquet": web_events(day=4),
            "2025-10-05.parquet": web_events(day=5).drop(columns=["event_ts"]),
        },
    )

    load = validate_web_load(tmp_path, keys)

    assert failed(load.results) == {
        ("event_ts", "required column", "critical"),
        # read by name across files, that file's rows have a null event_ts
        ("event_ts", "null rate of a required column at most 1%", "warning"),
    }
    with pytest.raises(CriticalQualityError) as raised:
        raise_on_critical(load.results)
    message = str(raised.value)
    assert f"file '{keys['2025-10-05.parquet']}': column 'event_ts', rule 'required column'" in (
        message
    )
    assert keys["2025-10-04.parquet"] not in message
    assert validated_files(load.files) == {keys["2025-10-04.parquet"]}


def test_empty_and_unreadable_files_are_critical(tmp_path: Path) -> None:
    keys = write_files(
        tmp_path,
        {
            "2025-10-06.csv": web_events().iloc[0:0],  # header only
            "2025-10-07.parquet": b"",  # 0 bytes
            "2025-10-08.parquet": web_events(day=8),
        },
    )

    load = validate_web_load(tmp_path, keys)

    assert failed(load.results) == {
        ("file", "file is not empty", "critical"),
        ("file", "file is readable", "critical"),
    }
    assert json.loads(row_for(load.results, "file", "not empty")["unexpected_sources"]) == [
        keys["2025-10-06.csv"]
    ]
    assert json.loads(row_for(load.results, "file", "readable")["unexpected_sources"]) == [
        keys["2025-10-07.parquet"]
    ]
    assert validated_files(load.files) == {keys["2025-10-08.parquet"]}


def test_a_column_of_the_wrong_type_is_critical(tmp_path: Path) -> None:
    garbage = web_events(day=9)
    garbage["event_ts"] = "yesterday"
    keys = write_files(tmp_path, {"2025-10-09.csv": garbage})

    load = validate_web_load(tmp_path, keys)

    critical_failures = {row for row in failed(load.results) if row[2] == "critical"}
    assert critical_failures == {
        ("event_ts", "is a timestamp: at least 50% of values parse", "critical")
    }
    with pytest.raises(CriticalQualityError, match=keys["2025-10-09.csv"]):
        raise_on_critical(load.results)


def test_volume_is_compared_with_the_previous_loads(tmp_path: Path) -> None:
    keys = write_files(
        tmp_path,
        {
            f"2025-10-1{day}.parquet": web_events(rows=20 if day < 3 else 4, day=day)
            for day in (1, 2, 3)
        },
    )

    load = validate_web_load(
        tmp_path, keys, already_validated=[keys["2025-10-11.parquet"], keys["2025-10-12.parquet"]]
    )
    explicit = validate_web_load(tmp_path, keys, previous_load_row_counts=[1000, 900, 1100])

    volume_rule = "volume within 0.5-2 x the median of recent loads"
    assert failed(load.results) == {("file", volume_rule, "warning")}
    assert (
        "'" + keys["2025-10-13.parquet"] + "'"
        in row_for(load.results, "file", "volume")["observed_value"]
    )
    assert failed(explicit.results) == {("file", volume_rule, "warning")}
    assert row_for(explicit.results, "file", "volume")["unexpected_count"] == 3
    raise_on_critical(load.results)  # a warning: does not raise


def app_events(rows: int, day: int) -> pd.DataFrame:
    """Clean raw app events, as text."""
    return pd.DataFrame(
        {
            "event_id": [f"app{day:02d}-{i:04d}" for i in range(rows)],
            "device_id": [f"d{i % 5}" for i in range(rows)],
            "event_name": ["screen_view"] * rows,
            "event_ts": [f"2025-10-{day:02d}T{i % 24:02d}:15:00Z" for i in range(rows)],
        }
    )


def test_each_entity_is_compared_with_its_own_earlier_loads(tmp_path: Path) -> None:
    # Web loads of 40 rows, app loads of 5: the app load is normal for the app.
    web = write_files(tmp_path, {f"2025-10-1{d}.parquet": web_events(40, d) for d in (1, 2, 3)})
    app_dir = tmp_path / "app_events"
    app_dir.mkdir()
    app = {}
    for day in (1, 2, 3):
        path = app_dir / f"2025-10-1{day}.parquet"
        app_events(5, day).to_parquet(path)
        app[day] = path.as_posix()
    connection = duckdb.connect()
    connection.execute("create schema quality")
    connection.execute(
        f"create table {RAW_FILES_TABLE} (source_file varchar, entity varchar, row_count bigint,"
        " passed boolean, run_id varchar, run_at timestamp)"
    )
    # This run's listing, as the register_raw_sources hook writes it.
    connection.execute("create schema raw")
    connection.execute(
        f"create table {LISTING_TABLE} (source_file varchar, entity varchar, file_format varchar,"
        " size_bytes bigint, modified_at timestamp, first_loaded_at timestamp)"
    )
    for entity, files, rows in (("web_events", web, 40), ("app_events", app, 5)):
        for key in sorted(files.values())[:2]:
            connection.execute(
                f"insert into {RAW_FILES_TABLE} values (?, ?, ?, true, 'r0', ?)",
                [key, entity, rows, RUN_AT],
            )
        for key in files.values():
            connection.execute(
                f"insert into {LISTING_TABLE} values (?, ?, 'parquet', 1, ?, ?)",
                [key, entity, RUN_AT, RUN_AT],
            )

    results, files = raw_gate_results(
        connection,
        tmp_path,
        reference_time=REFERENCE_TIME,
        run_id="r1",
        run_at=RUN_AT,
        entities=("web_events", "app_events"),
    )

    assert set(files["source_file"]) == {web["2025-10-13.parquet"], app[3]}
    volume = results[results["rule"].str.startswith("volume", na=False)]
    assert set(volume["suite_name"]) == {"raw__web_events__files", "raw__app_events__files"}
    assert volume["status"].eq("passed").all(), volume[["suite_name", "observed_value"]]
    # The fallback without a log reads only the entity's own earlier files too.
    fallback = validate_new_raw_files(
        connection,
        tmp_path,
        "app_events",
        files=list(app.values()),
        reference_time=REFERENCE_TIME,
        already_validated=[*web.values(), app[1], app[2]],
        run_at=RUN_AT,
    )
    assert failed(fallback.results) == set()


# --- Data Docs ------------------------------------------------------------------------------


def test_data_docs_site_is_built_offline_into_a_folder(tmp_path: Path) -> None:
    frame = customer_features()
    frame.loc[0, "r_score"] = 6
    results = pd.concat(
        [
            validate_batches(customer_features_suite(), [frame], run_id="run-1", run_at=RUN_AT),
            validate_batches(
                stg_crm_customers_suite(), [staging_customers()], run_id="run-1", run_at=RUN_AT
            ),
        ],
        ignore_index=True,
    )

    index = build_data_docs(results, tmp_path / "docs")

    assert index == (tmp_path / "docs" / "index.html").resolve()
    assert index.is_file()
    assert "marts__customer_features" in index.read_text()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == 2
    page = next(page for page in pages if "customer_features" in str(page))
    assert "r_score" in page.read_text()
