"""A real-world minimal export: only orders (order_id, customer_id, order_ts, total_amount).

The whole build must succeed and the RFM figures must be exact; behavior features are
null or zero because there is no clickstream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
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


# A retailer's purchase history, still only the four columns: three kinds of buyer planted with
# clearly different recency, frequency and order value over a year ending 2025-12-31.
HISTORY_END = pd.Timestamp("2025-12-31 18:00", tz="UTC")
UTC_OFFSETS = [
    ("Z", pd.Timedelta(0)),
    ("+05:30", pd.Timedelta(hours=5, minutes=30)),
    ("-04:00", pd.Timedelta(hours=-4)),
]
BUYER_KINDS = {
    # kind: (customers, orders per customer (low, high), days back of the orders, mean amount)
    "frequent_big": (120, (12, 24), (0, 330), 220.0),
    "occasional": (300, (2, 4), (0, 150), 60.0),
    "lapsed": (200, (1, 2), (240, 360), 35.0),
}


def purchase_history_csv() -> tuple[str, pd.DataFrame]:
    """The export as CSV text (mixed UTC offsets, amounts as text) and each customer's kind."""
    rng = np.random.default_rng(2025)
    rows, kinds = [], []
    for kind, (customers, (low, high), (back_min, back_max), amount) in BUYER_KINDS.items():
        for number in range(customers):
            customer_id = f"{kind[:2].upper()}{number:04d}"
            kinds.append((customer_id, kind))
            for order in range(int(rng.integers(low, high + 1))):
                days_back = float(rng.uniform(back_min, back_max))
                placed = HISTORY_END - pd.Timedelta(days=days_back)
                offset_text, offset = UTC_OFFSETS[order % len(UTC_OFFSETS)]
                local_time = (placed + offset).strftime("%Y-%m-%dT%H:%M:%S")
                rows.append(
                    {
                        "order_id": f"{customer_id}-{order}",
                        "customer_id": customer_id,
                        "order_ts": local_time + offset_text,
                        "total_amount": f"{max(5.0, rng.normal(amount, amount / 5)):.2f}",
                    }
                )
    return pd.DataFrame(rows).to_csv(index=False), pd.DataFrame(
        kinds, columns=["customer_id", "kind"]
    )


@pytest.fixture(scope="module")
def purchase_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, pd.DataFrame]:
    project = make_project(tmp_path_factory.mktemp("purchase_history"))
    (project.raw_dir / "orders").mkdir()
    export, kinds = purchase_history_csv()
    (project.raw_dir / "orders" / "orders_2025.csv").write_text(export)
    project.build()
    return project, kinds


def kinds_with_segments(project: DbtProject, kinds: pd.DataFrame) -> pd.DataFrame:
    """Each planted buyer's kind next to the segment the build gave them."""
    segments = project.query("select customer_id, segment_id from main.customer_segments")
    return kinds.merge(segments, on="customer_id")


def test_every_buyer_gets_exactly_one_named_segment(
    purchase_history: tuple[DbtProject, pd.DataFrame],
) -> None:
    project, kinds = purchase_history
    segments = project.query(
        "select customer_id, segment_id, segment_name from main.customer_segments"
    )
    assert sorted(segments["customer_id"]) == sorted(kinds["customer_id"])
    assert segments["segment_name"].notna().all()
    names = segments.drop_duplicates("segment_id")["segment_name"]
    assert len(names) >= 2 and names.is_unique


def test_segments_differ_clearly_in_recency_frequency_and_monetary(
    purchase_history: tuple[DbtProject, pd.DataFrame],
) -> None:
    project, kinds = purchase_history
    tested = project.query(
        "select distinct feature, p_value from main.segment_feature_profiles "
        "where feature in ('recency_days', 'frequency', 'monetary')"
    )
    assert sorted(tested["feature"]) == ["frequency", "monetary", "recency_days"]
    assert (tested["p_value"] < 1e-6).all()
    # The big spenders (far from everyone else) form a segment of their own.
    placed = kinds_with_segments(project, kinds)
    big = placed[placed["kind"] == "frequent_big"]["segment_id"]
    assert big.nunique() == 1
    assert (placed[placed["kind"] != "frequent_big"]["segment_id"] != big.iloc[0]).all()


def test_a_fixed_k_separates_all_three_kinds_of_buyer(
    purchase_history: tuple[DbtProject, pd.DataFrame],
) -> None:
    # Silhouette may prefer two segments (the big spenders against the rest); `segment_k` lets a
    # user ask for more, and then lapsed and occasional buyers part too.
    project, kinds = purchase_history
    project.build("--select", "int_segment_model_selection+", "--vars", "{segment_k: 3}")
    placed = kinds_with_segments(project, kinds)
    usual = placed.groupby("kind")["segment_id"].agg(lambda ids: ids.value_counts().index[0])
    assert usual.nunique() == 3
    purity = placed.groupby("kind").apply(
        lambda group: (group["segment_id"] == usual[group.name]).mean(), include_groups=False
    )
    assert (purity >= 0.8).all(), purity.to_dict()
