"""Segment names from editable rules matched on centroid z-score profiles.

The rules are the dbt seed ``seeds/segment_naming_rules.csv`` (read here, never restated),
one row per condition:

- ``segment_name``: the human name a segment gets when it matches the rule.
- ``priority``: breaks ties between rules that fit a segment equally well (1 wins).
- ``feature``: a feature of the segment profile (a clustering feature, or a naming feature
  such as ``inactivity_ratio``, see ``naming_profiles``).
- ``direction``: ``high`` (the segment's centroid is above average), ``low`` (below) or
  ``average`` (close to the population mean: "buys, but neither often nor rarely").
- ``weight``: how much the condition counts within its rule.
- ``speaks_of``: true when the name or description speaks of this feature ("mostly in the
  app" speaks of app_share); false for supporting evidence that only adds to the score.
- ``min_segment_median``: optional; the segment's median of the feature (in its own units)
  must reach it ("far beyond the usual gap": an inactivity_ratio of 3 or more).
- ``description``: what the persona means (shown with the segment).

How a segment gets its name:

1. A rule can name a segment only when every feature it speaks of is in this run's profile
   (present and not constant: a feature that is all null or constant is dropped before
   clustering), the segment's centroid differs from the population on each of them by at
   least ``min_effect_size`` standard deviations in the rule's direction (for ``average``: by
   less than that), and every ``min_segment_median`` is reached. No app wording without app
   events, no spend wording when amounts are absent or constant, no support wording without
   tickets.
2. Condition score: with ``z`` the segment centroid's z-score for the feature, clipped to
   [-3, 3], a condition scores ``z`` for high, ``-z`` for low and ``1 - |z|`` for average.
3. Rule score: the weighted mean of its condition scores over the features the run used,
   times the square root of the share of the rule's weight those carry (coverage).
4. Assignment: the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) maximises
   the total of ``exp(rule score)`` over the eligible (segment, rule) pairs, so each rule
   names at most one segment and a strong match outweighs two lukewarm ones; ``priority``
   breaks exact ties.
5. A segment left without a rule, or whose rule scores below ``min_score`` (0.25), gets a
   descriptive name and description from its most distinctive features ("Frequent sessions,
   many pages per visit"), using only wording the data supports (see ``speakable``), made
   unique if needed. Every name in a run is distinct.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

NAMING_RULES_SEED = Path(__file__).resolve().parents[3] / "seeds" / "segment_naming_rules.csv"
NAMING_RULE_COLUMNS = [
    "segment_name",
    "priority",
    "feature",
    "direction",
    "weight",
    "speaks_of",
    "min_segment_median",
    "description",
]
MIN_RULE_SCORE = 0.25
MIN_RULE_COVERAGE = 0.5
DEFAULT_MIN_EFFECT_SIZE = 0.5  # dbt var segment_naming_min_effect_size
Z_CLIP = 3.0
DISTINCTIVE_Z = 0.5
NOISE_SEGMENT_NAME = "Unusual Customers"
DIRECTIONS = ("high", "low", "average")
AVERAGE_SEGMENT_NAME = "Average Customers"
INACTIVITY_RATIO = "inactivity_ratio"
# A feature's wording that also speaks of another feature: "spend" is about amounts, so
# monetary is only worded when order amounts vary (with constant amounts it mirrors frequency).
WORDING_REQUIRES: dict[str, tuple[str, ...]] = {"monetary": ("average_order_value",)}

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
    INACTIVITY_RATIO: ("Later than their usual rhythm", "On their usual rhythm"),
}


def load_naming_rules(path: str | Path = NAMING_RULES_SEED) -> pd.DataFrame:
    """Read and validate a naming-rules CSV (by default the dbt seed)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"naming rules seed not found: {path}")
    try:
        return validate_naming_rules(pd.read_csv(path))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def _as_bool(values: pd.Series) -> pd.Series:
    """true/false, 1/0, yes/no (any case) -> bool; empty -> True (a condition speaks by default)."""
    text = values.astype("string").str.strip().str.lower().fillna("true")
    bad = sorted(set(text) - {"true", "false", "1", "0", "yes", "no", "1.0", "0.0", ""})
    if bad:
        raise ValueError(f"column speaks_of must be true or false, got {bad}")
    return text.isin(["true", "1", "yes", "1.0", ""])


