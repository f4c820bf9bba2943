"""Operational segments on the generated build: exports, triggers, A/B results, erasure."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from dbt_helpers import DbtProject

from behaviorseg.exports import CHANGES, MEMBERSHIPS, export_segments


def test_exports_hold_only_marketing_consented_customers(
    generated_build: DbtProject, tmp_path
) -> None:
    summary = export_segments(generated_build.warehouse, tmp_path)
    assert summary.is_first_export and summary.members > 0
    exported = pd.read_parquet(tmp_path / f"{MEMBERSHIPS}.parquet")
    consent = generated_build.query(
        "select customer_id, has_marketing_consent from main.dim_customers"
    )
    merged = exported.merge(consent, on="customer_id", how="left")
    assert merged["has_marketing_consent"].fillna(False).all()
    consented = consent["has_marketing_consent"].sum()
    assert len(exported) == consented  # every consented customer has a segment
    for suffix in ("csv", "jsonl"):
        assert (tmp_path / f"{MEMBERSHIPS}.{suffix}").stat().st_size > 0
    assert len(pd.read_json(tmp_path / f"{MEMBERSHIPS}.jsonl", lines=True)) == len(exported)


def test_abandoned_carts_are_true_abandonments(generated_build: DbtProject) -> None:
    minutes = 60
    violations = generated_build.query(
        f"""
        with carts as (select * from main.abandoned_carts),
        events as (select * from intermediate.int_events_sessionised)
        select carts.idempotency_key,
            (select count(*) from events where events.session_id = carts.session_id
                and events.is_cart_add) as cart_adds,
            (select count(*) from events where events.person_id = carts.person_id
                and events.is_purchase and events.event_at >= carts.first_cart_add_at
                and events.event_at <= carts.last_cart_add_at + interval {minutes} minute)
                as purchases_in_window,
            (select count(*) from main.fct_orders as orders
                where orders.person_id = carts.person_id and orders.is_completed
                and orders.ordered_at >= carts.first_cart_add_at
                and orders.ordered_at <= carts.last_cart_add_at + interval {minutes} minute)
                as orders_in_window
        from carts
        """
    )
    assert len(violations) > 0
    assert (violations["cart_adds"] > 0).all()
    assert (violations["purchases_in_window"] == 0).all()
    assert (violations["orders_in_window"] == 0).all()
    opted_in = generated_build.scalar(
        "select bool_and(customers.has_marketing_consent and customers.has_tracking_consent) "
        "from main.abandoned_carts join main.dim_customers as customers using (customer_id)"
    )
    assert opted_in


def test_planted_ab_uplift_is_significant_in_its_personas_segment(
    generated_build: DbtProject,
) -> None:
    raw = generated_build.raw_dir / "_truth"
    planted = pd.read_parquet(raw / "experiments.parquet")
    planted = planted[planted["true_uplift"] > 0].iloc[0]
    personas = pd.read_parquet(raw / "customers.parquet")
    segments = generated_build.query("select customer_id, segment_id from main.customer_segments")
    holding = (
        segments.merge(personas[personas["persona"] == planted["persona"]], on="customer_id")[
            "segment_id"
        ]
        .value_counts()
        .index[0]
    )
    results = generated_build.query(
        "select * from main.segment_experiment_results where variant = 'treatment'"
    )
    found = results[
        (results["experiment_id"] == planted["experiment_id"])
        & (results["segment_id"] == str(holding))
    ].iloc[0]
    assert found["uplift"] > 0 and found["p_value"] < 0.05
    assert found["uplift_ci_low"] > 0
    # The experiment planted without any effect is significant in at most one segment.
    null_experiment = results[
        (results["experiment_id"] != planted["experiment_id"]) & (results["segment_id"] != "all")
    ]
    assert null_experiment["is_significant"].sum() <= 1


@pytest.fixture(scope="module")
def copied(generated_build: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    work = tmp_path_factory.mktemp("activation_copy")
    project = DbtProject(
        raw_dir=generated_build.raw_dir, warehouse=work / "warehouse.duckdb", work_dir=work
    )
    shutil.copy(generated_build.warehouse, project.warehouse)
    return project


def test_export_deltas_match_two_consecutive_runs(copied: DbtProject, tmp_path) -> None:
    export_segments(copied.warehouse, tmp_path)
    first = pd.read_parquet(tmp_path / f"{MEMBERSHIPS}.parquet")
    as_of = pd.Timestamp(copied.scalar("select max(as_of_date) from main.customer_features"))
    earlier = (as_of - pd.Timedelta(days=21)).date().isoformat()
    copied.build("--select", "int_as_of_date_resolved+", "--vars", f"{{as_of_date: '{earlier}'}}")
    summary = export_segments(copied.warehouse, tmp_path)
    second = pd.read_parquet(tmp_path / f"{MEMBERSHIPS}.parquet")
    changes = pd.read_parquet(tmp_path / f"{CHANGES}.parquet")
    before = set(map(tuple, first[["customer_id", "segment_id"]].values))
    after = set(map(tuple, second[["customer_id", "segment_id"]].values))
    joined = set(
        map(tuple, changes.loc[changes["change"] == "joined", ["customer_id", "segment_id"]].values)
    )
    left = set(
        map(tuple, changes.loc[changes["change"] == "left", ["customer_id", "segment_id"]].values)
    )
    assert joined == after - before and left == before - after
    assert summary.joined == len(joined) and summary.left == len(left)
    assert len(joined) > 0  # the earlier as-of date really moved some customers


def test_triggers_never_fire_twice(copied: DbtProject) -> None:
    keys_before = copied.query("select idempotency_key from main.abandoned_carts")
    copied.build("--select", "abandoned_carts", "session_offers")
    keys_after = copied.query("select idempotency_key from main.abandoned_carts")
    assert keys_after["idempotency_key"].is_unique
    assert set(keys_before["idempotency_key"]) <= set(keys_after["idempotency_key"])


def tables_mentioning(project: DbtProject, customer_id: str) -> list[str]:
    """Every table or view with a text value that is, or names as a whole token, the id."""
    columns = project.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_schema not in ('privacy', 'audit')"
    )
    pattern = f"(^|[^A-Za-z0-9_]){customer_id}([^A-Za-z0-9_]|$)"
    found = []
    for (schema, table), group in columns.groupby(["table_schema", "table_name"]):
        condition = " or ".join(
            f"regexp_matches(\"{column}\", '{pattern}')" for column in group["column_name"]
        )
        hits = project.scalar(f'select count(*) from "{schema}"."{table}" where {condition}')
        if hits:
            found.append(f"{schema}.{table} ({hits})")
    return found


def test_forget_customer_erases_them_from_every_table_for_good(
    generated_build: DbtProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("erasure")
    project = DbtProject(
        raw_dir=generated_build.raw_dir, warehouse=work / "warehouse.duckdb", work_dir=work
    )
    shutil.copy(generated_build.warehouse, project.warehouse)
    # A customer with orders, sessions, a CRM record and an experiment exposure.
    customer_id = project.scalar(
        "select customer_id from main.dim_customers as customers "
        "where lifetime_completed_orders > 0 and lifetime_sessions > 0 and is_in_crm "
        "and customer_id in (select customer_id from staging.stg_experiments__assignments) "
        "order by customer_id limit 1"
    )
    assert tables_mentioning(project, customer_id)
    result = project.run(
        "run-operation", "forget_customer", "--args", f"{{customer_id: {customer_id}}}"
    )
    assert result.ok, result.output[-3000:]
    assert tables_mentioning(project, customer_id) == []
    project.build()
    assert tables_mentioning(project, customer_id) == []
    erasures = project.query("select * from privacy.erasure_requests")
    assert len(erasures) == 1 and erasures["rows_deleted"].iloc[0] > 0
    assert customer_id not in erasures.to_string()
    runs = project.query("select distinct invocation_id from audit.dbt_run_results")
    assert len(runs) >= 1
