"""Customer journeys as an absorbing Markov chain.

Input is a transitions frame with one row per (segment_id, from_state, to_state) and the number
of observed ``transitions`` (as built by the ``journey_transitions`` SQL model). Counts are
normalised per from_state into transition probabilities, so every from_state's outgoing
probabilities sum to 1.

Conventions, per segment:

- ``purchase`` and ``exit`` are absorbing (configurable). Outgoing rows *from* an absorbing state
  are ignored: once a journey has purchased or left it is finished.
- A state that only ever appears as a ``to_state`` (no outgoing transitions observed) is treated
  as going to ``exit`` with probability 1: we saw journeys arrive there and nothing after.
- States outside ``states`` raise ``ValueError`` (pass ``states=None`` to accept any name).
- Negative or non-finite counts raise ``ValueError``; zero-count rows are dropped.

With Q the transient-to-transient and R the transient-to-absorbing block of the transition
matrix, the fundamental matrix is N = (I - Q)^-1. Then:

- ``p_purchase`` = (N R)[state, purchase]: probability of eventually purchasing from the state;
- ``expected_steps`` = (N 1)[state]: expected number of transitions until absorption;
- ``drop_off_rate`` = P[state, exit]: probability of leaving directly from the state;
- ``removal_effect``: relative drop of ``p_purchase`` of the start state (default ``landing``)
  when the state is removed from the graph, i.e. every transition *into* it is redirected to
  ``exit``. Removing the start state itself gives 1 (no journey can start); the effect is NaN
  when the start state is absent from the segment's chain or its purchase probability is 0.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

PURCHASE_STATE = "purchase"
EXIT_STATE = "exit"
DEFAULT_START_STATE = "landing"
DEFAULT_ABSORBING_STATES: tuple[str, ...] = (PURCHASE_STATE, EXIT_STATE)
DEFAULT_STATES: tuple[str, ...] = (
    "landing",
    "browse",
    "search",
    "product_view",
    "add_to_cart",
    "checkout",
    PURCHASE_STATE,
    EXIT_STATE,
)
TRANSITION_COLUMNS: tuple[str, ...] = ("segment_id", "from_state", "to_state", "transitions")
MARKOV_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "state",
    "transitions_out",
    "p_purchase",
    "expected_steps",
    "drop_off_rate",
    "removal_effect",
)
SANKEY_COLUMNS: tuple[str, ...] = ("segment_id", "source", "target", "value")


@dataclass(frozen=True)
class AbsorbingChain:
    """One segment's chain: a row-stochastic matrix over ``transient + absorbing`` states."""

    transient: tuple[str, ...]
    absorbing: tuple[str, ...]
    probabilities: np.ndarray
    transitions_out: dict[str, float]

    @property
    def states(self) -> tuple[str, ...]:
        """All states in matrix order: transient first, then absorbing."""
        return self.transient + self.absorbing

    @property
    def q(self) -> np.ndarray:
        """Transient-to-transient block."""
        k = len(self.transient)
        return self.probabilities[:k, :k]

    @property
    def r(self) -> np.ndarray:
        """Transient-to-absorbing block."""
        k = len(self.transient)
        return self.probabilities[:k, k:]


def validate_transitions(
    transitions: pd.DataFrame,
    *,
    states: Collection[str] | None = DEFAULT_STATES,
) -> pd.DataFrame:
    """Check and tidy a transitions frame: required columns, known states, counts >= 0.

    Returns the frame with duplicate (segment, from, to) rows summed and zero-count rows dropped.
    """
    missing = [column for column in TRANSITION_COLUMNS if column not in transitions.columns]
    if missing:
        raise ValueError(f"transitions frame lacks columns {missing}")
    frame = transitions.loc[:, list(TRANSITION_COLUMNS)].copy()
    if frame[["segment_id", "from_state", "to_state"]].isna().any().any():
        raise ValueError("segment_id, from_state and to_state must not be null")
    counts = pd.to_numeric(frame["transitions"], errors="coerce").astype(float)
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("transitions must be finite, non-negative numbers")
    frame["transitions"] = counts
    frame["from_state"] = frame["from_state"].astype(str)
    frame["to_state"] = frame["to_state"].astype(str)
    if states is not None:
        seen = set(frame["from_state"]) | set(frame["to_state"])
        unknown = sorted(seen - set(states))
        if unknown:
            raise ValueError(f"unknown journey states {unknown}; known: {sorted(states)}")
    frame = frame.loc[frame["transitions"] > 0]
    grouped = frame.groupby(["segment_id", "from_state", "to_state"], as_index=False, sort=True)
    return grouped["transitions"].sum()


