"""Absorbing Markov chain of the journeys (purchase and exit absorb), per segment and state:
probability of eventually purchasing, expected steps, drop-off rate and removal effect."""

from behaviorseg.dbt_bridge import frame
from behaviorseg.journeys import journey_markov


def model(dbt, session):
    transitions = frame(dbt.ref("journey_transitions"))
    names = transitions[["segment_id", "segment_name"]].drop_duplicates("segment_id")
    chain = journey_markov(transitions[["segment_id", "from_state", "to_state", "transitions"]])
    return chain.merge(names, on="segment_id", how="left")
