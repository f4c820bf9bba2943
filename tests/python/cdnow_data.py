"""The CDNOW 1/10 sample (2,357 customers, Fader, Hardie & Lee 2005) from the `lifetimes` wheel.

The data ship inside the wheel on PyPI (lifetimes/datasets/): the raw transactions
(CDNOW_sample.txt: customer id, customer index, date YYYYMMDD, number of CDs, dollar value) and
the published calibration summaries. The wheel is downloaded once with `pip download` into
pytest's cache folder; without PyPI the tests that need it skip, saying so.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

LIFETIMES_VERSION = "0.11.3"
DATASETS = "lifetimes/datasets"


def lifetimes_wheel(cache_dir: Path) -> Path:
    """The lifetimes wheel in ``cache_dir``, downloaded from PyPI when not there yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    found = sorted(cache_dir.glob(f"[Ll]ifetimes-{LIFETIMES_VERSION}-*.whl"))
    if found:
        return found[0]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            f"lifetimes=={LIFETIMES_VERSION}",
            "--dest",
            str(cache_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    found = sorted(cache_dir.glob(f"[Ll]ifetimes-{LIFETIMES_VERSION}-*.whl"))
    if completed.returncode != 0 or not found:
        pytest.skip(
            f"PyPI unreachable: could not download lifetimes=={LIFETIMES_VERSION} for the CDNOW "
            f"data ({completed.stderr.strip()[-300:]})"
        )
    return found[0]


def read_member(wheel: Path, name: str) -> str:
    """The text of one file of the wheel's datasets folder."""
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(f"{DATASETS}/{name}").decode()


def cdnow_transactions(wheel: Path) -> pd.DataFrame:
    """customer_id, customer_index (the ID of the published summaries), transaction_date, cds,
    amount: the 6,919 CDNOW sample transactions."""
    frame = pd.read_csv(
        io.StringIO(read_member(wheel, "CDNOW_sample.txt")),
        sep=r"\s+",
        header=None,
        names=["customer_id", "customer_index", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    frame["transaction_date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["customer_id", "customer_index", "transaction_date", "cds", "amount"]]


def cdnow_summary(wheel: Path) -> pd.DataFrame:
    """The published calibration summary with mean repeat value: ID, x, t_x, T, zbar."""
    return pd.read_csv(
        io.StringIO(read_member(wheel, "cdnow_customers_summary_with_transactions.csv"))
    )
