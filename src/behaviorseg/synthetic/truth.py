"""Ground truth written next to the raw data (`<out>/_truth/`), for checking every analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import Period
from behaviorseg.synthetic.experiments import EXPERIMENTS, uplift_table
from behaviorseg.synthetic.incidents import incidents_truth
from behaviorseg.synthetic.population import ANOMALY_KINDS
from behaviorseg.synthetic.render import World
from behaviorseg.synthetic.sessions import DRIFT_DAYS_BEFORE_END, DRIFT_PERSONA
from behaviorseg.synthetic.writer import TRUTH_DIR, write_table


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: much faster than np.unique's hash path here)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def customers_truth(world: World) -> pa.Table:
    """customer_id, persona, is_anomalous, anomaly_kind."""
    count = world.actors.n_customers
    anomaly = world.actors.anomaly[:count].astype(np.int64)
    return pa.table(
        {
            "customer_id": world.customer_ids,
            "persona": pa.array(ps.PERSONA_NAMES).take(
                pa.array(world.actors.profile[:count].astype(np.int64))
            ),
            "is_anomalous": pa.array(anomaly > 0),
            "anomaly_kind": pa.array(list(ANOMALY_KINDS), type=pa.string()).take(pa.array(anomaly)),
        }
    )


def identities_truth(world: World, web_events: np.ndarray, app_events: np.ndarray) -> pa.Table:
    """Every identifier seen in the written events and the person it belongs to.

    Customers' cookies, devices and user ids map to the customer id; a visitor's cookie to
    'visitor:<cookie>'; a shared kiosk to 'shared:<cookie>'.
    """
    events, ids, actors = world.events, world.ids, world.actors
    cookies = distinct(events.ident[web_events])
    devices = distinct(events.ident[app_events])
    seen = np.concatenate([web_events, app_events])
    logged = seen[events.logged_in[seen]]
    users = distinct(world.sessions.actor[events.session[logged]])
    users = users[users < actors.n_customers]

    cookie_text = world.cookie_ids.take(pa.array(cookies))
    owner = ids.cookie_owner[cookies]
    customer_owned = (owner >= 0) & (owner < actors.n_customers)
    cookie_person = pc.if_else(
        pa.array(owner < 0),
        pc.binary_join_element_wise("shared:", cookie_text, ""),
        pc.binary_join_element_wise("visitor:", cookie_text, ""),
    )
    cookie_person = pc.if_else(
        pa.array(customer_owned),
        world.customer_id(np.where(customer_owned, owner, 0)),
        cookie_person,
    )
    device_person = world.customer_ids.take(pa.array(ids.device_owner[devices]))
    user_text = world.customer_ids.take(pa.array(users))
    table = pa.table(
        {
            "identifier_type": pa.array(
                ["anonymous_id"] * len(cookies)
                + ["device_id"] * len(devices)
                + ["user_id"] * len(users)
            ),
            "identifier": pa.concat_arrays(
                [cookie_text, world.device_ids.take(pa.array(devices)), user_text]
            ),
            "person": pa.concat_arrays([cookie_person, device_person, user_text]),
        }
    )
    return table.sort_by([("identifier_type", "ascending"), ("identifier", "ascending")])


def drifts_truth(period: Period) -> pa.Table:
    """The planted drift: the persona, the metrics that fall, and from when."""
    start = period.date(max(0, period.days - DRIFT_DAYS_BEFORE_END))
    return pa.table(
        {
            "persona": [DRIFT_PERSONA, DRIFT_PERSONA],
            "metric": ["sessions", "orders"],
            "start_date": pa.array([start, start], type=pa.date32()),
        }
    )


def experiments_truth() -> pa.Table:
    """True relative uplift of the per-session purchase probability, per experiment and persona."""
    uplift = uplift_table()
    return pa.table(
        {
            "experiment_id": [exp for exp in EXPERIMENTS for _ in ps.PERSONA_NAMES],
            "persona": [persona for _ in EXPERIMENTS for persona in ps.PERSONA_NAMES],
            "true_uplift": pa.array(uplift.ravel(), type=pa.float64()),
        }
    )


def write_truth(
    out_dir: Path, world: World, web_events: np.ndarray, app_events: np.ndarray
) -> None:
    """All five truth tables."""
    folder = out_dir / TRUTH_DIR
    write_table(customers_truth(world), folder / "customers.parquet")
    write_table(identities_truth(world, web_events, app_events), folder / "identities.parquet")
    write_table(drifts_truth(world.period), folder / "drifts.parquet")
    write_table(experiments_truth(), folder / "experiments.parquet")
    write_table(incidents_truth(world.period), folder / "incidents.parquet")
