{#
    The event vocabulary in force: the shipped seed event_type_map with the rows of var
    `event_type_map_overrides` in place of the seed's rows for the same (source, raw_event_type),
    plus the override rows for raw types the seed does not list. docs/event-vocabulary.md.
#}

with shipped_rows as (

    select * from {{ ref('event_type_map') }}

),

override_rows as (

    {{ event_type_map_override_rows() }}

),

shipped_rows_kept as (

    select shipped_rows.*
    from shipped_rows
    where not exists (
        select 1
        from override_rows
        where override_rows.source = shipped_rows.source
            and override_rows.raw_event_type = shipped_rows.raw_event_type
    )

),

final as (

    select
        source,
        raw_event_type,
        event_type,
        journey_state,
        {%- for flag in event_type_map_flags() %}
        {{ flag }},
        {%- endfor %}
        'seed' as mapped_by
    from shipped_rows_kept
    union all
    select
        source,
        raw_event_type,
        event_type,
        journey_state,
        {%- for flag in event_type_map_flags() %}
        {{ flag }},
        {%- endfor %}
        'event_type_map_overrides' as mapped_by
    from override_rows

)

select * from final
