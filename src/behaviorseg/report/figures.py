"""Plotly figures of the report. Each builder takes prepared frames and returns a Figure.

Builders assume non-empty input (the sections check and write a note instead). Charts that
would repeat per segment use one figure with a segment dropdown rather than many figures, which
keeps the page light and readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from behaviorseg.report.insights import metric_label
from behaviorseg.report.page import FONT_STACK

SEGMENT_PALETTE: tuple[str, ...] = tuple(qualitative.T10) + tuple(qualitative.Pastel)
ANOMALY_COLOR = "#111111"
GOOD, BAD, WARN, MUTED = "#2d7d46", "#b3261e", "#d08c00", "#9aa5b1"
JOURNEY_STATE_COLORS: dict[str, str] = {
    "landing": "#8c96a0",
    "browse": "#4e79a7",
    "search": "#76b7b2",
    "product_view": "#f28e2b",
    "add_to_cart": "#edc948",
    "checkout": "#b07aa1",
    "purchase": "#59a14f",
    "exit": "#e15759",
}
# Named RFM segments of the seed rfm_segment_map, best to worst: greens to reds, so the mix bars
# read at a glance; names a user adds to the seed get a neutral colour after these.
RFM_SEGMENT_COLORS: dict[str, str] = {
    "Champions": "#1a7f3c",
    "Loyal": "#4caf50",
    "Potential Loyalist": "#9ccc65",
    "New": "#4e79a7",
    "Promising": "#8fb7dd",
    "Need Attention": "#f2c94c",
    "About to Sleep": "#f2994a",
    "Cannot Lose Them": "#b3261e",
    "At Risk": "#e15759",
    "Hibernating": "#b07aa1",
    "Lost": "#7b8794",
    "No Purchases Yet": "#d5dae0",
}


def feature_title(feature: str) -> str:
    """Axis label of a feature: "days_since_last_session" -> "days since last session"."""
    return feature.replace("_", " ")


def wrap_label(text: str, width: int = 22) -> str:
    """Break a long axis label into lines of about ``width`` characters (Plotly's <br>)."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def segment_colors(segment_ids_and_names: Sequence[tuple[object, str]]) -> dict[str, str]:
    """A stable colour per segment name, assigned in segment-id order (ids are stable too)."""
    ordered = sorted(segment_ids_and_names, key=lambda pair: (str(type(pair[0])), pair[0]))
    return {
        name: SEGMENT_PALETTE[position % len(SEGMENT_PALETTE)]
        for position, (_, name) in enumerate(ordered)
    }


def hex_to_rgba(color: str, alpha: float) -> str:
    """'#4e79a7' -> 'rgba(78,121,167,0.35)'."""
    color = color.lstrip("#")
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def styled(figure: go.Figure, height: int, **layout: object) -> go.Figure:
    """The report's look: white template, system fonts, tight margins, fixed height.

    ``layout`` overrides the defaults (a ``margin`` given here replaces the default one).
    """
    defaults: dict[str, object] = {
        "template": "plotly_white",
        "height": height,
        "font": {"family": FONT_STACK, "size": 13, "color": "#1f2933"},
        "margin": {"l": 60, "r": 30, "t": 50, "b": 50},
        "hoverlabel": {"font": {"family": FONT_STACK}},
    }
    figure.update_layout(**{**defaults, **layout})
    return figure


def above_plot(pixels: float, height: int, margin: Mapping[str, int]) -> float:
    """Paper y of a point ``pixels`` above the plot area (paper 0..1 spans the plot area only,
    so controls placed in the top margin need this conversion)."""
    return 1.0 + pixels / (height - margin["t"] - margin["b"])


def dropdown(labels: Sequence[str], traces_per_option: Sequence[int], y: float) -> dict:
    """An updatemenu at the top left showing one option's traces at a time (each option owns
    a run of consecutive traces)."""
    total = sum(traces_per_option)
    buttons, start = [], 0
    for label, count in zip(labels, traces_per_option, strict=True):
        visible = [start <= index < start + count for index in range(total)]
        buttons.append({"label": label, "method": "restyle", "args": [{"visible": visible}]})
        start += count
    return {
        "buttons": buttons,
        "direction": "down",
        "showactive": True,
        "x": 0.0,
        "xanchor": "left",
        "y": y,
        "yanchor": "top",
        "bgcolor": "#ffffff",
        "bordercolor": "#cbd2d9",
    }


def sizes_figure(changes: pd.DataFrame, colors: Mapping[str, str]) -> go.Figure:
    """Customers per segment, and (after the first run) the change since the last run."""
    current = changes[changes["status"] != "gone"].sort_values("customers")
    total = current["customers"].sum()
    has_history = bool((changes["status"] != "first run").any())
    figure = make_subplots(
        rows=1,
        cols=2 if has_history else 1,
        shared_yaxes=True,
        column_widths=[0.62, 0.38] if has_history else None,
        horizontal_spacing=0.04,
        subplot_titles=("Customers", "Change since the last run") if has_history else None,
    )
    figure.add_trace(
        go.Bar(
            y=[wrap_label(n) for n in current["segment_name"]],
            x=current["customers"],
            customdata=current["segment_name"],
            orientation="h",
            marker_color=[colors.get(n, MUTED) for n in current["segment_name"]],
            text=[f"{c:,} ({c / total:.1%})" if total else f"{c:,}" for c in current["customers"]],
            textposition="auto",
            hovertemplate="%{customdata}: %{x:,} customers<extra></extra>",
            name="customers",
        ),
        row=1,
        col=1,
    )
    if has_history:
        change = current["change"].fillna(0)
        labels = [
            "new" if status == "new segment" else f"{value:+,.0f}"
            for status, value in zip(current["status"], change, strict=True)
        ]
        figure.add_trace(
            go.Bar(
                y=[wrap_label(n) for n in current["segment_name"]],
                x=change,
                customdata=current["segment_name"],
                orientation="h",
                marker_color=[GOOD if v > 0 else BAD if v < 0 else MUTED for v in change],
                text=labels,
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{customdata}: %{x:+,} customers<extra></extra>",
                name="change",
            ),
            row=1,
            col=2,
        )
        figure.update_xaxes(zeroline=True, zerolinecolor="#9aa5b1", row=1, col=2)
    return styled(figure, 90 + 42 * max(len(current), 3), showlegend=False)


def profile_heatmap(z: pd.DataFrame) -> go.Figure:
    """Segments (rows) x features (columns): mean z-score, red above average, blue below."""
    clipped = z.clip(-2.5, 2.5)
    text = z.map(lambda value: "" if pd.isna(value) else f"{value:+.1f}")
    figure = go.Figure(
        go.Heatmap(
            z=clipped.to_numpy(),
            x=[feature_title(f) for f in z.columns],
            y=[wrap_label(name) for name in z.index],
            text=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale="RdBu",
            reversescale=True,
            zmid=0,
            zmin=-2.5,
            zmax=2.5,
            colorbar={"title": {"text": "z"}, "thickness": 12},
            customdata=z.to_numpy(),
            hovertemplate="%{y}<br>%{x}: z %{customdata:+.2f}<extra></extra>",
        )
    )
    figure.update_xaxes(tickangle=-40, side="bottom")
    figure.update_yaxes(autorange="reversed")
    return styled(figure, 170 + 38 * len(z.index), margin={"l": 150, "r": 30, "t": 20, "b": 150})


def model_selection_figure(selection: pd.DataFrame) -> go.Figure:
    """WCSS (elbow) and silhouette by k, per algorithm, the chosen k starred."""
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Within-cluster sum of squares (elbow)", "Silhouette (higher is better)"),
        horizontal_spacing=0.1,
    )
    for position, (algorithm, rows) in enumerate(selection.groupby("algorithm", sort=True)):
        color = SEGMENT_PALETTE[position % len(SEGMENT_PALETTE)]
        rows = rows.sort_values("k")
        for column, metric in enumerate(("wcss", "silhouette"), start=1):
            if rows[metric].notna().any():
                figure.add_trace(
                    go.Scatter(
                        x=rows["k"],
                        y=rows[metric],
                        mode="lines+markers",
                        name=str(algorithm),
                        legendgroup=str(algorithm),
                        showlegend=column == 1,
                        line={"color": color, "width": 2},
                        hovertemplate=f"k=%{{x}}<br>{metric} %{{y:,.3f}}<extra>{algorithm}</extra>",
                    ),
                    row=1,
                    col=column,
                )
        chosen = rows[rows["is_selected"].fillna(False).astype(bool)]
        elbow = rows[
            rows.get("is_elbow", pd.Series(False, index=rows.index)).fillna(False).astype(bool)
        ]
        for column, metric in enumerate(("wcss", "silhouette"), start=1):
            if len(chosen) and chosen[metric].notna().any():
                figure.add_trace(
                    go.Scatter(
                        x=chosen["k"],
                        y=chosen[metric],
                        mode="markers+text",
                        marker={
                            "symbol": "star",
                            "size": 18,
                            "color": "#e15759",
                            "line": {"color": "#ffffff", "width": 1},
                        },
                        text=[f"chosen k = {k}" for k in chosen["k"]],
                        textposition="bottom center",
                        cliponaxis=False,
                        name="chosen k",
                        legendgroup="chosen",
                        showlegend=column == 1 and position == 0,
                        hovertemplate="chosen k=%{x}<extra></extra>",
                    ),
                    row=1,
                    col=column,
                )
        if len(elbow) and elbow["wcss"].notna().any():
            figure.add_trace(
                go.Scatter(
                    x=elbow["k"],
                    y=elbow["wcss"],
                    mode="markers",
                    marker={
                        "symbol": "diamond-open",
                        "size": 14,
                        "color": "#3b4754",
                        "line": {"width": 2},
                    },
                    name="elbow (knee)",
                    legendgroup="elbow",
                    showlegend=position == 0,
                    hovertemplate="elbow k=%{x}<extra></extra>",
                ),
                row=1,
                col=1,
            )
    figure.update_xaxes(title_text="k (segments)", dtick=1)
    return styled(figure, 380, legend={"orientation": "h", "y": -0.25})


