"""Read what the report needs from the warehouse, read-only, aggregated in SQL where possible.

Every mart is optional here: a table that does not exist (not built yet, or a source the user
does not have) comes back as an empty frame, and each section says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

# PCA is fitted on at most this many customers (fixed-seed sample) so a large warehouse still
# builds the report in seconds; the map shows far fewer points anyway.
MAP_FIT_MAX_ROWS = 100_000
MAP_SAMPLE_SEED = 42
# The report charts the last this many days of the (whole-history) control charts.
REPORT_CHART_DAYS = 91


@dataclass(frozen=True)
class ReportData:
    """The frames the report is drawn from (any of them may be empty)."""

    customers: int
    as_of_date: str | None
    profiles: pd.DataFrame
    centroids: pd.DataFrame
    feature_profiles: pd.DataFrame
    model_selection: pd.DataFrame
    rfm_mix: pd.DataFrame
    rfm_grid: pd.DataFrame
    rfm_segments: pd.DataFrame
    map_customers: pd.DataFrame
    anomalies: int
    sankey_edges: pd.DataFrame
    journey_markov: pd.DataFrame
    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    control_charts: pd.DataFrame
    drift_alerts: pd.DataFrame
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    dq_results: pd.DataFrame | None
    campaigns: pd.DataFrame = field(default_factory=pd.DataFrame)
    clv_by_segment: pd.DataFrame = field(default_factory=pd.DataFrame)
    clv_validation: pd.DataFrame = field(default_factory=pd.DataFrame)
    churn_validation: pd.DataFrame = field(default_factory=pd.DataFrame)
    lifecycle_by_segment: pd.DataFrame = field(default_factory=pd.DataFrame)
    lifecycle_weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    friction_alerts: pd.DataFrame = field(default_factory=pd.DataFrame)
    journey_weekly: pd.DataFrame = field(default_factory=pd.DataFrame)


def existing_tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Every "schema.table" (tables and views) in the warehouse."""
    rows = connection.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "union all select schema_name || '.' || view_name from duckdb_views() where not internal"
    ).fetchall()
    return {row[0] for row in rows}


def query(
    connection: duckdb.DuckDBPyConnection, tables: set[str], needs: list[str], sql: str
) -> pd.DataFrame:
    """The result of ``sql``, or an empty frame when a table it ``needs`` does not exist."""
    if not all(name in tables for name in needs):
        return pd.DataFrame()
    return connection.execute(sql).df()


def _map_customers_sql(tables: set[str]) -> str:
    """Customer features joined to segments (and anomaly flags when that mart exists)."""
    has_anomalies = "main.customer_anomalies" in tables
    anomaly = "coalesce(a.is_anomaly, false)" if has_anomalies else "false"
    join = "left join main.customer_anomalies as a using (customer_id)" if has_anomalies else ""
    return f"""
        select f.*, s.segment_id, s.segment_name, {anomaly} as is_anomaly
        from main.customer_features as f
        inner join main.customer_segments as s using (customer_id)
        {join}
        using sample reservoir({MAP_FIT_MAX_ROWS} rows) repeatable ({MAP_SAMPLE_SEED})
    """


LIFECYCLE_BY_SEGMENT_SQL = """
    select
        segments.segment_name,
        lifecycle.lifecycle_stage,
        count(*) as customers
    from main.customer_segments as segments
    left join main.customer_lifecycle as lifecycle using (customer_id)
    group by all
"""

CLV_BY_SEGMENT_SQL = """
    select
        segments.segment_id,
        segments.segment_name,
        count(*) as customers,
        count(clv.predicted_clv) as valued_customers,
        coalesce(sum(clv.predicted_clv), 0) as total_predicted_clv,
        avg(clv.predicted_clv) as mean_predicted_clv,
        avg(churn.churn_probability) as mean_churn_probability
    from main.customer_segments as segments
    left join main.customer_lifetime_value as clv using (customer_id)
    left join main.customer_churn_risk as churn using (customer_id)
    group by all
    order by total_predicted_clv desc, segments.segment_id
"""


def _latest_dq_results(
    connection: duckdb.DuckDBPyConnection, tables: set[str]
) -> pd.DataFrame | None:
    """Each suite's latest run of quality.dq_validation_results; None when the table is absent."""
    if "quality.dq_validation_results" not in tables:
        return None
    return connection.execute(
        """
        select results.*
        from quality.dq_validation_results as results
        qualify run_id = max(run_id) over (partition by suite_name)
        """
    ).df()


