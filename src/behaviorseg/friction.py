"""Journey friction: weekly transition probabilities against their own rolling baseline.

For every scope (device type x segment, each also 'all'), from_state, to_state and week, the
week's share of from_state's transitions that go to to_state (x / n) is compared with the
same share pooled over the ``baseline_weeks`` weeks before it (x_b / n_b; weeks without
traffic count as zero):

- the test is the two-proportion score test (statsmodels ``test_proportions_2indep``,
  ``method="score"``, two-sided) of x / n against x_b / n_b;
- a transition-week is tested when the week has at least ``min_transitions`` transitions out
  of from_state (n) and the baseline at least as many (n_b), and the calendar holds
  ``baseline_weeks`` weeks before it;
- the p-values of all tests of one week (every scope and transition) are adjusted by
  Benjamini-Hochberg (statsmodels ``multipletests``, ``fdr_bh``); ``p_value`` is the adjusted
  one;
- an alert is a tested transition-week with adjusted p <= ``fdr_alpha`` and an absolute change
  of at least ``min_abs_change``; direction ``rise`` or ``fall``; severity ``critical`` when
  the absolute change is at least ``critical_abs_change``, else ``warning``.

A loop back (more people sent from a step to an earlier one) is a ``rise`` of that transition;
a drop at a step (fewer going on towards purchase) is a ``fall`` of the forward transition (and
a rise of exit). docs/journeys-and-time-series.md argues the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import test_proportions_2indep

SCOPE_KEYS: tuple[str, ...] = ("device_type", "segment_id", "from_state")
ALERT_COLUMNS: tuple[str, ...] = (
    "week_start",
    "device_type",
    "segment_id",
    "from_state",
    "to_state",
    "probability",
    "baseline_probability",
    "transitions",
    "p_value",
    "direction",
    "severity",
    "sentence",
)
TEST_COLUMNS: tuple[str, ...] = (
    "week_start",
    "device_type",
    "segment_id",
    "from_state",
    "to_state",
    "transitions",
    "from_transitions",
    "baseline_transitions",
    "baseline_from_transitions",
    "probability",
    "baseline_probability",
    "raw_p_value",
    "p_value",
)


@dataclass(frozen=True)
class FrictionRule:
    """The test's settings (vars journey_* in dbt_project.yml)."""

    baseline_weeks: int = 8
    min_transitions: int = 30
    min_abs_change: float = 0.05
    critical_abs_change: float = 0.15
    fdr_alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.baseline_weeks < 1:
            raise ValueError("journey_baseline_weeks must be at least 1")
        if not 0 < self.fdr_alpha < 1:
            raise ValueError("journey_fdr_alpha must be between 0 and 1")
        if self.critical_abs_change < self.min_abs_change:
            raise ValueError("journey_critical_abs_change must be at least journey_min_abs_change")


def weekly_counts_with_baseline(weekly: pd.DataFrame, baseline_weeks: int) -> pd.DataFrame:
    """Per scope, transition and week of the calendar: x, n, and the pooled baseline x_b, n_b.

    ``weekly`` has week_start, device_type, segment_id, from_state, to_state, transitions.
    Weeks run from the first to the last week_start of the frame; a week without a row counts
    zero transitions. Weeks with fewer than ``baseline_weeks`` weeks before them are dropped.
    """
    frame = weekly.assign(week_start=pd.to_datetime(weekly["week_start"]))
    weeks = pd.date_range(frame["week_start"].min(), frame["week_start"].max(), freq="7D")
    keys = [*SCOPE_KEYS, "to_state"]
    counts = frame.pivot_table(
        index="week_start", columns=keys, values="transitions", aggfunc="sum", fill_value=0
    ).reindex(weeks, fill_value=0)
    counts.index.name = "week_start"
    outgoing = counts.T.groupby(level=list(SCOPE_KEYS)).transform("sum").T
    baseline = counts.rolling(baseline_weeks, min_periods=baseline_weeks).sum().shift(1)
    baseline_out = outgoing.rolling(baseline_weeks, min_periods=baseline_weeks).sum().shift(1)
    parts = {
        "transitions": counts,
        "from_transitions": outgoing,
        "baseline_transitions": baseline,
        "baseline_from_transitions": baseline_out,
    }
    long = pd.concat(
        {name: part.stack(keys, future_stack=True) for name, part in parts.items()}, axis=1
    )
    long = long.reset_index().dropna(subset=["baseline_from_transitions"])
    return long.loc[long["from_transitions"] > 0].reset_index(drop=True)


