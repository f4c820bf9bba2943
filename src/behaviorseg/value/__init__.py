"""Predicted customer value: buy-till-you-die models (BG/NBD, Pareto/NBD, Gamma-Gamma), the
customer lifetime value and its holdout validation, and churn propensity.

Modules: ``settings`` (the clv_* and churn_* vars), ``transactions`` (transaction days to
frequency, recency and T), ``btyd`` (the purchase-count models), ``spend`` (Gamma-Gamma),
``lifetime_value`` (CLV per customer and the fitted-parameter table), ``validation`` (holdout
check), ``churn`` (classifier, validation and reasons), ``simulate`` (BG/NBD populations with
known parameters, for tests and the benchmark), ``benchmark`` (`behaviorseg bench-clv`). See
docs/customer_value.md.
"""
