"""BG/NBD (Pareto/NBD as an option) and Gamma-Gamma fitted on all history (`live`) and on the
history before the holdout (`validation`); refitted on the model_refit_days cadence
(behaviorseg.refits), the stored fits kept in between."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.refits import as_date, refit_decision
from behaviorseg.value.lifetime_value import model_parameters_table, stamp_of_parameters
from behaviorseg.value.settings import value_settings


def model(dbt, session):
    config = value_settings(settings(dbt.config.get("meta")))
    as_of_rows = frame(dbt.ref("int_as_of_date_resolved"))
    as_of = None if as_of_rows.empty else as_date(as_of_rows["as_of_date"].iloc[0])
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    decision = refit_decision(
        as_of, stamp_of_parameters(previous), config.fit_settings, config.refit_days
    )
    if not decision.refit:
        log("int_clv_model_parameters", f"customer-value models not refitted: {decision.reason}")
        return previous
    table = model_parameters_table(frame(dbt.ref("int_transaction_days_aggregated")), as_of, config)
    fitted = sorted({f"{row.fit} {row.model}" for row in table.itertuples()})
    log(
        "int_clv_model_parameters",
        f"refitted ({decision.reason}): {', '.join(fitted) or 'no model could be fitted'}",
    )
    return table
