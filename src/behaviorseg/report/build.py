"""build_report: read the warehouse, draw every section, write one self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

from behaviorseg.report.actions import actions_from_frame, merged_actions
from behaviorseg.report.figures import segment_colors
from behaviorseg.report.history import baseline_sizes, read_snapshots, record_snapshot, sizes_path
from behaviorseg.report.insights import format_count, size_changes, z_profiles
from behaviorseg.report.page import Section, note, render_page
from behaviorseg.report.sections import SECTION_BUILDERS, FigureCounter, ReportContext
from behaviorseg.report.warehouse import ReportData, load_report_data

LOGGER = logging.getLogger(__name__)
REPORT_TITLE = "Segment health report"


def current_sizes(data: ReportData) -> dict[str, int]:
    """Customers per segment name (names are stable from run to run, so they key the history)."""
    if data.profiles.empty:
        return {}
    return {
        str(name): int(customers)
        for name, customers in zip(
            data.profiles["segment_name"], data.profiles["customers"], strict=True
        )
    }


def report_context(data: ReportData, previous_sizes: Mapping[str, int] | None) -> ReportContext:
    """Everything the sections share, from the data and the previous run's sizes."""
    profiles = data.profiles
    pairs = (
        list(zip(profiles["segment_id"], profiles["segment_name"].astype(str), strict=True))
        if not profiles.empty
        else []
    )
    return ReportContext(
        data=data,
        changes=size_changes(current_sizes(data), previous_sizes),
        colors=segment_colors(pairs),
        z=z_profiles(data.centroids, data.feature_profiles),
        actions=merged_actions(actions_from_frame(data.campaigns)),
    )


def build_sections(context: ReportContext, counter: FigureCounter) -> list[Section]:
    """Every section in page order; one that fails becomes a note instead of failing the page."""
    sections = []
    for anchor, title, builder in SECTION_BUILDERS:
        figures_before = counter.count
        # Catch-all on purpose: one odd mart must not cost the whole report.
        try:
            sections.append(builder(context, counter))
        except Exception as error:
            LOGGER.exception("report section %s failed", anchor)
            del counter.names[figures_before:]
            counter.count = figures_before
            sections.append(
                Section(anchor, title, "", note(f"This section could not be drawn: {error!r}"))
            )
    return sections


def header_kpis(context: ReportContext) -> list[tuple[str, str]]:
    """The header's figures: as-of date, customers, segments, anomalies, chosen k."""
    data = context.data
    selection = data.model_selection
    chosen = (
        selection[selection["is_selected"].fillna(False).astype(bool)]
        if not selection.empty
        else selection
    )
    kpis = [
        ("as of", data.as_of_date or "-"),
        ("customers", format_count(data.customers)),
        ("segments", str(len(data.profiles))),
        ("anomalies flagged", format_count(data.anomalies)),
    ]
    if len(chosen):
        kpis.append(("algorithm", f"{chosen['algorithm'].iat[0]}, k = {int(chosen['k'].iat[0])}"))
    return kpis


def build_report(
    warehouse: Path,
    out_path: Path,
    *,
    previous_sizes: Mapping[str, int] | None = None,
    built_at: dt.datetime | None = None,
) -> Path:
    """Write the segment health report of ``warehouse`` to ``out_path``; returns the path.

    ``previous_sizes`` (segment name -> customers) is what "change since the last run" compares
    with; by default it is read from ``<out_path stem>.sizes.json``, which every build updates.
    """
    warehouse, out_path = Path(warehouse), Path(out_path)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `dbt build` first")
    built_at = built_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    built_text = built_at.strftime("%Y-%m-%d %H:%M UTC")
    data = load_report_data(warehouse)
    sizes = current_sizes(data)
    history_file = sizes_path(out_path)
    snapshots = read_snapshots(history_file)
    as_of = data.as_of_date or ""
    if previous_sizes is None:
        previous_sizes = baseline_sizes(snapshots, as_of, sizes)
    context = report_context(data, previous_sizes)
    counter = FigureCounter()
    sections = build_sections(context, counter)
    page = render_page(
        title=REPORT_TITLE,
        subtitle=f"Behavioral customer segments as of {data.as_of_date or 'unknown date'} "
        f"· built {built_text}",
        kpis=header_kpis(context),
        sections=sections,
        figure_count=counter.count,
        footer=f"Built {built_text} from {warehouse.name} by behaviorseg report. Self-contained: "
        "opens offline.",
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    if sizes:
        record_snapshot(
            history_file, snapshots, as_of_date=as_of, built_at=built_at.isoformat(), sizes=sizes
        )
    return out_path
