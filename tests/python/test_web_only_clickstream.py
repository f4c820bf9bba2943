"""A web-only clickstream export another team wrote: one `web_events` file, `anonymous_id`
null on every row (logged-in users only, as the contract allows), its own event names mapped
through var `event_type_map_overrides` (new journey states cart, shipping, payment, catalog),
no orders, customers or app events.

The build must be green, keep every staged event (sessionised, exact counts), take the purchase
events as the conversions (segment_profiles, hand-computed per customer), hold the new states
in the journey marts, and report the one unmapped event type by name and count.
"""

from __future__ import annotations

import json

import pytest
from dbt_helpers import DbtProject, make_project, write_entity

from behaviorseg.cli import main

# (user, timestamp, event type, price): sessions are 30-minute gaps apart or more.
EVENTS = [
    # U1: one converting journey, then a browse session with an unmapped event.
    ("U1", "2025-06-01T10:00:00Z", "home", None),
    ("U1", "2025-06-01T10:01:00Z", "catalog", None),
    ("U1", "2025-06-01T10:02:00Z", "cart", None),
    ("U1", "2025-06-01T10:03:00Z", "shipping_details", None),
    ("U1", "2025-06-01T10:04:00Z", "payment_details", None),
    ("U1", "2025-06-01T10:05:00Z", "order_complete", 40.0),
    ("U1", "2025-06-03T09:00:00Z", "home", None),
    ("U1", "2025-06-03T09:02:00Z", "catalog", None),
    ("U1", "2025-06-03T09:03:00Z", "newsletter_signup", None),
    # U2: an abandoned cart, a converting journey with a support chat, a purchase without price.
    ("U2", "2025-06-02T12:00:00Z", "home", None),
    ("U2", "2025-06-02T12:01:00Z", "catalog", None),
    ("U2", "2025-06-02T12:02:00Z", "cart", None),
    ("U2", "2025-06-05T18:00:00Z", "home", None),
    ("U2", "2025-06-05T18:01:00Z", "support_chat", None),
    ("U2", "2025-06-05T18:05:00Z", "catalog", None),
    ("U2", "2025-06-05T18:06:00Z", "cart", None),
    ("U2", "2025-06-05T18:07:00Z", "shipping_details", None),
    ("U2", "2025-06-05T18:08:00Z", "payment_details", None),
    ("U2", "2025-06-05T18:09:00Z", "order_complete", 60.0),
    ("U2", "2025-06-10T08:00:00Z", "home", None),
    ("U2", "2025-06-10T08:01:00Z", "order_complete", None),
    # U3: browses, signs up twice (unmapped).
    ("U3", "2025-06-04T20:00:00Z", "home", None),
    ("U3", "2025-06-04T20:01:00Z", "catalog", None),
    ("U3", "2025-06-06T20:00:00Z", "newsletter_signup", None),
    ("U3", "2025-06-06T20:10:00Z", "home", None),
    # U4: logs in (shipped row overridden: no journey step) and browses.
    ("U4", "2025-06-07T07:00:00Z", "home", None),
    ("U4", "2025-06-07T07:01:00Z", "login", None),
    ("U4", "2025-06-07T07:02:00Z", "catalog", None),
    ("U4", "2025-06-08T07:00:00Z", "home", None),
    # U5: lands only.
    ("U5", "2025-06-09T15:00:00Z", "home", None),
    ("U5", "2025-06-11T15:00:00Z", "home", None),
]

VOCABULARY = [
    {
        "source": "web",
        "raw_event_type": "home",
        "event_type": "page_view",
        "journey_state": "landing",
        "is_page_view": True,
    },
    {
        "source": "web",
        "raw_event_type": "catalog",
        "event_type": "product_view",
        "journey_state": "catalog",
        "is_page_view": True,
        "is_product_view": True,
    },
    {
        "source": "web",
        "raw_event_type": "cart",
        "event_type": "add_to_cart",
        "journey_state": "cart",
        "is_cart_add": True,
    },
    {
        "source": "web",
        "raw_event_type": "shipping_details",
        "event_type": "begin_checkout",
        "journey_state": "shipping",
        "is_page_view": True,
        "is_checkout": True,
    },
    {
        "source": "web",
        "raw_event_type": "payment_details",
        "event_type": "payment_details",
        "journey_state": "payment",
        "is_page_view": True,
    },
    {
        "source": "web",
        "raw_event_type": "order_complete",
        "event_type": "purchase",
        "journey_state": "purchase",
        "is_purchase": True,
    },
    {
        "source": "web",
        "raw_event_type": "support_chat",
        "event_type": "support_chat",
        "journey_state": None,
    },
    # Replaces the shipped (web, login) row, whose journey state is browse.
    {"source": "web", "raw_event_type": "login", "event_type": "login", "journey_state": None},
]

