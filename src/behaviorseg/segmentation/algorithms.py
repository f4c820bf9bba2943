"""Clustering algorithms on the standardised feature matrix.

Each algorithm returns a ``ClusteringResult`` whose labels are canonical: 0 is the largest
cluster, then by decreasing size (ties broken by the centroid's coordinates), so the same data
always gives the same labels whatever order the algorithm found the clusters in. DBSCAN noise,
when there is any, is the last label (``noise_label``).

- K-Means: ``KMeans`` (n_init 10) up to ``MINIBATCH_THRESHOLD`` rows, ``MiniBatchKMeans``
  (n_init 5, batch 4,096) above it; fixed seed.
- DBSCAN: ``min_samples`` defaults to 2 x the number of features (Sander et al.'s rule of
  thumb); ``eps`` is the knee of the sorted distance of each point to its
  (``min_samples`` - 1)-th neighbour. Above ``DBSCAN_SAMPLE_SIZE`` rows it is fitted on a
  fixed-seed sample and every other row joins the cluster of its nearest core point when
  that point is within ``eps`` (the DBSCAN border rule), else noise.
- Hierarchical: Ward linkage on a fixed-seed sample of ``HIERARCHICAL_SAMPLE_SIZE`` rows, cut
  into k clusters; the other rows join the nearest sample centroid.

Centroids are in the standardised space and are the mean of each cluster's rows (all rows,
after assignment); ``distances`` is each row's Euclidean distance to its own centroid.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import DBSCAN, KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

DEFAULT_RANDOM_STATE = 42
# Native (OpenMP/BLAS) threads. One by default: dbt runs Python models side by side and on a
# shared two-core runner OpenMP oversubscription made K-Means 5-40x slower than one thread.
# BEHAVIORSEG_THREADS raises it, never above two.
THREADS_ENV_VAR = "BEHAVIORSEG_THREADS"
MAX_THREADS = 2
MINIBATCH_THRESHOLD = 50_000
KMEANS_N_INIT = 10
MINIBATCH_N_INIT = 5
MINIBATCH_BATCH_SIZE = 4_096
DBSCAN_SAMPLE_SIZE = 10_000
HIERARCHICAL_SAMPLE_SIZE = 5_000
ALGORITHMS = ("kmeans", "dbscan", "hierarchical")


@dataclass(frozen=True)
class ClusteringResult:
    """Canonical labels, centroids (standardised space) and distances of one clustering."""

    algorithm: str
    labels: np.ndarray
    centroids: np.ndarray
    distances: np.ndarray
    params: dict[str, float | int | str] = field(default_factory=dict)
    noise_label: int | None = None
    linkage_matrix: np.ndarray | None = None
    sample_indices: np.ndarray | None = None
    inertia: float = float("nan")

    @property
    def n_segments(self) -> int:
        """Number of segments, the noise segment included."""
        return int(self.centroids.shape[0])

    @property
    def noise_mask(self) -> np.ndarray:
        """True for rows in the noise segment (all False without one)."""
        if self.noise_label is None:
            return np.zeros(len(self.labels), bool)
        return self.labels == self.noise_label


def native_threads() -> int:
    """Threads for native code and joblib: BEHAVIORSEG_THREADS (1 by default), at most 2."""
    try:
        requested = int(os.environ.get(THREADS_ENV_VAR, "1"))
    except ValueError:
        requested = 1
    return min(max(requested, 1), MAX_THREADS)


@contextmanager
def limited_threads() -> Iterator[None]:
    """Cap BLAS/OpenMP threads at ``native_threads()`` for the duration of a fit."""
    with threadpool_limits(limits=native_threads()):
        yield


def fixed_sample(n_rows: int, sample_size: int, random_state: int) -> np.ndarray:
    """Sorted row indices of a fixed-seed sample without replacement (all rows if fewer)."""
    if n_rows <= sample_size:
        return np.arange(n_rows)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_rows, size=sample_size, replace=False))


def cluster_means(matrix: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Mean row of each label 0..n_labels-1 (a label without rows gets zeros)."""
    sums = np.zeros((n_labels, matrix.shape[1]))
    np.add.at(sums, labels, matrix)
    counts = np.bincount(labels, minlength=n_labels).astype("float64")
    return sums / np.maximum(counts, 1.0)[:, None]


