"""Churn propensity: a calibrated classifier on a time split, its validation and its reasons.

The features (``int_churn_features_snapshotted``) are computed twice in SQL, each from the
history up to its snapshot only: at ``as_of_date - churn_horizon_days`` (``training``, with the
label: no session and no order in the horizon that follows) and at ``as_of_date``
(``scoring``). The classifier is scikit-learn's HistGradientBoostingClassifier (it takes the
missing values of "no session yet" as they are and finds thresholds and interactions a linear
model misses) inside CalibratedClassifierCV: out-of-fold predictions of 5 folds fit the
calibration map (isotonic from 1,000 training customers on, sigmoid below, as scikit-learn
advises), so a predicted 0.3 means about 30% of such customers churn.

Validation holds out a fixed share of the training customers (by a hash of the id, so a
customer's side never depends on row order), trains on the rest and scores them; AUC, Brier
score and calibration by decile are measured on the held-out customers, next to two baselines
on the same customers: days since the last activity alone, and BG/NBD's P(alive) fitted on the
transactions up to the snapshot (customers with a purchase by then; the classifier's AUC on
the same customers is reported beside it). The figures are given for all held-out customers
and for the ``recently_active`` ones (active within the horizon before the snapshot), whose
churn is the harder, more useful question.

``top_reasons`` names the features that raise a customer's predicted risk most: each feature
in turn is set to the median of the training customers who stayed, and the drop in predicted
probability is its contribution; the (at most three) largest contributions of at least one
percentage point are written out with the customer's value and that typical value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from behaviorseg.dbt_bridge import typed_table
from behaviorseg.value.btyd import BG_NBD, fit_purchase_model, grouped_counts, p_alive
from behaviorseg.value.lifetime_value import value_deciles
from behaviorseg.value.transactions import purchase_summary

TRAINING = "training"
SCORING = "scoring"
RANDOM_STATE = 42
CALIBRATION_FOLDS = 5
# scikit-learn's guidance: isotonic calibration overfits below about a thousand samples.
ISOTONIC_MIN_CUSTOMERS = 1000
# Share of the training customers held out to validate the classifier.
VALIDATION_SHARE = 0.3
# A reason is written when a feature raises the predicted probability by this much or more.
MIN_REASON_CONTRIBUTION = 0.01
MAX_REASONS = 3
# HistGradientBoosting's OpenMP threads: one. With dbt running models side by side (and other
# jobs on the machine) more threads contend for the cores and a fit measured here took 25 times
# longer (0.3 s alone, 7.9 s contended); one thread is as fast as the data allow.
OPENMP_THREADS = 1
MODEL_NAME = "hist_gradient_boosting"
CONSTANT_MODEL_NAME = "constant_rate"
ALL_POPULATION = "all"
ACTIVE_POPULATION = "recently_active"


def _days(value: float) -> str:
    return f"{value:,.0f} day" + ("" if round(value) == 1 else "s")


def _gap(value: float) -> str:
    return f"{value:,.1f} days"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _counted(unit: str) -> Callable[[float], str]:
    def count(value: float) -> str:
        return f"{value:,.0f} {unit}" + ("" if round(value) == 1 else "s")

    return count


@dataclass(frozen=True)
class ChurnFeature:
    """A feature and how it reads: ``template`` takes the value in its ``unit`` ("last session
    {} ago" and 45 days), ``missing`` says what a missing value means."""

    name: str
    template: str
    unit: Callable[[float], str]
    missing: str


CHURN_FEATURES: tuple[ChurnFeature, ...] = (
    ChurnFeature("days_since_last_activity", "last activity {} ago", _days, "no activity yet"),
    ChurnFeature("days_since_last_session", "last session {} ago", _days, "no session yet"),
    ChurnFeature("days_since_last_purchase", "last purchase {} ago", _days, "no purchase yet"),
    ChurnFeature("tenure_days", "first seen {} ago", _days, "not seen yet"),
    ChurnFeature("sessions_30d", "{} in the last 30 days", _counted("session"), "no session"),
    ChurnFeature(
        "sessions_previous_30d", "{} in the 30 days before those", _counted("session"), "none"
    ),
    ChurnFeature("sessions_90d", "{} in the last 90 days", _counted("session"), "no session"),
    ChurnFeature("active_days_90d", "active on {} of the last 90", _counted("day"), "none"),
    ChurnFeature("page_views_90d", "{} in the last 90 days", _counted("page view"), "no page view"),
    ChurnFeature("cart_adds_90d", "{} in the last 90 days", _counted("cart add"), "no cart add"),
    ChurnFeature(
        "mean_days_between_sessions", "a session every {}", _gap, "fewer than two sessions"
    ),
    ChurnFeature("orders_90d", "{} in the last 90 days", _counted("order"), "no order"),
    ChurnFeature("orders_365d", "{} in the last 365 days", _counted("order"), "no order"),
    ChurnFeature("revenue_365d", "revenue of {} in the last 365 days", _money, "none"),
    ChurnFeature("mean_days_between_orders", "an order every {}", _gap, "fewer than two orders"),
    ChurnFeature(
        "support_tickets_90d", "{} in the last 90 days", _counted("support ticket"), "none"
    ),
)
# Features that state the same fact when their values are equal (the last activity was the
# last session): only the first of them is written as a reason.
RECENCY_FEATURES = frozenset(
    {"days_since_last_activity", "days_since_last_session", "days_since_last_purchase"}
)
FEATURES_BY_NAME: Mapping[str, ChurnFeature] = {feature.name: feature for feature in CHURN_FEATURES}
RISK_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "churn_probability",
    "churn_decile",
    "top_reasons",
    "days_since_last_activity",
    "scored_as_of_date",
    "training_snapshot_date",
    "model",
)
VALIDATION_COLUMNS: tuple[str, ...] = (
    "row_type",
    "population",
    "decile",
    "customers",
    "churned",
    "mean_predicted_probability",
    "observed_churn_rate",
    "auc",
    "brier_score",
    "baseline_recency_auc",
    "baseline_p_alive_auc",
    "auc_on_p_alive_customers",
    "p_alive_customers",
    "beats_baselines",
    "training_customers",
    "training_snapshot_date",
    "horizon_days",
    "model",
)


