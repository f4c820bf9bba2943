"""Shared fixtures: tests import the helpers from this folder.

`generated_build` is one small generated data set (with its ground truth) built once per test
session; every test that checks the pipeline against planted truth reads it.
"""

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbt_helpers import DbtProject, make_project

from behaviorseg.synthetic import generate

# Big enough for every planted signal to be found, small enough for CI (~1 minute to build).
GENERATED_CUSTOMERS = 2500
GENERATED_DAYS = 150
GENERATED_SEED = 3
GENERATED_START = dt.date(2025, 9, 1)


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """A warehouse built by `dbt build` from a generated raw data set (truth in raw/_truth)."""
    project = make_project(tmp_path_factory.mktemp("generated"))
    generate(
        out_dir=project.raw_dir,
        customers=GENERATED_CUSTOMERS,
        days=GENERATED_DAYS,
        seed=GENERATED_SEED,
        start_date=GENERATED_START,
    )
    project.build()
    return project


@pytest.fixture(scope="session")
def cdnow_wheel(request: pytest.FixtureRequest) -> Path:
    """The lifetimes wheel holding the CDNOW data (downloaded once into pytest's cache)."""
    from cdnow_data import lifetimes_wheel

    return lifetimes_wheel(Path(request.config.cache.mkdir("lifetimes-wheel")))
