"""The planted funnel incidents (synthetic/incidents.py) in the raw events, against _truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from behaviorseg.synthetic import generate

START = dt.date(2025, 10, 6)  # a Monday


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("incidents")
    generate(out_dir=path, customers=2500, days=300, seed=3, start_date=START)
    return path


@pytest.fixture(scope="module")
def web(generated: Path) -> pd.DataFrame:
    frame = pd.read_parquet(
        generated / "web_events", columns=["event_id", "event_type", "event_ts", "device_type"]
    )
    frame = frame.dropna(subset=["event_id", "event_type"]).drop_duplicates("event_id")
    ts = pd.to_datetime(frame["event_ts"], utc=True, format="ISO8601", errors="coerce")
    return frame.assign(day=ts.dt.tz_localize(None).dt.normalize()).dropna(subset=["day"])


def incident(generated: Path, name: str) -> pd.Series:
    truth = pd.read_parquet(generated / "_truth" / "incidents.parquet")
    return truth.set_index("incident").loc[name]


def counts(events: pd.DataFrame, first: object, last: object) -> pd.Series:
    inside = events["day"].between(pd.Timestamp(first), pd.Timestamp(last))
    return events.loc[inside, "event_type"].value_counts()


def test_both_incidents_are_recorded_on_whole_weeks(generated: Path) -> None:
    truth = pd.read_parquet(generated / "_truth" / "incidents.parquet")
    assert list(truth["incident"]) == ["checkout_loop", "payment_outage"]
    assert (pd.to_datetime(truth["start_date"]).dt.day_of_week == 0).all()
    days = (pd.to_datetime(truth["end_date"]) - pd.to_datetime(truth["start_date"])).dt.days + 1
    assert days.tolist() == [28, 21]


def test_the_loop_doubles_checkouts_on_its_device_only(generated: Path, web: pd.DataFrame) -> None:
    loop = incident(generated, "checkout_loop")
    before = (
        pd.Timestamp(loop.start_date) - pd.Timedelta(days=56),
        pd.Timestamp(loop.start_date) - pd.Timedelta(days=1),
    )

    def checkouts_per_purchase(device: str, window: tuple) -> float:
        seen = counts(web[web["device_type"] == device], *window)
        return seen["begin_checkout"] / seen["purchase"]

    during = (loop.start_date, loop.end_date)
    # 60% of the device's checkout sessions check out twice (purchases unchanged).
    assert checkouts_per_purchase("mobile", during) > 1.3 * checkouts_per_purchase("mobile", before)
    desktop = checkouts_per_purchase("desktop", during) / checkouts_per_purchase("desktop", before)
    assert 0.85 < desktop < 1.15


def test_the_outage_halves_purchases_per_checkout_and_raises_support(
    generated: Path, web: pd.DataFrame
) -> None:
    outage = incident(generated, "payment_outage")
    start = pd.Timestamp(outage.start_date)
    during = counts(web, start, outage.end_date)
    before = counts(web, start - pd.Timedelta(days=56), start - pd.Timedelta(days=1))
    ratio = (during["purchase"] / during["begin_checkout"]) / (
        before["purchase"] / before["begin_checkout"]
    )
    assert 0.4 < ratio < 0.7
    support = (during["contact_support"] / during.sum()) / (
        before["contact_support"] / before.sum()
    )
    assert support > 1.5
