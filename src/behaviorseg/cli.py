"""Command-line entry point: `behaviorseg <command>`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from behaviorseg.synthetic import generate

    result = generate(
        out_dir=Path(args.out),
        customers=args.customers,
        days=args.days,
        seed=args.seed,
        start_date=dt.date.fromisoformat(args.start_date),
    )
    seconds = result.pop("seconds", None)
    width = max(len(name) for name in result)
    print(f"Generated raw data in {args.out}/ (seed {args.seed}):")
    for entity, rows in result.items():
        print(f"  {entity:<{width}}  {rows:>12,} rows")
    if seconds is not None:
        print(f"  took {seconds:.1f} s")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from behaviorseg import summary

    print(summary.render(Path(args.warehouse), raw_dir=Path(args.raw_dir)))
    return 0


def _missing_warehouse(warehouse: Path) -> bool:
    if warehouse.exists():
        return False
    print(f"No warehouse at {warehouse}: run `make demo` (or `dbt build`) first.")
    return True


def _not_green(warehouse: Path) -> bool:
    """Print why and return True unless the latest dbt build ended green."""
    from behaviorseg.build_status import BuildNotGreenError, require_green_build

    try:
        require_green_build(warehouse)
    except BuildNotGreenError as refused:
        print(f"Refused: {refused}")
        return True
    return False


def _report(args: argparse.Namespace) -> int:
    from behaviorseg.report import build_report

    warehouse = Path(args.warehouse)
    if _missing_warehouse(warehouse):
        return 1
    path = build_report(warehouse, Path(args.out))
    print(f"Wrote the segment health report to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _export(args: argparse.Namespace) -> int:
    from behaviorseg.exports import EXPORT_CONTRACT_VERSION, export_empty_reason, export_segments

    if _missing_warehouse(Path(args.warehouse)) or _not_green(Path(args.warehouse)):
        return 1
    done = export_segments(Path(args.warehouse), Path(args.out))
    since = "first export" if done.is_first_export else "since the previous export"
    print(
        f"Exported {done.members:,} consented customers to {done.out_dir}/ "
        f"(contract {EXPORT_CONTRACT_VERSION}; {done.joined:,} joined, {done.left:,} left, "
        f"{since})"
    )
    if done.members == 0:
        print(export_empty_reason(Path(args.warehouse)))
    return 0


def _publish_marts(args: argparse.Namespace) -> int:
    from behaviorseg.marts import public_marts, publish_marts

    if _missing_warehouse(Path(args.warehouse)) or _not_green(Path(args.warehouse)):
        return 1
    published = publish_marts(
        Path(args.warehouse), Path(args.out), public_marts(Path(args.manifest))
    )
    print(f"Published {len(published)} marts as Parquet in {args.out}/")
    return 0


def _spark_python(args: argparse.Namespace) -> int:
    from behaviorseg.spark_python import SparkPythonError, run_python_stage

    try:
        return run_python_stage(
            Path(args.duckdb), Path(args.spark_warehouse), Path(args.project_dir), args.dbt_args
        )
    except SparkPythonError as failed:
        print(failed)
        return 1


def _forget(args: argparse.Namespace) -> int:
    from behaviorseg.erasure import ErasureError, erase
    from behaviorseg.pii_key import ERASE_ENVIRONMENT_VARIABLE

    customer_id = args.customer_id or os.environ.get(ERASE_ENVIRONMENT_VARIABLE, "")
    warehouse = Path(args.warehouse)
    if _missing_warehouse(warehouse):
        return 1
    try:
        outcome = erase(
            customer_id,
            dry_run=args.dry_run,
            warehouse=warehouse,
            project_dir=Path(args.project_dir),
        )
    except ErasureError as failed:
        print(failed)
        return 1
    print("\n".join(outcome.lines))
    if outcome.dry_run or not outcome.found:
        return 0
    if _not_green(warehouse):
        return 1
    from behaviorseg.exports import export_segments
    from behaviorseg.marts import public_marts, publish_marts
    from behaviorseg.report import build_report

    published = publish_marts(warehouse, Path(args.marts_out), public_marts(Path(args.manifest)))
    done = export_segments(warehouse, Path(args.exports_out))
    report = build_report(warehouse, Path(args.report_out))
    print(
        f"Refreshed {len(published)} Parquet marts in {args.marts_out}/, the exports in "
        f"{args.exports_out}/ ({done.left:,} left) and the report {report}"
    )
    return 0


def _quality_docs(args: argparse.Namespace) -> int:
    from behaviorseg.quality.data_docs import build_data_docs_from_warehouse

    if _missing_warehouse(Path(args.warehouse)):
        return 1
    index = build_data_docs_from_warehouse(Path(args.warehouse), Path(args.out))
    if index is None:
        print("No quality gate has run yet: nothing to document.")
        return 0
    print(f"Wrote Great Expectations Data Docs to {index}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from behaviorseg.bench import run_benchmark

    project_dir = Path(args.project_dir)
    results = run_benchmark(args.events, Path(args.out), project_dir)
    print((Path(args.out) / "results.md").read_text())
    print(f"Results in {args.out}/results.json ({results['events']:,} events)")
    return 0


def _bench_clv(args: argparse.Namespace) -> int:
    from behaviorseg.value.benchmark import run_value_benchmark

    results = run_value_benchmark(args.customers, Path(args.out), Path(args.project_dir))
    print((Path(args.out) / "results_clv.md").read_text())
    print(f"Results in {args.out}/results_clv_{results['customers']}.json")
    return 0


def _daily(args: argparse.Namespace) -> int:
    from behaviorseg.scheduling import daily

    return daily(args.warehouse, args.raw_dir, args.project_dir, args.dbt_args, force=args.force)


def _triggers(args: argparse.Namespace) -> int:
    from behaviorseg.scheduling import triggers

    return triggers(args.warehouse, args.project_dir, args.dbt_args, raw_dir=args.raw_dir)


def _bench_docs(args: argparse.Namespace) -> int:
    from behaviorseg.bench_docs import render_bench_section

    figures = Path(args.doc)
    results = sorted(Path(args.results_dir).glob("results_*.json"))
    text = render_bench_section(figures.read_text(), results)
    figures.write_text(text)
    print(f"Regenerated the benchmark tables of {figures} from {len(results)} results files")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser (one sub-command per job)."""
    parser = argparse.ArgumentParser(prog="behaviorseg", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser(
        "generate", help="write a realistic synthetic raw data set (the raw contract) as Parquet"
    )
    generate.add_argument("--customers", type=int, default=20_000)
    generate.add_argument("--days", type=int, default=365)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start-date", default="2025-10-01", help="first day (YYYY-MM-DD)")
    generate.add_argument("--out", default="data/raw", help="raw data directory")
    generate.set_defaults(handler=_generate)

    report = commands.add_parser("summary", help="print what the last dbt build produced")
    report.add_argument("--warehouse", default="data/warehouse.duckdb")
    report.add_argument("--raw-dir", default="data/raw")
    report.set_defaults(handler=_summary)

    health_report = commands.add_parser(
        "report", help="write the segment health report: one self-contained HTML page"
    )
    health_report.add_argument("--warehouse", default="data/warehouse.duckdb")
    health_report.add_argument("--out", default="data/reports/segment_health.html")
    health_report.set_defaults(handler=_report)

    export = commands.add_parser(
        "export", help="write segment memberships and their changes for CRM/CDP syncs"
    )
    export.add_argument("--warehouse", default="data/warehouse.duckdb")
    export.add_argument("--out", default="data/exports")
    export.set_defaults(handler=_export)

    marts = commands.add_parser("publish-marts", help="write the public marts as Parquet")
    marts.add_argument("--warehouse", default="data/warehouse.duckdb")
    marts.add_argument("--out", default="data/marts")
    marts.add_argument(
        "--manifest", default="target/manifest.json", help="dbt's manifest (lists the marts)"
    )
    marts.set_defaults(handler=_publish_marts)

    spark_python = commands.add_parser(
        "spark-python",
        help="after a spark build: build the Python models and what reads them on DuckDB, "
        "reading the Spark tables",
    )
    spark_python.add_argument(
        "--duckdb",
        default=os.environ.get("SPARK_PYTHON_DUCKDB_PATH", "data/spark-python.duckdb"),
        help="the spark_python target's DuckDB file (env SPARK_PYTHON_DUCKDB_PATH)",
    )
    spark_python.add_argument(
        "--spark-warehouse",
        default=os.environ.get("SPARK_WAREHOUSE_DIR", "data/spark-warehouse"),
        help="the Spark warehouse folder the spark target wrote (env SPARK_WAREHOUSE_DIR)",
    )
    spark_python.add_argument("--project-dir", default=".", help="the dbt project to build")
    spark_python.add_argument(
        "dbt_args", nargs="*", help="more dbt arguments (after --), e.g. -- --threads 4"
    )
    spark_python.set_defaults(handler=_spark_python)

    forget = commands.add_parser(
        "forget",
        help="erase one customer (GDPR art. 17), rebuild, refresh marts, exports and report",
    )
    forget.add_argument(
        "customer_id",
        nargs="?",
        default="",
        help="the customer id (else env BEHAVIORSEG_ERASE_CUSTOMER_ID, which keeps it out of ps)",
    )
    forget.add_argument(
        "--dry-run", action="store_true", help="list rows per table, change nothing"
    )
    forget.add_argument("--warehouse", default="data/warehouse.duckdb")
    forget.add_argument("--marts-out", default="data/marts")
    forget.add_argument("--exports-out", default="data/exports")
    forget.add_argument("--report-out", default="data/reports/segment_health.html")
    forget.add_argument("--manifest", default="target/manifest.json")
    forget.add_argument("--project-dir", default=".", help="the dbt project")
    forget.set_defaults(handler=_forget)

    quality_docs = commands.add_parser(
        "quality-docs", help="build Great Expectations Data Docs of the latest gate runs"
    )
    quality_docs.add_argument("--warehouse", default="data/warehouse.duckdb")
    quality_docs.add_argument("--out", default="data/quality/docs")
    quality_docs.set_defaults(handler=_quality_docs)

    bench = commands.add_parser(
        "bench", help="benchmark the whole pipeline at a given event volume"
    )
    bench.add_argument("--events", type=int, default=1_000_000)
    bench.add_argument("--out", default="data/bench")
    bench.add_argument("--project-dir", default=".", help="the dbt project to build")
    bench.set_defaults(handler=_bench)
    bench_clv = commands.add_parser(
        "bench-clv",
        help="benchmark the customer-value models (CLV, churn) at a given number of customers",
    )
    bench_clv.add_argument("--customers", type=int, default=1_000_000)
    bench_clv.add_argument("--out", default="data/bench")
    bench_clv.add_argument("--project-dir", default=".", help="the dbt project to build")
    bench_clv.set_defaults(handler=_bench_clv)

    for name, handler, text in (
        ("daily", _daily, "the scheduled daily dbt build (no unit tests), under the lock"),
        ("triggers", _triggers, "load new raw files and refresh the trigger marts, under the lock"),
    ):
        scheduled = commands.add_parser(name, help=text)
        scheduled.add_argument("--warehouse", default="data/warehouse.duckdb")
        scheduled.add_argument(
            "--raw-dir",
            default=os.environ.get("RAW_DATA_DIR", "data/raw"),
            help="the raw folder dbt reads (default: $RAW_DATA_DIR, else data/raw)",
        )
        scheduled.add_argument("--project-dir", default=".", help="the dbt project to build")
        if name == "daily":
            scheduled.add_argument(
                "--force", action="store_true", help="build even when no input changed"
            )
        scheduled.add_argument(
            "dbt_args", nargs="*", help="more dbt arguments (after --), e.g. -- --threads 4"
        )
        scheduled.set_defaults(handler=handler)

    bench_docs = commands.add_parser(
        "bench-docs", help="regenerate the benchmark tables of docs/figures.md from the JSON"
    )
    bench_docs.add_argument("--results-dir", default="data/bench")
    bench_docs.add_argument("--doc", default="docs/figures.md")
    bench_docs.set_defaults(handler=_bench_docs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
