"""Fitted customer-value models as a table, and each customer's predicted lifetime value.

``model_parameters_table`` fits the purchase-count model(s) and Gamma-Gamma twice: ``live`` on
all history up to the as-of date, ``validation`` on the history up to ``clv_holdout_days``
before it (the calibration period ``behaviorseg.value.validation`` checks against what came
after). One row per (fit, model, parameter), in the literature's units (periods of
``clv_period_days``). ``customer_lifetime_value_table`` applies the live fits to every customer
with a transaction:

- ``p_alive`` and ``expected_purchases`` over ``clv_horizon_days`` from the purchase model;
- ``expected_order_value``: Gamma-Gamma's conditional mean for a repeat buyer, the population
  mean otherwise (``expected_order_value_method`` says which; without a Gamma-Gamma fit, e.g.
  constant amounts, everyone gets the observed mean value of all transaction days);
- ``predicted_clv``: the expected purchases of each month of the horizon, times the expected
  order value, discounted from the month's middle at ``clv_annual_discount_rate`` to the
  as-of date;
- ``clv_decile``: 1..10 by cumulative distribution of predicted_clv (10 = most valuable; ties
  share a decile, and with fewer than ten customers the deciles are spread, the top one 10).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from behaviorseg.dbt_bridge import typed_table
from behaviorseg.refits import FitStamp, as_date
from behaviorseg.value.btyd import (
    BG_NBD,
    BG_NBD_PARAMETERS,
    PARETO_NBD,
    PARETO_NBD_PARAMETERS,
    ModelFit,
    expected_purchases,
    fit_purchase_model,
    grouped_counts,
    p_alive,
)
from behaviorseg.value.settings import ValueSettings
from behaviorseg.value.spend import (
    GAMMA_GAMMA,
    GAMMA_GAMMA_PARAMETERS,
    expected_order_value,
    fit_gamma_gamma,
    usable_spend,
)
from behaviorseg.value.transactions import purchase_summary

LIVE = "live"
VALIDATION = "validation"
MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    BG_NBD: BG_NBD_PARAMETERS,
    PARETO_NBD: PARETO_NBD_PARAMETERS,
    GAMMA_GAMMA: GAMMA_GAMMA_PARAMETERS,
}
PARAMETER_COLUMNS: tuple[str, ...] = (
    "model",
    "parameter",
    "value",
    "log_likelihood",
    "customers",
    "fitted_as_of_date",
    "period_days",
    "fit",
    "is_converged",
    "fit_settings",
)
CLV_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "expected_purchases",
    "expected_order_value",
    "predicted_clv",
    "clv_decile",
    "expected_order_value_method",
    "observed_order_value",
    "first_purchase_date",
    "last_purchase_date",
    "purchase_model",
    "as_of_date",
    "fitted_as_of_date",
)
# Future purchases are discounted month by month, each month's from its middle: on the demo
# (10% a year) this differs from discounting day by day by less than 0.01%, and each step
# costs a pass over every customer.
DISCOUNT_STEP_DAYS = 365.25 / 12
GAMMA_GAMMA_METHOD = "gamma_gamma"
POPULATION_MEAN_METHOD = "population_mean"


def fit_models(
    transactions: pd.DataFrame, cutoff: dt.date, settings: ValueSettings
) -> list[ModelFit]:
    """BG/NBD (and Pareto/NBD when it is the purchase model) and Gamma-Gamma on the history up
    to ``cutoff``; a model that cannot be fitted (no repeat buyer, constant amounts) is left out."""
    summary = purchase_summary(transactions, cutoff, settings.period_days)
    counts, _ = grouped_counts(summary["frequency"], summary["recency"], summary["T"])
    models = [BG_NBD] if settings.purchase_model == BG_NBD else [BG_NBD, PARETO_NBD]
    fits = [fit_purchase_model(counts, model) for model in models]
    fits.append(fit_gamma_gamma(summary["repeat_value_days"], summary["mean_repeat_value"]))
    return [fit for fit in fits if fit is not None]


def parameter_rows(
    fits: list[ModelFit],
    fit: str,
    fitted_as_of: dt.date,
    settings: ValueSettings,
) -> pd.DataFrame:
    """One row per model parameter of one fit (``live`` or ``validation``)."""
    rows = [
        {
            "model": model_fit.model,
            "parameter": name,
            "value": value,
            "log_likelihood": model_fit.log_likelihood,
            "customers": model_fit.customers,
            "fitted_as_of_date": fitted_as_of,
            "period_days": settings.period_days,
            "fit": fit,
            "is_converged": model_fit.converged,
            "fit_settings": settings.fit_settings,
        }
        for model_fit in fits
        for name, value in model_fit.params.items()
    ]
    return pd.DataFrame(rows, columns=list(PARAMETER_COLUMNS))


def calibration_end(as_of: dt.date, settings: ValueSettings) -> dt.date:
    """The last day of the validation fit's history."""
    return as_of - dt.timedelta(days=settings.holdout_days)


