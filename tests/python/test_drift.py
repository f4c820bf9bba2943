"""SPC charts with Western Electric rules, and PSI: hand-made sequences and planted drifts."""

import numpy as np
import pandas as pd
import pytest

from behaviorseg.drift import (
    ALERT_COLUMNS,
    D2_MOVING_RANGE,
    PSI_COLUMNS,
    RULE_2_OF_3_BEYOND_2_SIGMA,
    RULE_4_OF_5_BEYOND_1_SIGMA,
    RULE_BEYOND_3_SIGMA,
    RULE_RUN_ON_ONE_SIDE,
    SPC_RULES,
    chart_alerts,
    control_chart,
    individuals_limits,
    population_stability_index,
    psi_alerts,
    psi_by_segment,
    psi_severity,
    spc_alerts,
    standardise,
    western_electric_flags,
)

START = pd.Timestamp("2024-01-01")
WEEKDAY_FACTORS = np.array([1.2, 1.1, 1.0, 1.0, 1.05, 0.8, 0.85])


def fired(z: list[float], **kwargs) -> dict[str, list[int]]:
    """Positions where each rule fires on a z sequence."""
    flags = western_electric_flags(np.array(z, dtype=float), **kwargs)
    return {rule: np.flatnonzero(sides).tolist() for rule, sides in flags.items()}


def only(rule: str, positions: list[int]) -> dict[str, list[int]]:
    return {name: (positions if name == rule else []) for name in SPC_RULES}


# --- Western Electric rules on hand-made z sequences ------------------------------------------


def test_rule_1_one_point_beyond_three_sigma():
    assert fired([0, 0, 0, 3.5, 0, 0]) == only(RULE_BEYOND_3_SIGMA, [3])
    assert fired([0, 0, -3.2, 0]) == only(RULE_BEYOND_3_SIGMA, [2])
    assert fired([0, 2.9, 0, 0]) == only(RULE_BEYOND_3_SIGMA, [])


def test_rule_2_two_of_three_beyond_two_sigma_same_side():
    assert fired([0, 2.5, 0.5, 2.5, 0, 0]) == only(RULE_2_OF_3_BEYOND_2_SIGMA, [3])
    assert fired([0, -2.5, -2.5, 0]) == only(RULE_2_OF_3_BEYOND_2_SIGMA, [2])
    assert fired([0, 2.5, -2.5, 0, 0]) == only(RULE_2_OF_3_BEYOND_2_SIGMA, [])  # opposite sides
    assert fired([2.5, 0, 0, 2.5, 0]) == only(RULE_2_OF_3_BEYOND_2_SIGMA, [])  # 3 apart


def test_rule_3_four_of_five_beyond_one_sigma_same_side():
    z = [0, 1.5, 1.5, 0.5, 1.5, 1.5, 0, 0]
    assert fired(z) == only(RULE_4_OF_5_BEYOND_1_SIGMA, [5])
    assert fired([-1.5, -1.5, -1.5, 0, -1.5, 0]) == only(RULE_4_OF_5_BEYOND_1_SIGMA, [4])
    assert fired([0, 1.5, 1.5, 0, 1.5, 0, 0]) == only(RULE_4_OF_5_BEYOND_1_SIGMA, [])


def test_rule_4_eight_in_a_row_on_one_side():
    assert fired([0] + [0.5] * 8 + [0]) == only(RULE_RUN_ON_ONE_SIDE, [8])
    assert fired([0] + [-0.5] * 9) == only(RULE_RUN_ON_ONE_SIDE, [8, 9])
    assert fired([0] + [0.5] * 7 + [0]) == only(RULE_RUN_ON_ONE_SIDE, [])
    assert fired([0] + [0.5] * 8, run_length=9) == only(RULE_RUN_ON_ONE_SIDE, [])


def test_no_rule_fires_on_a_flat_sequence():
    assert fired([0.0] * 30) == only(RULE_BEYOND_3_SIGMA, [])
    assert fired([0.3, -0.3] * 15) == only(RULE_BEYOND_3_SIGMA, [])


# --- Individuals chart -------------------------------------------------------------------------


def chart_input(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range(START, periods=len(values)), "value": values})


def test_limits_come_from_the_moving_range():
    limits = individuals_limits(np.array([10.0, 12.0] * 10))
    assert limits.centre == pytest.approx(11.0)
    assert limits.sigma == pytest.approx(2.0 / D2_MOVING_RANGE)


