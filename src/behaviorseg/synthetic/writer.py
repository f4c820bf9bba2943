"""Write rows as one Parquet file per entity and load day: <out>/<entity>/<YYYY-MM-DD>.parquet.

Each day's file gets the end of its load day as its modification time, as a daily export
written when the day closes has it (the files themselves are written in parallel, in any
order): staging orders the files of one load by modification time ("the latest load wins").
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from behaviorseg.synthetic.calendar import MS_PER_DAY, Period

ENTITIES: tuple[str, ...] = (
    "web_events", "app_events", "orders", "order_items", "support_tickets", "customers",
    "experiment_assignments",
)  # fmt: skip
TRUTH_DIR = "_truth"
# Near-unique columns: dictionary encoding only costs time there.
UNIQUE_COLUMNS = frozenset(
    {"event_id", "event_ts", "received_at", "time_on_page_s", "order_ts", "opened_at",
     "resolved_at", "updated_at", "signup_ts", "assigned_at", "email", "phone"}
)  # fmt: skip
# Min/max statistics of long text columns are slow to compute and useless for raw files;
# keep them for timestamps and numbers (readers can skip row groups on those).
STATISTICS_TYPES = (pa.types.is_timestamp, pa.types.is_integer, pa.types.is_floating)
# Rows rendered per call: big enough to amortise per-call overhead, small enough for memory.
ROWS_PER_BATCH = 500_000


def clear_output(out_dir: Path) -> None:
    """Remove the entity and truth folders of a previous run (nothing else in out_dir)."""
    for name in (*ENTITIES, TRUTH_DIR):
        shutil.rmtree(out_dir / name, ignore_errors=True)


def write_table(table: pa.Table, path: Path, modified_ms: int | None = None) -> int:
    """One Parquet file (modification time ``modified_ms`` since the epoch when given); returns
    its rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dictionary = [name for name in table.column_names if name not in UNIQUE_COLUMNS]
    statistics = [
        field.name for field in table.schema if any(test(field.type) for test in STATISTICS_TYPES)
    ]
    # The Arrow schema is not stored: dictionary columns read back as plain text everywhere.
    pq.write_table(
        table,
        path,
        compression="snappy",
        use_dictionary=dictionary,
        write_statistics=statistics,
        store_schema=False,
    )
    if modified_ms is not None:
        os.utime(path, ns=(modified_ms * 1_000_000, modified_ms * 1_000_000))
    return table.num_rows


def day_batches(bounds: np.ndarray, rows_per_batch: int) -> list[tuple[int, int]]:
    """Consecutive [first, end) day ranges holding about rows_per_batch rows (>= 1 day each)."""
    batches, first = [], 0
    days = len(bounds) - 1
    while first < days:
        end = int(np.searchsorted(bounds, bounds[first] + rows_per_batch, side="right")) - 1
        end = min(max(end, first + 1), days)
        batches.append((first, end))
        first = end
    return batches


def write_by_day(
    out_dir: Path,
    entity: str,
    arrival_ms: np.ndarray,
    render: Callable[[np.ndarray], pa.Table],
    period: Period,
    pool: ThreadPoolExecutor,
) -> int:
    """Split rows by the UTC day they arrived and write one file per day that has rows.

    `render` turns row indices (in arrival order) into a table; it is called once per batch of
    days and the result sliced per day, while `pool` writes files in the background. Rows
    arriving outside the period are not part of the export. Returns the rows written.
    """
    day = (arrival_ms - period.start_ms) // MS_PER_DAY
    inside = np.flatnonzero((day >= 0) & (day < period.days))
    ordered = inside[np.argsort(arrival_ms[inside], kind="stable")]
    bounds = np.searchsorted(day[ordered], np.arange(period.days + 1))
    pending: list[Future[int]] = []
    written = 0
    for first, end in day_batches(bounds, ROWS_PER_BATCH):
        if bounds[end] == bounds[first]:
            continue
        table = render(ordered[bounds[first] : bounds[end]])
        # Keep at most about one batch in flight, so memory stays bounded.
        written += sum(future.result() for future in pending)
        pending = []
        for index in range(first, end):
            start, stop = bounds[index] - bounds[first], bounds[index + 1] - bounds[first]
            if stop > start:
                path = out_dir / entity / f"{period.date(index).isoformat()}.parquet"
                day_end_ms = period.start_ms + (index + 1) * MS_PER_DAY
                pending.append(
                    pool.submit(write_table, table.slice(start, stop - start), path, day_end_ms)
                )
    return written + sum(future.result() for future in pending)