@dataclass
class ChurnModel:
    """A trained classifier (or the constant rate when the data cannot train one), its
    features and the typical (median) values of the customers who stayed."""

    name: str
    features: list[str]
    classifier: CalibratedClassifierCV | None
    base_rate: float
    reference: pd.Series

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted churn probability of each row."""
        if self.classifier is None or frame.empty:
            return np.full(len(frame), self.base_rate)
        return self.classifier.predict_proba(feature_matrix(frame, self.features))[:, 1]


def feature_matrix(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """The features as floats (missing stays NaN: the classifier treats it as its own value)."""
    return frame[features].apply(pd.to_numeric, errors="coerce").to_numpy(float)


def informative_features(frame: pd.DataFrame) -> list[str]:
    """The churn features that vary among the training customers: a feature the data lacks
    (no sessions in an orders-only export, no tickets) is left out, so no reason names it."""
    informative = []
    for feature in CHURN_FEATURES:
        values = pd.to_numeric(frame[feature.name], errors="coerce")
        if values.nunique(dropna=False) > 1:
            informative.append(feature.name)
    return informative


def train_churn_model(training: pd.DataFrame) -> ChurnModel:
    """Fit the calibrated classifier on labelled rows (``is_churned``)."""
    labels = training["is_churned"].astype(bool).to_numpy()
    base_rate = float(labels.mean()) if len(labels) else float("nan")
    features = informative_features(training) if len(training) else []
    stayed = training[~labels] if (~labels).any() else training
    reference = (
        stayed[features].apply(pd.to_numeric, errors="coerce").median()
        if features
        else pd.Series(dtype=float)
    )
    minority = int(min(labels.sum(), (~labels).sum())) if len(labels) else 0
    if not features or minority < CALIBRATION_FOLDS:
        # Too few churned (or retained) customers to learn from: the observed rate for all.
        return ChurnModel(CONSTANT_MODEL_NAME, features, None, base_rate, reference)
    method = "isotonic" if len(training) >= ISOTONIC_MIN_CUSTOMERS else "sigmoid"
    classifier = CalibratedClassifierCV(
        HistGradientBoostingClassifier(random_state=RANDOM_STATE),
        method=method,
        cv=CALIBRATION_FOLDS,
        ensemble=False,
    )
    classifier.fit(feature_matrix(training, features), labels)
    return ChurnModel(f"{MODEL_NAME} ({method})", features, classifier, base_rate, reference)


def customer_hash_share(customer_ids: pd.Series) -> np.ndarray:
    """A stable number in [0, 1) per customer id (md5), for samples and splits that do not
    depend on row order."""
    return np.array(
        [
            int(hashlib.md5(str(customer).encode()).hexdigest()[:12], 16) / 16**12
            for customer in customer_ids
        ]
    )


def training_sample(training: pd.DataFrame, max_customers: int) -> pd.DataFrame:
    """At most ``max_customers`` training rows: those with the smallest id hashes (a fixed,
    order-independent sample)."""
    if len(training) <= max_customers:
        return training
    order = np.argsort(customer_hash_share(training["customer_id"]), kind="stable")
    return training.iloc[np.sort(order[:max_customers])]


def contributions(model: ChurnModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Per row and feature: predicted probability minus the probability with the feature set
    to the reference (the median of the customers who stayed)."""
    if model.classifier is None or frame.empty:
        return pd.DataFrame(index=frame.index)
    matrix = feature_matrix(frame, model.features)
    probability = model.classifier.predict_proba(matrix)[:, 1]
    pushes = {}
    for column, feature in enumerate(model.features):
        replaced = matrix.copy()
        replaced[:, column] = model.reference[feature]
        pushes[feature] = probability - model.classifier.predict_proba(replaced)[:, 1]
    return pd.DataFrame(pushes, index=frame.index)