def model_parameters_table(
    transactions: pd.DataFrame, as_of: dt.date | None, settings: ValueSettings
) -> pd.DataFrame:
    """The live and validation fits as one long table (PARAMETER_COLUMNS); empty without data."""
    if as_of is None:
        return typed_parameters(pd.DataFrame(columns=list(PARAMETER_COLUMNS)))
    validation_end = calibration_end(as_of, settings)
    table = pd.concat(
        [
            parameter_rows(fit_models(transactions, as_of, settings), LIVE, as_of, settings),
            parameter_rows(
                fit_models(transactions, validation_end, settings),
                VALIDATION,
                validation_end,
                settings,
            ),
        ],
        ignore_index=True,
    )
    return typed_parameters(table)


def typed_parameters(table: pd.DataFrame) -> pd.DataFrame:
    """The parameter table with stable column types (also when empty)."""
    return typed_table(
        table,
        {
            "model": "object",
            "parameter": "object",
            "value": "float64",
            "log_likelihood": "float64",
            "customers": "int64",
            "period_days": "float64",
            "fit": "object",
            "is_converged": "bool",
            "fit_settings": "object",
        },
        date_columns=("fitted_as_of_date",),
    )


def stamp_of_parameters(table: pd.DataFrame | None) -> FitStamp | None:
    """The stamp of a stored parameter table: its live fit's as-of date and settings."""
    if table is None or table.empty or "fit" not in table.columns:
        return None
    live = table[table["fit"] == LIVE]
    if live.empty:
        return None
    fitted = as_date(live["fitted_as_of_date"].iloc[0])
    settings = live["fit_settings"].iloc[0]
    if fitted is None or settings is None or pd.isna(settings):
        return None
    return FitStamp(fitted, str(settings))


def fits_from_table(table: pd.DataFrame, fit: str) -> dict[str, ModelFit]:
    """The fitted models of one fit of a parameter table, by model name."""
    fits: dict[str, ModelFit] = {}
    rows = table[table["fit"] == fit]
    for model, group in rows.groupby("model", sort=False):
        values = dict(zip(group["parameter"], group["value"].astype(float), strict=True))
        names = MODEL_PARAMETERS[str(model)]
        fits[str(model)] = ModelFit(
            model=str(model),
            params={name: values[name] for name in names},
            log_likelihood=float(group["log_likelihood"].iloc[0]),
            customers=int(group["customers"].iloc[0]),
            converged=bool(group["is_converged"].iloc[0]),
        )
    return fits


def fitted_as_of(table: pd.DataFrame, fit: str) -> dt.date | None:
    """The history end of one fit of a parameter table (None when it has no rows)."""
    rows = table[table["fit"] == fit]
    return as_date(rows["fitted_as_of_date"].iloc[0]) if len(rows) else None


def period_discount_factors(settings: ValueSettings) -> tuple[np.ndarray, np.ndarray]:
    """(ends of the horizon's months in periods, the discount factor of each): whole months,
    the last one cut at the horizon; a month's purchases are discounted from its middle."""
    horizon = settings.horizon_days / settings.period_days
    step = DISCOUNT_STEP_DAYS / settings.period_days
    ends = np.minimum(np.arange(1, math.ceil(horizon / step) + 1, dtype=float) * step, horizon)
    middles = (ends + np.concatenate([[0.0], ends[:-1]])) / 2
    years = middles * settings.period_days / 365.0
    return ends, (1 + settings.annual_discount_rate) ** -years


def discounted_purchases(
    fit: ModelFit, x: np.ndarray, t_x: np.ndarray, age: np.ndarray, settings: ValueSettings
) -> np.ndarray:
    """Sum over the horizon's months of the expected purchases in each, discounted."""
    ends, factors = period_discount_factors(settings)
    total = np.zeros_like(np.asarray(x, dtype=float))
    before = np.zeros_like(total)
    for end, factor in zip(ends, factors, strict=True):
        cumulative = expected_purchases(fit, float(end), x, t_x, age)
        total += (cumulative - before) * factor
        before = cumulative
    return total


