{#
    No event lost between staging and sessions: per source (web, app) and layer, the rows that
    came in, went out, and were dropped, by reason. Layers: `int_events_unified` (in: the staged
    events) and `int_events_sessionised` (in: the unified events). A dropped row is an event of
    no person (neither its cookie or app device nor its user id is in identity_map). The test
    on this model asserts rows_in = rows_out + rows_dropped on every row, so an event that goes
    missing without a counted reason fails the build.
#}

with staged_web_events as {{ not_materialized() }} (

    select * from {{ ref('stg_web__events') }}

),

staged_app_events as {{ not_materialized() }} (

    select * from {{ ref('stg_app__events') }}

),

unified_events as {{ not_materialized() }} (

    select * from {{ ref('int_events_unified') }}

),

sessionised_events as {{ not_materialized() }} (

    select * from {{ ref('int_events_sessionised') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

staged_counts as (

    select 'web' as source, count(*) as events from staged_web_events
    union all
    select 'app' as source, count(*) as events from staged_app_events

),

unified_counts as (

    select source, count(*) as events from unified_events group by source

),

sessionised_counts as (

    select source, count(*) as events from sessionised_events group by source

),

missing_from_sessions as (

    select unified_events.*
    from unified_events
    where not exists (
        select 1 from sessionised_events
        where sessionised_events.event_key = unified_events.event_key
    )

),

missing_with_person as (

    {{ select_with_person('missing_from_sessions', ['source']) }}

),

dropped_without_person as (

    select source, count(*) as events
    from missing_with_person
    where person_id is null
    group by source

),

layers as (

    select
        staged_counts.source,
        'int_events_unified' as layer,
        1 as layer_order,
        staged_counts.events as rows_in,
        coalesce(unified_counts.events, 0) as rows_out,
        0 as rows_dropped,
        cast(null as {{ dbt.type_string() }}) as drop_reason
    from staged_counts
    left join unified_counts on unified_counts.source = staged_counts.source

    union all

    select
        staged_counts.source,
        'int_events_sessionised' as layer,
        2 as layer_order,
        coalesce(unified_counts.events, 0) as rows_in,
        coalesce(sessionised_counts.events, 0) as rows_out,
        coalesce(dropped_without_person.events, 0) as rows_dropped,
        case
            when dropped_without_person.events > 0
                then 'no person: neither the cookie or app device nor the user id is in identity_map'
        end as drop_reason
    from staged_counts
    left join unified_counts on unified_counts.source = staged_counts.source
    left join sessionised_counts on sessionised_counts.source = staged_counts.source
    left join dropped_without_person on dropped_without_person.source = staged_counts.source

),

final as (

    select
        source,
        layer,
        cast(layer_order as integer) as layer_order,
        cast(rows_in as bigint) as rows_in,
        cast(rows_out as bigint) as rows_out,
        cast(rows_dropped as bigint) as rows_dropped,
        drop_reason,
        rows_in = rows_out + rows_dropped as is_reconciled
    from layers

)

select * from final
