"""CRM customer records (with later consent changes) and support tickets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, Period
from behaviorseg.synthetic.population import Actors
from behaviorseg.synthetic.sessions import (
    keep_inside_period,
    local_hours,
    poisson_days,
    utc_start,
    visits_of,
)
from behaviorseg.synthetic.tables import ColumnTable

# Consent shares: initially given, and what a later CRM update does to it.
MARKETING_CONSENT_SHARE = 0.76
TRACKING_CONSENT_SHARE = 0.94
UPDATED_LATER_SHARE = 0.2
MARKETING_OPT_OUT_ON_UPDATE = 0.4
MARKETING_OPT_IN_ON_UPDATE = 0.2
TRACKING_FLIP_ON_UPDATE = 0.1
RECORD_DUPLICATE_SHARE = 0.01
LOWER_CASE_COUNTRY_SHARE = 0.02
MISSING_SIGNUP_SHARE = 0.005
BOOLEAN_ENCODINGS: tuple[tuple[str, str], ...] = (
    ("true", "false"), ("yes", "no"), ("1", "0"), ("True", "False"),
)  # fmt: skip
CSAT_RESPONSE_SHARE = 0.65


@dataclass(frozen=True)
class People:
    """Per customer: the personal details the CRM holds (codes into name lists)."""

    first_name: np.ndarray
    last_name: np.ndarray
    email_domain: np.ndarray
    phone_number: np.ndarray  # 10 digits
    phone_style: np.ndarray


@dataclass
class CustomerRows(ColumnTable):
    """Raw CRM rows: one initial record per customer, then later versions."""

    customer: np.ndarray
    updated_ms: np.ndarray
    marketing: np.ndarray
    tracking: np.ndarray
    encoding: np.ndarray  # index into BOOLEAN_ENCODINGS
    lower_country: np.ndarray  # the country code is written in lower case
    no_signup: np.ndarray  # signup_ts missing


def draw_people(rng: np.random.Generator, customers: int, names: tuple[int, int, int]) -> People:
    """Names, e-mail and phone codes for every customer."""
    first_names, last_names, domains = names
    return People(
        first_name=rng.integers(0, first_names, customers),
        last_name=rng.integers(0, last_names, customers),
        email_domain=rng.integers(0, domains, customers),
        phone_number=rng.integers(2_000_000_000, 9_999_999_999, customers),
        phone_style=rng.integers(0, 3, customers),
    )


def customer_rows(rng: np.random.Generator, actors: Actors, period: Period) -> CustomerRows:
    """Initial records (the first export on day 0, or at sign-up), consent updates, re-sends."""
    count = actors.n_customers
    signup = actors.signup_ms[:count]
    joined_in_period = signup >= period.start_ms
    first_export = period.start_ms + rng.integers(MS_PER_HOUR // 2, 6 * MS_PER_HOUR, count)
    created = np.where(joined_in_period, signup + rng.integers(5_000, 120_000, count), first_export)
    marketing = rng.random(count) < MARKETING_CONSENT_SHARE
    tracking = rng.random(count) < TRACKING_CONSENT_SHARE
    customer = np.arange(count, dtype=np.int64)

    room = period.end_ms - MS_PER_HOUR - (created + MS_PER_DAY)
    updated = (rng.random(count) < UPDATED_LATER_SHARE) & (room > 0)
    update_ms = created + MS_PER_DAY + (rng.random(count) * np.maximum(room, 0)).astype(np.int64)
    flip = rng.random((2, count))
    new_marketing = np.where(
        marketing, flip[0] >= MARKETING_OPT_OUT_ON_UPDATE, flip[0] < MARKETING_OPT_IN_ON_UPDATE
    )
    new_tracking = np.where(flip[1] < TRACKING_FLIP_ON_UPDATE, ~tracking, tracking)

    versions = np.concatenate([customer, customer[updated]])
    rows = CustomerRows(
        customer=versions,
        updated_ms=np.concatenate([created, update_ms[updated]]),
        marketing=np.concatenate([marketing, new_marketing[updated]]),
        tracking=np.concatenate([tracking, new_tracking[updated]]),
        encoding=rng.integers(0, len(BOOLEAN_ENCODINGS), len(versions)).astype(np.int8),
        lower_country=rng.random(len(versions)) < LOWER_CASE_COUNTRY_SHARE,
        no_signup=rng.random(len(versions)) < MISSING_SIGNUP_SHARE,
    )
    duplicates = rows.take(np.flatnonzero(rng.random(len(rows)) < RECORD_DUPLICATE_SHARE))
    return CustomerRows.concat([rows, duplicates])


@dataclass
class Tickets(ColumnTable):
    """One row per support ticket."""

    customer: np.ndarray
    opened_ms: np.ndarray
    resolved_ms: np.ndarray  # -1: still open at the end of the period
    csat: np.ndarray  # 0: no answer
    channel: np.ndarray
    category: np.ndarray
    email_variant: np.ndarray  # how the requester typed their e-mail


def build_tickets(
    rng: np.random.Generator, actors: Actors, period: Period, season: np.ndarray
) -> Tickets:
    """Tickets while customers are active, with persona-typical satisfaction."""
    weekly = ps.profile_column("tickets_per_year")[actors.profile] * 7 / 365
    weekly = np.where(actors.is_customer, weekly, 0.0)
    flat = np.ones(period.days)  # tickets do not follow the session drift
    customer, day = poisson_days(rng, actors, weekly, period, season, flat)
    office_hours = np.zeros(24)
    office_hours[8:21] = 1.0
    opened = utc_start(period, actors, customer, day, local_hours(rng, len(customer), office_hours))
    visits = visits_of(customer, day, opened, 0)
    keep_inside_period(visits, period)
    opened = visits.start_ms
    count = len(customer)
    delay = np.exp(np.log(18 * MS_PER_HOUR) + 1.0 * rng.standard_normal(count)).astype(np.int64)
    resolved = opened + np.maximum(delay, 5 * MS_PER_MINUTE)
    resolved = np.where(resolved < period.end_ms, resolved, -1)
    score_mean = ps.profile_column("csat_mean")[actors.profile[customer]]
    score = np.clip(np.round(score_mean + 0.8 * rng.standard_normal(count)), 1, 5)
    answered = (rng.random(count) < CSAT_RESPONSE_SHARE) & (resolved >= 0)
    order = np.argsort(opened, kind="stable")
    tickets = Tickets(
        customer=customer.astype(np.int64),
        opened_ms=opened,
        resolved_ms=resolved,
        csat=np.where(answered, score, 0).astype(np.int8),
        channel=rng.choice(3, size=count, p=[0.4, 0.4, 0.2]).astype(np.int8),
        category=rng.integers(0, 6, count).astype(np.int8),
        email_variant=rng.choice(4, size=count, p=[0.6, 0.15, 0.15, 0.1]).astype(np.int8),
    )
    return tickets.take(order)


@dataclass
class TicketRows(ColumnTable):
    """Raw ticket rows: the ticket when opened, and again when resolved on a later day."""

    ticket: np.ndarray
    arrived_ms: np.ndarray
    resolved: np.ndarray  # this row carries resolved_at and the CSAT score


def ticket_rows(tickets: Tickets) -> TicketRows:
    """Open rows on the opening day (already resolved if that happened the same day), and a
    resolution row on the later day it was resolved."""
    index = np.arange(len(tickets), dtype=np.int64)
    has_resolution = tickets.resolved_ms >= 0
    same_day = has_resolution & (
        tickets.resolved_ms // MS_PER_DAY == tickets.opened_ms // MS_PER_DAY
    )
    later = has_resolution & ~same_day
    return TicketRows.concat(
        [
            TicketRows(ticket=index, arrived_ms=tickets.opened_ms, resolved=same_day),
            TicketRows(
                ticket=index[later],
                arrived_ms=tickets.resolved_ms[later],
                resolved=np.ones(int(later.sum()), dtype=bool),
            ),
        ]
    )