def build_chain(
    segment_transitions: pd.DataFrame,
    *,
    absorbing: Sequence[str] = DEFAULT_ABSORBING_STATES,
    exit_state: str = EXIT_STATE,
) -> AbsorbingChain:
    """Build one segment's absorbing chain from its (validated) transition counts."""
    if exit_state not in absorbing:
        raise ValueError(f"exit state {exit_state!r} must be one of the absorbing states")
    from_absorbing = segment_transitions["from_state"].isin(absorbing)
    counts = segment_transitions.loc[~from_absorbing]
    seen = set(counts["from_state"]) | set(counts["to_state"])
    transient = tuple(sorted(seen - set(absorbing)))
    absorbing = tuple(absorbing)
    order = transient + absorbing
    index = {state: position for position, state in enumerate(order)}

    matrix = np.zeros((len(order), len(order)))
    for row in counts.itertuples(index=False):
        matrix[index[row.from_state], index[row.to_state]] += row.transitions
    totals = matrix.sum(axis=1)
    for state in transient:
        if totals[index[state]] == 0:  # only ever seen as a target: the journey ended there
            matrix[index[state], index[exit_state]] = 1.0
    for state in absorbing:
        matrix[index[state], :] = 0.0
        matrix[index[state], index[state]] = 1.0
    probabilities = matrix / matrix.sum(axis=1, keepdims=True)

    transitions_out = counts.groupby("from_state")["transitions"].sum().to_dict()
    return AbsorbingChain(
        transient=transient,
        absorbing=absorbing,
        probabilities=probabilities,
        transitions_out={state: float(transitions_out.get(state, 0.0)) for state in transient},
    )


def states_never_absorbed(chain: AbsorbingChain) -> list[str]:
    """Transient states from which no path leads to an absorbing state (closed loops)."""
    reaches = chain.r.sum(axis=1) > 0
    while True:
        grown = reaches | ((chain.q[:, reaches] > 0).any(axis=1))
        if (grown == reaches).all():
            break
        reaches = grown
    return [state for state, ok in zip(chain.transient, reaches, strict=True) if not ok]


def fundamental_matrix(chain: AbsorbingChain) -> np.ndarray:
    """N = (I - Q)^-1; raises ``ValueError`` if some transient state can never be absorbed."""
    trapped = states_never_absorbed(chain)
    if trapped:
        raise ValueError(f"states {trapped} never reach an absorbing state (loop without exit)")
    return np.linalg.inv(np.eye(len(chain.transient)) - chain.q)


def absorption_probabilities(chain: AbsorbingChain) -> pd.DataFrame:
    """B = N R: probability of ending in each absorbing state, per transient state."""
    if not chain.transient:
        return pd.DataFrame(columns=list(chain.absorbing), dtype=float)
    absorbed = fundamental_matrix(chain) @ chain.r
    return pd.DataFrame(absorbed, index=list(chain.transient), columns=list(chain.absorbing))


def expected_steps_to_absorption(chain: AbsorbingChain) -> pd.Series:
    """t = N 1: expected number of transitions until the journey purchases or exits."""
    if not chain.transient:
        return pd.Series(dtype=float)
    steps = fundamental_matrix(chain).sum(axis=1)
    return pd.Series(steps, index=list(chain.transient))


def without_state(
    chain: AbsorbingChain, state: str, *, exit_state: str = EXIT_STATE
) -> AbsorbingChain:
    """The chain with ``state`` removed: transitions into it are redirected to ``exit_state``."""
    index = {name: position for position, name in enumerate(chain.states)}
    removed, exit_index = index[state], index[exit_state]
    probabilities = chain.probabilities.copy()
    probabilities[:, exit_index] += probabilities[:, removed]
    probabilities[:, removed] = 0.0
    keep = [position for position in range(len(chain.states)) if position != removed]
    return AbsorbingChain(
        transient=tuple(name for name in chain.transient if name != state),
        absorbing=chain.absorbing,
        probabilities=probabilities[np.ix_(keep, keep)],
        transitions_out={k: v for k, v in chain.transitions_out.items() if k != state},
    )


