{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='session_id',
        incremental_strategy='delete+insert',
        pre_hook=["{% if is_incremental() %}{{ delete_recut_sessions() }}{% endif %}"],
    )
}}

{#
    Each session as a journey through states (seed event_type_map: landing, browse, search,
    product_view, add_to_cart, checkout, purchase): every session starts at landing (and only
    there: landing events later in a session are ignored), consecutive
    repeats of a state collapse into one step, the journey ends at its first purchase
    (absorbing) or, without one, at exit. Each step carries the state it leads to, so the
    journey marts count transitions without re-reading the steps in order.

    Incremental by session, like fct_sessions: a run builds the journeys of the sessions
    int_events_sessionised (re)computed in it.
#}

with sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

events_in_batch as {{ not_materialized() }} (

    select *
    from sessionised_events
    {% if is_incremental() %}
    where {{ sessionised_in_this_run() }}
    {% endif %}

),

session_starts as (

    select
        session_id,
        min(event_at) as session_start_at
    from events_in_batch
    group by session_id

),

mapped_events as (

    select
        session_id,
        person_id,
        journey_state,
        row_number() over (partition by session_id order by event_at, event_key) as event_number
    from events_in_batch
    -- Landing is where every journey starts (added below); an app re-opened mid-session is
    -- not a new landing.
    where journey_state is not null
        and journey_state <> 'landing'

),

session_ends as (

    select
        session_id,
        min(case when journey_state = 'purchase' then event_number end) as purchase_event_number
    from mapped_events
    group by session_id

),

events_until_purchase as (

    select
        mapped_events.session_id,
        mapped_events.person_id,
        mapped_events.journey_state,
        mapped_events.event_number
    from mapped_events
    inner join session_ends
        on session_ends.session_id = mapped_events.session_id
    where session_ends.purchase_event_number is null
        or mapped_events.event_number <= session_ends.purchase_event_number

),

landings as (

    select distinct
        session_id,
        person_id,
        'landing' as journey_state,
        0 as event_number
    from events_until_purchase

),

journey_events as (

    select session_id, person_id, journey_state, event_number from landings
    union all
    select session_id, person_id, journey_state, event_number from events_until_purchase

),

repeats_flagged as (

    select
        *,
        lag(journey_state) over (partition by session_id order by event_number)
            as previous_state
    from journey_events

),

steps as (

    select
        session_id,
        person_id,
        journey_state,
        -- bigint on both engines (Spark's row_number() is an int, DuckDB's a bigint).
        cast(row_number() over (partition by session_id order by event_number) as bigint)
            as step_number
    from repeats_flagged
    where previous_state is null
        or previous_state <> journey_state

),

exits as (

    -- A journey without a purchase ends at exit, one step after its last state.
    select
        session_id,
        max(person_id) as person_id,
        'exit' as journey_state,
        max(step_number) + 1 as step_number
    from steps
    group by session_id
    having max(case when journey_state = 'purchase' then 1 else 0 end) = 0

),

journeys as (

    select session_id, person_id, step_number, journey_state from steps
    union all
    select session_id, person_id, step_number, journey_state from exits

),

final as (

    select
        journeys.session_id,
        journeys.person_id,
        session_starts.session_start_at,
        journeys.step_number,
        journeys.journey_state,
        lead(journeys.journey_state) over (
            partition by journeys.session_id order by journeys.step_number
        ) as next_state,
        '{{ invocation_id }}' as sessionised_invocation_id
    from journeys
    inner join session_starts
        on session_starts.session_id = journeys.session_id

)

select * from final
