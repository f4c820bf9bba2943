"""The bare DuckDB reference of the core SQL: what `make bench` compares the project with.

One DuckDB connection, no dbt: read the raw web and app event files, keep one row per event id
(the latest load: the later file), parse the timestamps to UTC, stitch cookies and app devices
to the logged-in customers they were seen with (an identifier seen with more than
``max_users`` customers is shared and bridges nobody; e-mails on CRM records bridge too), cut
30-minute sessions per person, and aggregate sessions per person and RFM per customer.

It is the work `dbt run --select +customer_features` does, without quarantine reasons, PII
hashing, audit logs, contracts or tests, so the ratio of the two is the project's overhead.
Run it as a script: ``python bench_reference.py <raw dir> [<database>]``; it prints a JSON line
with its wall time and counts (sessions, persons, customers with RFM).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

SESSION_TIMEOUT_MINUTES = 30
MAX_USERS_PER_IDENTIFIER = 3
MAX_ROUNDS = 32
# The raw boundary's rules (dbt_project.yml raw_timestamp_floor, raw_zero_timestamps,
# raw_max_future_minutes): timestamps before 1900, at the epoch or 15 h past arrival are dropped.
MAX_FUTURE_MINUTES = 900


def events_sql(raw_dir: Path) -> str:
    """Both event streams deduped on event id (latest file wins), as (identifier, user, time)."""
    web = raw_dir / "web_events" / "*.parquet"
    app = raw_dir / "app_events" / "*.parquet"
    return f"""
    create or replace table events as
    with web as (
        select event_id, 'anonymous_id' as identifier_type, anonymous_id as identifier,
            nullif(user_id, '') as user_id, try_cast(event_ts as timestamptz) as event_at,
            received_at, filename
        from read_parquet('{web}', filename = true)
    ),
    app as (
        select event_id, 'device_id', device_id, nullif(user_id, ''),
            try_cast(event_ts as timestamptz), received_at, filename
        from read_parquet('{app}', filename = true)
    ),
    unioned as (select 'web' as source, * from web union all select 'app', * from app)
    select source, event_id, identifier_type, identifier, user_id,
        cast(timezone('UTC', event_at) as timestamp) as event_at
    from unioned
    where event_id is not null and event_at >= timestamptz '1900-01-01 00:00:00+00'
        and event_at not in (timestamptz '1970-01-01 00:00:00+00')
        and (received_at is null or event_at <= received_at + interval {MAX_FUTURE_MINUTES} minute)
    qualify row_number() over (partition by source, event_id order by filename desc) = 1
    """


def stitch(connection: duckdb.DuckDBPyConnection, raw_dir: Path) -> int:
    """Connected components of customers joined by unshared identifiers (label propagation);
    returns the rounds it took. Leaves `person_of(identifier_type, identifier, person_id)`."""
    customers = raw_dir / "customers" / "*.parquet"
    connection.execute(f"""
    create or replace table links as
    with event_links as (
        select distinct identifier_type, identifier, user_id
        from events
        where identifier is not null
    ),
    email_links as (
        select distinct 'email' as identifier_type, lower(trim(email)) as identifier,
            customer_id as user_id
        from read_parquet('{customers}') where email is not null
    ),
    all_links as (select * from event_links union all select * from email_links),
    counted as (
        select *, count(distinct user_id) over (partition by identifier_type, identifier) as users
        from all_links
    )
    select identifier_type, identifier, user_id, users > {MAX_USERS_PER_IDENTIFIER} as shared
    from counted where user_id is not null
    """)
    connection.execute("""
    create or replace table edges as
    select distinct a.user_id as node, b.user_id as neighbour
    from links a join links b using (identifier_type, identifier)
    where not a.shared and a.user_id <> b.user_id
    """)
    connection.execute("""
    create or replace table labels as
    select distinct user_id as node, user_id as label from links
    """)
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        connection.execute("""
        create or replace table next_labels as
        select labels.node,
            least(labels.label, coalesce(min(neighbours.label), labels.label)) as label
        from labels
        left join edges on edges.node = labels.node
        left join labels as neighbours on neighbours.node = edges.neighbour
        group by labels.node, labels.label
        """)
        changed = connection.execute(
            "select count(*) from next_labels join labels using (node)"
            " where next_labels.label <> labels.label"
        ).fetchone()[0]
        connection.execute("create or replace table labels as select * from next_labels")
        if not changed:
            break
    connection.execute("""
    create or replace table person_of as
    with anonymous as (
        select identifier_type, identifier, min(labels.label) as person_id
        from links join labels on labels.node = links.user_id
        where not shared
        group by identifier_type, identifier
    )
    select * from anonymous
    """)
    return rounds


def sessions_sql() -> str:
    """Events attributed to people, 30-minute sessions, per-person session aggregates."""
    return f"""
    create or replace table sessions as
    with attributed as (
        select
            coalesce(user_labels.label, person_of.person_id,
                events.identifier_type || ':' || events.identifier) as person_id,
            events.event_at
        from events
        left join labels as user_labels on user_labels.node = events.user_id
        left join person_of
            on person_of.identifier_type = events.identifier_type
            and person_of.identifier = events.identifier
    ),
    gaps as (
        select person_id, event_at,
            case when event_at - lag(event_at) over (partition by person_id order by event_at)
                <= interval {SESSION_TIMEOUT_MINUTES} minute then 0 else 1 end as is_start
        from attributed
    ),
    numbered as (
        select person_id, event_at,
            sum(is_start) over (partition by person_id order by event_at
                rows unbounded preceding) as session_number
        from gaps
    )
    select person_id, session_number, min(event_at) as started_at, max(event_at) as ended_at,
        count(*) as events
    from numbered
    group by person_id, session_number
    """


def rfm_sql(raw_dir: Path) -> str:
    """Per person: sessions, recency; per customer: RFM over completed orders."""
    orders = raw_dir / "orders" / "*.parquet"
    return f"""
    create or replace table person_features as
    with session_aggregates as (
        select person_id, count(*) as sessions, max(ended_at) as last_session_at,
            avg(events) as events_per_session,
            avg(epoch(ended_at) - epoch(started_at)) as avg_session_duration_s
        from sessions group by person_id
    ),
    orders as (
        select order_id, customer_id,
            cast(timezone('UTC', cast(order_ts as timestamptz)) as timestamp) as ordered_at,
            total_amount, status
        from read_parquet('{orders}', filename = true)
        qualify row_number() over (partition by order_id order by filename desc) = 1
    ),
    as_of as (select max(ordered_at) as as_of_at from orders),
    rfm as (
        select customer_id,
            date_diff('day', max(ordered_at), any_value(as_of.as_of_at)) as recency_days,
            count(*) as frequency, sum(total_amount) as monetary
        from orders cross join as_of
        where status = 'completed'
        group by customer_id
    )
    select coalesce(labels.label, rfm.customer_id) as person_id, rfm.*,
        session_aggregates.sessions, session_aggregates.last_session_at,
        session_aggregates.events_per_session, session_aggregates.avg_session_duration_s
    from rfm
    left join labels on labels.node = rfm.customer_id
    full join session_aggregates on session_aggregates.person_id = labels.label
    """


def run_reference(raw_dir: Path | str, database: str = ":memory:") -> dict[str, object]:
    """Run the reference on a raw folder; wall time and counts."""
    raw_dir = Path(raw_dir)
    started = time.time()
    connection = duckdb.connect(database)
    connection.execute(events_sql(raw_dir))
    rounds = stitch(connection, raw_dir)
    connection.execute(sessions_sql())
    connection.execute(rfm_sql(raw_dir))
    counts = connection.execute(
        "select (select count(*) from events), (select count(*) from sessions),"
        " (select count(distinct person_id) from sessions),"
        " (select count(*) from person_features where frequency is not null)"
    ).fetchone()
    connection.close()
    return {
        "wall_s": round(time.time() - started, 2),
        "events": counts[0],
        "sessions": counts[1],
        "persons_with_sessions": counts[2],
        "customers_with_rfm": counts[3],
        "stitch_rounds": rounds,
    }


if __name__ == "__main__":
    print(json.dumps(run_reference(sys.argv[1], *(sys.argv[2:3] or [":memory:"]))))