def transition_tests(weekly: pd.DataFrame, rule: FrictionRule = FrictionRule()) -> pd.DataFrame:
    """Every tested transition-week (``TEST_COLUMNS``) with raw and BH-adjusted p-values."""
    if weekly.empty:
        return pd.DataFrame(columns=list(TEST_COLUMNS))
    counts = weekly_counts_with_baseline(weekly, rule.baseline_weeks)
    enough = (counts["from_transitions"] >= rule.min_transitions) & (
        counts["baseline_from_transitions"] >= rule.min_transitions
    )
    tests = counts.loc[enough].reset_index(drop=True)
    if tests.empty:
        return pd.DataFrame(columns=list(TEST_COLUMNS))
    x, n = tests["transitions"].to_numpy(float), tests["from_transitions"].to_numpy(float)
    xb = tests["baseline_transitions"].to_numpy(float)
    nb = tests["baseline_from_transitions"].to_numpy(float)
    tests["probability"] = x / n
    tests["baseline_probability"] = xb / nb
    with np.errstate(divide="ignore", invalid="ignore"):
        result = test_proportions_2indep(x, n, xb, nb, method="score", compare="diff")
    # Both shares 0 or both 1: no evidence of a change.
    tests["raw_p_value"] = np.nan_to_num(np.asarray(result.pvalue, dtype=float), nan=1.0)
    tests["p_value"] = tests.groupby("week_start")["raw_p_value"].transform(
        lambda p: multipletests(p.to_numpy(), method="fdr_bh")[1]
    )
    return tests.loc[:, list(TEST_COLUMNS)]


def describe(row: pd.Series) -> str:
    """ "mobile: checkout -> add_to_cart rose from 24% to 51%" (with the segment if not 'all')."""
    scope = "all devices" if row["device_type"] == "all" else str(row["device_type"])
    if row["segment_id"] != "all":
        scope = f"{scope}, segment {row['segment_id']}"
    verb = "rose" if row["direction"] == "rise" else "fell"
    return (
        f"{scope}: {row['from_state']} -> {row['to_state']} {verb} from "
        f"{row['baseline_probability']:.0%} to {row['probability']:.0%}"
    )


def friction_alerts(weekly: pd.DataFrame, rule: FrictionRule = FrictionRule()) -> pd.DataFrame:
    """Alert rows (``ALERT_COLUMNS``) of the transitions that departed from their baseline."""
    tests = transition_tests(weekly, rule)
    change = tests["probability"] - tests["baseline_probability"]
    flagged = (tests["p_value"] <= rule.fdr_alpha) & (change.abs() >= rule.min_abs_change)
    alerts = tests.loc[flagged].copy()
    change = change.loc[flagged]
    alerts["direction"] = np.where(change > 0, "rise", "fall")
    alerts["severity"] = np.where(change.abs() >= rule.critical_abs_change, "critical", "warning")
    alerts["transitions"] = alerts["transitions"].astype("int64")
    alerts["sentence"] = [describe(row) for _, row in alerts.iterrows()] if len(alerts) else []
    alerts["week_start"] = pd.to_datetime(alerts["week_start"]).dt.date
    order = ["week_start", "device_type", "segment_id", "from_state", "to_state"]
    alerts = alerts.sort_values(order, kind="stable").reset_index(drop=True)
    return alerts.loc[:, list(ALERT_COLUMNS)]
