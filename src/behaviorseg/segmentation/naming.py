"""Segment names from editable rules matched on centroid z-score profiles.

The rules are a small table (the dbt seed ``segment_naming_rules``), one row per condition:

- ``segment_name``: the human name a segment gets when it matches the rule.
- ``priority``: breaks ties between rules that fit a segment equally well (1 wins).
- ``feature``: a customer_features column used for segmentation.
- ``direction``: ``high`` (the segment's centroid is above average), ``low`` (below) or
  ``average`` (close to the population mean: "buys, but neither often nor rarely").
- ``weight``: how much the condition counts within its rule.
- ``description``: what the persona means (shown with the segment).

How a segment gets its name:

1. Condition score: with ``z`` the segment centroid's z-score for the feature, clipped to
   [-3, 3], a condition scores ``z`` for high, ``-z`` for low and ``1 - |z|`` for average.
2. Rule score: the weighted mean of its condition scores over the features the run used,
   times the square root of the share of the rule's weight those carry (coverage). A rule
   resting on dropped features is trusted less; one with less than half of its weight
   checkable (Power Users on an orders-only export) names nothing in that run.
3. Assignment: the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) maximises
   the total of ``exp(rule score)`` over (segment, rule) pairs, so each rule names at most one
   segment and a strong match outweighs two lukewarm ones; ``priority`` breaks exact ties.
4. A segment left without a rule, or whose rule scores below ``min_score`` (0.25), gets a
   descriptive name from its most distinctive features ("High app share, frequent
   sessions"), made unique if needed. Every name in a run is distinct.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

NAMING_RULE_COLUMNS = ["segment_name", "priority", "feature", "direction", "weight", "description"]
MIN_RULE_SCORE = 0.25
MIN_RULE_COVERAGE = 0.5
Z_CLIP = 3.0
DISTINCTIVE_Z = 0.5
NOISE_SEGMENT_NAME = "Unusual Customers"
DIRECTIONS = ("high", "low", "average")
AVERAGE_SEGMENT_NAME = "Average Customers"

_PERSONAS: tuple[tuple[str, int, str, tuple[tuple[str, str, float], ...]], ...] = (
    (
        "Power Users",
        1,
        "Use the product several times a week, mostly in the app, and keep buying",
        (
            ("sessions_per_week", "high", 2.0),
            ("app_share", "high", 1.0),
            ("distinct_features_used", "high", 1.0),
            ("days_since_last_session", "low", 1.0),
            ("frequency", "high", 0.5),
        ),
    ),
    (
        "Loyal Big Spenders",
        2,
        "Order often and recently and bring the most revenue",
        (
            ("monetary", "high", 2.0),
            ("frequency", "high", 1.5),
            ("average_order_value", "high", 1.0),
            ("recency_days", "low", 1.0),
        ),
    ),
    (
        "Bargain Hunters",
        3,
        "Buy mostly with discounts, in small baskets",
        (
            ("discounted_order_share", "high", 2.0),
            ("average_order_value", "low", 1.0),
            ("cart_abandonment_rate", "high", 0.5),
        ),
    ),
    (
        "Window Shoppers",
        4,
        "Browse a lot across categories but rarely or never buy",
        (
            ("pages_per_session", "high", 1.0),
            ("distinct_categories_viewed", "high", 1.0),
            ("cart_abandonment_rate", "high", 1.0),
            ("frequency", "low", 1.5),
            ("monetary", "low", 1.0),
        ),
    ),
    (
        "New Customers",
        5,
        "Joined recently: first sessions and a first order or two so far",
        (
            ("tenure_days", "low", 2.0),
            ("recency_days", "low", 1.5),
            ("frequency", "low", 1.0),
            ("mean_days_between_orders", "high", 1.0),
            ("days_first_session_to_first_order", "low", 0.5),
        ),
    ),
    (
        "Occasional Buyers",
        6,
        "Still buy now and then, with long gaps and light engagement",
        (
            ("frequency", "low", 1.0),
            ("recency_days", "average", 1.0),
            ("sessions_per_week", "low", 0.5),
            ("mean_days_between_orders", "high", 0.5),
        ),
    ),
    (
        "Churn Risk",
        7,
        "Have not ordered or visited for a long time",
        (
            ("recency_days", "high", 2.0),
            ("days_since_last_session", "high", 1.5),
            ("sessions_per_week", "low", 1.0),
            ("frequency", "low", 0.5),
        ),
    ),
    (
        "Support Seekers",
        8,
        "Contact support often and rate it below average",
        (
            ("support_tickets", "high", 2.0),
            ("mean_csat", "low", 1.0),
            ("days_since_last_ticket", "low", 0.5),
        ),
    ),
)

DEFAULT_NAMING_RULES = pd.DataFrame(
    [
        (name, priority, feature, direction, weight, description)
        for name, priority, description, conditions in _PERSONAS
        for feature, direction, weight in conditions
    ],
    columns=NAMING_RULE_COLUMNS,
)

# (label when high, label when low) for descriptive fallback names.
FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "recency_days": ("Long since last order", "Recent order"),
    "frequency": ("Frequent orders", "Few orders"),
    "monetary": ("High spend", "Low spend"),
    "average_order_value": ("Large baskets", "Small baskets"),
    "discounted_order_share": ("Discount driven", "Full price"),
    "mean_days_between_orders": ("Slow to reorder", "Quick to reorder"),
    "sessions_per_week": ("Frequent sessions", "Rare sessions"),
    "days_since_last_session": ("Long since last visit", "Recent visit"),
    "avg_session_duration_s": ("Long sessions", "Short sessions"),
    "pages_per_session": ("Many pages per visit", "Few pages per visit"),
    "avg_scroll_depth": ("Deep scrolling", "Shallow scrolling"),
    "distinct_categories_viewed": ("Broad browsing", "Narrow browsing"),
    "app_share": ("High app share", "Web first"),
    "distinct_features_used": ("Many app features", "Few app features"),
    "days_first_session_to_first_order": ("Slow to convert", "Quick to convert"),
    "browse_to_buy_minutes": ("Long to decide", "Quick to decide"),
    "cart_abandonment_rate": ("Abandon carts", "Complete carts"),
    "support_tickets": ("Many support tickets", "No support needs"),
    "mean_csat": ("Satisfied with support", "Unhappy with support"),
    "days_since_last_ticket": ("No recent tickets", "Recent ticket"),
}


def load_naming_rules(path: str | Path) -> pd.DataFrame:
    """Read and validate a naming-rules CSV (the dbt seed)."""
    return validate_naming_rules(pd.read_csv(path))


def validate_naming_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Check columns and directions; fill a missing weight with 1 and description with ''."""
    missing = {"segment_name", "feature", "direction"} - set(rules.columns)
    if missing:
        raise ValueError(f"naming rules lack columns {sorted(missing)}")
    rules = rules.copy()
    rules["direction"] = rules["direction"].str.strip().str.lower()
    bad = sorted(set(rules["direction"]) - set(DIRECTIONS))
    if bad:
        raise ValueError(f"naming rule directions must be one of {DIRECTIONS}, got {bad}")
    if "priority" not in rules:
        rules["priority"] = 100
    if "weight" not in rules:
        rules["weight"] = 1.0
    if "description" not in rules:
        rules["description"] = ""
    rules["weight"] = pd.to_numeric(rules["weight"]).fillna(1.0).astype(float)
    rules["priority"] = pd.to_numeric(rules["priority"]).fillna(100).astype(int)
    rules["description"] = rules["description"].fillna("").astype(str)
    return rules[NAMING_RULE_COLUMNS]