def customer_map_figure(
    points: pd.DataFrame,
    explained: Sequence[float],
    colors: Mapping[str, str],
    segment_order: Sequence[str] = (),
) -> go.Figure:
    """Customers on the first two principal components, by segment (legend in
    ``segment_order``); anomalies marked with black crosses."""
    figure = go.Figure()
    present = list(dict.fromkeys(points["segment_name"].astype(str)))
    order = [n for n in segment_order if n in present] + sorted(set(present) - set(segment_order))
    for name in order:
        rows = points[points["segment_name"].astype(str) == name]
        figure.add_trace(
            go.Scatter(
                x=rows["pc1"].round(3),
                y=rows["pc2"].round(3),
                mode="markers",
                name=str(name),
                marker={"size": 4, "color": colors.get(str(name), MUTED), "opacity": 0.55},
                # No customer id in the report (docs/privacy.md): the point says its segment.
                hovertemplate=str(name) + "<extra></extra>",
            )
        )
    flagged = points[points["is_anomaly"].fillna(False).astype(bool)]
    if len(flagged):
        figure.add_trace(
            go.Scatter(
                x=flagged["pc1"].round(3),
                y=flagged["pc2"].round(3),
                mode="markers",
                name=f"anomaly ({len(flagged):,} shown)",
                marker={
                    "size": 9,
                    "symbol": "x-thin-open",
                    "color": ANOMALY_COLOR,
                    "line": {"width": 2, "color": ANOMALY_COLOR},
                },
                text=flagged["segment_name"].astype(str),
                hovertemplate="anomaly in %{text}<extra></extra>",
            )
        )
    figure.update_xaxes(title_text=f"PC1 ({explained[0]:.0%} of variance)", zeroline=False)
    figure.update_yaxes(title_text=f"PC2 ({explained[1]:.0%} of variance)", zeroline=False)
    return styled(figure, 560, legend={"itemsizing": "constant"})


