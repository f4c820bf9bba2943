"""A customer_features-like frame with planted personas and outliers (test fixtures).

Not the demo data (``behaviorseg.synthetic`` writes raw files): this skips the SQL layer and
draws the features directly, so segmentation can be tested on a known truth in milliseconds.

Seven personas, each with its own behavior distributions, plus a share of planted outliers:
ordinary customers of any persona with a few related features pushed to an extreme (a bot's
session rate, an order burst, a reseller's spend, a flood of support tickets). Columns follow
customer_features (the ``_z`` / ``_minmax`` copies are left out); ``persona``, ``is_outlier``
and ``outlier_kind`` (a key of ``OUTLIER_KINDS``) hold the planted truth. Deterministic for a
given seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

PERSONAS: tuple[str, ...] = (
    "power_user",
    "loyal_big_spender",
    "occasional_buyer",
    "bargain_hunter",
    "window_shopper",
    "new_customer",
    "churn_risk",
)
AS_OF_DATE = pd.Timestamp("2025-06-30")
RFM_WINDOW_DAYS = 365

Generator = np.random.Generator
Draw = Callable[[Generator, int], np.ndarray]


def _lognormal(median: float, sigma: float) -> Draw:
    return lambda rng, n: rng.lognormal(np.log(median), sigma, n)


def _beta(a: float, b: float) -> Draw:
    return lambda rng, n: rng.beta(a, b, n)


def _uniform(low: float, high: float) -> Draw:
    return lambda rng, n: rng.uniform(low, high, n)


def _exponential(mean: float) -> Draw:
    return lambda rng, n: rng.exponential(mean, n)


def _poisson(mean: float, offset: int = 0) -> Draw:
    return lambda rng, n: rng.poisson(mean, n) + offset


def _constant(value: float) -> Draw:
    return lambda rng, n: np.full(n, value, dtype=float)


# Per persona: frequency in the window, average order value, recency (days), sessions per
# week, days since last session, session duration (s), pages per session, categories viewed,
# app share, app features used, discounted order share, cart abandonment, support ticket rate,
# days from first session to first order, browse-to-buy minutes, mean CSAT.
PERSONA_DRAWS: dict[str, dict[str, Draw]] = {
    "power_user": {
        "frequency": _poisson(8, 2),
        "aov": _lognormal(70, 0.3),
        "recency": _exponential(5),
        "sessions": _lognormal(7, 0.25),
        "last_session": _exponential(1),
        "duration": _lognormal(700, 0.3),
        "pages": _lognormal(9, 0.3),
        "categories": _poisson(6, 1),
        "app_share": _beta(9, 2),
        "features_used": _poisson(9, 2),
        "discount": _beta(2, 8),
        "abandon": _beta(2, 7),
        "tickets": _constant(0.3),
        "convert_days": _lognormal(2, 0.6),
        "browse_minutes": _lognormal(6, 0.5),
        "csat": _constant(4.5),
    },
    "loyal_big_spender": {
        "frequency": _poisson(6, 3),
        "aov": _lognormal(320, 0.3),
        "recency": _exponential(12),
        "sessions": _lognormal(1.5, 0.3),
        "last_session": _exponential(6),
        "duration": _lognormal(420, 0.3),
        "pages": _lognormal(6, 0.3),
        "categories": _poisson(3, 1),
        "app_share": _beta(2, 6),
        "features_used": _poisson(2),
        "discount": _beta(1, 12),
        "abandon": _beta(2, 8),
        "tickets": _constant(0.5),
        "convert_days": _lognormal(5, 0.6),
        "browse_minutes": _lognormal(15, 0.5),
        "csat": _constant(4.3),
    },
    "occasional_buyer": {
        "frequency": _poisson(0.6, 1),
        "aov": _lognormal(60, 0.35),
        "recency": _uniform(70, 220),
        "sessions": _lognormal(0.25, 0.35),
        "last_session": _uniform(25, 90),
        "duration": _lognormal(200, 0.35),
        "pages": _lognormal(3.5, 0.3),
        "categories": _poisson(1, 1),
        "app_share": _beta(2, 8),
        "features_used": _poisson(0.5),
        "discount": _beta(2, 6),
        "abandon": _beta(3, 5),
        "tickets": _constant(0.2),
        "convert_days": _lognormal(20, 0.6),
        "browse_minutes": _lognormal(20, 0.5),
        "csat": _constant(3.8),
    },
    "bargain_hunter": {
        "frequency": _poisson(3, 2),
        "aov": _lognormal(25, 0.3),
        "recency": _exponential(25),
        "sessions": _lognormal(2.5, 0.3),
        "last_session": _exponential(4),
        "duration": _lognormal(350, 0.3),
        "pages": _lognormal(7, 0.3),
        "categories": _poisson(4, 1),
        "app_share": _beta(3, 4),
        "features_used": _poisson(2),
        "discount": _beta(12, 2),
        "abandon": _beta(5, 4),
        "tickets": _constant(0.8),
        "convert_days": _lognormal(10, 0.6),
        "browse_minutes": _lognormal(35, 0.5),
        "csat": _constant(3.5),
    },
    "window_shopper": {
        "frequency": _constant(0),
        "aov": _constant(0),
        "recency": _constant(np.nan),
        "sessions": _lognormal(3, 0.3),
        "last_session": _exponential(3),
        "duration": _lognormal(500, 0.3),
        "pages": _lognormal(13, 0.3),
        "categories": _poisson(8, 2),
        "app_share": _beta(3, 5),
        "features_used": _poisson(2),
        "discount": _constant(np.nan),
        "abandon": _beta(12, 1.5),
        "tickets": _constant(0.1),
        "convert_days": _constant(np.nan),
        "browse_minutes": _constant(np.nan),
        "csat": _constant(3.8),
    },
    "new_customer": {
        "frequency": _constant(1),
        "aov": _lognormal(55, 0.35),
        "recency": _uniform(0, 21),
        "sessions": _lognormal(1.2, 0.35),
        "last_session": _exponential(4),
        "duration": _lognormal(300, 0.35),
        "pages": _lognormal(5, 0.3),
        "categories": _poisson(2, 1),
        "app_share": _beta(2, 5),
        "features_used": _poisson(1),
        "discount": _beta(1, 3),
        "abandon": _beta(2, 4),
        "tickets": _constant(0.3),
        "convert_days": _lognormal(3, 0.6),
        "browse_minutes": _lognormal(12, 0.5),
        "csat": _constant(4.0),
    },
    "churn_risk": {
        "frequency": _poisson(0.3),
        "aov": _lognormal(60, 0.35),
        "recency": _uniform(240, 600),
        "sessions": _constant(0),
        "last_session": _uniform(150, 450),
        "duration": _constant(np.nan),
        "pages": _constant(np.nan),
        "categories": _constant(0),
        "app_share": _constant(np.nan),
        "features_used": _constant(0),
        "discount": _beta(2, 6),
        "abandon": _constant(np.nan),
        "tickets": _constant(1.2),
        "convert_days": _lognormal(15, 0.6),
        "browse_minutes": _lognormal(20, 0.5),
        "csat": _constant(2.6),
    },
}

# Planted outlier kinds: the features each kind pushes to an extreme (the first is the main one).
OutlierDraws = dict[str, Callable[[Generator, int], np.ndarray]]
OUTLIER_KINDS: dict[str, OutlierDraws] = {
    "bot": {
        "sessions_per_week": lambda rng, n: rng.uniform(150, 400, n),
        "pages_per_session": lambda rng, n: rng.uniform(100, 300, n),
        "distinct_categories_viewed": lambda rng, n: rng.integers(40, 80, n).astype(float),
    },
    "order_burst": {
        "frequency": lambda rng, n: rng.integers(60, 150, n).astype(float),
        "mean_days_between_orders": lambda rng, n: rng.uniform(0.05, 0.5, n),
        "monetary": lambda rng, n: rng.uniform(20_000, 60_000, n),
    },
    "reseller": {
        "average_order_value": lambda rng, n: rng.uniform(5_000, 15_000, n),
        "monetary": lambda rng, n: rng.uniform(50_000, 150_000, n),
    },
    "support_flood": {
        "support_tickets": lambda rng, n: rng.integers(40, 80, n).astype(float),
        "mean_csat": lambda rng, n: rng.uniform(1.0, 1.3, n),
    },
}


def _persona_frame(persona: str, n: int, rng: Generator) -> pd.DataFrame:
    draws = {name: draw(rng, n) for name, draw in PERSONA_DRAWS[persona].items()}
    frequency = np.round(draws["frequency"]).astype(float)
    recency = np.floor(draws["recency"])
    # Churn risk: the last order may be older than the RFM window, then nothing in the window.
    frequency = np.where(recency > RFM_WINDOW_DAYS, 0.0, frequency)
    frequency = np.where(
        (persona == "churn_risk") & (recency <= RFM_WINDOW_DAYS),
        np.maximum(frequency, 1.0),
        frequency,
    )
    has_window_orders = frequency > 0
    monetary = np.round(frequency * draws["aov"], 2)
    lifetime_orders = (
        frequency
        + (persona == "churn_risk") * rng.poisson(2, n)
        + (persona != "new_customer") * rng.poisson(1, n) * (persona != "window_shopper")
    )
    lifetime_orders = np.where(np.isnan(recency), 0.0, np.maximum(lifetime_orders, 1.0))
    sessions = draws["sessions"]
    has_sessions = sessions > 0
    tickets = rng.poisson(draws["tickets"]).astype(float)
    has_tickets = tickets > 0
    never_purchased = lifetime_orders == 0
    gap = np.where(
        lifetime_orders >= 2,
        (RFM_WINDOW_DAYS / np.maximum(frequency, 1)) * rng.uniform(0.5, 1.2, n),
        np.nan,
    )
    return pd.DataFrame(
        {
            "persona": persona,
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
            "lifetime_completed_orders": lifetime_orders,
            "lifetime_net_revenue": np.round(lifetime_orders * draws["aov"], 2),
            "sessions_per_week": np.round(sessions, 3),
            "days_since_last_session": np.floor(draws["last_session"]),
            "avg_session_duration_s": np.where(has_sessions, draws["duration"], np.nan),
            "pages_per_session": np.where(has_sessions, draws["pages"], np.nan),
            "avg_scroll_depth": np.where(
                has_sessions, np.clip(rng.normal(55, 15, n), 0, 100), np.nan
            ),
            "distinct_features_used": draws["features_used"].astype(float),
            "distinct_categories_viewed": draws["categories"].astype(float),
            "app_share": draws["app_share"],
            "days_first_session_to_first_order": np.where(
                never_purchased, np.nan, draws["convert_days"]
            ),
            "mean_days_between_orders": gap,
            "browse_to_buy_minutes": np.where(
                has_window_orders & has_sessions, draws["browse_minutes"], np.nan
            ),
            "cart_abandonment_rate": draws["abandon"],
            "average_order_value": np.where(
                has_window_orders, monetary / np.maximum(frequency, 1.0), np.nan
            ),
            "discounted_order_share": np.where(has_window_orders, draws["discount"], np.nan),
            "support_tickets": tickets,
            "mean_csat": np.where(
                has_tickets, np.clip(rng.normal(draws["csat"], 0.6), 1, 5), np.nan
            ),
            "days_since_last_ticket": np.where(has_tickets, rng.integers(0, 365, n), np.nan),
            "tenure_days": np.floor(
                rng.uniform(1, 60, n) if persona == "new_customer" else rng.uniform(120, 1500, n)
            ),
        }
    )


def _rfm_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Quintile scores among purchasers and a coarse rfm_segment (not the seed's full map)."""
    purchased = frame["lifetime_completed_orders"] > 0
    scores = {}
    for column, ascending in (("recency_days", False), ("frequency", True), ("monetary", True)):
        ranks = frame.loc[purchased, column].rank(method="min", pct=True, ascending=ascending)
        scores[column] = np.ceil(ranks * 5).clip(1, 5)
    out = frame.copy()
    out["has_purchased"] = purchased
    out["r_score"] = scores["recency_days"].reindex(frame.index).astype("Int64")
    out["f_score"] = scores["frequency"].reindex(frame.index).astype("Int64")
    out["m_score"] = scores["monetary"].reindex(frame.index).astype("Int64")
    fm = ((out["f_score"] + out["m_score"]) / 2).round().astype("Int64")
    out["fm_score"] = fm
    segment = np.select(
        [~purchased, out["r_score"].fillna(0) >= 4, out["r_score"].fillna(0) <= 2],
        ["No Purchases Yet", "Active", "Lapsing"],
        default="Steady",
    )
    out["rfm_segment"] = np.where((segment == "Active") & (fm.fillna(0) >= 4), "Champions", segment)
    return out


