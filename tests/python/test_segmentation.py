"""Segmentation pure functions on small frames whose right answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from segmentation_data import orders_only, persona_customer_features
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from behaviorseg.segmentation import (
    DEFAULT_NAMING_RULES,
    SegmentationConfig,
    fit_dbscan,
    fit_hierarchical,
    fit_kmeans,
    linkage_frame,
    load_naming_rules,
    match_segments,
    name_segments,
    prepare_features,
    run_segmentation,
    segment_feature_tests,
    segment_transitions,
    select_model,
    transition_matrix,
)
from behaviorseg.segmentation.algorithms import canonical_relabel, knee_index
from behaviorseg.segmentation.naming import (
    DIRECTIONS,
    NOISE_SEGMENT_NAME,
    descriptive_name,
    rule_scores,
)
from behaviorseg.segmentation.profiles import kruskal_test
from behaviorseg.segmentation.stability import centroids_long

REPO = Path(__file__).resolve().parents[2]
CLICKSTREAM_GROUPS = {"engagement", "app_usage", "conversion_funnel", "support"}


def blobs(
    n_samples: int = 600, centers: int = 4, n_features: int = 5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated Gaussian blobs, standardised."""
    points, truth = make_blobs(
        n_samples=n_samples,
        centers=centers,
        n_features=n_features,
        cluster_std=0.6,
        center_box=(-15, 15),
        random_state=seed,
    )
    return (points - points.mean(axis=0)) / points.std(axis=0), truth


def hand_made_features() -> pd.DataFrame:
    """Four customers with every kind of null."""
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "recency_days": [10, None, 100, 40],
            "frequency": [3, 0, 1, 2],
            "monetary": [300.0, 0.0, 50.0, 120.0],
            "sessions_per_week": [2.0, 0.0, 1.0, 0.5],
            "days_since_last_session": [1, None, 7, 20],
            "pages_per_session": [5.0, None, 3.0, 4.0],
            "cart_abandonment_rate": [0.2, None, None, 0.6],
            "mean_days_between_orders": [30.0, None, None, 50.0],
            "support_tickets": [0, 0, 0, 0],
            "mean_csat": [None, None, None, None],
        }
    )


@pytest.fixture(scope="module")
def personas() -> pd.DataFrame:
    return persona_customer_features(400, outlier_share=0.01, seed=11)


@pytest.fixture(scope="module")
def persona_run(personas: pd.DataFrame):
    return run_segmentation(personas)


# --- feature preparation ---------------------------------------------------------------


def test_imputation_values_are_exact_on_a_hand_made_frame() -> None:
    prepared = prepare_features(hand_made_features(), rfm_window_days=365)
    values = prepared.imputation_values
    assert values["recency_days"] == 366.0  # window + 1: "never"
    assert values["days_since_last_session"] == 21.0  # max observed + 1
    assert values["pages_per_session"] == 4.0  # median of 5, 3, 4
    assert values["cart_abandonment_rate"] == pytest.approx(0.4)  # median of 0.2, 0.6
    assert values["mean_days_between_orders"] == 51.0  # max observed + 1
    assert values["frequency"] == 0.0


def test_prepared_matrix_is_the_standardised_log1p_of_the_imputed_values() -> None:
    prepared = prepare_features(hand_made_features())
    column = prepared.feature_names.index("recency_days")
    expected = np.log1p([10.0, 366.0, 100.0, 40.0])
    expected = (expected - expected.mean()) / expected.std()
    np.testing.assert_allclose(prepared.matrix[:, column], expected)
    assert "recency_days" in prepared.log_transformed
    assert "cart_abandonment_rate" not in prepared.log_transformed
    np.testing.assert_allclose(prepared.matrix.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(prepared.matrix.std(axis=0), 1.0)


def test_all_null_and_constant_features_are_dropped_and_their_group_reported() -> None:
    prepared = prepare_features(hand_made_features())
    assert prepared.dropped_features["support_tickets"] == "constant"
    assert prepared.dropped_features["mean_csat"] == "all null"
    assert prepared.dropped_features["app_share"] == "all null"  # column missing altogether
    assert "support" in prepared.dropped_groups
    assert "app_usage" in prepared.dropped_groups
    assert "rfm" not in prepared.dropped_groups
    assert set(prepared.feature_groups.values()).isdisjoint(prepared.dropped_groups)
    log = prepared.preparation_log()
    assert log.set_index("feature").loc["mean_csat", "drop_reason"] == "all null"


def test_orders_only_data_drops_every_clickstream_and_support_group(
    personas: pd.DataFrame,
) -> None:
    prepared = prepare_features(orders_only(personas))
    assert set(prepared.dropped_groups) == CLICKSTREAM_GROUPS
    assert set(prepared.feature_groups.values()) == {
        "rfm",
        "order_value",
        "purchase_velocity",
        "lifecycle",
    }


def test_nothing_usable_raises() -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [1, 1]})
    with pytest.raises(ValueError, match="no usable feature"):
        prepare_features(frame)


