"""Segment drift, control charts: individuals charts with Western Electric rules.

Two modes. ``control_chart`` (below) learns fixed limits on one baseline window and monitors
the days after it. ``rolling_control_chart`` (what segment_control_charts runs) judges every
day against the baseline window before it, with robust limits (median, median moving range),
a critical sustained-shift rule (``sustained_shift_flags``) and pooled blocks of days for
sparse series (``pooled_blocks``): docs/journeys-and-time-series.md.

Control chart, per daily series (date, value; missing days completed with 0 as in
``behaviorseg.timeseries``):

- The charted series is de-seasonalised: value minus the robust STL weekly component
  (``behaviorseg.timeseries.decompose_series``), i.e. trend + residual, still daily. On raw
  daily values the weekday swing inflates the moving range, so the limits get wide and a
  drift shows late (a 25% drop on Poisson series with a weekend dip: 11-13 days on average,
  some never, against 3-4 days de-seasonalised); weekly sums would also remove the cycle
  but need weeks of data to react, and the issue wants drifts caught within 14 days. Series
  too short for STL (< 14 days) are charted raw; ``deseasonalise=False`` charts values as
  given.
- Baseline and monitoring period: by default the last ``monitor_days`` (56) days are
  monitored against a baseline of the ``baseline_days`` (91) days before them, so slow
  growth over a year does not read as drift. ``monitor_start`` sets the first monitored day
  instead; ``monitor_days=None`` (and no ``monitor_start``) uses the first ``baseline_days``
  days as baseline and monitors everything after. The centre line is the baseline mean and
  sigma = mean moving range / 1.128 (the d2 constant for ranges of two), limits at centre
  +- 3 sigma. A baseline with fewer than ``min_baseline_days`` (14) days gives no chart and
  no alerts. Sigma has a floor of 1% of the baseline's mean absolute level
  (``behaviorseg.timeseries.scale_floor``), and z is capped at +-1,000
  (``behaviorseg.timeseries.MAX_ABS_Z``): a flat baseline's later departures are far out (and
  flagged) without becoming infinite; equality is not.
- Western Electric rules, on the standardised z = (charted - centre) / sigma:
  1. one point beyond 3 sigma (``we1_beyond_3_sigma``, severity ``critical``);
  2. 2 of 3 consecutive points beyond 2 sigma on the same side (``we2_2_of_3_beyond_2_sigma``);
  3. 4 of 5 consecutive points beyond 1 sigma on the same side (``we3_4_of_5_beyond_1_sigma``);
  4. 8 consecutive points on the same side of the centre line (``we4_8_on_one_side``; the
     original Western Electric handbook uses 8, Nelson's rules 9; ``run_length`` sets it).
  Rules 2-4 have severity ``warning``. A rule fires on the point that completes its pattern,
  and for rules 2 and 3 that point must itself be beyond the zone, so the reported value is
  always on the far side of the reported limit. Windows may reach back into the baseline;
  only monitoring-period points raise alerts. With ``collapse_runs`` (default) a rule firing
  on consecutive days is reported once, on the first day: one alert per episode.
- Alert rows: segment_id, metric, alert_date, rule, value (the charted value), limit (the
  limit crossed: centre +- 3/2/1 sigma for rules 1-3, the centre line for rule 4), severity.
- False alarms: even with exact limits the four rules together flag 1.6% of in-control
  normal points (rule 1 alone 0.27%). On stable synthetic Poisson series (means 5-200, weekly
  pattern, 365 days, defaults) 2.2% of monitored days raised an alert, about one per series
  per 8-week window; a 50% drop was caught within 1 day at mean 40, within 9 days at mean 10.
  ``rules`` restricts the rules reported when fewer alerts are wanted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from behaviorseg.drift.alerts import ALERT_COLUMNS
from behaviorseg.timeseries import (
    DEFAULT_SERIES_KEYS,
    MAX_ABS_Z,
    SCALE_FLOOR_FRACTION,
    complete_daily_series,
    decompose_series,
    scale_floor,
)

D2_MOVING_RANGE = 1.128
MEDIAN_MOVING_RANGE = 0.954
DEFAULT_BASELINE_DAYS = 91
DEFAULT_MONITOR_DAYS = 56
MIN_BASELINE_DAYS = 14
# A rolling chart's first limits: four weeks, so the first judged days do not rest on two.
MIN_ROLLING_BASELINE_DAYS = 28
DEFAULT_RUN_LENGTH = 8

RULE_BEYOND_3_SIGMA = "we1_beyond_3_sigma"
RULE_2_OF_3_BEYOND_2_SIGMA = "we2_2_of_3_beyond_2_sigma"
RULE_4_OF_5_BEYOND_1_SIGMA = "we3_4_of_5_beyond_1_sigma"
RULE_RUN_ON_ONE_SIDE = "we4_8_on_one_side"
RULE_SUSTAINED_SHIFT = "sustained_shift"
DEFAULT_SHIFT_SIGMAS = 1.5
DEFAULT_SHIFT_DAYS = 7
SPC_RULES: tuple[str, ...] = (
    RULE_BEYOND_3_SIGMA,
    RULE_2_OF_3_BEYOND_2_SIGMA,
    RULE_4_OF_5_BEYOND_1_SIGMA,
    RULE_RUN_ON_ONE_SIDE,
)
# The rules a chart carries: Western Electric's, and a sustained shift.
CHART_RULES: tuple[str, ...] = (*SPC_RULES, RULE_SUSTAINED_SHIFT)
RULE_SIGMAS = {
    RULE_BEYOND_3_SIGMA: 3.0,
    RULE_2_OF_3_BEYOND_2_SIGMA: 2.0,
    RULE_4_OF_5_BEYOND_1_SIGMA: 1.0,
    RULE_RUN_ON_ONE_SIDE: 0.0,
    RULE_SUSTAINED_SHIFT: 0.0,
}
RULE_SEVERITY = {
    RULE_BEYOND_3_SIGMA: "critical",
    RULE_2_OF_3_BEYOND_2_SIGMA: "warning",
    RULE_4_OF_5_BEYOND_1_SIGMA: "warning",
    RULE_RUN_ON_ONE_SIDE: "warning",
    RULE_SUSTAINED_SHIFT: "critical",
}


CHART_COLUMNS: tuple[str, ...] = (
    "date",
    "value",
    "charted",
    "centre",
    "sigma",
    "lcl",
    "ucl",
    "z",
    "is_baseline",
    "is_monitored",
    *CHART_RULES,
)


@dataclass(frozen=True)
class ControlLimits:
    """Centre line and sigma of an individuals chart."""

    centre: float
    sigma: float

    def limit(self, sigmas: float, side: int) -> float:
        """centre + side * sigmas * sigma (side +1 above, -1 below)."""
        return self.centre + side * sigmas * self.sigma


# --- Individuals chart -------------------------------------------------------------------------


def individuals_limits(baseline: np.ndarray) -> ControlLimits:
    """Centre = mean, sigma = mean moving range / 1.128 of the baseline values."""
    baseline = np.asarray(baseline, dtype=float)
    baseline = baseline[np.isfinite(baseline)]
    if baseline.size < 2:
        raise ValueError("an individuals chart needs at least 2 baseline points")
    moving_range = np.abs(np.diff(baseline))
    sigma = max(float(moving_range.mean() / D2_MOVING_RANGE), scale_floor(baseline))
    return ControlLimits(centre=float(baseline.mean()), sigma=sigma)


def standardise(values: np.ndarray, limits: ControlLimits) -> np.ndarray:
    """z = (x - centre) / sigma, capped at +-MAX_ABS_Z; with sigma 0, 0 on the centre and
    +-MAX_ABS_Z off it."""
    deviation = np.asarray(values, dtype=float) - limits.centre
    if limits.sigma > 0:
        return np.clip(deviation / limits.sigma, -MAX_ABS_Z, MAX_ABS_Z)
    return np.where(deviation == 0, 0.0, np.sign(deviation) * MAX_ABS_Z)


def western_electric_flags(
    z: np.ndarray, *, run_length: int = DEFAULT_RUN_LENGTH
) -> dict[str, np.ndarray]:
    """Per rule, the side (+1 above, -1 below, 0 not firing) at each point of a z sequence."""
    z = np.asarray(z, dtype=float)
    flags = {rule: np.zeros(z.size, dtype=int) for rule in SPC_RULES}
    for side in (1, -1):
        signed = side * np.nan_to_num(z, nan=0.0)
        fired = {
            RULE_BEYOND_3_SIGMA: signed > 3,
            RULE_2_OF_3_BEYOND_2_SIGMA: (signed > 2) & (_window_count(signed > 2, 3) >= 2),
            RULE_4_OF_5_BEYOND_1_SIGMA: (signed > 1) & (_window_count(signed > 1, 5) >= 4),
            RULE_RUN_ON_ONE_SIDE: _window_count(signed > 0, run_length) >= run_length,
        }
        for rule, mask in fired.items():
            flags[rule][mask] = side
    return flags


def _window_count(mask: np.ndarray, window: int) -> np.ndarray:
    """How many of the last ``window`` points (this one included) are True; 0 until full."""
    counts = np.convolve(mask.astype(int), np.ones(window, dtype=int))[: mask.size]
    counts[: window - 1] = 0
    return counts


def charted_values(
    daily: pd.DataFrame, *, deseasonalise: bool = True, seasonal: np.ndarray | None = None
) -> np.ndarray:
    """The values to chart: value minus the STL weekly component (or as given).

    ``seasonal`` is that component when it is already known (the decomposition of the same
    completed daily series), so the STL fit is not repeated; NaN where it was not decomposed.
    """
    values = daily["value"].to_numpy(dtype=float)
    if not deseasonalise:
        return values
    if seasonal is None:
        decomposed = decompose_series(daily, fill_value=None)
        if not decomposed["is_decomposed"].all():
            return values
        seasonal = decomposed["seasonal"].to_numpy(dtype=float)
    seasonal = np.asarray(seasonal, dtype=float)
    if len(seasonal) != len(values) or not np.isfinite(seasonal).all():
        return values
    return values - seasonal


def seasonal_on(dates: pd.Series, seasonal: pd.Series | None) -> np.ndarray | None:
    """A known seasonal component (indexed by date) on the given dates (NaN where absent)."""
    if seasonal is None:
        return None
    by_date = pd.Series(seasonal.to_numpy(dtype=float), index=pd.to_datetime(seasonal.index))
    return by_date.reindex(pd.to_datetime(dates)).to_numpy(dtype=float)


def baseline_and_monitoring(
    dates: pd.Series,
    *,
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    monitor_days: int | None = DEFAULT_MONITOR_DAYS,
    monitor_start: pd.Timestamp | str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (is_baseline, is_monitored) over a sorted daily date column.

    ``monitor_start`` wins over ``monitor_days`` (the last days of the series); the baseline is
    the ``baseline_days`` days before the monitoring period. With neither, the first
    ``baseline_days`` days are the baseline and all later days are monitored.
    """
    dates = pd.to_datetime(dates).reset_index(drop=True)
    if dates.empty:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    if monitor_start is None and monitor_days is not None:
        monitor_start = dates.iloc[-1] - pd.Timedelta(days=monitor_days - 1)
    if monitor_start is None:
        is_baseline = np.arange(len(dates)) < baseline_days
        return is_baseline, ~is_baseline
    start = pd.Timestamp(monitor_start).normalize()
    is_monitored = (dates >= start).to_numpy()
    is_baseline = ((dates < start) & (dates >= start - pd.Timedelta(days=baseline_days))).to_numpy()
    return is_baseline, is_monitored