def validate_naming_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Check columns and directions; fill defaults: weight 1, speaks_of true, no median, ''."""
    missing = {"segment_name", "feature", "direction"} - set(rules.columns)
    if missing:
        raise ValueError(f"naming rules lack columns {sorted(missing)}")
    rules = rules.copy()
    rules["direction"] = rules["direction"].astype(str).str.strip().str.lower()
    bad = sorted(set(rules["direction"]) - set(DIRECTIONS))
    if bad:
        raise ValueError(
            f"column direction: naming rule directions must be one of {DIRECTIONS}, got {bad}"
        )
    defaults = {"priority": 100, "weight": 1.0, "speaks_of": True, "description": ""}
    for column, value in defaults.items():
        if column not in rules:
            rules[column] = value
    if "min_segment_median" not in rules:
        rules["min_segment_median"] = np.nan
    rules["weight"] = pd.to_numeric(rules["weight"]).fillna(1.0).astype(float)
    rules["priority"] = pd.to_numeric(rules["priority"]).fillna(100).astype(int)
    rules["speaks_of"] = _as_bool(rules["speaks_of"])
    rules["min_segment_median"] = pd.to_numeric(rules["min_segment_median"]).astype(float)
    rules["description"] = rules["description"].fillna("").astype(str)
    silent = sorted(set(rules["segment_name"]) - set(rules.loc[rules["speaks_of"], "segment_name"]))
    if silent:
        raise ValueError(f"column speaks_of: rules {silent} speak of no feature (one must be true)")
    return rules[NAMING_RULE_COLUMNS].reset_index(drop=True)


DEFAULT_NAMING_RULES = load_naming_rules()


def rule_eligibility(
    centroid_z: pd.DataFrame,
    rules: pd.DataFrame,
    *,
    min_effect_size: float = DEFAULT_MIN_EFFECT_SIZE,
    segment_medians: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Segments x rules: True where the rule may name the segment (see the module docstring).

    A rule is eligible for a segment when every feature it speaks of is a column of
    ``centroid_z`` with a value, each differs from the population by ``min_effect_size`` in
    the rule's direction (``average``: by less), and each ``min_segment_median`` is reached in
    ``segment_medians`` (segments x features, in the features' own units).
    """
    rules = validate_naming_rules(rules)
    medians = segment_medians if segment_medians is not None else pd.DataFrame()
    eligible = {}
    for name, conditions in rules.groupby("segment_name", sort=False):
        ok = pd.Series(True, index=centroid_z.index)
        for row in conditions[conditions["speaks_of"]].itertuples():
            if row.feature not in centroid_z.columns:
                ok[:] = False
                break
            z = pd.to_numeric(centroid_z[row.feature], errors="coerce")
            if row.direction == "high":
                ok &= z >= min_effect_size
            elif row.direction == "low":
                ok &= z <= -min_effect_size
            else:
                ok &= z.abs() < min_effect_size
        for row in conditions[conditions["min_segment_median"].notna()].itertuples():
            if row.feature not in medians.columns:
                ok[:] = False
                break
            median = pd.to_numeric(medians[row.feature], errors="coerce").reindex(ok.index)
            ok &= median >= row.min_segment_median
        eligible[name] = ok.fillna(False).astype(bool)
    return pd.DataFrame(eligible, index=centroid_z.index)


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


def speakable(features: Collection[str]) -> list[str]:
    """The features whose wording the data supports: those present, less any whose wording
    needs a feature that is absent (``WORDING_REQUIRES``: no "spend" without varying amounts)."""
    present = set(features)
    return [f for f in features if set(WORDING_REQUIRES.get(f, ())) <= present]


