"""Segment names the data earns, on hand-built populations that are not the generator's.

Each population is a few groups of customers with hand-chosen feature values (small jitter),
segmented with a fixed k, and each test writes its expected names by hand: a persona name only
where every feature its rule speaks of is present, varies and differs by the effect size
(var segment_naming_min_effect_size), otherwise a descriptive name from what the data shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behaviorseg.segmentation import SegmentationConfig, run_segmentation
from behaviorseg.segmentation.naming import (
    DEFAULT_NAMING_RULES,
    LIFECYCLE_RHYTHM_COLUMNS,
    lifecycle_rows,
    load_naming_rules,
    name_segments,
    naming_features,
    rule_eligibility,
)

AS_OF = pd.Timestamp("2025-06-30")
# Words a segment may only use when the data has that behaviour.
APP_WORDS = ("app",)
SPEND_WORDS = ("spend", "revenue", "basket", "big spender")
SUPPORT_WORDS = ("support", "ticket")


def population(groups: dict[str, tuple[int, dict[str, float]]], seed: int = 5) -> pd.DataFrame:
    """customer_features rows: per group (size, {feature: value}), values jittered by +-5%.

    Columns a group does not give are left out of the frame (null), as in an export that
    lacks that source. ``usual_gap_days`` and ``days_since_last_activity`` are the group's
    rhythm as the mart customer_lifecycle gives it (see ``split_lifecycle``).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for group, (size, values) in groups.items():
        for i in range(size):
            row = {"customer_id": f"{group}-{i:03d}", "as_of_date": AS_OF, "group": group}
            row |= {k: v * rng.uniform(0.95, 1.05) for k, v in values.items()}
            rows.append(row)
    return pd.DataFrame(rows)


