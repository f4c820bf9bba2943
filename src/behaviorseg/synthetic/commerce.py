"""Orders and order lines: online orders come from purchase sessions, store orders from POS.

Amounts are kept in integer cents so that lines (quantity x unit price) minus the discount equal
the order total exactly; prices are catalog prices, so a product costs the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic import catalog as cat
from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import MS_PER_DAY, MS_PER_HOUR, Period
from behaviorseg.synthetic.population import Actors
from behaviorseg.synthetic.sessions import (
    FRAUD_BURST,
    Sessions,
    drift_curve,
    keep_inside_period,
    local_hours,
    poisson_days,
    utc_start,
    visits_of,
)
from behaviorseg.synthetic.tables import ColumnTable

WEB, APP, POS = 0, 1, 2
CHANNELS: tuple[str, ...] = ("web", "app", "pos")
COMPLETED, CANCELLED, REFUNDED = 0, 1, 2
STATUSES: tuple[str, ...] = ("completed", "cancelled", "refunded")
MAX_LINES = 6
FRAUD_ORDER_VALUE = 4000.0  # resellable electronics, several units per line
EXPENSIVE_CATEGORIES = tuple(
    cat.CATEGORIES.index(name) for name in ("computers", "phones", "electronics")
)


@dataclass
class Orders(ColumnTable):
    """One row per order, in no particular order (`number` gives the chronological id)."""

    actor: np.ndarray
    session: np.ndarray  # purchase session, -1 for store orders
    channel: np.ndarray
    day: np.ndarray  # local day index
    ts_ms: np.ndarray  # UTC (online orders: set from the purchase event)
    line_start: np.ndarray
    line_count: np.ndarray
    subtotal_cents: np.ndarray
    discount_cents: np.ndarray
    total_cents: np.ndarray
    payment: np.ndarray
    status: np.ndarray  # final status
    cancelled_at_once: np.ndarray  # the first row already says cancelled
    change_delay_ms: np.ndarray  # a later status change arrives this long after the order
    number: np.ndarray  # chronological rank (order id)


@dataclass
class OrderLines(ColumnTable):
    """One row per order line."""

    order: np.ndarray
    line_number: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_cents: np.ndarray


def store_orders(
    rng: np.random.Generator, actors: Actors, period: Period, season: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(actor, day, UTC ms) of in-store purchases: Poisson per customer-day in store hours."""
    weekly = ps.profile_column("pos_orders_per_week")[actors.profile]
    weekly = np.where(actors.is_customer, weekly, 0.0)
    actor, day = poisson_days(rng, actors, weekly, period, season, drift_curve(period))
    store_hours = np.zeros(24)
    store_hours[9:20] = 1.0
    start = utc_start(period, actors, actor, day, local_hours(rng, len(actor), store_hours))
    visits = visits_of(actor, day, start, 0)
    keep_inside_period(visits, period)
    return visits.actor, visits.day, visits.start_ms


def line_counts(rng: np.random.Generator, profile: np.ndarray, fraud: np.ndarray) -> np.ndarray:
    """Lines per order: 1 + Poisson around the persona mean; fraud 1-3."""
    extra = rng.poisson(np.maximum(ps.profile_column("mean_lines")[profile] - 1.0, 0.0))
    counts = np.minimum(1 + extra, MAX_LINES)
    return np.where(fraud, rng.integers(1, 4, len(profile)), counts)


