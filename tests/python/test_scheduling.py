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
from dbt_helpers import PROJECT_DIR, TEST_PII_KEY, DbtProject, make_project

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


def run_triggers(project: DbtProject, warehouse: Path | None = None) -> str:
    """`behaviorseg triggers` on the project's raw folder (and ``warehouse``, its own by
    default); fails the test when it fails. Its output."""
    warehouse = warehouse or project.warehouse
    completed = subprocess.run(
        [
            str(BEHAVIORSEG),
            "triggers",
            "--warehouse",
            str(warehouse),
            "--raw-dir",
            str(project.raw_dir),
        ],
        cwd=PROJECT_DIR,
        env={**project.environment(), "DUCKDB_PATH": str(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    return output


def left_as_built(output: str) -> set[str]:
    """The models a trigger run said it left as built."""
    marker = "left as built (no raw file they read changed since the last green run): "
    lines = [line for line in output.splitlines() if marker in line]
    return set(lines[0].split(marker, 1)[1].split(", ")) if lines else set()


# The tables a trigger run builds from the non-event raw entities, and what must not be left
# when an orders file lands.
NON_EVENT_BASE_TABLES = (
    "base_commerce__orders",
    "base_commerce__order_items",
    "base_crm__customers",
    "base_experiments__assignments",
    "base_support__tickets",
)
ORDER_MODELS = {"base_commerce__orders", "stg_commerce__orders", "fct_orders"}


# When a run loaded a file's rows: two runs that load the same new file differ there only.
LOAD_TIMES = ("file_loaded_at", "loaded_at")


def ordered_rows(warehouse: Path, table: str, leave_out: tuple[str, ...] = ()) -> list[tuple]:
    """Every row of a table but the columns ``leave_out``, sorted (to compare two copies)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        columns = [
            row[0]
            for row in connection.execute(f"describe {table}").fetchall()
            if row[0] not in leave_out
        ]
        listed = ", ".join(f'"{column}"' for column in columns)
        return connection.execute(f"select {listed} from {table} order by all").fetchall()


def test_a_trigger_run_leaves_models_whose_raw_files_did_not_change(
    small_warehouse: tuple[DbtProject, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a green scheduled run, a trigger run with no new file leaves every SQL model as
    built (the gates still run); with a new orders file it rebuilds the order models only of the
    non-event ones, and its tables equal a run that rebuilt everything from the same start."""
    from behaviorseg.build_state import read_state, trusted_entities
    from behaviorseg.scheduling import build_facts, latest_green_invocation

    project, _ = small_warehouse
    run_triggers(project)  # a green scheduled run: from here on its record is trusted
    unchanged = run_triggers(project)
    left = left_as_built(unchanged)
    assert (
        set(NON_EVENT_BASE_TABLES) | {"base_web__events", "abandoned_carts", "identity_map"} <= left
    )
    assert not {"dq_gate_raw", "dq_gate_staging"} & left
    assert "python table model quality.dq_gate_raw" in unchanged
    assert "model staging.base_commerce__orders" not in unchanged

    rebuilt_everything = project.work_dir / "rebuilt_everything.duckdb"
    shutil.copy2(project.warehouse, rebuilt_everything)
    orders = sorted((project.raw_dir / "orders").glob("*.parquet"))[-1]
    landed = project.raw_dir / "orders" / "zz-trigger-state-order.parquet"
    import duckdb

    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * replace ('trigger-state-order-1' as order_id)"
            f" from read_parquet('{orders}') limit 1) to '{landed}' (format parquet)"
        )
    with_order = run_triggers(project)
    left = left_as_built(with_order)
    assert not ORDER_MODELS & left, left
    assert {"base_crm__customers", "base_support__tickets", "base_web__events"} <= left
    assert "model staging.base_commerce__orders" in with_order
    assert (
        project.scalar(
            "select count(*) from main.fct_orders where order_id = 'trigger-state-order-1'"
        )
        == 1
    )

    # The same start, the same new file, every model rebuilt: the tables left as built equal
    # their rebuild, and what read them is the same (but when the new file's rows were loaded).
    everything = run_triggers(project, rebuilt_everything)  # no record for this copy
    assert left_as_built(everything) == set()
    for table in [*sorted(left & set(NON_EVENT_BASE_TABLES)), "base_web__events"]:
        assert ordered_rows(project.warehouse, f"staging.{table}") == ordered_rows(
            rebuilt_everything, f"staging.{table}"
        ), table
    for table in ("staging.base_commerce__orders", "main.fct_orders", "main.identity_map"):
        assert ordered_rows(project.warehouse, table, LOAD_TIMES) == ordered_rows(
            rebuilt_everything, table, LOAD_TIMES
        ), table

    # Any other build since (here a manual `dbt run`) and the record is no longer trusted.
    monkeypatch.setenv("PII_HASH_SALT", TEST_PII_KEY)
    facts = build_facts(project.raw_dir, PROJECT_DIR)
    assert trusted_entities(
        read_state(project.warehouse), facts, latest_green_invocation(project.warehouse)
    )
    assert project.run("run", "--select", "stg_support__tickets").ok
    assert (
        trusted_entities(
            read_state(project.warehouse), facts, latest_green_invocation(project.warehouse)
        )
        is None
    )
