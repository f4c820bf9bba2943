"""The trigger run's skip rule (behaviorseg.build_state) on a hand-made lineage, known answers."""

from __future__ import annotations

import pytest

from behaviorseg.build_state import (
    LineageNode,
    changed_entities,
    entity_digests,
    models_to_leave,
    pii_key_check,
    trusted_entities,
)

# A miniature of the trigger graph: a raw gate every base model waits for, orders and web
# events each through a base table and a staging view, an identity model reading the events,
# a fact table reading orders and identity, a seed-backed view and a Python model.
LINEAGE = {
    "source.p.commerce.orders": LineageNode("source", raw_entity="orders"),
    "source.p.web.events": LineageNode("source", raw_entity="web_events"),
    "source.p.crm.customers": LineageNode("source", raw_entity="customers"),
    "source.p.raw_loads.raw_file_loads": LineageNode("source"),
    "seed.p.event_type_map": LineageNode("seed"),
    "model.p.dq_gate_raw": LineageNode("model", language="python", is_gate=True),
    "model.p.base_orders": LineageNode(
        "model", parents=("source.p.commerce.orders", "model.p.dq_gate_raw")
    ),
    "model.p.stg_orders": LineageNode("model", parents=("model.p.base_orders",)),
    "model.p.base_web": LineageNode(
        "model", parents=("source.p.web.events", "model.p.dq_gate_raw")
    ),
    "model.p.base_crm": LineageNode(
        "model", parents=("source.p.crm.customers", "model.p.dq_gate_raw")
    ),
    "model.p.event_map": LineageNode("model", parents=("seed.p.event_type_map",)),
    "model.p.identity": LineageNode("model", parents=("model.p.base_web", "model.p.event_map")),
    "model.p.fct_orders": LineageNode("model", parents=("model.p.stg_orders", "model.p.identity")),
    "model.p.as_of": LineageNode(
        "model", parents=("source.p.raw_loads.raw_file_loads", "model.p.stg_orders")
    ),
    "model.p.scored": LineageNode("model", parents=("model.p.stg_orders",), language="python"),
    "test.p.not_null_fct_orders": LineageNode("test", parents=("model.p.fct_orders",)),
    "snapshot.p.history": LineageNode("snapshot", parents=("model.p.stg_orders",)),
    "model.p.reads_history": LineageNode("model", parents=("snapshot.p.history",)),
}
SELECTED = [uid for uid in LINEAGE if not uid.startswith("source.")]


def names(unique_ids: set[str]) -> set[str]:
    return {uid.rsplit(".", 1)[1] for uid in unique_ids}


def test_new_web_events_leave_the_order_and_crm_branches_as_built() -> None:
    left = models_to_leave(LINEAGE, SELECTED, changed={"web_events"})
    assert names(left) == {"base_orders", "stg_orders", "base_crm", "event_map", "event_type_map"}


def test_new_orders_leave_the_event_side_as_built() -> None:
    left = models_to_leave(LINEAGE, SELECTED, changed={"orders"})
    # as_of reads the raw file loads (no entity): changed whenever any entity is.
    assert names(left) == {"base_web", "base_crm", "event_map", "event_type_map", "identity"}


def test_nothing_changed_leaves_every_sql_model_and_seed() -> None:
    left = models_to_leave(LINEAGE, SELECTED, changed=set())
    assert names(left) == {
        "base_orders",
        "stg_orders",
        "base_web",
        "base_crm",
        "event_map",
        "event_type_map",
        "identity",
        "fct_orders",
        "as_of",
    }
    # Never: a gate, a Python model, a test, a snapshot or what reads a snapshot.
    assert not names(left) & {"dq_gate_raw", "scored", "not_null_fct_orders", "history"}
    assert "reads_history" not in names(left)


def test_only_selected_nodes_are_left() -> None:
    left = models_to_leave(LINEAGE, ["model.p.stg_orders"], changed={"web_events"})
    assert names(left) == {"stg_orders"}


def test_an_unknown_parent_counts_as_changed() -> None:
    lineage = {**LINEAGE, "model.p.odd": LineageNode("model", parents=("model.p.not_in_graph",))}
    assert models_to_leave(lineage, ["model.p.odd"], changed=set()) == set()


def test_entity_digests_change_with_a_new_replaced_or_removed_file() -> None:
    listing = [
        ("orders/2025-01-01.parquet", 100, 1),
        ("orders/2025-01-02.parquet", 120, 2),
        ("web_events/2025-01-01.parquet", 900, 1),
    ]
    before = entity_digests(listing)
    assert set(before) == {"orders", "web_events"}
    assert changed_entities(before, entity_digests(listing)) == set()
    added = [*listing, ("orders/2025-01-03.parquet", 80, 3)]
    assert changed_entities(before, entity_digests(added)) == {"orders"}
    replaced = [listing[0], ("orders/2025-01-02.parquet", 120, 9), listing[2]]
    assert changed_entities(before, entity_digests(replaced)) == {"orders"}
    resized = [listing[0], listing[1], ("web_events/2025-01-01.parquet", 901, 1)]
    assert changed_entities(before, entity_digests(resized)) == {"web_events"}
    assert changed_entities(before, entity_digests(listing[:2])) == {"web_events"}
    assert changed_entities(before, entity_digests([*listing, ("crm/a.csv", 1, 1)])) == {"crm"}


