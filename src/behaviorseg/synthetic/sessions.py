"""Sessions: when each person visits, on which device, and what the visit looks like.

Regular visits are Poisson counts per person and day (individual rate x season x the person's
activity curve: sign-up, churn fade-out, the planted drift). Kiosk visits, scraping bots and
fraud bursts are added on top. Each session then gets its shape: channel, identifier, number of
browsing events, whether the person logs in, switches from web to app, fills a cart, buys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import MS_PER_DAY, MS_PER_HOUR, Period, ramp_down
from behaviorseg.synthetic.catalog import EXTERNAL_REFERRERS
from behaviorseg.synthetic.population import (
    BOT,
    FRAUD,
    KIOSKS,
    MIN_KIOSK_USERS,
    Actors,
    Identifiers,
)
from behaviorseg.synthetic.tables import ColumnTable

REGULAR, SIGNUP, KIOSK, SCRAPER, FRAUD_BURST = 0, 1, 2, 3, 4
# Local hour-of-day weights of browsing (lunch and evening peaks).
HOURLY_ACTIVITY = np.array(
    [0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0,
     3.3, 3.1, 2.9, 2.8, 2.9, 3.2, 3.8, 4.4, 4.6, 4.0, 2.8, 1.4]
)  # fmt: skip
DRIFT_PERSONA = "power_user"
DRIFT_DAYS_BEFORE_END = 35
DRIFT_RAMP_DAYS = 7
DRIFT_REMAINING = 0.45
SWITCH_SHARE = 0.06  # web sessions that continue in the app within minutes
APP_LOGIN_SHARE = 0.9  # app sessions with a remembered login
MAIN_COOKIE_SHARE = 0.55  # web sessions on a person's main browser
MAIN_DEVICE_SHARE = 0.7  # app sessions on a person's main device
FRAUD_APP_SHARE = 0.3
# Carts without a purchase: a second item, a checkout started, an item removed (web).
SECOND_ITEM_SHARE, ABANDONED_CHECKOUT_SHARE, REMOVE_SHARE = 0.35, 0.25, 0.2
DIRECT_TRAFFIC_SHARE = 0.35  # web sessions without an external referrer
LATEST_SESSION_START_BEFORE_END_MS = 3 * MS_PER_HOUR
ACTORS_PER_CHUNK = 8192


@dataclass
class Visits(ColumnTable):
    """When each session happens and for whom, before its shape is drawn."""

    actor: np.ndarray
    day: np.ndarray  # local day index
    start_ms: np.ndarray  # UTC
    kind: np.ndarray  # REGULAR, SIGNUP, KIOSK, SCRAPER, FRAUD_BURST
    cookie: np.ndarray  # a cookie the visit must use (kiosks), else -1


@dataclass
class Sessions(ColumnTable):
    """One row per session (a web-then-app switch is one session), in start order."""

    actor: np.ndarray
    day: np.ndarray
    start_ms: np.ndarray
    kind: np.ndarray
    profile: np.ndarray  # behaviour profile code (persona, visitor or bot)
    is_app: np.ndarray  # the session starts in the app
    cookie: np.ndarray  # web identifier, -1 when none
    device: np.ndarray  # app identifier, -1 when none
    switch: np.ndarray  # starts on the web, continues in the app
    browse: np.ndarray  # browsing events of the first part
    app_browse: np.ndarray  # browsing events after a switch
    login: np.ndarray  # a web login event happens
    login_pos: np.ndarray  # its position in the session
    app_logged_in: np.ndarray  # app events carry the user id
    adds: np.ndarray  # add_to_cart events
    removes: np.ndarray  # remove_from_cart events
    checkout: np.ndarray  # a begin_checkout event
    purchase: np.ndarray  # a purchase event (and an order)
    referrer: np.ndarray  # external referrer code, -1 direct
    order: np.ndarray  # index of the order placed, -1 none
    loop: np.ndarray  # sent back from checkout to the cart once (add_to_cart, checkout again)
    support: np.ndarray  # a contact_support event ends the session

    def event_count(self) -> np.ndarray:
        """Events per session: landing, browsing, login, app part, cart tail."""
        return (
            1
            + self.browse
            + (self.login & ~self.is_app)
            + self.switch * (1 + self.app_browse)
            + self.adds
            + self.removes
            + self.checkout
            + 2 * self.loop
            + self.purchase
            + self.support
        ).astype(np.int64)


def drift_curve(period: Period) -> np.ndarray:
    """The drifting persona's activity multiplier per day (1, then a fall within a week)."""
    start = max(0, period.days - DRIFT_DAYS_BEFORE_END)
    return ramp_down(period.days, start, DRIFT_RAMP_DAYS, DRIFT_REMAINING)


