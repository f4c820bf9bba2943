"""Segment sizes remembered between report builds, in a small JSON file next to the report.

The file keeps the last few builds' sizes. The baseline for "change since the last run" is the
newest stored build that differs from the current one (another as-of date or other sizes), so
rendering the report twice from the same warehouse still compares with the run before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEPT_SNAPSHOTS = 12


def sizes_path(report_path: Path) -> Path:
    """Where a report's sizes are kept: segment_health.html -> segment_health.sizes.json."""
    return report_path.with_suffix(".sizes.json")


def read_snapshots(path: Path) -> list[dict[str, Any]]:
    """Stored snapshots, newest last; an absent or unreadable file gives none."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    snapshots = content.get("snapshots", []) if isinstance(content, dict) else []
    return [s for s in snapshots if isinstance(s, dict) and isinstance(s.get("sizes"), dict)]


def is_same_build(snapshot: Mapping[str, Any], as_of_date: str, sizes: Mapping[str, int]) -> bool:
    """A snapshot of the same warehouse build: same as-of date and the same sizes."""
    stored = {str(name): int(count) for name, count in snapshot.get("sizes", {}).items()}
    return snapshot.get("as_of_date") == as_of_date and stored == dict(sizes)


def baseline_sizes(
    snapshots: list[dict[str, Any]], as_of_date: str, sizes: Mapping[str, int]
) -> dict[str, int] | None:
    """Sizes of the newest snapshot from another build, or None on the first run."""
    for snapshot in reversed(snapshots):
        if not is_same_build(snapshot, as_of_date, sizes):
            return {str(name): int(count) for name, count in snapshot["sizes"].items()}
    return None


def record_snapshot(
    path: Path,
    snapshots: list[dict[str, Any]],
    *,
    as_of_date: str,
    built_at: str,
    sizes: Mapping[str, int],
) -> None:
    """Append this build's sizes (unless the newest snapshot is the same build) and save."""
    snapshots = list(snapshots)
    if not snapshots or not is_same_build(snapshots[-1], as_of_date, sizes):
        snapshots.append({"as_of_date": as_of_date, "built_at": built_at, "sizes": dict(sizes)})
    content = {"snapshots": snapshots[-KEPT_SNAPSHOTS:]}
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