def journey_nodes(edges: pd.DataFrame) -> pd.DataFrame:
    """Sankey nodes of step-indexed edges: node, state, step, sessions through it and its
    position (x by step, y stacked within the step), in drawing order.

    Positions are given rather than left to Plotly, which would push every end state (exit,
    purchase) to the last column and hide at which step sessions leave.
    """
    nodes = pd.concat(
        [
            edges[["source", "source_state"]].set_axis(["node", "state"], axis=1),
            edges[["target", "target_state"]].set_axis(["node", "state"], axis=1),
        ]
    ).drop_duplicates("node")
    nodes["step"] = nodes["node"].str.split(".").str[0].astype(int)
    inflow = edges.groupby("target")["value"].sum()
    outflow = edges.groupby("source")["value"].sum()
    nodes["sessions"] = [
        max(float(inflow.get(node, 0)), float(outflow.get(node, 0))) for node in nodes["node"]
    ]
    state_order = {state: i for i, state in enumerate(JOURNEY_STATE_COLORS)}
    nodes = nodes.assign(order=nodes["state"].map(state_order).fillna(len(state_order)))
    nodes = nodes.sort_values(["step", "order"]).reset_index(drop=True)
    first, last = nodes["step"].min(), nodes["step"].max()
    nodes["x"] = 0.001 + 0.998 * (nodes["step"] - first) / max(last - first, 1)
    # Stack nodes top-down within their step, on one scale for all steps (node height is
    # proportional to sessions), with a small gap between nodes.
    gap = 0.03 * nodes.groupby("step")["sessions"].sum().max()
    stacked = nodes.groupby("step")["sessions"].transform(lambda v: v.cumsum() - v / 2)
    rank = nodes.groupby("step").cumcount()
    span = (nodes.groupby("step")["sessions"].sum() + gap * nodes.groupby("step").size()).max()
    nodes["y"] = (0.01 + 0.98 * (stacked + gap * rank) / span).clip(0.001, 0.999)
    return nodes