FACTS = {"entities": {"orders": "d1"}, "project": "p1", "target": "dev", "pii_key": "k1"}


@pytest.mark.parametrize(
    ("stored", "latest", "trusted"),
    [
        ({**FACTS, "invocation_id": "run-1"}, "run-1", {"orders": "d1"}),
        # A later build (manual, erasure) or a failed one (no green latest) since.
        ({**FACTS, "invocation_id": "run-1"}, "run-2", None),
        ({**FACTS, "invocation_id": "run-1"}, None, None),
        # Another project, target or PII key.
        ({**FACTS, "project": "p0", "invocation_id": "run-1"}, "run-1", None),
        ({**FACTS, "target": "spark", "invocation_id": "run-1"}, "run-1", None),
        ({**FACTS, "pii_key": "k0", "invocation_id": "run-1"}, "run-1", None),
        (None, "run-1", None),
    ],
)
def test_the_record_is_trusted_only_for_the_same_facts_and_latest_run(
    stored: dict | None, latest: str | None, trusted: dict | None
) -> None:
    assert trusted_entities(stored, FACTS, latest) == trusted


def test_the_pii_key_check_changes_with_the_key_and_hides_it() -> None:
    one = pii_key_check({"PII_HASH_SALT": "first-key"})
    two = pii_key_check({"PII_HASH_SALT": "second-key"})
    assert one and two and one != two
    assert "first-key" not in one
    assert pii_key_check({}) is None


def test_the_raw_folder_dbt_reads_is_the_gates_rendered_meta(tmp_path, monkeypatch) -> None:
    """The trigger run compares --raw-dir with the folder dbt reads, resolved the same way."""
    from types import SimpleNamespace

    from behaviorseg.scheduling import dbt_raw_dir

    def node(meta: dict) -> SimpleNamespace:
        return SimpleNamespace(config=SimpleNamespace(meta=meta))

    monkeypatch.chdir(tmp_path)
    manifest = SimpleNamespace(
        nodes={"model.p.a": node({}), "model.p.dq_gate_raw": node({"raw_data_dir": "data/raw"})}
    )
    assert dbt_raw_dir(manifest) == str(tmp_path / "data" / "raw")
    assert dbt_raw_dir(SimpleNamespace(nodes={"model.p.a": node({})})) is None


def test_entities_read_through_a_format_or_a_relation_always_count_as_changed() -> None:
    from types import SimpleNamespace

    from behaviorseg.scheduling import entities_not_only_files

    gate = SimpleNamespace(
        config=SimpleNamespace(
            meta={
                "raw_data_dir": "data/raw",
                "raw_formats": '{"orders": "shopify_orders", "web_events": ""}',
                "raw_relations": '{"app_events": "snowplow.events"}',
            }
        )
    )
    assert entities_not_only_files(SimpleNamespace(nodes={"model.p.g": gate})) == {
        "orders",
        "app_events",
    }


def test_the_listing_sees_every_file_of_an_entity_subfolders_and_json_included(tmp_path) -> None:
    """A new GA4 JSON file in a format's subfolder changes the entity's digest."""
    from behaviorseg.scheduling import raw_listing

    (tmp_path / "web_events" / "ga4_events").mkdir(parents=True)
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "a.csv").write_text("order_id\n1\n")
    before = entity_digests(raw_listing(tmp_path))
    (tmp_path / "web_events" / "ga4_events" / "day.jsonl.gz").write_bytes(b"x")
    after = entity_digests(raw_listing(tmp_path))
    assert changed_entities(before, after) == {"web_events"}
    assert [path for path, _, _ in raw_listing(tmp_path)] == [
        "orders/a.csv",
        "web_events/ga4_events/day.jsonl.gz",
    ]


def test_the_daily_fingerprint_changes_with_every_build_fact_and_the_arguments() -> None:
    """A rotated PII key or another raw folder rebuilds the day, like a new file does."""
    from behaviorseg.scheduling import daily_fingerprint

    facts = {**FACTS, "raw_dir": "/data/raw"}
    args = ["build", "--exclude-resource-type", "unit_test"]
    same = daily_fingerprint(dict(facts), list(args))
    assert daily_fingerprint(facts, args) == same
    for changed in (
        {**facts, "pii_key": "k2"},
        {**facts, "raw_dir": "/other/raw"},
        {**facts, "entities": {"orders": "d2"}},
        {**facts, "project": "p2"},
    ):
        assert daily_fingerprint(changed, args) != same
    assert daily_fingerprint(facts, [*args, "--threads", "4"]) != same
