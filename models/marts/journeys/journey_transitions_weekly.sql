{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='week_start',
        incremental_strategy='delete+insert',
    )
}}

{#
    Journey transitions per week (Monday), device type and customer segment, each also as
    'all': the session's device type is the device of its first event (web device_type, app
    platform; 'unknown' without one), a session counts in its week (of its start, UTC) and in
    its person's current segment (anonymous visitors only under 'all'). probability =
    transitions / all transitions out of from_state in that week, device and segment.

    Incremental with the sessions: a run rebuilds every week from the first session start
    int_events_sessionised re-cut in it, and every week when the segment assignment moved
    (customer_segments.assigned_at differs from the one the table was built with), so an
    incremental run gives the rows a full refresh would.
#}

with steps as (

    select * from {{ ref('int_journey_steps') }}

),

sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segments_assigned as (

    select max(assigned_at) as segments_assigned_at
    from customer_segments

),

rebuild_from as {{ not_materialized() }} (

    {% if is_incremental() %}
    -- Everything when the segments moved; nothing when no session was (re)cut in this run.
    select
        case
            when (select max(segments_assigned_at) from {{ this }})
                <> (select segments_assigned_at from segments_assigned)
                then cast('1900-01-01' as date)
            when min(event_at) is null then cast('9999-01-01' as date)
            else cast({{ dbt.date_trunc('week', 'min(event_at)') }} as date)
        end as week_start
    from sessionised_events
    where {{ sessionised_in_this_run() }}
    {% else %}
    select cast('1900-01-01' as date) as week_start
    {% endif %}

),

person_segments as (

    {{ person_current_segments('identity_map', 'customer_segments') }}

),

events_rebuilt as {{ not_materialized() }} (

    select *
    from sessionised_events
    {% if is_incremental() %}
    where event_at >= (select week_start from rebuild_from)
    {% endif %}

),

session_devices as (

    {{ session_device_types('events_rebuilt') }}

),

transitions as (

    select
        cast({{ dbt.date_trunc('week', 'steps.session_start_at') }} as date) as week_start,
        coalesce(session_devices.device_type, 'unknown') as device_type,
        cast(person_segments.segment_id as {{ dbt.type_string() }}) as segment_id,
        steps.session_id,
        steps.journey_state as from_state,
        steps.next_state as to_state
    from steps
    left join session_devices
        on session_devices.session_id = steps.session_id
    left join person_segments
        on person_segments.person_id = steps.person_id
    where steps.next_state is not null
        {% if is_incremental() %}
        and steps.session_start_at >= (select week_start from rebuild_from)
        {% endif %}

),

counts as (

    select
        week_start,
        device_type,
        segment_id,
        from_state,
        to_state,
        count(*) as transitions,
        count(distinct session_id) as sessions
    from transitions
    group by week_start, device_type, segment_id, from_state, to_state

),

scoped_counts as (

    -- A session has one device and one segment: sessions add up across them.
    {%- for device_scope, segment_scope in [
        ('device_type', 'segment_id'),
        ("'all'", 'segment_id'),
        ('device_type', "'all'"),
        ("'all'", "'all'"),
    ] %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        week_start,
        {{ device_scope }} as device_type,
        {{ segment_scope }} as segment_id,
        from_state,
        to_state,
        sum(transitions) as transitions,
        sum(sessions) as sessions
    from counts
    {%- if segment_scope == 'segment_id' %}
    where segment_id is not null
    {%- endif %}
    group by week_start, {{ device_scope }}, {{ segment_scope }}, from_state, to_state
    {%- endfor %}

),

final as (

    select
        scoped_counts.week_start,
        cast(scoped_counts.device_type as {{ dbt.type_string() }}) as device_type,
        cast(scoped_counts.segment_id as {{ dbt.type_string() }}) as segment_id,
        scoped_counts.from_state,
        scoped_counts.to_state,
        cast(scoped_counts.transitions as bigint) as transitions,
        cast(scoped_counts.sessions as bigint) as sessions,
        scoped_counts.transitions * 1.0 / sum(scoped_counts.transitions) over (
            partition by
                scoped_counts.week_start,
                scoped_counts.device_type,
                scoped_counts.segment_id,
                scoped_counts.from_state
        ) as probability,
        segments_assigned.segments_assigned_at
    from scoped_counts
    cross join segments_assigned

)

select * from final