def control_chart(
    series: pd.DataFrame,
    *,
    date_col: str = "date",
    value_col: str = "value",
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    monitor_days: int | None = DEFAULT_MONITOR_DAYS,
    monitor_start: pd.Timestamp | str | None = None,
    min_baseline_days: int = MIN_BASELINE_DAYS,
    deseasonalise: bool = True,
    run_length: int = DEFAULT_RUN_LENGTH,
    fill_value: float | None = 0.0,
    seasonal: pd.Series | None = None,
) -> pd.DataFrame:
    """An individuals chart of one daily series (columns ``CHART_COLUMNS``).

    Rule columns hold the side a rule fires on (+1 / -1) or 0. Empty when the baseline has
    fewer than ``min_baseline_days`` days. ``seasonal`` (by date) is the series' STL weekly
    component when a decomposition already has it; without it STL is fitted here.
    """
    daily = complete_daily_series(
        series, date_col=date_col, value_col=value_col, fill_value=fill_value
    )
    is_baseline, is_monitored = baseline_and_monitoring(
        daily["date"],
        baseline_days=baseline_days,
        monitor_days=monitor_days,
        monitor_start=monitor_start,
    )
    if is_baseline.sum() < max(min_baseline_days, 2):
        return pd.DataFrame(columns=list(CHART_COLUMNS))
    known_seasonal = seasonal_on(daily["date"], seasonal)
    charted = charted_values(daily, deseasonalise=deseasonalise, seasonal=known_seasonal)
    limits = individuals_limits(charted[is_baseline])
    z = standardise(charted, limits)
    chart = daily.assign(
        charted=charted,
        centre=limits.centre,
        sigma=limits.sigma,
        lcl=limits.limit(3, -1),
        ucl=limits.limit(3, 1),
        z=z,
        is_baseline=is_baseline,
        is_monitored=is_monitored,
    )
    for rule, sides in western_electric_flags(z, run_length=run_length).items():
        chart[rule] = sides
    chart[RULE_SUSTAINED_SHIFT] = sustained_shift_flags(z)
    return chart.loc[:, list(CHART_COLUMNS)]


