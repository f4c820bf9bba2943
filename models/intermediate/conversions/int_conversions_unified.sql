{#
    The conversions every conversion figure reads (customer features, segment profiles,
    experiment outcomes, daily activity and its forecasts): the orders when an orders entity is
    loaded (orders win, purchase events are then only behaviour), otherwise the purchase events
    (seed event_type_map's is_purchase) of persons with a customer id, with the event's price as
    revenue (null when the event carries none). One row per order or purchase event, in the
    columns of fct_orders the consumers read.
#}

with orders as (

    select * from {{ ref('fct_orders') }}

),

sessionised_events as {{ not_materialized() }} (

    select * from {{ ref('int_events_sessionised') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

person_customers as (

    {{ person_customers('identity_map') }}

),

order_conversions as (

    select
        cast(order_id as {{ dbt.type_string() }}) as conversion_id,
        'orders' as conversion_source,
        customer_id,
        person_id,
        ordered_at,
        status,
        is_completed,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(refunded_amount as decimal(18, 2)) as refunded_amount,
        cast(discount_amount as decimal(18, 2)) as discount_amount
    from orders

),

purchase_event_conversions as (

    select
        sessionised_events.event_key as conversion_id,
        'purchase_events' as conversion_source,
        person_customers.customer_id,
        sessionised_events.person_id,
        sessionised_events.event_at as ordered_at,
        'completed' as status,
        true as is_completed,
        cast(sessionised_events.price as decimal(18, 2)) as net_revenue,
        cast(0 as decimal(18, 2)) as refunded_amount,
        cast(0 as decimal(18, 2)) as discount_amount
    from sessionised_events
    inner join person_customers
        on person_customers.person_id = sessionised_events.person_id
    where sessionised_events.is_purchase
        and not exists (select 1 from orders)

),

final as (

    select * from order_conversions
    union all
    select * from purchase_event_conversions

)

select * from final
