-- Every session sessionised in this run has exactly one event flagged is_session_start, and it
-- is the session's first event by (event_at, event_key): fct_sessions' landing page and the
-- journey models' device type (macro session_device_types) are read from that one event.
with sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}
    where {{ sessionised_in_this_run() }}

),

session_starts as (

    select
        session_id,
        min(event_at) as first_event_at,
        sum(case when is_session_start then 1 else 0 end) as start_events,
        max(case when is_session_start then event_key end) as start_event_key
    from sessionised_events
    group by session_id

),

first_events as (

    select
        sessionised_events.session_id,
        min(sessionised_events.event_key) as first_event_key
    from sessionised_events
    inner join session_starts
        on session_starts.session_id = sessionised_events.session_id
        and session_starts.first_event_at = sessionised_events.event_at
    group by sessionised_events.session_id

),

final as (

    select
        session_starts.session_id,
        session_starts.start_events,
        session_starts.start_event_key,
        first_events.first_event_key
    from session_starts
    inner join first_events
        on first_events.session_id = session_starts.session_id
    where session_starts.start_events <> 1
        or session_starts.start_event_key <> first_events.first_event_key

)

select * from final