def _as_of_date(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> str | None:
    """The as-of date of the features (or of the segment assignment)."""
    for table, column in (
        ("main.customer_features", "as_of_date"),
        ("main.customer_segments", "assigned_at"),
    ):
        if table in tables:
            value = connection.execute(f"select max({column}) from {table}").fetchone()[0]
            if value is not None:
                return str(value)[:10]
    return None


def load_report_data(warehouse: Path) -> ReportData:
    """Everything the report draws, read from ``warehouse`` (opened read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = existing_tables(connection)

        def read(needs: list[str], sql: str) -> pd.DataFrame:
            return query(connection, tables, needs, sql)

        segments = ["main.customer_segments"]
        customers = read(segments, "select count(*) as n from main.customer_segments")
        anomalies = read(
            ["main.customer_anomalies"],
            "select count(*) filter (where is_anomaly) as n from main.customer_anomalies",
        )
        features = ["main.customer_features"]
        return ReportData(
            customers=int(customers["n"].iat[0]) if len(customers) else 0,
            as_of_date=_as_of_date(connection, tables),
            profiles=read(
                ["main.segment_profiles"],
                "select * from main.segment_profiles order by customers desc, segment_id",
            ),
            centroids=read(["main.segment_centroids"], "select * from main.segment_centroids"),
            feature_profiles=read(
                ["main.segment_feature_profiles"], "select * from main.segment_feature_profiles"
            ),
            model_selection=read(
                ["main.segment_model_selection"],
                "select * from main.segment_model_selection order by algorithm, k",
            ),
            rfm_mix=read(["main.segment_rfm_mix"], "select * from main.segment_rfm_mix"),
            rfm_grid=read(
                features,
                "select r_score, fm_score, count(*) as customers from main.customer_features "
                "where r_score is not null and fm_score is not null group by all",
            ),
            rfm_segments=read(
                features,
                "select rfm_segment, count(*) as customers from main.customer_features "
                "group by all order by customers desc",
            ),
            map_customers=read([*features, *segments], _map_customers_sql(tables)),
            anomalies=int(anomalies["n"].iat[0]) if len(anomalies) else 0,
            sankey_edges=read(
                ["main.journey_sankey_edges"],
                "select * from main.journey_sankey_edges order by segment_id, source_step, "
                "source, target",
            ),
            journey_markov=read(["main.journey_markov"], "select * from main.journey_markov"),
            forecasts=read(
                ["main.activity_forecasts"],
                "select * from main.activity_forecasts order by segment_id, metric, ds",
            ),
            backtest=read(
                ["main.forecast_backtest"],
                "select * from main.forecast_backtest order by segment_id, metric",
            ),
            control_charts=read(
                ["main.segment_control_charts"],
                "select * from main.segment_control_charts where is_monitored "
                "and device_type = 'all' and date > (select max(date) from "
                f"main.segment_control_charts) - interval {REPORT_CHART_DAYS} day "
                "order by segment_id, metric, date",
            ),
            drift_alerts=read(
                ["main.segment_drift_alerts"],
                "select * from main.segment_drift_alerts where device_type = 'all' "
                "order by segment_id, metric, alert_date",
            ),
            friction_alerts=read(
                ["main.journey_friction_alerts"],
                "select * from main.journey_friction_alerts "
                "order by week_start desc, device_type, from_state, to_state",
            ),
            journey_weekly=read(
                ["main.journey_transitions_weekly"],
                "select week_start, device_type, from_state, to_state, probability "
                "from main.journey_transitions_weekly where segment_id = 'all' "
                "order by week_start",
            ),
            quarantine=read(
                ["quality.quarantined_rows"],
                "select source_name, reason, count(*) as rows from quality.quarantined_rows "
                "group by all order by source_name, rows desc",
            ),
            reconciliation=read(
                ["quality.raw_row_reconciliation"],
                "select * from quality.raw_row_reconciliation order by source_name",
            ),
            dq_results=_latest_dq_results(connection, tables),
            campaigns=read(
                ["reference.segment_campaigns"], "select * from reference.segment_campaigns"
            ),
            clv_by_segment=read(
                [*segments, "main.customer_lifetime_value", "main.customer_churn_risk"],
                CLV_BY_SEGMENT_SQL,
            ),
            clv_validation=read(["main.clv_validation"], "select * from main.clv_validation"),
            churn_validation=read(
                ["main.churn_model_validation"],
                "select * from main.churn_model_validation order by row_type desc, population, "
                "decile",
            ),
            lifecycle_by_segment=read(
                [*segments, "main.customer_lifecycle"], LIFECYCLE_BY_SEGMENT_SQL
            ),
            lifecycle_weekly=read(
                ["main.lifecycle_weekly"], "select * from main.lifecycle_weekly order by week_start"
            ),
        )
