"""Planted A/B tests: who is assigned when, and the true effect of the treatment.

Customers are assigned 50/50 at their first visit inside a window in the middle of the period.
`checkout_redesign` lifts the per-session purchase probability of one persona only;
`homepage_banner` changes nothing for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import MS_PER_DAY, MS_PER_HOUR, Period
from behaviorseg.synthetic.population import Actors
from behaviorseg.synthetic.sessions import Visits

EXPERIMENTS: tuple[str, ...] = ("checkout_redesign", "homepage_banner")
VARIANTS: tuple[str, ...] = ("control", "treatment")
# Relative lift of the per-session purchase probability under treatment.
TRUE_UPLIFT: dict[tuple[str, str], float] = {("checkout_redesign", "occasional_buyer"): 0.4}
WINDOW_DAYS = 90
REEXPOSURE_SHARE = 0.03


@dataclass(frozen=True)
class Assignments:
    """Per customer: when they were assigned (-1: never) and their arm in each experiment."""

    first_day: int
    end_day: int  # exclusive
    assigned_ms: np.ndarray  # (customers,)
    treatment: np.ndarray  # (experiments, customers) bool


def experiment_window(period: Period) -> tuple[int, int]:
    """[first, end) day indices of the experiment: up to 90 days in the middle of the period."""
    length = max(1, min(WINDOW_DAYS, period.days // 2))
    first = (period.days - length) // 2
    return first, first + length


def assign(rng: np.random.Generator, visits: Visits, actors: Actors, period: Period) -> Assignments:
    """Assign every customer with a visit inside the window, at the first such visit."""
    first_day, end_day = experiment_window(period)
    in_window = (visits.day >= first_day) & (visits.day < end_day)
    in_window &= visits.actor < actors.n_customers
    rows = np.flatnonzero(in_window)
    customers, first_rows = np.unique(visits.actor[rows], return_index=True)
    assigned_ms = np.full(actors.n_customers, -1, dtype=np.int64)
    # Visits are in start order, so the first row of a customer is their first exposure.
    assigned_ms[customers] = visits.start_ms[rows[first_rows]]
    treatment = rng.random((len(EXPERIMENTS), actors.n_customers)) < 0.5
    return Assignments(first_day, end_day, assigned_ms, treatment)


def uplift_table() -> np.ndarray:
    """(experiments, personas) true relative uplift."""
    return np.array(
        [
            [TRUE_UPLIFT.get((exp, persona), 0.0) for persona in ps.PERSONA_NAMES]
            for exp in EXPERIMENTS
        ]
    )


def purchase_lift(visits: Visits, actors: Actors, assignments: Assignments) -> np.ndarray:
    """Multiplier of each visit's purchase probability from the treatments it is exposed to."""
    lift = np.ones(len(visits))
    customer = visits.actor < actors.n_customers
    actor = np.where(customer, visits.actor, 0)
    exposed = customer & (visits.day >= assignments.first_day) & (visits.day < assignments.end_day)
    exposed &= (assignments.assigned_ms[actor] >= 0) & (
        visits.start_ms >= assignments.assigned_ms[actor]
    )
    persona = np.minimum(actors.profile[actor], len(ps.PERSONAS) - 1)
    uplift = uplift_table()
    for experiment in range(len(EXPERIMENTS)):
        treated = exposed & assignments.treatment[experiment, actor]
        lift = np.where(treated, lift * (1.0 + uplift[experiment, persona]), lift)
    return lift


@dataclass(frozen=True)
class AssignmentRows:
    """Raw assignment rows: first exposures plus some re-exposures logged later."""

    experiment: np.ndarray
    customer: np.ndarray
    treatment: np.ndarray
    assigned_ms: np.ndarray


def assignment_rows(
    rng: np.random.Generator, assignments: Assignments, period: Period
) -> AssignmentRows:
    """One row per customer and experiment, and ~3% repeated with a later exposure time."""
    customers = np.flatnonzero(assignments.assigned_ms >= 0)
    experiment = np.repeat(np.arange(len(EXPERIMENTS)), len(customers))
    customer = np.tile(customers, len(EXPERIMENTS))
    assigned = assignments.assigned_ms[customer]
    again = rng.random(len(customer)) < REEXPOSURE_SHARE
    later = assigned[again] + rng.integers(MS_PER_HOUR, 10 * MS_PER_DAY, int(again.sum()))
    keep_later = later < period.end_ms
    experiment = np.concatenate([experiment, experiment[again][keep_later]])
    customer = np.concatenate([customer, customer[again][keep_later]])
    assigned = np.concatenate([assigned, later[keep_later]])
    treatment = assignments.treatment[experiment, customer]
    return AssignmentRows(experiment, customer, treatment, assigned)
