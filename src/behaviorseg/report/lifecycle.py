"""The report's "Lifecycle" section: customers by lifecycle stage within each segment
(customer_lifecycle x customer_segments) and the last complete week's growth accounting
(lifecycle_weekly). Each part is a note when its mart is empty."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from behaviorseg.report.insights import format_count, format_share
from behaviorseg.report.page import Section, escape, note, table_html

if TYPE_CHECKING:
    from behaviorseg.report.sections import FigureCounter, ReportContext

# Column order of the table: the stages in the order a customer lives them.
STAGES: tuple[str, ...] = ("new", "active", "reactivated", "at_risk", "dormant")
STAGE_LABELS: dict[str, str] = {
    "new": "New",
    "active": "Active",
    "reactivated": "Reactivated",
    "at_risk": "At risk",
    "dormant": "Dormant",
}
NO_STAGE = "No stage"


def stage_counts(frame: pd.DataFrame, segment_order: Sequence[str] = ()) -> pd.DataFrame:
    """Customers per segment (rows, ``segment_order`` first) and stage (columns in STAGES
    order, then NO_STAGE when some customer has none), zeros included, with a Total row.

    ``frame`` has segment_name, lifecycle_stage (null: no stage) and customers."""
    stages = frame["lifecycle_stage"].astype("string").fillna(NO_STAGE)
    counts = (
        frame.assign(lifecycle_stage=stages)
        .pivot_table(
            index="segment_name",
            columns="lifecycle_stage",
            values="customers",
            aggfunc="sum",
            fill_value=0,
        )
        .astype(int)
    )
    columns = [*STAGES, *([NO_STAGE] if NO_STAGE in counts.columns else [])]
    known = [name for name in segment_order if name in counts.index]
    rows = known + sorted(name for name in counts.index if name not in known)
    counts = counts.reindex(index=rows, columns=columns, fill_value=0)
    counts.loc["Total"] = counts.sum()
    return counts


def stage_table(counts: pd.DataFrame) -> pd.DataFrame:
    """stage_counts formatted: "count (share of the row)" per cell, and the row's total."""
    totals = counts.sum(axis=1)
    table = pd.DataFrame({"Segment": counts.index})
    for stage in counts.columns:
        shares = counts[stage] / totals.where(totals > 0)
        table[STAGE_LABELS.get(stage, stage)] = [
            f"{format_count(count)} ({format_share(share, 0)})"
            for count, share in zip(counts[stage], shares, strict=True)
        ]
    table["Customers"] = totals.map(format_count).to_numpy()
    return table


def last_week_sentence(weekly: pd.DataFrame) -> str | None:
    """The growth accounting of the last complete week, or None when there is none."""
    complete = weekly[~weekly["is_partial"].astype(bool)].sort_values("week_start")
    if complete.empty:
        return None
    week = complete.iloc[-1]
    return (
        f"Week of {str(week['week_start'])[:10]}: {format_count(week['active'])} active "
        f"customers = {format_count(week['new'])} new + {format_count(week['retained'])} "
        f"retained + {format_count(week['reactivated'])} back after a quiet week; "
        f"{format_count(week['churned'])} of the week before's active customers were not seen."
    )


def lifecycle_section(ctx: ReportContext, counter: FigureCounter) -> Section:
    """Stage x segment table and the last complete week's growth accounting."""
    title = "Lifecycle"
    lead = (
        "Where each segment's customers are in their lifecycle as of the as-of date: new, "
        "active, reactivated (back after a dormant spell), at risk (quiet for several of "
        "their usual gaps: var lifecycle_at_risk_factor) or dormant (docs/lifecycle.md gives "
        "the rules and thresholds)."
    )
    data = ctx.data
    parts = []
    if data.lifecycle_by_segment.empty:
        parts.append(note("No lifecycle stages: no segmented customer has a stage."))
    else:
        counts = stage_counts(data.lifecycle_by_segment, ctx.segment_order)
        parts.append(table_html(stage_table(counts), numeric=[*STAGE_LABELS.values(), NO_STAGE]))
    sentence = None if data.lifecycle_weekly.empty else last_week_sentence(data.lifecycle_weekly)
    if sentence:
        parts.append(f"<p>{escape(sentence)}</p>")
    return Section("lifecycle", title, lead, "".join(parts))
