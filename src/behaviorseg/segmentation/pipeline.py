"""One call from customer_features to named, stable segments (what a dbt model wraps).

``run_segmentation`` prepares the features, scores k for the chosen algorithm, keeps the
selected clustering, matches it to the previous run's centroids when given (stable ids and
names), names the remaining segments from the rules, and returns the frames to materialise.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from behaviorseg.segmentation.algorithms import (
    DEFAULT_RANDOM_STATE,
    ClusteringResult,
    extend_to_all_rows,
    linkage_frame,
)
from behaviorseg.segmentation.features import (
    DEFAULT_FEATURES,
    DEFAULT_RFM_WINDOW_DAYS,
    TRACKING_GROUPS,
    FeatureSpec,
    PreparedFeatures,
    prepare_features,
)
from behaviorseg.segmentation.naming import (
    DEFAULT_MIN_EFFECT_SIZE,
    DEFAULT_NAMING_RULES,
    MIN_RULE_SCORE,
    NOISE_SEGMENT_NAME,
    lifecycle_rows,
    name_segments,
    naming_features,
    naming_profiles,
)
from behaviorseg.segmentation.selection import (
    DEFAULT_K_VALUES,
    SILHOUETTE_SAMPLE_SIZE,
    ModelSelection,
    select_model,
)
from behaviorseg.segmentation.stability import centroids_long, first_run_ids, match_segments

CUSTOMER_SEGMENT_COLUMNS = [
    "customer_id",
    "segment_id",
    "segment_name",
    "distance_to_centroid",
    "assigned_at",
]
SEGMENT_COLUMNS = [
    "segment_id",
    "segment_name",
    "customers",
    "share",
    "is_noise",
    "naming_method",
    "rule_score",
    "description",
    "is_new",
    "match_distance",
]


@dataclass(frozen=True)
class SegmentationConfig:
    """Run parameters (what the dbt vars set).

    - ``algorithm``: kmeans (default), dbscan or hierarchical (var segment_algorithm).
    - ``k``: fixes the number of segments (var segment_k); None picks it by silhouette.
    - ``k_values``: the k range scored (default 2-10); ``compare_algorithms`` adds curves of
      other algorithms to the model-selection table for reference.
    - ``silhouette_sample_size``: rows in the fixed-seed silhouette sample (10,000).
    - ``min_rule_score``: below it a segment gets a descriptive name instead of a rule's.
    - ``min_effect_size``: a rule names a segment only when the centroid differs from the
      population by this many standard deviations on every feature the rule speaks of.
    - ``max_match_distance``: a previous-run match farther than this (Euclidean, centroid
      z-scores) makes a new segment; None accepts every Hungarian pair.
    """

    algorithm: str = "kmeans"
    k: int | None = None
    k_values: Sequence[int] = DEFAULT_K_VALUES
    compare_algorithms: Sequence[str] = ()
    silhouette_sample_size: int = SILHOUETTE_SAMPLE_SIZE
    rfm_window_days: int = DEFAULT_RFM_WINDOW_DAYS
    random_state: int = DEFAULT_RANDOM_STATE
    min_rule_score: float = MIN_RULE_SCORE
    min_effect_size: float = DEFAULT_MIN_EFFECT_SIZE
    max_match_distance: float | None = None
    feature_specs: Sequence[FeatureSpec] = DEFAULT_FEATURES


@dataclass(frozen=True)
class SegmentationRun:
    """Everything one run produces.

    - ``customer_segments``: CUSTOMER_SEGMENT_COLUMNS, one row per input customer, input order.
    - ``segments``: SEGMENT_COLUMNS, one row per segment, by segment_id.
    - ``centroids``: long (segment_id, segment_name, feature, value = centroid z-score); store
      it and pass it back as ``previous_centroids`` next run.
    - ``model_selection``: the selection table (see selection.py).
    - ``dendrogram`` (hierarchical only): linkage rows; ``dendrogram_leaves`` maps leaf node
      ids to customer_id.
    """

    prepared: PreparedFeatures
    selection: ModelSelection
    clustering: ClusteringResult
    customer_segments: pd.DataFrame
    segments: pd.DataFrame
    centroids: pd.DataFrame
    model_selection: pd.DataFrame
    dendrogram: pd.DataFrame | None
    dendrogram_leaves: pd.DataFrame | None

    @property
    def dropped_groups(self) -> list[str]:
        """Feature groups left out because they were entirely null or constant."""
        return self.prepared.dropped_groups


def _assigned_at(customer_features: pd.DataFrame, assigned_at: object | None) -> object:
    if assigned_at is not None:
        return assigned_at
    if "as_of_date" in customer_features.columns and len(customer_features):
        return customer_features["as_of_date"].max()
    return pd.NaT


def segment_identities(
    clustering: ClusteringResult,
    feature_names: Sequence[str],
    *,
    naming_rules: pd.DataFrame = DEFAULT_NAMING_RULES,
    previous_centroids: pd.DataFrame | None = None,
    min_rule_score: float = MIN_RULE_SCORE,
    max_match_distance: float | None = None,
    min_effect_size: float = DEFAULT_MIN_EFFECT_SIZE,
    naming_extra: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Segment id and name per canonical label: matched to the previous run, else fresh.

    ``naming_extra`` is (z, medians) of naming-only features per label (``naming_profiles``):
    named by, never matched on. Returns one row per label (column ``segment``) with
    segment_id, segment_name, naming_method, rule_score, description, is_new,
    match_distance, is_noise.
    """
    centroid_z = pd.DataFrame(clustering.centroids, columns=list(feature_names))
    extra_z, medians = naming_extra if naming_extra is not None else (None, None)
    noise = clustering.noise_label
    pinned = {noise: NOISE_SEGMENT_NAME} if noise is not None else {}
    if previous_centroids is None or previous_centroids.empty:
        ids = first_run_ids(clustering.n_segments)
    else:
        ids = match_segments(
            previous_centroids,
            centroid_z,
            max_distance=max_match_distance,
            pinned=pinned,
            exclusive_names={NOISE_SEGMENT_NAME},
        )
    fixed = {
        row.segment: str(row.segment_name)
        for row in ids.itertuples()
        if not pd.isna(row.segment_name)
    }
    fixed.update(pinned)
    profile = centroid_z if extra_z is None else centroid_z.join(extra_z)
    names = name_segments(
        profile,
        naming_rules,
        fixed_names=fixed,
        min_score=min_rule_score,
        min_effect_size=min_effect_size,
        segment_medians=medians,
    )
    identities = ids.drop(columns="segment_name").merge(names, on="segment")
    identities["is_noise"] = identities["segment"] == noise
    return identities


