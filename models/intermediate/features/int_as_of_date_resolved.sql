{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{#
    The one point in time every feature is computed at: `var('as_of_date')` (end of that day)
    when set, else the latest event or order timestamp in the data. Never the wall clock.
#}

with events as (

    select * from {{ ref('int_events_unified') }}

),

orders as (

    select * from {{ ref('stg_commerce__orders') }}

),

latest_timestamps as (

    select max(event_at) as latest_at from events
    union all
    select max(ordered_at) as latest_at from orders

),

final as (

    {% if var('as_of_date') %}
    select
        {{ dateadd_exact(
            'millisecond', -1,
            dateadd_exact('day', 1, "cast('" ~ var('as_of_date') ~ "' as timestamp)")
        ) }} as as_of_at,
        cast('{{ var("as_of_date") }}' as date) as as_of_date
    {% else %}
    -- No rows at all when there is no data yet: nothing to compute features for.
    select
        max(latest_at) as as_of_at,
        cast(max(latest_at) as date) as as_of_date
    from latest_timestamps
    having max(latest_at) is not null
    {% endif %}

)

select * from final
