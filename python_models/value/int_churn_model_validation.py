"""The churn classifier on held-out customers of the training snapshot: AUC, Brier score,
calibration by decile, and the AUC of recency alone and of BG/NBD's P(alive)."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.value.churn import churn_validation_table
from behaviorseg.value.settings import value_settings


def model(dbt, session):
    config = value_settings(settings(dbt.config.get("meta")))
    table = churn_validation_table(
        frame(dbt.ref("int_churn_features_snapshotted")),
        frame(dbt.ref("int_transaction_days_aggregated")),
        period_days=config.period_days,
        horizon_days=config.churn_horizon_days,
        max_training_customers=config.churn_max_training_customers,
    )
    overall = table[table["row_type"] == "overall"]
    for row in overall.itertuples():
        log(
            "int_churn_model_validation",
            f"{row.population}: AUC {row.auc:.3f} (recency alone {row.baseline_recency_auc:.3f}; "
            f"on buyers {row.auc_on_p_alive_customers:.3f} against P(alive) "
            f"{row.baseline_p_alive_auc:.3f}), Brier {row.brier_score:.4f}",
        )
    return table
