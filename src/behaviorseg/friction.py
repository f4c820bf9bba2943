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
- a week in which a step alerted (any of its transitions, in that scope) does not enter the
  step's later baselines (as out-of-control points are left out of a control chart's
  limits), unless fewer than half the baseline weeks would remain;
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


def weekly_count_matrices(weekly: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(transitions, transitions out of from_state): weeks x (scope, from_state, to_state).

    ``weekly`` has week_start, device_type, segment_id, from_state, to_state, transitions.
    Weeks run every 7 days from the first to the last week_start; a week without a row counts
    zero transitions.
    """
    frame = weekly.assign(week_start=pd.to_datetime(weekly["week_start"]))
    weeks = pd.date_range(frame["week_start"].min(), frame["week_start"].max(), freq="7D")
    counts = frame.pivot_table(
        index="week_start",
        columns=[*SCOPE_KEYS, "to_state"],
        values="transitions",
        aggfunc="sum",
        fill_value=0,
    ).reindex(weeks, fill_value=0)
    counts.index.name = "week_start"
    outgoing = counts.T.groupby(level=list(SCOPE_KEYS)).transform("sum").T
    return counts.astype(float), outgoing.astype(float)


def score_test_p_values(x: np.ndarray, n: np.ndarray, xb: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Two-sided two-proportion score test of x / n against xb / nb (1 where both shares are
    0 or both 1: no evidence of a change)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        result = test_proportions_2indep(x, n, xb, nb, method="score", compare="diff")
    return np.nan_to_num(np.asarray(result.pvalue, dtype=float), nan=1.0)


def transition_tests(weekly: pd.DataFrame, rule: FrictionRule = FrictionRule()) -> pd.DataFrame:
    """Every tested transition-week (``TEST_COLUMNS``) with raw and BH-adjusted p-values.

    Weeks are judged in order. A week in which any transition out of a step alerted (in that
    scope) is left out of the step's later baselines, so an incident does not make its own
    recovery look like a change; when fewer than half of the ``baseline_weeks`` weeks remain,
    all of them are used (the new level has become the normal one).
    """
    if weekly.empty:
        return pd.DataFrame(columns=list(TEST_COLUMNS))
    counts, outgoing = weekly_count_matrices(weekly)
    columns = counts.columns
    group_of = pd.MultiIndex.from_arrays([columns.get_level_values(key) for key in SCOPE_KEYS])
    groups, group_index = np.unique(group_of.to_flat_index(), return_inverse=True)
    x_all, n_all = counts.to_numpy(), outgoing.to_numpy()
    excluded = np.zeros((len(counts), len(groups)), dtype=bool)
    parts = []
    for week in range(rule.baseline_weeks, len(counts)):
        window = slice(week - rule.baseline_weeks, week)
        keep = ~excluded[window][:, group_index]
        too_few = keep.sum(axis=0) < (rule.baseline_weeks + 1) // 2
        keep[:, too_few] = True
        xb = (x_all[window] * keep).sum(axis=0)
        nb = (n_all[window] * keep).sum(axis=0)
        x, n = x_all[week], n_all[week]
        tested = (n >= rule.min_transitions) & (nb >= rule.min_transitions)
        if not tested.any():
            continue
        raw = score_test_p_values(x[tested], n[tested], xb[tested], nb[tested])
        adjusted = multipletests(raw, method="fdr_bh")[1]
        probability, baseline_probability = x[tested] / n[tested], xb[tested] / nb[tested]
        change = np.abs(probability - baseline_probability)
        flagged = (adjusted <= rule.fdr_alpha) & (change >= rule.min_abs_change)
        excluded[week, np.unique(group_index[tested][flagged])] = True
        keys = columns[tested].to_frame(index=False)
        parts.append(
            keys.assign(
                week_start=counts.index[week],
                transitions=x[tested],
                from_transitions=n[tested],
                baseline_transitions=xb[tested],
                baseline_from_transitions=nb[tested],
                probability=probability,
                baseline_probability=baseline_probability,
                raw_p_value=raw,
                p_value=adjusted,
            )
        )
    if not parts:
        return pd.DataFrame(columns=list(TEST_COLUMNS))
    return pd.concat(parts, ignore_index=True).loc[:, list(TEST_COLUMNS)]


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
