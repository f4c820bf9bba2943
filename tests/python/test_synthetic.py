"""The synthetic data generator: layout, determinism, contract, planted truths, mess.

Small data sets are generated once per module. The persona check recomputes per-customer
behavior features straight from the raw files with pandas (stitching identities with the
ground truth, 30-minute sessions) and asks K-Means to find the personas again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from behaviorseg.synthetic import generate, render, text
from behaviorseg.synthetic.render import SCHEMAS
from behaviorseg.synthetic.writer import ENTITIES

SESSION_GAP = pd.Timedelta(minutes=30)
FEATURE_WINDOW = pd.Timedelta(days=90)
PAGE_EVENTS = {"page_view", "product_view", "search", "begin_checkout", "screen_view"}
# A period that contains Black Friday and Cyber Monday.
SMALL = {"customers": 700, "days": 60, "seed": 3, "start_date": dt.date(2025, 10, 20)}
# Long enough that churners have gone quiet before the 90-day feature window.
MEDIUM = {"customers": 3000, "days": 200, "seed": 42, "start_date": dt.date(2025, 2, 1)}
TINY = {"customers": 150, "days": 20, "start_date": dt.date(2025, 10, 1)}


@dataclass(frozen=True)
class Generated:
    """A generated folder and the row counts generate() returned."""

    path: Path
    counts: dict[str, float | int]
    start: dt.date
    days: int

    def read(self, entity: str) -> pd.DataFrame:
        """All rows of an entity, with the load day of the file each row came from."""
        frames = [
            pq.read_table(path).to_pandas().assign(load_day=dt.date.fromisoformat(path.stem))
            for path in sorted((self.path / entity).glob("*.parquet"))
        ]
        return pd.concat(frames, ignore_index=True)

    def truth(self, name: str) -> pd.DataFrame:
        """A ground-truth table."""
        return pd.read_parquet(self.path / "_truth" / f"{name}.parquet")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    path = tmp_path_factory.mktemp("small")
    counts = generate(out_dir=path, **SMALL)
    return Generated(path, counts, SMALL["start_date"], SMALL["days"])


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    path = tmp_path_factory.mktemp("medium")
    counts = generate(out_dir=path, **MEDIUM)
    return Generated(path, counts, MEDIUM["start_date"], MEDIUM["days"])


def folder_digest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under folder."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --- Events as a pipeline would see them: valid, deduplicated, stitched, sessionised --------


def valid_events(frame: pd.DataFrame, type_column: str) -> pd.DataFrame:
    """Rows with an id, a type and a parseable time; the latest copy of each event id."""
    ts = pd.to_datetime(frame["event_ts"], utc=True, format="ISO8601", errors="coerce")
    valid = frame["event_id"].notna() & frame[type_column].notna() & ts.notna()
    frame = frame[valid].assign(ts=ts[valid])
    return frame.sort_values("received_at", kind="stable").drop_duplicates("event_id", keep="last")


def stitched_events(data: Generated) -> pd.DataFrame:
    """Web and app events of customers, attributed with the true identity map."""
    identities = data.truth("identities")
    person = {
        kind: identities[identities.identifier_type == kind].set_index("identifier").person
        for kind in ("anonymous_id", "device_id")
    }
    web = valid_events(data.read("web_events"), "event_type")
    app = valid_events(data.read("app_events"), "event_name")
    events = pd.concat(
        [
            pd.DataFrame(
                {
                    "person": web.user_id.fillna(web.anonymous_id.map(person["anonymous_id"])),
                    "ts": web.ts,
                    "local_day": web.event_ts.str[:10],
                    "type": web.event_type,
                    "is_app": False,
                    "scroll": web.scroll_depth.astype(float),
                    "category": web.category,
                    "feature": None,
                }
            ),
            pd.DataFrame(
                {
                    "person": app.user_id.fillna(app.device_id.map(person["device_id"])),
                    "ts": app.ts,
                    "local_day": app.event_ts.str[:10],
                    "type": app.event_name,
                    "is_app": True,
                    "scroll": np.nan,
                    "category": None,
                    "feature": app.feature,
                }
            ),
        ],
        ignore_index=True,
    )
    events = events[events.person.notna() & ~events.person.str.contains(":")]
    events = events.sort_values(["person", "ts"], kind="stable").reset_index(drop=True)
    starts = (events.person != events.person.shift()) | (events.ts.diff() > SESSION_GAP)
    events["session"] = starts.cumsum()
    events["is_page"] = events.type.isin(PAGE_EVENTS)
    events["is_cart"] = events.type == "add_to_cart"
    events["is_purchase"] = events.type == "purchase"
    return events


def sessions_of(events: pd.DataFrame) -> pd.DataFrame:
    """One row per session."""
    sessions = events.groupby("session").agg(
        person=("person", "first"),
        start=("ts", "min"),
        end=("ts", "max"),
        local_day=("local_day", "first"),
        pages=("is_page", "sum"),
        scroll=("scroll", "mean"),
        cart=("is_cart", "any"),
        purchase=("is_purchase", "any"),
    )
    sessions["duration"] = (sessions.end - sessions.start).dt.total_seconds()
    return sessions


def completed_orders(data: Generated) -> pd.DataFrame:
    """The latest version of every valid order, with UTC times."""
    orders = data.read("orders").drop_duplicates("order_id", keep="last")
    orders = orders[orders.customer_id.notna() & (orders.total_amount >= 0)]
    orders = orders.assign(ts=pd.to_datetime(orders.order_ts, utc=True, format="ISO8601"))
    return orders[orders.status == "completed"]


FEATURES = [
    "frequency", "monetary", "recency_days", "sessions_per_week", "days_since_last_session",
    "session_duration", "pages_per_session", "scroll_depth", "distinct_features",
    "distinct_categories", "app_share", "days_between_orders", "cart_abandonment", "aov",
    "discounted_share", "tickets", "csat",
]  # fmt: skip
HEAVY_TAILED = [
    "frequency", "monetary", "recency_days", "sessions_per_week", "days_since_last_session",
    "session_duration", "pages_per_session", "days_between_orders", "aov", "tickets",
]  # fmt: skip


def customer_features(data: Generated, events: pd.DataFrame) -> pd.DataFrame:
    """Per customer: RFM, engagement and support features, as of the last event.

    Rates use the last 90 days, recency the whole history; absent values get neutral fillers
    (no orders: recency and gaps of the whole history, zero value).
    """
    sessions = sessions_of(events)
    as_of = events.ts.max()
    history_days = (as_of - events.ts.min()).days
    recent = sessions[sessions.start > as_of - FEATURE_WINDOW]
    recent_events = events[events.ts > as_of - FEATURE_WINDOW]
    by_person = recent.groupby("person")
    engagement = pd.DataFrame(
        {
            "sessions_per_week": by_person.size() * 7 / FEATURE_WINDOW.days,
            "session_duration": by_person.duration.mean(),
            "pages_per_session": by_person.pages.mean(),
            "scroll_depth": by_person.scroll.mean(),
            "cart_abandonment": (recent.cart & ~recent.purchase).groupby(recent.person).sum()
            / recent.cart.groupby(recent.person).sum().replace(0, np.nan),
            "distinct_features": recent_events.groupby("person").feature.nunique(),
            "distinct_categories": recent_events.groupby("person").category.nunique(),
            "app_share": recent_events.groupby("person").is_app.mean(),
        }
    )
    last_session = sessions.groupby("person").start.max()
    engagement = engagement.reindex(last_session.index)
    engagement["days_since_last_session"] = (as_of - last_session).dt.days

    orders = completed_orders(data).sort_values(["customer_id", "ts"])
    orders = orders.assign(
        discounted=orders.discount_amount > 0,
        gap_days=orders.groupby("customer_id").ts.diff().dt.total_seconds() / 86400,
    )
    by_customer = orders.groupby("customer_id")
    rfm = pd.DataFrame(
        {
            "frequency": by_customer.size(),
            "monetary": by_customer.total_amount.sum(),
            "recency_days": (as_of - by_customer.ts.max()).dt.days,
            "discounted_share": by_customer.discounted.mean(),
            "days_between_orders": by_customer.gap_days.mean(),
        }
    )
    rfm["aov"] = rfm.monetary / rfm.frequency
    tickets = data.read("support_tickets").drop_duplicates("ticket_id", keep="last")
    support = tickets.groupby("customer_id").agg(
        tickets=("ticket_id", "size"), csat=("csat_score", "mean")
    )
    truth = data.truth("customers").set_index("customer_id")
    features = truth.join(engagement).join(rfm).join(support)
    fill_with_history = ["days_since_last_session", "recency_days", "days_between_orders"]
    features[fill_with_history] = features[fill_with_history].fillna(history_days)
    features["csat"] = features.csat.fillna(features.csat.mean())
    features[FEATURES] = features[FEATURES].fillna(0.0)
    return features


@pytest.fixture(scope="module")
def medium_events(medium: Generated) -> pd.DataFrame:
    return stitched_events(medium)


@pytest.fixture(scope="module")
def medium_features(medium: Generated, medium_events: pd.DataFrame) -> pd.DataFrame:
    return customer_features(medium, medium_events)


# --- Layout, determinism, contract ----------------------------------------------------------


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    generate(out_dir=tmp_path / "a", seed=11, **TINY)
    generate(out_dir=tmp_path / "b", seed=11, **TINY)
    generate(out_dir=tmp_path / "c", seed=12, **TINY)
    first, second, other = (folder_digest(tmp_path / name) for name in "abc")
    assert first == second
    assert first["web_events/2025-10-05.parquet"] != other.get("web_events/2025-10-05.parquet")


def test_rerun_into_the_same_folder_replaces_the_data_set(tmp_path: Path) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("not generated")
    generate(out_dir=tmp_path, seed=1, **TINY)
    generate(out_dir=tmp_path, seed=1, customers=50, days=5, start_date=dt.date(2024, 1, 1))
    days = {path.stem for path in tmp_path.glob("*/*.parquet") if path.parent.name in ENTITIES}
    assert days <= {f"2024-01-0{day}" for day in range(1, 6)}
    assert keep.read_text() == "not generated"


def test_one_nonempty_file_per_entity_and_load_day(small: Generated) -> None:
    last = small.start + dt.timedelta(days=small.days - 1)
    for entity in ENTITIES:
        files = sorted((small.path / entity).glob("*.parquet"))
        assert files, entity
        rows = 0
        for path in files:
            assert small.start <= dt.date.fromisoformat(path.stem) <= last
            metadata = pq.read_metadata(path)
            assert metadata.num_rows > 0, path
            rows += metadata.num_rows
        assert rows == small.counts[entity], entity
    assert len(list((small.path / "web_events").glob("*.parquet"))) == small.days
    assert small.counts["seconds"] > 0


def test_every_file_has_every_contract_column_with_one_type(small: Generated) -> None:
    for entity in ENTITIES:
        for path in (small.path / entity).glob("*.parquet"):
            assert pq.read_schema(path).remove_metadata() == SCHEMAS[entity], path


def test_timestamps_are_iso_text_in_local_offsets() -> None:
    utc = np.array([0, 1_759_300_000_123, 1_767_225_599_999])
    offsets = np.array([330, 0, -480])
    rendered = text.local_timestamps(utc, offsets, np.array([False, True, False]))
    assert rendered.to_pylist() == [
        "1970-01-01T05:30:00.000+05:30",
        "2025-10-01T06:26:40.123Z",
        "2025-12-31T15:59:59.999-08:00",
    ]
    assert text.padded_numbers("C", np.array([7, 1234567]), 7).to_pylist() == [
        "C0000007",
        "C1234567",
    ]
    ids = text.hex_ids(np.arange(100_000), salt=1)
    assert len(set(ids.to_pylist())) == 100_000


def test_dictionary_vocabularies_do_not_repeat_values() -> None:
    # Parquet writes dictionaries as given: repeated values would make bytes vary run to run.
    vocabularies = [
        render.WEB_EVENT_TYPES.names, render.APP_EVENT_NAMES.names, render.APP_SCREENS.names,
        render.CURRENCIES.names, render.CATEGORY_NAMES, render.DEVICE_TYPE_NAMES,
        render.USER_AGENT_STRINGS, render.APP_FEATURE_NAMES, render.PLATFORM_NAMES,
        render.APP_VERSION_NAMES, render.STATUS_NAMES, render.CHANNEL_NAMES,
        render.PAYMENT_NAMES, render.TICKET_CHANNEL_NAMES, render.TICKET_CATEGORY_NAMES,
        render.EXPERIMENT_NAMES, render.VARIANT_NAMES, render.CONSENT_TEXT,
    ]  # fmt: skip
    for vocabulary in vocabularies:
        values = vocabulary.to_pylist()
        assert len(set(values)) == len(values) and None not in values, values


def test_duckdb_reads_every_wellformed_timestamp(small: Generated) -> None:
    web = f"{small.path}/web_events/*.parquet"
    ((unparsed, junk),) = duckdb.sql(
        "select count(*) filter (where try_cast(event_ts as timestamptz) is null "
        "and event_ts is not null), "
        "count(*) filter (where event_ts in ('not-a-timestamp', '2025-13-45T99:00:00Z', "
        "'0000-00-00 00:00:00')) "
        f"from read_parquet('{web}')"
    ).fetchall()
    assert unparsed == junk > 0


def test_load_day_is_the_arrival_day(small: Generated) -> None:
    web = small.read("web_events")
    assert (web.received_at.dt.date == web.load_day).all()
    orders = small.read("orders")
    placed = pd.to_datetime(orders.order_ts, utc=True, format="ISO8601")
    first_rows = orders.drop_duplicates("order_id", keep="first")
    assert (placed[first_rows.index].dt.date == first_rows.load_day).all()
    customers = small.read("customers")
    assert (customers.updated_at.dt.date == customers.load_day).all()


def test_each_file_is_modified_at_the_end_of_its_load_day(small: Generated) -> None:
    # Staging orders the files of one load by modification time: it must follow the load days
    # although the files are written in parallel.
    for entity in ENTITIES:
        for path in (small.path / entity).glob("*.parquet"):
            day_end = dt.datetime.combine(
                dt.date.fromisoformat(path.stem) + dt.timedelta(days=1), dt.time(), dt.UTC
            )
            assert path.stat().st_mtime == day_end.timestamp(), path


# --- Personas and planted truths -------------------------------------------------------------


def test_kmeans_recovers_the_personas(medium_features: pd.DataFrame) -> None:
    normal = medium_features[~medium_features.is_anomalous]
    matrix = normal[FEATURES].astype(float)
    matrix[HEAVY_TAILED] = np.log1p(matrix[HEAVY_TAILED].clip(lower=0))
    scaled = StandardScaler().fit_transform(matrix)
    labels = KMeans(n_clusters=7, n_init=10, random_state=0).fit_predict(scaled)
    assert adjusted_rand_score(normal.persona, labels) >= 0.7


def test_personas_have_their_signatures(medium_features: pd.DataFrame) -> None:
    normal = medium_features[~medium_features.is_anomalous]
    median = normal.groupby("persona")[FEATURES].median()
    assert median.sessions_per_week.idxmax() == "power_user"
    assert median.app_share.idxmax() == "power_user"
    assert median.distinct_features.idxmax() == "power_user"
    assert median.aov.idxmax() == "loyal_big_spender"
    assert median.scroll_depth.idxmax() == "loyal_big_spender"
    assert median.discounted_share.idxmax() == "bargain_hunter"
    assert median.pages_per_session.idxmax() == "window_shopper"
    assert median.distinct_categories.idxmax() == "window_shopper"
    assert median.frequency["window_shopper"] == 0
    assert median.days_since_last_session.idxmax() == "churning"
    assert median.tickets.idxmax() == "new_customer"
    assert 0.3 <= median.sessions_per_week["occasional_buyer"] <= 1.0


def test_truth_customers_are_the_crm_customers(small: Generated) -> None:
    truth = small.truth("customers")
    crm = small.read("customers")
    assert set(truth.customer_id) == set(crm.customer_id)
    assert truth.customer_id.is_unique
    shares = truth.persona.value_counts(normalize=True)
    assert len(shares) == 7
    assert shares.between(0.09, 0.21).all()


def test_every_true_identity_appears_and_logs_in(small: Generated) -> None:
    identities = small.truth("identities")
    web = small.read("web_events")
    app = small.read("app_events")
    seen = {
        "anonymous_id": set(web.anonymous_id),
        "device_id": set(app.device_id),
        "user_id": set(web.user_id.dropna()) | set(app.user_id.dropna()),
    }
    for kind, group in identities.groupby("identifier_type"):
        assert set(group.identifier) == seen[kind], kind
    # Every customer cookie and device carries the customer's user id at least once.
    owned = identities[~identities.person.str.contains(":")]
    logged_web = web.dropna(subset=["user_id"]).groupby("anonymous_id").user_id.agg(set)
    logged_app = app.dropna(subset=["user_id"]).groupby("device_id").user_id.agg(set)
    for row in owned.itertuples():
        if row.identifier_type == "anonymous_id":
            assert row.person in logged_web.get(row.identifier, set()), row
        elif row.identifier_type == "device_id":
            assert row.person in logged_app.get(row.identifier, set()), row
    per_customer = owned[owned.identifier_type == "anonymous_id"].groupby("person").size()
    assert per_customer.max() <= 5  # up to 4 cookies, plus a scraper's
    assert owned[owned.identifier_type == "device_id"].groupby("person").size().max() <= 2


def test_kiosks_are_shared_and_visitors_stay_anonymous(small: Generated) -> None:
    identities = small.truth("identities").set_index("identifier")
    web = small.read("web_events")
    kiosk = web[web.device_type == "kiosk"]
    users_per_kiosk = kiosk.groupby("anonymous_id").user_id.nunique()
    assert 3 <= len(users_per_kiosk) <= 5
    assert (users_per_kiosk >= 20).all()
    assert identities.person[users_per_kiosk.index].str.startswith("shared:").all()
    person = web.anonymous_id.map(identities.person)
    visitors = web[person.str.startswith("visitor:")]
    assert visitors.user_id.isna().all()
    assert not (visitors.event_type == "purchase").any()
    cookies = identities[identities.identifier_type == "anonymous_id"]
    visitor_share = cookies.person.str.startswith("visitor:").mean()
    assert 0.15 <= visitor_share <= 0.35


def test_some_sessions_switch_from_web_to_app(small: Generated) -> None:
    web = valid_events(small.read("web_events"), "event_type").dropna(subset=["user_id"])
    app = valid_events(small.read("app_events"), "event_name").dropna(subset=["user_id"])
    opens = app[app.event_name == "app_open"][["user_id", "ts"]].sort_values("ts")
    last_web = web.sort_values("ts")[["user_id", "ts"]].rename(columns={"ts": "web_ts"})
    switched = pd.merge_asof(
        opens, last_web, left_on="ts", right_on="web_ts", by="user_id", direction="backward"
    )
    gap = (switched.ts - switched.web_ts).dt.total_seconds()
    assert (gap.between(30, 300)).sum() >= 20


def test_anomalies_are_extreme(medium: Generated, medium_events: pd.DataFrame) -> None:
    truth = medium.truth("customers").set_index("customer_id")
    assert 0.005 <= truth.is_anomalous.mean() <= 0.02
    sessions = sessions_of(medium_events)
    events_per_session = medium_events.groupby("session").size()
    sessions = sessions.assign(
        events=events_per_session, kind=sessions.person.map(truth.anomaly_kind)
    )
    bots = sessions[sessions.kind == "bot"]
    assert bots.person.nunique() == (truth.anomaly_kind == "bot").sum()
    assert bots.groupby("person").events.max().min() >= 100
    assert bots.groupby("person").scroll.min().max() <= 3
    human = sessions[sessions.kind.isna()]
    assert human.events.quantile(0.999) < 60
    orders = medium.read("orders").drop_duplicates("order_id", keep="last")
    orders = orders.assign(ts=pd.to_datetime(orders.order_ts, utc=True, format="ISO8601"))
    fraud = orders[orders.customer_id.map(truth.anomaly_kind) == "fraud"]
    bursts = [densest_two_days(placed) for _, placed in fraud.groupby("customer_id")]
    assert len(bursts) == (truth.anomaly_kind == "fraud").sum()
    assert min(len(burst) for burst in bursts) >= 8
    burst_orders = pd.concat(bursts)
    assert burst_orders.total_amount.median() > 400
    assert burst_orders.status.isin(["refunded", "cancelled"]).mean() >= 0.4
    assert all(burst.payment_method.nunique() >= 2 for burst in bursts)


def densest_two_days(orders: pd.DataFrame) -> pd.DataFrame:
    """The orders of a customer's busiest 48 hours."""
    ordered = orders.sort_values("ts")
    times = ordered.ts.dt.tz_convert(None).to_numpy()
    ends = np.searchsorted(times, times + np.timedelta64(2, "D"), side="right")
    start = int(np.argmax(ends - np.arange(len(times))))
    return ordered.iloc[start : ends[start]]