def test_chart_alerts_report_value_limit_and_severity():
    sigma = 2.0 / D2_MOVING_RANGE
    baseline = [10.0, 12.0] * 10  # centre 11, sigma 1.773
    monitored = [11.0] * 5 + [11 + 3.5 * sigma] + [11.0] * 4
    chart = control_chart(
        chart_input(baseline + monitored), baseline_days=20, monitor_days=10, deseasonalise=False
    )
    assert chart["is_baseline"].sum() == 20
    assert chart["is_monitored"].sum() == 10
    assert chart["ucl"].iloc[0] == pytest.approx(11 + 3 * sigma)
    alerts = chart_alerts(chart)
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert alert["alert_date"] == START + pd.Timedelta(days=25)
    assert alert["rule"] == RULE_BEYOND_3_SIGMA
    assert alert["value"] == pytest.approx(11 + 3.5 * sigma)
    assert alert["limit"] == pytest.approx(11 + 3 * sigma)
    assert alert["severity"] == "critical"


def test_flat_monitoring_period_raises_nothing_and_runs_are_collapsed():
    baseline = [10.0, 12.0] * 10
    flat = chart_input(baseline + [11.0] * 20)
    assert chart_alerts(control_chart(flat, baseline_days=20, deseasonalise=False)).empty

    # +0.28 sigma from day 20 on; the baseline ends below the centre, so the run starts on day 20
    shifted = chart_input([12.0, 10.0] * 10 + [11.5] * 20)
    chart = control_chart(shifted, baseline_days=20, monitor_days=20, deseasonalise=False)
    alerts = chart_alerts(chart)
    assert alerts["rule"].tolist() == [RULE_RUN_ON_ONE_SIDE]
    assert alerts["alert_date"].iloc[0] == START + pd.Timedelta(days=27)  # 8th shifted day
    assert alerts["limit"].iloc[0] == pytest.approx(11.0)
    every_day = chart_alerts(chart, collapse_runs=False)
    assert len(every_day) == 13
    assert chart_alerts(chart, rules=[RULE_BEYOND_3_SIGMA]).empty


def test_short_baseline_gives_no_chart():
    chart = control_chart(chart_input([1.0] * 20), baseline_days=10, monitor_days=10)
    assert chart.empty
    assert chart_alerts(chart).empty