def test_decimal_columns_are_read_as_numbers() -> None:
    from decimal import Decimal

    frame = hand_made_features()
    frame["monetary"] = [Decimal("300.00"), Decimal("0"), Decimal("50.5"), None]
    prepared = prepare_features(frame)
    assert "monetary" in prepared.feature_names


# --- model selection -------------------------------------------------------------------


def test_silhouette_picks_the_planted_k_and_recovers_the_blobs() -> None:
    matrix, truth = blobs(centers=4)
    selection = select_model(matrix)
    table = selection.table
    assert selection.selected_k == 4
    assert adjusted_rand_score(truth, selection.result.labels) == 1.0
    assert list(table["k"]) == list(range(2, 11))
    assert table["is_selected"].sum() == 1
    assert table.loc[table["is_selected"], "selected_by"].item() == "silhouette"
    assert table.loc[table["is_elbow"], "k"].item() == 4
    assert table["selected_by"].isna().sum() == len(table) - 1
    assert {"silhouette", "wcss", "davies_bouldin", "calinski_harabasz"} <= set(table.columns)
    assert table["wcss"].is_monotonic_decreasing


def test_fixed_k_is_honoured_even_outside_the_range() -> None:
    matrix, _ = blobs(centers=4)
    selection = select_model(matrix, k_values=range(2, 6), fixed_k=7)
    assert selection.selected_k == 7
    assert selection.selected_by == "fixed_k"
    assert selection.result.n_segments == 7
    selected = selection.table[selection.table["is_selected"]]
    assert selected[["k", "selected_by"]].values.tolist() == [[7, "fixed_k"]]


def test_silhouette_runs_on_a_fixed_sample_of_the_documented_size() -> None:
    matrix, _ = blobs(n_samples=600, centers=3)
    table = select_model(matrix, k_values=[2, 3], silhouette_sample_size=150).table
    assert (table["silhouette_sample_rows"] == 150).all()
    again = select_model(matrix, k_values=[2, 3], silhouette_sample_size=150).table
    pd.testing.assert_frame_equal(table, again)


def test_other_algorithms_can_be_compared_in_the_same_table() -> None:
    matrix, _ = blobs(centers=3)
    table = select_model(matrix, k_values=[2, 3, 4], compare_algorithms=["hierarchical"]).table
    assert sorted(table["algorithm"].unique()) == ["hierarchical", "kmeans"]
    assert table.loc[table["is_selected"], "algorithm"].item() == "kmeans"
    hierarchical = table[table["algorithm"] == "hierarchical"].set_index("k")
    assert hierarchical["silhouette"].idxmax() == 3


def test_knee_of_a_convex_curve() -> None:
    curve = np.array([1.0, 1.0, 1.1, 1.1, 1.2, 1.3, 5.0, 9.0])
    assert knee_index(curve) == 5
    elbow = np.array([100.0, 40.0, 10.0, 8.0, 7.0, 6.5])
    assert knee_index(elbow, convex_increasing=False) == 2


# --- algorithms ------------------------------------------------------------------------