def distinctive_ranking(z_profile: pd.Series, min_abs_z: float = DISTINCTIVE_Z) -> list[str]:
    """Speakable features with |z| >= ``min_abs_z``, most distinctive first (ties by name)."""
    values = pd.to_numeric(z_profile, errors="coerce").dropna()
    values = values[speakable(list(values.index))]
    values = values[values.abs() >= min_abs_z]
    return [f for f, _ in sorted(values.items(), key=lambda item: (-abs(item[1]), item[0]))]


def descriptive_description(z_profile: pd.Series, n_features: int = 3) -> str:
    """A description from the most distinctive speakable features, in plain words."""
    distinctive = distinctive_ranking(z_profile)[:n_features]
    if not distinctive:
        return "Close to the average customer on every behavior this data shows"
    labels = [feature_label(f, bool(z_profile[f] > 0)) for f in distinctive]
    labels = [labels[0], *(label[:1].lower() + label[1:] for label in labels[1:])]
    words = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"{words} compared with the average customer"


def descriptive_name(z_profile: pd.Series, taken: Collection[str], n_features: int = 2) -> str:
    """A name from the most distinctive speakable features (|z| >= 0.5), not in ``taken``.

    Uses ``n_features`` labels, more if needed to be distinct, then a numeric suffix.
    """
    distinctive = distinctive_ranking(z_profile)
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
    min_effect_size: float = DEFAULT_MIN_EFFECT_SIZE,
    segment_medians: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Distinct names for the segments (rows of ``centroid_z``).

    ``fixed_names`` keeps given names for some segments (e.g. matched to a previous run, or
    DBSCAN noise); ``unavailable_names`` are names no segment may take. ``min_effect_size``
    and ``segment_medians`` decide which rules may name which segment (``rule_eligibility``).
    Returns one row per segment, in ``centroid_z`` order: segment (the index value),
    segment_name, naming_method (fixed, rule or descriptive), rule_score (NaN unless named by a
    rule), description.
    """
    fixed = dict(fixed_names or {})
    taken = set(unavailable_names) | set(fixed.values())
    all_rules = validate_naming_rules(rules)
    rules = all_rules[~all_rules["segment_name"].isin(taken)]
    open_segments = [s for s in centroid_z.index if s not in fixed]
    assigned: dict[object, tuple[str, float]] = {}
    scores = rule_scores(centroid_z.loc[open_segments], rules) if open_segments else None
    if scores is not None and not scores.columns.empty:
        eligible = rule_eligibility(
            centroid_z.loc[open_segments],
            rules,
            min_effect_size=min_effect_size,
            segment_medians=segment_medians,
        )[scores.columns]
        usable = scores.where(eligible.to_numpy() & (scores >= min_score).to_numpy())
        priority = rules.groupby("segment_name", sort=False)["priority"].min()[scores.columns]
        gain = np.exp(usable.fillna(-np.inf).to_numpy())  # 0 where the rule may not name it
        cost = -gain + 1e-6 * priority.to_numpy()[None, :]
        for row, col in zip(*linear_sum_assignment(cost), strict=True):
            if gain[row, col] > 0:
                assigned[open_segments[row]] = (
                    str(scores.columns[col]),
                    float(usable.iat[row, col]),
                )
    taken |= {name for name, _ in assigned.values()}
    descriptions = all_rules.groupby("segment_name", sort=False)["description"].first()
    rows = []
    for segment in centroid_z.index:
        profile = centroid_z.loc[segment]
        if segment in fixed:
            name, method, score = fixed[segment], "fixed", float("nan")
            description = descriptions.get(name) or descriptive_description(profile)
        elif segment in assigned:
            (name, score), method = assigned[segment], "rule"
            description = descriptions.get(name, "")
        else:
            name = descriptive_name(profile, taken)
            method, score = "descriptive", float("nan")
            description = descriptive_description(profile)
            taken.add(name)
        rows.append(
            {
                "segment": segment,
                "segment_name": name,
                "naming_method": method,
                "rule_score": score,
                "description": description,
            }
        )
    return pd.DataFrame(rows)


LIFECYCLE_RHYTHM_COLUMNS = ("usual_gap_days", "days_since_last_activity")


def naming_features(lifecycle: pd.DataFrame) -> pd.DataFrame:
    """Features naming uses besides the clustering's, one row per customer (same index).

    ``lifecycle`` holds, per customer, the columns of the mart ``customer_lifecycle`` that
    describe their rhythm over their whole history: ``usual_gap_days`` (the median gap between
    their activity days, sessions or orders; null with fewer than
    ``lifecycle_usual_gap_min_gaps`` gaps) and ``days_since_last_activity``.

    ``inactivity_ratio`` = ``days_since_last_activity`` / ``usual_gap_days``. 1 is on rhythm;
    3 is three usual gaps without activity. NaN without a usual gap: no rhythm to be late on,
    so tenure or a single old order never makes it.
    """
    missing = [column for column in LIFECYCLE_RHYTHM_COLUMNS if column not in lifecycle]
    if missing:
        raise ValueError(
            f"customer_lifecycle: naming needs the column(s) {', '.join(missing)} "
            "(the customer's usual gap and days since the last activity)"
        )
    gap = pd.to_numeric(lifecycle["usual_gap_days"], errors="coerce").astype(float)
    idle = pd.to_numeric(lifecycle["days_since_last_activity"], errors="coerce").astype(float)
    return pd.DataFrame({INACTIVITY_RATIO: idle / gap.where(gap > 0)}, index=lifecycle.index)


def lifecycle_rows(customer_ids: np.ndarray, lifecycle: pd.DataFrame | None) -> pd.DataFrame:
    """``lifecycle``'s rhythm columns for ``customer_ids``, in that order (joined by
    customer_id; null for a customer it lacks, and for all without a lifecycle frame)."""
    rows = pd.DataFrame({"customer_id": customer_ids})
    if lifecycle is None:
        return rows.assign(**{column: np.nan for column in LIFECYCLE_RHYTHM_COLUMNS})
    columns = ["customer_id", *LIFECYCLE_RHYTHM_COLUMNS]
    missing = [column for column in columns if column not in lifecycle]
    if missing:
        raise ValueError(f"customer_lifecycle: missing column(s) {', '.join(missing)}")
    rhythm = lifecycle[columns].drop_duplicates("customer_id")
    key = rows["customer_id"].astype(str)
    joined = rhythm.assign(customer_id=rhythm["customer_id"].astype(str)).set_index("customer_id")
    return rows.join(joined.reindex(key).reset_index(drop=True))


def naming_profiles(
    extra: pd.DataFrame, labels: np.ndarray, segments: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(z, medians) of naming features per segment: segments x features.

    z is the segment mean of the feature standardised over the population (signed log1p,
    customers without a value left out); medians are in the feature's own units. A feature
    with fewer than two distinct values is left out (it does not vary in this data).
    """
    z_columns, median_columns = {}, {}
    for column in extra.columns:
        raw = pd.to_numeric(extra[column], errors="coerce").to_numpy(dtype=float)
        known = np.isfinite(raw)
        if np.unique(raw[known]).size < 2:
            continue
        logged = np.sign(raw) * np.log1p(np.abs(raw))
        standard = (logged - logged[known].mean()) / logged[known].std()
        frame = pd.DataFrame({"label": labels, "z": standard, "raw": raw})
        grouped = frame.groupby("label")
        z_columns[column] = grouped["z"].mean().reindex(segments)
        median_columns[column] = grouped["raw"].median().reindex(segments)
    return pd.DataFrame(z_columns, index=segments), pd.DataFrame(median_columns, index=segments)
