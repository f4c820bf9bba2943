{#
    Every day a known customer was active up to the as-of time: a session (any of their person's
    devices, as dim_customers counts them) or an order placed (whatever its status: the
    customer was there). Web-only data gives session days, orders-only data order days. The
    timeline customer_lifecycle and lifecycle_weekly are read from.
#}

with customers as (

    select * from {{ ref('dim_customers') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

session_days as (

    select
        customers.customer_id,
        cast(sessions.session_start_at as date) as activity_date,
        1 as sessions,
        0 as orders
    from sessions
    inner join customers
        on customers.person_id = sessions.person_id
    cross join as_of
    where sessions.session_start_at <= as_of.as_of_at

),

order_days as (

    select
        orders.customer_id,
        cast(orders.ordered_at as date) as activity_date,
        0 as sessions,
        1 as orders
    from orders
    cross join as_of
    where orders.customer_id is not null
        and orders.ordered_at <= as_of.as_of_at

),

activity as (

    select * from session_days
    union all
    select * from order_days

),

final as (

    select
        customer_id,
        activity_date,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(orders) as bigint) as orders
    from activity
    group by customer_id, activity_date

)

select * from final
