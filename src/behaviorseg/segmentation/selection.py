"""Model selection: quality curves per (algorithm, k) and the choice of k.

For every k in the range (default 2-10) and every algorithm asked for, one row records:

- ``silhouette``: mean silhouette on a fixed-seed sample of ``silhouette_sample_rows`` rows
  (default 10,000; the same sample for every k, so the curve is comparable). Silhouette is
  O(n^2), so the full data would not scale to 200,000 customers.
- ``wcss``: within-cluster sum of squared distances to the centroid (the elbow curve).
- ``davies_bouldin`` (lower is better) and ``calinski_harabasz`` (higher is better), on all
  rows; both are linear in n.

DBSCAN has no k: it contributes one row whose k is the number of clusters it found. Its noise
rows are left out of every metric (``noise_share`` says how many there were).

k is chosen by the highest silhouette (ties: the smaller k) unless a fixed k is given. The
elbow (kneedle knee of the WCSS curve) is flagged for reference with ``is_elbow``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from behaviorseg.segmentation.algorithms import (
    DEFAULT_RANDOM_STATE,
    ClusteringResult,
    fit_dbscan,
    fit_kmeans,
    fixed_sample,
    hierarchical_from_linkage,
    knee_index,
    limited_threads,
    ward_linkage,
)

DEFAULT_K_VALUES = range(2, 11)
SILHOUETTE_SAMPLE_SIZE = 10_000

SELECTION_COLUMNS = [
    "algorithm",
    "k",
    "n_segments",
    "silhouette",
    "wcss",
    "davies_bouldin",
    "calinski_harabasz",
    "noise_share",
    "silhouette_sample_rows",
    "is_elbow",
    "is_selected",
    "selected_by",
]


@dataclass(frozen=True)
class ModelSelection:
    """The selection table, the chosen k and the already fitted clustering for it."""

    table: pd.DataFrame
    algorithm: str
    selected_k: int
    selected_by: str
    result: ClusteringResult


def clustering_metrics(
    matrix: np.ndarray, result: ClusteringResult, silhouette_rows: np.ndarray
) -> dict[str, float]:
    """Silhouette (on ``silhouette_rows``), WCSS, Davies-Bouldin, Calinski-Harabasz.

    Noise rows are excluded; a metric that needs two clusters is NaN with fewer.
    """
    clustered = ~result.noise_mask
    labels = result.labels[clustered]
    n_clusters = len(np.unique(labels))
    metrics = {
        "silhouette": float("nan"),
        "wcss": float(np.sum(result.distances[clustered] ** 2)),
        "davies_bouldin": float("nan"),
        "calinski_harabasz": float("nan"),
        "noise_share": float(1.0 - clustered.mean()),
    }
    if not 2 <= n_clusters < len(labels):
        return metrics
    sampled = silhouette_rows[clustered[silhouette_rows]]
    with limited_threads():
        if len(np.unique(result.labels[sampled])) >= 2:
            metrics["silhouette"] = float(silhouette_score(matrix[sampled], result.labels[sampled]))
        metrics["davies_bouldin"] = float(davies_bouldin_score(matrix[clustered], labels))
        metrics["calinski_harabasz"] = float(calinski_harabasz_score(matrix[clustered], labels))
    return metrics


def _fits(
    matrix: np.ndarray, algorithm: str, k_values: Sequence[int], random_state: int
) -> Iterable[tuple[int, ClusteringResult]]:
    if algorithm == "kmeans":
        for k in k_values:
            yield k, fit_kmeans(matrix, k, random_state=random_state)
    elif algorithm == "hierarchical":
        tree, sample = ward_linkage(matrix, random_state=random_state)
        for k in k_values:
            yield k, hierarchical_from_linkage(matrix, tree, sample, k, random_state)
    elif algorithm == "dbscan":
        result = fit_dbscan(matrix, random_state=random_state)
        found = result.n_segments - (result.noise_label is not None)
        yield found, result
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}")


def evaluate_clusterings(
    matrix: np.ndarray,
    *,
    algorithms: Sequence[str] = ("kmeans",),
    k_values: Iterable[int] = DEFAULT_K_VALUES,
    silhouette_sample_size: int = SILHOUETTE_SAMPLE_SIZE,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> tuple[pd.DataFrame, dict[tuple[str, int], ClusteringResult]]:
    """Fit every (algorithm, k) and score it: (metrics table, fitted results by key).

    k values not below the number of rows are skipped.
    """
    ks = sorted({k for k in k_values if 2 <= k < matrix.shape[0]})
    silhouette_rows = fixed_sample(matrix.shape[0], silhouette_sample_size, random_state)
    rows = []
    results: dict[tuple[str, int], ClusteringResult] = {}
    for algorithm in algorithms:
        for k, result in _fits(matrix, algorithm, ks, random_state):
            results[(algorithm, k)] = result
            rows.append(
                {
                    "algorithm": algorithm,
                    "k": k,
                    "n_segments": result.n_segments,
                    **clustering_metrics(matrix, result, silhouette_rows),
                    "silhouette_sample_rows": len(silhouette_rows),
                }
            )
    return pd.DataFrame(rows), results


def elbow_k(table: pd.DataFrame) -> int | None:
    """The knee of one algorithm's WCSS-by-k curve (None with fewer than 3 points)."""
    curve = table.dropna(subset=["wcss"]).sort_values("k")
    if len(curve) < 3:
        return None
    position = knee_index(curve["wcss"].to_numpy(), convex_increasing=False)
    return int(curve["k"].iloc[position])


