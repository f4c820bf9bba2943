"""The segmentation steps the dbt Python models run (model selection, the fit, assignments).

Each function takes plain frames (customer_features, the naming rules seed, the previous run's
centroids) and returns the frame its model materialises, with fixed columns even when there is
nothing to segment (an empty warehouse, a single customer), so downstream contracts hold.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from behaviorseg.refits import (
    FitStamp,
    RefitDecision,
    as_date,
    frame_digest,
    refit_days_setting,
    refit_decision,
    settings_text,
    stamp_of,
)
from behaviorseg.segmentation.features import prepare_features
from behaviorseg.segmentation.pipeline import (
    SegmentationConfig,
    SegmentationRun,
    fitted_rows,
    run_segmentation,
)
from behaviorseg.segmentation.selection import SELECTION_COLUMNS, select_model

# The settings that shape the segmentation's fit: a change refits (see behaviorseg.refits).
SEGMENTATION_FIT_SETTINGS = (
    "segment_algorithm",
    "segment_k",
    "segment_k_min",
    "segment_k_max",
    "segment_silhouette_sample_size",
    "segment_max_match_distance",
    "segment_naming_min_effect_size",
    "rfm_window_days",
    "anomaly_contamination",
)

# Fewer customers than this cannot be clustered meaningfully (silhouette needs 2 <= k < n):
# they all go to one segment.
MIN_CUSTOMERS_TO_CLUSTER = 3

ASSIGNMENT_COLUMNS = [
    "customer_id",
    "segment_id",
    "segment_name",
    "distance_to_centroid",
    "assigned_at",
    "algorithm",
    "is_noise_segment",
    "is_new_segment",
    "naming_method",
    "segment_description",
]
DENDROGRAM_COLUMNS = [
    "merge_step",
    "node_id",
    "left_node_id",
    "right_node_id",
    "distance",
    "leaf_count",
]


def segmentation_config(settings: Mapping[str, Any]) -> SegmentationConfig:
    """SegmentationConfig from the model's settings (None values keep the defaults).

    Keys: segment_algorithm, segment_k, segment_k_min, segment_k_max,
    segment_silhouette_sample_size, segment_max_match_distance, segment_naming_min_effect_size,
    rfm_window_days.
    """
    config = SegmentationConfig()
    k_min = settings.get("segment_k_min")
    k_max = settings.get("segment_k_max")
    k_values = range(
        int(k_min) if k_min is not None else min(config.k_values),
        (int(k_max) if k_max is not None else max(config.k_values)) + 1,
    )
    if len(k_values) == 0:
        raise ValueError(f"segment_k_min ({k_min}) must not exceed segment_k_max ({k_max})")
    overrides = {
        "algorithm": settings.get("segment_algorithm"),
        "k": _optional_int(settings.get("segment_k")),
        "silhouette_sample_size": _optional_int(settings.get("segment_silhouette_sample_size")),
        "max_match_distance": _optional_float(settings.get("segment_max_match_distance")),
        "min_effect_size": _optional_float(settings.get("segment_naming_min_effect_size")),
        "rfm_window_days": _optional_int(settings.get("rfm_window_days")),
    }
    overrides = {key: value for key, value in overrides.items() if value is not None}
    algorithm = overrides.get("algorithm")
    if algorithm not in (None, "kmeans", "dbscan", "hierarchical"):
        raise ValueError(f"segment_algorithm must be kmeans, dbscan or hierarchical: {algorithm!r}")
    return replace(config, k_values=k_values, **overrides)


def segmentation_fit_stamp(
    customer_features: pd.DataFrame, settings: Mapping[str, Any], naming_rules: pd.DataFrame
) -> FitStamp | None:
    """The stamp a segmentation fitted now would carry (None without data to date it)."""
    as_of = as_date(_as_of(customer_features))
    if as_of is None:
        return None
    shaping = {key: settings.get(key) for key in SEGMENTATION_FIT_SETTINGS}
    shaping["naming_rules"] = frame_digest(naming_rules)
    return FitStamp(as_of, settings_text(shaping))


def segmentation_refit_decision(
    stamp: FitStamp | None, previous_selection: pd.DataFrame | None, settings: Mapping[str, Any]
) -> RefitDecision:
    """Refit the segmentation (model selection and clusters) or reuse the stored fit."""
    if stamp is None:
        return RefitDecision(True, "no customers to date a fit by")
    dbscan = (settings.get("segment_algorithm") or "kmeans") == "dbscan"
    return refit_decision(
        stamp.fitted_as_of_date,
        stamp_of(previous_selection),
        stamp.fit_settings,
        refit_days_setting(settings),
        refit_reason="DBSCAN places new customers only by refitting" if dbscan else None,
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def feasible_k_values(config: SegmentationConfig, customers: int) -> range:
    """The configured k range cut to what the data allows (k < number of customers)."""
    k_values = range(min(config.k_values), min(max(config.k_values), customers - 1) + 1)
    if config.k is not None and config.k >= customers:
        raise ValueError(f"segment_k = {config.k} needs more than {customers} customers")
    return k_values


def model_selection_table(
    customer_features: pd.DataFrame,
    config: SegmentationConfig,
    *,
    excluded_customer_ids: Collection[object] = (),
) -> pd.DataFrame:
    """segment_model_selection: one row per (algorithm, k) with the curves and is_selected,
    scored on the customers the segmentation is fitted on (anomalies excluded)."""
    if len(customer_features) < MIN_CUSTOMERS_TO_CLUSTER:
        return empty_frame(SELECTION_COLUMNS)
    prepared = prepare_features(
        customer_features, specs=config.feature_specs, rfm_window_days=config.rfm_window_days
    )
    fit_rows = fitted_rows(
        prepared.customer_ids, [*excluded_customer_ids, *untracked_customer_ids(customer_features)]
    )
    selection = select_model(
        prepared.matrix[fit_rows],
        algorithm=config.algorithm,
        k_values=feasible_k_values(config, int(fit_rows.sum())),
        fixed_k=config.k,
        compare_algorithms=config.compare_algorithms,
        silhouette_sample_size=config.silhouette_sample_size,
        random_state=config.random_state,
    )
    return selection.table


def selected_k(model_selection: pd.DataFrame) -> int | None:
    """The k of the selected row (None when nothing was selected)."""
    chosen = model_selection.loc[model_selection["is_selected"].astype(bool), "k"]
    return None if chosen.empty else int(chosen.iloc[0])


def run_with_selected_k(
    customer_features: pd.DataFrame,
    config: SegmentationConfig,
    model_selection: pd.DataFrame,
    *,
    naming_rules: pd.DataFrame,
    previous_centroids: pd.DataFrame | None,
    excluded_customer_ids: Collection[object] = (),
    customer_lifecycle: pd.DataFrame | None = None,
) -> SegmentationRun | None:
    """The segmentation refitted at the k model selection chose (one fit, not the k range);
    ``customer_lifecycle`` gives the customers' own rhythm for naming (run_segmentation)."""
    k = selected_k(model_selection)
    if k is None or len(customer_features) < MIN_CUSTOMERS_TO_CLUSTER:
        return None
    fixed = replace(config, k=k, k_values=range(k, k + 1), compare_algorithms=())
    return run_segmentation(
        customer_features,
        config=fixed,
        naming_rules=naming_rules,
        previous_centroids=previous_centroids,
        excluded_customer_ids=excluded_customer_ids,
        untracked_customer_ids=untracked_customer_ids(customer_features),
        customer_lifecycle=customer_lifecycle,
    )


