"""The segment health report: its pure helpers, graceful empty sections, and the page as a
person sees it (rendered in headless Chromium, every chart drawn, no network, a screenshot)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_helpers import DbtProject

from behaviorseg.report import build_report
from behaviorseg.report.actions import (
    DEFAULT_SEGMENT_ACTIONS,
    GENERIC_ACTION,
    LAPSED_ACTION,
    SegmentAction,
    actions_from_frame,
    load_segment_actions,
    merged_actions,
    suggested_action,
)
from behaviorseg.report.figures import journey_nodes
from behaviorseg.report.history import baseline_sizes, read_snapshots, record_snapshot
from behaviorseg.report.insights import (
    backtest_sentence,
    backtest_table,
    change_label,
    distinctive_features,
    map_sample,
    profile_sentence,
    size_changes,
    z_profiles,
)
from behaviorseg.report.page import FIGURE_COUNT_META
from behaviorseg.report.sections import dq_outcomes, segment_options

if TYPE_CHECKING:
    from playwright.sync_api import Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAX_PAGE_BYTES = 10_000_000


# --- pure helpers -------------------------------------------------------------------------


def test_distinctive_features_are_the_largest_absolute_z_scores() -> None:
    z = pd.Series({"a": 0.1, "b": -2.0, "c": 1.5, "d": 0.3, "e": -0.2})
    assert distinctive_features(z) == [("b", -2.0), ("c", 1.5), ("d", 0.3)]
    assert distinctive_features(z, count=1) == [("b", -2.0)]


def test_profile_sentence_names_the_most_distinctive_features_in_plain_words() -> None:
    z = pd.Series(
        {
            "frequency": 1.8,
            "recency_days": -1.2,
            "app_share": 0.05,
            "monetary": 0.4,
            "average_order_value": 0.1,
        }
    )
    assert profile_sentence(z) == (
        "Frequent orders, recent order and high spend compared with the average customer."
    )
    # Without order values (absent or constant), "spend" is not said: it would mirror orders.
    assert profile_sentence(z.drop("average_order_value")) == (
        "Frequent orders and recent order compared with the average customer."
    )
    assert profile_sentence(pd.Series({"frequency": 0.1})).startswith("Close to the average")


def test_z_profiles_fall_back_to_feature_profiles_without_centroids() -> None:
    centroids = pd.DataFrame(columns=["segment_id", "segment_name", "feature", "value"])
    feature_profiles = pd.DataFrame(
        {
            "segment_name": ["A", "A", "B", "B"],
            "feature": ["frequency", "engagement_score", "frequency", "engagement_score"],
            "z_mean": [1.0, np.nan, -1.0, np.nan],
        }
    )
    z = z_profiles(centroids, feature_profiles)
    assert list(z.columns) == ["frequency"]
    assert z.loc["B", "frequency"] == -1.0


def test_size_changes_compare_with_the_previous_run() -> None:
    changes = size_changes({"A": 110, "B": 50}, {"A": 100, "C": 20}).set_index("segment_name")
    assert changes.loc["A", "status"] == "changed"
    assert changes.loc["A", "change"] == 10
    assert changes.loc["A", "change_pct"] == pytest.approx(10.0)
    assert changes.loc["B", "status"] == "new segment"
    assert changes.loc["C", "status"] == "gone"
    assert changes.loc["C", "customers"] == 0
    first = size_changes({"A": 110}, None)
    assert first["status"].tolist() == ["first run"]
    assert change_label("changed", 10, 10.0) == "+10 (+10.0%)"
    assert change_label("changed", -1234, -5.25) == "-1,234 (-5.2%)"
    assert change_label("first run", np.nan, np.nan) == "first run"


def test_sizes_history_compares_a_re_render_with_the_build_before(tmp_path: Path) -> None:
    path = tmp_path / "report.sizes.json"
    assert baseline_sizes(read_snapshots(path), "2026-01-01", {"A": 1}) is None
    record_snapshot(path, [], as_of_date="2026-01-01", built_at="t1", sizes={"A": 10})
    record_snapshot(
        path, read_snapshots(path), as_of_date="2026-02-01", built_at="t2", sizes={"A": 12}
    )
    snapshots = read_snapshots(path)
    # Rendering the 2026-02-01 build again still compares with 2026-01-01, not with itself.
    assert baseline_sizes(snapshots, "2026-02-01", {"A": 12}) == {"A": 10}
    assert baseline_sizes(snapshots, "2026-03-01", {"A": 13}) == {"A": 12}
    path.write_text("not json")
    assert read_snapshots(path) == []


def test_suggested_action_by_name_then_profile_then_generic() -> None:
    assert suggested_action("Churn Risk") == DEFAULT_SEGMENT_ACTIONS["Churn Risk"]
    descriptive = [("days_since_last_session", 1.7), ("sessions_per_week", -1.3)]
    # A long absence alone is no churn risk: a reminder, not the Churn Risk campaign.
    assert suggested_action("Long since last visit, rare sessions", descriptive) == LAPSED_ACTION
    # Frequent sessions without app data: not the (app push) Power Users campaign.
    web_only = [("sessions_per_week", 1.8), ("pages_per_session", 1.0)]
    assert suggested_action("Frequent sessions, many pages per visit", web_only) == GENERIC_ACTION
    with_app = [*web_only, ("app_share", 1.2)]
    assert suggested_action("x", with_app) == DEFAULT_SEGMENT_ACTIONS["Power Users"]
    assert suggested_action("Deep scrolling", [("avg_scroll_depth", 2.0)]) == GENERIC_ACTION
    assert suggested_action("Something new") == GENERIC_ACTION


def test_seed_rows_replace_the_default_actions() -> None:
    seed = pd.DataFrame(
        {
            "segment_name": ["Power Users"],
            "campaign": ["Ambassador programme"],
            "channel": ["app push"],
            "offer": [None],
            "goal": ["Referrals"],
        }
    )
    actions = merged_actions(actions_from_frame(seed))
    assert actions["Power Users"].campaign == "Ambassador programme"
    assert actions["Power Users"].sentence() == "Ambassador programme (app push). Goal: Referrals."
    assert actions["Churn Risk"] == DEFAULT_SEGMENT_ACTIONS["Churn Risk"]


def test_actions_are_read_from_a_campaigns_csv(tmp_path) -> None:
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "segment_name,campaign,channel,offer,goal\n"
        "Night Owls,Late-night deals,app push,,Sell after 22:00\n"
    )
    actions = load_segment_actions(campaigns)
    assert actions == {
        "Night Owls": SegmentAction("Late-night deals", "app push", "", "Sell after 22:00")
    }
    campaigns.write_text("segment_name,campaign\nNight Owls,Late-night deals\n")
    with pytest.raises(
        ValueError, match=r"campaigns.csv: segment campaigns lack columns \['channel'"
    ):
        load_segment_actions(campaigns)
    with pytest.raises(FileNotFoundError, match="segment campaigns seed not found"):
        load_segment_actions(tmp_path / "absent.csv")


def test_a_persona_missing_from_the_campaigns_falls_back_to_the_generic_action() -> None:
    with_app = [("sessions_per_week", 1.8), ("pages_per_session", 1.0), ("app_share", 1.2)]
    actions = {"Churn Risk": SegmentAction("Re-engagement", "email", "", "")}
    assert suggested_action("x", with_app, actions) == GENERIC_ACTION


def test_backtest_says_where_the_model_loses() -> None:
    backtest = pd.DataFrame(
        {
            "segment_name": ["A", "A", "B", "B"],
            "metric": ["sessions", "revenue", "sessions", "revenue"],
            "mape_model": [5.0, 30.0, 4.0, np.nan],
            "mape_seasonal_naive": [7.0, 20.0, 6.0, np.nan],
        }
    )
    assert backtest_sentence(backtest) == (
        "The model loses to the seasonal-naive baseline on 1 of 3 series: A (revenue). "
        "Prefer the baseline there."
    )
    cells, classes = backtest_table(backtest)
    assert cells.columns.tolist() == ["Segment", "Sessions", "Revenue"]
    assert cells.loc[0, "Revenue"] == "30.0 vs 20.0"
    assert classes.loc[0].tolist() == ["good", "bad"]
    assert cells.loc[1, "Revenue"] == "-"


def test_map_sample_keeps_every_anomaly() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(100)],
            "is_anomaly": [i < 5 for i in range(100)],
        }
    )
    sample = map_sample(customers, max_points=20, seed=1)
    assert len(sample) == 20
    assert sample["is_anomaly"].sum() == 5
    assert map_sample(customers, max_points=20, seed=1).equals(sample)


def test_journey_nodes_keep_exits_at_the_step_they_happen() -> None:
    edges = pd.DataFrame(
        {
            "source": ["1. landing", "1. landing", "2. browse", "2. browse"],
            "target": ["2. browse", "2. exit", "3. purchase", "3. exit"],
            "value": [80, 20, 30, 50],
            "source_state": ["landing", "landing", "browse", "browse"],
            "target_state": ["browse", "exit", "purchase", "exit"],
        }
    )
    nodes = journey_nodes(edges).set_index("node")
    assert nodes.loc["2. exit", "x"] == nodes.loc["2. browse", "x"] < nodes.loc["3. exit", "x"]
    assert nodes.loc["1. landing", "sessions"] == 100
    assert nodes.loc["2. browse", "y"] < nodes.loc["2. exit", "y"]  # browse stacked above exit
    assert nodes["y"].between(0, 1).all() and nodes["x"].between(0, 1).all()


def test_segment_options_put_all_first_then_numeric_ids() -> None:
    frame = pd.DataFrame(
        {"segment_id": ["10", "2", "all", "2"], "segment_name": ["J", "B", "All", "B"]}
    )
    assert segment_options(frame) == [("all", "All"), ("2", "B"), ("10", "J")]


def test_dq_outcomes_from_status_or_success() -> None:
    results = pd.DataFrame({"success": [True, False, None]})
    assert dq_outcomes(results).tolist() == ["passed", "failed", "skipped"]
    with_status = results.assign(status=["passed", "failed", "skipped"])
    assert dq_outcomes(with_status).tolist() == ["passed", "failed", "skipped"]


# --- graceful degradation -----------------------------------------------------------------


def figure_count(page: str) -> int:
    """The figure count the page declares in its meta tag."""
    match = re.search(rf'<meta name="{FIGURE_COUNT_META}" content="(\d+)">', page)
    assert match, "the page declares its figure count"
    return int(match.group(1))


def test_empty_warehouse_gives_a_page_of_notes(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    page = build_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert figure_count(page) == 0
    assert "plotly-graph-div" not in page
    assert "Plotly.newPlot" not in page  # no library either when nothing is drawn
    for text in ("No segments yet", "No journeys", "No forecasts", "No quality results yet"):
        assert text in page
    assert not (tmp_path / "report.sizes.json").exists()


def small_segment_warehouse(path: Path) -> None:
    """An orders-only-like warehouse: segments, features and profiles, no journeys, no
    activity marts, no quality tables."""
    rng = np.random.default_rng(7)
    n = 60
    segment_id = np.repeat([1, 2], n // 2)
    names = np.where(segment_id == 1, "Loyal Big Spenders", "Slow to reorder, few orders")
    features = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "as_of_date": pd.Timestamp("2026-03-31"),
            "r_score": rng.integers(1, 6, n),
            "fm_score": rng.integers(1, 6, n),
            "rfm_segment": "Loyal",
            "recency_days": np.where(segment_id == 1, 5.0, 200.0) + rng.normal(0, 3, n),
            "frequency": np.where(segment_id == 1, 12.0, 1.0) + rng.integers(0, 3, n),
            "monetary": np.where(segment_id == 1, 900.0, 40.0) + rng.normal(0, 5, n),
        }
    )
    segments = pd.DataFrame({"customer_id": features["customer_id"], "segment_id": segment_id})
    segments["segment_name"] = names
    profiles = (
        segments.groupby(["segment_id", "segment_name"], as_index=False)
        .size()
        .rename(columns={"size": "customers"})
    )
    profiles["share"] = profiles["customers"] / n
    centroids = pd.DataFrame(
        {
            "segment_id": [1, 1, 1, 2, 2, 2],
            "segment_name": [names[0]] * 3 + [names[-1]] * 3,
            "feature": ["recency_days", "frequency", "monetary"] * 2,
            "value": [-1.0, 1.0, 1.0, 1.0, -1.0, -1.0],
        }
    )
    with duckdb.connect(str(path)) as connection:
        for name, frame in {
            "customer_features": features,
            "customer_segments": segments,
            "segment_profiles": profiles,
            "segment_centroids": centroids,
        }.items():
            connection.register("frame", frame)
            connection.execute(f"create table main.{name} as select * from frame")
            connection.unregister("frame")
        connection.execute(
            "create table main.journey_sankey_edges (segment_id varchar, segment_name varchar, "
            "source varchar, target varchar, value bigint, source_step bigint, "
            "source_state varchar, target_state varchar)"
        )


def test_orders_only_warehouse_draws_what_it_has_and_notes_the_rest(tmp_path: Path) -> None:
    warehouse = tmp_path / "orders_only.duckdb"
    small_segment_warehouse(warehouse)
    out = tmp_path / "report.html"
    page = build_report(warehouse, out).read_text(encoding="utf-8")
    assert "Loyal Big Spenders" in page
    assert "Slow to reorder, few orders" in page
    assert "first run" in page
    assert "No journeys" in page and "No quality results yet" in page
    assert "could not be drawn" not in page
    # sizes, heatmap, map and RFM grid are drawn; each figure once, library once.
    assert figure_count(page) == page.count('class="plotly-graph-div"') == 4
    assert page.count("window.PlotlyConfig") == 1
    # The second build compares with the sizes the first one kept.
    page = build_report(warehouse, out, previous_sizes={"Loyal Big Spenders": 20}).read_text(
        encoding="utf-8"
    )
    assert "+10 (+50.0%)" in page and "new segment" in page


# --- the page in a browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; installed once with apt-get when missing, else the test is skipped."""
    if not CHROMIUM.exists() and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            check=False,
            timeout=900,
        )
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing and `apt-get install -y chromium` did not install it")
    return CHROMIUM