def test_isolation_forest_finds_the_anomalies(medium_features: pd.DataFrame) -> None:
    # Isolation forests isolate extreme raw values: the features are only standardised.
    scaled = StandardScaler().fit_transform(medium_features[FEATURES].astype(float))
    forest = IsolationForest(contamination=0.015, random_state=0).fit(scaled)
    flagged = forest.predict(scaled) == -1
    anomalous = medium_features.is_anomalous.to_numpy()
    assert flagged[anomalous].mean() >= 0.8
    assert anomalous[flagged].mean() >= 0.5


def test_power_users_drift_down_at_the_end(medium: Generated, medium_events: pd.DataFrame) -> None:
    drifts = medium.truth("drifts")
    assert set(drifts.metric) == {"sessions", "orders"}
    assert (drifts.persona == "power_user").all()
    assert (drifts.start_date == medium.start + dt.timedelta(days=medium.days - 35)).all()
    truth = medium.truth("customers").set_index("customer_id")
    sessions = sessions_of(medium_events)
    power = sessions[sessions.person.map(truth.persona).eq("power_user")]
    end = pd.Timestamp(medium.start + dt.timedelta(days=medium.days), tz="UTC")
    last_three = power.start.between(end - pd.Timedelta(weeks=3), end).sum() / 3
    prior_eight = power.start.between(end - pd.Timedelta(weeks=11), end - pd.Timedelta(weeks=3))
    assert last_three < 0.6 * prior_eight.sum() / 8


