"""Pure helpers that turn mart rows into what the report says: profiles, changes, verdicts.

Nothing here reads the warehouse or draws; every function takes frames or mappings and returns
frames, strings or numbers, so each is unit-tested with small inputs whose answer is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from behaviorseg.segmentation.features import DEFAULT_FEATURES, prepare_features
from behaviorseg.segmentation.naming import FEATURE_LABELS, speakable

# A centroid this far from the population mean (in standard deviations) is worth a mention;
# smaller differences read as noise to a marketer.
DISTINCTIVE_MIN_ABS_Z = 0.25
PROFILE_FEATURE_COUNT = 3
CHANGE_STATUSES = ("first run", "new segment", "changed", "no change", "gone")
METRIC_LABELS: dict[str, str] = {
    "active_customers": "Active customers",
    "sessions": "Sessions",
    "orders": "Orders",
    "revenue": "Revenue",
    "conversion_rate": "Conversion rate",
}
# (when high, when low) for features the naming module has no label for; the naming module's
# labels win, so a segment reads the same on the report and in its descriptive name.
EXTRA_FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "tenure_days": ("Long-standing customers", "Recently joined"),
    "lifetime_completed_orders": ("Many orders overall", "Few orders overall"),
    "lifetime_net_revenue": ("High lifetime spend", "Low lifetime spend"),
    "engagement_score": ("Highly engaged", "Barely engaged"),
    "unfulfilled_order_share": ("Often cancel or refund", "Rarely cancel or refund"),
    "max_orders_in_a_day": ("Bursts of orders", "One order at a time"),
    "lifetime_refunded_amount": ("Large refunds", "Few refunds"),
}


def plain_feature_label(feature: str, is_high: bool) -> str:
    """A feature being high or low in plain words ("Frequent orders", "Recently joined")."""
    labels = FEATURE_LABELS.get(feature) or EXTRA_FEATURE_LABELS.get(feature)
    if labels is None:
        words = feature.replace("_", " ")
        labels = (f"High {words}", f"Low {words}")
    return labels[0] if is_high else labels[1]


def z_profiles(centroids: pd.DataFrame, feature_profiles: pd.DataFrame) -> pd.DataFrame:
    """Segment x feature z-scores (index segment_name): centroids, else feature-profile z_mean.

    Centroids are what the clustering saw; segment_feature_profiles.z_mean is the same profile
    averaged over customers, the fallback when the centroid mart is empty.
    """
    if not centroids.empty and {"segment_name", "feature", "value"} <= set(centroids.columns):
        long = centroids.rename(columns={"value": "z"})
    elif not feature_profiles.empty and "z_mean" in feature_profiles.columns:
        long = feature_profiles.rename(columns={"z_mean": "z"})
    else:
        return pd.DataFrame()
    long = long.dropna(subset=["z"])
    if long.empty:
        return pd.DataFrame()
    wide = long.pivot_table(index="segment_name", columns="feature", values="z", sort=False)
    wide.columns.name = None
    return wide.astype("float64")


def distinctive_features(
    z_profile: pd.Series,
    count: int = PROFILE_FEATURE_COUNT,
    min_abs_z: float = DISTINCTIVE_MIN_ABS_Z,
) -> list[tuple[str, float]]:
    """The ``count`` features furthest from average (|z| >= ``min_abs_z``), largest first.

    Only features whose wording the data supports (``naming.speakable``: no "spend" when
    order values are absent or constant), so the report says what the names say.
    """
    values = pd.to_numeric(z_profile, errors="coerce").dropna()
    values = values[speakable(list(values.index))]
    values = values[values.abs() >= min_abs_z]
    # Stable sort on |z| then name, so ties give the same sentence on every run.
    ranked = sorted(values.items(), key=lambda item: (-abs(item[1]), item[0]))
    return [(str(feature), float(z)) for feature, z in ranked[:count]]


def join_words(words: Sequence[str]) -> str:
    """["a"] -> "a"; ["a", "b"] -> "a and b"; ["a", "b", "c"] -> "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def profile_sentence(z_profile: pd.Series, count: int = PROFILE_FEATURE_COUNT) -> str:
    """The segment's most distinctive features in plain words, e.g. "Frequent orders and ..."."""
    distinctive = distinctive_features(z_profile, count)
    if not distinctive:
        return "Close to the average customer on every behavior the segmentation uses."
    labels = [plain_feature_label(feature, z > 0) for feature, z in distinctive]
    labels = [labels[0], *(label[:1].lower() + label[1:] for label in labels[1:])]
    return f"{join_words(labels)} compared with the average customer."


