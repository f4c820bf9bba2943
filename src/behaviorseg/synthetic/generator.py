"""`generate()`: the whole synthetic data set, from a seed to Parquet files."""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from behaviorseg.synthetic import (
    calendar,
    commerce,
    crm,
    events,
    experiments,
    incidents,
    mess,
    render,
)
from behaviorseg.synthetic import catalog as cat
from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic import population as pop
from behaviorseg.synthetic import sessions as ses
from behaviorseg.synthetic.render import World
from behaviorseg.synthetic.truth import write_truth
from behaviorseg.synthetic.writer import clear_output, write_by_day


def stream(seed: int, component: str) -> np.random.Generator:
    """An independent random stream per component (changing one part leaves the others)."""
    return np.random.default_rng([seed, zlib.crc32(component.encode())])


@dataclass(frozen=True)
class RawRows:
    """Every raw row to write, per entity, pointing into the world."""

    web: mess.RawEventRows
    app: mess.RawEventRows
    orders: mess.RawOrderRows
    customers: crm.CustomerRows
    tickets: crm.TicketRows
    assignments: experiments.AssignmentRows


def purchase_probability(
    actors: pop.Actors,
    visits: ses.Visits,
    period: calendar.Period,
    assignments: experiments.Assignments,
) -> np.ndarray:
    """Per visit: persona purchase probability x holiday season x experiment lift."""
    base = ps.profile_column("p_purchase")[actors.profile[visits.actor]]
    # New customers often use their welcome offer right when they sign up.
    base = np.where(visits.kind == ses.SIGNUP, ps.WELCOME_ORDER_SHARE, base)
    season = calendar.purchase_seasonality(period)[visits.day]
    lift = experiments.purchase_lift(visits, actors, assignments)
    return np.minimum(base * season * lift, 0.95)


def simulate(
    seed: int, customers: int, period: calendar.Period
) -> tuple[World, experiments.Assignments]:
    """The clean facts: people, visits, sessions, orders, events, tickets."""
    season = calendar.session_seasonality(period)
    catalog = cat.build_catalog(stream(seed, "catalog"))
    actors = pop.build_actors(stream(seed, "actors"), customers, period)
    ids = pop.build_identifiers(stream(seed, "identifiers"), actors)
    visits = ses.all_visits(stream(seed, "visits"), actors, ids, period, season)
    assignments = experiments.assign(stream(seed, "experiments"), visits, actors, period)
    probability = purchase_probability(actors, visits, period, assignments)
    sessions = ses.plan_sessions(stream(seed, "sessions"), visits, actors, ids, probability)
    incident_stream = stream(seed, "incidents")
    failed = incidents.plant_outage(incident_stream, sessions, period)
    incidents.plant_loop_and_support(incident_stream, sessions, ids, period, failed)
    store = commerce.store_orders(stream(seed, "store"), actors, period, season)
    orders, lines = commerce.build_orders(
        stream(seed, "orders"), catalog, actors, sessions, store, calendar.discount_boost(period)
    )
    commerce.attach_orders(sessions, orders)
    event_table = events.expand_events(
        stream(seed, "events"), sessions, actors, catalog, orders, lines
    )
    events.pull_inside_period(event_table, sessions, period.end_ms)
    last_event = events.session_last_event(sessions)
    purchase_ms = event_table.ts_ms[last_event[np.maximum(orders.session, 0)]]
    commerce.finish_orders(orders, purchase_ms, period)
    tickets = crm.build_tickets(stream(seed, "tickets"), actors, period, season)
    names = (len(cat.FIRST_NAMES), len(cat.LAST_NAMES), len(cat.EMAIL_DOMAINS))
    people = crm.draw_people(stream(seed, "people"), customers, names)
    world = World(
        period, actors, ids, catalog, sessions, event_table, orders, lines, tickets, people
    )
    return world, assignments


def raw_rows(seed: int, world: World, assignments: experiments.Assignments) -> RawRows:
    """The facts as an export delivers them: late, duplicated, re-sent, partly broken."""
    event_table, period = world.events, world.period
    web = np.flatnonzero(~event_table.is_app)
    app = np.flatnonzero(event_table.is_app)
    fresh_ids = len(event_table)
    return RawRows(
        web=mess.event_rows(
            stream(seed, "web_mess"),
            web,
            event_table.ts_ms[web],
            mess.WEB_LATENCY,
            period,
            fresh_ids,
        ),
        app=mess.event_rows(
            stream(seed, "app_mess"),
            app,
            event_table.ts_ms[app],
            mess.APP_LATENCY,
            period,
            fresh_ids,
        ),
        orders=mess.order_rows(stream(seed, "order_mess"), world.orders),
        customers=crm.customer_rows(stream(seed, "crm"), world.actors, period),
        tickets=crm.ticket_rows(world.tickets),
        assignments=experiments.assignment_rows(
            stream(seed, "assignment_mess"), assignments, period
        ),
    )


def write_entities(out_dir: Path, world: World, rows: RawRows) -> dict[str, float | int]:
    """Every entity's daily files; returns rows written per entity."""
    orders, lines = world.orders, world.lines
    # entity -> (arrival time of each row, rows -> Arrow table)
    jobs: dict[str, tuple[np.ndarray, Callable[[np.ndarray], pa.Table]]] = {
        "web_events": (
            rows.web.received_ms,
            lambda index: render.web_events_table(world, rows.web.take(index)),
        ),
        "app_events": (
            rows.app.received_ms,
            lambda index: render.app_events_table(world, rows.app.take(index)),
        ),
        "orders": (
            rows.orders.arrived_ms,
            lambda index: render.orders_table(world, rows.orders.take(index)),
        ),
        "order_items": (
            orders.ts_ms[lines.order],
            lambda index: render.order_items_table(world, index),
        ),
        "support_tickets": (
            rows.tickets.arrived_ms,
            lambda index: render.tickets_table(world, rows.tickets.take(index)),
        ),
        "customers": (
            rows.customers.updated_ms,
            lambda index: render.customers_table(world, rows.customers.take(index)),
        ),
        "experiment_assignments": (
            rows.assignments.assigned_ms,
            lambda index: render.assignments_table(world, rows.assignments, index),
        ),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {
            entity: write_by_day(out_dir, entity, arrival, table_of, world.period, pool)
            for entity, (arrival, table_of) in jobs.items()
        }


def generate(
    out_dir: Path, customers: int, days: int, seed: int, start_date: dt.date
) -> dict[str, float | int]:
    """Write a synthetic raw data set (the raw contract) and its ground truth to out_dir.

    Returns the rows written per entity and "seconds" (wall time). The same arguments give
    byte-identical files; out_dir's entity folders are replaced, not added to.
    """
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    world, assignments = simulate(seed, customers, calendar.Period(start_date, days))
    rows = raw_rows(seed, world, assignments)
    clear_output(out_dir)
    counts = write_entities(out_dir, world, rows)
    write_truth(out_dir, world, rows.web.event, rows.app.event)
    counts["seconds"] = time.perf_counter() - started
    return counts
