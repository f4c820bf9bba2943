"""The customer-value benchmark's bookkeeping with known answers (the benchmark itself is
`make bench-clv`)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from behaviorseg.bench import stage_of
from behaviorseg.value.benchmark import BENCH_START, write_raw_orders, write_value_results


def test_value_nodes_have_their_own_stage() -> None:
    for location in (
        "models/intermediate/value/int_churn_features_snapshotted.sql | int_churn_features",
        "python_models/value/int_clv_model_parameters.py | int_clv_model_parameters",
        "models/marts/value/customer_lifetime_value.sql | customer_lifetime_value",
    ):
        assert stage_of(location) == "python: customer value"
    assert stage_of("models/marts/core/customer_features.sql | customer_features") == "features"


def test_orders_are_written_one_file_per_week(tmp_path) -> None:
    start = pd.Timestamp(BENCH_START)
    transactions = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "transaction_date": [
                start,
                start + pd.Timedelta(days=6),
                start,
                start + pd.Timedelta(days=15),
            ],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    assert write_raw_orders(transactions, tmp_path) == 4
    files = sorted(path.name for path in (tmp_path / "orders").iterdir())
    assert files == ["week_000.parquet", "week_002.parquet"]
    orders = pd.read_parquet(tmp_path / "orders")
    assert orders["order_id"].is_unique and set(orders["status"]) == {"completed"}
    assert sorted(orders["order_ts"])[0] == f"{BENCH_START}T12:00:00Z"


def test_value_results_join_the_pipeline_results_without_replacing_them(tmp_path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"events": 5, "stages": []}))
    results = {
        "customers": 10,
        "orders": 20,
        "dbt_build_wall_s": 1.0,
        "peak_rss_mb": 2.0,
        "stages": [{"name": "staging", "wall_s": 0.5, "peak_rss_mb": 2.0}],
        "value_models_s": {"int_clv_model_parameters": 0.1},
        "machine": {
            "cpus": 2,
            "memory_gb": 1,
            "platform": "x",
            "python": "3.11",
            "measured_at": str(dt.date(2026, 1, 1)),
        },
    }
    write_value_results(tmp_path, results)
    combined = json.loads((tmp_path / "results.json").read_text())
    assert combined["events"] == 5 and combined["customer_value"]["customers"] == 10
    assert json.loads((tmp_path / "results_clv_10.json").read_text()) == results
    assert "| staging | 0.5 | 2 |" in (tmp_path / "results_clv.md").read_text()
