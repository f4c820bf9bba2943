"""The pipeline benchmark: wall time and peak memory per stage at a given event volume.

`run_benchmark` generates a data set of about ``events`` web + app events over ``BENCH_DAYS``
days plus two held-back load days, runs one full `dbt build` while sampling the memory of the
dbt process tree, then adds the first held-back day and runs `dbt build` again (the
incremental run: a day of data on a day the fitted models are not due), then adds the second
and runs `dbt build --vars '{model_refit_days: 0}'` (a day on which every fitted model
refits), and finally the exports. Stage times come from dbt's run_results.json (each node's
execution window), so the builds are measured exactly as users run them. A stage's peak memory
is the highest resident memory of the whole process tree sampled while any of its nodes ran.
Results go to ``<out>/results.json`` and a Markdown table ``<out>/results.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from behaviorseg.synthetic import generate

# Events (web + app, visitors and bots included) the generator makes per customer per year of
# data, measured on the demo (9.96M events from 20,000 customers over 365 days).
EVENTS_PER_CUSTOMER_YEAR = 498
BENCH_DAYS = 365
BENCH_SEED = 42
BENCH_START = dt.date(2025, 10, 1)
SAMPLE_SECONDS = 0.2

# Stages in pipeline order: (stage, path fragments or node names it holds). A node (model,
# seed, snapshot, and the tests of a model) belongs to the first stage one of whose fragments
# is in its file path or name.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("quality gate: raw", ("dq_gate_raw",)),
    ("staging", ("models/staging/", "models/marts/quality/", "seeds/")),
    ("quality gate: staging", ("dq_gate_staging",)),
    ("identity", ("intermediate/identity/", "identity_map")),
    ("events and sessions", ("intermediate/events/", "intermediate/sessions/", "fct_sessions")),
    ("orders and customers", ("fct_orders", "dim_customers")),
    ("features", ("intermediate/features/", "customer_features")),
    ("python: anomalies", ("python_models/anomalies/", "customer_anomalies")),
    ("python: segmentation", ("python_models/segmentation/", "marts/segments/", "snapshots/")),
    ("journeys", ("journeys/",)),
    ("python: forecasts and backtests", ("forecast",)),
    ("python: decomposition, control charts, drift", ("activity/",)),
    ("experiments", ("experiments/", "experiment_results")),
    ("python: customer value", ("intermediate/value/", "python_models/value/", "marts/value/")),
    ("quality gate: marts", ("dq_gate_marts",)),
    ("activation", ("marts/activation/",)),
    ("other", ("",)),
)


def stage_of(path_or_name: str) -> str:
    """The stage of a node, from its file path (or name)."""
    return next(stage for stage, fragments in STAGES if any(f in path_or_name for f in fragments))


def node_locations(manifest: Path) -> dict[str, str]:
    """unique_id -> 'file path | name' of every node; a test gets the model it tests."""
    document = json.loads(manifest.read_text())
    nodes = {**document["nodes"], **document.get("unit_tests", {})}
    located = {
        unique_id: f"{node.get('original_file_path', '')} | {node.get('name', '')}"
        for unique_id, node in nodes.items()
    }
    for unique_id, node in nodes.items():
        tested = node.get("attached_node") or (
            node.get("depends_on", {}).get("nodes", [None])[0]
            if unique_id.startswith("unit_test.")
            else None
        )
        if tested in located:
            located[unique_id] = located[tested]
    return located


def customers_for_events(events: int, days: int = BENCH_DAYS) -> int:
    """Customers the generator needs for about ``events`` events over ``days`` days."""
    return max(100, round(events / (EVENTS_PER_CUSTOMER_YEAR * days / 365)))


@dataclass
class MemorySampler:
    """Samples the resident memory (MB) of a process and its children in a thread."""

    pid: int
    samples: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), tree_rss_mb(self.pid)))
            time.sleep(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_between(self, start: float, end: float) -> float:
        """Highest sample in [start, end] (the nearest sample when none falls inside)."""
        inside = [rss for moment, rss in self.samples if start <= moment <= end]
        if inside:
            return max(inside)
        if not self.samples:
            return 0.0
        return min(self.samples, key=lambda sample: abs(sample[0] - start))[1]

    @property
    def peak(self) -> float:
        return max((rss for _, rss in self.samples), default=0.0)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total_kb = 0
    for child in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{child}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
                        break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total_kb / 1024


def descendants(pid: int) -> list[int]:
    """All descendant process ids (children, grandchildren, ...)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children_file = Path(f"/proc/{parent}/task/{parent}/children")
            children = [int(child) for child in children_file.read_text().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            children = []
        found.extend(children)
        frontier.extend(children)
    return found


@dataclass(frozen=True)
class MeasuredRun:
    """One command's wall time and peak memory, and dbt's node timings when it was dbt."""

    wall_s: float
    peak_rss_mb: float
    sampler: MemorySampler
    nodes: list[dict]


def run_measured(command: Sequence[str], env: dict[str, str], cwd: Path, log: Path) -> MeasuredRun:
    """Run a command, sampling its memory; fails loudly with the tail of its output."""
    started = time.time()
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        sampler = MemorySampler(process.pid)
        code = process.wait()
        sampler.stop()
    wall = time.time() - started
    if code != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({code}); see {log}:\n" + log.read_text()[-3000:]
        )
    return MeasuredRun(wall, sampler.peak, sampler, [])