def rule_scores(centroid_z: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Score of every (segment, rule): rows are segments, columns rule names.

    ``centroid_z`` has one row per segment and one column per feature (centroid z-scores).
    Rules with less than MIN_RULE_COVERAGE of their weight checkable are left out.
    """
    rules = validate_naming_rules(rules)
    clipped = centroid_z.clip(-Z_CLIP, Z_CLIP)
    scores = {}
    for name, conditions in rules.groupby("segment_name", sort=False):
        checkable = conditions[conditions["feature"].isin(clipped.columns)]
        coverage = checkable["weight"].sum() / conditions["weight"].sum()
        if checkable.empty or not coverage >= MIN_RULE_COVERAGE:
            continue  # too little to check it on: the rule names nothing this run
        z = clipped[checkable["feature"].tolist()].to_numpy()
        direction = checkable["direction"].to_numpy()
        condition_scores = np.where(
            direction == "high", z, np.where(direction == "low", -z, 1.0 - np.abs(z))
        )
        weighted = condition_scores @ checkable["weight"].to_numpy()
        scores[name] = weighted / checkable["weight"].sum() * np.sqrt(coverage)
    return pd.DataFrame(scores, index=centroid_z.index)


def feature_label(feature: str, is_high: bool) -> str:
    """Human label of a feature being high or low ("High app share", "Rare sessions")."""
    high, low = FEATURE_LABELS.get(
        feature, (f"High {feature.replace('_', ' ')}", f"Low {feature.replace('_', ' ')}")
    )
    return high if is_high else low


def descriptive_name(z_profile: pd.Series, taken: Collection[str], n_features: int = 2) -> str:
    """A name from the most distinctive features (|z| >= 0.5), not in ``taken``.

    Uses ``n_features`` labels, more if needed to be distinct, then a numeric suffix.
    """
    ranked = z_profile.abs().sort_values(ascending=False, kind="stable")
    distinctive = [f for f in ranked.index if ranked[f] >= DISTINCTIVE_Z]
    labels = [feature_label(f, bool(z_profile[f] > 0)) for f in distinctive]
    candidates = [
        ", ".join([labels[0], *[label.lower() for label in labels[1:used]]])
        for used in range(min(n_features, len(labels)), len(labels) + 1)
        if used > 0
    ] or [AVERAGE_SEGMENT_NAME]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    base, suffix = candidates[0], 2
    while f"{base} ({suffix})" in taken:
        suffix += 1
    return f"{base} ({suffix})"


def name_segments(
    centroid_z: pd.DataFrame,
    rules: pd.DataFrame = DEFAULT_NAMING_RULES,
    *,
    fixed_names: Mapping[object, str] | None = None,
    unavailable_names: Collection[str] = (),
    min_score: float = MIN_RULE_SCORE,
) -> pd.DataFrame:
    """Distinct names for the segments (rows of ``centroid_z``).

    ``fixed_names`` keeps given names for some segments (e.g. matched to a previous run, or
    DBSCAN noise); ``unavailable_names`` are names no segment may take. Returns one row per
    segment, in ``centroid_z`` order: segment (the index value), segment_name, naming_method
    (fixed, rule or descriptive), rule_score (NaN unless named by a rule), description.
    """
    fixed = dict(fixed_names or {})
    taken = set(unavailable_names) | set(fixed.values())
    all_rules = validate_naming_rules(rules)
    rules = all_rules[~all_rules["segment_name"].isin(taken)]
    open_segments = [s for s in centroid_z.index if s not in fixed]
    assigned: dict[object, tuple[str, float]] = {}
    scores = rule_scores(centroid_z.loc[open_segments], rules) if open_segments else None
    if scores is not None and not scores.columns.empty:
        priority = rules.groupby("segment_name", sort=False)["priority"].min()[scores.columns]
        cost = -np.exp(scores.to_numpy()) + 1e-6 * priority.to_numpy()[None, :]
        for row, col in zip(*linear_sum_assignment(cost), strict=True):
            score = float(scores.iat[row, col])
            if score >= min_score:
                assigned[open_segments[row]] = (str(scores.columns[col]), score)
    taken |= {name for name, _ in assigned.values()}
    descriptions = all_rules.groupby("segment_name", sort=False)["description"].first()
    rows = []
    for segment in centroid_z.index:
        if segment in fixed:
            name, method, score = fixed[segment], "fixed", float("nan")
        elif segment in assigned:
            (name, score), method = assigned[segment], "rule"
        else:
            name = descriptive_name(centroid_z.loc[segment], taken)
            method, score = "descriptive", float("nan")
            taken.add(name)
        rows.append(
            {
                "segment": segment,
                "segment_name": name,
                "naming_method": method,
                "rule_score": score,
                "description": descriptions.get(name, ""),
            }
        )
    return pd.DataFrame(rows)
