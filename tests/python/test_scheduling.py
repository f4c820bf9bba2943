"""`make daily` and `make triggers`: the lock that serialises them, and the daily selection.

One small warehouse (150 customers, 20 days, the trigger marts and what they need) is built
once; a new day and a fresh cart add then land, and a daily run and a trigger run start at the
same moment on it. They must both succeed, one after the other (their dbt invocations in the
build log do not overlap), and the marts must be right: the cart fires exactly once, every
staged event is sessionised once.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dbt_helpers import PROJECT_DIR, DbtProject, make_project

from behaviorseg.bench import trigger_row_found, write_cart_probe
from behaviorseg.scheduling import DAILY_DBT_ARGS, lock_path, warehouse_lock
from behaviorseg.synthetic import generate

BEHAVIORSEG = Path(sys.executable).with_name("behaviorseg")
TRIGGER_SUBGRAPH = ("--select", "+abandoned_carts", "+session_offers")


def test_the_lock_serialises_two_holders(tmp_path: Path) -> None:
    """Two processes taking the same warehouse's lock hold it one after the other."""
    warehouse = tmp_path / "warehouse.duckdb"
    holder = (
        "import sys, time\n"
        "from behaviorseg.scheduling import warehouse_lock\n"
        "with warehouse_lock(sys.argv[1], sys.argv[2]):\n"
        "    start = time.time(); time.sleep(1.0); print(start, time.time())\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", holder, str(warehouse), name], stdout=subprocess.PIPE, text=True
        )
        for name in ("first", "second")
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    windows = sorted(tuple(float(value) for value in output.split()[-2:]) for output in outputs)
    assert windows[0][1] <= windows[1][0], windows
    assert any("waiting for" in output for output in outputs), outputs
    assert lock_path(warehouse).exists()


def test_a_held_lock_is_released_when_its_holder_dies(tmp_path: Path) -> None:
    """A killed holder leaves no stale lock: the next run gets it at once."""
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom behaviorseg.scheduling import warehouse_lock\n"
            "with warehouse_lock(sys.argv[1], 'doomed'):\n    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=30)
    with warehouse_lock(warehouse, "next") as waited:
        assert waited < 5


def test_daily_selection_has_every_data_test_and_no_unit_test(tmp_path: Path) -> None:
    """The daily `dbt build` selects every data test and model of the project, no unit test."""
    project = make_project(tmp_path)
    env = project.environment()
    listing = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "ls",
            *DAILY_DBT_ARGS[1:],
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            "resource_type",
            "-q",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    selected = [json.loads(line) for line in listing.stdout.splitlines() if line.startswith("{")]
    types = {node["resource_type"] for node in selected}
    manifest = json.loads((project.work_dir / "target" / "manifest.json").read_text())
    data_tests = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    models = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    ids = {node["unique_id"] for node in selected}
    assert manifest["unit_tests"], "the project has unit tests the daily run must leave out"
    assert "unit_test" not in types
    assert data_tests and data_tests <= ids
    assert models <= ids


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, Path]:
    """The trigger subgraph built on all but the last day of a small generated data set."""
    work = tmp_path_factory.mktemp("scheduling")
    generated = work / "generated"
    generate(out_dir=generated, customers=150, days=20, seed=11, start_date=dt.date(2025, 3, 1))
    project = make_project(work)
    last_day = max(path.stem for path in generated.glob("web_events/*.parquet"))
    for path in generated.glob("*/*.parquet"):
        if not path.parent.name.startswith("_") and path.stem != last_day:
            (project.raw_dir / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, project.raw_dir / path.parent.name / path.name)
    project.build(*TRIGGER_SUBGRAPH)
    for path in generated.glob(f"*/{last_day}.parquet"):
        if not path.parent.name.startswith("_"):
            shutil.copy2(path, project.raw_dir / path.parent.name / path.name)
    return project, generated


def test_daily_and_triggers_started_together_serialise_and_agree(
    small_warehouse: tuple[DbtProject, Path],
) -> None:
    project, _ = small_warehouse
    probe = write_cart_probe(project.warehouse, project.raw_dir)
    env = project.environment()
    common = ["--warehouse", str(project.warehouse), "--raw-dir", str(project.raw_dir)]
    commands = {
        # The daily run on the same subgraph (its extra dbt arguments narrow the selection).
        "daily": [str(BEHAVIORSEG), "daily", *common, "--", *TRIGGER_SUBGRAPH],
        "triggers": [str(BEHAVIORSEG), "triggers", *common],
    }
    processes = {
        name: subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, command in commands.items()
    }
    outputs = {name: process.communicate(timeout=600)[0] for name, process in processes.items()}
    for name, process in processes.items():
        assert process.returncode == 0, f"{name}:\n{outputs[name][-4000:]}"
    assert sum("waiting for" in output for output in outputs.values()) == 1, outputs

    # The two dbt invocations of this test ran one after the other.
    runs = project.query(
        """
        select invocation_id,
            min(recorded_at) filter (where status = 'started') as started_at,
            max(recorded_at) filter (where status in ('green', 'failed')) as ended_at,
            max(status) filter (where status in ('green', 'failed')) as outcome
        from audit.build_status
        group by invocation_id
        order by started_at desc
        limit 2
        """
    )
    assert list(runs["outcome"]) == ["green", "green"]
    later, earlier = runs.iloc[0], runs.iloc[1]
    assert earlier["ended_at"] <= later["started_at"]

    assert trigger_row_found(project.warehouse, probe)
    fired = project.scalar(
        f"select count(*) from main.abandoned_carts where customer_id = '{probe['customer_id']}'"
        f" and last_cart_add_at = timestamp '{probe['cart_at']}'"
    )
    assert fired == 1
    assert (
        project.scalar(
            "select count(*) - count(distinct idempotency_key) from main.abandoned_carts"
        )
        == 0
    )
    staged = project.scalar(
        "select (select count(*) from staging.stg_web__events)"
        " + (select count(*) from staging.stg_app__events)"
    )
    sessionised = project.scalar(
        "select count(distinct event_key) from intermediate.int_events_sessionised"
    )
    assert sessionised == staged

    # Nothing changed since: a second daily run is skipped without building.
    again = subprocess.run(
        commands["daily"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert "nothing to do" in again.stdout, again.stdout[-2000:]
    assert "START" not in again.stdout
