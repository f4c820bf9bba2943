"""The refit cadence of fitted models and the stored segmentation applied between refits."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from segmentation_data import persona_customer_features

from behaviorseg.forecasting.activity import activity_forecast_plan
from behaviorseg.monitoring import forecast_fit_stamp, forecast_refit_decision
from behaviorseg.refits import (
    FitStamp,
    frame_digest,
    refit_decision,
    settings_text,
    stamp_of,
    stamped,
)
from behaviorseg.segmentation.features import DEFAULT_FEATURES, TRACKING_GROUPS, signed_log1p
from behaviorseg.segmentation.fit_table import (
    CENTROID,
    DENDROGRAM,
    assignments_from_fit,
    fit_output,
    kept_fit,
    segmentation_fit_table,
)
from behaviorseg.segmentation.pipeline import SegmentationConfig, run_segmentation
from behaviorseg.segmentation.runs import segmentation_fit_stamp, segmentation_refit_decision
from behaviorseg.segmentation.stored import (
    assign_with_stored_fit,
    fitted_state_table,
    is_usable_state,
    stored_fit_applies,
)

FIT_DAY = dt.date(2025, 6, 1)
STAMP = FitStamp(FIT_DAY, "algorithm=kmeans")


# --- the cadence ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "previous", "settings", "refit_days", "refit"),
    [
        (FIT_DAY, None, "algorithm=kmeans", 7, True),  # no earlier fit
        (FIT_DAY, STAMP, "algorithm=dbscan", 7, True),  # settings changed
        (FIT_DAY, STAMP, "algorithm=kmeans", 0, True),  # refit every run
        (FIT_DAY - dt.timedelta(days=1), STAMP, "algorithm=kmeans", 7, True),  # data older
        (FIT_DAY + dt.timedelta(days=7), STAMP, "algorithm=kmeans", 7, True),  # 7 days old
        (FIT_DAY + dt.timedelta(days=6), STAMP, "algorithm=kmeans", 7, False),  # 6 of 7 days
        (FIT_DAY, STAMP, "algorithm=kmeans", 7, False),  # a re-run on the same data
    ],
)
def test_refit_decision(as_of, previous, settings, refit_days, refit) -> None:
    assert refit_decision(as_of, previous, settings, refit_days).refit is refit


def test_a_forced_reason_refits_and_is_reported() -> None:
    decision = refit_decision(FIT_DAY, STAMP, "algorithm=kmeans", 7, refit_reason="dbscan")
    assert decision.refit and decision.reason == "dbscan"


def test_stamp_survives_a_round_trip_through_the_warehouse_types() -> None:
    table = stamped(pd.DataFrame({"k": [2, 3]}), STAMP)
    assert stamp_of(table) == STAMP
    # As DuckDB hands a date column back to pandas.
    table["fitted_as_of_date"] = pd.to_datetime(table["fitted_as_of_date"])
    assert stamp_of(table) == STAMP
    assert stamp_of(pd.DataFrame({"k": [2]})) is None  # a table from before the stamp
    assert stamp_of(table.iloc[:0]) is None
    assert stamp_of(None) is None


def test_settings_text_and_digests_ignore_order_but_not_content() -> None:
    assert settings_text({"b": 2, "a": None}) == settings_text({"a": None, "b": 2}) == "a=None;b=2"
    rules = pd.DataFrame({"segment_name": ["A", "B"], "threshold": [0.5, 1.0]})
    assert frame_digest(rules) == frame_digest(rules.iloc[::-1])
    edited = rules.assign(threshold=[0.5, 1.5])
    assert frame_digest(edited) != frame_digest(rules)


def test_segmentation_refits_on_a_naming_rule_edit_and_always_for_dbscan() -> None:
    features = pd.DataFrame({"customer_id": ["a"], "as_of_date": [FIT_DAY]})
    options = {"segment_algorithm": "kmeans", "model_refit_days": "7"}
    rules = pd.DataFrame({"segment_name": ["Power Users"], "threshold": [0.5]})
    stamp = segmentation_fit_stamp(features, options, rules)
    stored = stamped(pd.DataFrame({"k": [2]}), stamp)
    assert not segmentation_refit_decision(stamp, stored, options).refit
    edited = segmentation_fit_stamp(features, options, rules.assign(threshold=[0.6]))
    assert segmentation_refit_decision(edited, stored, options).refit
    dbscan = {**options, "segment_algorithm": "dbscan"}
    dbscan_stamp = segmentation_fit_stamp(features, dbscan, rules)
    stored_dbscan = stamped(pd.DataFrame({"k": [2]}), dbscan_stamp)
    assert segmentation_refit_decision(dbscan_stamp, stored_dbscan, dbscan).refit


def test_forecasts_refit_when_a_segment_appears() -> None:
    days = pd.date_range("2025-05-01", "2025-06-01", freq="D")
    series = pd.DataFrame({"segment_id": "1", "metric": "sessions", "date": days, "value": 1.0})
    options = {"forecast_horizon_days": "56", "model_refit_days": "7"}
    stamp = forecast_fit_stamp(series, options)
    assert stamp.fitted_as_of_date == FIT_DAY
    stored = stamped(pd.DataFrame({"segment_id": ["1"]}), stamp)
    one_day_later = pd.concat(
        [series, series.tail(1).assign(date=pd.Timestamp("2025-06-02"))], ignore_index=True
    )
    later = forecast_refit_decision(forecast_fit_stamp(one_day_later, options), stored, options)
    assert not later.refit
    with_new_segment = pd.concat([one_day_later, series.assign(segment_id="2")])
    assert forecast_refit_decision(
        forecast_fit_stamp(with_new_segment, options), stored, options
    ).refit


def test_the_forecast_and_backtest_models_plan_from_the_same_stamp_and_settings() -> None:
    days = pd.date_range("2025-05-01", "2025-06-01", freq="D")
    daily = pd.DataFrame(
        {"segment_id": 1, "segment_name": "A", "activity_date": days, "sessions": 3.0}
    )
    options = {
        "forecast_horizon_days": "28",
        "forecast_holiday_country": "DE",
        "forecast_max_series": "12",
        "model_refit_days": "7",
    }
    first = activity_forecast_plan(options, daily, None)
    assert first.decision.refit and first.stamp.fitted_as_of_date == FIT_DAY
    assert (first.settings.horizon_days, first.settings.country) == (28, "DE")
    assert first.max_series == 12
    assert set(first.series["metric"]) == {"sessions"} and len(first.series) == len(days)
    kept = activity_forecast_plan(options, daily, stamped(pd.DataFrame({"k": [1]}), first.stamp))
    assert not kept.decision.refit and kept.stamp == first.stamp


# --- the stored segmentation ------------------------------------------------------------


@pytest.fixture(scope="module")
def personas() -> pd.DataFrame:
    return persona_customer_features(150, outlier_share=0.0, seed=5)


@pytest.fixture(scope="module")
def fitted(personas: pd.DataFrame):
    run = run_segmentation(personas, config=SegmentationConfig(k=4, k_values=range(4, 5)))
    return run, fitted_state_table(run, STAMP)


def test_the_stored_fit_places_the_fitted_customers_where_the_fit_did(personas, fitted) -> None:
    run, state = fitted
    placed = assign_with_stored_fit(personas, state, algorithm="kmeans")
    expected = run.customer_segments.set_index("customer_id")
    placed = placed.set_index("customer_id").loc[expected.index]
    assert (placed["segment_id"].to_numpy() == expected["segment_id"].to_numpy()).all()
    np.testing.assert_allclose(
        placed["distance_to_centroid"], expected["distance_to_centroid"], rtol=0, atol=1e-12
    )
    assert (placed["segment_name"] == expected["segment_name"]).all()


def test_a_customer_who_changed_joins_the_segment_they_now_resemble(personas, fitted) -> None:
    run, state = fitted
    labels = run.customer_segments.set_index("customer_id")["segment_id"]
    mover = labels[labels == 1].index[0]
    model = labels[labels == 2].index[0]
    changed = personas.copy()
    feature_names = state["feature"].unique()
    changed.loc[changed["customer_id"] == mover, feature_names] = personas.loc[
        personas["customer_id"] == model, feature_names
    ].to_numpy()
    placed = assign_with_stored_fit(changed, state, algorithm="kmeans").set_index("customer_id")
    assert placed.loc[mover, "segment_id"] == 2
    others = labels.index.difference([mover])
    assert (placed.loc[others, "segment_id"] == labels[others]).all()


def test_features_are_prepared_with_the_fit_not_the_current_population(fitted) -> None:
    _, state = fitted
    row = state[state["feature"] == "pages_per_session"].iloc[0]
    # Nobody has a value any more: the fit's imputation value is used, not a new median.
    today = pd.DataFrame({"customer_id": ["x"], "pages_per_session": [None]})
    placed = assign_with_stored_fit(today, state, algorithm="kmeans")
    centroids = state.pivot_table(index="segment_id", columns="feature", values="value")
    preparation = state.drop_duplicates("feature").set_index("feature")
    z = {}
    for feature, prep in preparation.iterrows():
        value = prep["imputation_value"]
        if prep["is_log_transformed"]:
            value = signed_log1p(np.array([value]))[0]
        z[feature] = (value - prep["scaler_mean"]) / prep["scaler_std"]
    assert z["pages_per_session"] == pytest.approx(
        (signed_log1p(np.array([row["imputation_value"]]))[0] - row["scaler_mean"])
        / row["scaler_std"]
    )
    vector = pd.Series(z)[centroids.columns]
    distances = np.sqrt(((centroids - vector) ** 2).sum(axis=1))
    assert placed["segment_id"].iloc[0] == distances.idxmin()
    assert placed["distance_to_centroid"].iloc[0] == pytest.approx(distances.min())


def test_tracking_opt_outs_are_placed_by_the_untracked_features_only(personas, fitted) -> None:
    _, state = fitted
    customer = personas.iloc[[0]].copy()
    tracked = [s.name for s in DEFAULT_FEATURES if s.group in TRACKING_GROUPS]
    extreme = customer.copy()
    extreme[[f for f in tracked if f in extreme.columns]] = 1e6
    both = pd.concat([customer.assign(customer_id="plain"), extreme.assign(customer_id="extreme")])
    placed = assign_with_stored_fit(
        both, state, algorithm="kmeans", untracked_customer_ids=["plain", "extreme"]
    ).set_index("customer_id")
    assert placed.loc["plain", "segment_id"] == placed.loc["extreme", "segment_id"]
    # By hand: the nearest centroid over the features tracking does not feed.
    untracked_features = [f for f in state["feature"].unique() if f not in tracked]
    preparation = state.drop_duplicates("feature").set_index("feature")
    z = {}
    for feature in untracked_features:
        prep = preparation.loc[feature]
        value = float(pd.to_numeric(customer[feature]).fillna(prep["imputation_value"]).iloc[0])
        if prep["is_log_transformed"]:
            value = signed_log1p(np.array([value]))[0]
        z[feature] = (value - prep["scaler_mean"]) / prep["scaler_std"]
    centroids = state.pivot_table(index="segment_id", columns="feature", values="value")
    gaps = ((centroids[untracked_features] - pd.Series(z)) ** 2).sum(axis=1)
    assert placed.loc["plain", "segment_id"] == gaps.idxmin()
    # Tracked, the extreme values would decide: the distance grows by orders of magnitude.
    tracked_placement = assign_with_stored_fit(both, state, algorithm="kmeans")
    distance = tracked_placement.set_index("customer_id")["distance_to_centroid"]
    assert distance["extreme"] > 100 * distance["plain"]


def test_the_noise_segment_is_never_the_nearest(personas, fitted) -> None:
    _, state = fitted
    noisy = state.copy()
    noisy["is_noise_segment"] = noisy["segment_id"] == 1
    placed = assign_with_stored_fit(personas, noisy, algorithm="dbscan")
    assert (placed["segment_id"] != 1).all()


def test_a_stored_fit_applies_only_to_the_model_selection_it_came_from(fitted) -> None:
    _, state = fitted
    selection = stamped(pd.DataFrame({"k": [4]}), STAMP)
    assert is_usable_state(state)
    assert stored_fit_applies(selection, state, "kmeans")
    assert stored_fit_applies(selection, state, "hierarchical")
    # DBSCAN labels by density: its fit is never applied by nearest centroid, even unchanged.
    assert not stored_fit_applies(selection, state, "dbscan")
    refitted = stamped(selection, FitStamp(FIT_DAY + dt.timedelta(days=7), STAMP.fit_settings))
    assert not stored_fit_applies(refitted, state, "kmeans")
    assert not stored_fit_applies(selection, state.drop(columns="scaler_std"), "kmeans")
    assert not stored_fit_applies(selection, None, "kmeans")


# --- the one fit table ------------------------------------------------------------------


def test_the_fit_table_holds_the_fits_labels_state_and_linkage(personas) -> None:
    run = run_segmentation(
        personas, config=SegmentationConfig(algorithm="hierarchical", k=4, k_values=range(4, 5))
    )
    fit = segmentation_fit_table(personas, run, "hierarchical", STAMP)
    assert fit["fit_output"].value_counts().to_dict() == {
        "assignment": len(personas),
        "centroid": len(run.centroids),
        "dendrogram": len(run.dendrogram),
    }
    state = fit_output(fit, CENTROID)
    expected_state = fitted_state_table(run, STAMP)
    pd.testing.assert_frame_equal(
        state.drop(columns="fitted_as_of_date"),
        expected_state.drop(columns="fitted_as_of_date"),
        check_dtype=False,
    )
    assert stamp_of(state) == stamp_of(fit_output(fit, DENDROGRAM)) == STAMP
    # The run that made the fit takes its labels (Ward's, not the nearest centroid's).
    labels, refitted = assignments_from_fit(personas, fit, algorithm="hierarchical")
    assert refitted
    by_customer = labels.set_index("customer_id")["segment_id"]
    fitted_labels = run.customer_segments.set_index("customer_id")["segment_id"]
    assert (by_customer.loc[fitted_labels.index] == fitted_labels).all()


def test_between_refits_the_kept_fit_places_customers_with_its_centroids(personas, fitted) -> None:
    run, state = fitted
    fit = segmentation_fit_table(personas, run, "kmeans", STAMP)
    kept = kept_fit(fit)
    assert set(kept["fit_output"]) == {"centroid"}  # k-means: no linkage, labels dropped
    placed, refitted = assignments_from_fit(personas, kept, algorithm="kmeans")
    assert not refitted
    pd.testing.assert_frame_equal(
        placed, assign_with_stored_fit(personas, state, algorithm="kmeans"), check_dtype=False
    )


def test_too_few_customers_store_no_centroid_and_one_segment(personas) -> None:
    two = personas.iloc[:2]
    fit = segmentation_fit_table(two, None, "kmeans", STAMP)
    assert fit_output(fit, CENTROID).empty and fit_output(fit, DENDROGRAM).empty
    labels, refitted = assignments_from_fit(two, fit, algorithm="kmeans")
    assert refitted and labels["segment_name"].tolist() == ["All Customers", "All Customers"]