def untracked_customer_ids(customer_features: pd.DataFrame) -> list[object]:
    """Customers who refused tracking (column is_tracking_opted_out; none when absent)."""
    if "is_tracking_opted_out" not in customer_features.columns:
        return []
    refused = customer_features["is_tracking_opted_out"].fillna(False).astype(bool)
    return customer_features.loc[refused, "customer_id"].tolist()


def anomalous_customer_ids(anomalies: pd.DataFrame) -> list[object]:
    """Customers the Isolation Forest flagged (left out of the segmentation's fit)."""
    if anomalies.empty:
        return []
    return anomalies.loc[anomalies["is_anomaly"].astype(bool), "customer_id"].tolist()


def customer_assignments(
    customer_features: pd.DataFrame, run: SegmentationRun | None, algorithm: str
) -> pd.DataFrame:
    """customer_segments rows (ASSIGNMENT_COLUMNS): exactly one per customer_features row.

    With too few customers to cluster, every customer is in segment 1, 'All Customers'.
    """
    if run is None:
        everyone = len(customer_features)
        return pd.DataFrame(
            {
                "customer_id": customer_features["customer_id"].astype("string"),
                "segment_id": np.ones(everyone, dtype=np.int64),
                "segment_name": pd.Series(["All Customers"] * everyone, dtype="string"),
                "distance_to_centroid": np.zeros(everyone),
                "assigned_at": _as_of(customer_features),
                "algorithm": algorithm,
                "is_noise_segment": False,
                "is_new_segment": True,
                "naming_method": "too_few_customers",
                "segment_description": "Too few customers to segment: everyone is in one group.",
            }
        )[ASSIGNMENT_COLUMNS]
    segments = run.segments.rename(
        columns={
            "is_noise": "is_noise_segment",
            "is_new": "is_new_segment",
            "description": "segment_description",
        }
    )
    assigned = run.customer_segments.merge(
        segments[
            [
                "segment_id",
                "is_noise_segment",
                "is_new_segment",
                "naming_method",
                "segment_description",
            ]
        ],
        on="segment_id",
        how="left",
        validate="many_to_one",
    )
    assigned["algorithm"] = algorithm
    assigned["is_noise_segment"] = assigned["is_noise_segment"].astype(bool)
    assigned["is_new_segment"] = assigned["is_new_segment"].astype(bool)
    return assigned[ASSIGNMENT_COLUMNS]


def _as_of(customer_features: pd.DataFrame) -> Any:
    if "as_of_date" in customer_features.columns and len(customer_features):
        return customer_features["as_of_date"].max()
    return pd.NaT


def dendrogram_table(run: SegmentationRun | None) -> pd.DataFrame:
    """Ward linkage rows for a dendrogram (empty unless the algorithm is hierarchical)."""
    if run is None or run.dendrogram is None:
        return empty_frame(DENDROGRAM_COLUMNS)
    return run.dendrogram[DENDROGRAM_COLUMNS]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """An empty frame with these columns (a model with nothing to write keeps its shape)."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