def conversion_by_arm(data: Generated, experiment: str) -> pd.DataFrame:
    """Per persona and variant: assigned customers and those who ordered online after exposure
    and before the end of the assignment window."""
    assignments = data.read("experiment_assignments")
    assignments = assignments.assign(
        assigned=pd.to_datetime(assignments.assigned_at, utc=True, format="ISO8601")
    )
    first = assignments[assignments.experiment_id == experiment].sort_values("assigned")
    first = first.drop_duplicates("customer_id").set_index("customer_id")
    window_end = first.assigned.max()
    orders = data.read("orders").drop_duplicates("order_id", keep="first")
    orders = orders[orders.channel.isin(["web", "app"]) & orders.customer_id.notna()]
    orders = orders.assign(ts=pd.to_datetime(orders.order_ts, utc=True, format="ISO8601"))
    orders = orders.join(first.assigned, on="customer_id", how="inner")
    converted = orders[(orders.ts >= orders.assigned) & (orders.ts <= window_end)].customer_id
    first["converted"] = first.index.isin(set(converted))
    first["persona"] = data.truth("customers").set_index("customer_id").persona
    return first.groupby(["persona", "variant"]).converted.agg(["size", "mean"])


def z_statistic(arms: pd.DataFrame) -> float:
    """Two-proportion z statistic, treatment minus control."""
    n1, p1 = arms.loc["treatment"]
    n0, p0 = arms.loc["control"]
    pooled = (n1 * p1 + n0 * p0) / (n1 + n0)
    if pooled in (0.0, 1.0):
        return 0.0  # everyone (or no one) converted in both arms
    return (p1 - p0) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))


