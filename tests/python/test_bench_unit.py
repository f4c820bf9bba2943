"""Benchmark bookkeeping with known answers (the benchmark itself is `make bench`)."""

from __future__ import annotations

import pytest

from behaviorseg.bench import (
    MemorySampler,
    customers_for_events,
    markdown_table,
    split_last_days,
    stage_of,
    stage_table,
    union_length,
)


def test_parallel_windows_are_not_counted_twice() -> None:
    assert union_length([(0, 10), (5, 12), (20, 25)]) == 17
    assert union_length([]) == 0


def test_nodes_are_staged_by_their_folder() -> None:
    assert stage_of("models/staging/web/base/base_web__events.sql | base_web__events") == "staging"
    assert stage_of("python_models/quality/dq_gate_raw.py | dq_gate_raw") == "quality gate: raw"
    assert stage_of("models/marts/core/identity_map.sql | identity_map") == "identity"
    assert (
        stage_of("python_models/activity/int_activity_forecasts.py | int_activity_forecasts")
        == "python: forecasts and backtests"
    )
    assert stage_of("somewhere/else.sql | thing") == "other"


def test_customers_scale_with_events() -> None:
    assert customers_for_events(9_960_000) == pytest.approx(20_000, rel=0.01)
    assert customers_for_events(10) == 100


def test_stage_table_takes_the_peak_memory_inside_each_stage() -> None:
    sampler = MemorySampler.__new__(MemorySampler)
    sampler.samples = [(0.0, 100.0), (1.0, 300.0), (2.0, 200.0), (3.0, 900.0)]
    nodes = [
        {"unique_id": "model.p.a", "start": 0.0, "end": 1.5},
        {"unique_id": "model.p.b", "start": 2.5, "end": 3.5},
    ]
    locations = {"model.p.a": "models/staging/x.sql | a", "model.p.b": "fct_orders | b"}
    rows = stage_table(nodes, locations, sampler)
    assert rows == [
        {"name": "staging", "wall_s": 1.5, "peak_rss_mb": 300.0},
        {"name": "orders and customers", "wall_s": 1.0, "peak_rss_mb": 900.0},
    ]
    table = markdown_table(
        {
            "events": 1000,
            "customers": 10,
            "stages": rows,
            "total_wall_s": 3.0,
            "peak_rss_mb": 900.0,
            "events_per_second": 333,
            "incremental_wall_s": 0.5,
            "incremental_share": 0.17,
            "incremental_stages": [{"name": "staging", "wall_s": 0.2, "peak_rss_mb": 120.0}],
            "refit_day_wall_s": 1.2,
            "refit_day_share": 0.4,
            "machine": {
                "cpus": 2,
                "memory_gb": 24,
                "platform": "linux",
                "python": "3.11",
                "measured_at": "now",
            },
        }
    )
    assert "| staging | 1.5 | 300 | 0.2 |" in table and "17% of the full build" in table
    assert "| orders and customers | 1.0 | 900 | - |" in table
    assert "refit: 1 s (40%)" in table


def test_the_last_two_load_days_are_held_back(tmp_path) -> None:
    generated, raw = tmp_path / "generated", tmp_path / "raw"
    for entity in ("web_events", "orders", "_truth"):
        (generated / entity).mkdir(parents=True)
        for day in ("2025-01-01", "2025-01-02", "2025-01-03"):
            (generated / entity / f"{day}.parquet").write_bytes(b"x")
    assert split_last_days(generated, raw) == ["2025-01-02", "2025-01-03"]
    assert sorted(p.name for p in raw.glob("*/*")) == ["2025-01-01.parquet"] * 2
    assert not (raw / "_truth").exists()


def test_bench_docs_replace_only_the_generated_section(tmp_path) -> None:
    import json

    from behaviorseg.bench_docs import END_MARKER, START_MARKER, render_bench_section

    results = {
        "events": 10_017_801,
        "customers": 20_080,
        "dbt_build_wall_s": 756.2,
        "daily_wall_s": 120.0,
        "daily_share": 120.0 / 756.2,
        "noop_daily_wall_s": 1.5,
        "trigger_latency_s": 30.25,
        "core_sql": {
            "project_wall_s": 200.0,
            "bare_wall_s": 80.0,
            "ratio": 2.5,
            "same_session_count": True,
            "project_sessions": 1_758_417,
            "bare_sessions": 1_758_417,
        },
        "load_average_1min_before": {"full": 4.9, "daily": 9.2},
        "machine": {
            "cpus": 2,
            "memory_gb": 23.5,
            "platform": "Linux",
            "python": "3.11",
            "measured_at": "2026-12-02T15:00:00+00:00",
        },
    }
    path = tmp_path / "results_10017801.json"
    path.write_text(json.dumps(results))
    page = f"# Figures\n\nkept above\n{START_MARKER}\nold table\n{END_MARKER}\nkept below\n"
    text = render_bench_section(page, [path])
    assert "old table" not in text
    assert text.startswith("# Figures\n\nkept above\n") and text.endswith("kept below\n")
    assert "### 10,017,801 events (20,080 customers" in text
    assert "`make daily` adding one day: **120.0 s** (16% of the full build)" in text
    assert "with nothing new: **1.5 s**" in text
    assert "to its trigger row: **30.2 s**" in text
    assert "ratio **2.50** (the same session count: 1,758,417 and 1,758,417)" in text
    assert "daily 9.2" in text
    with pytest.raises(ValueError, match="bench-results:start"):
        render_bench_section("# no markers\n", [path])
