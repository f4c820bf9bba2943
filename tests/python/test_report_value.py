"""The report's Customer value section, drawn from value marts computed by the pure functions on
a simulated population, and its notes when the marts are missing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from behaviorseg.report import build_report
from behaviorseg.report.page import FIGURE_COUNT_META
from behaviorseg.value.lifetime_value import (
    LIVE,
    VALIDATION,
    customer_lifetime_value_table,
    fits_from_table,
    fitted_as_of,
    model_parameters_table,
)
from behaviorseg.value.settings import ValueSettings
from behaviorseg.value.simulate import simulate_transactions
from behaviorseg.value.validation import validation_table

AS_OF = dt.date(1999, 6, 30)


def value_warehouse(path: Path) -> None:
    transactions = simulate_transactions(600, dt.date(1998, 1, 1), 546, seed=11)
    settings = ValueSettings()
    parameters = model_parameters_table(transactions, AS_OF, settings)
    clv = customer_lifetime_value_table(
        transactions, AS_OF, fits_from_table(parameters, LIVE), settings
    )
    validation = validation_table(
        transactions,
        fits_from_table(parameters, VALIDATION)["bg_nbd"],
        fitted_as_of(parameters, VALIDATION),
        AS_OF,
        settings,
    )
    segments = pd.DataFrame(
        {
            "customer_id": clv["customer_id"],
            "segment_id": np.where(clv["frequency"] > 1, 1, 2),
            "assigned_at": pd.Timestamp(AS_OF),
        }
    )
    segments["segment_name"] = np.where(segments["segment_id"] == 1, "Regulars", "Others")
    profiles = segments.groupby(["segment_id", "segment_name"], as_index=False).size()
    profiles = profiles.rename(columns={"size": "customers"}).assign(share=0.5)
    risk = pd.DataFrame(
        {"customer_id": clv["customer_id"], "churn_probability": 1 - clv["p_alive"]}
    )
    churn = pd.DataFrame(
        {
            "row_type": ["overall", "overall", *["calibration_decile"] * 10],
            "population": ["all", "recently_active", *["all"] * 10],
            "decile": [None, None, *range(1, 11)],
            "customers": [300, 200, *[30] * 10],
            "churned": [60, 10, *range(0, 30, 3)],
            "mean_predicted_probability": [0.2, 0.05, *np.linspace(0.02, 0.9, 10)],
            "observed_churn_rate": [0.2, 0.05, *np.linspace(0.0, 0.9, 10)],
            "auc": [0.9, 0.8, *[None] * 10],
            "brier_score": [0.1, 0.04, *[None] * 10],
            "baseline_recency_auc": [0.85, 0.7, *[None] * 10],
            "baseline_p_alive_auc": [0.7, 0.6, *[None] * 10],
            "auc_on_p_alive_customers": [0.88, 0.75, *[None] * 10],
            "p_alive_customers": [250, 150, *[None] * 10],
            "beats_baselines": [True, False, *[None] * 10],
            "training_customers": 700,
            "training_snapshot_date": pd.Timestamp("1999-05-01"),
            "horizon_days": 60,
            "model": "hist_gradient_boosting (isotonic)",
        }
    )
    with duckdb.connect(str(path)) as connection:
        for name, frame in {
            "customer_segments": segments,
            "segment_profiles": profiles,
            "customer_lifetime_value": clv,
            "customer_churn_risk": risk,
            "clv_validation": validation,
            "churn_model_validation": churn,
        }.items():
            connection.register("frame", frame)
            connection.execute(f"create table main.{name} as select * from frame")
            connection.unregister("frame")


def section(page: str) -> str:
    start = page.index('id="value"')
    return page[start : page.index("<section", start)]


def test_customer_value_section_draws_value_holdout_and_calibration(tmp_path: Path) -> None:
    warehouse = tmp_path / "value.duckdb"
    value_warehouse(warehouse)
    page = build_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    value = section(page)
    for figure in ("fig-clv-by-segment", "fig-clv-holdout", "fig-churn-calibration"):
        assert f'id="{figure}"' in value
    assert "Regulars" in value and "could not be drawn" not in page
    assert "does not beat both baselines" in value  # recently active: False
    assert re.search(r"predicted [\d,]+ transactions in the holdout", value)
    declared = int(re.search(rf'name="{FIGURE_COUNT_META}" content="(\d+)"', page).group(1))
    assert declared == page.count('class="plotly-graph-div"')


def test_without_value_marts_the_section_is_notes(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    value = section(build_report(warehouse, tmp_path / "report.html").read_text("utf-8"))
    assert "No predicted CLV" in value and "No holdout check" in value
    assert "No churn model" in value and "plotly-graph-div" not in value