# Per customer, hand-counted from EVENTS: purchase events (the conversions) and their revenue
# (the price; U2's last purchase has none).
CONVERSIONS = {"U1": (1, 40.0), "U2": (2, 60.0), "U3": (0, 0.0), "U4": (0, 0.0), "U5": (0, 0.0)}
NEW_STATES = {"catalog", "cart", "shipping", "payment"}


@pytest.fixture(scope="module")
def web_only_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, str]:
    """The project built on the export, and the build's output."""
    project = make_project(tmp_path_factory.mktemp("web_only"))
    rows = [
        {
            "event_id": f"e{number:03d}",
            "anonymous_id": None,
            "user_id": user,
            "event_type": event_type,
            "event_ts": timestamp,
            "page_url": f"https://shop.example/{event_type}",
            "price": price,
        }
        for number, (user, timestamp, event_type, price) in enumerate(EVENTS, start=1)
    ]
    write_entity(project.raw_dir, "web_events", "export.csv", rows)
    result = project.build("--vars", json.dumps({"event_type_map_overrides": VOCABULARY}))
    return project, result.output


@pytest.fixture(scope="module")
def web_only(web_only_build: tuple[DbtProject, str]) -> DbtProject:
    return web_only_build[0]


def test_every_staged_event_is_sessionised(web_only: DbtProject) -> None:
    assert web_only.scalar("select count(*) from staging.stg_web__events") == len(EVENTS)
    sessionised = web_only.query(
        "select count(*) as events, count(person_id) as with_person, "
        "count(distinct person_id) as persons, count(distinct session_id) as sessions "
        "from intermediate.int_events_sessionised"
    ).iloc[0]
    assert sessionised["events"] == len(EVENTS)
    assert sessionised["with_person"] == len(EVENTS)
    assert sessionised["persons"] == 5
    # U1 2, U2 3, U3 2, U4 2, U5 2.
    assert sessionised["sessions"] == 11
    reconciliation = web_only.query(
        "select source, layer, rows_in, rows_out, rows_dropped "
        "from quality.event_layer_reconciliation order by source, layer_order"
    )
    web = reconciliation[reconciliation["source"] == "web"]
    assert web[["rows_in", "rows_out", "rows_dropped"]].values.tolist() == [
        [len(EVENTS), len(EVENTS), 0],
        [len(EVENTS), len(EVENTS), 0],
    ]
    app = reconciliation[reconciliation["source"] == "app"]
    assert app[["rows_in", "rows_out", "rows_dropped"]].values.tolist() == [[0, 0, 0], [0, 0, 0]]


def test_purchase_events_are_the_conversions(web_only: DbtProject) -> None:
    features = web_only.query(
        "select customer_id, frequency, cast(monetary as double) as monetary "
        "from main.customer_features order by customer_id"
    )
    actual = {row.customer_id: (row.frequency, row.monetary) for row in features.itertuples()}
    assert actual == CONVERSIONS
    segments = web_only.query("select customer_id, segment_id from main.customer_segments")
    members = segments.groupby("segment_id")["customer_id"].apply(list)
    profiles = web_only.query(
        "select segment_id, customers, conversion_rate, mean_frequency, mean_monetary, "
        "average_order_value from main.segment_profiles"
    ).set_index("segment_id")
    assert set(profiles.index) == set(members.index)
    for segment_id, customers in members.items():
        purchases = sum(CONVERSIONS[c][0] for c in customers)
        revenue = sum(CONVERSIONS[c][1] for c in customers)
        row = profiles.loc[segment_id]
        assert row["customers"] == len(customers)
        converted = [c for c in customers if CONVERSIONS[c][0] > 0]
        assert row["conversion_rate"] == pytest.approx(len(converted) / len(customers))
        assert row["mean_frequency"] == pytest.approx(purchases / len(customers))
        assert row["mean_monetary"] == pytest.approx(revenue / len(customers))
        if purchases:
            assert row["average_order_value"] == pytest.approx(revenue / purchases)
    # Two of the five customers converted, whatever the segmentation.
    assert (profiles["conversion_rate"] * profiles["customers"]).sum() == pytest.approx(2)