def chart_alerts(
    chart: pd.DataFrame,
    *,
    collapse_runs: bool = True,
    rules: Sequence[str] = CHART_RULES,
) -> pd.DataFrame:
    """Alert rows (alert_date, rule, value, limit, severity) from a chart's monitored points."""
    unknown = sorted(set(rules) - set(CHART_RULES))
    if unknown:
        raise ValueError(f"unknown rules {unknown}; known: {list(CHART_RULES)}")
    rows = []
    for rule in rules:
        if chart.empty:
            break
        sides = chart[rule].to_numpy(dtype=int)
        firing = (sides != 0) & chart["is_monitored"].to_numpy(dtype=bool)
        if collapse_runs:
            previous = np.concatenate([[0], sides[:-1]])
            firing &= sides != previous  # first day of a run (or a change of side)
        for position in np.flatnonzero(firing):
            limits = ControlLimits(chart["centre"].iat[position], chart["sigma"].iat[position])
            rows.append(
                {
                    "alert_date": chart["date"].iat[position],
                    "rule": rule,
                    "value": float(chart["charted"].iat[position]),
                    "limit": float(limits.limit(RULE_SIGMAS[rule], int(sides[position]))),
                    "severity": RULE_SEVERITY[rule],
                }
            )
    columns = ["alert_date", "rule", "value", "limit", "severity"]
    alerts = pd.DataFrame(rows, columns=columns)
    return alerts.sort_values(["alert_date", "rule"], kind="stable").reset_index(drop=True)


