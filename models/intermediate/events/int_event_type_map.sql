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

    {%- for relation, mapped_by in [('shipped_rows_kept', 'seed'), ('override_rows', 'event_type_map_overrides')] %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        source,
        raw_event_type,
        event_type,
        journey_state,
        {%- for flag in event_type_map_flags() %}
        {{ flag }},
        {%- endfor %}
        '{{ mapped_by }}' as mapped_by
    from {{ relation }}
    {%- endfor %}

)

select * from final
