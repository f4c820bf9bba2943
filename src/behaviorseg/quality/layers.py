"""The first empty layer: when the marts come out empty because an upstream layer did, name the
first layer that came out empty although the one before it has rows, and why.

Layers, in build order, each with the tables that hold its rows and the reason it can be empty
while its upstream is not. The marts gate checks them before its suites, so an empty build
fails on its cause ("identity_map is empty: ...") instead of a symptom five layers down
("segment shares sum to 1").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    """One layer of the build: its name, its tables (schema key, table) and why it can be
    empty while the layer before it is not."""

    name: str
    tables: tuple[tuple[str, str], ...]
    empty_because: str


LAYERS: tuple[Layer, ...] = (
    Layer(
        "staging",
        (
            ("staging", "stg_web__events"),
            ("staging", "stg_app__events"),
            ("staging", "stg_commerce__orders"),
            ("staging", "stg_crm__customers"),
        ),
        "no web event, app event, order or CRM customer was staged: the raw folders are empty "
        "or every row was quarantined (quality.raw_row_reconciliation, quality.quarantined_rows)",
    ),
    Layer(
        "identity_map",
        (("marts", "identity_map"),),
        "no staged row carries a customer id, cookie or app device the identity graph keeps "
        "(int_identity_links, int_identity_components)",
    ),
    Layer(
        "dim_customers",
        (("marts", "dim_customers"),),
        "no person has a customer id: every event is anonymous (no user_id) and no order, CRM "
        "customer or support ticket names a customer",
    ),
    Layer(
        "customer_features",
        (("marts", "customer_features"),),
        "no customer has activity on or before as_of_date, or every customer opted out of "
        "tracking (var as_of_date; dim_customers.is_tracking_opted_out)",
    ),
    Layer(
        "customer_segments",
        (("marts", "customer_segments"),),
        "segmentation assigned no customer (segment_model_selection)",
    ),
)


def first_empty_layer(
    row_count: Callable[[str, str], int], layers: tuple[Layer, ...] = LAYERS
) -> str | None:
    """The error naming the first layer with no rows (``row_count(schema_key, table)``) whose
    upstream layer has rows; None when no layer is empty. An empty first layer is named too."""
    upstream: tuple[str, int] | None = None
    for layer in layers:
        rows = sum(row_count(schema, table) for schema, table in layer.tables)
        if rows == 0:
            after = f" although {upstream[0]} has {upstream[1]} rows" if upstream else ""
            return (
                f"{layer.name} is empty{after}: {layer.empty_because}. Every layer after it is "
                "empty because it is."
            )
        upstream = (layer.name, rows)
    return None


def warehouse_row_count(
    connection: object, schemas: Mapping[str, str]
) -> Callable[[str, str], int]:
    """``row_count`` over a DuckDB connection: rows of ``schemas[key].table``, 0 for a table
    that does not exist. Every result is fetched whole, so the connection is free afterwards."""

    def row_count(schema_key: str, table: str) -> int:
        schema = schemas[schema_key]
        exists = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
        if not exists:
            return 0
        return int(connection.execute(f"select count(*) from {schema}.{table}").fetchall()[0][0])

    return row_count