def spc_alerts(
    frame: pd.DataFrame,
    *,
    keys: Sequence[str] = DEFAULT_SERIES_KEYS,
    date_col: str = "date",
    value_col: str = "value",
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    monitor_days: int | None = DEFAULT_MONITOR_DAYS,
    monitor_start: pd.Timestamp | str | None = None,
    min_baseline_days: int = MIN_BASELINE_DAYS,
    deseasonalise: bool = True,
    run_length: int = DEFAULT_RUN_LENGTH,
    collapse_runs: bool = True,
    rules: Sequence[str] = CHART_RULES,
    fill_value: float | None = 0.0,
) -> pd.DataFrame:
    """Control-chart alerts for every series of a long frame (segment_id, metric, date, value).

    Returns ``ALERT_COLUMNS`` (the keys first when they are not segment_id/metric), ordered by
    keys, alert_date and rule.
    """
    keys = list(keys)
    parts = []
    for key_values, series in frame.groupby(keys, sort=True):
        chart = control_chart(
            series,
            date_col=date_col,
            value_col=value_col,
            baseline_days=baseline_days,
            monitor_days=monitor_days,
            monitor_start=monitor_start,
            min_baseline_days=min_baseline_days,
            deseasonalise=deseasonalise,
            run_length=run_length,
            fill_value=fill_value,
        )
        alerts = chart_alerts(chart, collapse_runs=collapse_runs, rules=rules)
        for key, value in zip(keys, key_values, strict=True):
            alerts[key] = value
        parts.append(alerts)
    columns = list(dict.fromkeys([*keys, *ALERT_COLUMNS]))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True).loc[:, columns]


