"""The generated period and its calendar: weekly cycle, yearly season, holiday peaks, drift."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

MS_PER_DAY = 86_400_000
MS_PER_HOUR = 3_600_000
MS_PER_MINUTE = 60_000
_EPOCH = dt.date(1970, 1, 1)

# Relative activity by local weekday (Monday first): weekend browsing is heavier.
WEEKDAY_ACTIVITY = np.array([1.0, 0.94, 0.94, 0.96, 0.9, 1.14, 1.2])
# Yearly cycle: +/- this share, peaking just before Christmas.
YEARLY_AMPLITUDE = 0.15
YEARLY_PEAK_DAY_OF_YEAR = 355


@dataclass(frozen=True)
class Period:
    """The generated days: `days` local calendar days from `start_date` (day index 0)."""

    start_date: dt.date
    days: int

    @property
    def start_ms(self) -> int:
        """Epoch milliseconds of start_date 00:00 UTC."""
        return (self.start_date - _EPOCH).days * MS_PER_DAY

    @property
    def end_ms(self) -> int:
        """Epoch milliseconds of the first instant after the period (exclusive)."""
        return self.start_ms + self.days * MS_PER_DAY

    def date(self, day: int) -> dt.date:
        """The calendar date of a day index."""
        return self.start_date + dt.timedelta(days=int(day))

    def dates(self) -> list[dt.date]:
        """Every date of the period, in order."""
        return [self.date(day) for day in range(self.days)]


def thanksgiving(year: int) -> dt.date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(weeks=3)


def holiday_factors(date: dt.date) -> tuple[float, float]:
    """(session factor, purchase-probability factor) of a date's retail calendar."""
    black_friday = thanksgiving(date.year) + dt.timedelta(days=1)
    cyber_monday = black_friday + dt.timedelta(days=3)
    if date == black_friday:
        return 2.2, 1.8
    if date == cyber_monday:
        return 1.9, 1.7
    if black_friday < date < cyber_monday:
        return 1.4, 1.3
    if date == black_friday - dt.timedelta(days=1):
        return 0.85, 0.9
    if date.month == 12 and 1 <= date.day <= 21:
        return 1.25, 1.25
    if date.month == 12 and date.day in (24, 25):
        return 0.7, 0.6
    if date.month == 12 and date.day == 26:
        return 1.35, 1.3
    if date.month == 1 and date.day == 1:
        return 0.8, 0.8
    return 1.0, 1.0


def yearly_factor(date: dt.date) -> float:
    """Smooth yearly season: busiest around Christmas, quietest in early summer."""
    day_of_year = date.timetuple().tm_yday
    angle = 2 * math.pi * (day_of_year - YEARLY_PEAK_DAY_OF_YEAR) / 365.25
    return 1.0 + YEARLY_AMPLITUDE * math.cos(angle)


def session_seasonality(period: Period) -> np.ndarray:
    """Per-day multiplier of everyone's session rate (weekday x year x holidays)."""
    return np.array(
        [
            WEEKDAY_ACTIVITY[date.weekday()] * yearly_factor(date) * holiday_factors(date)[0]
            for date in period.dates()
        ]
    )


def purchase_seasonality(period: Period) -> np.ndarray:
    """Per-day multiplier of the per-session purchase probability (holiday shopping)."""
    return np.array([holiday_factors(date)[1] for date in period.dates()])


def discount_boost(period: Period) -> np.ndarray:
    """Per-day extra probability that an order is discounted (Black Friday week, sales)."""
    boost = np.zeros(period.days)
    for day, date in enumerate(period.dates()):
        black_friday = thanksgiving(date.year) + dt.timedelta(days=1)
        if black_friday <= date <= black_friday + dt.timedelta(days=3):
            boost[day] = 0.35
        elif date.month == 12 and date.day >= 26:
            boost[day] = 0.15
    return boost


def ramp_down(days: int, start_day: int, ramp_days: int, remaining: float) -> np.ndarray:
    """1.0 until start_day, then a linear fall over ramp_days to `remaining`, then flat."""
    progress = np.clip((np.arange(days) - start_day + 1) / ramp_days, 0.0, 1.0)
    return 1.0 - (1.0 - remaining) * progress


def weekday_of_days(period: Period) -> np.ndarray:
    """Weekday (0 = Monday) of every day index."""
    return (period.start_date.weekday() + np.arange(period.days)) % 7