def test_kmeans_is_deterministic_and_canonically_labelled() -> None:
    matrix, truth = blobs(n_samples=[300, 100, 200], centers=None)
    first = fit_kmeans(matrix, 3)
    second = fit_kmeans(matrix, 3)
    np.testing.assert_array_equal(first.labels, second.labels)
    assert np.bincount(first.labels).tolist() == [300, 200, 100]  # 0 = largest
    assert adjusted_rand_score(truth, first.labels) == 1.0
    np.testing.assert_allclose(
        first.distances, np.linalg.norm(matrix - first.centroids[first.labels], axis=1)
    )


def test_minibatch_kmeans_above_the_size_threshold() -> None:
    matrix, truth = blobs(n_samples=2000, centers=4)
    result = fit_kmeans(matrix, 4, minibatch_threshold=1000)
    assert result.params["variant"] == "minibatch_kmeans"
    assert adjusted_rand_score(truth, result.labels) == 1.0


def test_canonical_relabel_orders_by_size_and_puts_noise_last() -> None:
    matrix = np.arange(12, dtype=float).reshape(6, 2)
    labels, centroids = canonical_relabel(np.array([5, -1, 7, 7, 7, 5]), matrix, noise_label=-1)
    assert labels.tolist() == [1, 2, 0, 0, 0, 1]
    np.testing.assert_allclose(centroids[2], matrix[1])


def test_dbscan_gives_planted_outliers_their_own_noise_segment() -> None:
    matrix, truth = blobs(n_samples=600, centers=3, n_features=3)
    outliers = np.array([[12.0, 12.0, 12.0], [-12.0, 12.0, -12.0], [12.0, -12.0, 12.0]])
    data = np.vstack([matrix, outliers])
    result = fit_dbscan(data)
    assert result.noise_label == result.n_segments - 1
    assert (result.labels[-3:] == result.noise_label).all()
    clustered = result.labels[:-3] != result.noise_label
    assert clustered.mean() > 0.97
    assert adjusted_rand_score(truth[clustered], result.labels[:-3][clustered]) >= 0.95
    assert result.params["min_samples"] == 6  # 2 x 3 features
    assert result.params["eps"] > 0


def test_dbscan_on_a_sample_assigns_every_row() -> None:
    matrix, truth = blobs(n_samples=1500, centers=3, n_features=3)
    data = np.vstack([matrix, [[15.0, 15.0, 15.0]]])
    result = fit_dbscan(data, sample_size=500)
    assert result.params["fitted_rows"] == 500
    assert len(result.labels) == len(data)
    assert result.labels[-1] == result.noise_label
    clustered = result.labels[:-1] != result.noise_label
    assert adjusted_rand_score(truth[clustered], result.labels[:-1][clustered]) >= 0.95


def test_hierarchical_on_a_sample_assigns_all_rows_and_keeps_the_linkage() -> None:
    matrix, truth = blobs(n_samples=1200, centers=4)
    result = fit_hierarchical(matrix, 4, sample_size=300)
    assert len(result.labels) == 1200
    assert adjusted_rand_score(truth, result.labels) == 1.0
    dendrogram = linkage_frame(result.linkage_matrix)
    assert len(dendrogram) == 299
    assert dendrogram["leaf_count"].iloc[-1] == 300
    assert dendrogram["node_id"].iloc[-1] == 2 * 300 - 2
    assert dendrogram["distance"].is_monotonic_increasing


# --- naming ----------------------------------------------------------------------------


def test_obvious_profiles_get_the_obvious_names() -> None:
    features = [
        "recency_days",
        "frequency",
        "monetary",
        "sessions_per_week",
        "days_since_last_session",
        "app_share",
        "discounted_order_share",
        "average_order_value",
        "inactivity_ratio",
    ]
    profiles = pd.DataFrame(
        [
            [-1.0, 1.0, 0.5, 2.5, -1.0, 2.0, 0.0, 0.0, -0.5],  # heavy app sessions
            [2.0, -1.0, -1.0, -1.5, 2.0, -0.5, 0.0, 0.0, 2.0],  # gone quiet
            [-0.5, 1.5, 2.0, 0.0, 0.0, 0.0, -0.5, 1.5, -0.3],  # big recurring spend
            [0.0, 0.3, -0.3, 0.0, 0.0, 0.0, 2.5, -1.0, 0.0],  # discounts
        ],
        columns=features,
        index=[0, 1, 2, 3],
    )
    medians = pd.DataFrame({"inactivity_ratio": [0.8, 5.0, 0.9, 1.0]})
    names = name_segments(profiles, segment_medians=medians).set_index("segment")["segment_name"]
    assert names.to_dict() == {
        0: "Power Users",
        1: "Churn Risk",
        2: "Loyal Big Spenders",
        3: "Bargain Hunters",
    }
    # Gone quiet, but only 1.5 usual gaps without activity: not churn risk, just a fact.
    late = name_segments(profiles, segment_medians=medians.assign(inactivity_ratio=1.5))
    assert (
        late["segment_name"].tolist()[1] == "Long since last visit, later than their usual rhythm"
    )