# --- Rolling charts over the whole history -----------------------------------------------------


def sustained_shift_flags(
    z: np.ndarray, *, sigmas: float = DEFAULT_SHIFT_SIGMAS, days: int = DEFAULT_SHIFT_DAYS
) -> np.ndarray:
    """The side (+1 / -1, 0 not firing) of a sustained shift at each point of a z sequence:
    the point and the ``days - 1`` before it all beyond ``sigmas`` on the same side.

    With the defaults (1.5 sigma held for 7 points) an in-control normal series fires with
    probability 0.0668^7 (about 6e-9) per point, even with the correlation a rolling baseline
    adds; a shift of 2.5 sigma holds all 7 points with probability 0.84^7 = 0.30 per window and
    is caught within about two weeks, one of 3 sigma or more within days (rule 1 sees it first).
    """
    z = np.nan_to_num(np.asarray(z, dtype=float), nan=0.0)
    sides = np.zeros(z.size, dtype=int)
    for side in (1, -1):
        held = _window_count(side * z > sigmas, days) >= days
        sides[held] = side
    return sides


def pooled_blocks(daily: pd.DataFrame, pool_days: int) -> pd.DataFrame:
    """Daily (date, value[, numerator, denominator]) summed into blocks of ``pool_days`` days
    ending on the last day; each block is dated by its last day. With numerator and
    denominator the block's value is their ratio (a pooled rate), else the sum."""
    if pool_days <= 1 or daily.empty:
        return daily
    block = (len(daily) - 1 - np.arange(len(daily))) // pool_days
    sums = daily.drop(columns="date").groupby(block).sum(min_count=1)
    sums["date"] = daily.groupby(block)["date"].max()
    if "denominator" in sums:
        with np.errstate(divide="ignore", invalid="ignore"):
            sums["value"] = sums["numerator"] / sums["denominator"].where(sums["denominator"] > 0)
    # Only whole blocks: a partial first block would read as a fall.
    whole = daily.groupby(block)["date"].size() == pool_days
    return sums.loc[whole].sort_values("date").reset_index(drop=True)


