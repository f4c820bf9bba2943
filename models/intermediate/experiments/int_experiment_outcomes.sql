{#
    One row per customer exposed to an experiment: their variant, current segment, and whether
    they converted (int_conversions_unified: a completed order, or a purchase event without an
    orders entity; and the net revenue) within `experiment_conversion_days` after
    their first exposure. Only exposures whose window has fully passed by the as-of time count,
    so late exposures do not look like non-conversions.
#}

with assignments as (

    select * from {{ ref('stg_experiments__assignments') }}

),

orders as (

    select * from {{ ref('int_conversions_unified') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

exposures_observed as (

    select
        assignments.experiment_id,
        assignments.customer_id,
        assignments.variant,
        assignments.assigned_at,
        {{ dbt.dateadd('day', var('experiment_conversion_days'), 'assignments.assigned_at') }}
            as window_end_at
    from assignments
    cross join as_of
    where {{ dbt.dateadd('day', var('experiment_conversion_days'), 'assignments.assigned_at') }}
        <= as_of.as_of_at

),

orders_in_window as (

    select
        exposures_observed.experiment_id,
        exposures_observed.customer_id,
        count(*) as orders,
        sum(orders.net_revenue) as revenue
    from exposures_observed
    inner join orders
        on orders.customer_id = exposures_observed.customer_id
        and orders.ordered_at > exposures_observed.assigned_at
        and orders.ordered_at <= exposures_observed.window_end_at
        and orders.is_completed
    group by exposures_observed.experiment_id, exposures_observed.customer_id

),

final as (

    select
        exposures_observed.experiment_id,
        exposures_observed.customer_id,
        exposures_observed.variant,
        exposures_observed.assigned_at,
        cast(customer_segments.segment_id as {{ dbt.type_string() }}) as segment_id,
        customer_segments.segment_name,
        coalesce(orders_in_window.orders, 0) > 0 as converted,
        cast(coalesce(orders_in_window.revenue, 0) as double) as revenue
    from exposures_observed
    left join orders_in_window
        on orders_in_window.experiment_id = exposures_observed.experiment_id
        and orders_in_window.customer_id = exposures_observed.customer_id
    left join customer_segments
        on customer_segments.customer_id = exposures_observed.customer_id

)

select * from final
