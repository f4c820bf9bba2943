"""The report's "Customer value" section: predicted CLV by segment, the purchase model's
holdout check (predicted against actual transactions by calibration frequency) and the churn
classifier's calibration against its baselines. Each part is a note when its mart is empty."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from behaviorseg.report.figures import BAD, GOOD, MUTED, styled, wrap_label
from behaviorseg.report.insights import format_count
from behaviorseg.report.page import Section, escape, note, table_html

if TYPE_CHECKING:
    from behaviorseg.report.sections import FigureCounter, ReportContext

PREDICTED_COLOR, ACTUAL_COLOR = "#4e79a7", "#f28e2b"


def clv_by_segment_figure(segments: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    """Total predicted CLV per segment (bars, largest first) with the mean per valued customer
    in the hover."""
    ordered = segments.sort_values("total_predicted_clv")
    figure = go.Figure(
        go.Bar(
            x=ordered["total_predicted_clv"],
            y=[wrap_label(name, 28) for name in ordered["segment_name"]],
            orientation="h",
            marker_color=[colors.get(str(name), MUTED) for name in ordered["segment_name"]],
            customdata=np.column_stack(
                [ordered["mean_predicted_clv"], ordered["valued_customers"], ordered["customers"]]
            ),
            hovertemplate="%{y}<br>predicted CLV %{x:,.0f}<br>mean %{customdata[0]:,.2f} over "
            "%{customdata[1]:,} customers with a purchase (of %{customdata[2]:,})<extra></extra>",
        )
    )
    return styled(
        figure,
        max(260, 60 + 38 * len(ordered)),
        title="Predicted CLV per segment (next horizon, discounted)",
        xaxis_title="total predicted CLV",
        margin={"l": 200, "r": 30, "t": 50, "b": 50},
    )


def holdout_figure(validation: pd.DataFrame) -> go.Figure:
    """Mean predicted and actual holdout transactions per calibration frequency bucket."""
    buckets = validation[validation["frequency_bucket"] != "all"]
    figure = go.Figure(
        [
            go.Bar(
                name="predicted",
                x=buckets["frequency_bucket"],
                y=buckets["predicted"],
                marker_color=PREDICTED_COLOR,
                customdata=buckets["customers"],
                hovertemplate="%{x} repeat purchases: predicted %{y:.2f} per customer "
                "(%{customdata:,} customers)<extra></extra>",
            ),
            go.Bar(
                name="actual",
                x=buckets["frequency_bucket"],
                y=buckets["actual"],
                marker_color=ACTUAL_COLOR,
                hovertemplate="%{x} repeat purchases: actual %{y:.2f} per customer<extra></extra>",
            ),
        ]
    )
    return styled(
        figure,
        360,
        title="Holdout: transactions per customer, predicted and actual",
        xaxis_title="repeat purchases in the calibration period",
        yaxis_title="transactions in the holdout",
        barmode="group",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )


def calibration_figure(deciles: pd.DataFrame) -> go.Figure:
    """Observed churn rate against mean predicted probability per decile, with the diagonal."""
    figure = go.Figure(
        [
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                line={"color": MUTED, "dash": "dash"},
                name="perfect calibration",
                hoverinfo="skip",
            ),
            go.Scatter(
                x=deciles["mean_predicted_probability"],
                y=deciles["observed_churn_rate"],
                mode="lines+markers",
                marker={"size": 9, "color": BAD},
                line={"color": BAD},
                name="deciles",
                customdata=np.column_stack([deciles["decile"], deciles["customers"]]),
                hovertemplate="decile %{customdata[0]} (%{customdata[1]:,} customers): predicted "
                "%{x:.1%}, churned %{y:.1%}<extra></extra>",
            ),
        ]
    )
    return styled(
        figure,
        380,
        title="Churn calibration on held-out customers",
        xaxis={"title": "mean predicted churn probability", "range": [0, 1], "tickformat": ".0%"},
        yaxis={"title": "observed churn rate", "range": [0, 1], "tickformat": ".0%"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )


def _figure(value: object, digits: int = 3) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def share_text(value: object) -> str:
    """A probability as a percentage ("12.3%"; "<0.1%" for a small non-zero one)."""
    if value is None or pd.isna(value):
        return "-"
    return "<0.1%" if 0 < float(value) < 0.001 else f"{float(value):.1%}"


def churn_summary_table(overall: pd.DataFrame) -> str:
    """AUC and Brier score of the classifier against its two baselines, per population."""
    table = pd.DataFrame(
        {
            "Held-out customers": overall["population"].str.replace("_", " "),
            "Customers": overall["customers"].map(format_count),
            "Churned": overall["churned"].map(format_count),
            "AUC": overall["auc"].map(_figure),
            "AUC, recency alone": overall["baseline_recency_auc"].map(_figure),
            "AUC on buyers": overall["auc_on_p_alive_customers"].map(_figure),
            "AUC, BG/NBD P(alive)": overall["baseline_p_alive_auc"].map(_figure),
            "Brier": overall["brier_score"].map(lambda value: _figure(value, 4)),
            "Beats both": np.where(
                overall["beats_baselines"].fillna(False).astype(bool), "yes", "no"
            ),
        }
    )
    classes = pd.DataFrame({"Beats both": np.where(table["Beats both"] == "yes", "good", "bad")})
    numeric = [column for column in table.columns if column not in ("Held-out customers",)]
    return table_html(table, numeric=numeric, cell_classes=classes)


def holdout_sentence(validation: pd.DataFrame) -> str:
    """The overall holdout figures in one sentence."""
    overall = validation[validation["frequency_bucket"] == "all"]
    if overall.empty:
        return ""
    row = overall.iloc[0]
    auc = "" if pd.isna(row["auc"]) else f"; AUC {row['auc']:.3f} for who bought again"
    return (
        f"{format_count(row['customers'])} customers of the calibration period (to "
        f"{str(row['calibration_end_date'])[:10]}): predicted {row['predicted_total']:,.0f} "
        f"transactions in the holdout to {str(row['holdout_end_date'])[:10]}, actual "
        f"{row['actual_total']:,.0f}; mean absolute error {row['mae']:.2f} per customer{auc}."
    )


def customer_value_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """CLV by segment, the holdout check, the churn model's calibration and baselines."""
    title = "Customer value"
    lead = (
        "Predicted lifetime value (BG/NBD purchases times Gamma-Gamma order value) and churn "
        "propensity, each checked on data its model did not see."
    )
    data = ctx.data
    parts = []
    segments = data.clv_by_segment
    if segments.empty or segments["valued_customers"].sum() == 0:
        parts.append(note("No predicted CLV: no customer has a purchase the models can use."))
    else:
        parts.append(
            counter.html(clv_by_segment_figure(segments, dict(ctx.colors)), "clv-by-segment")
        )
        table = pd.DataFrame(
            {
                "Segment": segments["segment_name"],
                "Customers": segments["customers"].map(format_count),
                "With a purchase": segments["valued_customers"].map(format_count),
                "Mean predicted CLV": segments["mean_predicted_clv"].map(
                    lambda value: _figure(value, 2)
                ),
                "Mean churn probability": segments["mean_churn_probability"].map(share_text),
            }
        )
        parts.append(
            table_html(
                table,
                numeric=[
                    "Customers",
                    "With a purchase",
                    "Mean predicted CLV",
                    "Mean churn probability",
                ],
            )
        )
    validation = data.clv_validation
    parts.append("<h3>Holdout check of the purchase model</h3>")
    if validation.empty:
        parts.append(note("No holdout check: no validation fit (too little history)."))
    else:
        parts.append(f"<p>{escape(holdout_sentence(validation))}</p>")
        parts.append(counter.html(holdout_figure(validation), "clv-holdout"))
    churn = data.churn_validation
    parts.append("<h3>Churn model</h3>")
    if churn.empty:
        parts.append(note("No churn model: no customer has history before the horizon."))
    else:
        overall = churn[churn["row_type"] == "overall"]
        deciles = churn[churn["row_type"] == "calibration_decile"].sort_values("decile")
        model = str(churn["model"].iloc[0])
        parts.append(
            f"<p>{escape(model)} trained on {format_count(churn['training_customers'].iloc[0])} "
            f"customers as of {str(churn['training_snapshot_date'].iloc[0])[:10]}; churn = no "
            f"session and no order in the next {int(churn['horizon_days'].iloc[0])} days.</p>"
        )
        parts.append(churn_summary_table(overall))
        if len(deciles):
            parts.append(counter.html(calibration_figure(deciles), "churn-calibration"))
        good = overall["beats_baselines"].fillna(False).astype(bool).all()
        color = GOOD if good else BAD
        verdict = "beats" if good else "does not beat"
        parts.append(
            f'<p style="color:{color}">The classifier {verdict} both baselines on every '
            "population of held-out customers.</p>"
        )
    return Section("value", title, lead, "".join(parts))
