"""Transactions drawn from the BG/NBD and Gamma-Gamma processes with known parameters.

A population whose truth is known, for the tests (a fit must recover the parameters it was
drawn with) and for the benchmark (a million customers without generating a billion events).
Each customer arrives on a day of the first ``arrival_days``, buys then, and afterwards buys at
their own Poisson rate ``lambda ~ gamma(r, alpha)`` per period; after every repeat purchase
they drop out for good with their own probability ``p ~ beta(a, b)``. Each purchase's value is
``gamma(p_spend, nu)`` with ``nu ~ gamma(q, v)`` per customer (Gamma-Gamma). Purchases on the
same day merge into one transaction day, as the project counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SimulatedPopulation:
    """Parameters of a simulated population (rates per period of ``period_days``)."""

    r: float = 0.243
    alpha: float = 4.414
    a: float = 0.793
    b: float = 2.426
    p: float = 6.25
    q: float = 3.74
    v: float = 15.44
    period_days: float = 7.0


def simulate_transactions(
    customers: int,
    start: dt.date,
    days: int,
    *,
    population: SimulatedPopulation | None = None,
    arrival_days: int = 90,
    seed: int = 0,
) -> pd.DataFrame:
    """customer_id, transaction_date, amount: every purchase of ``customers`` customers from
    ``start`` over ``days`` days (several purchases on one day are separate rows)."""
    population = population or SimulatedPopulation()
    rng = np.random.default_rng(seed)
    rate = rng.gamma(population.r, 1 / population.alpha, customers)
    drop = rng.beta(population.a, population.b, customers)
    nu = rng.gamma(population.q, 1 / population.v, customers)
    arrival = rng.integers(0, min(arrival_days, days), customers).astype(float)
    horizon = days / population.period_days
    customer_index, times = [np.arange(customers)], [arrival / population.period_days]
    now = arrival / population.period_days
    active = np.ones(customers, dtype=bool)
    while active.any():
        gap = rng.exponential(1.0, customers) / np.maximum(rate, 1e-12)
        now = np.where(active, now + gap, now)
        active &= now < horizon
        customer_index.append(np.flatnonzero(active))
        times.append(now[active])
        # BG/NBD: a customer may drop out right after each repeat purchase (not the first).
        active &= rng.random(customers) >= drop
    index = np.concatenate(customer_index)
    period_time = np.concatenate(times)
    amount = rng.gamma(population.p, 1 / nu[index])
    day = np.floor(period_time * population.period_days).astype(int)
    transactions = pd.DataFrame(
        {
            "customer_id": [f"S{number:07d}" for number in index],
            "transaction_date": pd.Timestamp(start) + pd.to_timedelta(day, unit="D"),
            "amount": np.round(amount, 2),
        }
    )
    return transactions.sort_values(["customer_id", "transaction_date"]).reset_index(drop=True)
