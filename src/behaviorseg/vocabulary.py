"""The event vocabulary: the seed ``event_type_map`` read by Python code.

The seed maps each source's raw event type to a unified event type, a journey state and the
behaviours it counts as. Journey states are whatever the seed declares, plus the fixed ones:
``landing`` (every journey starts there), ``purchase`` and ``exit`` (absorbing). Python checks
(the Markov chain, the Great Expectations value sets) read the states and raw types from here
instead of restating a list. docs/event-vocabulary.md describes the seed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

START_STATE = "landing"
PURCHASE_STATE = "purchase"
EXIT_STATE = "exit"
FIXED_JOURNEY_STATES: tuple[str, ...] = (START_STATE, PURCHASE_STATE, EXIT_STATE)
SEED_PATH = Path(__file__).resolve().parents[2] / "seeds" / "event_type_map.csv"


def read_event_type_map(path: Path | str = SEED_PATH) -> pd.DataFrame:
    """The seed's rows (empty frame with the key columns when the file is absent)."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=["source", "raw_event_type", "event_type", "journey_state"])
    return pd.read_csv(path, dtype=str)


def declared_journey_states(event_type_map: pd.DataFrame) -> tuple[str, ...]:
    """Fixed states first, then every other journey state the map declares, sorted."""
    declared = {
        str(state).lower()
        for state in event_type_map["journey_state"].dropna()
        if str(state).strip()
    }
    return FIXED_JOURNEY_STATES + tuple(sorted(declared - set(FIXED_JOURNEY_STATES)))


def mapped_raw_event_types(event_type_map: pd.DataFrame, source: str) -> tuple[str, ...]:
    """The raw event types of ``source`` (web or app) the map lists, sorted."""
    rows = event_type_map[event_type_map["source"].astype(str).str.lower() == source]
    return tuple(sorted({str(value).lower() for value in rows["raw_event_type"].dropna()}))
