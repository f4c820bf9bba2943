{#
    Each segmented customer's activity in the current period (the last `drift_period_days` up to
    the as-of date) and the period before it, zeros included, so the drift monitor can compare
    each segment's distributions between the two (population stability index).
#}

with customer_segments as (

    select * from {{ ref('customer_segments') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

orders as (

    select * from {{ ref('int_conversions_unified') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

periods as (

    select
        'current' as period,
        {{ dbt.dateadd('day', -1 * var('drift_period_days'), 'as_of_at') }} as period_start_at,
        as_of_at as period_end_at
    from as_of
    union all
    select
        'previous' as period,
        {{ dbt.dateadd('day', -2 * var('drift_period_days'), 'as_of_at') }} as period_start_at,
        {{ dbt.dateadd('day', -1 * var('drift_period_days'), 'as_of_at') }} as period_end_at
    from as_of

),

session_activity as (

    select
        periods.period,
        sessions.customer_id,
        count(*) as sessions,
        sum(sessions.page_views) as page_views,
        sum(sessions.duration_seconds) as session_seconds
    from sessions
    inner join periods
        on sessions.session_start_at > periods.period_start_at
        and sessions.session_start_at <= periods.period_end_at
    where sessions.customer_id is not null
    group by periods.period, sessions.customer_id

),

order_activity as (

    select
        periods.period,
        orders.customer_id,
        count(*) as orders,
        sum(orders.net_revenue) as revenue
    from orders
    inner join periods
        on orders.ordered_at > periods.period_start_at
        and orders.ordered_at <= periods.period_end_at
    where orders.is_completed
    group by periods.period, orders.customer_id

),

final as (

    select
        customer_segments.customer_id,
        customer_segments.segment_id,
        periods.period,
        cast(coalesce(session_activity.sessions, 0) as bigint) as sessions,
        cast(coalesce(session_activity.page_views, 0) as bigint) as page_views,
        coalesce(session_activity.session_seconds, 0) / 60.0 as session_minutes,
        cast(coalesce(order_activity.orders, 0) as bigint) as orders,
        cast(coalesce(order_activity.revenue, 0) as double) as revenue
    from customer_segments
    cross join periods
    left join session_activity
        on session_activity.customer_id = customer_segments.customer_id
        and session_activity.period = periods.period
    left join order_activity
        on order_activity.customer_id = customer_segments.customer_id
        and order_activity.period = periods.period

)

select * from final
