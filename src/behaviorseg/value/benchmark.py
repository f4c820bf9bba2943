"""The customer-value benchmark: the CLV and churn models at a million customers, through dbt.

`run_value_benchmark` draws ``customers`` customers from the BG/NBD and Gamma-Gamma processes
(the CDNOW estimates, ``behaviorseg.value.simulate``) over 78 weeks, writes their purchases as
raw order files (one per week, the orders-only contract), and runs `dbt build` of the value
marts and everything they read (staging, identity, orders, customer features, churn
snapshots), timing each stage from dbt's run results and sampling memory like `make bench`.
It also reads back the live fit next to the parameters the data were drawn with, and the
churn model's validation. Results go to ``<out>/results_clv_<customers>.json``,
``<out>/results_clv.md`` and, under ``customer_value``, into ``<out>/results.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from behaviorseg.bench import (
    dbt_environment,
    machine_facts,
    node_locations,
    node_timings,
    run_measured,
    stage_table,
)
from behaviorseg.value.simulate import SimulatedPopulation, simulate_transactions

BENCH_START = dt.date(2024, 1, 1)
BENCH_DAYS = 546  # 78 weeks, as CDNOW's sample
BENCH_SEED = 20
# The value marts; `dbt build --select +<mart>` builds them and everything they read.
VALUE_MARTS = (
    "clv_model_parameters",
    "customer_lifetime_value",
    "clv_validation",
    "customer_churn_risk",
    "churn_model_validation",
)
VALUE_MODELS = tuple(f"int_{mart}" for mart in VALUE_MARTS)


def write_raw_orders(transactions: pd.DataFrame, raw_dir: Path) -> int:
    """The purchases as raw order files, one per week of order dates; returns the orders."""
    folder = raw_dir / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    frame = transactions.sort_values(["transaction_date", "customer_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    week = (frame["transaction_date"] - pd.Timestamp(BENCH_START)).dt.days // 7
    orders = pd.DataFrame(
        {
            "order_id": "O" + frame.index.astype(str),
            "customer_id": frame["customer_id"],
            "order_ts": frame["transaction_date"].dt.strftime("%Y-%m-%dT12:00:00Z"),
            "total_amount": frame["amount"],
            "status": "completed",
        }
    )
    for number, rows in orders.groupby(week, sort=True):
        pq.write_table(
            pa.Table.from_pandas(rows, preserve_index=False),
            folder / f"week_{int(number):03d}.parquet",
        )
    return len(orders)


def read_back(warehouse: Path) -> dict[str, object]:
    """The live BG/NBD and Gamma-Gamma fits and the churn validation, from the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        parameters = connection.execute(
            "select model, parameter, value from main.clv_model_parameters where fit = 'live'"
        ).df()
        churn = connection.execute(
            "select population, auc, baseline_recency_auc, baseline_p_alive_auc, "
            "auc_on_p_alive_customers, brier_score, training_customers "
            "from main.churn_model_validation where row_type = 'overall'"
        ).df()
        counts = {
            mart: connection.execute(f"select count(*) from main.{mart}").fetchone()[0]
            for mart in VALUE_MARTS
        }
    return {
        "live_fit": {
            f"{row.model}.{row.parameter}": round(float(row.value), 4)
            for row in parameters.itertuples()
        },
        "churn_validation": churn.round(4).to_dict(orient="records"),
        "rows": counts,
    }


def run_value_benchmark(
    customers: int, out_dir: Path | str, project_dir: Path | str
) -> dict[str, object]:
    """Simulate, write raw orders, build the value marts, read back; write the results."""
    out_dir = Path(out_dir).resolve()
    project_dir = Path(project_dir).resolve()
    work = out_dir / f"work_clv_{customers}"
    shutil.rmtree(work, ignore_errors=True)
    raw_dir = work / "raw"
    raw_dir.mkdir(parents=True)
    population = SimulatedPopulation()
    started = time.time()
    transactions = simulate_transactions(
        customers, BENCH_START, BENCH_DAYS, population=population, seed=BENCH_SEED
    )
    orders = write_raw_orders(transactions, raw_dir)
    simulate_s = time.time() - started
    as_of = BENCH_START + dt.timedelta(days=BENCH_DAYS - 1)
    env = dbt_environment(work, raw_dir, project_dir)
    dbt = [str(Path(sys.executable).parent / "dbt"), "--no-use-colors"]
    selection = [f"+{mart}" for mart in VALUE_MARTS]
    build = run_measured(
        # cautious: a test runs when every model it reads is built (not the segment tests
        # that also read customer_features).
        [
            *dbt,
            "build",
            "--select",
            *selection,
            "--indirect-selection",
            "cautious",
            "--vars",
            f"{{as_of_date: '{as_of}'}}",
        ],
        env,
        project_dir,
        work / "build.log",
    )
    nodes = node_timings(work / "target" / "run_results.json")
    locations = node_locations(work / "target" / "manifest.json")
    stages = [{"name": "simulate and write orders", "wall_s": round(simulate_s, 2)}]
    stages += stage_table(nodes, locations, build.sampler)
    models = {
        node["unique_id"].rsplit(".", 1)[-1]: round(node["end"] - node["start"], 2)
        for node in nodes
        if node["unique_id"].rsplit(".", 1)[-1] in VALUE_MODELS
    }
    results = {
        "customers": customers,
        "orders": orders,
        "as_of_date": str(as_of),
        "dbt_build_wall_s": round(build.wall_s, 2),
        "peak_rss_mb": round(build.peak_rss_mb, 1),
        "stages": stages,
        "value_models_s": models,
        "simulated_parameters": asdict(population),
        **read_back(work / "warehouse.duckdb"),
        "machine": machine_facts(),
    }
    write_value_results(out_dir, results)
    return results


def write_value_results(out_dir: Path, results: dict[str, object]) -> None:
    """results_clv_<customers>.json, results_clv.md, and the ``customer_value`` key of
    results.json (the pipeline benchmark's file, kept as it is otherwise)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    (out_dir / f"results_clv_{results['customers']}.json").write_text(text)
    (out_dir / "results_clv.md").write_text(value_markdown(results))
    combined_path = out_dir / "results.json"
    combined = json.loads(combined_path.read_text()) if combined_path.exists() else {}
    combined["customer_value"] = results
    combined_path.write_text(json.dumps(combined, indent=2) + "\n")


def value_markdown(results: dict[str, object]) -> str:
    """The stage table and the headline figures in Markdown."""
    machine = results["machine"]
    lines = [
        f"### Customer value: {results['customers']:,} customers, {results['orders']:,} orders "
        f"(78 weeks)",
        "",
        "| stage | wall s | peak RSS MB |",
        "| --- | ---: | ---: |",
    ]
    for stage in results["stages"]:
        peak = stage.get("peak_rss_mb")
        peak_text = "-" if peak is None else f"{peak:,.0f}"
        lines.append(f"| {stage['name']} | {stage['wall_s']:,.1f} | {peak_text} |")
    models = ", ".join(
        f"{name} {seconds:,.1f} s" for name, seconds in results["value_models_s"].items()
    )
    lines += [
        "",
        f"- `dbt build` of the value marts and what they read: **{results['dbt_build_wall_s']:,.0f}"
        f" s**, peak memory **{results['peak_rss_mb']:,.0f} MB**",
        f"- value models: {models}",
        f"- machine: {machine['cpus']} CPUs, {machine['memory_gb']} GB, {machine['platform']}, "
        f"Python {machine['python']}, measured {machine['measured_at']}",
        "",
    ]
    return "\n".join(lines)
