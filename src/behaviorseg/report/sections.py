"""The report's sections: each turns ReportData into a titled Section, or a short note when the
marts it needs are empty (an orders-only export has no journeys or sessions)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from behaviorseg.report import figures
from behaviorseg.report.actions import SegmentAction, suggested_action
from behaviorseg.report.insights import (
    backtest_sentence,
    backtest_table,
    change_label,
    distinctive_features,
    format_count,
    format_share,
    map_sample,
    metric_label,
    pca_map,
    profile_sentence,
)
from behaviorseg.report.lifecycle import lifecycle_section
from behaviorseg.report.page import Section, escape, figure_html, note, table_html
from behaviorseg.report.value import customer_value_section
from behaviorseg.report.warehouse import MAP_SAMPLE_SEED, ReportData

MAP_MAX_POINTS = 5_000
FORECAST_METRICS: tuple[str, ...] = ("sessions", "revenue", "orders")
CONTROL_CHART_METRICS: tuple[str, ...] = (
    "active_customers",
    "sessions",
    "orders",
    "revenue",
    "conversion_rate",
)
ALERT_COLUMNS: tuple[str, ...] = ("segment_id", "metric", "alert_date", "rule", "value", "severity")
# segment_feature_profiles features the clustering did not use have no z; the heatmap shows
# at most this many, the ones that differ most across segments first.
HEATMAP_MAX_FEATURES = 24
# The Friction section lists this many of the latest critical alerts and charts the weekly
# probability of at most this many of their transitions.
FRICTION_MAX_ALERTS = 10
FRICTION_MAX_CHARTS = 4


@dataclass
class FigureCounter:
    """Gives every figure a unique div id and counts them (the page and its test need it)."""

    count: int = 0
    names: list[str] = field(default_factory=list)

    def html(self, figure: go.Figure, name: str) -> str:
        """The figure's HTML with div id ``fig-<name>``."""
        self.count += 1
        self.names.append(name)
        return figure_html(figure, f"fig-{name}")


@dataclass(frozen=True)
class ReportContext:
    """What several sections share: sizes and changes, colours, z-profiles, actions."""

    data: ReportData
    changes: pd.DataFrame
    colors: Mapping[str, str]
    z: pd.DataFrame
    actions: Mapping[str, SegmentAction]

    @property
    def segment_order(self) -> list[str]:
        """Segment names, largest first."""
        if self.data.profiles.empty:
            return []
        return [str(name) for name in self.data.profiles["segment_name"]]


SectionBuilder = Callable[[ReportContext, FigureCounter], Section]


def segment_sort_key(segment_id: object) -> tuple[int, int, str]:
    """Order of text segment ids: 'all' first, then numeric ids by value, then any others."""
    text = str(segment_id)
    if text == "all":
        return (0, 0, "")
    return (1, int(text), "") if text.isdigit() else (2, 0, text)


