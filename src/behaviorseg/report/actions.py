"""Suggested actions per segment: a small name -> action table with a profile-based fallback.

The table mirrors the seed ``segment_campaigns`` (segment_name, campaign, channel, offer, goal):
when the warehouse has ``reference.segment_campaigns`` its rows replace these defaults, so
marketing edits one CSV instead of this module. Segments with a descriptive name (no rule
matched, e.g. "High app share, frequent sessions") get an action from their most distinctive
feature (a persona's action only where the profile meets that persona's naming rule), and a
generic one when none of those fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from behaviorseg.segmentation.naming import DEFAULT_NAMING_RULES, rule_eligibility

ACTION_COLUMNS: tuple[str, ...] = ("segment_name", "campaign", "channel", "offer", "goal")


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


DEFAULT_SEGMENT_ACTIONS: dict[str, SegmentAction] = {
    "Power Users": SegmentAction(
        "Loyalty rewards and early access",
        "app push",
        "Members-only early access to new features and products",
        "Retain and turn into advocates",
    ),
    "Loyal Big Spenders": SegmentAction(
        "VIP concierge programme",
        "email",
        "Free express shipping and a personal shopper",
        "Protect the highest revenue",
    ),
    "Occasional Buyers": SegmentAction(
        "Education and cross-sell",
        "email",
        "Guides and bundles built on their last purchase",
        "Shorten the gap between orders",
    ),
    "Bargain Hunters": SegmentAction(
        "Value messaging without blanket discounts",
        "email",
        "Price-drop alerts on their watched categories",
        "Keep margin while keeping them buying",
    ),
    "Window Shoppers": SegmentAction(
        "First purchase nudge",
        "onsite",
        "Reminder of viewed products with social proof",
        "Convert browsing into a first order",
    ),
    "New Customers": SegmentAction(
        "Onboarding series",
        "email",
        "Welcome series with a second-order incentive",
        "Reach a second order within 60 days",
    ),
    "Churn Risk": SegmentAction(
        "Re-engagement",
        "email",
        "Win-back offer and a what's-new digest",
        "Reactivate before they lapse for good",
    ),
    "Support Seekers": SegmentAction(
        "Service recovery",
        "phone",
        "Proactive support follow-up and a goodwill credit",
        "Fix the experience before it costs the customer",
    ),
    "Unusual Customers": SegmentAction(
        "Review before contacting",
        "none",
        "No campaign until reviewed (possible bots or fraud)",
        "Protect the business",
    ),
}

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


def merged_actions(
    overrides: Mapping[str, SegmentAction] | None = None,
) -> dict[str, SegmentAction]:
    """The default actions with ``overrides`` (e.g. the seed's rows) replacing same-named ones."""
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
            if bool(eligible.get(target, False)):
                return actions.get(target, DEFAULT_SEGMENT_ACTIONS[target])
    return GENERIC_ACTION
