"""What the warehouse was last built from, and which models a trigger run can leave as they are.

After a green scheduled run that built every base table (a daily run, or a trigger run, without
extra dbt arguments), ``<warehouse>.built.json`` records what that run read: a digest of each raw
entity's file listing (path, size, modification time, taken before the run), the project digest,
the dbt target, the raw folder, a check value of the PII key and the run's invocation id. The
next trigger run trusts the record only when all of those are the same now and the warehouse's
latest build-like dbt invocation is that run, so a manual build, an erasure or a failed run in
between makes it rebuild everything it selects.

With a trusted record, a SQL model whose data inputs are all unchanged would write exactly what
it holds: the run leaves it out. Its data inputs are its parents except the quality gates (meta
``quality_gate: true``): no model reads a gate's table, the ``depends_on`` on a gate only orders
the build, and the gates themselves always run. A source is unchanged when its raw entity's
listing is (one without a raw entity, such as the raw file loads, only when no entity changed);
a seed is unchanged with the project; a Python model other than a gate is never left out (it
may read more than its parents).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from behaviorseg.pii_key import hmac_hex, key_from_environment

STATE_SUFFIX = ".built.json"
GATE_META_KEY = "quality_gate"


@dataclass(frozen=True)
class LineageNode:
    """What the skip rule needs to know of one dbt node."""

    resource_type: str
    parents: tuple[str, ...] = ()
    raw_entity: str | None = None
    language: str = "sql"
    is_gate: bool = False


def entity_digests(listing: Iterable[tuple[str, int, int]]) -> dict[str, str]:
    """SHA-256 per raw entity (the folder) over its files' (path, size, mtime ns)."""
    by_entity: dict[str, list[tuple[str, int, int]]] = {}
    for path, size, mtime in listing:
        by_entity.setdefault(path.split("/", 1)[0], []).append((path, size, mtime))
    return {
        entity: hashlib.sha256(json.dumps(sorted(files)).encode()).hexdigest()
        for entity, files in sorted(by_entity.items())
    }


def changed_entities(before: Mapping[str, str], now: Mapping[str, str]) -> set[str]:
    """Entities whose listing differs (a file added, replaced or removed, or the entity new or
    gone)."""
    return {entity for entity in set(before) | set(now) if before.get(entity) != now.get(entity)}


def pii_key_check(environment: Mapping[str, str] | None = None) -> str | None:
    """A value that changes with the PII key and reveals nothing of it (HMAC of a constant)."""
    key = key_from_environment(environment)
    return None if key is None else hmac_hex(key, "behaviorseg build state")


def state_path(warehouse: Path | str) -> Path:
    """``<warehouse>.built.json``, next to the warehouse."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + STATE_SUFFIX)


def read_state(warehouse: Path | str) -> dict[str, Any] | None:
    """The stored record, None when there is none or it cannot be read."""
    try:
        return json.loads(state_path(warehouse).read_text())
    except (OSError, ValueError):
        return None


def write_state(warehouse: Path | str, state: Mapping[str, Any]) -> None:
    """Store the record (written whole, then renamed into place)."""
    path = state_path(warehouse)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, sort_keys=True, indent=1) + "\n")
    partial.replace(path)


def trusted_entities(
    stored: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    latest_invocation_id: str | None,
) -> dict[str, str] | None:
    """The stored entity digests when the record still describes the warehouse: same facts
    (project, target, raw folder, PII key) and its run is the latest build; else None."""
    if stored is None or latest_invocation_id is None:
        return None
    if stored.get("invocation_id") != latest_invocation_id:
        return None
    if any(stored.get(fact) != value for fact, value in current.items() if fact != "entities"):
        return None
    entities = stored.get("entities")
    return dict(entities) if isinstance(entities, dict) else None


def lineage_from_manifest(manifest: Any) -> dict[str, LineageNode]:
    """The lineage nodes of a parsed dbt Manifest (nodes and sources)."""
    lineage: dict[str, LineageNode] = {}
    for unique_id, source in manifest.sources.items():
        lineage[unique_id] = LineageNode(
            resource_type="source", raw_entity=(source.meta or {}).get("raw_entity")
        )
    for unique_id, node in manifest.nodes.items():
        meta = node.config.meta or {}
        lineage[unique_id] = LineageNode(
            resource_type=str(node.resource_type),
            parents=tuple(getattr(node.depends_on, "nodes", ()) or ()),
            language=str(getattr(node, "language", "sql") or "sql"),
            is_gate=bool(meta.get(GATE_META_KEY)),
        )
    return lineage


def models_to_leave(
    lineage: Mapping[str, LineageNode], selected: Iterable[str], changed: set[str]
) -> set[str]:
    """The selected models and seeds that read only unchanged inputs (the module docstring's
    rule), in a run where the raw entities ``changed`` have new, replaced or removed files."""
    selected = set(selected)
    memo: dict[str, bool] = {}

    def unchanged(unique_id: str) -> bool:
        if unique_id in memo:
            return memo[unique_id]
        memo[unique_id] = False  # a cycle (none in a dbt DAG) counts as changed
        node = lineage.get(unique_id)
        if node is None:
            result = False
        elif node.resource_type == "source":
            result = node.raw_entity not in changed if node.raw_entity else not changed
        elif node.resource_type == "seed":
            result = True
        elif node.resource_type == "model" and node.language == "sql" and not node.is_gate:
            result = all(
                unchanged(parent)
                for parent in node.parents
                if not (parent in lineage and lineage[parent].is_gate)
            )
        else:
            result = False
        memo[unique_id] = result
        return result

    return {
        unique_id
        for unique_id in selected
        if unique_id in lineage
        and lineage[unique_id].resource_type in ("model", "seed")
        and unchanged(unique_id)
    }
