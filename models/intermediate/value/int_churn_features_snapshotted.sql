{#
    Churn features per customer at two snapshots, each computed only from what had happened by
    the end of its snapshot date, so no later activity leaks into a feature:

    - `training`: as of as_of_date - churn_horizon_days; every customer with a session or an
      order by then, labelled `is_churned` = no session and no order in the churn_horizon_days
      that follow (up to the end of as_of_date);
    - `scoring`: as of as_of_date; every customer of customer_features (label unknown).

    Counts are over windows ending at the snapshot; `days_since_*` are whole days from the last
    such activity to the snapshot date (null without one); `mean_days_between_*` is the span
    from the first to the last session (order) over the gaps between them.
#}

with customers as (

    select customer_id from {{ ref('customer_features') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

snapshots as (

    select
        'training' as snapshot,
        cast({{ dateadd_exact('day', -1 * var('churn_horizon_days'), 'as_of_date') }} as date)
            as snapshot_date,
        {{ dateadd_exact('day', -1 * var('churn_horizon_days'), 'as_of_at') }} as snapshot_at,
        as_of_at as label_end_at
    from as_of
    union all
    select
        'scoring' as snapshot,
        as_of_date as snapshot_date,
        as_of_at as snapshot_at,
        cast(null as timestamp) as label_end_at
    from as_of

),

customer_sessions as (

    select
        customer_id,
        session_start_at,
        page_views,
        cart_adds
    from sessions
    where customer_id is not null

),

session_features as (

    select
        snapshots.snapshot,
        customer_sessions.customer_id,
        count(*) as sessions_total,
        {{ count_where(
            "customer_sessions.session_start_at > "
            ~ dateadd_exact('day', -30, 'snapshots.snapshot_at')
        ) }} as sessions_30d,
        {{ count_where(
            "customer_sessions.session_start_at > "
            ~ dateadd_exact('day', -60, 'snapshots.snapshot_at')
            ~ " and customer_sessions.session_start_at <= "
            ~ dateadd_exact('day', -30, 'snapshots.snapshot_at')
        ) }} as sessions_previous_30d,
        {{ count_where(
            "customer_sessions.session_start_at > "
            ~ dateadd_exact('day', -90, 'snapshots.snapshot_at')
        ) }} as sessions_90d,
        count(distinct case
            when customer_sessions.session_start_at
                > {{ dateadd_exact('day', -90, 'snapshots.snapshot_at') }}
            then cast(customer_sessions.session_start_at as date)
        end) as active_days_90d,
        cast(coalesce(sum(case
            when customer_sessions.session_start_at
                > {{ dateadd_exact('day', -90, 'snapshots.snapshot_at') }}
            then customer_sessions.page_views
        end), 0) as bigint) as page_views_90d,
        cast(coalesce(sum(case
            when customer_sessions.session_start_at
                > {{ dateadd_exact('day', -90, 'snapshots.snapshot_at') }}
            then customer_sessions.cart_adds
        end), 0) as bigint) as cart_adds_90d,
        min(customer_sessions.session_start_at) as first_session_at,
        max(customer_sessions.session_start_at) as last_session_at
    from customer_sessions
    inner join snapshots
        on customer_sessions.session_start_at <= snapshots.snapshot_at
    group by snapshots.snapshot, customer_sessions.customer_id

),

order_features as (

    select
        snapshots.snapshot,
        orders.customer_id,
        {{ count_where(
            "orders.is_completed and orders.ordered_at > "
            ~ dateadd_exact('day', -90, 'snapshots.snapshot_at')
        ) }} as orders_90d,
        {{ count_where(
            "orders.is_completed and orders.ordered_at > "
            ~ dateadd_exact('day', -365, 'snapshots.snapshot_at')
        ) }} as orders_365d,
        {{ count_where("orders.is_completed") }} as completed_orders_total,
        cast(coalesce(sum(case
            when orders.ordered_at > {{ dateadd_exact('day', -365, 'snapshots.snapshot_at') }}
            then orders.net_revenue
        end), 0) as double) as revenue_365d,
        min(orders.ordered_at) as first_order_at,
        max(orders.ordered_at) as last_order_at,
        min(case when orders.is_completed then orders.ordered_at end) as first_purchase_at,
        max(case when orders.is_completed then orders.ordered_at end) as last_purchase_at
    from orders
    inner join snapshots
        on orders.ordered_at <= snapshots.snapshot_at
    group by snapshots.snapshot, orders.customer_id

),

ticket_features as (

    select
        snapshots.snapshot,
        tickets.customer_id,
        count(*) as support_tickets_90d
    from tickets
    inner join snapshots
        on tickets.opened_at <= snapshots.snapshot_at
        and tickets.opened_at > {{ dateadd_exact('day', -90, 'snapshots.snapshot_at') }}
    group by snapshots.snapshot, tickets.customer_id

),

later_activity as (

    -- Who came back after the training snapshot, within the horizon: not churned.
    select distinct
        snapshots.snapshot,
        activity.customer_id
    from (
        select customer_id, session_start_at as activity_at from customer_sessions
        union all
        select customer_id, ordered_at as activity_at from orders
    ) as activity
    inner join snapshots
        on activity.activity_at > snapshots.snapshot_at
        and activity.activity_at <= snapshots.label_end_at

),

snapshot_customers as (

    select
        snapshots.snapshot,
        customers.customer_id
    from snapshots
    cross join customers
    where snapshots.snapshot = 'scoring'
    union
    select snapshot, customer_id from session_features where snapshot = 'training'
    union
    select snapshot, customer_id from order_features where snapshot = 'training'

),

final as (

    select
        snapshot_customers.customer_id,
        snapshot_customers.snapshot,
        snapshots.snapshot_date,
        {{ datediff_exact(
            'case when session_features.last_session_at is null'
            ~ ' or session_features.last_session_at < order_features.last_order_at'
            ~ ' then order_features.last_order_at else session_features.last_session_at end',
            'snapshots.snapshot_date', 'day'
        ) }} as days_since_last_activity,
        {{ datediff_exact('session_features.last_session_at', 'snapshots.snapshot_date', 'day') }}
            as days_since_last_session,
        {{ datediff_exact('order_features.last_purchase_at', 'snapshots.snapshot_date', 'day') }}
            as days_since_last_purchase,
        {{ datediff_exact(
            'case when session_features.first_session_at is null'
            ~ ' or session_features.first_session_at > order_features.first_order_at'
            ~ ' then order_features.first_order_at else session_features.first_session_at end',
            'snapshots.snapshot_date', 'day'
        ) }} as tenure_days,
        coalesce(session_features.sessions_30d, 0) as sessions_30d,
        coalesce(session_features.sessions_previous_30d, 0) as sessions_previous_30d,
        coalesce(session_features.sessions_90d, 0) as sessions_90d,
        coalesce(session_features.active_days_90d, 0) as active_days_90d,
        coalesce(session_features.page_views_90d, 0) as page_views_90d,
        coalesce(session_features.cart_adds_90d, 0) as cart_adds_90d,
        case when session_features.sessions_total > 1 then {{ float_divide(
            '(' ~ datediff_exact(
                'session_features.first_session_at', 'session_features.last_session_at', 'second'
            ) ~ ' / 86400.0)',
            '(session_features.sessions_total - 1)'
        ) }} end as mean_days_between_sessions,
        coalesce(order_features.orders_90d, 0) as orders_90d,
        coalesce(order_features.orders_365d, 0) as orders_365d,
        coalesce(order_features.revenue_365d, 0) as revenue_365d,
        case when order_features.completed_orders_total > 1 then {{ float_divide(
            '(' ~ datediff_exact(
                'order_features.first_purchase_at', 'order_features.last_purchase_at', 'second'
            ) ~ ' / 86400.0)',
            '(order_features.completed_orders_total - 1)'
        ) }} end as mean_days_between_orders,
        coalesce(ticket_features.support_tickets_90d, 0) as support_tickets_90d,
        case
            when snapshot_customers.snapshot = 'training' then later_activity.customer_id is null
        end as is_churned
    from snapshot_customers
    inner join snapshots
        on snapshots.snapshot = snapshot_customers.snapshot
    left join session_features
        on session_features.snapshot = snapshot_customers.snapshot
        and session_features.customer_id = snapshot_customers.customer_id
    left join order_features
        on order_features.snapshot = snapshot_customers.snapshot
        and order_features.customer_id = snapshot_customers.customer_id
    left join ticket_features
        on ticket_features.snapshot = snapshot_customers.snapshot
        and ticket_features.customer_id = snapshot_customers.customer_id
    left join later_activity
        on later_activity.snapshot = snapshot_customers.snapshot
        and later_activity.customer_id = snapshot_customers.customer_id

)

select * from final
