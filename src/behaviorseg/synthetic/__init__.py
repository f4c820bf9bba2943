"""Synthetic raw data for behavioral segmentation: `generate(out_dir, customers, days, seed,
start_date)` writes the raw contract (one Parquet file per entity and load day) and the ground
truth (personas, anomalies, identities, drift, experiment effects) under `<out>/_truth/`."""

from behaviorseg.synthetic.generator import generate

__all__ = ["generate"]