def distances_to_centroids(
    matrix: np.ndarray, labels: np.ndarray, centroids: np.ndarray
) -> np.ndarray:
    """Euclidean distance of each row to the centroid of its own label."""
    return np.linalg.norm(matrix - centroids[labels], axis=1)


def canonical_relabel(
    labels: np.ndarray, matrix: np.ndarray, noise_label: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Relabel 0..k-1 by decreasing size, ties by centroid coordinates; noise goes last.

    ``labels`` may be any integers (e.g. DBSCAN's -1); returns (new labels, centroids).
    """
    uniques, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    centroids = cluster_means(matrix, inverse, len(uniques))
    is_noise = uniques == noise_label if noise_label is not None else np.zeros(len(uniques), bool)
    keys = [tuple(row) for row in np.round(centroids, 9)]
    order = sorted(range(len(uniques)), key=lambda i: (bool(is_noise[i]), -counts[i], keys[i]))
    new_of_old = np.empty(len(uniques), dtype=np.int64)
    new_of_old[order] = np.arange(len(uniques))
    return new_of_old[inverse], centroids[order]


def _result(
    algorithm: str,
    matrix: np.ndarray,
    raw_labels: np.ndarray,
    params: dict[str, float | int | str],
    *,
    noise_label: int | None = None,
    linkage_matrix: np.ndarray | None = None,
    sample_indices: np.ndarray | None = None,
) -> ClusteringResult:
    """Canonical labels, centroids, distances and inertia (noise rows excluded) of a fit."""
    labels, centroids = canonical_relabel(raw_labels, matrix, noise_label)
    has_noise = noise_label is not None and bool(np.any(raw_labels == noise_label))
    canonical_noise = centroids.shape[0] - 1 if has_noise else None
    distances = distances_to_centroids(matrix, labels, centroids)
    clustered = labels != canonical_noise if has_noise else np.ones(len(labels), bool)
    return ClusteringResult(
        algorithm=algorithm,
        labels=labels,
        centroids=centroids,
        distances=distances,
        params=params,
        noise_label=canonical_noise,
        linkage_matrix=linkage_matrix,
        sample_indices=sample_indices,
        inertia=float(np.sum(distances[clustered] ** 2)),
    )


def extend_to_all_rows(
    result: ClusteringResult,
    matrix: np.ndarray,
    fitted_rows: np.ndarray,
    usable: np.ndarray | None = None,
) -> ClusteringResult:
    """A clustering fitted on ``matrix[fitted_rows]`` extended to every row of ``matrix``.

    Rows left out of the fit join their nearest centroid, measured only on the features
    ``usable`` marks for them (rows x features, all by default: a customer who refused tracking
    is placed by their order features alone), or the noise segment when the clustering has one
    (DBSCAN), for rows with every feature usable (anomalies: unusual by definition). Centroids,
    inertia and parameters stay those of the fit; sample indices refer to ``matrix``'s rows.
    """
    fitted_rows = np.asarray(fitted_rows, dtype=bool)
    if fitted_rows.all():
        return result
    usable = np.ones(matrix.shape, dtype=bool) if usable is None else np.asarray(usable, bool)
    labels = np.empty(matrix.shape[0], dtype=np.int64)
    labels[fitted_rows] = result.labels
    others = np.flatnonzero(~fitted_rows)
    gaps = (matrix[others][:, None, :] - result.centroids[None, :, :]) ** 2
    gaps = np.where(usable[others][:, None, :], gaps, 0.0).sum(axis=2)
    if result.noise_label is not None:
        gaps[:, result.noise_label] = np.inf
    labels[others] = np.argmin(gaps, axis=1)
    if result.noise_label is not None:
        labels[others[usable[others].all(axis=1)]] = result.noise_label
    fitted_index = np.flatnonzero(fitted_rows)
    sample = result.sample_indices
    return ClusteringResult(
        algorithm=result.algorithm,
        labels=labels,
        centroids=result.centroids,
        distances=distances_to_centroids(matrix, labels, result.centroids),
        params={**result.params, "rows_left_out_of_fit": int((~fitted_rows).sum())},
        noise_label=result.noise_label,
        linkage_matrix=result.linkage_matrix,
        sample_indices=None if sample is None else fitted_index[sample],
        inertia=result.inertia,
    )


def fit_kmeans(
    matrix: np.ndarray,
    n_clusters: int,
    *,
    random_state: int = DEFAULT_RANDOM_STATE,
    minibatch_threshold: int = MINIBATCH_THRESHOLD,
) -> ClusteringResult:
    """K-Means with a fixed seed; MiniBatchKMeans above ``minibatch_threshold`` rows."""
    if matrix.shape[0] > minibatch_threshold:
        model = MiniBatchKMeans(
            n_clusters=n_clusters,
            n_init=MINIBATCH_N_INIT,
            batch_size=MINIBATCH_BATCH_SIZE,
            random_state=random_state,
        )
        variant = "minibatch_kmeans"
    else:
        model = KMeans(n_clusters=n_clusters, n_init=KMEANS_N_INIT, random_state=random_state)
        variant = "kmeans"
    with limited_threads():
        raw_labels = model.fit_predict(matrix)
    params: dict[str, float | int | str] = {
        "k": n_clusters,
        "variant": variant,
        "random_state": random_state,
    }
    return _result("kmeans", matrix, raw_labels, params)


def knee_index(values: np.ndarray, *, convex_increasing: bool = True) -> int:
    """Kneedle: index of the point farthest from the chord of a monotone curve.

    For a convex increasing curve (sorted k-distances) the knee is where the normalised curve
    falls farthest below the chord; for a convex decreasing one (an elbow of WCSS by k) it is
    where it falls farthest below the chord from the first to the last point as well.
    """
    n = len(values)
    if n < 3:
        return 0
    x = np.linspace(0.0, 1.0, n)
    span = float(values.max() - values.min())
    if span == 0:
        return 0
    y = (values - values.min()) / span
    gap = x - y if convex_increasing else (1.0 - x) - y
    return int(np.argmax(gap))


def k_distance_curve(matrix: np.ndarray, min_samples: int) -> np.ndarray:
    """Sorted distance of each row to its (min_samples - 1)-th other row (ascending)."""
    n_neighbors = min(min_samples, matrix.shape[0])
    with limited_threads():
        neighbors = NearestNeighbors(n_neighbors=n_neighbors, n_jobs=native_threads()).fit(matrix)
        distances, _ = neighbors.kneighbors(matrix)
    return np.sort(distances[:, -1])


def dbscan_eps(matrix: np.ndarray, min_samples: int) -> float:
    """eps at the knee of the sorted k-distance curve (k = min_samples - 1 other rows)."""
    curve = k_distance_curve(matrix, min_samples)
    return float(max(curve[knee_index(curve)], 1e-9))


def default_min_samples(n_features: int) -> int:
    """2 x dimensions, at least 4 (the usual DBSCAN rule of thumb)."""
    return max(4, 2 * n_features)


def _assign_to_core_points(
    matrix: np.ndarray, core_points: np.ndarray, core_labels: np.ndarray, eps: float
) -> np.ndarray:
    if len(core_points) == 0:
        return np.full(matrix.shape[0], -1)
    with limited_threads():
        nearest, distance = pairwise_distances_argmin_min(matrix, core_points)
    return np.where(distance <= eps, core_labels[nearest], -1)


def fit_dbscan(
    matrix: np.ndarray,
    *,
    eps: float | None = None,
    min_samples: int | None = None,
    sample_size: int = DBSCAN_SAMPLE_SIZE,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> ClusteringResult:
    """DBSCAN with eps from the k-distance knee; noise (label -1) becomes its own segment."""
    min_samples = min_samples or default_min_samples(matrix.shape[1])
    sample = fixed_sample(matrix.shape[0], sample_size, random_state)
    fitted_rows = matrix[sample]
    eps = eps if eps is not None else dbscan_eps(fitted_rows, min_samples)
    with limited_threads():
        model = DBSCAN(eps=eps, min_samples=min_samples, n_jobs=native_threads()).fit(fitted_rows)
    raw_labels = np.full(matrix.shape[0], -1)
    raw_labels[sample] = model.labels_
    if len(sample) < matrix.shape[0]:
        rest = np.setdiff1d(np.arange(matrix.shape[0]), sample, assume_unique=True)
        core = model.core_sample_indices_
        raw_labels[rest] = _assign_to_core_points(
            matrix[rest], fitted_rows[core], model.labels_[core], eps
        )
    params: dict[str, float | int | str] = {
        "eps": eps,
        "min_samples": min_samples,
        "fitted_rows": len(sample),
        "random_state": random_state,
    }
    return _result("dbscan", matrix, raw_labels, params, noise_label=-1)


def ward_linkage(
    matrix: np.ndarray,
    *,
    sample_size: int = HIERARCHICAL_SAMPLE_SIZE,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> tuple[np.ndarray, np.ndarray]:
    """Ward linkage on a fixed-seed sample: (scipy linkage matrix, sample row indices)."""
    sample = fixed_sample(matrix.shape[0], sample_size, random_state)
    with limited_threads():
        return linkage(matrix[sample], method="ward"), sample


def hierarchical_from_linkage(
    matrix: np.ndarray,
    linkage_matrix: np.ndarray,
    sample: np.ndarray,
    n_clusters: int,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> ClusteringResult:
    """Cut a Ward tree into ``n_clusters``; rows outside the sample join the nearest centroid."""
    sample_labels = fcluster(linkage_matrix, t=n_clusters, criterion="maxclust") - 1
    found = int(sample_labels.max()) + 1
    raw_labels = np.empty(matrix.shape[0], dtype=np.int64)
    raw_labels[sample] = sample_labels
    if len(sample) < matrix.shape[0]:
        rest = np.setdiff1d(np.arange(matrix.shape[0]), sample, assume_unique=True)
        sample_centroids = cluster_means(matrix[sample], sample_labels, found)
        with limited_threads():
            raw_labels[rest], _ = pairwise_distances_argmin_min(matrix[rest], sample_centroids)
    params: dict[str, float | int | str] = {
        "k": n_clusters,
        "linkage": "ward",
        "fitted_rows": len(sample),
        "random_state": random_state,
    }
    return _result(
        "hierarchical",
        matrix,
        raw_labels,
        params,
        linkage_matrix=linkage_matrix,
        sample_indices=sample,
    )


def fit_hierarchical(
    matrix: np.ndarray,
    n_clusters: int,
    *,
    sample_size: int = HIERARCHICAL_SAMPLE_SIZE,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> ClusteringResult:
    """Ward clustering on a fixed-seed sample, the rest assigned to the nearest centroid."""
    tree, sample = ward_linkage(matrix, sample_size=sample_size, random_state=random_state)
    return hierarchical_from_linkage(matrix, tree, sample, n_clusters, random_state)


def fit_clustering(
    matrix: np.ndarray,
    algorithm: str,
    n_clusters: int | None = None,
    *,
    random_state: int = DEFAULT_RANDOM_STATE,
) -> ClusteringResult:
    """Dispatch on ``algorithm`` (kmeans, dbscan, hierarchical); DBSCAN ignores n_clusters."""
    if algorithm == "dbscan":
        return fit_dbscan(matrix, random_state=random_state)
    if n_clusters is None:
        raise ValueError(f"{algorithm} needs n_clusters")
    if algorithm == "kmeans":
        return fit_kmeans(matrix, n_clusters, random_state=random_state)
    if algorithm == "hierarchical":
        return fit_hierarchical(matrix, n_clusters, random_state=random_state)
    raise ValueError(f"unknown algorithm {algorithm!r}; expected one of {ALGORITHMS}")


def linkage_frame(linkage_matrix: np.ndarray) -> pd.DataFrame:
    """A scipy linkage matrix as dendrogram rows.

    With n leaves (the hierarchical sample rows, node ids 0..n-1), merge step i (1-based)
    creates node ``n + i - 1`` from ``left_node_id`` and ``right_node_id`` at ``distance``
    (Ward's merge height), holding ``leaf_count`` leaves.
    """
    n_leaves = linkage_matrix.shape[0] + 1
    steps = np.arange(1, linkage_matrix.shape[0] + 1)
    return pd.DataFrame(
        {
            "merge_step": steps,
            "node_id": n_leaves + steps - 1,
            "left_node_id": linkage_matrix[:, 0].astype(np.int64),
            "right_node_id": linkage_matrix[:, 1].astype(np.int64),
            "distance": linkage_matrix[:, 2],
            "leaf_count": linkage_matrix[:, 3].astype(np.int64),
        }
    )
