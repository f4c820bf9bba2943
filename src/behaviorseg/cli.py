"""Command-line entry point: `behaviorseg <command>`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from behaviorseg import summary


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
    print(summary.render(Path(args.warehouse), raw_dir=Path(args.raw_dir)))
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