def test_journey_marts_hold_the_declared_states(web_only: DbtProject) -> None:
    transitions = web_only.query(
        "select from_state, to_state, transitions from main.journey_transitions "
        "where segment_name = 'All sessions'"
    )
    counted = {(row.from_state, row.to_state): row.transitions for row in transitions.itertuples()}
    # Two purchases through the full funnel (U1, U2), one straight from landing (U2).
    assert counted[("payment", "purchase")] == 2
    assert counted[("shipping", "payment")] == 2
    assert counted[("landing", "purchase")] == 1
    assert counted[("cart", "exit")] == 1
    states = set(transitions["from_state"]) | set(transitions["to_state"])
    assert states >= NEW_STATES
    assert "browse" not in states  # the overridden login takes no step
    markov = web_only.query("select distinct state from main.journey_markov")
    assert set(markov["state"]) >= NEW_STATES
    sankey = web_only.query("select source, target from main.journey_sankey_edges")
    # Sankey nodes are "<step>. <state>".
    nodes = set(sankey["source"]) | set(sankey["target"])
    assert {node.split(". ", 1)[1] for node in nodes} >= NEW_STATES


def test_user_rows_replace_the_shipped_rows(web_only: DbtProject) -> None:
    login = web_only.query(
        "select journey_state, mapped_by from intermediate.int_event_type_map "
        "where source = 'web' and raw_event_type = 'login'"
    )
    assert login.values.tolist() == [[None, "event_type_map_overrides"]]


def test_unmapped_event_type_is_reported_by_name_and_count(
    web_only_build: tuple[DbtProject, str],
) -> None:
    web_only, output = web_only_build
    unmapped = web_only.query(
        "select source, raw_event_type, events from quality.unmapped_event_types"
    )
    assert unmapped.values.tolist() == [["web", "newsletter_signup", 2]]
    assert output.count("Unmapped event types: web newsletter_signup (2 events)") == 1
    assert "event_type_map_overrides" in output


def test_empty_outputs_say_why(
    web_only_build: tuple[DbtProject, str], tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    web_only, output = web_only_build
    reason = (
        "no customer has marketing consent because no `customers` entity (CRM) was loaded; "
        "consent comes from it"
    )
    assert f"abandoned_carts holds no trigger: {reason}." in output
    assert main(["export", "--warehouse", str(web_only.warehouse), "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == (
        "No member exported: no customer has marketing consent because no `customers` entity "
        "(CRM) was loaded; consent comes from it."
    )


def test_an_empty_build_names_its_first_empty_layer(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = make_project(tmp_path_factory.mktemp("anonymous_only"))
    rows = [
        {
            "event_id": f"a{number}",
            "anonymous_id": f"cookie{number % 2}",
            "user_id": None,
            "event_type": "page_view",
            "event_ts": f"2025-06-0{number}T10:00:00Z",
        }
        for number in range(1, 5)
    ]
    write_entity(project.raw_dir, "web_events", "export.csv", rows)
    result = project.run("build")
    assert not result.ok
    assert (
        "dim_customers is empty although identity_map has 2 rows: no person has a customer id"
    ) in result.output


def test_app_events_without_a_device_belong_to_their_user(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = make_project(tmp_path_factory.mktemp("app_user_only"))
    rows = [
        # (event, device, user): A1 has a device; A2 and A3 only a user id, A3 the same as A1's.
        ("x1", "dev1", "A1", "2025-06-01T10:00:00Z", "app_open"),
        ("x2", "dev1", "A1", "2025-06-01T10:01:00Z", "screen_view"),
        ("x3", None, "A2", "2025-06-01T11:00:00Z", "app_open"),
        ("x4", None, "A2", "2025-06-01T11:02:00Z", "purchase"),
        ("x5", None, "A1", "2025-06-01T10:03:00Z", "screen_view"),
    ]
    write_entity(
        project.raw_dir,
        "app_events",
        "export.csv",
        [
            {"event_id": e, "device_id": d, "user_id": u, "event_ts": t, "event_name": n}
            for e, d, u, t, n in rows
        ],
    )
    project.build()
    assert project.scalar("select count(*) from quality.quarantined_rows") == 0
    persons = project.query(
        "select user_id, count(*) as events, count(distinct person_id) as persons, "
        "count(distinct session_id) as sessions "
        "from intermediate.int_events_sessionised group by user_id order by user_id"
    )
    assert persons.values.tolist() == [["A1", 3, 1, 1], ["A2", 2, 1, 1]]
    app = project.query(
        "select rows_in, rows_out, rows_dropped from quality.event_layer_reconciliation "
        "where source = 'app' order by layer_order"
    )
    assert app.values.tolist() == [[5, 5, 0], [5, 5, 0]]


def test_segment_names_speak_only_of_what_the_data_has(web_only: DbtProject) -> None:
    """No app events and no support tickets were loaded: no name or description may claim app
    use or support needs (the Done-when of the issue)."""
    texts = web_only.query(
        "select segment_name, segment_description from main.segment_profiles"
    ).fillna("")
    words = " ".join(texts["segment_name"] + " " + texts["segment_description"]).lower()
    assert len(texts) >= 1
    for claim in ("app", "mobile app", "support", "ticket"):
        assert f" {claim} " not in f" {words} ".replace(",", " ").replace(".", " "), claim