def removal_effects(
    chain: AbsorbingChain,
    *,
    start_state: str = DEFAULT_START_STATE,
    purchase_state: str = PURCHASE_STATE,
    exit_state: str = EXIT_STATE,
) -> dict[str, float]:
    """Relative drop of the start state's purchase probability when each state is removed."""
    if start_state not in chain.transient:
        return {state: float("nan") for state in chain.transient}
    baseline = absorption_probabilities(chain).loc[start_state, purchase_state]
    if baseline <= 0:
        return {state: float("nan") for state in chain.transient}
    effects = {}
    for state in chain.transient:
        if state == start_state:
            effects[state] = 1.0
            continue
        reduced = without_state(chain, state, exit_state=exit_state)
        remaining = absorption_probabilities(reduced).loc[start_state, purchase_state]
        effects[state] = float((baseline - remaining) / baseline)
    return effects


def chain_metrics(
    chain: AbsorbingChain,
    *,
    start_state: str = DEFAULT_START_STATE,
    purchase_state: str = PURCHASE_STATE,
    exit_state: str = EXIT_STATE,
) -> pd.DataFrame:
    """Per transient state: transitions_out, p_purchase, expected_steps, drop_off_rate,
    removal_effect (columns of ``MARKOV_COLUMNS`` without segment_id)."""
    if purchase_state not in chain.absorbing:
        raise ValueError(f"purchase state {purchase_state!r} must be an absorbing state")
    states = list(chain.transient)
    exit_index = chain.states.index(exit_state)
    effects = removal_effects(
        chain, start_state=start_state, purchase_state=purchase_state, exit_state=exit_state
    )
    return pd.DataFrame(
        {
            "state": states,
            "transitions_out": [chain.transitions_out[state] for state in states],
            "p_purchase": absorption_probabilities(chain)[purchase_state].to_numpy(dtype=float),
            "expected_steps": expected_steps_to_absorption(chain).to_numpy(dtype=float),
            "drop_off_rate": chain.probabilities[: len(states), exit_index],
            "removal_effect": [effects[state] for state in states],
        }
    )


def journey_markov(
    transitions: pd.DataFrame,
    *,
    states: Collection[str] | None = DEFAULT_STATES,
    absorbing: Sequence[str] = DEFAULT_ABSORBING_STATES,
    purchase_state: str = PURCHASE_STATE,
    exit_state: str = EXIT_STATE,
    start_state: str = DEFAULT_START_STATE,
) -> pd.DataFrame:
    """Absorbing-chain metrics per segment and transient state (columns ``MARKOV_COLUMNS``).

    Segments are analysed independently; rows are ordered by segment_id, then state.
    """
    frame = validate_transitions(transitions, states=states)
    parts = []
    for segment_id, segment_transitions in frame.groupby("segment_id", sort=True):
        chain = build_chain(segment_transitions, absorbing=absorbing, exit_state=exit_state)
        metrics = chain_metrics(
            chain, start_state=start_state, purchase_state=purchase_state, exit_state=exit_state
        )
        metrics.insert(0, "segment_id", segment_id)
        parts.append(metrics)
    if not parts:
        return pd.DataFrame(columns=list(MARKOV_COLUMNS))
    return pd.concat(parts, ignore_index=True).loc[:, list(MARKOV_COLUMNS)]


def transition_probabilities(
    transitions: pd.DataFrame,
    *,
    states: Collection[str] | None = DEFAULT_STATES,
) -> pd.DataFrame:
    """(segment_id, from_state, to_state, transitions, probability), probabilities per
    segment and from_state summing to 1."""
    frame = validate_transitions(transitions, states=states)
    totals = frame.groupby(["segment_id", "from_state"])["transitions"].transform("sum")
    return frame.assign(probability=frame["transitions"] / totals)


def sankey_edges(
    transitions: pd.DataFrame,
    *,
    states: Collection[str] | None = DEFAULT_STATES,
    top_n: int | None = None,
    include_self_loops: bool = False,
) -> pd.DataFrame:
    """Edges (segment_id, source, target, value) for a Sankey chart, value = transition count.

    Self-loops (e.g. browse -> browse) are dropped by default because Sankey charts cannot draw
    them. With ``top_n`` only the ``top_n`` heaviest edges per segment are kept (ties broken by
    source, then target). Rows are ordered by segment_id, then value descending.
    """
    if top_n is not None and top_n < 1:
        raise ValueError("top_n must be a positive integer or None")
    frame = validate_transitions(transitions, states=states)
    if not include_self_loops:
        frame = frame.loc[frame["from_state"] != frame["to_state"]]
    edges = frame.rename(
        columns={"from_state": "source", "to_state": "target", "transitions": "value"}
    ).sort_values(["segment_id", "value", "source", "target"], ascending=[True, False, True, True])
    if top_n is not None:
        edges = edges.groupby("segment_id", sort=False).head(top_n)
    return edges.loc[:, list(SANKEY_COLUMNS)].reset_index(drop=True)
