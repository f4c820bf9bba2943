"""Planted funnel incidents: a one-device checkout loop and a payment outage.

Both stories are written to `_truth/incidents.parquet` so the friction alerts and the funnel
drift can be checked against them:

- checkout loop: for `LOOP_WEEKS` weeks, `LOOP_SHARE` of the web sessions on `LOOP_DEVICE`
  that reach checkout are sent back to the cart (an extra add_to_cart, then checkout again)
  before they go on as they would have (a broken button: people retry).
- payment outage: for `OUTAGE_WEEKS` weeks, `OUTAGE_FAIL_SHARE` of the regular sessions that
  would have bought fail at payment (they reach checkout, no order is placed), and
  `SUPPORT_AFTER_FAILURE_SHARE` of those contact support (a contact_support event).

Outside the incidents `SUPPORT_BASE_SHARE` of the people's sessions contact support. Weeks
start on Monday and are placed a fixed number of weeks before the period's end; a period too
short to hold `MIN_HISTORY_DAYS` of history before an incident does not get it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from behaviorseg.synthetic import catalog as cat
from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import Period
from behaviorseg.synthetic.population import Identifiers
from behaviorseg.synthetic.sessions import REGULAR, SECOND_ITEM_SHARE, Sessions

LOOP_DEVICE = "mobile"
LOOP_WEEKS = 4
LOOP_WEEKS_BEFORE_END = 28
LOOP_SHARE = 0.6
OUTAGE_WEEKS = 3
OUTAGE_WEEKS_BEFORE_END = 16
OUTAGE_FAIL_SHARE = 0.5
SUPPORT_BASE_SHARE = 0.01
SUPPORT_AFTER_FAILURE_SHARE = 0.35
# Twelve weeks of ordinary history before an incident (a baseline to judge it against).
MIN_HISTORY_DAYS = 84


@dataclass(frozen=True)
class Window:
    """Local day indexes [first_day, first_day + days) of an incident."""

    first_day: int
    days: int

    def contains(self, day: np.ndarray) -> np.ndarray:
        """True for the day indexes inside the window."""
        return (day >= self.first_day) & (day < self.first_day + self.days)


def window(period: Period, weeks_before_end: int, weeks: int) -> Window | None:
    """The incident's weeks (Monday to Sunday) `weeks_before_end` weeks before the end, or
    None when the period holds no MIN_HISTORY_DAYS before it."""
    first = period.days - 7 * weeks_before_end
    first -= (period.start_date.weekday() + first) % 7  # back to a Monday
    if first < MIN_HISTORY_DAYS or first + 7 * weeks > period.days:
        return None
    return Window(first, 7 * weeks)


def loop_window(period: Period) -> Window | None:
    """The checkout loop's weeks."""
    return window(period, LOOP_WEEKS_BEFORE_END, LOOP_WEEKS)


def outage_window(period: Period) -> Window | None:
    """The payment outage's weeks."""
    return window(period, OUTAGE_WEEKS_BEFORE_END, OUTAGE_WEEKS)


def plant_outage(rng: np.random.Generator, sessions: Sessions, period: Period) -> np.ndarray:
    """Fail payment in the outage window; returns the mask of sessions whose payment failed.

    Must run before the orders are built from the sessions (a failed payment places none).
    """
    failed = np.zeros(len(sessions), dtype=bool)
    outage = outage_window(period)
    if outage is not None:
        buying = (sessions.purchase == 1) & (sessions.kind == REGULAR)
        failed = buying & outage.contains(sessions.day)
        failed &= rng.random(len(sessions)) < OUTAGE_FAIL_SHARE
    sessions.purchase = np.where(failed, 0, sessions.purchase).astype(np.int32)
    # A bought cart's items are added from its order lines later; a failed one keeps its cart.
    items = 1 + (rng.random(len(sessions)) < SECOND_ITEM_SHARE)
    sessions.adds = np.where(failed, items, sessions.adds).astype(np.int32)
    return failed


def plant_loop_and_support(
    rng: np.random.Generator,
    sessions: Sessions,
    ids: Identifiers,
    period: Period,
    failed: np.ndarray,
) -> None:
    """The checkout loop on LOOP_DEVICE and the support contacts (base rate and outage)."""
    count = len(sessions)
    loop = np.zeros(count, dtype=bool)
    looping = loop_window(period)
    if looping is not None:
        web_only = ~sessions.is_app & ~sessions.switch & (sessions.cookie >= 0)
        device = ids.cookie_device_type[np.maximum(sessions.cookie, 0)]
        on_device = web_only & (device == cat.DEVICE_TYPES.index(LOOP_DEVICE))
        loop = on_device & (sessions.checkout == 1) & looping.contains(sessions.day)
        loop &= rng.random(count) < LOOP_SHARE
    sessions.loop = loop.astype(np.int32)
    # People contact support when something went wrong: never in a session that bought.
    person = (sessions.profile != ps.BOT_PROFILE) & (sessions.kind == REGULAR)
    person &= sessions.purchase == 0
    draw = rng.random(count)
    support = person & (draw < SUPPORT_BASE_SHARE)
    support |= failed & (draw < SUPPORT_AFTER_FAILURE_SHARE)
    sessions.support = support.astype(np.int32)


def incidents_truth(period: Period) -> pa.Table:
    """The planted incidents: what changed, on which device and step, from when to when."""
    rows = []
    for incident, found, device, from_state, to_state, effect in (
        ("checkout_loop", loop_window(period), LOOP_DEVICE, "checkout", "add_to_cart", "rise"),
        ("payment_outage", outage_window(period), "all", "checkout", "purchase", "fall"),
    ):
        if found is not None:
            rows.append(
                {
                    "incident": incident,
                    "device_type": device,
                    "from_state": from_state,
                    "to_state": to_state,
                    "effect": effect,
                    "start_date": period.date(found.first_day),
                    "end_date": period.date(found.first_day + found.days - 1),
                }
            )
    schema = pa.schema(
        [
            ("incident", pa.string()),
            ("device_type", pa.string()),
            ("from_state", pa.string()),
            ("to_state", pa.string()),
            ("effect", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)
