"""A tiny hand-made raw data set for erasure and consent tests, every row's owner known.

cust-ann and cust-bob both logged in on the shared cookie k-shared, so the identity graph
stitches them into one person. cust-ann also has her own cookie k-c1 (one logged-in and one
anonymous event), an app device d-c1 (one logged-in and one anonymous event), two orders
(o1, o2), a CRM record and a support ticket. cust-bob has his own cookie k-c2, one order (o3)
and a CRM record. cust-cid has one order (o4) and no CRM record; cust-dan only web events (a
cart left on the first day, no order) and no CRM record. Every order is 'completed', with one
item. Both CRM records consent to marketing and tracking.
"""

from __future__ import annotations

from pathlib import Path

from dbt_helpers import write_entity


def web_event(event_id: str, anonymous_id: str, user_id: str | None, ts: str, **extra) -> dict:
    return {
        "event_id": event_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "event_type": extra.pop("event_type", "page_view"),
        "event_ts": ts,
        "page_url": "/home",
        "product_id": extra.pop("product_id", None),
        "price": extra.pop("price", None),
        **extra,
    }


# fmt: off
WEB_EVENTS = [
    web_event("w1", "k-shared", "cust-ann", "2025-10-01T10:00:00Z"),
    web_event("w2", "k-shared", "cust-ann", "2025-10-01T10:05:00Z", event_type="add_to_cart",
              product_id="p1", price=10.0),
    web_event("w3", "k-shared", "cust-bob", "2025-10-03T18:00:00Z"),
    web_event("w4", "k-shared", "cust-bob", "2025-10-03T18:04:00Z"),
    web_event("w5", "k-c1", "cust-ann", "2025-10-02T09:00:00Z"),
    web_event("w6", "k-c1", None, "2025-10-05T09:00:00Z"),
    web_event("w7", "k-c2", "cust-bob", "2025-10-04T12:00:00Z"),
    web_event("w8", "k-c2", "cust-bob", "2025-10-06T12:00:00Z"),
    # cust-dan: web only, no CRM record, no order: a cart left on the first day.
    web_event("w9", "k-dan", "cust-dan", "2025-10-01T15:00:00Z"),
    web_event("w10", "k-dan", "cust-dan", "2025-10-01T15:02:00Z", event_type="add_to_cart",
              product_id="p1", price=10.0),
]
APP_EVENTS = [
    {"event_id": "a1", "device_id": "d-c1", "user_id": "cust-ann", "event_name": "app_open",
     "platform": "ios", "event_ts": "2025-10-02T20:00:00Z"},
    {"event_id": "a2", "device_id": "d-c1", "user_id": None, "event_name": "screen_view",
     "platform": "ios", "event_ts": "2025-10-02T20:01:00Z"},
]
ORDERS = [
    {"order_id": "o1", "customer_id": "cust-ann", "order_ts": "2025-10-01T10:10:00Z",
     "status": "completed", "currency": "EUR", "total_amount": 10.0},
    {"order_id": "o2", "customer_id": "cust-ann", "order_ts": "2025-10-05T10:10:00Z",
     "status": "completed", "currency": "EUR", "total_amount": 20.0},
    {"order_id": "o3", "customer_id": "cust-bob", "order_ts": "2025-10-03T18:10:00Z",
     "status": "completed", "currency": "EUR", "total_amount": 30.0},
    {"order_id": "o4", "customer_id": "cust-cid", "order_ts": "2025-10-04T08:00:00Z",
     "status": "completed", "currency": "EUR", "total_amount": 40.0},
]
ORDER_ITEMS = [
    {"order_id": order["order_id"], "line_number": 1, "product_id": "p1", "category": "books",
     "quantity": 1, "unit_price": order["total_amount"]}
    for order in ORDERS
]
CUSTOMERS = [
    {"customer_id": "cust-ann", "email": "one@example.com", "country": "DE",
     "signup_ts": "2025-09-01T00:00:00Z", "marketing_consent": True, "tracking_consent": True,
     "updated_at": "2025-09-01T00:00:00Z"},
    {"customer_id": "cust-bob", "email": "two@example.com", "country": "FR",
     "signup_ts": "2025-09-02T00:00:00Z", "marketing_consent": True, "tracking_consent": True,
     "updated_at": "2025-09-02T00:00:00Z"},
]
TICKETS = [
    {"ticket_id": "t1", "customer_id": "cust-ann", "email": "one@example.com", "channel": "email",
     "category": "billing", "opened_at": "2025-10-02T11:00:00Z"},
]
# fmt: on


def write_fixture(raw_dir: Path) -> None:
    """The data set as one Parquet file per entity."""
    write_entity(raw_dir, "web_events", "day1.parquet", WEB_EVENTS)
    write_entity(raw_dir, "app_events", "day1.parquet", APP_EVENTS)
    write_entity(raw_dir, "orders", "day1.parquet", ORDERS)
    write_entity(raw_dir, "order_items", "day1.parquet", ORDER_ITEMS)
    write_entity(raw_dir, "customers", "day1.parquet", CUSTOMERS)
    write_entity(raw_dir, "support_tickets", "day1.parquet", TICKETS)