def test_more_segments_than_rules_still_get_distinct_names() -> None:
    rng = np.random.default_rng(3)
    features = DEFAULT_NAMING_RULES["feature"].unique()
    profiles = pd.DataFrame(rng.normal(0, 1.5, size=(14, len(features))), columns=features)
    named = name_segments(profiles)
    assert named["segment_name"].is_unique
    assert (named["naming_method"] == "rule").sum() <= DEFAULT_NAMING_RULES[
        "segment_name"
    ].nunique()
    assert (named["naming_method"] == "descriptive").any()
    assert named["segment_name"].str.len().gt(0).all()


def test_descriptive_names_come_from_the_most_distinctive_features() -> None:
    profile = pd.Series({"app_share": 2.0, "sessions_per_week": 1.5, "monetary": 0.1})
    assert descriptive_name(profile, taken=set()) == "High app share, frequent sessions"
    taken = {"High app share, frequent sessions"}
    assert descriptive_name(profile, taken=taken) == "High app share, frequent sessions (2)"
    flat = pd.Series({"app_share": 0.1, "monetary": -0.2})
    assert descriptive_name(flat, taken=set()) == "Average Customers"


def test_a_rule_whose_features_were_dropped_cannot_win() -> None:
    # Only RFM features: no order value (Big Spenders speaks of it), no inactivity ratio
    # (Churn Risk), and "spend" is not worded without varying order values.
    profiles = pd.DataFrame(
        {"recency_days": [-1.0, 1.5], "frequency": [1.5, -1.0], "monetary": [1.5, -1.0]}
    )
    names = name_segments(profiles)["segment_name"].tolist()
    assert names == ["Frequent orders, recent order", "Long since last order, few orders"]
    scores = rule_scores(profiles, DEFAULT_NAMING_RULES)
    assert "Power Users" not in scores.columns  # under half of its weight is checkable
    assert "Support Seekers" not in scores.columns


def test_fixed_and_unavailable_names_are_respected() -> None:
    profiles = pd.DataFrame(
        {"sessions_per_week": [2.5, 2.4], "app_share": [2.0, 2.1]}, index=["a", "b"]
    )
    named = name_segments(profiles, fixed_names={"a": "Power Users"})
    assert named["segment_name"].tolist()[0] == "Power Users"
    assert named["segment_name"].is_unique
    blocked = name_segments(profiles, unavailable_names={"Power Users"})
    assert "Power Users" not in set(blocked["segment_name"])


def test_the_seed_csv_holds_the_default_rules() -> None:
    seed = load_naming_rules(REPO / "seeds" / "segment_naming_rules.csv")
    pd.testing.assert_frame_equal(seed, DEFAULT_NAMING_RULES, check_dtype=False)
    assert seed.groupby("segment_name")["speaks_of"].any().all()
    assert set(seed["direction"]) <= set(DIRECTIONS)
    assert (seed.groupby("segment_name")["description"].nunique() == 1).all()


