"""The customer-value settings, from the vars the Python models' yml renders into their meta."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from behaviorseg.refits import refit_days_setting, settings_text
from behaviorseg.value.btyd import BG_NBD, PARETO_NBD

PURCHASE_MODELS: tuple[str, ...] = (BG_NBD, PARETO_NBD)


@dataclass(frozen=True)
class ValueSettings:
    """vars clv_* and churn_* (defaults as in dbt_project.yml)."""

    period_days: float = 7.0
    horizon_days: float = 365.0
    annual_discount_rate: float = 0.10
    holdout_days: int = 182
    purchase_model: str = BG_NBD
    churn_horizon_days: int = 60
    churn_max_training_customers: int = 200_000
    refit_days: int = 7

    def __post_init__(self) -> None:
        if self.period_days <= 0:
            raise ValueError(f"clv_period_days must be positive, not {self.period_days}")
        if self.horizon_days < 0 or self.holdout_days < 0 or self.churn_horizon_days <= 0:
            raise ValueError(
                "clv_horizon_days and clv_holdout_days must not be negative and "
                f"churn_horizon_days must be positive (got {self.horizon_days}, "
                f"{self.holdout_days}, {self.churn_horizon_days})"
            )
        if self.annual_discount_rate <= -1:
            raise ValueError(
                f"clv_annual_discount_rate must be above -1, not {self.annual_discount_rate}"
            )
        if self.purchase_model not in PURCHASE_MODELS:
            raise ValueError(
                f"clv_purchase_model must be one of {PURCHASE_MODELS}, not {self.purchase_model!r}"
            )

    @property
    def fit_settings(self) -> str:
        """What shapes the fits (a change refits them; horizon and discount rate only change
        the predictions made with the fits)."""
        return settings_text(
            {
                "clv_period_days": self.period_days,
                "clv_holdout_days": self.holdout_days,
                "clv_purchase_model": self.purchase_model,
            }
        )


def _number(options: Mapping[str, Any], key: str, default: float) -> float:
    value = options.get(key)
    return default if value is None else float(value)


def value_settings(options: Mapping[str, Any]) -> ValueSettings:
    """ValueSettings from a model's settings (``behaviorseg.dbt_bridge.settings``)."""
    defaults = ValueSettings()
    return ValueSettings(
        period_days=_number(options, "clv_period_days", defaults.period_days),
        horizon_days=_number(options, "clv_horizon_days", defaults.horizon_days),
        annual_discount_rate=_number(
            options, "clv_annual_discount_rate", defaults.annual_discount_rate
        ),
        holdout_days=int(_number(options, "clv_holdout_days", defaults.holdout_days)),
        purchase_model=str(options.get("clv_purchase_model") or defaults.purchase_model),
        churn_horizon_days=int(_number(options, "churn_horizon_days", defaults.churn_horizon_days)),
        churn_max_training_customers=int(
            _number(options, "churn_max_training_customers", defaults.churn_max_training_customers)
        ),
        refit_days=refit_days_setting(options),
    )