def segment_options(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(segment_id, label) of a text-keyed mart: 'all' (labelled "All") first, then segments."""
    pairs = frame[["segment_id", "segment_name"]].drop_duplicates("segment_id")
    ordered = sorted(
        zip(pairs["segment_id"].astype(str), pairs["segment_name"], strict=True),
        key=lambda pair: segment_sort_key(pair[0]),
    )
    return [
        (segment_id, "All" if segment_id == "all" else str(name)) for segment_id, name in ordered
    ]


def _number(value: object) -> float:
    """A value as float (None/NA -> nan)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _badge(status: str, change: float, change_pct: float) -> str:
    """The change badge of a segment card, green up, red down."""
    direction = ""
    if status == "changed":
        direction = "up" if change > 0 else "down"
    return (
        f'<span class="badge {direction}">{escape(change_label(status, change, change_pct))}</span>'
    )


def _card(ctx: ReportContext, profile: pd.Series) -> str:
    """One segment card: size, share, change, profile sentence, key metrics, action."""
    name = str(profile["segment_name"])
    z_profile = ctx.z.loc[name] if name in ctx.z.index else pd.Series(dtype="float64")
    distinctive = distinctive_features(z_profile)
    action = suggested_action(name, distinctive, ctx.actions, z_profile=z_profile)
    change = ctx.changes.set_index("segment_name").loc[name]
    zs = " · ".join(f"{feature.replace('_', ' ')} z {z:+.1f}" for feature, z in distinctive)
    description = profile.get("segment_description")
    description = str(description) if isinstance(description, str) else ""
    metrics = [
        ("conversion", format_share(_number(profile.get("conversion_rate")), 0)),
        ("order value", _decimal(_number(profile.get("average_order_value")))),
        ("active 30d", format_share(_number(profile.get("retention_30d")), 0)),
        ("churn", format_share(_number(profile.get("churn_rate")), 0)),
    ]
    metric_html = "".join(f"<div><b>{escape(v)}</b>{escape(k)}</div>" for k, v in metrics)
    return (
        f'<div class="card" style="--seg: {ctx.colors.get(name, figures.MUTED)}">'
        f"<h3>{escape(name)}</h3>"
        f'<div class="size"><strong>{format_count(profile["customers"])}</strong>'
        f'<span class="share">{format_share(_number(profile.get("share")))} of customers</span>'
        f"{_badge(change['status'], change['change'], change['change_pct'])}</div>"
        + (f'<p class="description">{escape(description)}</p>' if description else "")
        + f'<p class="profile">{escape(profile_sentence(z_profile))}</p>'
        + (f'<p class="zs">{escape(zs)}</p>' if zs else "")
        + f'<div class="metrics">{metric_html}</div>'
        f'<div class="action"><b>Suggested action:</b> {escape(action.sentence())}</div></div>'
    )


def _decimal(value: float, digits: int = 2) -> str:
    """123.4 -> "123.40" (or ``digits`` decimals); missing -> "-"."""
    return "-" if not np.isfinite(value) else f"{value:,.{digits}f}"


def segment_cards_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Every segment named, with size, share, change, profile and a suggested action."""
    title, lead = (
        "Segments at a glance",
        (
            "Who is in each segment, how it moved since the last run, what sets it apart from the "
            "average customer and what to do with it."
        ),
    )
    if ctx.data.profiles.empty:
        return Section("segments", title, lead, note("No segments yet: segment_profiles is empty."))
    cards = "".join(_card(ctx, row) for _, row in ctx.data.profiles.iterrows())
    gone = ctx.changes[ctx.changes["status"] == "gone"]["segment_name"].tolist()
    extra = (
        note(f"Segments of the last run that no longer exist: {', '.join(gone)}.") if gone else ""
    )
    return Section("segments", title, lead, f'<div class="cards">{cards}</div>{extra}')


def sizes_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Bar chart of segment sizes and their change since the last run."""
    title = "Segment sizes"
    first_run = bool((ctx.changes["status"] == "first run").all()) if len(ctx.changes) else True
    lead = (
        "Customers per segment. This is the first run the report has seen, so there is no "
        "change to show yet."
        if first_run
        else "Customers per segment and how many joined or left each since the last run."
    )
    if ctx.changes.empty or ctx.changes["customers"].sum() == 0:
        return Section("sizes", title, lead, note("No segment sizes to chart."))
    return Section(
        "sizes", title, lead, counter.html(figures.sizes_figure(ctx.changes, ctx.colors), "sizes")
    )


def _heatmap_features(ctx: ReportContext) -> list[str]:
    """Features for the heatmap, the most different across segments (Kruskal H) first."""
    features = list(ctx.z.columns)
    tests = ctx.data.feature_profiles
    if not tests.empty and {"feature", "kruskal_h"} <= set(tests.columns):
        strength = pd.to_numeric(tests["kruskal_h"], errors="coerce").groupby(tests["feature"])
        h_by_feature = strength.max().fillna(0.0)
        features.sort(key=lambda feature: -float(h_by_feature.get(feature, 0.0)))
    return features[:HEATMAP_MAX_FEATURES]


def profile_heatmap_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Heatmap of segment x feature z-scores."""
    title = "Feature profiles"
    lead = (
        "How far each segment's average sits from all customers on every clustering feature, "
        "in standard deviations (red = above average, blue = below). Features that differ most "
        "between segments come first."
    )
    if ctx.z.empty:
        return Section(
            "profiles", title, lead, note("No feature profiles: the segment marts are empty.")
        )
    order = [name for name in ctx.segment_order if name in ctx.z.index] or list(ctx.z.index)
    z = ctx.z.reindex(index=order, columns=_heatmap_features(ctx))
    return Section("profiles", title, lead, counter.html(figures.profile_heatmap(z), "profiles"))


def model_selection_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Elbow (WCSS) and silhouette curves with the chosen k."""
    title = "How many segments"
    selection = ctx.data.model_selection
    if selection.empty:
        return Section("model-selection", title, "", note("No model selection results."))
    chosen = selection[selection["is_selected"].fillna(False).astype(bool)]
    if len(chosen):
        row = chosen.iloc[0]
        by = str(row.get("selected_by") or "").replace("_", " ")
        lead = (
            f"The segmentation uses {row['algorithm']} with k = {int(row['k'])}"
            + (f" (chosen by {by})" if by else "")
            + f": silhouette {row['silhouette']:.2f}. The elbow of the WCSS curve and the peak of "
            "the silhouette curve are where adding segments stops paying off."
        )
    else:
        lead = "No k is marked as selected."
    return Section(
        "model-selection",
        title,
        lead,
        counter.html(figures.model_selection_figure(selection), "model-selection"),
    )


def customer_map_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """PCA map of customers, coloured by segment, anomalies marked."""
    title = "Map of customers"
    customers = ctx.data.map_customers
    if customers.empty:
        return Section("map", title, "", note("No customer features to map."))
    features = list(ctx.z.columns) if not ctx.z.empty else []
    placed, explained = pca_map(customers, features, seed=MAP_SAMPLE_SEED)
    shown = map_sample(placed, MAP_MAX_POINTS, seed=MAP_SAMPLE_SEED)
    flagged = int(placed["is_anomaly"].fillna(False).astype(bool).sum())
    lead = (
        f"Each dot is a customer placed by the two main directions of their standardised "
        f"behavior (PCA, {explained[0] + explained[1]:.0%} of the variance). Showing "
        f"{len(shown):,} of {len(placed):,} customers"
        + (" (a fixed sample; every anomaly kept). " if len(shown) < len(placed) else ". ")
        + (
            f"Black crosses are the {flagged:,} anomalies the Isolation Forest flagged: review "
            "them before targeting."
            if flagged
            else "No customer is flagged as an anomaly."
        )
    )
    return Section(
        "map",
        title,
        lead,
        counter.html(
            figures.customer_map_figure(shown, explained, ctx.colors, ctx.segment_order),
            "customer-map",
        ),
    )


def _markov_row(name: str, states: pd.DataFrame) -> dict[str, str]:
    """One segment's journey summary: purchase probability and expected steps from landing,
    and the state people most often leave from."""
    landing = states[states["state"] == "landing"]
    leak = states[states["state"] != "landing"].sort_values("drop_off_rate", ascending=False)
    return {
        "Segment": name,
        "Purchase from landing": format_share(_number(landing["p_purchase"].max())),
        "Steps per journey": _decimal(_number(landing["expected_steps"].max()), digits=1),
        "Biggest drop-off": (
            f"{leak['state'].iat[0].replace('_', ' ')} "
            f"({format_share(_number(leak['drop_off_rate'].iat[0]), 0)} leave there)"
            if len(leak)
            else "-"
        ),
    }


def _markov_table(markov: pd.DataFrame) -> str:
    """Journey conversion per segment from the absorbing Markov chain mart."""
    needed = {"segment_id", "segment_name", "state", "p_purchase", "expected_steps"}
    if markov.empty or not needed <= set(markov.columns):
        return ""
    groups = dict(list(markov.groupby("segment_id", sort=False)))
    rows = [
        _markov_row(label, groups[segment_id])
        for segment_id, label in segment_options(markov)
        if segment_id in groups
    ]
    return "<h3>Journey conversion (Markov chain)</h3>" + table_html(pd.DataFrame(rows))


def journey_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Journey Sankey per segment and the Markov conversion table."""
    title = "Customer journeys"
    lead = (
        "How sessions flow from landing through browsing, search, product views and the cart "
        "to purchase or exit (first steps of every session). Pick a segment in the menu."
    )
    edges = ctx.data.sankey_edges
    if edges.empty:
        return Section(
            "journeys",
            title,
            lead,
            note("No journeys: the data has no web or app sessions (journey marts are empty)."),
        )
    options = segment_options(edges)
    body = counter.html(figures.sankey_figure(edges, options), "journeys")
    return Section("journeys", title, lead, body + _markov_table(ctx.data.journey_markov))


def forecast_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Forecasts with intervals per segment and the backtest against a seasonal-naive baseline."""
    title = "Forecasts"
    forecasts = ctx.data.forecasts
    lead = (
        "Daily history and the forecast with its 80% interval (shaded) per segment; the dotted "
        "line is the last observed day."
    )
    parts = []
    if forecasts.empty:
        parts.append(note("No forecasts: activity_forecasts is empty."))
    else:
        options = segment_options(forecasts)
        for metric in FORECAST_METRICS:
            if (forecasts["metric"] == metric).any():
                parts.append(f"<h3>{escape(metric_label(metric))}</h3>")
                figure = figures.forecast_figure(forecasts, metric, options)
                parts.append(counter.html(figure, f"forecast-{metric}"))
    backtest = ctx.data.backtest
    parts.append("<h3>Backtest: model vs seasonal naive (sMAPE %, lower is better)</h3>")
    if backtest.empty:
        parts.append(note("No backtest results."))
    else:
        parts.append(f"<p>{escape(backtest_sentence(backtest))}</p>")
        cells, classes = backtest_table(backtest)
        parts.append(table_html(cells, numeric=cells.columns[1:], cell_classes=classes))
    return Section("forecasts", title, lead, "".join(parts))


def _alert_summary(alerts: pd.DataFrame, names: Mapping[str, str], since: object) -> str:
    """Alert counts per segment and severity in the monitored window, and the PSI alerts."""
    if alerts.empty:
        return note("No drift or control-chart alerts.")
    spc = alerts[alerts["rule"] != "psi"]
    if since is not None and pd.notna(since):
        spc = spc[spc["alert_date"] >= since]
    parts = []
    if len(spc):
        counts = spc.pivot_table(
            index="segment_id", columns="severity", values="rule", aggfunc="count", fill_value=0
        )
        counts = counts.reindex(columns=["critical", "warning"], fill_value=0)
        order = [s for s in names if s in counts.index]
        counts = counts.reindex(order + [s for s in counts.index if s not in names])
        counts = counts.reset_index()
        counts.insert(0, "Segment", [names.get(s, s) for s in counts.pop("segment_id")])
        counts.columns = ["Segment", "Critical", "Warning"]
        classes = pd.DataFrame({"Critical": np.where(counts["Critical"] > 0, "bad", "")})
        parts.append("<h3>Control-chart alerts in the monitored window</h3>")
        parts.append(table_html(counts, numeric=["Critical", "Warning"], cell_classes=classes))
    psi = alerts[alerts["rule"] == "psi"]
    if len(psi):
        table = pd.DataFrame(
            {
                "Segment": [names.get(s, s) for s in psi["segment_id"]],
                "Activity feature": psi["metric"].str.replace("_", " "),
                "PSI": psi["value"].map(lambda v: f"{v:.2f}"),
                "Severity": psi["severity"],
            }
        )
        classes = pd.DataFrame({"Severity": np.where(psi["severity"] == "critical", "bad", "warn")})
        parts.append("<h3>Population drift (PSI of customer activity, last period vs before)</h3>")
        parts.append(table_html(table, numeric=["PSI"], cell_classes=classes))
    return "".join(parts) or note("No alerts in the monitored window.")


def control_chart_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Control charts of the monitored window with the alerts marked."""
    title = "Monitoring: control charts and drift"
    lead = (
        "Each metric with its weekly pattern removed, against limits learned on a baseline "
        "window (centre ± 3 sigma). Crosses are critical alerts (beyond 3 sigma), rings are "
        "warnings (Western Electric run rules)."
    )
    charts = ctx.data.control_charts
    alerts = ctx.data.drift_alerts
    if alerts.empty:  # absent mart: an empty frame with the columns the chart filters on
        alerts = pd.DataFrame(columns=ALERT_COLUMNS)
    if charts.empty:
        return Section(
            "monitoring",
            title,
            lead,
            note("No control charts: segment_control_charts has no monitored days."),
        )
    metrics = [m for m in CONTROL_CHART_METRICS if (charts["metric"] == m).any()]
    metrics += sorted(set(charts["metric"]) - set(metrics))
    options = segment_options(charts)
    names = dict(options)
    since = charts["date"].min()
    in_window = alerts[(alerts["rule"] == "psi") | (alerts["alert_date"] >= since)]
    figure = figures.control_chart_figure(charts, in_window, metrics, options)
    window = f"Monitored window: {str(since)[:10]} to {str(charts['date'].max())[:10]}."
    return Section(
        "monitoring",
        title,
        f"{lead} {window}",
        counter.html(figure, "control-charts") + _alert_summary(alerts, names, since),
    )


def friction_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """The latest critical friction alerts (all segments together) and, for their
    transitions, the weekly probability per device against the baseline it was judged by."""
    title = "Friction"
    lead = (
        "Journey steps whose weekly share departed from their own baseline (the weeks before) "
        "beyond chance: a loop back shows as a rise of a backward step, a drop as a fall of the "
        "step towards purchase. Latest critical alerts first; the charts show each step's "
        "weekly share per device, with the baseline it was judged against on the alert weeks."
    )
    alerts = ctx.data.friction_alerts
    critical = (
        alerts[(alerts["severity"] == "critical") & (alerts["segment_id"] == "all")]
        if len(alerts)
        else alerts
    )
    if critical.empty:
        return Section("friction", title, lead, note("No critical friction alerts."))
    latest = critical.sort_values(["week_start", "p_value"], ascending=[False, True])
    latest = latest.head(FRICTION_MAX_ALERTS)
    table = pd.DataFrame(
        {
            "Week": latest["week_start"].astype(str).str[:10],
            "Alert": latest["sentence"],
            "Transitions": latest["transitions"].map(format_count),
        }
    )
    transitions = list(dict.fromkeys(zip(latest["from_state"], latest["to_state"], strict=True)))[
        :FRICTION_MAX_CHARTS
    ]
    body = table_html(table, numeric=["Transitions"])
    weekly = ctx.data.journey_weekly
    if len(weekly):
        shown = alerts[alerts["segment_id"] == "all"]
        figure = figures.friction_figure(weekly, shown, transitions)
        body += counter.html(figure, "friction")
    return Section("friction", title, lead, body)


def rfm_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """RFM grid and the RFM mix of each behavioral segment."""
    title = "RFM"
    grid = ctx.data.rfm_grid
    no_purchase = ctx.data.rfm_segments
    lead = (
        "Recency, frequency and monetary quintile scores of buyers: the top-right corner holds "
        "the best customers, the left column those who stopped buying."
    )
    if grid.empty:
        return Section("rfm", title, lead, note("No RFM scores: there are no completed orders."))
    parts = [counter.html(figures.rfm_figure(grid, ctx.data.rfm_mix, ctx.segment_order), "rfm")]
    if not no_purchase.empty:
        without = no_purchase.loc[no_purchase["rfm_segment"] == "No Purchases Yet", "customers"]
        if len(without):
            parts.append(
                note(
                    f"{int(without.sum()):,} customers have not bought yet and are not on the grid."
                )
            )
    return Section("rfm", title, lead, "".join(parts))


def dq_outcomes(results: pd.DataFrame) -> pd.Series:
    """passed / failed / skipped per expectation result: the status column when the gates wrote
    one, else from success (null success = the suite was skipped)."""
    success = (
        results["success"]
        if "success" in results.columns
        else pd.Series(pd.NA, index=results.index, dtype="object")
    )
    derived = pd.Series(
        np.where(
            success.isna(),
            "skipped",
            np.where(success.fillna(False).astype(bool), "passed", "failed"),
        ),
        index=results.index,
    )
    if "status" in results.columns:
        status = results["status"].astype("object").str.lower()
        return status.where(status.isin(["passed", "failed", "skipped"]), derived)
    return derived


def dq_summary_sentence(outcomes: pd.Series, severities: pd.Series) -> str:
    """ "176 expectations: 174 passed, 1 failed (1 critical), 1 skipped." for the latest runs."""
    failed = outcomes == "failed"
    critical = int((failed & (severities == "critical")).sum())
    parts = [f"{int((outcomes == 'passed').sum()):,} passed", f"{int(failed.sum()):,} failed"]
    if failed.any():
        parts[-1] += f" ({critical:,} critical)"
    skipped = int((outcomes == "skipped").sum())
    if skipped:
        parts.append(f"{skipped:,} skipped")
    return f"{len(outcomes):,} expectations in the latest run of each suite: {', '.join(parts)}."


def _gate_rank(gate: str) -> tuple[int, str]:
    """Sort key of a quality gate: raw, staging, marts, then anything else."""
    order = {"raw": 0, "staging": 1, "marts": 2}
    return (order.get(gate, len(order)), gate)


def _outcome_counts(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Passed/failed/skipped counts per ``keys``."""
    return (
        frame.pivot_table(
            index=keys, columns="outcome", values="expectation", aggfunc="count", fill_value=0
        )
        .reindex(columns=["passed", "failed", "skipped"], fill_value=0)
        .reset_index()
    )


def _failed_classes(counts: pd.DataFrame) -> pd.DataFrame:
    """Failed cells red when critical, amber when a warning, green at zero."""
    return pd.DataFrame(
        {
            "Failed": np.where(
                counts["Failed"] > 0,
                np.where(counts["Severity"] == "critical", "bad", "warn"),
                "good",
            ),
        }
    )


def _dq_results_table(results: pd.DataFrame) -> str:
    """Pass/fail by gate and severity, per suite (folded away) and the failures."""
    frame = results.assign(outcome=dq_outcomes(results))
    frame["gate"] = frame["gate"].fillna("") if "gate" in frame.columns else ""
    # Pipeline order (raw, staging, marts), not alphabetical.
    frame["gate"] = pd.Categorical(
        frame["gate"], categories=sorted(set(frame["gate"]), key=_gate_rank), ordered=True
    )
    numeric = ["Passed", "Failed", "Skipped"]
    by_gate = _outcome_counts(frame, ["gate", "severity"])
    by_gate.columns = ["Gate", "Severity", *numeric]
    by_suite = _outcome_counts(frame, ["gate", "suite_name", "severity"])
    by_suite.columns = ["Gate", "Suite", "Severity", *numeric]
    if not by_suite["Gate"].astype(str).astype(bool).any():
        by_gate, by_suite = by_gate.drop(columns="Gate"), by_suite.drop(columns="Gate")
    run_at = str(results["run_at"].max())[:19] if "run_at" in results.columns else ""
    parts = [
        f"<h3>Expectation results{' (last run ' + run_at + ' UTC)' if run_at else ''}</h3>",
        f"<p>{escape(dq_summary_sentence(frame['outcome'], frame['severity']))}</p>",
        table_html(by_gate, numeric=numeric, cell_classes=_failed_classes(by_gate)),
        f"<details><summary>By suite ({len(by_suite):,} rows)</summary>"
        + table_html(by_suite, numeric=numeric, cell_classes=_failed_classes(by_suite))
        + "</details>",
    ]
    failed = frame[frame["outcome"] == "failed"]
    if len(failed):
        shown = failed.sort_values("severity").head(30)
        table = pd.DataFrame(
            {
                "Suite": shown["suite_name"],
                "Expectation": shown["expectation"],
                "Column": shown["column"].fillna("") if "column" in shown.columns else "",
                "Severity": shown["severity"],
                "Observed": shown["observed_value"].astype(str).str.slice(0, 120)
                if "observed_value" in shown.columns
                else "",
            }
        )
        classes = pd.DataFrame(
            {"Severity": np.where(shown["severity"] == "critical", "bad", "warn")}
        )
        parts.append(
            f"<h3>Failed expectations ({len(failed):,})</h3>"
            + table_html(table, cell_classes=classes)
        )
    return "".join(parts)


def data_quality_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Quarantined rows, rows-in = rows-out reconciliation and expectation results."""
    title = "Data quality"
    lead = (
        "Nothing is dropped silently: every raw row is staged, counted as a duplicate, or "
        "quarantined with the rule it broke."
    )
    parts = []
    reconciliation = ctx.data.reconciliation
    if reconciliation.empty:
        parts.append(note("No reconciliation results."))
    else:
        table = pd.DataFrame(
            {
                "Raw entity": reconciliation["source_name"],
                "Rows in": reconciliation["rows_in"].map(format_count),
                "Staged": reconciliation["rows_staged"].map(format_count),
                "Duplicates": reconciliation["rows_duplicate"].map(format_count),
                "Quarantined": reconciliation["rows_quarantined"].map(format_count),
                "Reconciled": np.where(
                    reconciliation["is_reconciled"].fillna(False).astype(bool), "yes", "NO"
                ),
            }
        )
        classes = pd.DataFrame(
            {"Reconciled": np.where(table["Reconciled"] == "yes", "good", "bad")}
        )
        parts.append("<h3>Rows in = rows out</h3>")
        parts.append(
            table_html(
                table,
                numeric=["Rows in", "Staged", "Duplicates", "Quarantined"],
                cell_classes=classes,
            )
        )
    quarantine = ctx.data.quarantine
    parts.append("<h3>Quarantined rows by raw entity and reason</h3>")
    if quarantine.empty:
        parts.append(note("No quarantined rows."))
    else:
        parts.append(counter.html(figures.quarantine_figure(quarantine), "quarantine"))
    results = ctx.data.dq_results
    if results is None or results.empty:
        parts.append("<h3>Expectation results</h3>" + note("No quality results yet."))
    else:
        parts.append(_dq_results_table(results))
    return Section("quality", title, lead, "".join(parts))


SECTION_BUILDERS: Sequence[tuple[str, str, SectionBuilder]] = (
    ("segments", "Segments at a glance", segment_cards_section),
    ("sizes", "Segment sizes", sizes_section),
    ("profiles", "Feature profiles", profile_heatmap_section),
    ("model-selection", "How many segments", model_selection_section),
    ("map", "Map of customers", customer_map_section),
    ("journeys", "Customer journeys", journey_section),
    ("forecasts", "Forecasts", forecast_section),
    ("friction", "Friction", friction_section),
    ("monitoring", "Monitoring: control charts and drift", control_chart_section),
    ("rfm", "RFM", rfm_section),
    ("value", "Customer value", customer_value_section),
    ("lifecycle", "Lifecycle", lifecycle_section),
    ("quality", "Data quality", data_quality_section),
)
