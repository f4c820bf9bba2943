{{ config(post_hook=["{{ warn_unmapped_event_types() }}"]) }}

{#
    Raw event types the event vocabulary (seed event_type_map with var
    event_type_map_overrides) does not map, by source, with how many staged events carry them.
    Such events are kept (sessionised, under their raw name) but count as no behaviour and take
    no journey step. Reported once per build as a warning naming each type and its count
    (post-hook), never a failure.
#}

with events as {{ not_materialized() }} (

    select * from {{ ref('int_events_unified') }}

),

unmapped as (

    select
        source,
        raw_event_type,
        count(*) as events,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    where journey_state is null
        and not exists (
            select 1
            from {{ ref('int_event_type_map') }} as event_type_map
            where event_type_map.source = events.source
                and event_type_map.raw_event_type = events.raw_event_type
        )
    group by source, raw_event_type

),

final as (

    select
        source,
        raw_event_type,
        cast(events as bigint) as events,
        first_event_at,
        last_event_at,
        'map it with a row (' || source || ',' || raw_event_type
        || ',<event_type>,<journey_state>,<is_* flags>) in var event_type_map_overrides or the'
        || ' seed event_type_map (docs/event-vocabulary.md)' as how_to_map
    from unmapped

)

select * from final
