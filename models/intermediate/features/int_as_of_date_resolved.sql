{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{#
    The one point in time every feature is computed at: `var('as_of_date')` (end of that day)
    when set, else the latest event or order timestamp in the data, but never later than the
    latest load (the newest first_loaded_at of the load log): a timestamp staging accepted
    within var raw_max_future_minutes of its arrival cannot move the features into the future.
    Never the wall clock.
#}

with events as (

    select * from {{ ref('int_events_unified') }}

),

orders as (

    select * from {{ ref('stg_commerce__orders') }}

),

raw_file_loads as (

    select * from {{ source('raw_loads', 'raw_file_loads') }}

),

latest_timestamps as (

    select max(event_at) as latest_at from events
    union all
    select max(ordered_at) as latest_at from orders

),

latest_load as (

    select max(first_loaded_at) as latest_loaded_at from raw_file_loads

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
        least(max(latest_timestamps.latest_at), max(latest_load.latest_loaded_at)) as as_of_at,
        cast(
            least(max(latest_timestamps.latest_at), max(latest_load.latest_loaded_at)) as date
        ) as as_of_date
    from latest_timestamps
    cross join latest_load
    having max(latest_timestamps.latest_at) is not null
    {% endif %}

)

select * from final