def split_lifecycle(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(customer_features, customer_lifecycle rows or None when the groups give no rhythm)."""
    rhythm = list(LIFECYCLE_RHYTHM_COLUMNS)
    if not set(rhythm) & set(frame.columns):
        return frame.drop(columns="group"), None
    return frame.drop(columns=["group", *rhythm]), frame[["customer_id", *rhythm]]


def segment(frame: pd.DataFrame, k: int):
    features, lifecycle = split_lifecycle(frame)
    return run_segmentation(features, config=SegmentationConfig(k=k), customer_lifecycle=lifecycle)


def names_by_group(frame: pd.DataFrame, k: int) -> dict[str, str]:
    """The segment name most customers of each group got (each group is one segment here)."""
    run = segment(frame, k)
    named = frame[["customer_id", "group"]].merge(run.customer_segments, on="customer_id")
    purity = pd.crosstab(named["group"], named["segment_name"])
    assert (purity.gt(0).sum(axis=1) == 1).all(), "each hand-built group should be one segment"
    return purity.idxmax(axis=1).to_dict()


def run_texts(frame: pd.DataFrame, k: int) -> list[str]:
    run = segment(frame, k)
    return [*run.segments["segment_name"], *run.segments["description"].fillna("")]


def assert_no_words(texts: list[str], words: tuple[str, ...]) -> None:
    for text in texts:
        assert not any(word in text.lower() for word in words), text


def web_only() -> pd.DataFrame:
    """Web sessions only: no orders, no app events, no tickets."""
    web = {"avg_scroll_depth": 50.0}
    return population(
        {
            # Heavy readers: many long sessions over many pages and categories.
            "readers": (40, web | {"sessions_per_week": 3.0, "days_since_last_session": 2.0,
                                   "usual_gap_days": 2.3, "days_since_last_activity": 2.0,
                                   "pages_per_session": 30.0, "avg_session_duration_s": 900.0,
                                   "distinct_categories_viewed": 6.0}),
            # Quick lookers: weekly, short, one or two pages.
            "lookers": (40, web | {"sessions_per_week": 1.5, "days_since_last_session": 4.0,
                                   "usual_gap_days": 4.7, "days_since_last_activity": 4.0,
                                   "pages_per_session": 1.5, "avg_session_duration_s": 30.0,
                                   "distinct_categories_viewed": 2.0}),
            # Came twice a week (a 3.5-day gap), not seen for 60 days: 17 usual gaps idle.
            "lapsed": (40, web | {"sessions_per_week": 2.0, "days_since_last_session": 60.0,
                                  "usual_gap_days": 3.5, "days_since_last_activity": 60.0,
                                  "pages_per_session": 4.0, "avg_session_duration_s": 200.0,
                                  "distinct_categories_viewed": 2.0}),
        }
    )  # fmt: skip


def test_web_only_gets_no_app_spend_or_support_words() -> None:
    frame = web_only()
    assert names_by_group(frame, k=3) == {
        # Centroid z: categories +1.4, pages +1.4, sessions +1.3, duration +1.2.
        "readers": "Broad browsing, many pages per visit",
        # duration -1.3, sessions -1.1, pages -1.0.
        "lookers": "Short sessions, rare sessions",
        "lapsed": "Churn Risk",
    }
    texts = run_texts(frame, k=3)
    assert_no_words(texts, APP_WORDS + SPEND_WORDS + SUPPORT_WORDS)


def constant_amount_orders() -> pd.DataFrame:
    """Orders only, every order 25.00: monetary is 25 x frequency, order value is constant."""
    base = {"average_order_value": 25.0, "discounted_order_share": 0.0, "tenure_days": 700.0}
    return population(
        {
            "regulars": (40, base | {"frequency": 12.0, "monetary": 300.0, "recency_days": 5.0,
                                     "mean_days_between_orders": 30.0,
                                     "usual_gap_days": 30.0, "days_since_last_activity": 5.0}),
            "now_and_then": (40, base | {"frequency": 2.0, "monetary": 50.0,
                                         "recency_days": 100.0,
                                         "mean_days_between_orders": 150.0,
                                         "usual_gap_days": 150.0,
                                         "days_since_last_activity": 100.0}),
            # Reordered every 40 days, last order 300 days ago: 7.5 usual gaps idle.
            "lapsed": (40, base | {"frequency": 3.0, "monetary": 75.0, "recency_days": 300.0,
                                   "mean_days_between_orders": 40.0,
                                   "usual_gap_days": 40.0, "days_since_last_activity": 300.0}),
        }
    )  # fmt: skip


def test_orders_only_with_constant_amounts_never_speaks_of_spend() -> None:
    frame = constant_amount_orders()
    # The jitter keeps order values from being exactly constant: make them so.
    frame["average_order_value"] = 25.0
    frame["monetary"] = 25.0 * frame["frequency"]
    assert names_by_group(frame, k=3) == {
        "regulars": "Frequent orders, recent order",
        "now_and_then": "Occasional Buyers",
        "lapsed": "Churn Risk",
    }
    texts = run_texts(frame, k=3)
    assert "Loyal Big Spenders" not in texts
    assert_no_words(texts, APP_WORDS + SPEND_WORDS + SUPPORT_WORDS)


def test_two_behaviours_only_get_descriptive_names() -> None:
    frame = population(
        {
            "buyers": (30, {"frequency": 10.0, "sessions_per_week": 0.5}),
            "browsers": (30, {"frequency": 1.0, "sessions_per_week": 6.0}),
            "both": (30, {"frequency": 20.0, "sessions_per_week": 6.0}),
        }
    )
    assert names_by_group(frame, k=3) == {
        # Orders z +0.4 only (the "both" group orders twice as often): below the 0.5 that
        # makes a trait distinctive.
        "buyers": "Rare sessions",
        "browsers": "Few orders, frequent sessions",
        # Both high, but no app share and no order value: not Power Users nor Big Spenders.
        "both": "Frequent orders, frequent sessions",
    }


def test_one_dominant_behaviour_is_named_by_it_alone() -> None:
    # Centroid z-profiles: sessions per week tell the segments apart; app share is present and
    # varies, but by less than the effect size (0.5), so the heavy segment has not earned
    # "mostly in the app" (Power Users) and app share is not one of its distinctive traits.
    profiles = pd.DataFrame(
        {"sessions_per_week": [2.0, 0.1, -2.0], "app_share": [0.3, 0.0, -0.3]},
        index=["heavy", "middle", "light"],
    )
    names = name_segments(profiles).set_index("segment")["segment_name"].to_dict()
    assert names == {
        "heavy": "Frequent sessions",
        "middle": "Average Customers",
        "light": "Rare sessions",
    }


def test_effect_size_decides_whether_a_persona_name_is_earned() -> None:
    profiles = pd.DataFrame({"sessions_per_week": [2.0, 2.0], "app_share": [0.4, 1.2]})
    eligible = rule_eligibility(profiles, DEFAULT_NAMING_RULES, min_effect_size=0.5)
    assert eligible["Power Users"].tolist() == [False, True]
    strict = name_segments(profiles, min_effect_size=1.5)["segment_name"].tolist()
    assert strict == ["Frequent sessions", "Frequent sessions, high app share"]
    assert name_segments(profiles)["segment_name"].tolist()[1] == "Power Users"


def test_long_tenure_alone_never_makes_churn_risk() -> None:
    profiles = pd.DataFrame(
        {"tenure_days": [2.0, -1.0], "recency_days": [1.5, -0.5], "inactivity_ratio": [0.1, 0.0]}
    )
    medians = pd.DataFrame({"inactivity_ratio": [1.1, 0.9]})
    names = name_segments(profiles, segment_medians=medians)["segment_name"].tolist()
    assert "Churn Risk" not in names
    assert names[0] == "High tenure days, long since last order"


def test_inactivity_ratio_is_days_idle_over_the_lifecycle_usual_gap() -> None:
    lifecycle = pd.DataFrame(
        {
            "usual_gap_days": [10.0, 5.0, np.nan, 0.0],
            "days_since_last_activity": [30, 10, 400, 3],
        }
    )
    ratio = naming_features(lifecycle)["inactivity_ratio"]
    # 30 idle days / a 10-day usual gap; 10 / 5; too few gaps for a rhythm (a single old
    # order); a zero gap (several activities on one day) is no rhythm either.
    np.testing.assert_allclose(ratio.to_numpy(), [3.0, 2.0, np.nan, np.nan])
    with pytest.raises(ValueError, match=r"customer_lifecycle.*usual_gap_days"):
        naming_features(lifecycle.drop(columns="usual_gap_days"))


def test_lifecycle_rows_follow_the_customer_order() -> None:
    lifecycle = pd.DataFrame(
        {
            "customer_id": ["b", "a"],
            "usual_gap_days": [7.0, 3.0],
            "days_since_last_activity": [1, 9],
        }
    )
    rows = lifecycle_rows(np.array(["a", "b", "c"], dtype=object), lifecycle)
    assert rows["customer_id"].tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(rows["usual_gap_days"], [3.0, 7.0, np.nan])
    np.testing.assert_allclose(rows["days_since_last_activity"], [9, 1, np.nan])
    assert lifecycle_rows(np.array(["a"], dtype=object), None)["usual_gap_days"].isna().all()


def weekly_visitors() -> pd.DataFrame:
    """Web sessions only. Everyone visited weekly for months (a 7-day usual gap in
    customer_lifecycle); one group has been silent for 8 weeks, so the engagement window
    (the last weeks) shows no sessions at all for them."""
    web = {"pages_per_session": 5.0, "avg_session_duration_s": 300.0, "tenure_days": 400.0}
    return population(
        {
            # On rhythm for years: long tenure, last visit 3 days ago.
            "veterans": (40, web | {"sessions_per_week": 1.0, "days_since_last_session": 3.0,
                                    "tenure_days": 1500.0,
                                    "usual_gap_days": 7.0, "days_since_last_activity": 3.0}),
            "weeklies": (40, web | {"sessions_per_week": 1.0, "days_since_last_session": 4.0,
                                    "usual_gap_days": 7.0, "days_since_last_activity": 4.0}),
            # 56 idle days / 7-day usual gap = 8 usual gaps without a visit.
            "silent": (40, web | {"sessions_per_week": 0.0, "days_since_last_session": 56.0,
                                  "usual_gap_days": 7.0, "days_since_last_activity": 56.0}),
        }
    )  # fmt: skip


def test_weekly_visitors_silent_for_eight_weeks_are_churn_risk() -> None:
    assert names_by_group(weekly_visitors(), k=3) == {
        # 8 usual gaps idle, though the window shows no sessions at all.
        "silent": "Churn Risk",
        # Long tenure on rhythm (ratio 0.4): named by tenure and recency, never churn risk.
        "veterans": "High tenure days, recent visit",
        "weeklies": "Low tenure days, frequent sessions",
    }


def test_without_a_lifecycle_no_segment_is_churn_risk() -> None:
    # The same customers without their rhythm (no customer_lifecycle): nothing to be late on.
    features, _ = split_lifecycle(weekly_visitors())
    run = run_segmentation(features, config=SegmentationConfig(k=3))
    assert "Churn Risk" not in run.segments["segment_name"].tolist()


def test_a_seed_rule_must_speak_of_a_feature(tmp_path) -> None:
    path = tmp_path / "segment_naming_rules.csv"
    path.write_text(
        "segment_name,priority,feature,direction,weight,speaks_of,min_segment_median,description\n"
        "Quiet,1,frequency,low,1,false,,Never says what it is about\n"
    )
    with pytest.raises(ValueError, match=r"segment_naming_rules\.csv.*speaks_of.*Quiet"):
        load_naming_rules(path)