def basket_targets(
    rng: np.random.Generator,
    actors: Actors,
    actor: np.ndarray,
    fraud: np.ndarray,
    discount_probability: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(basket value before discount in cents, discount rate) of each order.

    Values scatter around the buyer's own typical order value; discounts are drawn first so
    that the value paid, not the basket, follows the persona's order value.
    """
    count = len(actor)
    profile = actors.profile[actor]
    spread = ps.profile_column("aov_spread")[profile]
    paid = actors.aov[actor] * np.exp(spread * rng.standard_normal(count))
    paid = np.where(fraud, FRAUD_ORDER_VALUE * np.exp(0.3 * rng.standard_normal(count)), paid)
    discounted = (rng.random(count) < discount_probability) & ~fraud
    low, high = (np.array([p.discount_range[i] for p in ps.PROFILES]) for i in (0, 1))
    rate = np.where(discounted, rng.uniform(low[profile], high[profile]), 0.0)
    return paid / (1.0 - rate) * 100, rate


def line_categories(
    rng: np.random.Generator,
    actors: Actors,
    actor: np.ndarray,
    fraud: np.ndarray,
    unit_target: np.ndarray,
) -> np.ndarray:
    """Per line, one of the buyer's favourite categories whose prices fit the target price
    (fraudsters go for expensive electronics)."""
    candidates = actors.favourites[actor].astype(np.int64)
    valid = np.arange(candidates.shape[1])[None, :] < actors.favourite_count[actor][:, None]
    expensive = np.resize(np.array(EXPENSIVE_CATEGORIES), candidates.shape[1])
    candidates = np.where(fraud[:, None], expensive[None, :], candidates)
    valid |= fraud[:, None]
    median = cat.category_median_cents()[candidates]
    distance = np.abs(np.log(median) - np.log(np.maximum(unit_target, 100))[:, None])
    distance += 0.4 * rng.gumbel(size=distance.shape)
    distance = np.where(valid, distance, np.inf)
    return candidates[np.arange(len(actor)), np.argmin(distance, axis=1)]


def draw_lines(
    rng: np.random.Generator,
    catalog: cat.Catalog,
    actors: Actors,
    order_actor: np.ndarray,
    fraud: np.ndarray,
    basket_cents: np.ndarray,
) -> OrderLines:
    """Order lines that share each basket: catalog products near each line's target price."""
    count = len(order_actor)
    lines = line_counts(rng, actors.profile[order_actor], fraud)
    order = np.repeat(np.arange(count), lines)
    line_start = np.cumsum(lines) - lines
    share = rng.gamma(2.0, size=len(order))
    share /= np.bincount(order, weights=share, minlength=count)[order]
    quantity = 1 + (rng.random(len(order)) < 0.2) + (rng.random(len(order)) < 0.05)
    quantity = np.where(fraud[order], rng.integers(2, 5, len(order)), quantity)
    unit_target = basket_cents[order] * share / quantity
    category = line_categories(rng, actors, order_actor[order], fraud[order], unit_target)
    product = cat.nearest_product(catalog, category, unit_target)
    return OrderLines(
        order=order.astype(np.int64),
        line_number=(np.arange(len(order)) - line_start[order] + 1).astype(np.int32),
        product=product.astype(np.int32),
        quantity=quantity.astype(np.int32),
        unit_cents=catalog.price_cents[product],
    )


def payment_methods(
    rng: np.random.Generator,
    actors: Actors,
    actor: np.ndarray,
    channel: np.ndarray,
    fraud: np.ndarray,
) -> np.ndarray:
    """Mostly the buyer's usual method; fraud mixes methods; stores take cards and cash."""
    count = len(actor)
    usual = rng.random(count) < 0.75
    anyone = rng.integers(0, cat.ONLINE_PAYMENT_METHODS, count)
    payment = np.where(usual & ~fraud, actors.preferred_payment[actor], anyone)
    cash = len(cat.PAYMENT_METHODS) - 1
    return np.where(channel == POS, np.where(rng.random(count) < 0.3, cash, 0), payment)


def order_statuses(
    rng: np.random.Generator, fraud: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(final status, cancelled at once, delay of the later status change or -1).

    Most orders complete; refunds arrive 2-30 days later, cancellations at once or within two
    days. Fraud is cancelled or refunded far more often.
    """
    count = len(fraud)
    draw = rng.random(count)
    cancel_share = np.where(fraud, 0.25, 0.02)
    refund_share = np.where(fraud, 0.4, 0.04)
    status = np.select(
        [draw < cancel_share, draw < cancel_share + refund_share], [CANCELLED, REFUNDED], COMPLETED
    )
    at_once = (status == CANCELLED) & (rng.random(count) < 0.5)
    delay = np.where(
        status == REFUNDED,
        rng.integers(2 * MS_PER_DAY, 30 * MS_PER_DAY, count),
        rng.integers(MS_PER_HOUR, 2 * MS_PER_DAY, count),
    )
    delay = np.where((status == COMPLETED) | at_once, -1, delay)
    return status.astype(np.int8), at_once, delay.astype(np.int64)


def build_orders(
    rng: np.random.Generator,
    catalog: cat.Catalog,
    actors: Actors,
    sessions: Sessions,
    store: tuple[np.ndarray, np.ndarray, np.ndarray],
    discount_boost: np.ndarray,
) -> tuple[Orders, OrderLines]:
    """Orders of purchase sessions (online, first) and store visits, with lines and amounts.

    Online order times are set later from their purchase events (see finish_orders).
    """
    purchase_sessions = np.flatnonzero(sessions.purchase > 0)
    store_actor, store_day, store_ms = store
    online = len(purchase_sessions)
    actor = np.concatenate([sessions.actor[purchase_sessions], store_actor]).astype(np.int32)
    day = np.concatenate([sessions.day[purchase_sessions], store_day]).astype(np.int32)
    in_app = sessions.is_app[purchase_sessions] | sessions.switch[purchase_sessions]
    channel = np.concatenate([np.where(in_app, APP, WEB), np.full(len(store_actor), POS)])
    fraud = np.concatenate(
        [sessions.kind[purchase_sessions] == FRAUD_BURST, np.zeros(len(store_actor), dtype=bool)]
    )
    discount_probability = ps.profile_column("p_discount")[actors.profile[actor]]
    basket_cents, rate = basket_targets(
        rng, actors, actor, fraud, discount_probability + discount_boost[day]
    )
    lines = draw_lines(rng, catalog, actors, actor, fraud, basket_cents)
    line_count = np.bincount(lines.order, minlength=len(actor))
    subtotal = np.bincount(
        lines.order, weights=lines.quantity * lines.unit_cents, minlength=len(actor)
    ).astype(np.int64)
    discount = np.round(subtotal * rate).astype(np.int64)
    status, cancelled_at_once, change_delay = order_statuses(rng, fraud)
    orders = Orders(
        actor=actor,
        session=np.concatenate([purchase_sessions, np.full(len(store_actor), -1)]).astype(np.int32),
        channel=channel.astype(np.int8),
        day=day,
        ts_ms=np.concatenate([np.zeros(online, dtype=np.int64), store_ms]),
        line_start=(np.cumsum(line_count) - line_count).astype(np.int64),
        line_count=line_count.astype(np.int32),
        subtotal_cents=subtotal,
        discount_cents=discount,
        total_cents=subtotal - discount,
        payment=payment_methods(rng, actors, actor, channel, fraud).astype(np.int8),
        status=status,
        cancelled_at_once=cancelled_at_once,
        change_delay_ms=change_delay,
        number=np.zeros(len(actor), dtype=np.int64),
    )
    return orders, lines


def attach_orders(sessions: Sessions, orders: Orders) -> None:
    """Point each purchase session at its order and put one add_to_cart per order line in it."""
    online = np.flatnonzero(orders.session >= 0)
    sessions.order[orders.session[online]] = online.astype(np.int32)
    sessions.adds[orders.session[online]] = orders.line_count[online]


def finish_orders(orders: Orders, purchase_event_ms: np.ndarray, period: Period) -> None:
    """Set online order times from their purchase events, number orders chronologically, and
    drop status changes that would only arrive after the period (the order stays completed)."""
    online = orders.session >= 0
    orders.ts_ms = np.where(online, purchase_event_ms, orders.ts_ms)
    orders.number = np.argsort(np.argsort(orders.ts_ms, kind="stable"), kind="stable") + 1
    changes = orders.change_delay_ms >= 0
    too_late = changes & (orders.ts_ms + orders.change_delay_ms >= period.end_ms)
    orders.status = np.where(too_late, COMPLETED, orders.status).astype(np.int8)
    orders.change_delay_ms = np.where(too_late, -1, orders.change_delay_ms)