def fitted_rows(customer_ids: np.ndarray, excluded: Collection[object]) -> np.ndarray:
    """Rows to fit the clustering on: all but the excluded customers (all rows when excluding
    would leave fewer than half of them, i.e. the exclusion list is not about outliers)."""
    keep = ~np.isin(customer_ids, np.asarray(list(excluded), dtype=object))
    return keep if keep.sum() * 2 >= len(keep) else np.ones(len(keep), dtype=bool)


def usable_features(prepared: PreparedFeatures, untracked: np.ndarray) -> np.ndarray:
    """Rows x features: False where a customer who refused tracking has no real value."""
    tracked_only = np.array(
        [prepared.feature_groups[name] in TRACKING_GROUPS for name in prepared.feature_names]
    )
    usable = np.ones(prepared.matrix.shape, dtype=bool)
    usable[np.ix_(np.flatnonzero(untracked), np.flatnonzero(tracked_only))] = False
    return usable


def run_segmentation(
    customer_features: pd.DataFrame,
    *,
    config: SegmentationConfig | None = None,
    naming_rules: pd.DataFrame = DEFAULT_NAMING_RULES,
    previous_centroids: pd.DataFrame | None = None,
    assigned_at: object | None = None,
    excluded_customer_ids: Collection[object] = (),
    untracked_customer_ids: Collection[object] = (),
    customer_lifecycle: pd.DataFrame | None = None,
) -> SegmentationRun:
    """Segment ``customer_features`` (one row per customer); see SegmentationRun.

    ``assigned_at`` defaults to the data's as_of_date, so a re-run on the same data returns
    identical frames. Customers in ``excluded_customer_ids`` (anomalies: bots, fraud) are left
    out of the fit, so they cannot form segments of their own or pull centroids, and then join
    their nearest segment (see ``fitted_rows``). Customers in ``untracked_customer_ids`` refused
    tracking: their behavioral features are empty, so they are left out of the fit too and placed
    by the features tracking does not feed (orders, lifecycle, support). ``customer_lifecycle``
    (the mart: customer_id, usual_gap_days, days_since_last_activity) gives each customer's own
    rhythm for the naming's inactivity_ratio; without it no segment can be named Churn Risk.
    """
    config = config or SegmentationConfig()
    prepared = prepare_features(
        customer_features, specs=config.feature_specs, rfm_window_days=config.rfm_window_days
    )
    untracked = np.isin(prepared.customer_ids, np.asarray(list(untracked_customer_ids), object))
    fit_rows = fitted_rows(prepared.customer_ids, [*excluded_customer_ids, *untracked_customer_ids])
    selection = select_model(
        prepared.matrix[fit_rows],
        algorithm=config.algorithm,
        k_values=config.k_values,
        fixed_k=config.k,
        compare_algorithms=config.compare_algorithms,
        silhouette_sample_size=config.silhouette_sample_size,
        random_state=config.random_state,
    )
    clustering = extend_to_all_rows(
        selection.result, prepared.matrix, fit_rows, usable_features(prepared, untracked)
    )
    identities = segment_identities(
        clustering,
        prepared.feature_names,
        naming_rules=naming_rules,
        previous_centroids=previous_centroids,
        min_rule_score=config.min_rule_score,
        max_match_distance=config.max_match_distance,
        min_effect_size=config.min_effect_size,
        naming_extra=naming_profiles(
            naming_features(lifecycle_rows(prepared.customer_ids, customer_lifecycle)),
            clustering.labels,
            pd.RangeIndex(clustering.n_segments),
        ),
    )
    segment_id = identities["segment_id"].to_numpy()[clustering.labels]
    segment_name = identities["segment_name"].to_numpy()[clustering.labels]
    customer_segments = pd.DataFrame(
        {
            "customer_id": prepared.customer_ids,
            "segment_id": segment_id.astype(np.int64),
            "segment_name": pd.Series(segment_name, dtype="string"),
            "distance_to_centroid": clustering.distances,
            "assigned_at": _assigned_at(customer_features, assigned_at),
        }
    )
    sizes = np.bincount(clustering.labels, minlength=clustering.n_segments)
    segments = identities.assign(customers=sizes, share=sizes / sizes.sum())
    segments = segments.sort_values("segment_id").reset_index(drop=True)[SEGMENT_COLUMNS]
    centroids = centroids_long(
        clustering.centroids,
        prepared.feature_names,
        identities["segment_id"].tolist(),
        identities["segment_name"].tolist(),
    )
    dendrogram, leaves = _dendrogram(clustering, prepared, segment_id)
    return SegmentationRun(
        prepared=prepared,
        selection=selection,
        clustering=clustering,
        customer_segments=customer_segments,
        segments=segments,
        centroids=centroids,
        model_selection=selection.table,
        dendrogram=dendrogram,
        dendrogram_leaves=leaves,
    )


def _dendrogram(
    clustering: ClusteringResult, prepared: PreparedFeatures, segment_id: np.ndarray
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    if clustering.linkage_matrix is None or clustering.sample_indices is None:
        return None, None
    sample = clustering.sample_indices
    leaves = pd.DataFrame(
        {
            "leaf_node_id": np.arange(len(sample)),
            "customer_id": prepared.customer_ids[sample],
            "segment_id": segment_id[sample],
        }
    )
    return linkage_frame(clustering.linkage_matrix), leaves
