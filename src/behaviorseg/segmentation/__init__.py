"""Behavioral segmentation: pure functions the dbt Python models call.

- ``features``: declared features, imputation, log1p, standardisation.
- ``selection``: silhouette / WCSS / Davies-Bouldin / Calinski-Harabasz per (algorithm, k).
- ``algorithms``: K-Means (MiniBatch above 50,000 rows), DBSCAN, Ward hierarchical.
- ``naming``: editable naming rules matched on centroid z-profiles (Hungarian assignment).
- ``stability``: previous-run centroid matching for stable segment ids and names.
- ``profiles``: Kruskal-Wallis tests per feature (the profiles themselves are SQL models).
- ``transitions``: customers moving between segments from one run to the next.
- ``pipeline``: ``run_segmentation``, all of the above in one call.
- ``fit_table``: the one fit per refit as one table (centroids, dendrogram, labels).
"""

from behaviorseg.segmentation.algorithms import (
    ClusteringResult,
    fit_clustering,
    fit_dbscan,
    fit_hierarchical,
    fit_kmeans,
    linkage_frame,
)
from behaviorseg.segmentation.features import (
    DEFAULT_FEATURES,
    FeatureSpec,
    Imputation,
    PreparedFeatures,
    prepare_features,
)
from behaviorseg.segmentation.naming import (
    DEFAULT_NAMING_RULES,
    load_naming_rules,
    name_segments,
)
from behaviorseg.segmentation.pipeline import (
    SegmentationConfig,
    SegmentationRun,
    run_segmentation,
)
from behaviorseg.segmentation.profiles import segment_feature_tests
from behaviorseg.segmentation.selection import ModelSelection, select_model
from behaviorseg.segmentation.stability import centroids_long, match_segments
from behaviorseg.segmentation.transitions import segment_transitions, transition_matrix

__all__ = [
    "DEFAULT_FEATURES",
    "DEFAULT_NAMING_RULES",
    "ClusteringResult",
    "FeatureSpec",
    "Imputation",
    "ModelSelection",
    "PreparedFeatures",
    "SegmentationConfig",
    "SegmentationRun",
    "centroids_long",
    "fit_clustering",
    "fit_dbscan",
    "fit_hierarchical",
    "fit_kmeans",
    "linkage_frame",
    "load_naming_rules",
    "match_segments",
    "name_segments",
    "prepare_features",
    "run_segmentation",
    "segment_feature_tests",
    "segment_transitions",
    "select_model",
    "transition_matrix",
]
