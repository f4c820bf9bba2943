"""The published BG/NBD and Gamma-Gamma fits on the CDNOW 1/10 sample, through the project.

Fader, Hardie & Lee (2005) fit BG/NBD to the 2,357 customers of the CDNOW sample over a 39-week
calibration period ending 1997-09-30: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
log-likelihood -9582.4. Fader & Hardie's Gamma-Gamma note fits the 946 repeat buyers' mean
repeat spend: p = 6.25, q = 3.74, v = 15.44. Here the sample's transactions are raw order files
(order_id, customer_id, order_ts, total_amount, status completed), `dbt build` runs with
as_of_date 1998-06-30 and clv_holdout_days 273 (so the validation fit sees exactly the
calibration period), and the `validation` rows of clv_model_parameters must match.

The project's default raw_timestamp_floor (1900-01-01) keeps the 1997 orders: no var lowers it.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cdnow_data import cdnow_transactions
from dbt_helpers import DbtProject, make_project, write_entity

PAPER_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_BG_NBD_LOG_LIKELIHOOD = -9582.4
PAPER_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
CDNOW_VARS = "{as_of_date: '1998-06-30', clv_holdout_days: 273}"
CALIBRATION_END = pd.Timestamp("1997-09-30")
AS_OF = pd.Timestamp("1998-06-30")


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory, cdnow_wheel) -> tuple[DbtProject, pd.DataFrame]:
    """The CDNOW sample built by the project (orders only), and its raw transactions."""
    project = make_project(tmp_path_factory.mktemp("cdnow"))
    transactions = cdnow_transactions(cdnow_wheel)
    numbered = transactions.assign(line=transactions.groupby("customer_id").cumcount())
    orders = [
        {
            "order_id": f"{row.customer_id}-{row.line}",
            "customer_id": row.customer_id,
            "order_ts": row.transaction_date.strftime("%Y-%m-%dT12:00:00Z"),
            "total_amount": float(row.amount),
            "status": "completed",
        }
        for row in numbered.itertuples()
    ]
    write_entity(project.raw_dir, "orders", "cdnow_sample.parquet", orders)
    project.build("--vars", CDNOW_VARS)
    return project, transactions


def parameters(project: DbtProject, fit: str, model: str) -> pd.DataFrame:
    return project.query(
        "select * from main.clv_model_parameters "
        f"where fit = '{fit}' and model = '{model}' order by parameter"
    ).set_index("parameter")


def test_validation_fit_reproduces_the_published_bg_nbd(cdnow) -> None:
    project, _ = cdnow
    fitted = parameters(project, "validation", "bg_nbd")
    for name, published in PAPER_BG_NBD.items():
        assert fitted.loc[name, "value"] == pytest.approx(published, rel=0.01), name
    assert fitted["log_likelihood"].iloc[0] == pytest.approx(PAPER_BG_NBD_LOG_LIKELIHOOD, abs=0.05)
    assert set(fitted["customers"]) == {2357}
    assert {str(day)[:10] for day in fitted["fitted_as_of_date"]} == {"1997-09-30"}
    assert set(fitted["period_days"]) == {7.0}
    assert fitted["is_converged"].all()


def test_validation_fit_reproduces_the_published_gamma_gamma(cdnow) -> None:
    project, _ = cdnow
    fitted = parameters(project, "validation", "gamma_gamma")
    for name, published in PAPER_GAMMA_GAMMA.items():
        assert fitted.loc[name, "value"] == pytest.approx(published, rel=0.01), name
    assert set(fitted["customers"]) == {946}


def test_live_fit_sees_all_history(cdnow) -> None:
    project, _ = cdnow
    live = parameters(project, "live", "bg_nbd")
    assert {str(day)[:10] for day in live["fitted_as_of_date"]} == {"1998-06-30"}
    assert set(live["customers"]) == {2357}
    # 78 weeks of data fit differently from the 39-week calibration.
    assert live.loc["a", "value"] != pytest.approx(PAPER_BG_NBD["a"], rel=0.01)


def test_holdout_counts_every_transaction_day_after_the_calibration(cdnow) -> None:
    project, transactions = cdnow
    days = transactions[["customer_id", "transaction_date"]].drop_duplicates()
    in_holdout = days[
        (days["transaction_date"] > CALIBRATION_END) & (days["transaction_date"] <= AS_OF)
    ]
    repeaters = days[days["transaction_date"] <= CALIBRATION_END].groupby("customer_id").size()
    validation = project.query("select * from main.clv_validation").set_index("frequency_bucket")
    assert validation.loc["all", "customers"] == 2357
    assert validation.loc["all", "actual_total"] == len(in_holdout)
    # 1,411 of the 2,357 customers made no repeat purchase in the calibration period.
    assert validation.loc["0", "customers"] == (repeaters == 1).sum() == 1411
    assert list(validation.index) == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    assert validation.loc["all", "auc"] > 0.7
    # BG/NBD's conditional expectations of the 39 holdout weeks, summed (docs/figures.md).
    assert validation.loc["all", "predicted_total"] == pytest.approx(1653.4, abs=0.5)


def test_a_customers_counts_are_measured_in_weeks_from_their_first_day(cdnow) -> None:
    # Customer 00004 bought on 1997-01-01, 01-18, 08-02 and 12-12.
    project, _ = cdnow
    row = project.query(
        "select * from main.customer_lifetime_value where customer_id = '00004'"
    ).iloc[0]
    assert row["frequency"] == 3
    assert row["recency"] == pytest.approx(345 / 7)
    assert row["T"] == pytest.approx(545 / 7)
    assert row["expected_order_value_method"] == "gamma_gamma"
    assert project.scalar("select count(*) from main.customer_lifetime_value") == 2357


def test_orders_only_churn_reasons_name_no_behavior_the_data_lacks(cdnow) -> None:
    project, _ = cdnow
    risk = project.query("select * from main.customer_churn_risk")
    assert len(risk) == 2357
    assert risk["churn_probability"].between(0, 1).all()
    reasons = " ".join(risk["top_reasons"].dropna())
    for absent in ("session", "page view", "cart", "support ticket"):
        assert absent not in reasons


def test_order_based_churn_features_at_the_training_snapshot(cdnow) -> None:
    # churn_horizon_days 60: the training snapshot is 1998-05-01. Customer 00004's orders:
    # 1997-01-01 (29.33), 01-18 (29.73), 08-02 (14.96), 12-12 (26.48).
    project, _ = cdnow
    row = project.query(
        "select * from intermediate.int_churn_features_snapshotted "
        "where customer_id = '00004' and snapshot = 'training'"
    ).iloc[0]
    assert str(row["snapshot_date"])[:10] == "1998-05-01"
    assert row["days_since_last_purchase"] == row["days_since_last_activity"] == 140
    assert row["orders_365d"] == 2 and row["orders_90d"] == 0
    assert row["revenue_365d"] == pytest.approx(14.96 + 26.48)
    assert row["mean_days_between_orders"] == pytest.approx(345 / 3)
    assert row["tenure_days"] == 485
    assert row["sessions_90d"] == 0 and pd.isna(row["days_since_last_session"])
    assert row["is_churned"]  # no order from 1998-05-02 to 06-30


def test_fits_are_kept_between_refits_and_redone_when_due(cdnow) -> None:
    project, _ = cdnow
    select = ["--select", "int_as_of_date_resolved", "int_clv_model_parameters+"]
    three_days_later = CDNOW_VARS.replace("1998-06-30", "1998-07-03")
    project.build(*select, "--vars", three_days_later)
    live_fit = project.scalar(
        "select max(fitted_as_of_date) from main.clv_model_parameters where fit = 'live'"
    )
    assert str(live_fit)[:10] == "1998-06-30"
    applied = project.query(
        "select distinct as_of_date, fitted_as_of_date from main.customer_lifetime_value"
    )
    assert [str(d)[:10] for d in applied.iloc[0]] == ["1998-07-03", "1998-06-30"]
    project.build(*select, "--vars", three_days_later.replace("}", ", model_refit_days: 0}"))
    refitted = project.scalar(
        "select max(fitted_as_of_date) from main.clv_model_parameters where fit = 'live'"
    )
    assert str(refitted)[:10] == "1998-07-03"


def test_pareto_nbd_option_reproduces_the_note_through_the_project(cdnow) -> None:
    # Fader & Hardie (2005): r 0.553, alpha 10.58, s 0.606, beta 11.67 on the same calibration.
    project, _ = cdnow
    with_pareto = CDNOW_VARS.replace("}", ", clv_purchase_model: pareto_nbd}")
    project.build(
        "--select", "int_as_of_date_resolved", "int_clv_model_parameters+", "--vars", with_pareto
    )
    fitted = parameters(project, "validation", "pareto_nbd")
    for name, published in {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}.items():
        assert fitted.loc[name, "value"] == pytest.approx(published, rel=0.01), name
    assert fitted["log_likelihood"].iloc[0] == pytest.approx(-9595.0, abs=0.05)
    # BG/NBD is still fitted beside it; the predictions come from Pareto/NBD.
    assert len(parameters(project, "validation", "bg_nbd")) == 4
    models = project.query("select distinct purchase_model from main.customer_lifetime_value")
    assert models["purchase_model"].tolist() == ["pareto_nbd"]
    validation = project.query("select distinct purchase_model from main.clv_validation")
    assert validation["purchase_model"].tolist() == ["pareto_nbd"]