def test_checkout_redesign_lifts_one_persona_only(medium: Generated) -> None:
    truth = medium.truth("experiments")
    planted = truth[truth.true_uplift > 0]
    assert list(zip(planted.experiment_id, planted.persona, strict=True)) == [
        ("checkout_redesign", "occasional_buyer")
    ]
    arms = conversion_by_arm(medium, "checkout_redesign")
    assert z_statistic(arms.loc["occasional_buyer"]) > 2.0
    for persona in ["bargain_hunter", "loyal_big_spender", "power_user", "window_shopper"]:
        assert abs(z_statistic(arms.loc[persona])) < 2.5, persona
    banner = conversion_by_arm(medium, "homepage_banner")
    assert abs(z_statistic(banner.loc["occasional_buyer"])) < 2.5
    shares = arms.groupby(level="variant")["size"].sum()
    assert 0.45 <= shares["treatment"] / shares.sum() <= 0.55


def test_weekly_cycle_and_black_friday_peak(small: Generated) -> None:
    sessions = sessions_of(stitched_events(small))
    anomalous = small.truth("customers").set_index("customer_id").is_anomalous
    sessions = sessions[~sessions.person.map(anomalous).astype(bool)]
    daily = sessions.groupby("local_day").size()
    daily.index = pd.to_datetime(daily.index)
    weekend = daily[daily.index.day_of_week >= 5].mean()
    weekday = daily[daily.index.day_of_week < 5].mean()
    assert weekend > 1.08 * weekday
    black_friday = pd.Timestamp("2025-11-28")
    november = daily[(daily.index.month == 11) & (daily.index != black_friday)]
    assert daily[black_friday] > 1.4 * november.median()
    orders = completed_orders(small)
    per_day = orders.groupby(orders.order_ts.str[:10]).size()
    assert per_day["2025-11-28"] > 1.8 * per_day["2025-11-01":"2025-11-21"].median()


