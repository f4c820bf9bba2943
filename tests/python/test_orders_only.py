"""A real-world minimal export: only orders (order_id, customer_id, order_ts, total_amount).

The whole build must succeed and the RFM figures must be exact; behavior features are
null or zero because there is no clickstream.
"""

from __future__ import annotations

import pytest
from dbt_helpers import DbtProject, make_project

ORDERS_CSV = """order_id,customer_id,order_ts,total_amount
1001,C1,2025-01-10T09:00:00Z,100.00
1002,C1,2025-03-01T12:30:00+01:00,50.50
1003,C1,2025-06-30T22:00:00-02:00,20
2001,C2,2024-05-01T10:00:00Z,500
2002,C2,2025-02-01T10:00:00Z,30.00
3001,C3,2025-06-15T18:00:00+05:30,10
"""

# As of the latest order (2025-07-01 00:00 UTC), window 365 days (orders dated after 2024-07-01).
EXPECTED = {
    # customer: (recency_days, frequency, monetary, r, f, m, rfm_segment)
    "C1": (0, 3, 170.50, 5, 5, 5, "Champions"),
    "C2": (150, 1, 30.00, 2, 4, 4, "At Risk"),
    "C3": (16, 1, 10.00, 4, 4, 2, "Potential Loyalist"),
}


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("orders_only"))
    (project.raw_dir / "orders").mkdir()
    (project.raw_dir / "orders" / "orders_export.csv").write_text(ORDERS_CSV)
    project.build()
    return project


def test_rfm_figures_are_exact(orders_only: DbtProject) -> None:
    features = orders_only.query(
        "select customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, "
        "rfm_segment, as_of_date from main.customer_features order by customer_id"
    )
    assert {str(d)[:10] for d in features["as_of_date"]} == {"2025-07-01"}
    actual = {
        row.customer_id: (
            row.recency_days,
            row.frequency,
            float(row.monetary),
            row.r_score,
            row.f_score,
            row.m_score,
            row.rfm_segment,
        )
        for row in features.itertuples()
    }
    assert actual == EXPECTED


def test_behavior_features_are_empty_not_invented(orders_only: DbtProject) -> None:
    features = orders_only.query("select * from main.customer_features")
    assert (features["sessions_per_week"] == 0).all()
    assert features["days_since_last_session"].isna().all()
    assert features["engagement_score"].eq(0).all()
    assert orders_only.scalar("select count(*) from main.fct_sessions") == 0


def test_every_order_and_customer_is_kept(orders_only: DbtProject) -> None:
    assert orders_only.scalar("select count(*) from main.fct_orders") == 6
    assert orders_only.scalar("select sum(net_revenue) from main.fct_orders") == 710.50
    customers = orders_only.query("select customer_id from main.dim_customers order by 1")
    assert customers["customer_id"].tolist() == ["C1", "C2", "C3"]


def test_as_of_date_var_moves_the_snapshot(orders_only: DbtProject) -> None:
    orders_only.build(
        "--select", "int_as_of_date_resolved+", "--vars", "{as_of_date: '2025-03-31'}"
    )
    c1 = orders_only.query(
        "select recency_days, frequency, monetary from main.customer_features "
        "where customer_id = 'C1'"
    ).iloc[0]
    assert (c1.recency_days, c1.frequency, float(c1.monetary)) == (30, 2, 150.50)