def value_deciles(values: pd.Series) -> pd.Series:
    """1..10 by cumulative distribution (ceil(10 * share of customers at or below the value)),
    null for a null value: ties share a decile, the most valuable customers get 10."""
    known = values.dropna()
    if known.empty:
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    cumulative = known.rank(method="max") / len(known)
    deciles = np.ceil(10 * cumulative - 1e-9).clip(1, 10).astype(int)
    return deciles.reindex(values.index).astype("Int64")


def customer_lifetime_value_table(
    transactions: pd.DataFrame,
    as_of: dt.date | None,
    fits: Mapping[str, ModelFit],
    settings: ValueSettings,
    *,
    fitted_as_of_date: dt.date | None = None,
) -> pd.DataFrame:
    """Every customer with a transaction up to ``as_of``: the CLV_COLUMNS (see the module)."""
    if as_of is None:
        return typed_clv(pd.DataFrame(columns=list(CLV_COLUMNS)))
    summary = purchase_summary(transactions, as_of, settings.period_days)
    x = summary["frequency"].to_numpy(float)
    t_x = summary["recency"].to_numpy(float)
    age = summary["T"].to_numpy(float)
    table = pd.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "frequency": summary["frequency"].astype(int),
            "recency": t_x,
            "T": age,
            "first_purchase_date": summary["first_transaction_date"],
            "last_purchase_date": summary["last_transaction_date"],
        }
    )
    purchase_fit = fits.get(settings.purchase_model)
    horizon = settings.horizon_days / settings.period_days
    if purchase_fit is not None and len(table):
        counts, index = grouped_counts(x, t_x, age)
        distinct = (counts.frequency, counts.recency, counts.age)
        table["p_alive"] = p_alive(purchase_fit, *distinct)[index]
        table["expected_purchases"] = expected_purchases(purchase_fit, horizon, *distinct)[index]
        discounted = discounted_purchases(purchase_fit, *distinct, settings)[index]
    else:
        table["p_alive"] = np.nan
        table["expected_purchases"] = np.nan
        discounted = np.full(len(table), np.nan)
    value, method = order_values(summary, fits.get(GAMMA_GAMMA))
    table["expected_order_value"] = value
    table["expected_order_value_method"] = method
    table["observed_order_value"] = summary["mean_transaction_value"].to_numpy(float)
    table["predicted_clv"] = discounted * table["expected_order_value"].to_numpy(float)
    table["clv_decile"] = value_deciles(table["predicted_clv"])
    table["purchase_model"] = settings.purchase_model if purchase_fit is not None else None
    table["as_of_date"] = as_of
    table["fitted_as_of_date"] = fitted_as_of_date
    return typed_clv(table[list(CLV_COLUMNS)])


def order_values(summary: pd.DataFrame, gamma_gamma: ModelFit | None) -> tuple[np.ndarray, list]:
    """Expected order value per customer and how it was obtained (see the module docstring);
    null (method null) when no transaction carries an amount."""
    x = summary["repeat_value_days"].to_numpy(float)
    mean_value = summary["mean_repeat_value"].to_numpy(float)
    if gamma_gamma is not None:
        values = expected_order_value(gamma_gamma, x, mean_value)
        methods = np.where(usable_spend(x, mean_value), GAMMA_GAMMA_METHOD, POPULATION_MEAN_METHOD)
        return values, list(methods)
    # Without a spend model: the mean value of every transaction day with an amount.
    observed = summary["mean_transaction_value"]
    weights = summary["value_days"]
    known = observed.notna() & (weights > 0)
    if not known.any():
        return np.full(len(summary), np.nan), [None] * len(summary)
    overall = float(np.average(observed[known], weights=weights[known]))
    return np.full(len(summary), overall), [POPULATION_MEAN_METHOD] * len(summary)


def typed_clv(table: pd.DataFrame) -> pd.DataFrame:
    """The CLV table with stable column types (also when empty)."""
    return typed_table(
        table,
        {
            "customer_id": "object",
            "frequency": "int64",
            "recency": "float64",
            "T": "float64",
            "p_alive": "float64",
            "expected_purchases": "float64",
            "expected_order_value": "float64",
            "predicted_clv": "float64",
            "clv_decile": "Int64",
            "expected_order_value_method": "object",
            "observed_order_value": "float64",
            "purchase_model": "object",
        },
        date_columns=(
            "first_purchase_date",
            "last_purchase_date",
            "as_of_date",
            "fitted_as_of_date",
        ),
    )
