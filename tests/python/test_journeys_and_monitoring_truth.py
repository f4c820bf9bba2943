"""Journeys, forecasts and drift alerts on the generated build, against its planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dbt_helpers import DbtProject


def test_journey_transitions_are_distributions(generated_build: DbtProject) -> None:
    sums = generated_build.query(
        "select segment_id, from_state, sum(probability) as total, min(probability) as lowest "
        "from main.journey_transitions group by 1, 2"
    )
    assert len(sums) >= 6 * 2
    np.testing.assert_allclose(sums["total"], 1.0, atol=1e-9)
    assert (sums["lowest"] > 0).all()
    segments = generated_build.scalar("select count(*) from main.segment_profiles")
    assert sums["segment_id"].nunique() == segments + 1  # every segment and 'all'


def test_every_journey_ends_in_purchase_or_exit(generated_build: DbtProject) -> None:
    unfinished = generated_build.scalar(
        "select count(*) from (select session_id, max_by(journey_state, step_number) as last "
        "from intermediate.int_journey_steps group by 1) where last not in ('purchase', 'exit')"
    )
    assert unfinished == 0
    purchases = generated_build.query(
        "select (select count(*) from intermediate.int_journey_steps "
        "where journey_state = 'purchase') as journeys, "
        "(select count(*) from main.fct_sessions where has_purchase) as sessions"
    ).iloc[0]
    assert purchases["journeys"] == purchases["sessions"] > 0


def test_markov_purchase_probabilities_rank_the_funnel(generated_build: DbtProject) -> None:
    chain = generated_build.query(
        "select state, p_purchase from main.journey_markov where segment_id = 'all'"
    ).set_index("state")["p_purchase"]
    assert chain.between(0, 1).all()
    assert chain["checkout"] > chain["add_to_cart"] > chain["landing"] > 0


def test_forecasts_cover_the_horizon_for_every_segment(generated_build: DbtProject) -> None:
    horizon = generated_build.query(
        "select segment_id, metric, count(*) filter (where is_future) as future_days, "
        "bool_and(yhat_lower <= yhat and yhat <= yhat_upper) as ordered, "
        "min(ds) filter (where is_future) as first_future, "
        "max(ds) filter (where not is_future) as last_observed "
        "from main.activity_forecasts group by 1, 2"
    )
    segments = generated_build.query("select distinct segment_id from main.segment_daily_activity")[
        "segment_id"
    ]
    assert set(horizon["segment_id"]) == set(segments)
    assert (horizon["future_days"] == 56).all()
    assert horizon["ordered"].all()
    gap = pd.to_datetime(horizon["first_future"]) - pd.to_datetime(horizon["last_observed"])
    assert (gap == pd.Timedelta(days=1)).all()


def test_backtest_scores_every_series(generated_build: DbtProject) -> None:
    backtest = generated_build.query("select * from main.forecast_backtest")
    assert len(backtest) == generated_build.scalar(
        "select count(distinct segment_id || metric) from main.activity_forecasts"
    )
    assert (backtest["folds"] == 3).all()
    assert backtest[["mape_model", "mape_seasonal_naive"]].notna().all().all()


def test_planted_drift_is_caught_on_its_segment_within_14_days(
    generated_build: DbtProject,
) -> None:
    raw = generated_build.raw_dir / "_truth"
    drifts = pd.read_parquet(raw / "drifts.parquet")
    personas = pd.read_parquet(raw / "customers.parquet")
    segments = generated_build.query("select customer_id, segment_id from main.customer_segments")
    holding = (
        segments.merge(personas[~personas["is_anomalous"]], on="customer_id")
        .groupby("persona")["segment_id"]
        .agg(lambda ids: ids.value_counts().index[0])
    )
    alerts = generated_build.query(
        "select segment_id, metric, alert_date, rule from main.segment_drift_alerts "
        "where rule <> 'psi'"
    )
    alerts["alert_date"] = pd.to_datetime(alerts["alert_date"])
    assert len(drifts) >= 1
    for drift in drifts.itertuples():
        start = pd.Timestamp(drift.start_date)
        caught = alerts[
            (alerts["segment_id"] == str(holding[drift.persona]))
            & (alerts["metric"] == drift.metric)
            & alerts["alert_date"].between(start, start + pd.Timedelta(days=14))
        ]
        assert len(caught) > 0, (drift, alerts[alerts["segment_id"] == str(holding[drift.persona])])