def _sankey_trace(edges: pd.DataFrame, visible: bool) -> go.Sankey:
    """One segment's journey Sankey: nodes "<step>. <state>" coloured by state."""
    nodes = journey_nodes(edges)
    index = {node: position for position, node in enumerate(nodes["node"])}
    return go.Sankey(
        visible=visible,
        arrangement="snap",
        valueformat=",d",
        node={
            "label": [state.replace("_", " ") for state in nodes["state"]],
            "customdata": list(nodes["node"]),
            "hovertemplate": "step %{customdata}<br>%{value:,} sessions<extra></extra>",
            "color": [JOURNEY_STATE_COLORS.get(s, MUTED) for s in nodes["state"]],
            "x": nodes["x"].round(4).tolist(),
            "y": nodes["y"].round(4).tolist(),
            "pad": 10,
            "thickness": 14,
            "line": {"width": 0},
        },
        link={
            "source": [index[s] for s in edges["source"]],
            "target": [index[t] for t in edges["target"]],
            "value": edges["value"].astype("int64").tolist(),
            "color": [
                hex_to_rgba(JOURNEY_STATE_COLORS.get(state, MUTED), 0.35)
                for state in edges["target_state"]
            ],
            "hovertemplate": "%{source.customdata} -> %{target.customdata}<br>"
            "%{value:,} sessions<extra></extra>",
        },
    )


def sankey_figure(edges: pd.DataFrame, options: Sequence[tuple[str, str]]) -> go.Figure:
    """Journey Sankey with a dropdown over ``options`` ((segment_id, label), 'all' first)."""
    figure = go.Figure()
    for position, (segment_id, _) in enumerate(options):
        rows = edges[edges["segment_id"] == segment_id]
        figure.add_trace(_sankey_trace(rows, visible=position == 0))
    height, margin = 520, {"l": 20, "r": 20, "t": 70, "b": 20}
    labels = [label for _, label in options]
    figure.update_layout(
        updatemenus=[dropdown(labels, [1] * len(options), above_plot(62, height, margin))]
    )
    return styled(figure, height, margin=margin)


