"""When a fitted model refits: a cadence counted in days of data, not runs.

Fitting costs far more than applying a fit: choosing k and clustering the customers, or fitting
Prophet to every series and again for every backtest fold, takes most of a daily build, while
one more day of data barely moves the result. So each fitted model stores a ``FitStamp`` with
its output (columns ``fitted_as_of_date`` and ``fit_settings``): the as-of date of the data it
was fitted on and the settings it was fitted with. A run refits when

- there is no earlier fit (first run, or a table from before the stamp existed);
- the settings that shape the fit changed (another algorithm, k range, horizon, ...);
- the cadence is 0 days (refit every run) or the model cannot be applied without refitting;
- the data's as-of date moved back before the fit (a rebuild as of an earlier date);
- the as-of date is ``refit_days`` or more past the fit's (var ``model_refit_days``);
- something the fit depends on changed (the set of series to forecast);

and otherwise reuses the stored fit. The decision depends only on the data and the settings,
never on the wall clock, so the same runs give the same answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

FITTED_AS_OF_COLUMN = "fitted_as_of_date"
FIT_SETTINGS_COLUMN = "fit_settings"
STAMP_COLUMNS = [FITTED_AS_OF_COLUMN, FIT_SETTINGS_COLUMN]
DEFAULT_REFIT_DAYS = 7


@dataclass(frozen=True)
class FitStamp:
    """What a fit was made from: the data's as-of date and the settings, as text."""

    fitted_as_of_date: dt.date
    fit_settings: str


@dataclass(frozen=True)
class RefitDecision:
    """Whether to refit, and why (for the run log)."""

    refit: bool
    reason: str


def settings_text(settings: Mapping[str, Any]) -> str:
    """Settings as one canonical text (sorted ``key=value`` pairs): equal settings, equal text."""
    return ";".join(f"{key}={settings[key]}" for key in sorted(settings))


def as_date(value: Any) -> dt.date | None:
    """A date from a date, timestamp or ISO text (None for null)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def stamp_of(table: pd.DataFrame | None) -> FitStamp | None:
    """The stamp a stored fit carries (None without one, or for a table without the columns)."""
    if table is None or table.empty or any(c not in table.columns for c in STAMP_COLUMNS):
        return None
    fitted = as_date(table[FITTED_AS_OF_COLUMN].iloc[0])
    settings = table[FIT_SETTINGS_COLUMN].iloc[0]
    if fitted is None or settings is None or pd.isna(settings):
        return None
    return FitStamp(fitted, str(settings))


def stamped(table: pd.DataFrame, stamp: FitStamp | None) -> pd.DataFrame:
    """The table with the stamp's two columns set on every row (null without a stamp)."""
    table = table.copy()
    table[FITTED_AS_OF_COLUMN] = pd.Series(
        pd.Timestamp(stamp.fitted_as_of_date) if stamp else pd.NaT,
        index=table.index,
        dtype="datetime64[us]",
    ).dt.date
    table[FIT_SETTINGS_COLUMN] = pd.Series(
        stamp.fit_settings if stamp else None, index=table.index, dtype="object"
    )
    return table


def refit_decision(
    as_of: dt.date | None,
    previous: FitStamp | None,
    settings: str,
    refit_days: int,
    *,
    refit_reason: str | None = None,
) -> RefitDecision:
    """Refit or reuse the stored fit (see the module docstring).

    ``refit_reason``, when given, forces a refit for that reason (the model cannot be applied
    as stored, or something it depends on changed).
    """
    if previous is None:
        return RefitDecision(True, "no earlier fit")
    if previous.fit_settings != settings:
        return RefitDecision(True, "settings changed since the fit")
    if refit_reason is not None:
        return RefitDecision(True, refit_reason)
    if refit_days <= 0:
        return RefitDecision(True, "model_refit_days is 0: refit every run")
    if as_of is None:
        return RefitDecision(False, "no data as-of date: the stored fit is kept")
    if as_of < previous.fitted_as_of_date:
        return RefitDecision(True, f"data as of {as_of} is older than the fit")
    age = (as_of - previous.fitted_as_of_date).days
    if age >= refit_days:
        return RefitDecision(True, f"the fit is {age} days old (refit every {refit_days})")
    return RefitDecision(
        False,
        f"fit of {previous.fitted_as_of_date} reused ({age} of {refit_days} days)",
    )


def refit_days_setting(settings: Mapping[str, Any]) -> int:
    """var model_refit_days from a model's settings (the default when unset)."""
    value = settings.get("model_refit_days")
    return DEFAULT_REFIT_DAYS if value is None else int(value)


def frame_digest(table: pd.DataFrame | None) -> str:
    """A short digest of a small table's content (row order ignored): part of a fit's settings
    when a seed shapes the fit (an edited naming rule must reach the segments)."""
    if table is None or table.empty:
        return "empty"
    text = table.astype(str).sort_values(list(table.columns)).to_csv(index=False)
    return hashlib.md5(text.encode()).hexdigest()[:12]
