{{
    config(
        materialized='table',
    )
}}

{#
    Journey transitions per week (Monday), device type and customer segment, each also as
    'all': the session's device type is the device of its first event (web device_type, app
    platform; 'unknown' without one), a session counts in its week (of its start, UTC) and in
    its person's current segment (anonymous visitors only under 'all'). probability =
    transitions / all transitions out of from_state in that week, device and segment.

    A table rebuilt on every run: a week's rows depend on every person's current segment and
    on erasures, which an incremental run keyed on re-cut sessions missed (a DBSCAN refit and an
    erasure left stale rows). segments_assigned_at: when the segments it counts were assigned.
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

person_segments as (

    {{ person_current_segments('identity_map', 'customer_segments') }}

),

session_devices as (

    {{ session_device_types('sessionised_events') }}

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