def size_changes(current: Mapping[str, int], previous: Mapping[str, int] | None) -> pd.DataFrame:
    """Per segment name: customers now and before, the change, and a status.

    Status is "first run" (nothing to compare with), "new segment", "changed", "no change",
    or "gone" for a segment of the previous run that no longer exists (customers 0).
    """
    rows = []
    for name, customers in current.items():
        before = None if previous is None else previous.get(name)
        if previous is None:
            status = "first run"
        elif before is None:
            status = "new segment"
        else:
            status = "changed" if int(customers) != int(before) else "no change"
        rows.append((name, int(customers), before, status))
    for name, before in (previous or {}).items():
        if name not in current:
            rows.append((name, 0, before, "gone"))
    frame = pd.DataFrame(rows, columns=["segment_name", "customers", "previous", "status"])
    frame["previous"] = pd.to_numeric(frame["previous"], errors="coerce").astype("float64")
    frame["change"] = frame["customers"] - frame["previous"]
    frame["change_pct"] = np.where(
        frame["previous"] > 0, frame["change"] / frame["previous"] * 100, np.nan
    )
    return frame


def change_label(status: str, change: float, change_pct: float) -> str:
    """How a size change reads on a card: "+120 (+3.1%)", "no change", "first run", ..."""
    if status in {"first run", "new segment", "gone", "no change"}:
        return status
    percent = f" ({change_pct:+.1f}%)" if np.isfinite(change_pct) else ""
    return f"{int(change):+,}{percent}"


def metric_label(metric: str) -> str:
    """Readable metric name."""
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def format_count(value: float | None) -> str:
    """12345 -> "12,345"; missing -> "-"."""
    if value is None or not np.isfinite(float(value)):
        return "-"
    return f"{round(float(value)):,}"


def format_share(value: float | None, digits: int = 1) -> str:
    """0.1947 -> "19.5%"; missing -> "-"."""
    if value is None or not np.isfinite(float(value)):
        return "-"
    return f"{float(value) * 100:.{digits}f}%"


def backtest_losses(backtest: pd.DataFrame) -> pd.DataFrame:
    """Rows of forecast_backtest where the model did worse than the seasonal-naive baseline."""
    needed = {"segment_name", "metric", "mape_model", "mape_seasonal_naive"}
    if backtest.empty or not needed <= set(backtest.columns):
        return backtest.iloc[0:0]
    model = pd.to_numeric(backtest["mape_model"], errors="coerce")
    naive = pd.to_numeric(backtest["mape_seasonal_naive"], errors="coerce")
    return backtest[model > naive]


def _series_by_segment(rows: pd.DataFrame) -> str:
    """ "Seg A (orders, revenue); Seg B (sessions)" for backtest rows."""
    return "; ".join(
        f"{segment} ({', '.join(m.replace('_', ' ') for m in group['metric'])})"
        for segment, group in rows.groupby("segment_name", sort=False)
    )