def test_average_direction_prefers_profiles_near_the_mean() -> None:
    rules = pd.DataFrame(
        {
            "segment_name": ["Middle", "Top"],
            "priority": [1, 2],
            "feature": ["frequency", "frequency"],
            "direction": ["average", "high"],
            "weight": [1.0, 1.0],
            "description": ["", ""],
        }
    )
    profiles = pd.DataFrame({"frequency": [0.1, 2.0]})
    scores = rule_scores(profiles, rules)
    assert scores.loc[0, "Middle"] == pytest.approx(0.9)
    assert scores.loc[1, "Middle"] == pytest.approx(-1.0)
    assert name_segments(profiles, rules)["segment_name"].tolist() == ["Middle", "Top"]
    with pytest.raises(ValueError, match="directions"):
        rule_scores(profiles, rules.assign(direction="sideways"))


# --- stable ids, transitions -------------------------------------------------------------


def test_match_segments_follows_permuted_and_perturbed_centroids() -> None:
    previous = centroids_long(
        np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0]]),
        ["frequency", "app_share"],
        segment_ids=[1, 2, 5],
        segment_names=["Loyal Big Spenders", "Power Users", "Churn Risk"],
    )
    current = pd.DataFrame(
        [[-1.9, -2.1], [2.1, 0.1], [0.1, 1.8], [5.0, 5.0]],
        columns=["frequency", "app_share"],
    )
    mapping = match_segments(previous, current).set_index("segment")
    assert mapping["segment_id"].tolist() == [5, 1, 2, 6]
    assert mapping["segment_name"].tolist()[:3] == [
        "Churn Risk",
        "Loyal Big Spenders",
        "Power Users",
    ]
    assert pd.isna(mapping.loc[3, "segment_name"])
    assert mapping["is_new"].tolist() == [False, False, False, True]
    strict = match_segments(previous, current, max_distance=0.1)
    assert strict["is_new"].all()
    assert strict["segment_id"].tolist() == [6, 7, 8, 9]


def test_noise_is_pinned_to_the_previous_noise_segment() -> None:
    previous = centroids_long(
        np.array([[0.0], [9.0]]), ["frequency"], [1, 2], ["Power Users", NOISE_SEGMENT_NAME]
    )
    current = pd.DataFrame({"frequency": [8.9, 0.1]})
    mapping = match_segments(previous, current, pinned={1: NOISE_SEGMENT_NAME})
    assert mapping["segment_id"].tolist() == [1, 2]


def test_same_data_gives_identical_segments(personas: pd.DataFrame, persona_run) -> None:
    again = run_segmentation(personas)
    pd.testing.assert_frame_equal(again.customer_segments, persona_run.customer_segments)
    pd.testing.assert_frame_equal(again.model_selection, persona_run.model_selection)
    pd.testing.assert_frame_equal(again.centroids, persona_run.centroids)


def test_next_run_keeps_ids_and_names_of_the_previous_run(
    personas: pd.DataFrame, persona_run
) -> None:
    rng = np.random.default_rng(5)
    shuffled = personas.sample(frac=1.0, random_state=5).reset_index(drop=True)
    shuffled["monetary"] = shuffled["monetary"] * rng.uniform(0.95, 1.05, len(shuffled))
    first = persona_run.customer_segments.set_index("customer_id")
    second = run_segmentation(
        shuffled,
        config=SegmentationConfig(k=persona_run.selection.selected_k),
        previous_centroids=persona_run.centroids,
    ).customer_segments.set_index("customer_id")
    second = second.loc[first.index]
    assert (first["segment_id"] == second["segment_id"]).mean() >= 0.98
    assert dict(zip(first["segment_id"], first["segment_name"], strict=True)) == dict(
        zip(second["segment_id"], second["segment_name"], strict=True)
    )


