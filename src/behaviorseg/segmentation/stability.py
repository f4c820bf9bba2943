"""Stable segment ids and names from one run to the next.

A run's centroids are kept as a long table (segment_id, segment_name, feature, value) where
value is the centroid's z-score: the common feature space of two runs is the z-scores of the
features both runs used, each relative to its own run's population. The next run matches its
segments to the previous ones by the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on the Euclidean distance between centroids, so a
segment keeps its id and name when it describes the same kind of customer. A current segment
left unmatched (more segments than before, or a match farther than ``max_distance``) gets a
fresh id, one above the largest id in the previous table (keep retired segments' centroids
in that table if their ids must never come back).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

CENTROID_COLUMNS = ["segment_id", "segment_name", "feature", "value"]
MATCH_COLUMNS = ["segment", "segment_id", "segment_name", "is_new", "match_distance"]


def centroids_long(
    centroids: np.ndarray,
    feature_names: Sequence[str],
    segment_ids: Sequence[int],
    segment_names: Sequence[str],
) -> pd.DataFrame:
    """Centroid matrix (segments x features) as rows (segment_id, segment_name, feature, value)."""
    frame = pd.DataFrame(centroids, columns=list(feature_names))
    frame.insert(0, "segment_id", list(segment_ids))
    frame.insert(1, "segment_name", list(segment_names))
    long = frame.melt(
        id_vars=["segment_id", "segment_name"], var_name="feature", value_name="value"
    )
    return long.sort_values(["segment_id", "feature"], kind="stable").reset_index(drop=True)[
        CENTROID_COLUMNS
    ]


def centroids_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Long centroids -> one row per segment_id, one column per feature."""
    return long.pivot_table(index="segment_id", columns="feature", values="value", aggfunc="first")


def _previous_names(previous_centroids: pd.DataFrame) -> pd.Series:
    """segment_id -> segment_name of the previous run."""
    ids = previous_centroids.drop_duplicates("segment_id").set_index("segment_id")
    return ids["segment_name"]


def _pinned_matches(
    previous_names: pd.Series, current_keys: pd.Index, pinned: Mapping[object, str]
) -> dict[object, tuple[int, str, float]]:
    matches = {}
    for segment, name in pinned.items():
        hits = previous_names[previous_names == name]
        if not hits.empty and segment in current_keys:
            matches[segment] = (int(hits.index[0]), name, float("nan"))
    return matches


def _hungarian_matches(
    previous: pd.DataFrame,
    previous_names: pd.Series,
    current: pd.DataFrame,
    max_distance: float | None,
) -> dict[object, tuple[int, str, float]]:
    common = [feature for feature in current.columns if feature in previous.columns]
    if previous.empty or current.empty or not common:
        return {}
    distance = cdist(
        current[common].to_numpy(dtype=float),
        np.nan_to_num(previous[common].to_numpy(dtype=float)),
    )
    matches = {}
    for row, col in zip(*linear_sum_assignment(distance), strict=True):
        if max_distance is None or distance[row, col] <= max_distance:
            previous_id = int(previous.index[col])
            matches[current.index[row]] = (
                previous_id,
                str(previous_names[previous_id]),
                float(distance[row, col]),
            )
    return matches


def match_segments(
    previous_centroids: pd.DataFrame,
    current_centroids: pd.DataFrame,
    *,
    max_distance: float | None = None,
    pinned: Mapping[object, str] | None = None,
    exclusive_names: Collection[str] = (),
) -> pd.DataFrame:
    """Map current segments to previous segment ids and names.

    ``previous_centroids`` is long (CENTROID_COLUMNS); ``current_centroids`` is wide: index =
    the current segment key (e.g. a label), columns = features. ``pinned`` maps a current
    segment key to the previous segment *name* it takes when that name exists (DBSCAN noise);
    previous segments named in ``pinned`` or ``exclusive_names`` never take part in the
    Hungarian matching. Returns MATCH_COLUMNS, one row per current segment in its order:
    segment, segment_id, segment_name (the previous name, NA for new segments), is_new,
    match_distance (NaN for new or pinned segments).
    """
    pinned = dict(pinned or {})
    previous_names = _previous_names(previous_centroids)
    matches = _pinned_matches(previous_names, current_centroids.index, pinned)
    reserved = set(pinned.values()) | set(exclusive_names)
    free_previous = [i for i in previous_names.index if previous_names[i] not in reserved]
    free_current = [key for key in current_centroids.index if key not in pinned]
    matches |= _hungarian_matches(
        centroids_wide(previous_centroids).loc[free_previous],
        previous_names,
        current_centroids.loc[free_current],
        max_distance,
    )
    next_id = int(previous_names.index.max()) + 1 if len(previous_names) else 1
    rows = []
    for segment in current_centroids.index:
        if segment in matches:
            segment_id, name, distance = matches[segment]
            rows.append((segment, segment_id, name, False, distance))
        else:
            rows.append((segment, next_id, pd.NA, True, float("nan")))
            next_id += 1
    frame = pd.DataFrame(rows, columns=MATCH_COLUMNS)
    frame["segment_name"] = frame["segment_name"].astype("string")
    return frame


def first_run_ids(n_segments: int) -> pd.DataFrame:
    """Ids 1..n for canonical labels 0..n-1 when there is no previous run (MATCH_COLUMNS)."""
    frame = pd.DataFrame(
        {
            "segment": np.arange(n_segments),
            "segment_id": np.arange(1, n_segments + 1),
            "segment_name": pd.Series([pd.NA] * n_segments, dtype="string"),
            "is_new": True,
            "match_distance": np.nan,
        }
    )
    return frame[MATCH_COLUMNS]