# --- Mess --------------------------------------------------------------------------------------


def test_events_arrive_messy(small: Generated) -> None:
    web = small.read("web_events")
    app = small.read("app_events")
    assert web.duplicated().mean() > 0.005  # exact re-sends
    valid_web = web.dropna(subset=["event_id"])
    resent = valid_web[
        valid_web.duplicated("event_id", keep=False) & ~valid_web.duplicated(keep=False)
    ]
    assert resent.groupby("event_id").received_at.nunique().gt(1).sum() > 10
    happened = pd.to_datetime(app.event_ts, utc=True, format="ISO8601", errors="coerce")
    late_days = (pd.to_datetime(app.load_day) - happened.dt.tz_convert(None).dt.normalize()).dt.days
    assert late_days.ge(1).mean() > 0.02
    assert late_days.ge(2).any()
    assert web.event_ts.str[-6:].isin(["+05:30", "-05:00", "-08:00", "+01:00", "+10:00"]).any()
    assert web.event_ts.str.endswith("Z").any() and web.event_ts.str.endswith("+00:00").any()
    assert web.event_id.isna().any() and web.event_type.isna().any()
    assert (web.event_ts == "not-a-timestamp").any()
    broken = pd.to_datetime(web.event_ts, utc=True, format="ISO8601", errors="coerce").isna()
    assert 0.0001 < broken.mean() < 0.002