def node_timings(run_results: Path) -> list[dict]:
    """(unique_id, start, end) of every node of a dbt run_results.json, epoch seconds."""
    nodes = []
    for result in json.loads(run_results.read_text())["results"]:
        windows = [t for t in result.get("timing", []) if t.get("started_at")]
        if not windows:
            continue
        start = min(parse_time(t["started_at"]) for t in windows)
        end = max(parse_time(t["completed_at"]) for t in windows)
        nodes.append({"unique_id": result["unique_id"], "start": start, "end": end})
    return nodes


def parse_time(text: str) -> float:
    """An ISO timestamp from run_results (UTC, 'Z' or naive) as epoch seconds."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def stage_table(nodes: list[dict], locations: dict[str, str], sampler: MemorySampler) -> list[dict]:
    """Per stage: wall seconds (union of its nodes' windows) and peak memory, pipeline order."""
    by_stage: dict[str, list[tuple[float, float]]] = {}
    for node in nodes:
        stage = stage_of(locations.get(node["unique_id"], node["unique_id"]))
        by_stage.setdefault(stage, []).append((node["start"], node["end"]))
    rows = []
    for stage, _ in STAGES:
        windows = by_stage.get(stage)
        if not windows:
            continue
        rows.append(
            {
                "name": stage,
                "wall_s": round(union_length(windows), 2),
                "peak_rss_mb": round(
                    max(sampler.peak_between(start, end) for start, end in windows), 1
                ),
            }
        )
    return rows


def union_length(windows: list[tuple[float, float]]) -> float:
    """Total length of the union of time windows (parallel nodes are not counted twice)."""
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(windows):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def split_last_days(generated: Path, raw_dir: Path, held_back: int = 2) -> list[str]:
    """Copy every entity file except the last ``held_back`` load days into ``raw_dir``;
    returns those days, oldest first."""
    files = [p for p in generated.glob("*/*.parquet") if not p.parent.name.startswith("_")]
    last_days = sorted({path.stem for path in files})[-held_back:]
    for path in files:
        if path.stem not in last_days:
            (raw_dir / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, raw_dir / path.parent.name / path.name)
    return last_days


def add_day(generated: Path, raw_dir: Path, day: str) -> None:
    """Copy one load day's files of every entity into ``raw_dir``."""
    for path in generated.glob(f"*/{day}.parquet"):
        if not path.parent.name.startswith("_"):
            (raw_dir / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, raw_dir / path.parent.name / path.name)


def write_cart_probe(warehouse: Path, raw_dir: Path, name: str = "zz-trigger-probe") -> dict:
    """Land a new web events file holding a fresh cart add of a consented customer (one minute
    after the newest event) and, 61 minutes later, a page view of a new visitor (so the data's
    "now" passes the cart's abandonment window). Returns the customer id and the cart time."""
    import duckdb
    import pandas as pd

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        customer_id, anonymous_id, newest = connection.execute(
            """
            select customers.customer_id, min(identity.identifier), any_value(newest.at)
            from main.dim_customers as customers
            inner join main.identity_map as identity
                on identity.customer_id = customers.customer_id
                and identity.identifier_type = 'anonymous_id'
                and not identity.is_shared_identifier
            cross join (select max(session_end_at) as at from main.fct_sessions) as newest
            where customers.has_marketing_consent and customers.has_tracking_consent
            group by customers.customer_id
            order by customers.customer_id
            limit 1
            """
        ).fetchone()
    cart_at = pd.Timestamp(newest).tz_localize("UTC") + pd.Timedelta(minutes=1)
    rows = [
        {
            "event_id": f"trigger-probe-cart-{cart_at.value}",
            "anonymous_id": anonymous_id,
            "user_id": customer_id,
            "event_type": "add_to_cart",
            "event_ts": cart_at.isoformat(),
            "product_id": "trigger-probe-product",
            "price": 42.0,
            "received_at": cart_at,
        },
        {
            "event_id": f"trigger-probe-view-{cart_at.value}",
            "anonymous_id": f"trigger-probe-visitor-{cart_at.value}",
            "user_id": None,
            "event_type": "page_view",
            "event_ts": (cart_at + pd.Timedelta(minutes=61)).isoformat(),
            "received_at": cart_at + pd.Timedelta(minutes=61),
        },
    ]
    template = duckdb.sql(
        f"select * from read_parquet('{raw_dir / 'web_events' / '*.parquet'}') limit 0"
    ).df()
    frame = pd.concat([template, pd.DataFrame(rows)], ignore_index=True)[template.columns]
    frame.to_parquet(raw_dir / "web_events" / f"{name}.parquet", index=False)
    return {"customer_id": customer_id, "cart_at": cart_at.tz_convert(None).to_pydatetime()}


def trigger_row_found(warehouse: Path, probe: dict) -> bool:
    """Whether abandoned_carts holds the probe's cart (its customer, its last cart add)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return bool(
            connection.execute(
                "select count(*) from main.abandoned_carts"
                " where customer_id = ? and last_cart_add_at = ?",
                [probe["customer_id"], probe["cart_at"]],
            ).fetchone()[0]
        )


def core_comparison(
    raw_dir: Path, work: Path, env: dict[str, str], project_dir: Path, dbt: list[str]
) -> dict[str, object]:
    """`dbt run --select +customer_features` on a fresh warehouse (seeded), then the bare DuckDB
    reference script (bench_reference.py, copied next to the data) on the same raw files,
    back to back; their times, session counts and the ratio."""
    import duckdb

    from behaviorseg import bench_reference

    fresh = work / "core_warehouse.duckdb"
    fresh.unlink(missing_ok=True)
    core_env = {**env, "DUCKDB_PATH": str(fresh), "DBT_TARGET_PATH": str(work / "target_core")}
    # The seeds (a few reference rows) first, untimed: `dbt run` does not load them.
    run_measured([*dbt, "seed"], core_env, project_dir, work / "core_seed.log")
    load_before = os.getloadavg()[0]
    project = run_measured(
        [*dbt, "run", "--select", "+customer_features"], core_env, project_dir, work / "core.log"
    )
    with duckdb.connect(str(fresh), read_only=True) as connection:
        project_sessions = connection.execute("select count(*) from main.fct_sessions").fetchone()
    script = work / "bench_reference.py"
    shutil.copy2(bench_reference.__file__, script)
    started = time.time()
    completed = subprocess.run(
        [sys.executable, str(script), str(raw_dir), str(work / "reference.duckdb")],
        capture_output=True,
        text=True,
        check=True,
    )
    bare_wall = time.time() - started
    (work / "reference.duckdb").unlink(missing_ok=True)
    reference = json.loads(completed.stdout.strip().splitlines()[-1])
    return {
        "project_wall_s": round(project.wall_s, 2),
        "project_peak_rss_mb": round(project.peak_rss_mb, 1),
        "bare_wall_s": round(bare_wall, 2),
        "ratio": round(project.wall_s / bare_wall, 2),
        "project_sessions": project_sessions[0] if project_sessions else None,
        "bare_sessions": reference["sessions"],
        "same_session_count": (project_sessions or [None])[0] == reference["sessions"],
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


def machine_facts() -> dict[str, object]:
    """What the figures were measured on."""
    memory_gb = None
    try:
        with open("/proc/meminfo") as meminfo:
            memory_gb = round(int(meminfo.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def dbt_environment(work: Path, raw_dir: Path, project_dir: Path) -> dict[str, str]:
    """The environment a benchmark's dbt runs in: its raw folder, and warehouse, target and
    logs under ``work``."""
    return {
        **os.environ,
        "RAW_DATA_DIR": str(raw_dir),
        "DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_benchmark(events: int, out_dir: Path | str, project_dir: Path | str) -> dict[str, object]:
    """Generate, build, rebuild incrementally, export; write results.json and results.md."""
    out_dir = Path(out_dir).resolve()
    project_dir = Path(project_dir).resolve()
    work = out_dir / f"work_{events}"
    shutil.rmtree(work, ignore_errors=True)
    generated, raw_dir = work / "generated", work / "raw"
    raw_dir.mkdir(parents=True)
    bin_dir = Path(sys.executable).parent
    env = dbt_environment(work, raw_dir, project_dir)
    customers = customers_for_events(events)
    started = time.time()
    counts = generate(
        out_dir=generated,
        customers=customers,
        days=BENCH_DAYS + 2,
        seed=BENCH_SEED,
        start_date=BENCH_START,
    )
    generate_s = time.time() - started
    daily_day, refit_day = split_last_days(generated, raw_dir, held_back=2)
    dbt = [str(bin_dir / "dbt"), "--no-use-colors"]
    full_load = os.getloadavg()[0]
    full = run_measured([*dbt, "build"], env, project_dir, work / "full_build.log")
    locations = node_locations(work / "target" / "manifest.json")
    stages = [{"name": "generate", "wall_s": round(generate_s, 2), "peak_rss_mb": None}]
    stages += stage_table(
        node_timings(work / "target" / "run_results.json"), locations, full.sampler
    )
    behaviorseg = str(bin_dir / "behaviorseg")
    scheduled = ["--warehouse", env["DUCKDB_PATH"], "--raw-dir", str(raw_dir)]
    add_day(generated, raw_dir, daily_day)
    loads = {"full": full_load}
    loads["daily"] = os.getloadavg()[0]
    incremental = run_measured(
        [behaviorseg, "daily", *scheduled], env, project_dir, work / "incremental.log"
    )
    incremental_stages = stage_table(
        node_timings(work / "target" / "run_results.json"), locations, incremental.sampler
    )
    loads["noop_daily"] = os.getloadavg()[0]
    noop = run_measured([behaviorseg, "daily", *scheduled], env, project_dir, work / "noop.log")
    probe = write_cart_probe(work / "warehouse.duckdb", raw_dir)
    loads["trigger"] = os.getloadavg()[0]
    trigger = run_measured(
        [behaviorseg, "triggers", *scheduled], env, project_dir, work / "triggers.log"
    )
    if not trigger_row_found(work / "warehouse.duckdb", probe):
        raise RuntimeError(f"make triggers did not write the probe's cart {probe}")
    add_day(generated, raw_dir, refit_day)
    refit = run_measured(
        [*dbt, "build", "--vars", "{model_refit_days: 0}"], env, project_dir, work / "refit.log"
    )
    export = run_measured(
        [
            str(bin_dir / "behaviorseg"),
            "export",
            "--warehouse",
            env["DUCKDB_PATH"],
            "--out",
            str(work / "exports"),
        ],
        env,
        project_dir,
        work / "export.log",
    )
    stages.append(
        {
            "name": "exports",
            "wall_s": round(export.wall_s, 2),
            "peak_rss_mb": round(export.peak_rss_mb, 1),
        }
    )
    core = core_comparison(raw_dir, work, env, project_dir, dbt)
    total_events = int(counts["web_events"]) + int(counts["app_events"])
    results = {
        "events": total_events,
        "customers": customers,
        "total_wall_s": round(full.wall_s + export.wall_s, 2),
        "dbt_build_wall_s": round(full.wall_s, 2),
        "peak_rss_mb": round(max(full.peak_rss_mb, export.peak_rss_mb), 1),
        "incremental_wall_s": round(incremental.wall_s, 2),
        "incremental_share": round(incremental.wall_s / full.wall_s, 3),
        "incremental_peak_rss_mb": round(incremental.peak_rss_mb, 1),
        "refit_day_wall_s": round(refit.wall_s, 2),
        "refit_day_share": round(refit.wall_s / full.wall_s, 3),
        "events_per_second": round(total_events / full.wall_s),
        "generate_wall_s": round(generate_s, 2),
        "daily_wall_s": round(incremental.wall_s, 2),
        "daily_share": round(incremental.wall_s / full.wall_s, 3),
        "noop_daily_wall_s": round(noop.wall_s, 2),
        "trigger_latency_s": round(trigger.wall_s, 2),
        "core_sql_vs_bare_ratio": core["ratio"],
        "core_sql": core,
        "load_average_1min_before": {name: round(load, 2) for name, load in loads.items()},
        "stages": stages,
        "incremental_stages": incremental_stages,
        "machine": machine_facts(),
    }
    write_results(out_dir, results)
    return results


def write_results(out_dir: Path, results: dict[str, object]) -> None:
    """results.json (and a per-volume copy) plus results.md, a Markdown table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    (out_dir / "results.json").write_text(text)
    (out_dir / f"results_{results['events']}.json").write_text(text)
    (out_dir / "results.md").write_text(markdown_table(results))


def markdown_table(results: dict[str, object]) -> str:
    """The stage table (full build and incremental day) and the headline figures in Markdown."""
    machine = results["machine"]
    incremental = {
        stage["name"]: stage["wall_s"] for stage in results.get("incremental_stages") or []
    }
    lines = [
        f"### {results['events']:,} events ({results['customers']:,} customers, 365 days)",
        "",
    ]
    if results.get("stages"):
        lines += [
            "| stage | full build wall s | peak RSS MB | incremental day wall s |",
            "| --- | ---: | ---: | ---: |",
        ]
        for stage in results["stages"]:
            peak = "-" if stage["peak_rss_mb"] is None else f"{stage['peak_rss_mb']:,.0f}"
            daily = incremental.get(stage["name"])
            daily_text = "-" if daily is None else f"{daily:,.1f}"
            lines.append(f"| {stage['name']} | {stage['wall_s']:,.1f} | {peak} | {daily_text} |")
        lines += [
            "",
            f"- full build + exports: **{results['total_wall_s']:,.0f} s**, peak memory "
            f"**{results['peak_rss_mb']:,.0f} MB**, {results['events_per_second']:,} events/s",
            f"- incremental build adding one day: **{results['incremental_wall_s']:,.0f} s** "
            f"({results['incremental_share']:.0%} of the full build)",
        ]
    else:
        lines.append(f"- full `dbt build`: **{results['dbt_build_wall_s']:,.0f} s**")
    if results.get("refit_day_wall_s") is not None:
        lines.append(
            f"- incremental build adding one day on which the fitted models refit: "
            f"{results['refit_day_wall_s']:,.0f} s ({results['refit_day_share']:.0%})"
        )
    if results.get("daily_wall_s") is not None:
        lines += [
            f"- `make daily` adding one day: **{results['daily_wall_s']:,.1f} s** "
            f"({results['daily_share']:.0%} of the full build); with nothing new: "
            f"**{results['noop_daily_wall_s']:,.1f} s**",
            f"- `make triggers` from a new file with a fresh cart add to its trigger row: "
            f"**{results['trigger_latency_s']:,.1f} s**",
        ]
    core = results.get("core_sql")
    if core:
        same = "the same" if core["same_session_count"] else "a different"
        lines.append(
            f"- core SQL (`dbt run --select +customer_features`, fresh warehouse) "
            f"{core['project_wall_s']:,.0f} s against the bare DuckDB script's "
            f"{core['bare_wall_s']:,.0f} s: ratio **{core['ratio']:.2f}** ({same} session count: "
            f"{core['project_sessions']:,} and {core['bare_sessions']:,})"
        )
    loads = results.get("load_average_1min_before")
    if loads:
        lines.append(
            "- load average (1 min) before each run: "
            + ", ".join(f"{name} {load:.1f}" for name, load in loads.items())
        )
    lines += [
        f"- machine: {machine['cpus']} CPUs, {machine['memory_gb']} GB, {machine['platform']}, "
        f"Python {machine['python']}, measured {machine['measured_at']}",
        "",
    ]
    return "\n".join(lines)
