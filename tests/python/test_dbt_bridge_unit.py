"""The Python models' bridge reads each warehouse's relation type as pandas."""

import pandas as pd
import pytest

from behaviorseg.dbt_bridge import frame, settings

ROWS = pd.DataFrame({"customer_id": ["C1", "C2"], "frequency": [3, 0]})


class DuckDBRelation:
    def df(self) -> pd.DataFrame:
        return ROWS


class SparkDataFrame:
    def toPandas(self) -> pd.DataFrame:  # noqa: N802 (pyspark's name)
        return ROWS


class SnowparkDataFrame:
    def to_pandas(self) -> pd.DataFrame:
        return ROWS


@pytest.mark.parametrize("relation", [DuckDBRelation(), SparkDataFrame(), SnowparkDataFrame()])
def test_every_warehouse_relation_becomes_the_same_frame(relation) -> None:
    pd.testing.assert_frame_equal(frame(relation), ROWS)


def test_a_pandas_frame_passes_through_and_anything_else_is_refused() -> None:
    assert frame(ROWS) is ROWS
    with pytest.raises(TypeError, match="cannot read a str"):
        frame("select 1")


def test_unset_settings_arrive_as_none() -> None:
    assert settings({"segment_k": "none", "k_min": 2, "name": " "}) == {
        "segment_k": None,
        "k_min": 2,
        "name": None,
    }