def describe(feature: str, value: float) -> str:
    """How a customer's value of a feature reads ("last session 45 days ago")."""
    spec = FEATURES_BY_NAME[feature]
    return spec.missing if pd.isna(value) else spec.template.format(spec.unit(float(value)))


def typical(feature: str, value: float) -> str:
    """The typical value in the feature's unit ("3 days")."""
    spec = FEATURES_BY_NAME[feature]
    return spec.missing if pd.isna(value) else spec.unit(float(value))


def _texts(feature: str, values: np.ndarray) -> np.ndarray:
    """describe() of many values, formatting each distinct value once."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([describe(feature, value) for value in distinct], dtype=object)[inverse]


def _drop_repeated_recency(pushes: np.ndarray, values: np.ndarray, features: list[str]) -> None:
    """Where two recency features state the same day (the last activity was the last session),
    keep only the one that pushes more (in place)."""
    columns = [position for position, name in enumerate(features) if name in RECENCY_FEATURES]
    for first, second in itertools.combinations(columns, 2):
        same = values[:, first] == values[:, second]  # never true for missing values
        weaker = np.where(pushes[:, first] >= pushes[:, second], second, first)
        rows = np.flatnonzero(same)
        pushes[rows, weaker[rows]] = -np.inf


def reason_texts(model: ChurnModel, frame: pd.DataFrame) -> list[str | None]:
    """The top reasons of each row as one text ("; "-separated), None when no feature raises
    the risk by MIN_REASON_CONTRIBUTION. Vectorised per feature (a million rows in seconds)."""
    pushes = contributions(model, frame).to_numpy(copy=True)
    if pushes.size == 0:
        return [None] * len(frame)
    values = frame[model.features].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    _drop_repeated_recency(pushes, values, model.features)
    top = np.argsort(-pushes, axis=1, kind="stable")[:, :MAX_REASONS]
    strong = np.take_along_axis(pushes, top, axis=1) >= MIN_REASON_CONTRIBUTION
    parts = np.full(top.shape, None, dtype=object)
    for column, feature in enumerate(model.features):
        chosen = (top == column) & strong
        rows = np.flatnonzero(chosen.any(axis=1))
        if not len(rows):
            continue
        usual = typical(feature, model.reference[feature])
        texts = _texts(feature, values[rows, column])
        for rank in range(top.shape[1]):
            at_rank = chosen[rows, rank]
            parts[rows[at_rank], rank] = [f"{text} (typical: {usual})" for text in texts[at_rank]]
    return [
        "; ".join(part for part in row if part is not None) if row[0] is not None else None
        for row in parts
    ]


def snapshot_rows(features: pd.DataFrame, snapshot: str) -> pd.DataFrame:
    """The rows of one snapshot, sorted by customer (deterministic training)."""
    rows = features[features["snapshot"] == snapshot]
    return rows.sort_values("customer_id", kind="stable").reset_index(drop=True)


def snapshot_date(rows: pd.DataFrame) -> dt.date | None:
    """The snapshot date of a snapshot's rows."""
    return pd.Timestamp(rows["snapshot_date"].iloc[0]).date() if len(rows) else None


