"""What a build produced: row counts per warehouse layer, for `make demo` to print."""

from __future__ import annotations

from pathlib import Path

import duckdb

from behaviorseg.pii_key import set_key_variables

# Schema -> the layer it holds, in pipeline order; schemas not listed are shown after these.
LAYERS: dict[str, str] = {
    "raw": "raw (views over the files)",
    "staging": "staging",
    "main": "marts",
    "quality": "quality",
    "reference": "seeds",
}


def warehouse_row_counts(warehouse: Path) -> list[tuple[str, str, int | None]]:
    """(schema, table, rows) for every table and view in the warehouse, in layer order. The raw
    views hash PII with the key (PII_HASH_SALT, as dbt's connections have it): without it in
    the environment, or when a raw file has gone since the build, their rows are None."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        set_key_variables(connection)
        relations = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views() where not internal "
            "order by 1, 2"
        ).fetchall()
        counts: list[tuple[str, str, int | None]] = []
        for schema, table in relations:
            try:
                (rows,) = connection.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()
            except duckdb.Error:
                rows = None
            counts.append((schema, table, None if rows is None else int(rows)))
    order = {schema: position for position, schema in enumerate(LAYERS)}
    return sorted(counts, key=lambda row: (order.get(row[0], len(order)), row[0], row[1]))


def render(warehouse: Path, raw_dir: Path) -> str:
    """A plain-text summary of the warehouse and where the outputs are."""
    if not warehouse.exists():
        return f"No warehouse at {warehouse}: run `make demo` first."
    lines = [f"Warehouse {warehouse} (raw files from {raw_dir}/):"]
    current_schema = None
    for schema, table, rows in warehouse_row_counts(warehouse):
        if schema != current_schema:
            lines.append(f"  {LAYERS.get(schema, schema)} [{schema}]")
            current_schema = schema
        shown = "-" if rows is None else f"{rows:,}"
        lines.append(f"    {table:<40} {shown:>12}")
    lines.append(
        'Query it with: .venv/bin/python -c "import duckdb; '
        f"print(duckdb.connect('{warehouse}', read_only=True).sql('show all tables'))\""
    )
    lines.extend(output_lines(warehouse.parent))
    return "\n".join(lines)


# Where `make demo` writes its outputs, relative to the warehouse's folder (data/).
OUTPUTS: dict[str, str] = {
    "marts/": "public marts as Parquet (BI reads these without locking the warehouse)",
    "exports/segment_memberships.csv": "segment export for CRM/CDP (also .parquet, .jsonl)",
    "exports/segment_membership_changes.csv": "joined/left since the previous export",
    "reports/segment_health.html": "segment health report (open offline in a browser)",
    "quality/docs/index.html": "Great Expectations Data Docs",
}


def output_lines(data_dir: Path) -> list[str]:
    """One line per output that exists, with what it is."""
    found = [
        f"  {data_dir / name}  - {meaning}"
        for name, meaning in OUTPUTS.items()
        if (data_dir / name).exists()
    ]
    return ["Outputs:", *found] if found else []
