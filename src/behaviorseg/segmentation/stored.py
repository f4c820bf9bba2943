"""The fitted segmentation kept as a table, and customers placed with it between refits.

A refit (see ``behaviorseg.refits``) stores everything needed to apply the segmentation again
without refitting: per segment and feature the centroid's z-score (the table the next refit
matches its segments to, so ids and names stay stable), the feature preparation the fit used
(imputation value, log1p or not, the mean and standard deviation it standardised with), and
each segment's identity (name, naming method, description, noise, new). Between refits every
customer joins the stored segment whose centroid is nearest in that fitted space, the rule the
fit itself applies to the customers it leaves out (anomalies, the rows outside a hierarchical
sample): a customer who refused tracking is placed by the features tracking does not feed, and
the DBSCAN noise segment is never a nearest centroid (DBSCAN refits every run anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from behaviorseg.refits import STAMP_COLUMNS, FitStamp, stamp_of, stamped
from behaviorseg.segmentation.features import (
    DEFAULT_FEATURES,
    TRACKING_GROUPS,
    FeatureSpec,
    numeric_column,
    signed_log1p,
)
from behaviorseg.segmentation.pipeline import SegmentationRun
from behaviorseg.segmentation.stability import CENTROID_COLUMNS

PREPARATION_COLUMNS = ["imputation_value", "is_log_transformed", "scaler_mean", "scaler_std"]
IDENTITY_COLUMNS = ["is_noise_segment", "is_new_segment", "naming_method", "segment_description"]
STATE_COLUMNS = [*CENTROID_COLUMNS, *PREPARATION_COLUMNS, *IDENTITY_COLUMNS, *STAMP_COLUMNS]


def fitted_state_table(run: SegmentationRun | None, stamp: FitStamp | None) -> pd.DataFrame:
    """The fit's centroid rows (int_segment_centroids): per segment and feature the centroid
    z-score, the feature's preparation and the segment's identity, stamped with the fit."""
    if run is None:
        empty = pd.DataFrame({column: pd.Series(dtype="object") for column in STATE_COLUMNS})
        return stamped(empty, stamp)[STATE_COLUMNS]
    prepared = run.prepared
    preparation = pd.DataFrame(
        {
            "feature": prepared.feature_names,
            "imputation_value": [prepared.imputation_values[f] for f in prepared.feature_names],
            "is_log_transformed": [f in prepared.log_transformed for f in prepared.feature_names],
            "scaler_mean": [prepared.scaler_means[f] for f in prepared.feature_names],
            "scaler_std": [prepared.scaler_stds[f] for f in prepared.feature_names],
        }
    )
    identities = run.segments.rename(
        columns={
            "is_noise": "is_noise_segment",
            "is_new": "is_new_segment",
            "description": "segment_description",
        }
    )[["segment_id", *IDENTITY_COLUMNS]]
    state = run.centroids.merge(preparation, on="feature", how="left", validate="many_to_one")
    state = state.merge(identities, on="segment_id", how="left", validate="many_to_one")
    return stamped(state, stamp)[STATE_COLUMNS]


def is_usable_state(state: pd.DataFrame | None) -> bool:
    """A stored fit that can place customers: stamped, with every state column and a centroid."""
    return (
        state is not None
        and not state.empty
        and all(column in state.columns for column in STATE_COLUMNS)
        and stamp_of(state) is not None
    )


def stored_fit_applies(
    model_selection: pd.DataFrame, state: pd.DataFrame | None, algorithm: str
) -> bool:
    """True when customers can be placed with the stored fit: it is the one model selection
    stands for (same stamp) and the algorithm places by nearest centroid (not DBSCAN, whose
    noise and density rule need a refit, even on the same data)."""
    selection_stamp = stamp_of(model_selection)
    return (
        algorithm != "dbscan"
        and selection_stamp is not None
        and is_usable_state(state)
        and stamp_of(state) == selection_stamp
    )


def _segments(state: pd.DataFrame) -> pd.DataFrame:
    """One row per stored segment, by segment_id."""
    return (
        state.drop_duplicates("segment_id")
        .sort_values("segment_id")
        .reset_index(drop=True)[["segment_id", "segment_name", *IDENTITY_COLUMNS]]
    )


def _preparation(state: pd.DataFrame) -> pd.DataFrame:
    """One row per stored feature, in the fit's feature order (first appearance)."""
    return state.drop_duplicates("feature").set_index("feature")[PREPARATION_COLUMNS]


def prepared_with_stored_fit(
    customer_features: pd.DataFrame, preparation: pd.DataFrame
) -> np.ndarray:
    """customer_features (sorted by customer_id) in the fit's standardised space."""
    columns = []
    for feature, row in preparation.iterrows():
        values = numeric_column(customer_features, str(feature)).fillna(
            float(row["imputation_value"])
        )
        values = values.to_numpy(dtype="float64")
        if bool(row["is_log_transformed"]):
            values = signed_log1p(values)
        columns.append((values - float(row["scaler_mean"])) / float(row["scaler_std"]))
    return np.column_stack(columns) if columns else np.empty((len(customer_features), 0))


def assign_with_stored_fit(
    customer_features: pd.DataFrame,
    state: pd.DataFrame,
    *,
    algorithm: str,
    untracked_customer_ids: Sequence[object] = (),
    specs: Sequence[FeatureSpec] = DEFAULT_FEATURES,
) -> pd.DataFrame:
    """Every customer of customer_features in the stored segment with the nearest centroid.

    Returns the assignment columns of int_customer_segments_assigned; ``assigned_at`` is the
    data's as-of date, the segment's identity columns are the fit's.
    """
    features = customer_features.sort_values("customer_id", kind="stable").reset_index(drop=True)
    preparation = _preparation(state)
    matrix = prepared_with_stored_fit(features, preparation)
    segments = _segments(state)
    centroids = (
        state.pivot_table(index="segment_id", columns="feature", values="value", aggfunc="first")
        .reindex(index=segments["segment_id"], columns=preparation.index)
        .to_numpy(dtype="float64")
    )
    groups = {spec.name: spec.group for spec in specs}
    tracked_only = np.array([groups.get(str(f)) in TRACKING_GROUPS for f in preparation.index])
    untracked = np.isin(
        features["customer_id"].to_numpy(), np.asarray(list(untracked_customer_ids), object)
    )
    usable = np.ones(matrix.shape, dtype=bool)
    usable[np.ix_(np.flatnonzero(untracked), np.flatnonzero(tracked_only))] = False
    gaps = (matrix[:, None, :] - centroids[None, :, :]) ** 2
    gaps = np.where(usable[:, None, :], gaps, 0.0).sum(axis=2)
    gaps[:, segments["is_noise_segment"].astype(bool).to_numpy()] = np.inf
    labels = np.argmin(gaps, axis=1)
    chosen = segments.iloc[labels].reset_index(drop=True)
    as_of = features["as_of_date"].max() if "as_of_date" in features.columns else pd.NaT
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].astype("string"),
            "segment_id": chosen["segment_id"].astype(np.int64),
            "segment_name": chosen["segment_name"].astype("string"),
            "distance_to_centroid": np.linalg.norm(matrix - centroids[labels], axis=1),
            "assigned_at": as_of,
            "algorithm": algorithm,
            "is_noise_segment": chosen["is_noise_segment"].astype(bool),
            "is_new_segment": chosen["is_new_segment"].astype(bool),
            "naming_method": chosen["naming_method"],
            "segment_description": chosen["segment_description"],
        }
    )