def test_report_renders_in_headless_chromium(
    generated_build: DbtProject, chromium: Path, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    segments = generated_build.query("select segment_name, customers from main.segment_profiles")
    # A previous run with other sizes, so the change chart is drawn too.
    previous = {name: int(size) + 7 for name, size in segments.itertuples(index=False)}
    out = build_report(
        generated_build.warehouse, tmp_path / "segment_health.html", previous_sizes=previous
    )
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < MAX_PAGE_BYTES
    expected_figures = figure_count(html)
    assert expected_figures == html.count('class="plotly-graph-div"') >= 10
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", html)

    problems: list[str] = []
    outside_requests: list[str] = []

    def block_network(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside_requests.append(url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", block_network)
            page.on(
                "request",
                lambda request: (
                    None
                    if request.url.startswith(("file:", "data:"))
                    else outside_requests.append(request.url)
                ),
            )
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console {message.type}: {message.text}")
                    if message.type == "error"
                    else None
                ),
            )
            page.goto(out.as_uri(), wait_until="load")
            page.wait_for_function(
                "n => document.querySelectorAll('.js-plotly-plot').length === n",
                arg=expected_figures,
                timeout=60_000,
            )
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(div => ({
                    id: div.id,
                    plotted: div.classList.contains('js-plotly-plot'),
                    marks: div.querySelectorAll('.main-svg path, .main-svg rect').length,
                    width: div.getBoundingClientRect().width,
                }))"""
            )
            # Pick another segment in the journey menu, as a reader would.
            page.locator("#fig-journeys .updatemenu-header").click()
            page.locator("#fig-journeys .updatemenu-dropdown-button").nth(1).click()
            picked = page.evaluate(
                """() => {
                    const div = document.getElementById('fig-journeys');
                    return {
                        visible: div.data.map(trace => trace.visible === true),
                        nodes: div.querySelectorAll('.sankey-node').length,
                    };
                }"""
            )
            text = page.inner_text("body")
            screenshot = tmp_path / "segment_health.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert not outside_requests, f"the page tried the network: {outside_requests[:5]}"
    assert picked["visible"][:2] == [False, True] and picked["nodes"] > 3
    assert not problems, problems
    assert len(drawn) == expected_figures
    empty = [chart["id"] for chart in drawn if not chart["plotted"] or chart["marks"] < 5]
    assert not empty, f"charts that did not draw: {empty}"
    assert all(chart["width"] > 300 for chart in drawn)
    missing = [name for name in segments["segment_name"] if name not in text]
    assert not missing, f"segments not named on the page: {missing}"
    assert "Suggested action" in text
    assert screenshot.stat().st_size > 50_000
    if os.environ.get("REPORT_SCREENSHOT_DIR"):
        target = Path(os.environ["REPORT_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, target / screenshot.name)