def churn_risk_table(features: pd.DataFrame, max_training_customers: int) -> pd.DataFrame:
    """Every customer of the scoring snapshot: churn probability and decile (10 = highest
    risk), top reasons. A customer without any session or order has no probability."""
    with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
        return _churn_risk_table(features, max_training_customers)


def _churn_risk_table(features: pd.DataFrame, max_training_customers: int) -> pd.DataFrame:
    training = training_sample(snapshot_rows(features, TRAINING), max_training_customers)
    scoring = snapshot_rows(features, SCORING)
    model = train_churn_model(training)
    active = scoring["days_since_last_activity"].notna().to_numpy()
    probability = np.full(len(scoring), np.nan)
    reasons: list[str | None] = [None] * len(scoring)
    if active.any() and len(training):
        scored = scoring[active]
        probability[active] = model.predict(scored)
        for position, text in zip(np.flatnonzero(active), reason_texts(model, scored), strict=True):
            reasons[position] = text
    table = pd.DataFrame(
        {
            "customer_id": scoring["customer_id"],
            "churn_probability": probability,
            "top_reasons": reasons,
            "days_since_last_activity": pd.to_numeric(scoring["days_since_last_activity"]),
            "scored_as_of_date": snapshot_date(scoring),
            "training_snapshot_date": snapshot_date(training),
            "model": model.name if len(training) else None,
        }
    )
    table["churn_decile"] = value_deciles(table["churn_probability"])
    return typed_risk(table[list(RISK_COLUMNS)])


def typed_risk(table: pd.DataFrame) -> pd.DataFrame:
    """The risk table with stable column types (also when empty)."""
    return typed_table(
        table,
        {
            "customer_id": "object",
            "churn_probability": "float64",
            "churn_decile": "Int64",
            "top_reasons": "object",
            "days_since_last_activity": "float64",
            "model": "object",
        },
        date_columns=("scored_as_of_date", "training_snapshot_date"),
    )


def p_alive_at(transactions: pd.DataFrame, cutoff: dt.date, period_days: float) -> pd.Series:
    """BG/NBD P(alive) per customer with a transaction by ``cutoff``, from a fit on the
    transactions up to it (empty when BG/NBD cannot be fitted)."""
    summary = purchase_summary(transactions, cutoff, period_days)
    counts, index = grouped_counts(summary["frequency"], summary["recency"], summary["T"])
    fit = fit_purchase_model(counts, BG_NBD)
    if fit is None:
        return pd.Series(dtype=float)
    alive = p_alive(fit, counts.frequency, counts.recency, counts.age)[index]
    return pd.Series(alive, index=summary["customer_id"].to_numpy())


