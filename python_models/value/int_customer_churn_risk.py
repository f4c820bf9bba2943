"""Churn probability, decile and top reasons of every customer, from a calibrated classifier
trained on the features as of as_of_date - churn_horizon_days and what followed."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.value.churn import churn_risk_table
from behaviorseg.value.settings import value_settings


def model(dbt, session):
    config = value_settings(settings(dbt.config.get("meta")))
    table = churn_risk_table(
        frame(dbt.ref("int_churn_features_snapshotted")), config.churn_max_training_customers
    )
    scored = int(table["churn_probability"].notna().sum())
    log(
        "int_customer_churn_risk",
        f"{scored} of {len(table)} customers scored ({table['model'].dropna().iloc[0]})"
        if scored
        else f"{len(table)} customers, none scored (no session or order before the horizon)",
    )
    return table
