"""Absorbing Markov chain journeys: known analytical answers on hand-made chains."""

import numpy as np
import pandas as pd
import pytest

from behaviorseg.journeys import (
    MARKOV_COLUMNS,
    SANKEY_COLUMNS,
    build_chain,
    journey_markov,
    sankey_edges,
    transition_probabilities,
    validate_transitions,
)


def transitions_frame(segment_id: str, edges: dict[tuple[str, str], float]) -> pd.DataFrame:
    """A transitions frame for one segment from {(from, to): count}."""
    return pd.DataFrame(
        [
            {"segment_id": segment_id, "from_state": a, "to_state": b, "transitions": n}
            for (a, b), n in edges.items()
        ]
    )


# landing -> browse 0.5 / exit 0.5; browse -> purchase 0.4 / exit 0.6
SIMPLE = {
    ("landing", "browse"): 50,
    ("landing", "exit"): 50,
    ("browse", "purchase"): 40,
    ("browse", "exit"): 60,
}

# Two routes to product_view:
#   landing -> browse 0.5 / search 0.3 / exit 0.2
#   browse -> product_view 0.5 / exit 0.5;  search -> product_view 0.6 / exit 0.4
#   product_view -> purchase 0.3 / exit 0.7
TWO_ROUTES = {
    ("landing", "browse"): 50,
    ("landing", "search"): 30,
    ("landing", "exit"): 20,
    ("browse", "product_view"): 10,
    ("browse", "exit"): 10,
    ("search", "product_view"): 6,
    ("search", "exit"): 4,
    ("product_view", "purchase"): 3,
    ("product_view", "exit"): 7,
}


def by_state(frame: pd.DataFrame, segment_id: str = "s") -> pd.DataFrame:
    return frame.loc[frame["segment_id"] == segment_id].set_index("state")


def test_simple_chain_has_the_analytical_answer():
    frame = journey_markov(transitions_frame("s", SIMPLE))
    assert list(frame.columns) == list(MARKOV_COLUMNS)
    result = by_state(frame)

    assert set(result.index) == {"landing", "browse"}
    assert result.loc["landing", "p_purchase"] == pytest.approx(0.5 * 0.4)
    assert result.loc["browse", "p_purchase"] == pytest.approx(0.4)
    # landing: exit after 1 step (p 0.5) or landing -> browse -> absorbed in 2 steps (p 0.5)
    assert result.loc["landing", "expected_steps"] == pytest.approx(0.5 * 1 + 0.5 * 2)
    assert result.loc["browse", "expected_steps"] == pytest.approx(1.0)
    assert result.loc["landing", "drop_off_rate"] == pytest.approx(0.5)
    assert result.loc["browse", "drop_off_rate"] == pytest.approx(0.6)
    # Removing browse sends landing's 0.5 to exit: nothing can be bought any more.
    assert result.loc["browse", "removal_effect"] == pytest.approx(1.0)
    assert result.loc["landing", "removal_effect"] == pytest.approx(1.0)
    assert result.loc["landing", "transitions_out"] == 100
    assert result.loc["browse", "transitions_out"] == 100


def test_removal_effects_on_a_chain_with_two_routes():
    result = by_state(journey_markov(transitions_frame("s", TWO_ROUTES)))

    p_landing = 0.5 * 0.5 * 0.3 + 0.3 * 0.6 * 0.3  # 0.075 + 0.054 = 0.129
    assert result.loc["landing", "p_purchase"] == pytest.approx(p_landing)
    assert result.loc["browse", "p_purchase"] == pytest.approx(0.15)
    assert result.loc["search", "p_purchase"] == pytest.approx(0.18)
    assert result.loc["product_view", "p_purchase"] == pytest.approx(0.3)
    # Without browse only the search route remains (0.054), and vice versa (0.075).
    assert result.loc["browse", "removal_effect"] == pytest.approx((p_landing - 0.054) / p_landing)
    assert result.loc["search", "removal_effect"] == pytest.approx((p_landing - 0.075) / p_landing)
    assert result.loc["product_view", "removal_effect"] == pytest.approx(1.0)
    # t(pv) = 1, t(browse) = 1 + 0.5 t(pv) = 1.5, t(search) = 1 + 0.6 t(pv) = 1.6,
    # t(landing) = 1 + 0.5 t(browse) + 0.3 t(search) = 2.23
    assert result.loc["search", "expected_steps"] == pytest.approx(1.6)
    assert result.loc["landing", "expected_steps"] == pytest.approx(1 + 0.5 * 1.5 + 0.3 * 1.6)