def auc_or_none(labels: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC, None with one class only."""
    if len(labels) == 0 or len(np.unique(labels)) < 2:
        return None
    return float(roc_auc_score(labels, score))


def population_row(population: str, held_out: pd.DataFrame, alive: pd.Series) -> dict[str, object]:
    """AUC, Brier score and the baselines on one population of held-out customers."""
    labels = held_out["is_churned"].astype(bool).to_numpy()
    predicted = held_out["predicted"].to_numpy(float)
    auc = auc_or_none(labels, predicted)
    recency_auc = auc_or_none(
        labels, pd.to_numeric(held_out["days_since_last_activity"]).to_numpy(float)
    )
    # reindex, not isin: isin of pandas' str column against an object index takes seconds.
    alive_all = alive.reindex(held_out["customer_id"].to_numpy(dtype=object)).to_numpy(float)
    with_alive = ~np.isnan(alive_all)
    buyer_labels = labels[with_alive]
    alive_values = alive_all[with_alive]
    p_alive_auc = auc_or_none(buyer_labels, 1 - alive_values)
    model_on_buyers = auc_or_none(buyer_labels, predicted[with_alive])
    comparisons = [
        (auc, recency_auc),
        (model_on_buyers, p_alive_auc),
    ]
    known = [(model, base) for model, base in comparisons if model is not None and base is not None]
    return {
        "row_type": "overall",
        "population": population,
        "decile": None,
        "customers": len(held_out),
        "churned": int(labels.sum()),
        "mean_predicted_probability": float(predicted.mean()) if len(predicted) else None,
        "observed_churn_rate": float(labels.mean()) if len(labels) else None,
        "auc": auc,
        "brier_score": float(brier_score_loss(labels, predicted, labels=[False, True]))
        if len(labels)
        else None,
        "baseline_recency_auc": recency_auc,
        "baseline_p_alive_auc": p_alive_auc,
        "auc_on_p_alive_customers": model_on_buyers,
        "p_alive_customers": int(with_alive.sum()),
        "beats_baselines": all(model > base for model, base in known) if known else None,
    }


def equal_deciles(values: pd.Series) -> pd.Series:
    """1..10 in groups of equal size by value (ties split in row order): ceil(10 * rank / n)."""
    ranks = values.rank(method="first")
    return np.ceil(10 * ranks / len(values) - 1e-9).clip(1, 10).astype(int)


def calibration_rows(held_out: pd.DataFrame) -> list[dict[str, object]]:
    """Mean predicted probability and observed churn rate per decile of predicted probability:
    ten groups of equal size (ties split in customer order; with fewer than ten customers,
    one per customer, numbered like their decile)."""
    if held_out.empty:
        return []
    deciles = equal_deciles(held_out["predicted"])
    rows = []
    for decile in sorted(deciles.unique()):
        inside = held_out[deciles == decile]
        labels = inside["is_churned"].astype(bool)
        rows.append(
            {
                "row_type": "calibration_decile",
                "population": ALL_POPULATION,
                "decile": int(decile),
                "customers": len(inside),
                "churned": int(labels.sum()),
                "mean_predicted_probability": float(inside["predicted"].mean()),
                "observed_churn_rate": float(labels.mean()),
            }
        )
    return rows


def churn_validation_table(
    features: pd.DataFrame,
    transactions: pd.DataFrame,
    period_days: float,
    horizon_days: int,
    max_training_customers: int,
) -> pd.DataFrame:
    """The VALIDATION_COLUMNS rows: overall figures for all held-out customers and the
    recently active ones, then calibration by decile (see the module docstring)."""
    with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
        return _churn_validation_table(
            features, transactions, period_days, horizon_days, max_training_customers
        )


def _churn_validation_table(
    features: pd.DataFrame,
    transactions: pd.DataFrame,
    period_days: float,
    horizon_days: int,
    max_training_customers: int,
) -> pd.DataFrame:
    training = snapshot_rows(features, TRAINING)
    if training.empty:
        return typed_validation(pd.DataFrame(columns=list(VALIDATION_COLUMNS)))
    held_out_mask = customer_hash_share(training["customer_id"]) < VALIDATION_SHARE
    fit_rows = training_sample(training[~held_out_mask], max_training_customers)
    held_out = training[held_out_mask].copy()
    model = train_churn_model(fit_rows)
    held_out["predicted"] = model.predict(held_out)
    cutoff = snapshot_date(training)
    alive = p_alive_at(transactions, cutoff, period_days) if cutoff else pd.Series(dtype=float)
    recent = pd.to_numeric(held_out["days_since_last_activity"]) < horizon_days
    rows = [
        population_row(ALL_POPULATION, held_out, alive),
        population_row(ACTIVE_POPULATION, held_out[recent.to_numpy()], alive),
        *calibration_rows(held_out),
    ]
    table = pd.DataFrame(rows).reindex(columns=list(VALIDATION_COLUMNS))
    table["training_customers"] = len(fit_rows)
    table["training_snapshot_date"] = cutoff
    table["horizon_days"] = horizon_days
    table["model"] = model.name
    return typed_validation(table)


def typed_validation(table: pd.DataFrame) -> pd.DataFrame:
    """The validation table with stable column types (also when empty)."""
    return typed_table(
        table,
        {
            "row_type": "object",
            "population": "object",
            "decile": "Int64",
            "customers": "int64",
            "churned": "int64",
            "mean_predicted_probability": "float64",
            "observed_churn_rate": "float64",
            "auc": "float64",
            "brier_score": "float64",
            "baseline_recency_auc": "float64",
            "baseline_p_alive_auc": "float64",
            "auc_on_p_alive_customers": "float64",
            "p_alive_customers": "Int64",
            "beats_baselines": "boolean",
            "training_customers": "int64",
            "horizon_days": "int64",
            "model": "object",
        },
        date_columns=("training_snapshot_date",),
    )