def activity_matrix(actors: Actors, members: slice, period: Period) -> np.ndarray:
    """(actors, days): 1 while active, fading linearly to 0 over a churner's ramp, else 0
    (times the actor's everyday activity level)."""
    day = np.arange(period.days)[None, :]
    alive = (day >= actors.active_from[members, None]) & (day < actors.active_until[members, None])
    fade = np.clip(
        1.0 - (day - actors.churn_start[members, None]) / actors.churn_ramp[members, None], 0, 1
    )
    return alive * fade * actors.everyday_activity[members, None]


def daily_rates(
    actors: Actors, members: slice, period: Period, season: np.ndarray, drift: np.ndarray
) -> np.ndarray:
    """Expected events per (actor, day) of something that happens `weekly_rate` times a week."""
    activity = activity_matrix(actors, members, period)
    drifting = actors.profile[members] == ps.PERSONA_CODE[DRIFT_PERSONA]
    trend = np.where(drifting[:, None], drift[None, :], 1.0)
    return activity * trend * season[None, :] / 7.0


def poisson_days(
    rng: np.random.Generator,
    actors: Actors,
    weekly: np.ndarray,
    period: Period,
    season: np.ndarray,
    drift: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(actor, day) of every occurrence of a per-actor weekly Poisson process (chunked)."""
    actor_parts, day_parts = [], []
    for first in range(0, len(actors), ACTORS_PER_CHUNK):
        members = slice(first, min(first + ACTORS_PER_CHUNK, len(actors)))
        rates = daily_rates(actors, members, period, season, drift) * weekly[members, None]
        counts = rng.poisson(rates)
        rows, days = np.nonzero(counts)
        repeats = counts[rows, days]
        actor_parts.append(np.repeat(rows + first, repeats))
        day_parts.append(np.repeat(days, repeats))
    return np.concatenate(actor_parts).astype(np.int32), np.concatenate(day_parts).astype(np.int32)


def local_hours(rng: np.random.Generator, count: int, weights: np.ndarray) -> np.ndarray:
    """Milliseconds after local midnight, drawn from an hour-of-day weight profile."""
    cumulative = np.cumsum(weights) / weights.sum()
    hour = np.searchsorted(cumulative, rng.random(count), side="right")
    return hour * MS_PER_HOUR + rng.integers(0, MS_PER_HOUR, count)


def utc_start(
    period: Period, actors: Actors, actor: np.ndarray, day: np.ndarray, local_ms: np.ndarray
) -> np.ndarray:
    """UTC epoch ms of a local day index and time of day for each actor's offset."""
    offset_ms = actors.offset_minutes[actor].astype(np.int64) * 60_000
    return period.start_ms + day.astype(np.int64) * MS_PER_DAY + local_ms - offset_ms


def visits_of(actor: np.ndarray, day: np.ndarray, start: np.ndarray, kind: int) -> Visits:
    """Visits of one kind, without a fixed cookie."""
    return Visits(
        actor=actor.astype(np.int32),
        day=day.astype(np.int32),
        start_ms=start.astype(np.int64),
        kind=np.full(len(actor), kind, dtype=np.int8),
        cookie=np.full(len(actor), -1, dtype=np.int32),
    )


def regular_visits(
    rng: np.random.Generator, actors: Actors, period: Period, season: np.ndarray
) -> Visits:
    """Everyday visits: Poisson per person-day, placed at a local time of day."""
    actor, day = poisson_days(rng, actors, actors.weekly_rate, period, season, drift_curve(period))
    start = utc_start(period, actors, actor, day, local_hours(rng, len(actor), HOURLY_ACTIVITY))
    return visits_of(actor, day, start, REGULAR)


def signup_visits(actors: Actors, period: Period) -> Visits:
    """The visit in which a customer who joins during the period signs up."""
    joins = np.flatnonzero(actors.is_customer & (actors.signup_ms >= period.start_ms))
    return visits_of(joins, actors.active_from[joins], actors.signup_ms[joins], SIGNUP)


def last_active_day(actors: Actors) -> np.ndarray:
    """Exclusive end of each actor's activity (a churner's fade-out end, else active_until)."""
    faded = np.ceil(actors.churn_start + actors.churn_ramp)
    return np.minimum(actors.active_until, np.where(np.isfinite(faded), faded, np.inf)).astype(
        np.int64
    )


def kiosk_visits(
    rng: np.random.Generator, actors: Actors, ids: Identifiers, period: Period
) -> Visits:
    """Customers logging in on in-store kiosks: every kiosk is shared by many customers."""
    customers = np.flatnonzero(actors.is_customer & (actors.anomaly != BOT))
    users = min(len(customers), max(KIOSKS * MIN_KIOSK_USERS, round(0.03 * actors.n_customers)))
    user = rng.permutation(customers)[:users]
    # Round robin, so every kiosk gets its share of different customers.
    kiosk = ids.kiosk_cookies[np.arange(users) % KIOSKS]
    per_user = 1 + rng.binomial(2, 0.3, users)
    actor = np.repeat(user, per_user)
    first = actors.active_from[actor].astype(np.int64)
    until = np.maximum(last_active_day(actors)[actor], first + 1)
    day = np.minimum(
        first + (rng.random(len(actor)) * (until - first)).astype(np.int64), period.days - 1
    )
    store_hours = np.zeros(24)
    store_hours[10:19] = 1.0
    start = utc_start(period, actors, actor, day, local_hours(rng, len(actor), store_hours))
    visits = visits_of(actor, day, start, KIOSK)
    visits.cookie = np.repeat(kiosk, per_user).astype(np.int32)
    return visits


def anomaly_first_day(rng: np.random.Generator, period: Period, length: np.ndarray) -> np.ndarray:
    """First day of an anomaly block of `length` days, inside the last 60 days of the period."""
    earliest = max(0, period.days - 60)
    latest = np.maximum(period.days - length, earliest + 1)
    return (earliest + rng.random(len(length)) * (latest - earliest)).astype(np.int64)


def within_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each group of np.repeat(..., counts)."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def bot_visits(rng: np.random.Generator, actors: Actors, period: Period) -> Visits:
    """Scrapers: 6-10 evenly spaced sessions a day over a 4-7 day block."""
    bots = np.flatnonzero(actors.anomaly == BOT)
    block = np.minimum(rng.integers(4, 8, len(bots)), period.days)
    first_day = anomaly_first_day(rng, period, block)
    bot = np.repeat(bots, block)
    day = np.minimum(np.repeat(first_day, block) + within_group(block), period.days - 1)
    per_day = rng.integers(6, 11, len(bot))
    actor = np.repeat(bot, per_day)
    slot_length = MS_PER_DAY // np.repeat(per_day, per_day)
    local = (within_group(per_day) + rng.uniform(0.1, 0.7, len(actor))) * slot_length
    start = utc_start(period, actors, actor, np.repeat(day, per_day), local.astype(np.int64))
    return visits_of(actor, np.repeat(day, per_day), start, SCRAPER)


def fraud_visits(rng: np.random.Generator, actors: Actors, period: Period) -> Visits:
    """Fraud bursts: 10-20 purchase sessions within 1-2 days."""
    fraudsters = np.flatnonzero(actors.anomaly == FRAUD)
    burst_days = rng.integers(1, 3, len(fraudsters))
    first_day = anomaly_first_day(rng, period, burst_days + 1)
    orders = rng.integers(10, 21, len(fraudsters))
    actor = np.repeat(fraudsters, orders)
    local = 8 * MS_PER_HOUR + (rng.random(len(actor)) * np.repeat(burst_days, orders) * MS_PER_DAY)
    day = np.repeat(first_day, orders) + local.astype(np.int64) // MS_PER_DAY
    in_day = local.astype(np.int64) % MS_PER_DAY
    start = utc_start(period, actors, actor, day, in_day)
    return visits_of(actor, np.minimum(day, period.days - 1), start, FRAUD_BURST)


def keep_inside_period(visits: Visits, period: Period) -> None:
    """Move visits that fall outside the period by whole days (a far-east morning on day 0)."""
    latest = period.end_ms - LATEST_SESSION_START_BEFORE_END_MS
    early = visits.start_ms < period.start_ms
    late = visits.start_ms > latest
    shifted = visits.start_ms + early * MS_PER_DAY - late * MS_PER_DAY
    visits.start_ms = np.clip(shifted, period.start_ms, latest)
    visits.day = np.clip(visits.day + early - late, 0, period.days - 1).astype(np.int32)


def all_visits(
    rng: np.random.Generator, actors: Actors, ids: Identifiers, period: Period, season: np.ndarray
) -> Visits:
    """Every visit of the period, in start order."""
    visits = Visits.concat(
        [
            regular_visits(rng, actors, period, season),
            signup_visits(actors, period),
            kiosk_visits(rng, actors, ids, period),
            bot_visits(rng, actors, period),
            fraud_visits(rng, actors, period),
        ]
    )
    keep_inside_period(visits, period)
    return visits.take(np.argsort(visits.start_ms, kind="stable"))


def pick_own(
    rng: np.random.Generator, start: np.ndarray, count: np.ndarray, first_share: float
) -> np.ndarray:
    """One of an actor's identifiers: the first with `first_share`, else one of the others."""
    draw = rng.random(len(start))
    others = np.maximum(count - 1, 1)
    later = 1 + np.minimum(
        ((draw - first_share) / (1 - first_share) * others).astype(np.int64), others - 1
    )
    rank = np.where((draw < first_share) | (count <= 1), 0, later)
    return np.where(count > 0, start + rank, -1).astype(np.int32)


def first_use(identifier: np.ndarray) -> np.ndarray:
    """True for the first row (in row order) of every identifier >= 0."""
    first = np.zeros(len(identifier), dtype=bool)
    used = np.flatnonzero(identifier >= 0)
    _, first_rows = np.unique(identifier[used], return_index=True)
    first[used[first_rows]] = True
    return first


@dataclass(frozen=True)
class Channels:
    """Per visit: where it happens."""

    is_app: np.ndarray
    switch: np.ndarray
    cookie: np.ndarray
    device: np.ndarray


def choose_channels(
    rng: np.random.Generator, visits: Visits, actors: Actors, ids: Identifiers
) -> Channels:
    """App or web (and web-to-app switches), and which of the person's cookies or devices."""
    count = len(visits)
    actor, kind = visits.actor, visits.kind
    has_device = ids.device_count[actor] > 0
    app_share = ps.profile_column("app_session_share")[actors.profile[actor]]
    app_share = np.where(kind == FRAUD_BURST, FRAUD_APP_SHARE, app_share)
    may_use_app = has_device & ((kind == REGULAR) | (kind == SIGNUP) | (kind == FRAUD_BURST))
    is_app = may_use_app & (rng.random(count) < app_share)
    switch = ~is_app & has_device & (kind == REGULAR) & (rng.random(count) < SWITCH_SHARE)
    device = pick_own(rng, ids.device_start[actor], ids.device_count[actor], MAIN_DEVICE_SHARE)
    cookie = pick_own(rng, ids.cookie_start[actor], ids.cookie_count[actor], MAIN_COOKIE_SHARE)
    cookie = np.where(kind == SCRAPER, ids.bot_cookie[actor], cookie)
    cookie = np.where(visits.cookie >= 0, visits.cookie, cookie)
    return Channels(
        is_app=is_app,
        switch=switch,
        cookie=np.where(is_app, -1, cookie).astype(np.int32),
        device=np.where(is_app | switch, device, -1).astype(np.int32),
    )


def decide_carts(
    rng: np.random.Generator, visits: Visits, profile: np.ndarray, purchase_probability: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(buys, abandons a cart) per visit: fraud bursts always buy, bots never touch carts,
    only customers buy."""
    kind = visits.kind
    draw = rng.random(len(visits))
    customer = profile != ps.VISITOR_PROFILE
    purchase = np.where(kind == FRAUD_BURST, True, draw < purchase_probability)
    purchase &= customer & (kind != SCRAPER)
    abandon_share = ps.profile_column("p_abandon")[profile]
    abandon = ~purchase & (kind != SCRAPER) & (kind != FRAUD_BURST)
    abandon &= draw < purchase_probability + abandon_share
    return purchase, abandon


def decide_logins(
    rng: np.random.Generator,
    visits: Visits,
    profile: np.ndarray,
    channels: Channels,
    purchase: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(web login event happens, app events carry the user id) per visit.

    Customers log in now and then; always to buy, on a kiosk, as a bot, at sign-up, and the
    first time they use a cookie or device (so every identifier of a customer is linked to
    them at least once). Visitors never log in.
    """
    count = len(visits)
    kind = visits.kind
    customer = profile != ps.VISITOR_PROFILE
    on_web = ~channels.is_app
    first_cookie_use = first_use(np.where(customer & (kind != KIOSK), channels.cookie, -1))
    sometimes = rng.random(count) < ps.profile_column("p_login_web")[profile]
    login = on_web & customer & (sometimes | first_cookie_use | (kind != REGULAR))
    login |= on_web & ~channels.switch & purchase
    app_logged_in = rng.random(count) < APP_LOGIN_SHARE
    app_logged_in |= first_use(channels.device) | channels.switch | (kind != REGULAR)
    app_logged_in |= purchase & channels.is_app
    return login, app_logged_in & customer


def external_referrers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Referrer code of each session's landing page (-1: direct traffic)."""
    draw = rng.random(count)
    external = (draw - DIRECT_TRAFFIC_SHARE) / (1 - DIRECT_TRAFFIC_SHARE)
    code = np.minimum(external * len(EXTERNAL_REFERRERS), len(EXTERNAL_REFERRERS) - 1)
    return np.where(draw < DIRECT_TRAFFIC_SHARE, -1, code).astype(np.int8)


def plan_sessions(
    rng: np.random.Generator,
    visits: Visits,
    actors: Actors,
    ids: Identifiers,
    purchase_probability: np.ndarray,
) -> Sessions:
    """The shape of every visit: channel, identifiers, events, login, cart and purchase.

    `purchase_probability` is per visit (persona x holiday season x experiment lift). The
    add_to_cart events of purchases are set later from the order lines (attach_orders).
    """
    count = len(visits)
    kind = visits.kind
    profile = np.where(kind == SCRAPER, ps.BOT_PROFILE, actors.profile[visits.actor])
    profile = profile.astype(np.int8)
    channels = choose_channels(rng, visits, actors, ids)
    purchase, abandon = decide_carts(rng, visits, profile, purchase_probability)
    login, app_logged_in = decide_logins(rng, visits, profile, channels, purchase)

    browse_mean = np.where(
        channels.is_app,
        ps.profile_column("app_browse_events")[profile],
        ps.profile_column("web_browse_events")[profile],
    )
    browse = rng.poisson(browse_mean)
    browse = np.where(kind == SCRAPER, rng.integers(100, 151, count), browse)
    browse = np.where(kind == FRAUD_BURST, rng.integers(1, 4, count), browse)
    cart = rng.random((3, count))
    web_tail = ~channels.is_app & ~channels.switch
    return Sessions(
        actor=visits.actor,
        day=visits.day,
        start_ms=visits.start_ms,
        kind=kind,
        profile=profile,
        is_app=channels.is_app,
        cookie=channels.cookie,
        device=channels.device,
        switch=channels.switch,
        browse=browse.astype(np.int32),
        app_browse=np.where(channels.switch, rng.poisson(1.5, count), 0).astype(np.int32),
        login=login,
        login_pos=(1 + rng.random(count) * (browse + 1)).astype(np.int32),
        app_logged_in=app_logged_in,
        adds=np.where(abandon, 1 + (cart[0] < SECOND_ITEM_SHARE), 0).astype(np.int32),
        removes=(abandon & web_tail & (cart[1] < REMOVE_SHARE)).astype(np.int32),
        checkout=(purchase | (abandon & (cart[2] < ABANDONED_CHECKOUT_SHARE))).astype(np.int32),
        purchase=purchase.astype(np.int32),
        referrer=external_referrers(rng, count),
        order=np.full(count, -1, dtype=np.int32),
        loop=np.zeros(count, dtype=np.int32),
        support=np.zeros(count, dtype=np.int32),
    )
