"""Each customer's P(alive), expected purchases, expected order value and discounted predicted
CLV over clv_horizon_days, from the live fits of int_clv_model_parameters."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.refits import as_date
from behaviorseg.value.lifetime_value import (
    LIVE,
    customer_lifetime_value_table,
    fits_from_table,
    fitted_as_of,
)
from behaviorseg.value.settings import value_settings


def model(dbt, session):
    config = value_settings(settings(dbt.config.get("meta")))
    as_of_rows = frame(dbt.ref("int_as_of_date_resolved"))
    as_of = None if as_of_rows.empty else as_date(as_of_rows["as_of_date"].iloc[0])
    parameters = frame(dbt.ref("int_clv_model_parameters"))
    fits = fits_from_table(parameters, LIVE)
    table = customer_lifetime_value_table(
        frame(dbt.ref("int_transaction_days_aggregated")),
        as_of,
        fits,
        config,
        fitted_as_of_date=fitted_as_of(parameters, LIVE),
    )
    if config.purchase_model not in fits:
        log(
            "int_customer_lifetime_value",
            f"no {config.purchase_model} fit (no repeat purchase in the data): "
            "p_alive, expected purchases and CLV are null",
        )
    return table
