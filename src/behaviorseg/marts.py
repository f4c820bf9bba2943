"""The public marts as Parquet files, for BI tools that should never lock the warehouse.

A public mart is a dbt model with an enforced contract (what BI reads); the list comes from
dbt's manifest, so a new mart is published without touching this code. Each file is written to
a temporary name and renamed into place: a reader sees the old file or the new one, never a
half-written one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class PublishedMart:
    """One mart written as Parquet."""

    relation: str
    path: Path
    rows: int


# Tables outside dbt's models that BI reads too: the quality gates' log.
LOG_TABLES: tuple[tuple[str, str], ...] = (("quality", "dq_validation_results"),)


def public_marts(manifest_path: Path | str) -> list[tuple[str, str]]:
    """(schema, table) of every model with an enforced contract in dbt's manifest.json, and
    the quality log."""
    manifest = json.loads(Path(manifest_path).read_text())
    marts = [
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node.get("config", {}).get("contract", {}).get("enforced")
    ]
    return sorted(set(marts) | set(LOG_TABLES))


def publish_marts(
    warehouse: Path | str, out_dir: Path | str, marts: list[tuple[str, str]]
) -> list[PublishedMart]:
    """Copy each existing mart to ``<out_dir>/<table>.parquet`` (atomically replaced)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    published = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        existing = {
            (schema, table)
            for schema, table in connection.sql(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        for schema, table in marts:
            if (schema, table) not in existing:
                continue
            target = out_dir / f"{table}.parquet"
            partial = out_dir / f".{table}.parquet.tmp"
            relation = f'"{schema}"."{table}"'
            connection.execute(f"copy {relation} to '{partial}' (format parquet)")
            os.replace(partial, target)
            rows = connection.sql(f"select count(*) from {relation}").fetchall()[0][0]
            published.append(PublishedMart(f"{schema}.{table}", target, int(rows)))
    return published
