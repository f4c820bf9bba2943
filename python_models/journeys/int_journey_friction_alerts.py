"""Journey friction alerts: weekly transition probabilities that departed from their own rolling
baseline beyond chance (behaviorseg.friction: two-proportion score test, Benjamini-Hochberg
across each week's tests, a minimum count and a minimum absolute change)."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.friction import FrictionRule, friction_alerts


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    rule = FrictionRule(
        baseline_weeks=int(options["journey_baseline_weeks"]),
        min_transitions=int(options["journey_min_transitions"]),
        min_abs_change=float(options["journey_min_abs_change"]),
        critical_abs_change=float(options["journey_critical_abs_change"]),
        fdr_alpha=float(options["journey_fdr_alpha"]),
    )
    alerts = friction_alerts(frame(dbt.ref("journey_transitions_weekly")), rule)
    log("int_journey_friction_alerts", f"{len(alerts)} alerts")
    return alerts