def best_silhouette_k(table: pd.DataFrame) -> int:
    """k with the highest silhouette, the smaller k on ties; the smallest k if none scored."""
    scored = table.dropna(subset=["silhouette"])
    if scored.empty:
        return int(table["k"].min())
    best = scored["silhouette"].max()
    return int(scored.loc[np.isclose(scored["silhouette"], best, rtol=0, atol=1e-12), "k"].min())


def mark_selection(
    table: pd.DataFrame, algorithm: str, fixed_k: int | None = None
) -> tuple[pd.DataFrame, int, str]:
    """Add is_elbow, is_selected, selected_by: (table, selected k, how it was selected)."""
    table = table.copy()
    table["is_elbow"] = False
    for name, rows in table.groupby("algorithm", sort=False):
        knee = elbow_k(rows)
        if knee is not None:
            table.loc[(table["algorithm"] == name) & (table["k"] == knee), "is_elbow"] = True
    candidates = table[table["algorithm"] == algorithm]
    if candidates.empty:
        raise ValueError(f"no model-selection rows for algorithm {algorithm!r}")
    if algorithm == "dbscan":
        chosen, how = int(candidates["k"].iloc[0]), "dbscan_eps_knee"
    elif fixed_k is not None:
        chosen, how = int(fixed_k), "fixed_k"
    else:
        chosen, how = best_silhouette_k(candidates), "silhouette"
    selected = (table["algorithm"] == algorithm) & (table["k"] == chosen)
    table["is_selected"] = selected
    table["selected_by"] = pd.Series(pd.NA, index=table.index, dtype="string")
    table.loc[selected, "selected_by"] = how
    return table[SELECTION_COLUMNS].reset_index(drop=True), chosen, how


def select_model(
    matrix: np.ndarray,
    *,
    algorithm: str = "kmeans",
    k_values: Iterable[int] = DEFAULT_K_VALUES,
    fixed_k: int | None = None,
    compare_algorithms: Sequence[str] = (),
    silhouette_sample_size: int = SILHOUETTE_SAMPLE_SIZE,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> ModelSelection:
    """Score k in ``k_values`` (plus ``fixed_k``) for ``algorithm`` and pick k.

    ``compare_algorithms`` adds curves of other algorithms to the table for reference only.
    The returned ``result`` is the fitted clustering of the selected row (no refit needed).
    """
    ks = set(k_values) | ({fixed_k} if fixed_k is not None else set())
    algorithms = [algorithm, *[a for a in compare_algorithms if a != algorithm]]
    table, results = evaluate_clusterings(
        matrix,
        algorithms=algorithms,
        k_values=ks,
        silhouette_sample_size=silhouette_sample_size,
        random_state=random_state,
    )
    table, chosen, how = mark_selection(table, algorithm, fixed_k)
    return ModelSelection(
        table=table,
        algorithm=algorithm,
        selected_k=chosen,
        selected_by=how,
        result=results[(algorithm, chosen)],
    )