def test_orders_customers_and_tickets_arrive_messy(medium: Generated) -> None:
    orders = medium.read("orders")
    assert orders.customer_id.isna().any()
    assert ((orders.status == "completed") & (orders.total_amount < 0)).any()
    refunds = orders[orders.status == "refunded"].drop_duplicates("order_id")
    first = orders.drop_duplicates("order_id", keep="first").set_index("order_id")
    assert (first.status[refunds.order_id] == "completed").all()
    assert (first.load_day[refunds.order_id].to_numpy() < refunds.load_day.to_numpy()).all()
    customers = medium.read("customers")
    versions = customers.drop_duplicates().groupby("customer_id").updated_at.nunique()
    assert versions.gt(1).mean() > 0.1
    assert set(customers.marketing_consent) >= {"true", "no", "1", "False"}
    latest = customers.sort_values("updated_at").drop_duplicates("customer_id", keep="last")
    no = {"false", "no", "0", "False"}
    assert 0.22 <= latest.marketing_consent.isin(no).mean() <= 0.38
    assert 0.04 <= latest.tracking_consent.isin(no).mean() <= 0.12
    tickets = medium.read("support_tickets").merge(
        latest[["customer_id", "email"]], on="customer_id", suffixes=("", "_crm")
    )
    differs = tickets.email != tickets.email_crm
    assert differs.mean() > 0.2
    assert (tickets.email.str.strip().str.lower() == tickets.email_crm).all()


