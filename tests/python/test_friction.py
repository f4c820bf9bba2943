"""Journey friction alerts (behaviorseg.friction): known answers, no dbt."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from behaviorseg.friction import FrictionRule, friction_alerts, transition_tests

MONDAY = dt.date(2026, 1, 5)


def week(index: int) -> dt.date:
    return MONDAY + dt.timedelta(weeks=index)


def rows(week_index: int, device: str, counts: dict[tuple[str, str], int]) -> list[dict]:
    return [
        {
            "week_start": week(week_index),
            "device_type": device,
            "segment_id": "all",
            "from_state": from_state,
            "to_state": to_state,
            "transitions": count,
        }
        for (from_state, to_state), count in counts.items()
    ]


# A stable funnel: from each state, where sessions go (the simulation's truth).
CHAIN = {
    "landing": {"browse": 0.55, "product_view": 0.25, "exit": 0.20},
    "browse": {"product_view": 0.5, "search": 0.2, "exit": 0.3},
    "search": {"product_view": 0.6, "exit": 0.4},
    "product_view": {"add_to_cart": 0.2, "browse": 0.3, "exit": 0.5},
    "add_to_cart": {"checkout": 0.45, "product_view": 0.15, "exit": 0.4},
    "checkout": {"purchase": 0.6, "add_to_cart": 0.05, "exit": 0.35},
}


def simulated_weeks(seed: int, weeks: int) -> pd.DataFrame:
    """Multinomial weekly transition counts of an unchanging chain, three devices of very
    different traffic and two segments (plus 'all'), outgoing volume varying week to week."""
    rng = np.random.default_rng(seed)
    parts = []
    for device, volume in (("desktop", 4000), ("mobile", 1500), ("tablet", 150)):
        for segment, share in (("1", 0.7), ("2", 0.3)):
            for index in range(weeks):
                for from_state, targets in CHAIN.items():
                    total = rng.poisson(volume * share)
                    drawn = rng.multinomial(total, list(targets.values()))
                    for to_state, count in zip(targets, drawn, strict=True):
                        parts.append(
                            {
                                "week_start": week(index),
                                "device_type": device,
                                "segment_id": segment,
                                "from_state": from_state,
                                "to_state": to_state,
                                "transitions": int(count),
                            }
                        )
    frame = pd.DataFrame(parts)
    keys = ["week_start", "from_state", "to_state"]
    scopes = [
        frame,
        frame.groupby([*keys, "device_type"], as_index=False)["transitions"]
        .sum()
        .assign(segment_id="all"),
        frame.groupby([*keys, "segment_id"], as_index=False)["transitions"]
        .sum()
        .assign(device_type="all"),
        frame.groupby(keys, as_index=False)["transitions"]
        .sum()
        .assign(device_type="all", segment_id="all"),
    ]
    return pd.concat(scopes, ignore_index=True)


def test_no_change_fires_on_at_most_one_percent_of_tested_transition_weeks() -> None:
    weekly = simulated_weeks(seed=7, weeks=30)
    rule = FrictionRule()
    tests = transition_tests(weekly, rule)
    alerts = friction_alerts(weekly, rule)
    # 22 tested weeks x (3 devices + all) x (2 segments + all) x 17 transitions, minus the
    # tablet segments' steps with fewer than min_transitions.
    assert len(tests) > 3000
    assert len(alerts) <= 0.01 * len(tests)


def test_the_test_has_power_on_the_same_simulation() -> None:
    """The same simulation with checkout -> purchase halved in one week on mobile: found."""
    weekly = simulated_weeks(seed=7, weeks=30)
    hit = (
        (weekly["week_start"] == week(20))
        & (weekly["device_type"] == "mobile")
        & (weekly["from_state"] == "checkout")
        & (weekly["to_state"] == "purchase")
    )
    weekly.loc[hit, "transitions"] = weekly.loc[hit, "transitions"] // 2
    alerts = friction_alerts(weekly)
    found = alerts[(alerts["week_start"] == week(20)) & (alerts["device_type"] == "mobile")]
    assert {"purchase", "exit", "add_to_cart"} >= set(found["to_state"])
    assert "purchase" in set(found["to_state"])


@pytest.fixture(scope="module")
def planted_loop() -> pd.DataFrame:
    """Ten weeks of checkout on two devices: 60 of 100 go to purchase, 40 exit; from week 8
    mobile sends 50 of 100 back to the cart, 30 buy, 20 exit. Desktop never changes."""
    weekly = []
    for index in range(10):
        weekly += rows(index, "desktop", {("checkout", "purchase"): 60, ("checkout", "exit"): 40})
        if index < 8:
            weekly += rows(
                index, "mobile", {("checkout", "purchase"): 60, ("checkout", "exit"): 40}
            )
        else:
            weekly += rows(
                index,
                "mobile",
                {
                    ("checkout", "add_to_cart"): 50,
                    ("checkout", "purchase"): 30,
                    ("checkout", "exit"): 20,
                },
            )
    return pd.DataFrame(weekly)


def test_a_planted_loop_gives_the_expected_alert_rows(planted_loop: pd.DataFrame) -> None:
    alerts = friction_alerts(planted_loop, FrictionRule(baseline_weeks=8))
    got = alerts[["week_start", "device_type", "to_state", "direction", "severity", "transitions"]]
    # Week 8 against weeks 0-7 (add_to_cart 0%, purchase 60%, exit 40%); week 9 against weeks
    # 1-7 (week 8 alerted, so it stays out of the baseline): the same shares.
    expected = pd.DataFrame(
        [
            (week(8), "mobile", "add_to_cart", "rise", "critical", 50),
            (week(8), "mobile", "exit", "fall", "critical", 20),
            (week(8), "mobile", "purchase", "fall", "critical", 30),
            (week(9), "mobile", "add_to_cart", "rise", "critical", 50),
            (week(9), "mobile", "exit", "fall", "critical", 20),
            (week(9), "mobile", "purchase", "fall", "critical", 30),
        ],
        columns=got.columns,
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
    first = alerts.iloc[0]
    assert first["baseline_probability"] == 0.0
    assert first["probability"] == 0.5
    assert first["sentence"] == "mobile: checkout -> add_to_cart rose from 0% to 50%"
    second_week = alerts[(alerts["week_start"] == week(9)) & (alerts["to_state"] == "purchase")]
    assert second_week["baseline_probability"].iloc[0] == pytest.approx(420 / 700)
    assert (alerts["p_value"] < 0.05).all()


def test_a_lasting_change_becomes_the_baseline() -> None:
    """Alerted weeks stay out of the baseline until fewer than half of it would remain."""
    weekly = []
    for index in range(20):
        bought = 60 if index < 8 else 30
        weekly += rows(
            index, "all", {("checkout", "purchase"): bought, ("checkout", "exit"): 100 - bought}
        )
    alerts = friction_alerts(pd.DataFrame(weekly), FrictionRule(baseline_weeks=8))
    falls = alerts[alerts["to_state"] == "purchase"]["week_start"].tolist()
    # Weeks 8-11 are judged against the old level (weeks 0-7 minus none, then fewer and
    # fewer old weeks); from week 12 fewer than 4 unalerted weeks remain and the new level is
    # the baseline.
    assert falls[0] == week(8)
    assert all(day < week(14) for day in falls)


def test_few_transitions_are_not_tested(planted_loop: pd.DataFrame) -> None:
    assert friction_alerts(planted_loop, FrictionRule(min_transitions=101)).empty


def test_a_small_change_is_a_warning_or_nothing() -> None:
    weekly = []
    for index in range(9):
        bought = 600 if index < 8 else 520
        weekly += rows(
            index, "all", {("checkout", "purchase"): bought, ("checkout", "exit"): 1000 - bought}
        )
    alerts = friction_alerts(pd.DataFrame(weekly))
    assert set(alerts["severity"]) == {"warning"}
    assert set(alerts["to_state"]) == {"purchase", "exit"}
    strict = friction_alerts(pd.DataFrame(weekly), FrictionRule(min_abs_change=0.1))
    assert strict.empty


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="journey_baseline_weeks"):
        FrictionRule(baseline_weeks=0)
    with pytest.raises(ValueError, match="journey_critical_abs_change"):
        FrictionRule(min_abs_change=0.2, critical_abs_change=0.1)
