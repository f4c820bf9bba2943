"""Customer value through the project on data shaped unlike the generator: a shop whose only
export is its web clickstream (no orders entity), so purchases come from purchase events, with
a handful of hand-made customers whose churn features and labels are worked out by hand.

As of 2025-06-30 with churn_horizon_days 30 the training snapshot is 2025-05-31 (end of day):
its features may use nothing that happened after it, its label is activity in June.
"""

from __future__ import annotations

import pandas as pd
import pytest
from dbt_helpers import DbtProject, make_project, write_entity

VARS = "{as_of_date: '2025-06-30', churn_horizon_days: 30, clv_holdout_days: 60}"

# customer: [(day, purchase prices)] - one visit per day (a page view, then a purchase event
# per price a minute later).
VISITS = {
    "U1": [
        ("2025-03-01", [20.0]),
        ("2025-04-10", [30.0, 10.0]),
        ("2025-05-20", []),
        ("2025-06-15", [25.0]),
    ],
    "U2": [("2025-01-05", [50.0]), ("2025-02-05", [50.0])],
    "U3": [("2025-06-10", [15.0])],
    "U4": [("2025-05-25", []), ("2025-06-20", [])],
    # Filler buyers so the models have a population: weekly to monthly buyers.
    **{
        f"F{number:02d}": [
            (str((pd.Timestamp("2025-01-02") + pd.Timedelta(days=day)).date()), [9.0 + number])
            for day in range(number % 5, 180, 7 + 4 * number)
        ]
        for number in range(16)
    },
}


def web_rows() -> list[dict]:
    rows = []
    for customer, visits in VISITS.items():
        for day, prices in visits:
            base = {"anonymous_id": f"cookie-{customer}", "user_id": customer}
            rows.append(
                {
                    **base,
                    "event_id": f"{customer}-{day}-view",
                    "event_type": "page_view",
                    "event_ts": f"{day}T10:00:00Z",
                    "price": None,
                }
            )
            for number, price in enumerate(prices):
                rows.append(
                    {
                        **base,
                        "event_id": f"{customer}-{day}-buy{number}",
                        "event_type": "purchase",
                        "event_ts": f"{day}T10:0{number + 1}:00Z",
                        "price": price,
                    }
                )
    # A visitor who never logs in buys too: no customer, so no transaction.
    rows.append(
        {
            "anonymous_id": "cookie-anon",
            "user_id": None,
            "event_id": "anon-buy",
            "event_type": "purchase",
            "event_ts": "2025-03-03T10:00:00Z",
            "price": 99.0,
        }
    )
    return rows


@pytest.fixture(scope="module")
def clickstream_shop(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("clickstream_shop"))
    write_entity(project.raw_dir, "web_events", "export.parquet", web_rows())
    customers = [
        {
            "customer_id": customer,
            "email": f"{customer.lower()}@example.com",
            "marketing_consent": "true",
            "tracking_consent": "true",
            "updated_at": "2025-01-01T00:00:00Z",
        }
        for customer in VISITS
    ]
    write_entity(project.raw_dir, "customers", "crm.parquet", customers)
    project.build("--vars", VARS)
    return project


def test_purchase_events_are_the_transactions_without_orders(
    clickstream_shop: DbtProject,
) -> None:
    days = clickstream_shop.query(
        "select * from intermediate.int_transaction_days_aggregated "
        "where customer_id in ('U1', 'U2') order by customer_id, transaction_date"
    )
    assert set(days["transaction_source"]) == {"purchase_events"}
    u1 = days[days["customer_id"] == "U1"]
    assert [str(d)[:10] for d in u1["transaction_date"]] == [
        "2025-03-01",
        "2025-04-10",
        "2025-06-15",
    ]
    assert u1["amount"].tolist() == [20.0, 40.0, 25.0]  # two purchases on 04-10: one day
    assert u1["transactions"].tolist() == [1, 2, 1]
    anonymous = clickstream_shop.scalar(
        "select count(*) from intermediate.int_transaction_days_aggregated where amount = 99"
    )
    assert anonymous == 0


def test_lifetime_value_of_purchase_event_buyers(clickstream_shop: DbtProject) -> None:
    clv = clickstream_shop.query(
        "select * from main.customer_lifetime_value order by customer_id"
    ).set_index("customer_id")
    assert "U4" not in clv.index  # visited, never bought
    u1 = clv.loc["U1"]
    assert (u1["frequency"], u1["recency"], u1["T"]) == (2, 106 / 7, 121 / 7)
    assert clv.loc["U3", "frequency"] == 0 and clv.loc["U3", "p_alive"] == 1.0
    assert clv["predicted_clv"].notna().all() and (clv["predicted_clv"] >= 0).all()
    assert clv["clv_decile"].between(1, 10).all()
    parameters = clickstream_shop.query("select * from main.clv_model_parameters")
    assert {"live", "validation"} <= set(parameters["fit"])


def features(project: DbtProject, snapshot: str) -> pd.DataFrame:
    return project.query(
        f"select * from intermediate.int_churn_features_snapshotted where snapshot = '{snapshot}'"
    ).set_index("customer_id")


def test_training_features_see_nothing_after_the_snapshot(
    clickstream_shop: DbtProject,
) -> None:
    training = features(clickstream_shop, "training")
    assert {str(d)[:10] for d in training["snapshot_date"]} == {"2025-05-31"}
    assert "U3" not in training.index  # first seen after the snapshot
    u1, u2, u4 = training.loc["U1"], training.loc["U2"], training.loc["U4"]
    assert u1["days_since_last_activity"] == 11  # 05-20; the 06-15 visit is in the future
    # 90 days back from 05-31 end of day is 03-02 end of day: the 03-01 visit is outside.
    assert u1["sessions_30d"] == 1 and u1["sessions_90d"] == 2
    assert u1["tenure_days"] == 91
    assert u1["mean_days_between_sessions"] == pytest.approx(80 / 2)
    assert not u1["is_churned"]
    assert u2["days_since_last_activity"] == 115 and u2["sessions_90d"] == 0
    assert u2["is_churned"]
    assert u4["sessions_30d"] == 1 and u4["days_since_last_activity"] == 6
    assert pd.isna(u4["mean_days_between_sessions"])
    assert not u4["is_churned"]  # came back on 06-20
    # No orders entity: purchase-based features are empty, not invented.
    assert training["days_since_last_purchase"].isna().all()
    assert (training["orders_365d"] == 0).all()


def test_scoring_features_are_as_of_the_as_of_date(clickstream_shop: DbtProject) -> None:
    scoring = features(clickstream_shop, "scoring")
    assert scoring.loc["U1", "days_since_last_activity"] == 15
    assert scoring.loc["U4", "sessions_30d"] == 1  # 06-20; 05-25 is 36 days back
    assert scoring.loc["U4", "sessions_90d"] == 2
    assert scoring.loc["U3", "tenure_days"] == 20
    assert scoring["is_churned"].isna().all()
    risk = clickstream_shop.query("select * from main.customer_churn_risk")
    assert len(risk) == clickstream_shop.scalar("select count(*) from main.customer_features")
    assert risk["churn_probability"].between(0, 1).all()
