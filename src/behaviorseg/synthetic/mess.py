"""What real pipelines receive instead of clean facts: latency, late syncs, re-sends, duplicates
and the occasional broken row. Each raw row points at the clean record it was made from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic.calendar import MS_PER_DAY, MS_PER_MINUTE, Period
from behaviorseg.synthetic.commerce import CANCELLED, COMPLETED, Orders
from behaviorseg.synthetic.tables import ColumnTable

NO_DEFECT = 0
# Event defects.
NULL_ID, BAD_TIMESTAMP, NULL_TYPE = 1, 2, 3
# Order defects.
NULL_CUSTOMER, NEGATIVE_TOTAL = 1, 2
BAD_TIMESTAMPS: tuple[str, ...] = ("not-a-timestamp", "2025-13-45T99:00:00Z", "0000-00-00 00:00:00")

DUPLICATE_SHARE = 0.01  # exact re-sends of an event
RESEND_SHARE = 0.005  # same event id re-sent later
MALFORMED_SHARE = 0.001  # rows with a missing or unparseable required value
ORDER_DUPLICATE_SHARE = 0.003


@dataclass(frozen=True)
class Latency:
    """How events of one source reach the collector."""

    median_ms: float
    spread: float  # lognormal sigma
    late_share: float  # synced 1-7 days late


WEB_LATENCY = Latency(median_ms=400.0, spread=0.8, late_share=0.005)
APP_LATENCY = Latency(median_ms=15_000.0, spread=1.5, late_share=0.03)


@dataclass
class RawEventRows(ColumnTable):
    """Raw rows of one event source."""

    event: np.ndarray  # index of the event the row carries
    received_ms: np.ndarray
    defect: np.ndarray
    id_number: np.ndarray  # the event id is derived from this number


def sample(rng: np.random.Generator, count: int, share: float) -> np.ndarray:
    """About share x count distinct row positions, sorted."""
    return np.sort(rng.choice(count, size=round(count * share), replace=False))


def event_rows(
    rng: np.random.Generator,
    events: np.ndarray,
    ts_ms: np.ndarray,
    latency: Latency,
    period: Period,
    fresh_id_start: int,
) -> RawEventRows:
    """Rows for the events `events` (indices) that happened at `ts_ms`, as received."""
    count = len(events)
    delay = np.exp(np.log(latency.median_ms) + latency.spread * rng.standard_normal(count))
    late = rng.random(count) < latency.late_share
    delay = np.where(late, delay + rng.uniform(1, 7, count) * MS_PER_DAY, delay)
    # Everything that happened is received by the end of the export (late rows at the latest).
    received = np.minimum(ts_ms + delay.astype(np.int64), period.end_ms - 1)
    originals = RawEventRows(
        event=events.astype(np.int64),
        received_ms=received,
        defect=np.zeros(count, dtype=np.int8),
        id_number=events.astype(np.int64),
    )

    duplicates = originals.take(sample(rng, count, DUPLICATE_SHARE))
    resent = originals.take(sample(rng, count, RESEND_SHARE))
    resent.received_ms = resent.received_ms + rng.integers(
        10 * MS_PER_MINUTE, 3 * MS_PER_DAY, len(resent)
    )
    resent = resent.take(resent.received_ms < period.end_ms)
    broken = originals.take(sample(rng, count, MALFORMED_SHARE))
    broken.defect = rng.integers(NULL_ID, NULL_TYPE + 1, len(broken)).astype(np.int8)
    broken.id_number = fresh_id_start + np.arange(len(broken), dtype=np.int64)
    return RawEventRows.concat([originals, duplicates, resent, broken])


@dataclass
class RawOrderRows(ColumnTable):
    """Raw order rows: placements, later status changes, re-sends and broken rows."""

    order: np.ndarray
    status: np.ndarray
    arrived_ms: np.ndarray
    defect: np.ndarray
    number: np.ndarray  # order id number


def order_rows(rng: np.random.Generator, orders: Orders) -> RawOrderRows:
    """The order export: each order on its day, its status change on the later day."""
    count = len(orders)
    index = np.arange(count, dtype=np.int64)
    placed = RawOrderRows(
        order=index,
        status=np.where(orders.cancelled_at_once, CANCELLED, COMPLETED).astype(np.int8),
        arrived_ms=orders.ts_ms,
        defect=np.zeros(count, dtype=np.int8),
        number=orders.number.astype(np.int64),
    )
    changed = np.flatnonzero(orders.change_delay_ms >= 0)
    changes = placed.take(changed)
    changes.status = orders.status[changed]
    changes.arrived_ms = orders.ts_ms[changed] + orders.change_delay_ms[changed]
    duplicates = placed.take(sample(rng, count, ORDER_DUPLICATE_SHARE))
    broken = placed.take(sample(rng, count, MALFORMED_SHARE))
    broken.defect = rng.integers(NULL_CUSTOMER, NEGATIVE_TOTAL + 1, len(broken)).astype(np.int8)
    broken.status = np.full(len(broken), COMPLETED, dtype=np.int8)
    broken.number = count + 1 + np.arange(len(broken), dtype=np.int64)
    return RawOrderRows.concat([placed, changes, duplicates, broken])
