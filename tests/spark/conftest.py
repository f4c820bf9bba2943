"""The Spark suite reuses the dbt helpers of the main suite (tests/python/dbt_helpers.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
