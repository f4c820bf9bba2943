"""The alert rows both drift methods write (segment_drift_alerts)."""

from __future__ import annotations

ALERT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "metric",
    "alert_date",
    "rule",
    "value",
    "limit",
    "severity",
)
