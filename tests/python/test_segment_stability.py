"""Segments are stable: a re-run on the same data is identical, and a run on other data (the
features a month earlier) keeps segment ids and names on the same kinds of people.

Runs on a copy of the generated warehouse so the shared build stays as it was.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from dbt_helpers import DbtProject

SEGMENT_QUERY = (
    "select customer_id, segment_id, segment_name, distance_to_centroid "
    "from main.customer_segments order by customer_id"
)


def majority_segment_per_persona(project: DbtProject) -> pd.DataFrame:
    personas = pd.read_parquet(project.raw_dir / "_truth" / "customers.parquet")
    segments = project.query(SEGMENT_QUERY).merge(personas, on="customer_id")
    segments = segments[~segments["is_anomalous"]]
    counts = segments.groupby(["persona", "segment_id", "segment_name"]).size()
    return counts.reset_index(name="customers").sort_values("customers").groupby("persona").last()


@pytest.fixture(scope="module")
def runs(generated_build: DbtProject, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("stability")
    project = DbtProject(
        raw_dir=generated_build.raw_dir, warehouse=work / "warehouse.duckdb", work_dir=work
    )
    shutil.copy(generated_build.warehouse, project.warehouse)
    first = majority_segment_per_persona(project)
    as_of = pd.Timestamp(project.scalar("select max(as_of_date) from main.customer_features"))
    earlier = (as_of - pd.Timedelta(days=28)).date().isoformat()
    rebuild = ("--select", "int_as_of_date_resolved+", "--vars", f"{{as_of_date: '{earlier}'}}")
    project.build(*rebuild)
    second = majority_segment_per_persona(project)
    second_assignments = project.query(SEGMENT_QUERY)
    project.build(*rebuild)
    third_assignments = project.query(SEGMENT_QUERY)
    return first, second, second_assignments, third_assignments


def test_a_rerun_on_the_same_data_is_identical(runs) -> None:
    _, _, second, third = runs
    assert len(second) > 0
    pd.testing.assert_frame_equal(second, third)


def test_new_data_keeps_segment_ids_and_names_on_the_same_people(runs) -> None:
    first, second, _, _ = runs
    kept = (first["segment_id"] == second["segment_id"]) & (
        first["segment_name"] == second["segment_name"]
    )
    # Every persona's main segment keeps its id and name, allowing one persona to move.
    assert kept.sum() >= len(first) - 1, pd.concat([first, second], axis=1, keys=["1st", "2nd"])


def test_dbscan_refits_on_a_rerun_and_keeps_its_noise_segment(
    generated_build: DbtProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # DBSCAN cannot place customers by nearest centroid (its noise and density rule need the
    # fit), so every run refits it, a re-run on the same data included.
    work = tmp_path_factory.mktemp("dbscan")
    project = DbtProject(
        raw_dir=generated_build.raw_dir, warehouse=work / "warehouse.duckdb", work_dir=work
    )
    shutil.copy(generated_build.warehouse, project.warehouse)
    dbscan = ("--select", "int_segment_model_selection+", "--vars", "{segment_algorithm: dbscan}")
    project.build(*dbscan)
    first = project.query(SEGMENT_QUERY)
    noise = project.query(
        "select count(*) as customers from main.customer_segments "
        "where segment_name = 'Unusual Customers'"
    )
    assert noise["customers"].iloc[0] > 0
    rerun = project.build(*dbscan)
    assert "segmentation not refitted" not in rerun.output
    pd.testing.assert_frame_equal(project.query(SEGMENT_QUERY), first)