def backtest_sentence(backtest: pd.DataFrame) -> str:
    """Where the model loses to the seasonal-naive baseline, in one line.

    Names the losing series when they are the minority, else the (fewer) winning ones.
    """
    if backtest.empty or not {"mape_model", "mape_seasonal_naive"} <= set(backtest.columns):
        return "No backtest could run (series too short)."
    ran = backtest.dropna(subset=["mape_model", "mape_seasonal_naive"])
    if ran.empty:
        return "No backtest could run (series too short)."
    losses = backtest_losses(ran)
    lead = "The model loses to the seasonal-naive baseline"
    if losses.empty:
        return f"The model beats the seasonal-naive baseline on all {len(ran)} series."
    if len(losses) <= len(ran) / 2:
        return (
            f"{lead} on {len(losses)} of {len(ran)} series: {_series_by_segment(losses)}. "
            "Prefer the baseline there."
        )
    wins = ran[pd.to_numeric(ran["mape_model"]) < pd.to_numeric(ran["mape_seasonal_naive"])]
    where_it_wins = (
        f" It wins only on {_series_by_segment(wins)}." if len(wins) else " It wins on none."
    )
    return (
        f"{lead} on {len(losses)} of {len(ran)} series (red cells): prefer the baseline for "
        f"planning until the history is longer.{where_it_wins}"
    )


def map_sample(
    customers: pd.DataFrame, max_points: int, seed: int, anomaly_column: str = "is_anomaly"
) -> pd.DataFrame:
    """At most ``max_points`` rows: every anomaly (up to half the budget) plus a fixed-seed
    sample of the rest, so rare anomalies stay visible on the map."""
    if len(customers) <= max_points:
        return customers
    flagged = customers[anomaly_column].fillna(False).astype(bool)
    anomalies = customers[flagged]
    if len(anomalies) > max_points // 2:
        anomalies = anomalies.sample(n=max_points // 2, random_state=seed)
    rest = customers[~flagged]
    rest = rest.sample(n=min(len(rest), max_points - len(anomalies)), random_state=seed)
    return pd.concat([rest, anomalies]).sort_index()


def pca_map(
    customers: pd.DataFrame, features: Sequence[str], seed: int
) -> tuple[pd.DataFrame, list[float]]:
    """Two PCA coordinates per customer of the standardised clustering features.

    Features are prepared as the segmentation prepares them (impute, log1p, standardise) so the
    map shows the space the segments were found in. Returns the frame (sorted by customer_id)
    with pc1/pc2 columns and the two explained-variance ratios.
    """
    from sklearn.decomposition import PCA

    specs = tuple(spec for spec in DEFAULT_FEATURES if spec.name in set(features))
    prepared = prepare_features(customers, specs=specs or DEFAULT_FEATURES)
    components = min(2, prepared.matrix.shape[1])
    pca = PCA(n_components=components, random_state=seed)
    coordinates = pca.fit_transform(prepared.matrix)
    if components == 1:
        coordinates = np.column_stack([coordinates[:, 0], np.zeros(len(coordinates))])
    ordered = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    ordered = ordered.assign(pc1=coordinates[:, 0], pc2=coordinates[:, 1])
    ratios = [*pca.explained_variance_ratio_.tolist(), 0.0][:2]
    return ordered, ratios


def backtest_table(backtest: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Segment x metric table of "model vs baseline" sMAPE, and per cell "good" where the model
    wins and "bad" where the seasonal-naive baseline does."""
    frame = backtest.copy()
    frame["cell"] = [
        "-" if pd.isna(m) or pd.isna(b) else f"{m:.1f} vs {b:.1f}"
        for m, b in zip(frame["mape_model"], frame["mape_seasonal_naive"], strict=True)
    ]
    frame["class"] = np.select(
        [
            frame["mape_model"] < frame["mape_seasonal_naive"],
            frame["mape_model"] > frame["mape_seasonal_naive"],
        ],
        ["good", "bad"],
        "",
    )
    metrics = list(dict.fromkeys(frame["metric"]))
    segments = list(dict.fromkeys(frame["segment_name"]))
    cells = frame.pivot_table(
        index="segment_name", columns="metric", values="cell", aggfunc="first"
    )
    classes = frame.pivot_table(
        index="segment_name", columns="metric", values="class", aggfunc="first"
    )
    cells = cells.reindex(index=segments, columns=metrics).fillna("-")
    classes = classes.reindex(index=segments, columns=metrics).fillna("")
    cells.columns = [metric_label(m) for m in cells.columns]
    classes.columns = list(cells.columns)
    cells = cells.reset_index().rename(columns={"segment_name": "Segment"})
    classes = classes.reset_index(drop=True)
    return cells, classes
