"""An empty output names its cause: the first empty layer of a build, why an export is empty."""

from __future__ import annotations

from behaviorseg.exports import empty_export_reason
from behaviorseg.quality.layers import LAYERS, first_empty_layer


def counts(rows: dict[str, int]):
    """A row_count that reads ``rows`` by table name (0 for any other table)."""
    return lambda schema, table: rows.get(table, 0)


def test_no_empty_layer_gives_none() -> None:
    rows = {table: 3 for layer in LAYERS for _, table in layer.tables}
    assert first_empty_layer(counts(rows)) is None


def test_the_first_empty_layer_is_named_with_its_upstream_and_reason() -> None:
    rows = {"stg_web__events": 31, "identity_map": 0, "dim_customers": 0}
    message = first_empty_layer(counts(rows))
    assert message.startswith("identity_map is empty although staging has 31 rows: ")
    assert "int_identity_links" in message


def test_customers_without_features_name_customer_features() -> None:
    rows = {"stg_commerce__orders": 6, "identity_map": 9, "dim_customers": 3}
    message = first_empty_layer(counts(rows))
    assert message.startswith("customer_features is empty although dim_customers has 3 rows")


def test_nothing_staged_names_staging() -> None:
    message = first_empty_layer(counts({}))
    assert message.startswith("staging is empty: ")
    assert "quality.quarantined_rows" in message


def test_an_empty_export_says_why() -> None:
    assert empty_export_reason(5, 5, 3, 2) is None
    assert empty_export_reason(0, 0, 0, 0) == "No member exported: dim_customers holds no customer."
    assert "no `customers` entity (CRM) was loaded" in empty_export_reason(5, 0, 0, 0)
    assert empty_export_reason(1200, 1200, 0, 0) == (
        "No member exported: none of the 1,200 customers has marketing consent "
        "(dim_customers.has_marketing_consent)."
    )
    assert "none of the 3 customers with marketing consent is in a segment" in (
        empty_export_reason(5, 5, 3, 0)
    )
