"""The pipeline against the generator's planted truth: identities, segments, anomalies."""

from __future__ import annotations

import pandas as pd
import pytest
from dbt_helpers import DbtProject
from sklearn.metrics import adjusted_rand_score


def truth(project: DbtProject, name: str) -> pd.DataFrame:
    return pd.read_parquet(project.raw_dir / "_truth" / f"{name}.parquet")


def pairwise_precision_recall(
    true_group: pd.Series, predicted_group: pd.Series
) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering of the same items (pairs in one group)."""

    def pairs(counts: pd.Series) -> float:
        return float((counts * (counts - 1) / 2).sum())

    frame = pd.DataFrame({"true": true_group.to_numpy(), "predicted": predicted_group.to_numpy()})
    together = pairs(frame.groupby(["true", "predicted"]).size())
    return together / pairs(frame.groupby("predicted").size()), together / pairs(
        frame.groupby("true").size()
    )


@pytest.fixture(scope="module")
def identities(generated_build: DbtProject) -> pd.DataFrame:
    stitched = generated_build.query(
        "select identifier_type, identifier, person_id, customer_id, is_shared_identifier "
        "from main.identity_map"
    )
    return truth(generated_build, "identities").merge(
        stitched, on=["identifier_type", "identifier"], how="left", validate="one_to_one"
    )


def test_every_true_identifier_is_mapped(identities: pd.DataFrame) -> None:
    assert len(identities) > 1000
    assert identities["person_id"].notna().all()


def test_identity_stitching_precision_and_recall(identities: pd.DataFrame) -> None:
    precision, recall = pairwise_precision_recall(identities["person"], identities["person_id"])
    assert precision >= 0.99
    assert recall >= 0.99


def test_shared_kiosks_merge_nobody(identities: pd.DataFrame) -> None:
    kiosks = identities[identities["person"].str.startswith("shared:")]
    assert len(kiosks) >= 1
    assert kiosks["is_shared_identifier"].all()
    assert kiosks["customer_id"].isna().all()
    customers_per_person = (
        identities[identities["identifier_type"] == "user_id"].groupby("person_id").size()
    )
    assert customers_per_person.max() == 1


@pytest.fixture(scope="module")
def segments_with_truth(generated_build: DbtProject) -> pd.DataFrame:
    segments = generated_build.query(
        "select customer_id, segment_id, segment_name from main.customer_segments"
    )
    anomalies = generated_build.query("select customer_id, is_anomaly from main.customer_anomalies")
    return (
        truth(generated_build, "customers")
        .merge(segments, on="customer_id")
        .merge(anomalies, on="customer_id")
    )


def test_one_named_segment_per_customer(generated_build: DbtProject) -> None:
    counts = generated_build.query(
        "select (select count(*) from main.customer_features) as features, "
        "count(*) as segments, count(distinct customer_id) as customers, "
        "count(segment_name) as named from main.customer_segments"
    ).iloc[0]
    assert counts["features"] == counts["segments"] == counts["customers"] == counts["named"]
    names = generated_build.query("select segment_id, segment_name from main.segment_profiles")
    assert names["segment_name"].is_unique and names["segment_id"].is_unique


def test_segments_recover_the_planted_personas(segments_with_truth: pd.DataFrame) -> None:
    people = segments_with_truth[~segments_with_truth["is_anomalous"]]
    assert len(people) > 2000
    assert adjusted_rand_score(people["persona"], people["segment_id"]) >= 0.7


def test_planted_churners_are_named_churn_risk(segments_with_truth: pd.DataFrame) -> None:
    # The churning persona visited regularly, faded out and has been silent for months: many
    # of their own usual gaps (customer_lifecycle.usual_gap_days, whole history) idle, though
    # the engagement window shows no sessions at all. Nobody else is mostly named Churn Risk.
    people = segments_with_truth[~segments_with_truth["is_anomalous"]]
    majority = pd.crosstab(people["persona"], people["segment_name"]).idxmax(axis=1)
    assert majority["churning"] == "Churn Risk"
    assert (majority.drop("churning") != "Churn Risk").all()


def test_anomalies_find_the_planted_bots_and_fraud(segments_with_truth: pd.DataFrame) -> None:
    planted = segments_with_truth["is_anomalous"]
    flagged = segments_with_truth["is_anomaly"]
    true_positives = (planted & flagged).sum()
    assert true_positives / planted.sum() >= 0.8
    assert true_positives / flagged.sum() >= 0.5


def test_model_selection_records_the_curves(generated_build: DbtProject) -> None:
    selection = generated_build.query("select * from main.segment_model_selection order by k")
    assert selection["k"].tolist() == list(range(2, 11))
    assert selection["is_selected"].sum() == 1
    chosen = selection[selection["is_selected"]].iloc[0]
    assert chosen["silhouette"] == selection["silhouette"].max()
    assert (selection["wcss"].diff().dropna() < 0).all()