def test_an_extra_segment_gets_a_fresh_id_and_a_name_of_its_own(personas: pd.DataFrame) -> None:
    small = personas.iloc[:1500]
    first = run_segmentation(small, config=SegmentationConfig(k=5))
    second = run_segmentation(
        small, config=SegmentationConfig(k=6), previous_centroids=first.centroids
    )
    segments = second.segments
    assert segments["segment_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert segments["is_new"].sum() == 1
    assert segments.loc[segments["is_new"], "segment_id"].item() == 6
    assert segments["segment_name"].is_unique
    kept = segments[~segments["is_new"]].set_index("segment_id")["segment_name"]
    before = first.segments.set_index("segment_id")["segment_name"]
    assert (kept == before.loc[kept.index]).all()
    assert (segments.loc[~segments["is_new"], "naming_method"] == "fixed").all()


def test_transitions_and_matrix() -> None:
    previous = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "segment_id": [1, 1, 2, 2],
            "segment_name": ["Power Users", "Power Users", "Churn Risk", "Churn Risk"],
        }
    )
    current = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "e"],
            "segment_id": [1, 2, 2, 1],
            "segment_name": ["Power Users", "Churn Risk", "Churn Risk", "Power Users"],
        }
    )
    moves = segment_transitions(previous, current).set_index("customer_id")
    assert moves["has_moved"].to_dict() == {"a": False, "b": True, "c": False, "d": True, "e": True}
    assert moves.loc["b", ["from_segment_name", "to_segment_name"]].tolist() == [
        "Power Users",
        "Churn Risk",
    ]
    assert pd.isna(moves.loc["d", "to_segment_id"]) and pd.isna(moves.loc["e", "from_segment_id"])
    matrix = transition_matrix(segment_transitions(previous, current))
    pairs = {(row.from_segment_id, row.to_segment_id): row.customers for row in matrix.itertuples()}
    assert pairs[(1, 1)] == 1 and pairs[(1, 2)] == 1 and pairs[(2, 2)] == 1
    assert matrix["customers"].sum() == 5
    from_one = matrix[matrix["from_segment_id"] == 1]
    assert from_one["share_of_from"].sum() == pytest.approx(1.0)


# --- profiles --------------------------------------------------------------------------


def long_values(
    customer_features: pd.DataFrame, assignments: pd.DataFrame, features: list[str]
) -> pd.DataFrame:
    """As int_customer_feature_values holds them: one row per segmented customer and feature."""
    joined = customer_features.merge(assignments[["customer_id", "segment_id"]], on="customer_id")
    return joined.melt(
        id_vars=["customer_id", "segment_id"], value_vars=features, var_name="feature"
    )


# The profiles' group-bys are SQL (int_segment_profiles, int_segment_feature_profiles): their
# known answers are dbt unit tests in models/intermediate/segmentation/.


def test_kruskal_separates_different_groups_from_identical_ones() -> None:
    rng = np.random.default_rng(0)
    groups = pd.Series(np.repeat([1, 2, 3], 100))
    separated = pd.Series(np.concatenate([rng.normal(m, 1, 100) for m in (0, 3, 6)]))
    identical = pd.Series(np.tile(np.arange(100, dtype=float), 3))
    _, p_separated, tested = kruskal_test(separated, groups)
    statistic, p_identical, _ = kruskal_test(identical, groups)
    assert p_separated < 1e-30 and tested == 3
    assert statistic == pytest.approx(0.0) and p_identical == pytest.approx(1.0)
    constant = kruskal_test(pd.Series(np.ones(300)), groups)
    assert np.isnan(constant[1])


def test_feature_tests_cover_every_feature_given(personas: pd.DataFrame, persona_run) -> None:
    values = long_values(
        personas, persona_run.customer_segments, ["sessions_per_week", "recency_days"]
    )
    tests = segment_feature_tests(values).set_index("feature")
    assert tests.index.tolist() == ["recency_days", "sessions_per_week"]
    assert tests.loc["sessions_per_week", "p_value"] < 1e-50
    assert tests.loc["recency_days", "p_value"] < 1e-50
    assert {"kruskal_h", "p_value", "segments_tested"} <= set(tests.columns)


# --- end to end --------------------------------------------------------------------------


