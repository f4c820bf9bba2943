{#
    The transactions of the purchase-count models (BG/NBD, Pareto/NBD, Gamma-Gamma): one row per
    customer and day with a purchase, the literature's convention (several orders on one day
    count once). They are the completed orders; a data set without an orders entity (no order
    at all) uses its purchase events instead, for the customer their person is stitched to,
    with the day's summed event price as the amount (null when no event carries one).
#}

with orders as (

    select * from {{ ref('fct_orders') }}

),

sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

completed_order_days as (

    select
        customer_id,
        cast(ordered_at as date) as transaction_date,
        count(*) as transactions,
        cast(sum(net_revenue) as double) as amount,
        'orders' as transaction_source
    from orders
    where is_completed
    group by customer_id, cast(ordered_at as date)

),

person_customers as (

    -- A person's customer, as in fct_sessions.
    select
        person_id,
        min(customer_id) as customer_id
    from identity_map
    where customer_id is not null
    group by person_id

),

purchase_event_days as (

    select
        person_customers.customer_id,
        cast(sessionised_events.event_at as date) as transaction_date,
        count(*) as transactions,
        sum(sessionised_events.price) as amount,
        'purchase_events' as transaction_source
    from sessionised_events
    inner join person_customers
        on person_customers.person_id = sessionised_events.person_id
    where sessionised_events.is_purchase
        and not exists (select 1 from orders)
    group by person_customers.customer_id, cast(sessionised_events.event_at as date)

),

final as (

    select * from completed_order_days
    union all
    select * from purchase_event_days

)

select * from final