def rolling_limits(
    charted: np.ndarray, *, baseline_points: int, min_baseline_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """(centre, sigma) per point from the ``baseline_points`` points before it (NaN until
    ``min_baseline_points`` of them exist).

    Robust, so an incident inside the window does not move the limits of the days after it:
    centre = median, sigma = median moving range / 0.954 (the median of |x_t - x_t-1| of a
    normal series is 0.954 sigma), floored as ``behaviorseg.timeseries.scale_floor`` (1% of
    the window's mean |level|). A mean would let three weeks of an outage pull the centre of
    the next three months down, and read the recovery as a rise.
    """
    values = pd.Series(np.asarray(charted, dtype=float))
    prior = values.shift(1)
    centre = prior.rolling(baseline_points, min_periods=min_baseline_points).median()
    moving_range = values.diff().abs().shift(1)
    ranges = moving_range.rolling(baseline_points - 1, min_periods=min_baseline_points - 1)
    floor = (
        SCALE_FLOOR_FRACTION
        * prior.abs().rolling(baseline_points, min_periods=min_baseline_points).mean()
    )
    sigma = np.fmax(ranges.median().to_numpy() / MEDIAN_MOVING_RANGE, floor.to_numpy())
    sigma = np.where(np.isfinite(centre.to_numpy()), sigma, np.nan)
    return centre.to_numpy(), sigma


def rolling_control_chart(
    series: pd.DataFrame,
    *,
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    monitor_days: int | None = None,
    min_baseline_days: int = MIN_ROLLING_BASELINE_DAYS,
    pool_days: int = 1,
    deseasonalise: bool = True,
    run_length: int = DEFAULT_RUN_LENGTH,
    seasonal: pd.Series | None = None,
    fill_value: float | None = 0.0,
    shift_sigmas: float = DEFAULT_SHIFT_SIGMAS,
    shift_days: int = DEFAULT_SHIFT_DAYS,
) -> pd.DataFrame:
    """An individuals chart in which every point is judged against the baseline before it.

    ``series`` has date and value (and optionally numerator and denominator of a rate). Each
    point's centre and sigma come from the ``baseline_days`` days before it
    (``rolling_limits``), so a backfilled year shows every past incident; the first
    ``min_baseline_days`` days have no limits (``is_baseline``). Points of the last
    ``monitor_days`` days (None: all) with limits are monitored. The Western Electric rules and
    the sustained-shift rule (``sustained_shift_flags``, critical) run on z. With ``pool_days``
    > 1 the chart's points are blocks of that many days (``pooled_blocks``: a sparse series is
    judged on pooled days) and are not deseasonalised (a 7-day block holds every weekday).
    """
    rate_parts = [column for column in ("numerator", "denominator") if column in series]
    daily = complete_daily_series(series, fill_value=fill_value)
    for column in rate_parts:
        part = complete_daily_series(series, value_col=column, fill_value=0.0)
        daily[column] = part["value"].to_numpy()
    points = pooled_blocks(daily, pool_days)
    per_point = max(pool_days, 1)
    if len(points) <= max(min_baseline_days // per_point, 2):
        return pd.DataFrame(columns=list(CHART_COLUMNS))
    if per_point == 1:
        known = seasonal_on(points["date"], seasonal)
        charted = charted_values(points, deseasonalise=deseasonalise, seasonal=known)
    else:
        charted = points["value"].to_numpy(dtype=float)
    centre, sigma = rolling_limits(
        charted,
        baseline_points=max(baseline_days // per_point, 3),
        min_baseline_points=max(min_baseline_days // per_point, 3),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = charted - centre
        z = np.where(sigma > 0, deviation / sigma, np.sign(deviation) * MAX_ABS_Z)
    z = np.clip(np.where(np.isfinite(centre), z, np.nan), -MAX_ABS_Z, MAX_ABS_Z)
    has_limits = np.isfinite(z)
    dates = pd.to_datetime(points["date"])
    in_window = np.ones(len(points), dtype=bool)
    if monitor_days is not None:
        in_window = (dates >= dates.iloc[-1] - pd.Timedelta(days=monitor_days - 1)).to_numpy()
    chart = pd.DataFrame(
        {
            "date": dates.to_numpy(),
            "value": points["value"].to_numpy(dtype=float),
            "charted": charted,
            "centre": centre,
            "sigma": sigma,
            "lcl": centre - 3 * sigma,
            "ucl": centre + 3 * sigma,
            "z": z,
            "is_baseline": ~has_limits,
            "is_monitored": has_limits & in_window,
        }
    )
    for rule, sides in western_electric_flags(z, run_length=run_length).items():
        chart[rule] = sides
    chart[RULE_SUSTAINED_SHIFT] = sustained_shift_flags(z, sigmas=shift_sigmas, days=shift_days)
    return chart.loc[:, list(CHART_COLUMNS)]