def test_personas_are_recovered_and_named(personas: pd.DataFrame, persona_run) -> None:
    ordinary = ~personas["is_outlier"].to_numpy()
    segments = persona_run.customer_segments
    assert len(segments) == len(personas) and segments["customer_id"].is_unique
    ari = adjusted_rand_score(personas["persona"][ordinary], segments["segment_id"][ordinary])
    assert ari >= 0.7
    assert persona_run.segments["segment_name"].is_unique
    majority = pd.crosstab(personas["persona"], segments["segment_name"]).idxmax(axis=1).to_dict()
    assert majority["power_user"] == "Power Users"
    assert majority["loyal_big_spender"] == "Loyal Big Spenders"
    assert majority["bargain_hunter"] == "Bargain Hunters"
    assert majority["window_shopper"] == "Window Shoppers"
    # These are customer_features only, without customer_lifecycle: no customer has a usual gap
    # to be late on, so no segment is "Churn Risk" (which needs 3 usual gaps idle); the
    # long-gone churn_risk customers are named by what the features show.
    assert majority["churn_risk"].startswith("Long since last")
    assert "Churn Risk" not in set(segments["segment_name"])
    selection = persona_run.model_selection
    assert selection["is_selected"].sum() == 1
    assert persona_run.segments["customers"].sum() == len(personas)
    assert (segments["assigned_at"] == personas["as_of_date"].max()).all()


def test_orders_only_history_gets_one_named_segment_per_customer(
    personas: pd.DataFrame,
) -> None:
    buyers = orders_only(personas[personas["lifetime_completed_orders"] > 0])
    run = run_segmentation(buyers, config=SegmentationConfig(k_values=range(2, 7)))
    assert set(run.dropped_groups) == CLICKSTREAM_GROUPS
    segments = run.customer_segments
    assert len(segments) == len(buyers) and segments["segment_name"].notna().all()
    assert run.segments["segment_name"].is_unique
    needs_clickstream = {"Power Users", "Window Shoppers", "Support Seekers"}
    assert needs_clickstream.isdisjoint(run.segments["segment_name"])
    assert "Loyal Big Spenders" in set(run.segments["segment_name"])
    features = ["recency_days", "frequency", "monetary", "sessions_per_week"]
    tests = segment_feature_tests(long_values(buyers, segments, features)).set_index("feature")
    assert np.isnan(tests.loc["sessions_per_week", "p_value"])  # no clickstream: all alike
    for feature in ("recency_days", "frequency", "monetary"):
        assert tests.loc[feature, "p_value"] < 1e-20


def test_hierarchical_and_dbscan_runs_produce_complete_outputs(personas: pd.DataFrame) -> None:
    small = personas.iloc[:1500]
    hierarchical = run_segmentation(small, config=SegmentationConfig(algorithm="hierarchical", k=6))
    assert hierarchical.dendrogram is not None and len(hierarchical.dendrogram) == 1499
    assert hierarchical.dendrogram_leaves["customer_id"].is_unique
    assert hierarchical.customer_segments["segment_id"].nunique() == 6
    dbscan = run_segmentation(small, config=SegmentationConfig(algorithm="dbscan"))
    assert dbscan.model_selection["selected_by"].dropna().tolist() == ["dbscan_eps_knee"]
    noise = dbscan.segments[dbscan.segments["is_noise"]]
    assert noise["segment_name"].tolist() == [NOISE_SEGMENT_NAME]
    outliers = small["is_outlier"].to_numpy()
    in_noise = dbscan.customer_segments["segment_name"] == NOISE_SEGMENT_NAME
    assert in_noise[outliers].mean() >= 0.8
    assert dbscan.segments["segment_name"].is_unique


def test_rows_left_out_of_the_fit_join_the_nearest_centroid_on_their_usable_features() -> None:
    from behaviorseg.segmentation.algorithms import ClusteringResult, extend_to_all_rows

    fitted = ClusteringResult(
        algorithm="kmeans",
        labels=np.array([0, 1]),
        centroids=np.array([[0.0, 0.0], [10.0, 10.0]]),
        distances=np.zeros(2),
    )
    matrix = np.array([[0.0, 0.0], [10.0, 10.0], [9.0, -50.0], [9.0, -50.0]])
    fit_rows = np.array([True, True, False, False])
    # Row 3's second feature is not usable (say, tracking refused): it is placed by the first.
    usable = np.array([[True, True], [True, True], [True, True], [True, False]])
    extended = extend_to_all_rows(fitted, matrix, fit_rows, usable)
    assert extended.labels.tolist() == [0, 1, 0, 1]
    assert extended.distances[3] == pytest.approx(np.hypot(1.0, 60.0))
