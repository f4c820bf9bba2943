"""One segmentation fit per refit, kept as one table (int_segmentation_fit).

A refit clusters the customers once (``run_with_selected_k``) and stores everything that fit
produced in one long table, one row per output, told apart by ``fit_output``:

- ``centroid``: per segment and feature the centroid's z-score, the feature's preparation and
  the segment's identity (``behaviorseg.segmentation.stored``), read by int_segment_centroids;
- ``dendrogram``: the Ward linkage rows of a hierarchical fit, read by int_segment_dendrogram;
- ``assignment``: the fit's own label of every customer, read by
  int_customer_segments_assigned in the run that made the fit.

Every row carries the fit's stamp. Between refits the table is kept without its assignment
rows (they describe the data of the fit's day), and int_customer_segments_assigned places the
customers of the day with the stored centroids instead. So the three outputs come from the same
fit by construction, and a refit costs one clustering.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from behaviorseg.dbt_bridge import typed_table
from behaviorseg.refits import STAMP_COLUMNS, FitStamp, stamped
from behaviorseg.segmentation.features import DEFAULT_FEATURES, FeatureSpec
from behaviorseg.segmentation.pipeline import SegmentationRun
from behaviorseg.segmentation.runs import (
    ASSIGNMENT_COLUMNS,
    DENDROGRAM_COLUMNS,
    customer_assignments,
    dendrogram_table,
    untracked_customer_ids,
)
from behaviorseg.segmentation.stored import (
    STATE_COLUMNS,
    assign_with_stored_fit,
    fitted_state_table,
    is_usable_state,
)

FIT_OUTPUT_COLUMN = "fit_output"
ASSIGNMENT = "assignment"
CENTROID = "centroid"
DENDROGRAM = "dendrogram"

# The warehouse type of every column (pandas nullable types, so an output's rows keep their
# types where the other outputs' columns are null, and an empty fit keeps its shape).
FIT_DTYPES: dict[str, str] = {
    FIT_OUTPUT_COLUMN: "string",
    "customer_id": "string",
    "segment_id": "Int64",
    "segment_name": "string",
    "distance_to_centroid": "Float64",
    "assigned_at": "datetime64[us]",
    "algorithm": "string",
    "is_noise_segment": "boolean",
    "is_new_segment": "boolean",
    "naming_method": "string",
    "segment_description": "string",
    "feature": "string",
    "value": "Float64",
    "imputation_value": "Float64",
    "is_log_transformed": "boolean",
    "scaler_mean": "Float64",
    "scaler_std": "Float64",
    "merge_step": "Int64",
    "node_id": "Int64",
    "left_node_id": "Int64",
    "right_node_id": "Int64",
    "distance": "Float64",
    "leaf_count": "Int64",
    "fitted_as_of_date": "datetime64[us]",
    "fit_settings": "string",
}
FIT_COLUMNS = list(FIT_DTYPES)
# Text columns of the assignments, typed even when there are none (an empty build).
ASSIGNMENT_TEXT_COLUMNS = [
    "customer_id",
    "segment_name",
    "algorithm",
    "naming_method",
    "segment_description",
]
OUTPUT_COLUMNS: dict[str, list[str]] = {
    ASSIGNMENT: [*ASSIGNMENT_COLUMNS, *STAMP_COLUMNS],
    CENTROID: STATE_COLUMNS,
    DENDROGRAM: [*DENDROGRAM_COLUMNS, *STAMP_COLUMNS],
}


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every fit column, in order and of its warehouse type."""
    return typed_table(table.reindex(columns=FIT_COLUMNS), FIT_DTYPES)


def segmentation_fit_table(
    customer_features: pd.DataFrame,
    run: SegmentationRun | None,
    algorithm: str,
    stamp: FitStamp | None,
) -> pd.DataFrame:
    """int_segmentation_fit for a fit made now: its centroid, dendrogram and assignment rows.

    ``run`` None (too few customers to cluster) stores no centroid and puts every customer in
    one segment (``customer_assignments``).
    """
    parts = {
        ASSIGNMENT: stamped(customer_assignments(customer_features, run, algorithm), stamp),
        CENTROID: fitted_state_table(run, stamp),
        DENDROGRAM: stamped(dendrogram_table(run), stamp),
    }
    frames = [_typed(part.assign(**{FIT_OUTPUT_COLUMN: name})) for name, part in parts.items()]
    return pd.concat(frames, ignore_index=True)


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Nullable columns without a null as plain numpy ones (what the fitting code computes with);
    text as object."""
    plain = {}
    for column in table.columns:
        values = table[column]
        if isinstance(values.dtype, pd.StringDtype):
            values = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_extension_array_dtype(values.dtype) and not values.isna().any():
            values = values.astype(values.dtype.numpy_dtype)
        plain[column] = values
    return pd.DataFrame(plain, index=table.index)


def fit_output(fit: pd.DataFrame | None, output: str) -> pd.DataFrame:
    """The rows of one output of a stored fit, with that output's columns (empty without a fit)."""
    if fit is None or FIT_OUTPUT_COLUMN not in fit.columns:
        fit = pd.DataFrame(columns=FIT_COLUMNS)
    rows = _typed(fit[fit[FIT_OUTPUT_COLUMN] == output])
    return _plain(rows[OUTPUT_COLUMNS[output]].reset_index(drop=True))


def kept_fit(fit: pd.DataFrame) -> pd.DataFrame:
    """The stored fit as a run between refits keeps it: without the fit day's assignments."""
    return _typed(fit[fit[FIT_OUTPUT_COLUMN] != ASSIGNMENT]).reset_index(drop=True)


def assignments_from_fit(
    customer_features: pd.DataFrame,
    fit: pd.DataFrame,
    *,
    algorithm: str,
    specs: Sequence[FeatureSpec] = DEFAULT_FEATURES,
) -> tuple[pd.DataFrame, bool]:
    """int_customer_segments_assigned from the stored fit, and whether it was made this run.

    The run that made the fit takes its labels; a run between refits places every customer in
    the stored segment with the nearest centroid (``assign_with_stored_fit``).
    """
    labels = fit_output(fit, ASSIGNMENT)
    state = fit_output(fit, CENTROID)
    if not labels.empty or not is_usable_state(state):
        text = {column: "string" for column in ASSIGNMENT_TEXT_COLUMNS}
        return typed_table(labels[ASSIGNMENT_COLUMNS], text), True
    placed = assign_with_stored_fit(
        customer_features,
        state,
        algorithm=algorithm,
        untracked_customer_ids=untracked_customer_ids(customer_features),
        specs=specs,
    )
    return placed, False
