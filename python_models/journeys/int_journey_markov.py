"""Absorbing Markov chain of the journeys (purchase and exit absorb), per segment and state:
probability of eventually purchasing, expected steps, drop-off rate and removal effect. The
states are those the event vocabulary declares (int_event_type_map) plus the fixed ones."""

from behaviorseg.dbt_bridge import frame
from behaviorseg.journeys import journey_markov
from behaviorseg.vocabulary import declared_journey_states


def model(dbt, session):
    transitions = frame(dbt.ref("journey_transitions"))
    states = declared_journey_states(frame(dbt.ref("int_event_type_map")))
    names = transitions[["segment_id", "segment_name"]].drop_duplicates("segment_id")
    chain = journey_markov(
        transitions[["segment_id", "from_state", "to_state", "transitions"]], states=states
    )
    return chain.merge(names, on="segment_id", how="left")
