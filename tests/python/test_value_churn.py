"""The churn classifier on hand-made feature snapshots with a planted rule, degenerate
populations, and what its reasons may name."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from dbt_helpers import PROJECT_DIR

from behaviorseg.value.churn import (
    CHURN_FEATURES,
    CONSTANT_MODEL_NAME,
    churn_risk_table,
    churn_validation_table,
    customer_hash_share,
    informative_features,
    training_sample,
)

FEATURE_NAMES = [feature.name for feature in CHURN_FEATURES]
TRAINING_DATE = dt.date(1988, 3, 1)
SCORING_DATE = dt.date(1988, 4, 30)


def snapshots(customers: int, seed: int = 0) -> pd.DataFrame:
    """Training and scoring rows with a planted rule: a customer churns when they have been
    away for more than 40 days, unless they opened a support ticket lately (they come back to
    follow it up), or, when active, they had no session in the last 30 days (10% noise)."""
    rng = np.random.default_rng(seed)
    frames = []
    for snapshot, date in (("training", TRAINING_DATE), ("scoring", SCORING_DATE)):
        away = rng.integers(0, 120, customers).astype(float)
        sessions_30d = np.where(away > 30, 0, rng.poisson(4, customers)).astype(float)
        tickets = (rng.random(customers) < 0.2).astype(float)
        frame = pd.DataFrame(
            {
                "customer_id": [f"K{number:05d}" for number in range(customers)],
                "snapshot": snapshot,
                "snapshot_date": pd.Timestamp(date),
                "days_since_last_activity": away,
                "days_since_last_session": away,
                "days_since_last_purchase": np.where(rng.random(customers) < 0.3, np.nan, away + 5),
                "tenure_days": away + rng.integers(1, 400, customers),
                "sessions_30d": sessions_30d,
                "sessions_previous_30d": rng.poisson(3, customers).astype(float),
                "sessions_90d": sessions_30d + rng.poisson(6, customers),
                "active_days_90d": rng.integers(0, 30, customers).astype(float),
                "page_views_90d": rng.poisson(40, customers).astype(float),
                "cart_adds_90d": rng.poisson(2, customers).astype(float),
                "mean_days_between_sessions": rng.uniform(1, 20, customers),
                "orders_90d": rng.poisson(1, customers).astype(float),
                "orders_365d": rng.poisson(4, customers).astype(float),
                "revenue_365d": rng.gamma(2, 50, customers),
                "mean_days_between_orders": rng.uniform(5, 90, customers),
                "support_tickets_90d": tickets,
            }
        )
        churned = ((away > 40) & (tickets == 0)) | ((away <= 40) & (sessions_30d == 0))
        noise = rng.random(customers) < 0.1
        frame["is_churned"] = (churned ^ noise) if snapshot == "training" else None
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return snapshots(3000)


def no_transactions() -> pd.DataFrame:
    return pd.DataFrame(columns=["customer_id", "transaction_date", "amount"])


def test_classifier_learns_the_planted_rule_and_beats_recency(planted: pd.DataFrame) -> None:
    table = churn_validation_table(planted, no_transactions(), 7, 60, 200_000)
    overall = table[(table["row_type"] == "overall") & (table["population"] == "all")].iloc[0]
    # The rule with 10% label noise: the best possible AUC is about 0.9.
    assert overall["auc"] > 0.85
    assert overall["auc"] > overall["baseline_recency_auc"] + 0.05
    assert overall["brier_score"] < 0.12
    # Without transactions there is no P(alive) baseline to compare with.
    assert pd.isna(overall["baseline_p_alive_auc"]) and overall["p_alive_customers"] == 0
    assert bool(overall["beats_baselines"])
    assert overall["customers"] == pytest.approx(0.3 * 3000, rel=0.1)
    assert overall["training_customers"] == 3000 - overall["customers"]


def test_calibration_deciles_are_equal_sized_and_honest(planted: pd.DataFrame) -> None:
    table = churn_validation_table(planted, no_transactions(), 7, 60, 200_000)
    deciles = table[table["row_type"] == "calibration_decile"]
    assert deciles["decile"].tolist() == list(range(1, 11))
    assert deciles["customers"].max() - deciles["customers"].min() <= 1
    gap = (deciles["mean_predicted_probability"] - deciles["observed_churn_rate"]).abs()
    assert gap.max() < 0.12
    assert (np.diff(deciles["mean_predicted_probability"]) > -1e-9).all()


def test_every_scored_customer_gets_a_probability_and_the_riskiest_a_reason(
    planted: pd.DataFrame,
) -> None:
    risk = churn_risk_table(planted, 200_000)
    assert len(risk) == 3000 and risk["churn_probability"].between(0, 1).all()
    top = risk.sort_values("churn_probability").iloc[-1]
    assert top["churn_decile"] == 10
    assert "last activity" in top["top_reasons"] or "last session" in top["top_reasons"]
    assert top["top_reasons"].count(";") <= 2
    # The last activity and the last session are the same fact here: never both.
    both = risk["top_reasons"].fillna("").str.contains("last activity") & risk[
        "top_reasons"
    ].fillna("").str.contains("last session")
    assert not both.any()


def test_reasons_never_name_a_feature_the_data_lacks(planted: pd.DataFrame) -> None:
    orders_only = planted.copy()
    for column in ("sessions_30d", "sessions_previous_30d", "sessions_90d", "page_views_90d"):
        orders_only[column] = 0.0
    orders_only["days_since_last_session"] = np.nan
    orders_only["mean_days_between_sessions"] = np.nan
    training = orders_only[orders_only["snapshot"] == "training"]
    assert "sessions_30d" not in informative_features(training)
    reasons = " ".join(churn_risk_table(orders_only, 200_000)["top_reasons"].dropna())
    assert "session" not in reasons and "page view" not in reasons


def test_too_few_churners_give_the_observed_rate() -> None:
    tiny = snapshots(8, seed=2)
    tiny.loc[tiny["snapshot"] == "training", "is_churned"] = [True, True] + [False] * 6
    risk = churn_risk_table(tiny, 200_000)
    assert set(risk["model"]) == {CONSTANT_MODEL_NAME}
    assert (risk["churn_probability"] == 0.25).all()
    assert risk["top_reasons"].isna().all()
    assert set(risk["churn_decile"]) == {10}
    validation = churn_validation_table(tiny, no_transactions(), 7, 60, 200_000)
    assert set(validation["model"]) == {CONSTANT_MODEL_NAME}


def test_a_customer_without_activity_is_not_scored(planted: pd.DataFrame) -> None:
    frame = planted.copy()
    never = (frame["snapshot"] == "scoring") & (frame["customer_id"] == "K00007")
    frame.loc[never, ["days_since_last_activity", "tenure_days"]] = np.nan
    risk = churn_risk_table(frame, 200_000).set_index("customer_id")
    assert pd.isna(risk.loc["K00007", "churn_probability"])
    assert pd.isna(risk.loc["K00007", "churn_decile"])
    assert risk["churn_probability"].notna().sum() == 2999


def test_no_training_rows_means_no_scores() -> None:
    frame = snapshots(50)
    frame = frame[frame["snapshot"] == "scoring"]
    risk = churn_risk_table(frame, 200_000)
    assert len(risk) == 50 and risk["churn_probability"].isna().all()
    assert churn_validation_table(frame, no_transactions(), 7, 60, 200_000).empty


def test_sample_and_split_do_not_depend_on_row_order(planted: pd.DataFrame) -> None:
    training = planted[planted["snapshot"] == "training"]
    sample = training_sample(training, 500)
    shuffled = training_sample(training.sample(frac=1, random_state=1), 500)
    assert len(sample) == 500
    assert sorted(sample["customer_id"]) == sorted(shuffled["customer_id"])
    shares = customer_hash_share(pd.Series(["a", "b", "a"]))
    assert shares[0] == shares[2] and 0 <= shares.min() < shares.max() < 1
    first = churn_validation_table(planted, no_transactions(), 7, 60, 200_000)
    again = churn_validation_table(
        planted.sample(frac=1, random_state=3), no_transactions(), 7, 60, 200_000
    )
    pd.testing.assert_frame_equal(first, again)


def test_p_alive_baseline_is_measured_on_buyers(planted: pd.DataFrame) -> None:
    # Every training customer bought three times: those who churn long ago, those who stay
    # lately. P(alive) then ranks them well.
    rows = []
    training = planted[planted["snapshot"] == "training"]
    for row in training.itertuples():
        days = [200, 230, 260] if not row.is_churned else [5, 10, 15]
        for day in days:
            rows.append((row.customer_id, pd.Timestamp("1987-06-01") + pd.Timedelta(days=day), 1))
    transactions = pd.DataFrame(rows, columns=["customer_id", "transaction_date", "amount"])
    table = churn_validation_table(planted, transactions, 7, 60, 200_000)
    overall = table[(table["row_type"] == "overall") & (table["population"] == "all")].iloc[0]
    assert overall["p_alive_customers"] == overall["customers"]
    assert overall["baseline_p_alive_auc"] > 0.6
    assert {"all", "recently_active"} == set(table[table["row_type"] == "overall"]["population"])


def test_feature_list_matches_the_snapshot_model() -> None:
    # The SQL model int_churn_features_snapshotted computes exactly these features.
    sql = (PROJECT_DIR / "models/intermediate/value/int_churn_features_snapshotted.sql").read_text()
    for name in FEATURE_NAMES:
        assert f"as {name}" in sql, name
