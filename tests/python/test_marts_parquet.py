"""Every public mart is published as Parquet and matches its warehouse table row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_helpers import DbtProject

from behaviorseg.marts import public_marts, publish_marts


def test_parquet_marts_match_the_warehouse(generated_build: DbtProject, tmp_path: Path) -> None:
    marts = public_marts(generated_build.work_dir / "target" / "manifest.json")
    names = {table for _, table in marts}
    assert {"customer_features", "customer_segments", "segment_profiles", "fct_sessions"} <= names
    published = publish_marts(generated_build.warehouse, tmp_path, marts)
    assert {mart.relation for mart in published} == {f"{s}.{t}" for s, t in marts}
    with duckdb.connect(str(generated_build.warehouse), read_only=True) as connection:
        for mart in published:
            assert mart.path.exists()
            differing = connection.sql(
                f"select count(*) from ((select * from {mart.relation} "
                f"except all select * from read_parquet('{mart.path}')) "
                f"union all (select * from read_parquet('{mart.path}') "
                f"except all select * from {mart.relation}))"
            ).fetchall()[0][0]
            rows = connection.sql(f"select count(*) from read_parquet('{mart.path}')").fetchall()
            assert differing == 0, mart
            assert rows[0][0] == mart.rows
