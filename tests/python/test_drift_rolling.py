"""Rolling control charts over the whole history: sustained shifts, pooled days, planted shifts."""

import numpy as np
import pandas as pd

from behaviorseg.drift import (
    RULE_BEYOND_3_SIGMA,
    RULE_SUSTAINED_SHIFT,
    chart_alerts,
    pooled_blocks,
    rolling_control_chart,
    sustained_shift_flags,
)
from behaviorseg.monitoring import control_chart_table, spc_alert_table

START = pd.Timestamp("2025-01-06")


def daily(values: np.ndarray, **columns: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"date": pd.date_range(START, periods=len(values), freq="D"), "value": values, **columns}
    )


def test_a_sustained_shift_fires_from_its_seventh_day() -> None:
    z = np.array([0.0] * 10 + [1.6] * 8 + [0.0, 1.6])
    assert np.flatnonzero(sustained_shift_flags(z)).tolist() == [16, 17]
    assert (sustained_shift_flags(-z)[16:18] == -1).all()
    # Six days beyond 1.5 sigma, or seven that cross sides, are not a sustained shift.
    assert not sustained_shift_flags(np.array([1.6] * 6 + [1.4] + [1.6] * 6)).any()
    assert not sustained_shift_flags(np.array([1.6, -1.6] * 10)).any()


def test_pooled_blocks_end_on_the_last_day_and_drop_a_partial_block() -> None:
    frame = daily(np.arange(1.0, 11.0))
    pooled = pooled_blocks(frame, 3)
    assert pooled["value"].tolist() == [9.0, 18.0, 27.0]
    assert pooled["date"].tolist() == [START + pd.Timedelta(days=d) for d in (3, 6, 9)]
    rate = daily(
        np.full(6, 0.5), numerator=np.array([1, 2, 3, 0, 0, 6.0]), denominator=np.full(6, 4.0)
    )
    assert pooled_blocks(rate, 3)["value"].tolist() == [0.5, 0.5]


def test_every_past_incident_is_found_and_monitor_days_limits_the_alerts() -> None:
    rng = np.random.default_rng(11)
    values = rng.poisson(200, 300).astype(float)
    values[150:171] = rng.poisson(100, 21)  # an incident long before the end
    chart = rolling_control_chart(daily(values), deseasonalise=False)
    alerts = chart_alerts(chart)
    critical = alerts[alerts["severity"] == "critical"]
    day = (critical["alert_date"] - START).dt.days
    during = critical[(day >= 150) & (day < 171)]
    assert during["alert_date"].min() == START + pd.Timedelta(days=150)
    assert RULE_SUSTAINED_SHIFT in set(during["rule"])
    assert len(critical) - len(during) <= 3
    # Every day after the first 28 has limits of its own baseline.
    assert chart["is_monitored"].sum() == 300 - 28
    recent = rolling_control_chart(daily(values), deseasonalise=False, monitor_days=30)
    assert recent["is_monitored"].sum() == 30
    assert (chart_alerts(recent)["alert_date"] >= START + pd.Timedelta(days=270)).all()


def test_a_sparse_series_is_judged_on_pooled_days() -> None:
    rng = np.random.default_rng(5)
    values = rng.poisson(3.0, 280).astype(float)
    values[196:] = rng.poisson(0.5, 84)  # falls to a sixth from day 196 (a Monday)
    series = daily(values).assign(segment_id="7", segment_name="Seven", metric="orders")
    charts = control_chart_table(series, min_daily_events=20, pool_days=7)
    assert (charts["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    alerts = spc_alert_table(charts)
    critical = alerts[alerts["severity"] == "critical"]
    first = critical["alert_date"].min()
    # Judged a week at a time: critical within three weeks of the fall, nothing before it.
    assert START + pd.Timedelta(days=196) <= first <= START + pd.Timedelta(days=196 + 21)
    assert set(alerts["device_type"]) == {"all"}
    # Daily, the same series would be judged day by day.
    assert len(control_chart_table(series, min_daily_events=1)) == len(values)


def test_a_stable_rate_with_its_denominator_raises_few_critical_alerts() -> None:
    rng = np.random.default_rng(9)
    sessions = rng.poisson(800, 365).astype(float)
    bought = rng.binomial(sessions.astype(int), 0.3).astype(float)
    series = daily(bought / sessions, numerator=bought, denominator=sessions).assign(
        segment_id="all",
        segment_name="All",
        metric="step_conversion_checkout",
        device_type="mobile",
    )
    alerts = spc_alert_table(control_chart_table(series))
    critical = alerts[alerts["severity"] == "critical"]
    assert len(critical) <= 6  # about 1.7% of 351 judged days
    assert set(critical["rule"]) <= {RULE_BEYOND_3_SIGMA, RULE_SUSTAINED_SHIFT}
    assert set(alerts["device_type"]) <= {"mobile"}
