{#
    Customers moving between segments from one run to the next, read from the membership
    history snapshot: one row per change (from -> to) and per exit (to is null when a customer
    left every segment, e.g. after an erasure).
#}

with history as (

    select * from {{ ref('customer_segment_history') }}

),

versions_ordered as (

    select
        customer_id,
        segment_id,
        segment_name,
        dbt_valid_from,
        dbt_valid_to,
        lag(segment_id) over (partition by customer_id order by dbt_valid_from) as from_segment_id,
        lag(segment_name) over (partition by customer_id order by dbt_valid_from)
            as from_segment_name,
        lead(dbt_valid_from) over (partition by customer_id order by dbt_valid_from)
            as next_valid_from
    from history

),

moves as (

    select
        customer_id,
        from_segment_id,
        from_segment_name,
        segment_id as to_segment_id,
        segment_name as to_segment_name,
        dbt_valid_from as transitioned_at
    from versions_ordered
    where from_segment_id is not null

),

exits as (

    select
        customer_id,
        segment_id as from_segment_id,
        segment_name as from_segment_name,
        cast(null as integer) as to_segment_id,
        cast(null as {{ dbt.type_string() }}) as to_segment_name,
        dbt_valid_to as transitioned_at
    from versions_ordered
    where dbt_valid_to is not null
        and next_valid_from is null

),

final as (

    select
        customer_id,
        cast(from_segment_id as integer) as from_segment_id,
        from_segment_name,
        cast(to_segment_id as integer) as to_segment_id,
        to_segment_name,
        cast(transitioned_at as timestamp) as transitioned_at
    from moves
    union all
    select
        customer_id,
        cast(from_segment_id as integer) as from_segment_id,
        from_segment_name,
        to_segment_id,
        to_segment_name,
        cast(transitioned_at as timestamp) as transitioned_at
    from exits

)

select * from final
