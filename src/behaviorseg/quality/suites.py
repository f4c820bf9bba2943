"""Suites for the staging and mart tables, and the catalogue of every suite with its table.

Staging tables are already typed, deduplicated and quarantined, so a duplicate id, a null key, a
status outside the set or a clear-text e-mail there is a bug: those are ``critical``. Marts carry
the promises BI relies on (one row per customer, scores 1-5, shares summing to 1, probabilities
in 0-1, forecast bands around the forecast). Timestamps are compared as naive UTC, the
warehouse's convention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from great_expectations.expectations.row_conditions import Column

from behaviorseg.quality.checks import TIMESTAMP_FLOOR, Check, build_suite, critical, warning
from behaviorseg.quality.gx_context import gx
from behaviorseg.quality.raw_suites import (
    RAW_CONTRACTS,
    as_naive_utc,
    raw_file_suite,
    raw_suite,
)

SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"
SHARE_SUM_TOLERANCE = 1e-6
PROBABILITY_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SuiteTarget:
    """A suite and the warehouse table it validates.

    ``query`` optionally turns the table into the frame to validate, with ``{relation}`` standing
    for the table (e.g. a ``group by`` for a per-group total); without it the table's columns
    that the suite reads are selected. ``newest_load_column`` (an incremental table's load
    timestamp) restricts the rows to the newest load: a daily run validates the day it added,
    a first build everything.
    """

    suite: gx.ExpectationSuite
    table: str
    query: str | None = None
    newest_load_column: str | None = None


def suite_name(layer: str, table: str) -> str:
    """Suite name of a table, e.g. ``staging__stg_web__events``."""
    return f"{layer}__{table}"


def not_null_and_unique(column: str, *, severity: str = "critical") -> list[Check]:
    """A key: present on every row and never repeated."""
    make = critical if severity == "critical" else warning
    return [
        make("key is never null", gx.expectations.ExpectColumnValuesToNotBeNull(column=column)),
        make("key is unique", gx.expectations.ExpectColumnValuesToBeUnique(column=column)),
    ]


def columns_present(columns: Sequence[str]) -> Check:
    """The table has (at least) these columns."""
    return critical(
        "expected columns present",
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=False),
    )


def timestamp_range(
    column: str,
    reference_time: dt.datetime,
    *,
    floor_severity: str = "critical",
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
) -> list[Check]:
    """A timestamp column: never null, not before the floor (var raw_timestamp_floor, the one
    staging quarantines by), not in the future."""
    floor_check = critical if floor_severity == "critical" else warning
    return [
        critical(
            "timestamp is never null", gx.expectations.ExpectColumnValuesToNotBeNull(column=column)
        ),
        floor_check(
            f"not before the floor {timestamp_floor:%Y-%m-%d}",
            gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=timestamp_floor),
        ),
        warning(
            f"not in the future (after {reference_time:%Y-%m-%d %H:%M} UTC)",
            gx.expectations.ExpectColumnValuesToBeBetween(column=column, max_value=reference_time),
        ),
    ]


def bounds_text(low: float | None, high: float | None) -> str:
    """``1-5``, ``>= 0`` or ``<= 1``."""
    if low is not None and high is not None:
        return f"{low:g}-{high:g}"
    if low is not None:
        return f">= {low:g}"
    return f"<= {high:g}"


def in_range(
    column: str, low: float | None, high: float | None, *, severity: str = "critical"
) -> Check:
    """Non-null values of a column lie within ``[low, high]``."""
    make = critical if severity == "critical" else warning
    return make(
        f"within {bounds_text(low, high)}",
        gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high),
    )


# --- staging --------------------------------------------------------------------------------


def stg_web_events_suite(
    reference_time: dt.datetime,
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
    event_types: Collection[str] | None = None,
) -> gx.ExpectationSuite:
    """``stg_web__events``: one row per event id, known event types, sane timestamps.

    ``event_types``: the web raw event types the event vocabulary maps (int_event_type_map);
    by default those of the seed file event_type_map.
    """
    table = "stg_web__events"
    checks = [
        columns_present(["event_id", "anonymous_id", "user_id", "event_type", "event_at"]),
        *not_null_and_unique("event_id"),
        critical(
            "event type is never null",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="event_type"),
        ),
        warning(
            "event type in the accepted set",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="event_type",
                value_set=sorted(
                    event_types
                    if event_types is not None
                    else RAW_CONTRACTS["web_events"].value_sets["event_type"]
                ),
            ),
        ),
        *timestamp_range("event_at", reference_time, timestamp_floor=timestamp_floor),
        in_range("scroll_depth", 0, 100, severity="warning"),
        in_range("price", 0, None, severity="warning"),
    ]
    return build_suite(suite_name("staging", table), checks, layer="staging", table=table)


def stg_commerce_orders_suite(
    reference_time: dt.datetime, timestamp_floor: dt.datetime = TIMESTAMP_FLOOR
) -> gx.ExpectationSuite:
    """``stg_commerce__orders``: one row per order, known statuses, no negative completed order."""
    table = "stg_commerce__orders"
    checks = [
        columns_present(["order_id", "customer_id", "ordered_at", "status", "total_amount"]),
        *not_null_and_unique("order_id"),
        critical(
            "every order has a customer",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="customer_id"),
        ),
        critical(
            "status in completed/cancelled/refunded",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="status", value_set=list(RAW_CONTRACTS["orders"].value_sets["status"])
            ),
        ),
        critical(
            "amount not negative on a completed order",
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="total_amount", min_value=0, row_condition=Column("status") == "completed"
            ),
        ),
        in_range("discount_amount", 0, None, severity="warning"),
        warning(
            "channel in web/app/pos",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="channel", value_set=list(RAW_CONTRACTS["orders"].value_sets["channel"])
            ),
        ),
        *timestamp_range("ordered_at", reference_time, timestamp_floor=timestamp_floor),
    ]
    return build_suite(suite_name("staging", table), checks, layer="staging", table=table)


def stg_crm_customers_suite() -> gx.ExpectationSuite:
    """``stg_crm__customers``: one row per customer, PII only as SHA-256 hex, consent known."""
    table = "stg_crm__customers"
    checks = [
        columns_present(["customer_id", "email_hash", "phone_hash", "has_marketing_consent"]),
        *not_null_and_unique("customer_id"),
        critical(
            "e-mail hashed: 64 hex characters",
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="email_hash", regex=SHA256_HEX_PATTERN
            ),
        ),
        critical(
            "no clear-text e-mail (no '@')",
            gx.expectations.ExpectColumnValuesToNotMatchRegex(column="email_hash", regex="@"),
        ),
        critical(
            "phone hashed: 64 hex characters",
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="phone_hash", regex=SHA256_HEX_PATTERN
            ),
        ),
        warning(
            "marketing consent known (absent counts as not given)",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="has_marketing_consent"),
        ),
        warning(
            "country is an ISO-3166 alpha-2 code",
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="country", regex=r"^[A-Za-z]{2}$"
            ),
        ),
    ]
    return build_suite(suite_name("staging", table), checks, layer="staging", table=table)


# --- marts ----------------------------------------------------------------------------------


def customer_features_suite() -> gx.ExpectationSuite:
    """``customer_features``: one row per customer, RFM scores 1-5, engagement 0-100."""
    table = "customer_features"
    checks = [
        *not_null_and_unique("customer_id"),
        in_range("r_score", 1, 5),
        in_range("f_score", 1, 5),
        in_range("m_score", 1, 5),
        in_range("engagement_score", 0, 100),
        warning(
            "every customer has an RFM segment",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="rfm_segment"),
        ),
        warning(
            "features computed as of a date",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="as_of_date"),
        ),
    ]
    return build_suite(suite_name("marts", table), checks, layer="marts", table=table)


def customer_segments_suite() -> gx.ExpectationSuite:
    """``customer_segments``: one row per customer, each with a named segment."""
    table = "customer_segments"
    checks = [
        *not_null_and_unique("customer_id"),
        critical(
            "every customer has a segment id",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="segment_id"),
        ),
        critical(
            "every customer has a segment name",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="segment_name"),
        ),
    ]
    return build_suite(suite_name("marts", table), checks, layer="marts", table=table)


def segment_profiles_suite() -> gx.ExpectationSuite:
    """``segment_profiles``: one row per named segment, shares in 0-1 summing to 1."""
    table = "segment_profiles"
    checks = [
        *not_null_and_unique("segment_name"),
        in_range("share", 0, 1),
        critical(
            "segment shares sum to 1",
            gx.expectations.ExpectColumnSumToBeBetween(
                column="share", min_value=1 - SHARE_SUM_TOLERANCE, max_value=1 + SHARE_SUM_TOLERANCE
            ),
        ),
    ]
    return build_suite(suite_name("marts", table), checks, layer="marts", table=table)


def journey_markov_suite() -> gx.ExpectationSuite:
    """``journey_markov``: purchase and drop-off probabilities in 0-1, steps not negative."""
    table = "journey_markov"
    checks = [
        in_range("p_purchase", 0, 1),
        in_range("drop_off_rate", 0, 1),
        in_range("expected_steps", 0, None, severity="warning"),
    ]
    return build_suite(suite_name("marts", table), checks, layer="marts", table=table)


def journey_transitions_suite() -> gx.ExpectationSuite:
    """``journey_transitions``: transition probabilities in 0-1, counts not negative."""
    table = "journey_transitions"
    checks = [
        critical(
            "every transition has a from_state",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="from_state"),
        ),
        in_range("probability", 0, 1),
        in_range("transitions", 0, None, severity="warning"),
    ]
    return build_suite(suite_name("marts", table), checks, layer="marts", table=table)


JOURNEY_STATE_TOTALS_QUERY = (
    "select segment_id, from_state, sum(probability) as probability_total "
    "from {relation} group by segment_id, from_state"
)


def journey_state_totals_suite() -> gx.ExpectationSuite:
    """Per (segment, from_state) total of ``journey_transitions``: each a distribution (sum 1).

    Runs on the aggregate frame of :data:`JOURNEY_STATE_TOTALS_QUERY`, computed in SQL.
    """
    table = "journey_transitions"
    checks = [
        critical(
            "outgoing probabilities of a state sum to 1",
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="probability_total",
                min_value=1 - PROBABILITY_SUM_TOLERANCE,
                max_value=1 + PROBABILITY_SUM_TOLERANCE,
            ),
        )
    ]
    return build_suite(
        "marts__journey_transitions__state_totals", checks, layer="marts", table=table
    )


def activity_forecasts_suite() -> gx.ExpectationSuite:
    """``activity_forecasts``: a date on every row and yhat_lower <= yhat <= yhat_upper."""
    table = "activity_forecasts"
    checks = [
        critical(
            "every forecast has a date", gx.expectations.ExpectColumnValuesToNotBeNull(column="ds")
        ),
        critical(
            "yhat_lower <= yhat",
            gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="yhat",
                column_B="yhat_lower",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ),
        critical(
            "yhat <= yhat_upper",
            gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="yhat_upper",
                column_B="yhat",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ),
    ]
    return build_suite(suite_name("marts", table), checks, layer="marts", table=table)


# --- catalogue ------------------------------------------------------------------------------


def staging_targets(
    reference_time: dt.datetime,
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
    web_event_types: Collection[str] | None = None,
) -> list[SuiteTarget]:
    """The staging suites with their tables (``timestamp_floor``: var raw_timestamp_floor;
    ``web_event_types``: the mapped web raw event types, default the seed file's)."""
    moment = as_naive_utc(reference_time)
    return [
        SuiteTarget(
            stg_web_events_suite(moment, timestamp_floor, web_event_types),
            "stg_web__events",
            newest_load_column="loaded_at",
        ),
        SuiteTarget(stg_commerce_orders_suite(moment, timestamp_floor), "stg_commerce__orders"),
        SuiteTarget(stg_crm_customers_suite(), "stg_crm__customers"),
    ]


def mart_targets() -> list[SuiteTarget]:
    """The mart suites with their tables (any may be absent until its model is built)."""
    return [
        SuiteTarget(customer_features_suite(), "customer_features"),
        SuiteTarget(customer_segments_suite(), "customer_segments"),
        SuiteTarget(segment_profiles_suite(), "segment_profiles"),
        SuiteTarget(journey_markov_suite(), "journey_markov"),
        SuiteTarget(journey_transitions_suite(), "journey_transitions"),
        SuiteTarget(
            journey_state_totals_suite(), "journey_transitions", query=JOURNEY_STATE_TOTALS_QUERY
        ),
        SuiteTarget(activity_forecasts_suite(), "activity_forecasts"),
    ]


def raw_suites(reference_time: dt.datetime) -> list[gx.ExpectationSuite]:
    """Two suites per raw entity: the per-file contract (without volume history) and the rows."""
    return [
        suite
        for entity in RAW_CONTRACTS
        for suite in (raw_file_suite(entity), raw_suite(entity, reference_time=reference_time))
    ]


def all_suites(reference_time: dt.datetime) -> list[gx.ExpectationSuite]:
    """Every suite of the project: raw, staging and marts."""
    return [
        *raw_suites(reference_time),
        *(target.suite for target in staging_targets(reference_time)),
        *(target.suite for target in mart_targets()),
    ]