def poisson_series(
    seed: int, *, mean: float = 40.0, days: int = 365, drop_day: int | None = None
) -> pd.DataFrame:
    """Daily Poisson counts with a weekly pattern; halved from drop_day on."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    expected = mean * WEEKDAY_FACTORS[t % 7]
    if drop_day is not None:
        expected[drop_day:] *= 0.5
    return chart_input(rng.poisson(expected).astype(float).tolist())


def test_stable_seasonal_series_raise_few_alerts():
    # Defaults: last 56 days monitored against the 91 days before, de-seasonalised by STL.
    # The four rules flag 1.6% of in-control points even with exact limits; over these 20
    # series 2.2% of monitored days have an alert (25 of 1120, ~1 per series per 8 weeks).
    alert_days = monitored_days = 0
    for seed in range(20):
        chart = control_chart(poisson_series(seed))
        alert_days += chart_alerts(chart)["alert_date"].nunique()
        monitored_days += int(chart["is_monitored"].sum())
    assert monitored_days == 20 * 56
    assert alert_days / monitored_days < 0.04


def test_planted_level_drop_is_caught_within_14_days():
    drop_day = 330
    frame = pd.concat(
        [
            poisson_series(seed, mean=mean, drop_day=drop_day).assign(
                segment_id=f"segment_{seed}", metric=f"mean_{mean:g}"
            )
            for seed in range(5)
            for mean in (10.0, 40.0)
        ],
        ignore_index=True,
    )
    alerts = spc_alerts(frame)
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    drop_date = START + pd.Timedelta(days=drop_day)
    for (segment_id, metric), _ in frame.groupby(["segment_id", "metric"]):
        series_alerts = alerts.loc[
            (alerts["segment_id"] == segment_id) & (alerts["metric"] == metric)
        ]
        after = series_alerts.loc[series_alerts["alert_date"] >= drop_date, "alert_date"]
        assert not after.empty, (segment_id, metric)
        assert (after.min() - drop_date).days < 14, (segment_id, metric)
        downward = series_alerts.loc[series_alerts["alert_date"] >= drop_date]
        assert (downward["value"] <= downward["limit"]).all()  # alerts below the limits


# --- Population stability index ----------------------------------------------------------------


def test_psi_of_identical_distributions_is_about_zero():
    rng = np.random.default_rng(0)
    sample = rng.gamma(2.0, 50.0, 5000)
    assert population_stability_index(sample, sample) == pytest.approx(0.0, abs=1e-12)
    other = rng.gamma(2.0, 50.0, 5000)
    assert population_stability_index(sample, other) < 0.02


def test_psi_of_shifted_distributions_is_critical():
    rng = np.random.default_rng(1)
    previous = rng.normal(100, 15, 5000)
    shifted = rng.normal(115, 15, 5000)  # one standard deviation
    psi = population_stability_index(previous, shifted)
    assert psi > 0.25
    assert psi_severity(psi) == "critical"
    assert psi_severity(0.05) == "none"
    assert psi_severity(0.1) == "warning"
    assert psi_severity(0.25) == "warning"


def test_psi_matches_a_hand_computed_case():
    previous = np.arange(10, dtype=float)  # 10 bins of one value each: 10% per bin
    current = np.array([0.0] * 5 + [9.0] * 5)  # 50% in the first and in the last bin
    expected = 2 * (0.5 - 0.1) * np.log(0.5 / 0.1) + 8 * (1e-4 - 0.1) * np.log(1e-4 / 0.1)
    assert population_stability_index(previous, current) == pytest.approx(expected)
    assert np.isnan(population_stability_index([], current))


def test_psi_by_segment_and_alerts():
    rng = np.random.default_rng(2)

    def customers(segment_id: str, n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "customer_id": np.arange(n),
                "segment_id": segment_id,
                "orders": rng.poisson(3 + shift, n),
                "revenue": rng.gamma(2.0, 50.0 * (1 + shift), n),
            }
        )

    previous = pd.concat([customers("a", 2000, 0), customers("b", 2000, 0)])
    current = pd.concat([customers("a", 2000, 0), customers("b", 2000, 1.5), customers("c", 5, 0)])
    psi = psi_by_segment(previous, current)
    assert list(psi.columns) == list(PSI_COLUMNS)
    assert set(psi["feature"]) == {"orders", "revenue"}  # customer_id is an id, not a feature
    by_key = psi.set_index(["segment_id", "feature"])
    assert by_key.loc[("a", "revenue"), "severity"] == "none"
    assert by_key.loc[("b", "revenue"), "severity"] == "critical"
    assert by_key.loc[("b", "orders"), "psi"] > 0.25
    assert by_key.loc[("c", "orders"), "severity"] == "insufficient_data"

    alerts = psi_alerts(psi, "2024-06-30")
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert set(alerts["segment_id"]) == {"b"}
    assert (alerts["rule"] == "psi").all()
    assert (alerts["limit"] == 0.25).all()
    assert (alerts["value"] > alerts["limit"]).all()
    assert psi_alerts(psi.iloc[0:0], "2024-06-30").empty


def test_control_charts_reuse_the_decomposition_and_chart_the_same() -> None:
    from behaviorseg.monitoring import control_chart_table, decomposition_table

    rng = np.random.default_rng(3)
    days = pd.date_range(START, periods=200, freq="D")
    weekly = np.tile(WEEKDAY_FACTORS, 30)[: len(days)]
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "segment_id": segment,
                    "segment_name": f"Segment {segment}",
                    "metric": "sessions",
                    "date": days,
                    "value": 100 * weekly + rng.normal(0, 5, len(days)),
                }
            )
            for segment in ("1", "2")
        ]
        # Too short to decompose: charted as observed either way.
        + [
            pd.DataFrame(
                {
                    "segment_id": "3",
                    "segment_name": "Segment 3",
                    "metric": "sessions",
                    "date": days[:10],
                    "value": 10.0,
                }
            )
        ],
        ignore_index=True,
    )
    fitted_here = control_chart_table(long, baseline_days=91, monitor_days=56)
    reused = control_chart_table(
        long, baseline_days=91, monitor_days=56, decomposition=decomposition_table(long)
    )
    pd.testing.assert_frame_equal(reused, fitted_here)
    assert not fitted_here.empty
    # The decomposition's component is what gets removed (STL is not fitted again).
    shifted = decomposition_table(long)
    shifted["seasonal"] = shifted["seasonal"] + 1.0
    moved = control_chart_table(long, baseline_days=91, monitor_days=56, decomposition=shifted)
    decomposed = moved["segment_id"].isin(["1", "2"])
    np.testing.assert_allclose(
        moved.loc[decomposed, "charted"].astype(float),
        fitted_here.loc[decomposed, "charted"].astype(float) - 1.0,
    )


def test_a_flat_baseline_gives_far_but_finite_z_scores() -> None:
    # Baseline 10 every day: sigma is floored at 1% of the level (0.1), so 11 is 10 sigma out.
    limits = individuals_limits(np.full(20, 10.0))
    assert limits.sigma == pytest.approx(0.1)
    np.testing.assert_allclose(standardise(np.array([10.0, 11.0, 9.0]), limits), [0, 10, -10])
    # A baseline of zeros has no level to floor by: a departure is capped at 1,000, not inf.
    zeros = individuals_limits(np.zeros(20))
    assert standardise(np.array([0.0, 3.0, -1e9]), zeros).tolist() == [0.0, 1000.0, -1000.0]
