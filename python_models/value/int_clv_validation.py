"""The validation fit's predicted transactions in the holdout against the actual ones, per
calibration frequency bucket."""

from behaviorseg.dbt_bridge import frame, settings
from behaviorseg.value.lifetime_value import LIVE, VALIDATION, fits_from_table, fitted_as_of
from behaviorseg.value.settings import value_settings
from behaviorseg.value.validation import validation_table


def model(dbt, session):
    config = value_settings(settings(dbt.config.get("meta")))
    parameters = frame(dbt.ref("int_clv_model_parameters"))
    return validation_table(
        frame(dbt.ref("int_transaction_days_aggregated")),
        fits_from_table(parameters, VALIDATION).get(config.purchase_model),
        calibration_end=fitted_as_of(parameters, VALIDATION),
        holdout_end=fitted_as_of(parameters, LIVE),
        settings=config,
    )
