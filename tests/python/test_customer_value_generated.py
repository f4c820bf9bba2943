"""Customer value on the generated build, against the generator's planted truth (its churning
persona fades out early) and through the outputs users read: segment profiles and the export."""

from __future__ import annotations

import pandas as pd
from dbt_helpers import DbtProject

from behaviorseg.exports import MEMBERSHIP_COLUMNS, export_segments


def personas(project: DbtProject) -> pd.DataFrame:
    truth = pd.read_parquet(project.raw_dir / "_truth" / "customers.parquet")
    return truth[~truth["is_anomalous"]][["customer_id", "persona"]]


def test_planted_churners_get_the_highest_churn_risk(generated_build: DbtProject) -> None:
    risk = generated_build.query("select * from main.customer_churn_risk").merge(
        personas(generated_build), on="customer_id"
    )
    mean = risk.groupby("persona")["churn_probability"].mean()
    assert mean.idxmax() == "churning"
    assert mean["churning"] > 0.8
    assert mean.drop("churning").max() < 0.2


def test_planted_churners_are_less_likely_alive(generated_build: DbtProject) -> None:
    clv = generated_build.query("select * from main.customer_lifetime_value").merge(
        personas(generated_build), on="customer_id"
    )
    repeat = clv[clv["frequency"] > 0]
    alive = repeat.groupby("persona")["p_alive"].mean()
    assert alive["churning"] < alive.drop("churning").min()
    value = clv.groupby("persona")["predicted_clv"].mean()
    assert value["loyal_big_spender"] == value.max()


def test_segment_profiles_carry_value_and_risk(generated_build: DbtProject) -> None:
    profiles = generated_build.query("select * from main.segment_profiles")
    assert profiles["mean_predicted_clv"].notna().any()
    assert profiles["mean_churn_probability"].between(0, 1).all()
    by_hand = generated_build.query(
        """
        select segments.segment_id, avg(risk.churn_probability) as mean_churn_probability
        from main.customer_segments as segments
        left join main.customer_churn_risk as risk using (customer_id)
        group by segments.segment_id
        """
    )
    merged = profiles.merge(by_hand, on="segment_id", suffixes=("", "_by_hand"))
    assert (
        (merged["mean_churn_probability"] - merged["mean_churn_probability_by_hand"]).abs() < 1e-12
    ).all()


def test_export_carries_predicted_clv_and_churn_probability(
    generated_build: DbtProject, tmp_path
) -> None:
    export_segments(generated_build.warehouse, tmp_path)
    exported = pd.read_parquet(tmp_path / "segment_memberships.parquet")
    assert list(exported.columns) == list(MEMBERSHIP_COLUMNS)
    marts = generated_build.query(
        "select customer_id, predicted_clv as clv, churn_probability as churn "
        "from main.customer_segments "
        "left join main.customer_lifetime_value using (customer_id) "
        "left join main.customer_churn_risk using (customer_id)"
    )
    merged = exported.merge(marts, on="customer_id")
    assert len(merged) == len(exported)
    assert ((merged["predicted_clv"] - merged["clv"]).abs().fillna(0) < 1e-9).all()
    assert (merged["predicted_clv"].isna() == merged["clv"].isna()).all()
    assert ((merged["churn_probability"] - merged["churn"]).abs().fillna(0) < 1e-9).all()