def _plant_outliers(
    frame: pd.DataFrame, share: float, rng: Generator
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    n_outliers = round(share * len(frame))
    rows = np.sort(rng.choice(len(frame), size=n_outliers, replace=False))
    kinds = np.array(list(OUTLIER_KINDS))[rng.integers(0, len(OUTLIER_KINDS), n_outliers)]
    out = frame.copy()
    for kind, draws in OUTLIER_KINDS.items():
        targets = out.index[rows[kinds == kind]]
        for feature, draw in draws.items():
            out.loc[targets, feature] = draw(rng, len(targets))
    is_outlier = np.zeros(len(frame), bool)
    is_outlier[rows] = True
    outlier_kind = np.full(len(frame), None, dtype=object)
    outlier_kind[rows] = kinds
    return out, is_outlier, outlier_kind


def persona_customer_features(
    customers_per_persona: int = 500,
    *,
    outlier_share: float = 0.01,
    seed: int = 7,
    personas: tuple[str, ...] = PERSONAS,
) -> pd.DataFrame:
    """A shuffled customer_features-like frame with ``persona`` and planted-outlier truth."""
    rng = np.random.default_rng(seed)
    frame = pd.concat(
        [_persona_frame(persona, customers_per_persona, rng) for persona in personas],
        ignore_index=True,
    )
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame, is_outlier, outlier_kind = _plant_outliers(frame, outlier_share, rng)
    frame = _rfm_scores(frame)
    frame["engagement_score"] = 100 * frame["sessions_per_week"].rank(pct=True)
    frame.insert(0, "customer_id", [f"C{i:06d}" for i in range(len(frame))])
    frame.insert(1, "person_id", [f"P{i:06d}" for i in range(len(frame))])
    frame.insert(2, "as_of_date", AS_OF_DATE.date())
    frame["is_outlier"] = is_outlier
    frame["outlier_kind"] = outlier_kind
    return frame


def orders_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The same customers as an orders-only export would give them: no sessions or tickets."""
    out = frame.copy()
    nulls = [
        "days_since_last_session",
        "avg_session_duration_s",
        "pages_per_session",
        "avg_scroll_depth",
        "app_share",
        "days_first_session_to_first_order",
        "browse_to_buy_minutes",
        "cart_abandonment_rate",
        "mean_csat",
        "days_since_last_ticket",
    ]
    zeros = [
        "sessions_per_week",
        "distinct_features_used",
        "distinct_categories_viewed",
        "support_tickets",
        "engagement_score",
    ]
    out[nulls] = np.nan
    out[zeros] = 0.0
    return out