def test_order_lines_add_up_and_online_orders_come_from_sessions(small: Generated) -> None:
    orders = small.read("orders").drop_duplicates("order_id", keep="last")
    orders = orders[orders.customer_id.notna() & (orders.total_amount >= 0)]
    items = small.read("order_items")
    lines = items.assign(amount=items.quantity * items.unit_price).groupby("order_id").amount.sum()
    with_lines = orders.set_index("order_id").join(lines, how="inner")
    assert len(with_lines) == len(orders)
    difference = with_lines.amount - with_lines.discount_amount - with_lines.total_amount
    assert difference.abs().max() < 0.005
    assert set(orders.channel) == {"web", "app", "pos"}
    assert orders.status.value_counts(normalize=True)["completed"] > 0.85
    web = valid_events(small.read("web_events"), "event_type")
    app = valid_events(small.read("app_events"), "event_name")
    purchases = pd.concat(
        [
            web[web.event_type == "purchase"][["user_id", "ts"]],
            app[app.event_name == "purchase"][["user_id", "ts"]],
        ]
    )
    online = orders[orders.channel != "pos"]
    placed = pd.to_datetime(online.order_ts, utc=True, format="ISO8601")
    keys = set(zip(purchases.user_id, purchases.ts, strict=True))
    assert all(key in keys for key in zip(online.customer_id, placed, strict=True))
    # Every purchase comes at the end of a session that filled a cart and checked out.
    events = stitched_events(small)
    funnel = events.groupby("session").type.agg(set)
    bought = funnel[funnel.map(lambda types: "purchase" in types)]
    assert bought.map(lambda types: {"add_to_cart", "begin_checkout"} <= types).all()
