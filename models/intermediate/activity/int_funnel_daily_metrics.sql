{#
    Daily funnel metrics for the control charts, one row per day, scope and metric:
    - step_conversion_<state>: of the sessions that reached the journey state (int_journey_steps),
      the share that went on to purchase;
    - event_share_<event_type>: the share of sessions with at least one event of each event type
      in var monitored_event_types (e.g. contact_support).
    Per customer segment and 'all' (device_type 'all'), and per device type for segment 'all'
    (the device of the session's first event). numerator / denominator = value, so a sparse
    series can be judged on pooled days. Days count by session start (UTC).
#}

with sessions as (

    select * from {{ ref('fct_sessions') }}

),

sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

steps as (

    select * from {{ ref('int_journey_steps') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

person_segments as (

    {{ person_current_segments('identity_map', 'customer_segments') }}

),

session_devices as (

    {{ session_device_types('sessionised_events') }}

),

scoped_sessions as (

    select
        sessions.session_id,
        cast(sessions.session_start_at as date) as activity_date,
        coalesce(session_devices.device_type, 'unknown') as device_type,
        cast(person_segments.segment_id as {{ dbt.type_string() }}) as segment_id
    from sessions
    left join session_devices
        on session_devices.session_id = sessions.session_id
    left join person_segments
        on person_segments.person_id = sessions.person_id

),

session_states as (

    select
        session_id,
        journey_state,
        max(case when journey_state = 'purchase' then 1 else 0 end)
            over (partition by session_id) as has_purchase
    from steps

),

state_reached as (

    select distinct
        session_id,
        'step_conversion_' || journey_state as metric,
        has_purchase as hit
    from session_states
    where journey_state not in ('purchase', 'exit')

),

{%- set event_types = var('monitored_event_types') or [] %}

event_flags as (

    {%- if event_types %}
    select
        sessions.session_id,
        'event_share_' || monitored.event_type as metric,
        case when flagged.session_id is null then 0 else 1 end as hit
    from sessions
    cross join (
        {%- for event_type in event_types %}
        {%- if not loop.first %}
        union all
        {%- endif %}
        select '{{ event_type }}' as event_type
        {%- endfor %}
    ) as monitored
    left join (
        select distinct session_id, event_type
        from sessionised_events
        where event_type in ({{ sql_string_literals(event_types) }})
    ) as flagged
        on flagged.session_id = sessions.session_id
        and flagged.event_type = monitored.event_type
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as {{ dbt.type_string() }}) as metric,
        0 as hit
    where 1 = 0
    {%- endif %}

),

session_metrics as (

    select session_id, metric, hit from state_reached
    union all
    select session_id, metric, hit from event_flags

),

metric_rows as (

    select
        scoped_sessions.activity_date,
        scoped_sessions.device_type,
        scoped_sessions.segment_id,
        session_metrics.metric,
        session_metrics.hit
    from session_metrics
    inner join scoped_sessions
        on scoped_sessions.session_id = session_metrics.session_id

),

scoped as (

    select activity_date, segment_id, 'all' as device_type, metric,
        sum(hit) as numerator, count(*) as denominator
    from metric_rows
    where segment_id is not null
    group by activity_date, segment_id, metric
    union all
    select activity_date, 'all' as segment_id, 'all' as device_type, metric,
        sum(hit) as numerator, count(*) as denominator
    from metric_rows
    group by activity_date, metric
    union all
    select activity_date, 'all' as segment_id, device_type, metric,
        sum(hit) as numerator, count(*) as denominator
    from metric_rows
    group by activity_date, device_type, metric

),

final as (

    select
        segment_id,
        device_type,
        metric,
        activity_date,
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        numerator * 1.0 / denominator as value
    from scoped

)

select * from final
