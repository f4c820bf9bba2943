"""Incremental sessionisation on hand-made loads with known sessions.

Three daily web-event files arrive one build apart. The second and third carry what makes
incremental sessionisation hard: late events that open a session between two others, become a
session's new first event, come before a person's first event, or bridge two sessions into one;
a cookie that logs in and merges two persons; re-sent events that move to another cookie's
person (one taking a person's whole last session with it); a re-sent event that moves in time;
a re-sent copy that loses to the copy loaded first.

Checked: every person's sessions after the last load (hand-computed), the rows each build
re-cut (only the sessions a change can reach), and the session, journey and journey-mart tables
equal to a `--full-refresh` of the same files.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from dbt_helpers import DbtProject, make_project, table_snapshot, write_entity

COLUMNS = ["event_id", "anonymous_id", "user_id", "event_type", "event_ts", "received_at"]
DAY_1, DAY_2, DAY_3 = "2025-03-01", "2025-03-02", "2025-03-03"


def event(event_id, cookie, when, received, user=None, event_type="page_view"):
    """One raw web event row (timestamps 'YYYY-MM-DD HH:MM', UTC)."""
    return dict(
        zip(
            COLUMNS,
            [event_id, cookie, user, event_type, f"{when}:00Z", f"{received}:00Z"],
            strict=True,
        )
    )


LOAD_1 = [
    # cA: sessions [a1 a2] [a3 a4] [a5]
    event("a1", "cA", f"{DAY_1} 10:00", f"{DAY_1} 10:00"),
    event("a2", "cA", f"{DAY_1} 10:10", f"{DAY_1} 10:10", event_type="product_view"),
    event("a3", "cA", f"{DAY_1} 12:00", f"{DAY_1} 12:00"),
    event("a4", "cA", f"{DAY_1} 12:05", f"{DAY_1} 12:05", event_type="add_to_cart"),
    event("a5", "cA", f"{DAY_1} 15:00", f"{DAY_1} 15:00"),
    # cG: the same shape, changed later in the day only.
    event("g1", "cG", f"{DAY_1} 10:00", f"{DAY_1} 10:00"),
    event("g2", "cG", f"{DAY_1} 10:10", f"{DAY_1} 10:10"),
    event("g3", "cG", f"{DAY_1} 12:00", f"{DAY_1} 12:00", event_type="product_view"),
    event("g4", "cG", f"{DAY_1} 12:05", f"{DAY_1} 12:05", event_type="purchase"),
    event("g5", "cG", f"{DAY_1} 15:00", f"{DAY_1} 15:00"),
    # cB logged in as uB: [b1 b2]
    event("b1", "cB", f"{DAY_1} 09:00", f"{DAY_1} 09:00", user="uB"),
    event("b2", "cB", f"{DAY_1} 09:20", f"{DAY_1} 09:20"),
    # cC, anonymous until day 2: [c1 c2]
    event("c1", "cC", f"{DAY_1} 11:00", f"{DAY_1} 11:00"),
    event("c2", "cC", f"{DAY_1} 11:15", f"{DAY_1} 11:15"),
    # cD: [d1] [d2], an hour apart
    event("d1", "cD", f"{DAY_1} 08:00", f"{DAY_1} 08:00"),
    event("d2", "cD", f"{DAY_1} 09:00", f"{DAY_1} 09:00"),
    # cE1: [e1 e2]; cF: [f1]
    event("e1", "cE1", f"{DAY_1} 13:00", f"{DAY_1} 13:00"),
    event("e2", "cE1", f"{DAY_1} 13:10", f"{DAY_1} 13:10"),
    event("f1", "cF", f"{DAY_1} 13:05", f"{DAY_1} 13:05"),
    # cH: [h1] [h2]
    event("h1", "cH", f"{DAY_1} 08:00", f"{DAY_1} 08:00"),
    event("h2", "cH", f"{DAY_1} 10:00", f"{DAY_1} 10:00"),
]

LOAD_2 = [
    # Late for cA: before its first event (a whole re-cut), between sessions, and a new first
    # event of the [a3 a4] session (its id changes).
    event("a0", "cA", f"{DAY_1} 09:50", f"{DAY_2} 08:00"),
    event("a6", "cA", f"{DAY_1} 11:00", f"{DAY_2} 08:00"),
    event("a7", "cA", f"{DAY_1} 11:40", f"{DAY_2} 08:00"),
    # Late for cG after its second session: re-cut from [g3 g4] on.
    event("g6", "cG", f"{DAY_1} 13:00", f"{DAY_2} 08:00"),
    event("g7", "cG", f"{DAY_1} 14:40", f"{DAY_2} 08:00"),
    # Bridges cD's sessions: gaps of exactly the timeout stay in one session.
    event("d3", "cD", f"{DAY_1} 08:30", f"{DAY_2} 08:00"),
    # cC logs in as uB: cC's person merges into uB's.
    event("c3", "cC", f"{DAY_2} 09:00", f"{DAY_2} 09:00", user="uB"),
    event("b3", "cB", f"{DAY_2} 10:00", f"{DAY_2} 10:00", user="uB"),
    # e2 re-sent with cookie cF: it leaves cE1's person for cF's.
    event("e2", "cF", f"{DAY_1} 13:10", f"{DAY_2} 08:00"),
    # h2 re-sent with cookie cF too: cH loses its whole last session.
    event("h2", "cF", f"{DAY_1} 10:00", f"{DAY_2} 08:00"),
]

LOAD_3 = [
    # A re-sent a1 received before the loaded copy: the loaded copy stays, nothing changes.
    event("a1", "cA", f"{DAY_1} 10:01", f"{DAY_1} 09:00"),
    # g5 re-sent an hour later in time: leaves [g7 g5], opens a session of its own.
    event("g5", "cG", f"{DAY_1} 16:00", f"{DAY_3} 08:00"),
    event("a8", "cA", f"{DAY_3} 10:00", f"{DAY_3} 10:00", event_type="add_to_cart"),
]

# Every cookie's sessions after the third load, in time order, each as its events in order.
EXPECTED_SESSIONS = {
    "cA": [["a0", "a1", "a2"], ["a6"], ["a7", "a3", "a4"], ["a5"], ["a8"]],
    "cG": [["g1", "g2"], ["g3", "g4"], ["g6"], ["g7"], ["g5"]],
    "cB": [["b1", "b2"], ["c1", "c2"], ["c3"], ["b3"]],
    "cD": [["d1", "d3", "d2"]],
    "cE1": [["e1"]],
    "cF": [["h2"], ["f1", "e2"]],
    "cH": [["h1"]],
}

COMPARED_TABLES = {
    "intermediate.int_events_sessionised": ["event_key"],
    "main.fct_sessions": ["session_id"],
    "intermediate.int_journey_steps": ["session_id", "step_number"],
    "main.journey_transitions": ["segment_id", "from_state", "to_state"],
    "main.journey_sankey_edges": ["segment_id", "source", "target"],
    "main.journey_transitions_weekly": [
        "week_start",
        "device_type",
        "segment_id",
        "from_state",
        "to_state",
    ],
}


def recut_in_last_build(project: DbtProject, new_event_key: str) -> set[str]:
    """Event keys int_events_sessionised wrote in the build that first loaded new_event_key."""
    frame = project.query(
        """
        select event_key from intermediate.int_events_sessionised
        where sessionised_invocation_id = (
            select sessionised_invocation_id from intermediate.int_events_sessionised
            where event_key = ?
        )
        """.replace("?", f"'{new_event_key}'")
    )
    return set(frame["event_key"])


@pytest.fixture(scope="module")
def loaded_three_times(tmp_path_factory: pytest.TempPathFactory):
    project = make_project(tmp_path_factory.mktemp("incremental_sessions"))
    recut = {}
    for day, rows, new_key in (
        (DAY_1, LOAD_1, None),
        (DAY_2, LOAD_2, "web:b3"),
        (DAY_3, LOAD_3, "web:a8"),
    ):
        write_entity(project.raw_dir, "web_events", f"{day}.csv", rows)
        project.build()
        if new_key is not None:
            recut[day] = recut_in_last_build(project, new_key)
    incremental = table_snapshot(project, COMPARED_TABLES)
    project.build("--full-refresh")
    return project, recut, incremental, table_snapshot(project, COMPARED_TABLES)


def sessions_by_cookie(project: DbtProject) -> dict[str, list[list[str]]]:
    """Each cookie's person's sessions as event-id lists (by session_number, event order)."""
    events = project.query(
        """
        select sessionised.person_id, sessionised.session_number, sessionised.event_id,
            sessionised.event_at, sessionised.event_key, sessionised.session_id,
            sessionised.is_session_start
        from intermediate.int_events_sessionised as sessionised
        order by person_id, session_number, event_at, event_key
        """
    )
    cookies = project.query(
        "select identifier, person_id from main.identity_map where identifier_type = 'anonymous_id'"
    )
    by_person = {}
    for person_id, rows in events.groupby("person_id"):
        numbers = sorted(rows["session_number"].unique())
        assert numbers == list(range(1, len(numbers) + 1)), f"gaps in {person_id}'s numbers"
        by_person[person_id] = [
            list(rows.loc[rows["session_number"] == number, "event_id"]) for number in numbers
        ]
        for _, session in rows.groupby("session_id"):
            assert session["is_session_start"].sum() == 1
            assert session.sort_values(["event_at", "event_key"])["is_session_start"].iloc[0]
    return {
        cookie: by_person[person]
        for cookie, person in zip(cookies["identifier"], cookies["person_id"], strict=True)
        if cookie in EXPECTED_SESSIONS
    }


def test_sessions_after_three_loads_are_the_hand_computed_ones(loaded_three_times) -> None:
    project, _, _, _ = loaded_three_times
    assert sessions_by_cookie(project) == EXPECTED_SESSIONS


def test_incremental_tables_equal_a_full_refresh(loaded_three_times) -> None:
    _, _, incremental, full = loaded_three_times
    for table in COMPARED_TABLES:
        assert len(full[table]) > 0, table
        pd.testing.assert_frame_equal(
            incremental[table], full[table], check_exact=False, rtol=1e-9, atol=1e-9, obj=table
        )


def test_fct_sessions_holds_exactly_the_expected_sessions(loaded_three_times) -> None:
    project, _, _, _ = loaded_three_times
    expected = sum(len(sessions) for sessions in EXPECTED_SESSIONS.values())
    assert project.scalar("select count(*) from main.fct_sessions") == expected


def test_second_load_recuts_only_what_it_can_reach(loaded_three_times) -> None:
    _, recut, _, _ = loaded_three_times
    assert recut[DAY_2] == {
        # cA whole: a0 is before its first session.
        *(f"web:{key}" for key in ("a0", "a1", "a2", "a6", "a7", "a3", "a4", "a5")),
        # cG from its second session [g3 g4] on; g1, g2 untouched.
        *(f"web:{key}" for key in ("g3", "g4", "g6", "g7", "g5")),
        # cD from [d1]; uB's person whole (cC merged in); cE1 and cH whole (e2 and h2 left
        # them); cF whole (h2 lands before its first session).
        *(f"web:{key}" for key in ("d1", "d3", "d2", "b1", "b2", "c1", "c2", "c3", "b3")),
        *(f"web:{key}" for key in ("e1", "h1", "h2", "f1", "e2")),
    }


def test_third_load_recuts_only_the_last_sessions(loaded_three_times) -> None:
    _, recut, _, _ = loaded_three_times
    # a8 re-opens cA from its last session [a5]; g5 moved from [g7 g5]: cG from g7. The losing
    # re-send of a1 changes nothing.
    assert recut[DAY_3] == {"web:a5", "web:a8", "web:g7", "web:g5"}


def test_the_in_this_run_tests_catch_a_duplicated_event(loaded_three_times) -> None:
    project, _, _, _ = loaded_three_times
    selection = ("--select", "int_events_sessionised,test_name:unique_in_this_run")
    assert project.run("test", *selection).ok
    with duckdb.connect(str(project.warehouse)) as connection:
        connection.execute(
            "insert into intermediate.int_events_sessionised "
            "select * from intermediate.int_events_sessionised where event_key = 'web:a8'"
        )
    failed = project.run("test", *selection)
    assert not failed.ok
    assert "unique_in_this_run_int_events_sessionised_event_key" in failed.output