def test_loops_match_the_linear_equations():
    # browse -> browse 0.2, product_view 0.5, exit 0.3; product_view -> browse 0.4,
    # purchase 0.2, exit 0.4.  p_b = 0.2 p_b + 0.5 p_pv;  p_pv = 0.4 p_b + 0.2.
    edges = {
        ("browse", "browse"): 2,
        ("browse", "product_view"): 5,
        ("browse", "exit"): 3,
        ("product_view", "browse"): 4,
        ("product_view", "purchase"): 2,
        ("product_view", "exit"): 4,
    }
    result = by_state(journey_markov(transitions_frame("s", edges), start_state="browse"))
    p_browse = 0.1 / 0.6  # 0.8 p_b = 0.5 (0.4 p_b + 0.2)  =>  0.6 p_b = 0.1
    assert result.loc["browse", "p_purchase"] == pytest.approx(p_browse)
    assert result.loc["product_view", "p_purchase"] == pytest.approx(0.4 * p_browse + 0.2)
    # t_b = 1 + 0.2 t_b + 0.5 t_pv;  t_pv = 1 + 0.4 t_b  =>  0.6 t_b = 1.5
    assert result.loc["browse", "expected_steps"] == pytest.approx(2.5)
    assert result.loc["product_view", "expected_steps"] == pytest.approx(2.0)


def test_absorption_probabilities_sum_to_one_and_rows_are_distributions():
    chain = build_chain(validate_transitions(transitions_frame("s", TWO_ROUTES)))
    np.testing.assert_allclose(chain.probabilities.sum(axis=1), 1.0)
    result = journey_markov(transitions_frame("s", TWO_ROUTES))
    assert ((result["p_purchase"] >= 0) & (result["p_purchase"] <= 1)).all()

    probabilities = transition_probabilities(transitions_frame("s", TWO_ROUTES))
    sums = probabilities.groupby(["segment_id", "from_state"])["probability"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)


def test_segments_are_kept_apart():
    frame = pd.concat(
        [transitions_frame("a", SIMPLE), transitions_frame("b", TWO_ROUTES)], ignore_index=True
    )
    result = journey_markov(frame)

    assert list(result["segment_id"].unique()) == ["a", "b"]
    assert by_state(result, "a").loc["landing", "p_purchase"] == pytest.approx(0.2)
    assert by_state(result, "b").loc["landing", "p_purchase"] == pytest.approx(0.129)
    assert "search" not in by_state(result, "a").index


def test_state_without_outgoing_transitions_goes_to_exit():
    edges = {("landing", "checkout"): 1, ("landing", "purchase"): 1}
    result = by_state(journey_markov(transitions_frame("s", edges)))
    assert result.loc["checkout", "drop_off_rate"] == 1.0
    assert result.loc["checkout", "p_purchase"] == 0.0
    assert result.loc["checkout", "transitions_out"] == 0
    assert result.loc["landing", "p_purchase"] == pytest.approx(0.5)


def test_transitions_out_of_absorbing_states_are_ignored():
    edges = dict(SIMPLE) | {("purchase", "browse"): 99, ("exit", "landing"): 5}
    result = by_state(journey_markov(transitions_frame("s", edges)))
    assert result.loc["landing", "p_purchase"] == pytest.approx(0.2)


def test_unknown_states_and_bad_counts_are_rejected():
    with pytest.raises(ValueError, match="unknown journey states"):
        journey_markov(transitions_frame("s", {("landing", "teleport"): 1}))
    with pytest.raises(ValueError, match="non-negative"):
        journey_markov(transitions_frame("s", {("landing", "exit"): -1}))
    with pytest.raises(ValueError, match="lacks columns"):
        journey_markov(pd.DataFrame({"segment_id": ["s"], "from_state": ["landing"]}))
    accepted = journey_markov(transitions_frame("s", {("landing", "teleport"): 1}), states=None)
    assert set(accepted["state"]) == {"landing", "teleport"}


def test_loop_without_exit_is_rejected():
    edges = {("browse", "search"): 1, ("search", "browse"): 1}
    with pytest.raises(ValueError, match="never reach an absorbing state"):
        journey_markov(transitions_frame("s", edges))


def test_missing_start_state_gives_nan_removal_effects():
    edges = {("browse", "purchase"): 1, ("browse", "exit"): 1}
    result = journey_markov(transitions_frame("s", edges))
    assert result["removal_effect"].isna().all()
    assert result["p_purchase"].tolist() == [0.5]


def test_sankey_edges_keep_counts_and_collapse_to_top_n():
    frame = pd.concat(
        [transitions_frame("a", SIMPLE), transitions_frame("b", TWO_ROUTES)], ignore_index=True
    )
    frame = pd.concat([frame, transitions_frame("a", {("browse", "browse"): 7})], ignore_index=True)
    edges = sankey_edges(frame)
    assert list(edges.columns) == list(SANKEY_COLUMNS)
    assert len(edges) == len(SIMPLE) + len(TWO_ROUTES)  # self-loop dropped
    assert edges["value"].sum() == sum(SIMPLE.values()) + sum(TWO_ROUTES.values())

    top = sankey_edges(frame, top_n=2)
    assert top.groupby("segment_id").size().to_dict() == {"a": 2, "b": 2}
    top_b = top.loc[top["segment_id"] == "b"]
    assert list(zip(top_b["source"], top_b["target"], strict=True)) == [
        ("landing", "browse"),
        ("landing", "search"),
    ]
    a_rows = top.loc[top["segment_id"] == "a"]
    assert list(zip(a_rows["source"], a_rows["target"], strict=True)) == [
        ("browse", "exit"),
        ("landing", "browse"),
    ]
