"""Anomaly detection on frames with planted extreme customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation_data import OUTLIER_KINDS, persona_customer_features

from behaviorseg.anomalies import (
    ANOMALY_COLUMNS,
    add_order_quality_features,
    dbscan_noise_flags,
    detect_anomalies,
    detect_customer_anomalies,
    robust_scale,
    robust_z_scores,
)

FEATURES = ["frequency", "monetary", "sessions_per_week", "pages_per_session", "app_share"]


def planted(
    n_rows: int = 1000, n_extreme: int = 10, column: int = 1, sign: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal rows; the last ``n_extreme`` get ``column`` pushed to +-6..30 sigma."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(n_rows, len(FEATURES)))
    matrix[-n_extreme:, column] = sign * rng.uniform(6, 30, n_extreme)
    truth = np.zeros(n_rows, bool)
    truth[-n_extreme:] = True
    return matrix, truth


def ids(n_rows: int) -> list[str]:
    return [f"C{i}" for i in range(n_rows)]


def test_isolation_forest_flags_the_planted_rows_and_names_the_planted_column() -> None:
    # 1% planted; a few Gaussian rows far out on several axes at once rank among them.
    matrix, truth = planted()
    result = detect_anomalies(matrix, FEATURES, ids(len(matrix)), contamination=0.04)
    assert list(result.columns) == ANOMALY_COLUMNS
    flagged = result["is_anomaly"].to_numpy()
    assert (flagged & truth).sum() / truth.sum() >= 0.8
    hits = result[flagged & truth]
    assert (hits["top_feature_1"] == "monetary").all()
    assert (hits["top_feature_1_direction"] == "high").all()
    assert (hits["top_feature_1_robust_z"] > 4).all()
    assert hits["unusual_because"].str.startswith("monetary high (robust z +").all()
    assert result.loc[truth, "anomaly_score"].min() > result.loc[~truth, "anomaly_score"].median()


def test_unusually_low_values_are_reported_as_low() -> None:
    matrix, truth = planted(column=3, sign=-1.0)
    result = detect_anomalies(matrix, FEATURES, ids(len(matrix)), contamination=0.04)
    hits = result[result["is_anomaly"].to_numpy() & truth]
    assert len(hits) >= 8
    assert (hits["top_feature_1"] == "pages_per_session").all()
    assert (hits["top_feature_1_direction"] == "low").all()


def test_contamination_sets_the_flagged_share_and_runs_are_deterministic() -> None:
    matrix, _ = planted()
    first = detect_anomalies(matrix, FEATURES, ids(len(matrix)), contamination=0.05)
    second = detect_anomalies(matrix, FEATURES, ids(len(matrix)), contamination=0.05)
    pd.testing.assert_frame_equal(first, second)
    assert first["is_anomaly"].mean() == pytest.approx(0.05, abs=0.005)


def test_reasons_only_for_flagged_customers_and_dbscan_noise_counts_as_flagged() -> None:
    matrix, _ = planted()
    noise = np.zeros(len(matrix), bool)
    noise[:3] = True  # ordinary rows that a DBSCAN run called noise
    result = detect_anomalies(
        matrix, FEATURES, ids(len(matrix)), contamination=0.01, dbscan_noise=noise
    )
    explained = result["is_anomaly"] | result["is_dbscan_noise"]
    assert result.loc[explained, "top_feature_1"].notna().all()
    assert result.loc[explained, "top_feature_3"].notna().all()
    assert result.loc[~explained, ["top_feature_1", "unusual_because"]].isna().all().all()
    assert result["is_dbscan_noise"].sum() == 3
    assert result.loc[:2, "top_feature_1"].notna().all()
    assert result["customer_id"].tolist() == ids(len(matrix))


def test_robust_scale_falls_back_when_the_mad_is_zero() -> None:
    mostly_zero = np.zeros((100, 1))
    mostly_zero[:10, 0] = 1.0
    constant = np.ones((100, 1))
    median, sigma = robust_scale(np.hstack([mostly_zero, constant]))
    assert median.tolist() == [0.0, 1.0]
    assert sigma[0] == pytest.approx(1.2533 * 0.1)  # mean absolute deviation fallback
    assert sigma[1] == 1.0  # constant column: no division by zero
    normal = np.random.default_rng(1).normal(5, 2, size=(20_000, 1))
    assert robust_z_scores(normal).std() == pytest.approx(1.0, abs=0.03)


def test_planted_persona_outliers_are_found_with_recall_and_precision() -> None:
    features = persona_customer_features(400, outlier_share=0.01, seed=21)
    truth = features["is_outlier"].to_numpy()
    result = detect_customer_anomalies(features)  # default contamination 0.01 = planted share
    flagged = result["is_anomaly"].to_numpy()
    recall = (flagged & truth).sum() / truth.sum()
    precision = (flagged & truth).sum() / flagged.sum()
    assert recall >= 0.8
    assert precision >= 0.5
    hits = np.flatnonzero(flagged & truth)
    named_planted = [
        result.loc[i, "top_feature_1"] in OUTLIER_KINDS[features.loc[i, "outlier_kind"]]
        for i in hits
    ]
    assert np.mean(named_planted) >= 0.9


def test_dbscan_noise_flags_catch_planted_outliers() -> None:
    features = persona_customer_features(200, outlier_share=0.02, seed=4)
    noise = dbscan_noise_flags(features)
    assert noise.index.tolist() == features["customer_id"].tolist()
    truth = features["is_outlier"].to_numpy()
    assert noise.to_numpy()[truth].mean() >= 0.8
    result = detect_customer_anomalies(features, dbscan_noise=noise)
    assert result["is_dbscan_noise"].sum() == noise.sum()


def test_customer_anomalies_take_dbscan_noise_by_customer_id() -> None:
    features = persona_customer_features(100, outlier_share=0.0, seed=3)
    noise = pd.Series(True, index=[features["customer_id"].iloc[5]])
    result = detect_customer_anomalies(features, dbscan_noise=noise)
    assert result["is_dbscan_noise"].sum() == 1
    assert bool(result.loc[5, "is_dbscan_noise"])
    assert len(result) == len(features)


def test_order_quality_features_come_from_dim_customers() -> None:
    features = pd.DataFrame({"customer_id": ["a", "b", "c"], "frequency": [3, 0, 1]})
    customers = pd.DataFrame(
        {
            "customer_id": ["c", "a", "b"],
            "lifetime_orders_placed": [4, 4, 0],
            "lifetime_completed_orders": [1, 3, 0],
            "lifetime_refunded_amount": [120.0, 0.0, 0.0],
        }
    )
    joined = add_order_quality_features(features, customers).set_index("customer_id")
    assert joined["unfulfilled_order_share"].to_dict() == pytest.approx(
        {"a": 0.25, "b": np.nan, "c": 0.75}, nan_ok=True
    )
    assert joined.loc["c", "lifetime_refunded_amount"] == 120.0
    assert joined.index.tolist() == ["a", "b", "c"]