def forecast_figure(
    forecasts: pd.DataFrame, metric: str, options: Sequence[tuple[str, str]]
) -> go.Figure:
    """History, forecast and its 80% interval of one metric, a dropdown over segments."""
    figure = go.Figure()
    counts = []
    for position, (segment_id, _) in enumerate(options):
        rows = forecasts[(forecasts["segment_id"] == segment_id) & (forecasts["metric"] == metric)]
        history = rows[~rows["is_future"].astype(bool)]
        future = rows[rows["is_future"].astype(bool)]
        visible = position == 0
        band = future if len(future) else rows
        figure.add_trace(
            go.Scatter(
                x=band["ds"],
                y=band["yhat_upper"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                visible=visible,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=band["ds"],
                y=band["yhat_lower"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(242,142,43,0.22)",
                name="80% interval",
                hoverinfo="skip",
                visible=visible,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=history["ds"],
                y=history["y"],
                mode="lines",
                name="observed",
                line={"color": "#4e79a7", "width": 1.4},
                visible=visible,
                hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra>observed</extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=future["ds"],
                y=future["yhat"],
                mode="lines",
                name="forecast",
                line={"color": "#f28e2b", "width": 2.2},
                visible=visible,
                hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra>forecast</extra>",
            )
        )
        counts.append(4)
    last_observed = forecasts.loc[~forecasts["is_future"].astype(bool), "ds"].max()
    if pd.notna(last_observed):
        figure.add_vline(x=last_observed, line={"color": "#9aa5b1", "dash": "dot", "width": 1})
    height, margin = 380, {"l": 60, "r": 20, "t": 80, "b": 40}
    figure.update_layout(
        updatemenus=[
            dropdown([label for _, label in options], counts, above_plot(72, height, margin))
        ],
        legend={
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": above_plot(40, height, margin),
            "yanchor": "bottom",
        },
    )
    figure.update_yaxes(title_text=metric_label(metric), rangemode="tozero")
    return styled(figure, height, margin=margin)


def control_chart_figure(
    charts: pd.DataFrame,
    alerts: pd.DataFrame,
    metrics: Sequence[str],
    options: Sequence[tuple[str, str]],
) -> go.Figure:
    """Individuals charts (one row per metric) of the monitored window, alerts marked, a
    dropdown over segments."""
    figure = make_subplots(
        rows=len(metrics),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=[metric_label(m) + " (weekly pattern removed)" for m in metrics],
    )
    counts = []
    for position, (segment_id, _) in enumerate(options):
        visible = position == 0
        added = 0
        for row, metric in enumerate(metrics, start=1):
            series = charts[(charts["segment_id"] == segment_id) & (charts["metric"] == metric)]
            first = position == 0 and row == 1
            for column, name, line in (
                ("ucl", "control limits", {"color": BAD, "dash": "dot", "width": 1}),
                ("lcl", "control limits", {"color": BAD, "dash": "dot", "width": 1}),
                ("centre", "centre", {"color": "#7b8794", "dash": "dash", "width": 1}),
            ):
                figure.add_trace(
                    go.Scatter(
                        x=series["date"],
                        y=series[column],
                        mode="lines",
                        name=name,
                        line=line,
                        visible=visible,
                        legendgroup=name,
                        showlegend=first and column != "lcl",
                        hoverinfo="skip",
                    ),
                    row=row,
                    col=1,
                )
            figure.add_trace(
                go.Scatter(
                    x=series["date"],
                    y=series["charted"],
                    mode="lines+markers",
                    name="charted value",
                    legendgroup="charted",
                    showlegend=first,
                    line={"color": "#4e79a7", "width": 1.4},
                    marker={"size": 4},
                    visible=visible,
                    hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            added += 4
            fired = alerts[(alerts["segment_id"] == segment_id) & (alerts["metric"] == metric)]
            for severity, color, symbol in (
                ("critical", BAD, "x"),
                ("warning", WARN, "circle-open"),
            ):
                rows = fired[fired["severity"] == severity]
                figure.add_trace(
                    go.Scatter(
                        x=rows["alert_date"],
                        y=rows["value"],
                        mode="markers",
                        name=f"{severity} alert",
                        legendgroup=severity,
                        showlegend=first,
                        visible=visible,
                        marker={
                            "color": color,
                            "size": 11,
                            "symbol": symbol,
                            "line": {"width": 2, "color": color},
                        },
                        text=rows["rule"],
                        hovertemplate="%{x|%Y-%m-%d} %{text}<extra>" + severity + "</extra>",
                    ),
                    row=row,
                    col=1,
                )
                added += 1
        counts.append(added)
    height, margin = 110 + 200 * len(metrics), {"l": 60, "r": 20, "t": 100, "b": 40}
    figure.update_layout(
        updatemenus=[
            dropdown([label for _, label in options], counts, above_plot(94, height, margin))
        ],
        # Above the first subplot's title.
        legend={
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": above_plot(30, height, margin),
            "yanchor": "bottom",
        },
    )
    return styled(figure, height, margin=margin)


def rfm_figure(grid: pd.DataFrame, mix: pd.DataFrame, segment_order: Sequence[str]) -> go.Figure:
    """RFM map (recency score x frequency-monetary score, customers per cell) and, when
    segment_rfm_mix is there, each behavioral segment's mix of named RFM segments."""
    has_mix = not mix.empty
    figure = make_subplots(
        rows=1,
        cols=2 if has_mix else 1,
        column_widths=[0.42, 0.58] if has_mix else None,
        horizontal_spacing=0.14,
        subplot_titles=(
            ("Customers by RFM score", "RFM segments within each behavioral segment")
            if has_mix
            else ("Customers by RFM score",)
        ),
    )
    cells = (
        grid.pivot_table(index="fm_score", columns="r_score", values="customers", aggfunc="sum")
        .reindex(index=range(1, 6), columns=range(1, 6))
        .fillna(0)
    )
    figure.add_trace(
        go.Heatmap(
            z=cells.to_numpy(),
            x=[str(c) for c in cells.columns],
            y=[str(i) for i in cells.index],
            text=cells.to_numpy().astype(int),
            texttemplate="%{text:,}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="R %{x} / FM %{y}: %{z:,} customers<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.update_xaxes(title_text="Recency score (5 = bought most recently)", row=1, col=1)
    figure.update_yaxes(title_text="Frequency-monetary score (5 = most)", row=1, col=1)
    if has_mix:
        order = [name for name in segment_order if name in set(mix["segment_name"])]
        present = set(mix["rfm_segment"])
        rfm_names = [name for name in RFM_SEGMENT_COLORS if name in present]
        rfm_names += sorted(present - set(rfm_names))
        palette = tuple(qualitative.Pastel)
        for position, rfm_segment in enumerate(rfm_names):
            rows = mix[mix["rfm_segment"] == rfm_segment].set_index("segment_name")
            share = rows["share"].reindex(order).fillna(0)
            figure.add_trace(
                go.Bar(
                    y=[wrap_label(name) for name in order],
                    x=share,
                    customdata=order,
                    orientation="h",
                    name=str(rfm_segment),
                    marker_color=RFM_SEGMENT_COLORS.get(
                        str(rfm_segment), palette[position % len(palette)]
                    ),
                    hovertemplate="%{customdata}: %{x:.1%} " + str(rfm_segment) + "<extra></extra>",
                ),
                row=1,
                col=2,
            )
        figure.update_layout(barmode="stack")
        figure.update_xaxes(tickformat=".0%", range=[0, 1], row=1, col=2)
        figure.update_yaxes(autorange="reversed", row=1, col=2)
    return styled(figure, 430, legend={"orientation": "h", "y": -0.2, "font": {"size": 11}})


def quarantine_figure(quarantine: pd.DataFrame) -> go.Figure:
    """Quarantined rows per raw entity, stacked by the rule they broke."""
    figure = go.Figure()
    palette = tuple(qualitative.Set2) + tuple(qualitative.Pastel)
    for position, (reason, rows) in enumerate(quarantine.groupby("reason", sort=True)):
        figure.add_trace(
            go.Bar(
                y=rows["source_name"],
                x=rows["rows"],
                orientation="h",
                name=str(reason),
                marker_color=palette[position % len(palette)],
                hovertemplate="%{y}: %{x:,} rows<extra>" + str(reason) + "</extra>",
            )
        )
    sources = quarantine["source_name"].nunique()
    figure.update_layout(barmode="stack", legend={"font": {"size": 11}})
    figure.update_xaxes(title_text="quarantined rows")
    return styled(figure, 140 + 40 * sources + 20 * min(quarantine["reason"].nunique(), 12))


def friction_figure(
    weekly: pd.DataFrame, alerts: pd.DataFrame, transitions: Sequence[tuple[str, str]]
) -> go.Figure:
    """One panel per transition: its weekly probability per device type (segment 'all'), with
    the baseline each alert was judged against marked on the alert weeks."""
    figure = make_subplots(
        rows=len(transitions),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[f"{a.replace('_', ' ')} → {b.replace('_', ' ')}" for a, b in transitions],
    )
    devices = sorted(set(weekly["device_type"]))
    colors = {device: SEGMENT_PALETTE[i % len(SEGMENT_PALETTE)] for i, device in enumerate(devices)}
    for row, (from_state, to_state) in enumerate(transitions, start=1):
        one = weekly[(weekly["from_state"] == from_state) & (weekly["to_state"] == to_state)]
        marked = alerts[(alerts["from_state"] == from_state) & (alerts["to_state"] == to_state)]
        for device in devices:
            series = one[one["device_type"] == device]
            if series.empty:
                continue
            figure.add_trace(
                go.Scatter(
                    x=series["week_start"],
                    y=series["probability"],
                    mode="lines",
                    name=device,
                    legendgroup=device,
                    showlegend=row == 1,
                    line={"color": colors[device], "width": 2.5 if device == "all" else 1.5},
                ),
                row=row,
                col=1,
            )
            baseline = marked[marked["device_type"] == device]
            if len(baseline):
                figure.add_trace(
                    go.Scatter(
                        x=baseline["week_start"],
                        y=baseline["baseline_probability"],
                        mode="markers",
                        name=f"{device} baseline",
                        legendgroup=device,
                        showlegend=False,
                        marker={"color": colors[device], "symbol": "line-ew-open", "size": 14},
                        hovertext=baseline["sentence"],
                    ),
                    row=row,
                    col=1,
                )
        figure.update_yaxes(tickformat=".0%", row=row, col=1)
    return styled(figure, 220 * len(transitions) + 80)
