"""Suggested actions per segment: the campaigns seed by name, with a profile-based fallback.

The campaigns are the dbt seed ``seeds/segment_campaigns.csv`` (segment_name, campaign,
channel, offer, goal), read here, never restated: marketing edits that one CSV. When the
warehouse has ``reference.segment_campaigns`` (the seed as the build loaded it) its rows replace
the file's. Segments with a descriptive name (no rule
matched, e.g. "High app share, frequent sessions") get an action from their most distinctive
feature (a persona's action only where the profile meets that persona's naming rule), and a
generic one when none of those fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from behaviorseg.segmentation.naming import DEFAULT_NAMING_RULES, rule_eligibility

ACTION_COLUMNS: tuple[str, ...] = ("segment_name", "campaign", "channel", "offer", "goal")
CAMPAIGNS_SEED = Path(__file__).resolve().parents[3] / "seeds" / "segment_campaigns.csv"


@dataclass(frozen=True)
class SegmentAction:
    """What to do with a segment: the campaign, its channel, the offer and what it is for."""

    campaign: str
    channel: str
    offer: str
    goal: str

    def sentence(self) -> str:
        """The action as one line: "Campaign (channel): offer. Goal: goal."."""
        channel = f" ({self.channel})" if self.channel and self.channel != "none" else ""
        offer = f": {self.offer.rstrip('.')}" if self.offer else ""
        goal = f" Goal: {self.goal.rstrip('.')}." if self.goal else ""
        return f"{self.campaign}{channel}{offer}.{goal}"


# A descriptive segment whose absence is its trait: a reminder that claims no churn.
LAPSED_ACTION = SegmentAction(
    "What's new reminder",
    "email",
    "A digest of what changed since their last visit or order",
    "Bring them back for a visit",
)

# For descriptive names: (feature, "high" or "low", persona or action), checked against the
# segment's most distinctive features in order, so the strongest trait picks the action. A
# persona's action is used only when the segment's profile meets that persona's naming rule
# (every feature it speaks of present and distinct by the effect size, see
# behaviorseg.segmentation.naming.rule_eligibility): campaign ideas follow the naming rule, so
# a long absence alone never gets the Churn Risk campaign and frequent orders without app data
# never get the app campaign.
FEATURE_FALLBACK_ACTIONS: tuple[tuple[str, str, str | SegmentAction], ...] = (
    ("inactivity_ratio", "high", "Churn Risk"),
    ("recency_days", "high", LAPSED_ACTION),
    ("days_since_last_session", "high", LAPSED_ACTION),
    ("monetary", "high", "Loyal Big Spenders"),
    ("average_order_value", "high", "Loyal Big Spenders"),
    ("sessions_per_week", "high", "Power Users"),
    ("frequency", "high", "Power Users"),
    ("frequency", "high", "Loyal Big Spenders"),
    ("discounted_order_share", "high", "Bargain Hunters"),
    ("tenure_days", "low", "New Customers"),
    ("support_tickets", "high", "Support Seekers"),
    ("cart_abandonment_rate", "high", "Window Shoppers"),
    ("frequency", "low", "Occasional Buyers"),
)

GENERIC_ACTION = SegmentAction(
    "Test a tailored message",
    "email",
    "An A/B test of one offer built on what sets the segment apart",
    "Learn what moves this segment before scaling a campaign",
)


def actions_from_frame(frame: pd.DataFrame) -> dict[str, SegmentAction]:
    """Actions keyed by segment name from a segment_campaigns-shaped table (missing text -> '')."""
    if frame.empty or "segment_name" not in frame.columns:
        return {}
    rows = frame.reindex(columns=list(ACTION_COLUMNS)).astype(object)
    rows = rows.where(rows.notna(), "")
    return {
        str(row.segment_name): SegmentAction(
            str(row.campaign), str(row.channel), str(row.offer), str(row.goal)
        )
        for row in rows.itertuples(index=False)
        if str(row.segment_name)
    }


def load_segment_actions(path: str | Path = CAMPAIGNS_SEED) -> dict[str, SegmentAction]:
    """Actions keyed by segment name from a campaigns CSV (by default the dbt seed)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"segment campaigns seed not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in ACTION_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"{path}: segment campaigns lack columns {missing}")
    return actions_from_frame(frame)


DEFAULT_SEGMENT_ACTIONS = load_segment_actions()


def merged_actions(
    overrides: Mapping[str, SegmentAction] | None = None,
) -> dict[str, SegmentAction]:
    """The seed's actions with ``overrides`` (the warehouse's rows) replacing same-named ones."""
    return {**DEFAULT_SEGMENT_ACTIONS, **(overrides or {})}


def suggested_action(
    segment_name: str,
    distinctive: Sequence[tuple[str, float]] = (),
    actions: Mapping[str, SegmentAction] = DEFAULT_SEGMENT_ACTIONS,
    z_profile: pd.Series | None = None,
    rules: pd.DataFrame = DEFAULT_NAMING_RULES,
) -> SegmentAction:
    """The action for a segment: by name, else by its most distinctive features, else generic.

    ``distinctive`` is (feature, z) pairs, most distinctive first (see ``distinctive_features``);
    ``z_profile`` is the segment's whole profile (feature -> z), by default those pairs. A
    persona's action is a fallback only where ``rules`` would let that persona name the segment
    (its ``min_segment_median`` conditions cannot be checked on a z profile, so they fail).
    """
    if segment_name in actions:
        return actions[segment_name]
    profile = pd.Series(dict(distinctive) if z_profile is None else z_profile, dtype="float64")
    eligible = rule_eligibility(profile.dropna().to_frame().T, rules).iloc[0]
    for feature, z in distinctive:
        direction = "high" if z > 0 else "low"
        for fallback_feature, fallback_direction, target in FEATURE_FALLBACK_ACTIONS:
            if feature != fallback_feature or direction != fallback_direction:
                continue
            if isinstance(target, SegmentAction):
                return target
            if bool(eligible.get(target, False)) and target in actions:
                return actions[target]
    return GENERIC_ACTION
